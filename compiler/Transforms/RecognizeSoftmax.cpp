//===- RecognizeSoftmax.cpp - Primitive softmax graphs to sinter.softmax --===//
//
// Finds the stable softmax models write by hand,
//   exp(x - broadcast(max(x, axis))) / broadcast(sum(exp(...), axis)),
// and replaces it by `sinter.softmax`, so later passes see one row
// reduction instead of five ops and two intermediates the size of x.
//
// A match never changes what the graph computes: every intermediate must be
// used only inside the pattern (an intermediate read elsewhere blocks it),
// both reductions run over the same single axis, and both broadcasts put
// the reduced value back along exactly that axis.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-recognize-softmax"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZESOFTMAXPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

/// `v` produced by a reduction of `kind` over exactly one dimension, read by
/// nothing but `user`: returns that reduction, else null.
ReduceOp singleAxisReduce(Value v, ReduceKind kind, Operation *user) {
  auto reduce = v.getDefiningOp<ReduceOp>();
  if (!reduce || reduce.getKind() != kind ||
      reduce.getDimensions().size() != 1 || !v.hasOneUse() ||
      *v.getUsers().begin() != user) {
    return nullptr;
  }
  return reduce;
}

/// `v` is `reduced` broadcast back along `axis` to `v`'s shape (the
/// inverse of the reduction), and only `user` reads it.
bool isUnreduce(Value v, Value reduced, int64_t axis, Operation *user) {
  auto bcast = v.getDefiningOp<BroadcastInDimOp>();
  if (!bcast || bcast.getOperand() != reduced || !v.hasOneUse() ||
      *v.getUsers().begin() != user) {
    return false;
  }
  auto rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis) {
      expected.push_back(d);
    }
  }
  return bcast.getBroadcastDimensions() == ArrayRef<int64_t>(expected);
}

struct RecognizeSoftmax : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    // div(e, unreduce(sum(e))) with e = exp(x - unreduce(max(x))).
    Value e = div.getLhs();
    auto exp = e.getDefiningOp<ExpOp>();
    if (!exp) {
      return rewriter.notifyMatchFailure(div, "numerator is not an exp");
    }
    auto sumBcast = div.getRhs().getDefiningOp<BroadcastInDimOp>();
    if (!sumBcast) {
      return rewriter.notifyMatchFailure(div, "denominator is not broadcast");
    }
    ReduceOp sum =
        singleAxisReduce(sumBcast.getOperand(), ReduceKind::sum, sumBcast);
    if (!sum || sum.getOperand() != e) {
      return rewriter.notifyMatchFailure(div, "no sum of the same exp");
    }
    int64_t axis = sum.getDimensions()[0];
    if (!isUnreduce(div.getRhs(), sum.getResult(), axis, div)) {
      return rewriter.notifyMatchFailure(div, "sum not broadcast along axis");
    }
    // e is read by the sum and the division, nothing else.
    for (Operation *user : e.getUsers()) {
      if (user != sum && user != div) {
        return rewriter.notifyMatchFailure(div, "exp is used elsewhere");
      }
    }
    auto sub = exp.getOperand().getDefiningOp<SubOp>();
    if (!sub || !sub->hasOneUse()) {
      return rewriter.notifyMatchFailure(div, "exp of something else");
    }
    Value x = sub.getLhs();
    auto maxBcast = sub.getRhs().getDefiningOp<BroadcastInDimOp>();
    ReduceOp max = maxBcast ? singleAxisReduce(maxBcast.getOperand(),
                                               ReduceKind::max, maxBcast)
                            : nullptr;
    if (!max || max.getOperand() != x || max.getDimensions()[0] != axis ||
        !isUnreduce(sub.getRhs(), max.getResult(), axis, sub)) {
      return rewriter.notifyMatchFailure(div,
                                         "not x minus its max along the axis");
    }
    rewriter.replaceOpWithNewOp<SoftmaxOp>(div, div.getType(), x,
                                           static_cast<uint64_t>(axis));
    return success();
  }
};

struct RecognizeSoftmaxPass
    : sinter::impl::RecognizeSoftmaxPassBase<RecognizeSoftmaxPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(
            getOperation(), {populateRecognizeSoftmaxPatterns}, "softmax"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeSoftmaxPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeSoftmax>(patterns.getContext());
}
