//===- PromoteLoopBuffers.cpp - Per-iteration buffers on the stack --------===//
//
// A buffer allocated inside a loop belongs to one iteration, and the
// iterations of a parallel loop run on different threads: such buffers
// cannot come from the shared workspace. They become stack allocations in
// an alloca scope around the loop body, released every iteration.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#define DEBUG_TYPE "sinter-cpu-promote-loop-buffers"

namespace sinter {

#define GEN_PASS_DEF_CPUPROMOTELOOPBUFFERSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

int64_t byteSizeOf(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

/// Wraps every op of `block` but its terminator in a memref.alloca_scope;
/// values the terminator reads become results of the scope.
void wrapInAllocaScope(Block &block) {
  Operation *terminator = block.getTerminator();
  if (block.begin() == Block::iterator(terminator)) {
    return;
  }
  SmallVector<Value> escaping;
  for (Value v : terminator->getOperands()) {
    if (v.getParentBlock() == &block && !isa<BlockArgument>(v)) {
      escaping.push_back(v);
    }
  }
  OpBuilder b = OpBuilder::atBlockBegin(&block);
  auto scope = b.create<memref::AllocaScopeOp>(terminator->getLoc(),
                                               ValueRange(escaping).getTypes());
  Block *body = new Block();
  scope.getBodyRegion().push_back(body);
  body->getOperations().splice(body->end(), block.getOperations(),
                               std::next(Block::iterator(scope)),
                               Block::iterator(terminator));
  OpBuilder::atBlockEnd(body).create<memref::AllocaScopeReturnOp>(
      terminator->getLoc(), escaping);
  for (auto [i, v] : llvm::enumerate(escaping)) {
    terminator->replaceUsesOfWith(v, scope.getResult(i));
  }
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
    llvm::SetVector<Block *> bodies;
    for (memref::AllocOp alloc : nested) {
      MemRefType type = alloc.getType();
      if (!type.hasStaticShape()) {
        alloc.emitError() << "a buffer of dynamic shape " << type
                          << " inside a loop cannot be placed";
        return signalPassFailure();
      }
      if (byteSizeOf(type) > maxBytes) {
        alloc.emitError() << "a buffer of " << byteSizeOf(type) << " bytes ("
                          << type << ") inside a loop exceeds the "
                          << maxBytes << "-byte limit for stack buffers";
        return signalPassFailure();
      }
      OpBuilder b(alloc);
      auto alloca = b.create<memref::AllocaOp>(alloc.getLoc(), type,
                                               alloc.getAlignmentAttr());
      alloc.replaceAllUsesWith(alloca.getResult());
      alloc.erase();
      // The body of the innermost loop around it gets the scope.
      Operation *loop = alloca->getParentOp();
      while (loop && !isa<scf::ForOp, scf::ParallelOp, scf::ForallOp>(loop)) {
        loop = loop->getParentOp();
      }
      if (loop) {
        bodies.insert(&loop->getRegion(0).front());
      }
    }
    for (Block *body : bodies) {
      wrapInAllocaScope(*body);
    }
  }
};

} // namespace
} // namespace sinter
