//===- LowerCopies.cpp - memref.copy as a linalg.generic ------------------===//
//
// memref.copy between memrefs that are not both contiguous lowers to a call
// into MLIR's C runner library (`memrefCopy`), which artifacts do not link.
// As a generic it becomes loops like every other op. A copy of a buffer
// onto itself (bufferization leaves them where a tile of a fused loop is
// written in place: 25 in the small GPT's training step, inside its row
// loops) copies nothing and is dropped.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#define DEBUG_TYPE "sinter-cpu-lower-copies"

namespace sinter {

#define GEN_PASS_DEF_CPULOWERCOPIESPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct CPULowerCopiesPass : impl::CPULowerCopiesPassBase<CPULowerCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      if (op.getSource() == op.getTarget()) {
        op.erase();
        continue;
      }
      OpBuilder b(op);
      b.create<linalg::CopyOp>(op.getLoc(), op.getSource(), op.getTarget());
      op.erase();
    }
  }
};

} // namespace
} // namespace sinter
