//===- PlanWorkspace.cpp - One arena for every intermediate buffer -------===//
//
// Compiled code never allocates: every `memref.alloc` that bufferization
// left in a public function becomes a view into one workspace argument the
// runtime allocates once per execution context. Buffers live from their
// allocation to the last use of any view of them (in program order of the
// function's top-level block); those whose lives overlap get disjoint byte
// ranges, placed largest first at the lowest aligned offset that fits.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#define DEBUG_TYPE "sinter-plan-workspace"

namespace sinter {

#define GEN_PASS_DEF_PLANWORKSPACEPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0;
  int64_t alignment = 1;
  int64_t first = 0, last = 0; // live range, in top-level op positions
  int64_t offset = -1;
};

int64_t byteSizeOf(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

/// The op of `block` that contains `op`.
Operation *topLevelAncestor(Block &block, Operation *op) {
  while (op && op->getBlock() != &block) {
    op = op->getParentOp();
  }
  return op;
}

/// Position of the last top-level op using `root` or a view of it.
int64_t lastUse(Block &block, Value root,
                const llvm::DenseMap<Operation *, int64_t> &position) {
  int64_t last = -1;
  SmallVector<Value> worklist = {root};
  llvm::SmallPtrSet<Value, 8> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second) {
      continue;
    }
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      Operation *top = topLevelAncestor(block, user);
      if (top) {
        last = std::max(last, position.lookup(top));
      }
      // Views extend the life of what they view.
      if (isa<ViewLikeOpInterface>(user) ||
          isa<memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp,
              memref::ReinterpretCastOp>(user)) {
        for (Value r : user->getResults()) {
          if (isa<MemRefType>(r.getType())) {
            worklist.push_back(r);
          }
        }
      }
    }
  }
  return last;
}

struct PlanWorkspacePass : impl::PlanWorkspacePassBase<PlanWorkspacePass> {
  using PlanWorkspacePassBase::PlanWorkspacePassBase;

  LogicalResult plan(func::FuncOp fn) {
    Block &block = fn.getBody().front();
    llvm::DenseMap<Operation *, int64_t> position;
    int64_t pos = 0;
    for (Operation &op : block) {
      position[&op] = pos++;
    }
    std::vector<Buffer> buffers;
    SmallVector<memref::DeallocOp> deallocs;
    WalkResult walk = fn.walk([&](Operation *op) {
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        deallocs.push_back(dealloc);
        return WalkResult::advance();
      }
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc) {
        return WalkResult::advance();
      }
      MemRefType type = alloc.getType();
      if (alloc->getBlock() != &block) {
        alloc.emitError("cannot place an allocation inside a loop or region "
                        "in the workspace");
        return WalkResult::interrupt();
      }
      if (!type.hasStaticShape() || !type.getLayout().isIdentity()) {
        alloc.emitError("workspace buffers need a static shape and the "
                        "identity layout, got ")
            << type;
        return WalkResult::interrupt();
      }
      Buffer buf;
      buf.alloc = alloc;
      buf.bytes = byteSizeOf(type);
      buf.alignment =
          std::max<int64_t>(alignment, alloc.getAlignment().value_or(1));
      buf.first = position.lookup(alloc);
      buf.last = std::max(buf.first, lastUse(block, alloc, position));
      buffers.push_back(buf);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted()) {
      return failure();
    }
    for (memref::DeallocOp d : deallocs) {
      d.erase(); // the arena outlives the call
    }

    // Greedy by size: each buffer takes the lowest offset that does not
    // overlap a placed buffer whose live range meets its own.
    std::vector<Buffer *> order;
    for (Buffer &b : buffers) {
      order.push_back(&b);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](Buffer *x, Buffer *y) { return x->bytes > y->bytes; });
    std::vector<Buffer *> placed;
    int64_t total = 0;
    for (Buffer *b : order) {
      std::vector<std::pair<int64_t, int64_t>> busy;
      for (Buffer *p : placed) {
        if (p->first <= b->last && b->first <= p->last) {
          busy.push_back({p->offset, p->offset + p->bytes});
        }
      }
      std::sort(busy.begin(), busy.end());
      int64_t offset = 0;
      for (auto [lo, hi] : busy) {
        if (offset + b->bytes <= lo) {
          break;
        }
        offset = std::max<int64_t>(offset, llvm::alignTo(hi, b->alignment));
      }
      b->offset = offset;
      placed.push_back(b);
      total = std::max(total, offset + b->bytes);
    }
    total = static_cast<int64_t>(llvm::alignTo(total, alignment));

    MLIRContext *ctx = fn.getContext();
    auto wsType = MemRefType::get({total}, IntegerType::get(ctx, 8));
    unsigned argIndex = fn.getNumArguments();
    fn.insertArgument(argIndex, wsType, {}, fn.getLoc());
    Value ws = fn.getArgument(argIndex);
    for (Buffer &b : buffers) {
      OpBuilder builder(b.alloc);
      Value offset =
          builder.create<arith::ConstantIndexOp>(b.alloc.getLoc(), b.offset);
      Value view = builder.create<memref::ViewOp>(
          b.alloc.getLoc(), b.alloc.getType(), ws, offset, ValueRange{});
      b.alloc.replaceAllUsesWith(view);
      b.alloc.erase();
    }
    fn->setAttr(kWorkspaceBytesAttr,
                IntegerAttr::get(IntegerType::get(ctx, 64), total));
    return success();
  }

  void runOnOperation() override {
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      getOperation().emitError("sinter-plan-workspace: alignment must be a "
                               "positive power of two");
      return signalPassFailure();
    }
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isPublic() && !fn.isExternal() && failed(plan(fn))) {
        return signalPassFailure();
      }
    }
  }
};

} // namespace
} // namespace sinter
