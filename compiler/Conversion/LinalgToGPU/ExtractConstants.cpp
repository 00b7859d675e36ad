//===- ExtractConstants.cpp - Weights in one buffer the runtime uploads ---===//
//
// Constants baked into the PTX module would be written out as decimal text
// (four times their size, JIT-compiled by the driver on every load of a
// PTX-only artifact). Instead, every constant global the entry function
// reads gets an offset in one constants buffer: the function takes the
// buffer as an argument after the workspace, and each `memref.get_global`
// becomes a `memref.view` of it. The globals stay in the module, tagged
// with their offsets, for the artifact writer to copy their bytes into the
// artifact; the runtime uploads them once per model.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "sinter-gpu-extract-constants"

namespace sinter {

#define GEN_PASS_DEF_GPUEXTRACTCONSTANTSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

constexpr int64_t kConstantAlignment = 64;

int64_t byteSizeOf(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

struct GPUExtractConstantsPass
    : impl::GPUExtractConstantsPassBase<GPUExtractConstantsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    MLIRContext *ctx = module.getContext();
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isExternal() || !fn.isPublic()) {
        continue;
      }
      SmallVector<memref::GetGlobalOp> gets;
      fn.walk([&](memref::GetGlobalOp op) { gets.push_back(op); });
      // Offsets in first-use order.
      llvm::MapVector<memref::GlobalOp, int64_t> offsets;
      int64_t total = 0;
      for (memref::GetGlobalOp get : gets) {
        auto global = symbols.lookup<memref::GlobalOp>(get.getName());
        if (!global || !global.getConstant() || !global.getInitialValue()) {
          get.emitError("a GPU kernel can only read constant globals with an "
                        "initial value");
          return signalPassFailure();
        }
        if (!global.getType().hasStaticShape() ||
            !global.getType().getLayout().isIdentity()) {
          get.emitError("a constant for the GPU needs a static shape and an "
                        "identity layout");
          return signalPassFailure();
        }
        if (offsets.count(global)) {
          continue;
        }
        total = llvm::alignTo(total, kConstantAlignment);
        offsets[global] = total;
        total += byteSizeOf(global.getType());
      }
      if (offsets.empty()) {
        continue;
      }
      unsigned argIndex = fn.getNumArguments();
      auto type = MemRefType::get({total}, IntegerType::get(ctx, 8));
      fn.insertArgument(argIndex, type, {}, fn.getLoc());
      Value buffer = fn.getArgument(argIndex);
      for (memref::GetGlobalOp get : gets) {
        auto global = symbols.lookup<memref::GlobalOp>(get.getName());
        OpBuilder b(get);
        Value offset =
            b.create<arith::ConstantIndexOp>(get.getLoc(), offsets[global]);
        Value view = b.create<memref::ViewOp>(get.getLoc(), get.getType(),
                                              buffer, offset, ValueRange{});
        get.replaceAllUsesWith(view);
        get.erase();
      }
      for (auto [global, offset] : offsets) {
        global->setAttr(kConstantOffsetAttr,
                        IntegerAttr::get(IntegerType::get(ctx, 64), offset));
      }
      fn->setAttr(kConstantBytesAttr,
                  IntegerAttr::get(IntegerType::get(ctx, 64), total));
    }
  }
};

} // namespace
} // namespace sinter
