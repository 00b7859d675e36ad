//===- PrepareBufferization.cpp - Model inputs are read-only -------------===//
//
// A compiled model's inputs belong to the caller and are const in the ABI;
// bufferization must not reuse their buffers for results. And every result
// must become its own output buffer: a result that is an input, or that is
// returned twice, is copied into a fresh tensor first (upstream's
// buffer-results-to-out-params with hoisted allocations also crashes on a
// returned argument in MLIR 19).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"

#include "llvm/ADT/SmallPtrSet.h"

#define DEBUG_TYPE "sinter-cpu-prepare-bufferization"

namespace sinter {

#define GEN_PASS_DEF_CPUPREPAREBUFFERIZATIONPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct CPUPrepareBufferizationPass
    : impl::CPUPrepareBufferizationPassBase<CPUPrepareBufferizationPass> {
  void runOnOperation() override {
    auto no = BoolAttr::get(&getContext(), false);
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (!fn.isPublic() || fn.isExternal()) {
        continue;
      }
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
        if (isa<TensorType>(fn.getArgument(i).getType())) {
          fn.setArgAttr(
              i, bufferization::BufferizationDialect::kWritableAttrName, no);
        }
      }
      fn.walk([&](func::ReturnOp ret) {
        llvm::SmallPtrSet<Value, 8> seen;
        OpBuilder b(ret);
        for (OpOperand &operand : ret->getOpOperands()) {
          Value v = operand.get();
          auto type = dyn_cast<RankedTensorType>(v.getType());
          if (!type) {
            continue;
          }
          if (isa<BlockArgument>(v) || !seen.insert(v).second) {
            Value copy = b.create<bufferization::AllocTensorOp>(
                ret.getLoc(), type, ValueRange{}, /*copy=*/v);
            operand.set(copy);
          }
        }
      });
    }
  }
};

} // namespace
} // namespace sinter
