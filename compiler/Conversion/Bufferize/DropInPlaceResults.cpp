//===- DropInPlaceResults.cpp - Outputs written into their inputs --------===//
//
// sinter-prepare-bufferization returned each output that overwrites an input
// through `materialize_in_destination` into that input, so after one-shot
// bufferization the returned value is the input's memref argument. The
// result is dropped: the entry then takes no buffer for that output (the
// artifact writer skips it; the runtime hands the input's buffer over).
// Anything else returned for such a result would be an output the caller
// never sees, so it is an error rather than a silent loss.
//
// An ordinary result can end up in an overwritten input's buffer too (the
// same value returned in place and as an output of its own, or a view of
// it): it gets a buffer of its own and a copy, as the out-param convention
// needs (MLIR 19's buffer-results-to-out-params crashes on a returned
// argument).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "dialects/sinter/IR/EntryFunction.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/BitVector.h"

#define DEBUG_TYPE "sinter-drop-in-place-results"

namespace sinter {

#define GEN_PASS_DEF_DROPINPLACERESULTSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct DropInPlaceResultsPass
    : impl::DropInPlaceResultsPassBase<DropInPlaceResultsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isPublic() && !fn.isExternal() && failed(drop(fn))) {
        return signalPassFailure();
      }
    }
  }

  LogicalResult drop(func::FuncOp fn) {
    llvm::BitVector erase(fn.getNumResults());
    SmallVector<std::pair<unsigned, unsigned>> pairs; // result, input
    for (unsigned r = 0, e = fn.getNumResults(); r < e; ++r) {
      if (std::optional<unsigned> input = aliasedInput(fn, r)) {
        erase.set(r);
        pairs.push_back({r, *input});
      }
    }
    if (erase.none()) {
      return success();
    }
    if (!fn.getBody().hasOneBlock()) {
      return fn.emitOpError("an entry function with outputs written in "
                            "place must have one block");
    }
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    for (auto [r, input] : pairs) {
      Value v = ret.getOperand(r);
      while (auto cast = v.getDefiningOp<memref::CastOp>()) {
        v = cast.getSource();
      }
      if (v != fn.getArgument(input)) {
        return fn.emitOpError()
               << "result " << r << " ('" << entryOutputName(fn, r)
               << "') should have been written into the buffer of input "
               << input << " ('" << entryInputName(fn, input)
               << "') by bufferization, but is another buffer";
      }
    }
    SmallVector<Value> kept;
    OpBuilder b(ret);
    for (unsigned r = 0, e = ret.getNumOperands(); r < e; ++r) {
      if (erase.test(r)) {
        continue;
      }
      Value v = ret.getOperand(r);
      auto type = dyn_cast<MemRefType>(fn.getResultTypes()[r]);
      if (type && isa<BlockArgument>(rootOf(v))) {
        Value own = b.create<memref::AllocOp>(ret.getLoc(), type);
        b.create<memref::CopyOp>(ret.getLoc(), v, own);
        v = own;
      }
      kept.push_back(v);
    }
    ret->setOperands(kept);
    fn.eraseResults(erase);
    return success();
  }

  /// The buffer `v` is a view (or a cast) of.
  static Value rootOf(Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
        v = view.getViewSource();
      } else if (auto cast = dyn_cast<memref::CastOp>(def)) {
        v = cast.getSource();
      } else if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def)) {
        v = def->getOperand(0);
      } else {
        break;
      }
    }
    return v;
  }
};

} // namespace
} // namespace sinter
