//===- PromoteLoopBuffers.cpp - Per-iteration buffers on the stack --------===//
//
// A buffer allocated inside a loop belongs to one iteration, and the
// iterations of a parallel loop run on different threads: such buffers
// cannot come from the shared workspace. They become stack allocations
// marked `sinter.loop_buffer`; OutlineKernels later hoists them to the
// entry of the kernel that runs the loop, so each call (each thread's range
// of iterations) has its own, allocated once rather than per iteration.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#define DEBUG_TYPE "sinter-cpu-promote-loop-buffers"

namespace sinter {

#define GEN_PASS_DEF_CPUPROMOTELOOPBUFFERSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

int64_t byteSizeOf(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

/// True if the buffer (or a view of it) is handed to the next iteration.
bool escapesIteration(Value buffer) {
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (user->hasTrait<OpTrait::IsTerminator>()) {
        return true;
      }
      if (isa<ViewLikeOpInterface>(user)) {
        worklist.append(user->result_begin(), user->result_end());
      }
    }
  }
  return false;
}

struct CPUPromoteLoopBuffersPass
    : impl::CPUPromoteLoopBuffersPassBase<CPUPromoteLoopBuffersPass> {
  using CPUPromoteLoopBuffersPassBase::CPUPromoteLoopBuffersPassBase;

  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.isExternal()) {
      return;
    }
    Block &top = fn.getBody().front();
    SmallVector<memref::AllocOp> nested;
    fn.walk([&](memref::AllocOp alloc) {
      if (alloc->getBlock() != &top) {
        nested.push_back(alloc);
      }
    });
    // Each top-level nest becomes a kernel of its own: the budget is per
    // nest.
    llvm::DenseMap<Operation *, int64_t> totals;
    for (memref::AllocOp alloc : nested) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape()) {
        alloc.emitError() << "a buffer of dynamic shape " << type
                          << " inside a loop cannot be placed";
        return signalPassFailure();
      }
      if (escapesIteration(alloc.getResult())) {
        alloc.emitError() << "a buffer allocated inside a loop (" << type
                          << ") is passed on to the next iteration";
        return signalPassFailure();
      }
      Operation *nest = alloc;
      while (nest->getBlock() != &top) {
        nest = nest->getParentOp();
      }
      int64_t &total = totals[nest];
      total += byteSizeOf(type);
      if (total > maxBytes) {
        alloc.emitError() << "the buffers inside this loop nest need " << total
                          << " bytes, over the "
                          << static_cast<int64_t>(maxBytes)
                          << "-byte limit for stack buffers";
        return signalPassFailure();
      }
      OpBuilder b(alloc);
      auto alloca = b.create<memref::AllocaOp>(alloc.getLoc(), type,
                                               alloc.getAlignmentAttr());
      alloca->setAttr(kLoopBufferAttr, b.getUnitAttr());
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
    }
  }
};

} // namespace
} // namespace sinter
