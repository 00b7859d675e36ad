//===- MarkKernelArgsNoAlias.cpp - noalias on kernel pointer arguments ---===//
//
// The kernel outliner proved that a kernel's buffers do not overlap and left
// `sinter.noalias` on it; once memrefs are LLVM pointers, that becomes
// `llvm.noalias` on each pointer argument, which lets LLVM keep reduction
// accumulators in registers and vectorize without runtime alias checks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#define DEBUG_TYPE "sinter-mark-kernel-args-noalias"

namespace sinter {

#define GEN_PASS_DEF_MARKKERNELARGSNOALIASPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct MarkKernelArgsNoAliasPass
    : impl::MarkKernelArgsNoAliasPassBase<MarkKernelArgsNoAliasPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::LLVMFuncOp fn) {
      if (!fn->hasAttr(kKernelAttr) || !fn->hasAttr("sinter.noalias")) {
        return;
      }
      auto unit = UnitAttr::get(fn.getContext());
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
        if (isa<LLVM::LLVMPointerType>(fn.getArgument(i).getType())) {
          fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(), unit);
        }
      }
    });
  }
};

} // namespace
} // namespace sinter
