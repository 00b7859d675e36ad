//===- MarkKernelArgsNoAlias.cpp - noalias on kernel pointer arguments ---===//
//
// The kernel outliner proved that a kernel's buffers do not overlap and left
// `sinter.noalias` on it; once memrefs are LLVM pointers, that becomes
// `llvm.noalias` on each aligned pointer argument, which lets LLVM keep
// reduction accumulators in registers and vectorize without runtime alias
// checks.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#define DEBUG_TYPE "sinter-cpu-mark-kernel-args-noalias"

namespace sinter {

#define GEN_PASS_DEF_CPUMARKKERNELARGSNOALIASPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct CPUMarkKernelArgsNoAliasPass
    : impl::CPUMarkKernelArgsNoAliasPassBase<CPUMarkKernelArgsNoAliasPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::LLVMFuncOp fn) {
      if (!fn->hasAttr(kKernelAttr) || !fn->hasAttr("sinter.noalias")) {
        return;
      }
      // Each memref argument became (allocated, aligned, offset, sizes...,
      // strides...): only the aligned pointer is used for accesses. The
      // allocated one may be shared by several buffers (views of the
      // workspace), so it must not claim exclusivity.
      auto unit = UnitAttr::get(fn.getContext());
      bool nextIsAligned = false;
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
        if (!isa<LLVM::LLVMPointerType>(fn.getArgument(i).getType())) {
          nextIsAligned = false;
          continue;
        }
        if (nextIsAligned) {
          fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(), unit);
        }
        nextIsAligned = !nextIsAligned;
      }
    });
  }
};

} // namespace
} // namespace sinter
