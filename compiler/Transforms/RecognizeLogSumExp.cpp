//===- RecognizeLogSumExp.cpp - Primitive logsumexp/log_softmax graphs ----===//
//
// Finds the stable log-sum-exp and log-softmax models write by hand along
// one axis,
//   logsumexp:   m + log(sum(exp(x - broadcast(m))))      m = max(x, axis)
//   log_softmax: (x - broadcast(m)) - broadcast(log(sum(exp(x -
//   broadcast(m)))))
//                x - broadcast(logsumexp(x))
// and replaces them by `sinter.logsumexp` and `sinter.log_softmax`. The
// max may be kept as a size-1 dimension (keepdim) and reshaped; then the
// logsumexp is reshaped the same way.
//
// A match never changes semantics: every intermediate must be read only
// inside the pattern; all reductions run over the same single axis of the
// same x and every broadcast restores exactly that axis. Like softmax, a row
// that is entirely -inf gives -inf from the composite where the primitive
// graph gives NaN.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-recognize-logsumexp"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZELOGSUMEXPPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;
using namespace sinter::recognize;

namespace {

/// `v` is max(x) over one axis (possibly keep-dims reshaped); returns x and
/// the axis.
std::optional<Reduction> matchMax(Value v, MatchedOps &matched) {
  std::optional<Reduction> r = matchReduce(v, ReduceKind::max, matched);
  if (!r || r->dims.size() != 1) {
    return std::nullopt;
  }
  return r;
}

/// `v` is x - broadcast(max(x, axis)): the shifted logits. Returns x and
/// the axis.
std::optional<Reduction> matchShifted(Value v, MatchedOps &matched) {
  auto sub = v.getDefiningOp<SubOp>();
  auto bcast =
      sub ? sub.getRhs().getDefiningOp<BroadcastInDimOp>() : BroadcastInDimOp();
  std::optional<Reduction> max =
      bcast ? matchMax(bcast.getOperand(), matched) : std::nullopt;
  if (!max || max->operand != sub.getLhs() ||
      !matchUnreduce(sub.getRhs(), max->dims, matched)) {
    return std::nullopt;
  }
  matched.add(sub);
  return max;
}

/// `v` is log(sum(exp(shifted))) over `axis`; returns `shifted`.
Value matchLogSumExpShifted(Value v, int64_t axis, MatchedOps &matched) {
  auto log = v.getDefiningOp<LogOp>();
  std::optional<Reduction> sum =
      log ? matchReduce(log.getOperand(), ReduceKind::sum, matched)
          : std::nullopt;
  auto exp = sum ? sum->operand.getDefiningOp<ExpOp>() : ExpOp();
  if (!exp || sum->dims != ArrayRef<int64_t>{axis}) {
    return nullptr;
  }
  matched.add(log);
  matched.add(exp);
  return exp.getOperand();
}

/// max(x) + log(sum(exp(x - broadcast(max(x))))), either order.
struct RecognizeLogSumExp : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    MatchedOps matched;
    std::optional<Reduction> max;
    bool found = eitherOrder(add, matched, [&](Value m, Value l) {
      max = matchMax(m, matched);
      if (!max) {
        return false;
      }
      Value shifted = matchLogSumExpShifted(l, max->dims[0], matched);
      std::optional<Reduction> inner =
          shifted ? matchShifted(shifted, matched) : std::nullopt;
      return inner && inner->operand == max->operand &&
             inner->dims == max->dims && l.getType() == m.getType();
    });
    if (!found) {
      return rewriter.notifyMatchFailure(add,
                                         "not max + log(sum(exp(x - max)))");
    }
    matched.add(add);
    if (!matched.isClosed(add)) {
      return rewriter.notifyMatchFailure(
          add, "an intermediate of the logsumexp is used elsewhere");
    }
    Value lse = rewriter.create<LogSumExpOp>(
        add.getLoc(), max->operand, static_cast<uint64_t>(max->dims[0]));
    if (lse.getType() != add.getType()) { // keep-dims
      lse = rewriter.create<ReshapeOp>(add.getLoc(), add.getType(), lse);
    }
    rewriter.replaceOp(add, lse);
    return success();
  }
};

/// shifted - broadcast(log(sum(exp(shifted)))), or
/// x - broadcast(sinter.logsumexp(x)).
struct RecognizeLogSoftmax : OpRewritePattern<SubOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SubOp sub,
                                PatternRewriter &rewriter) const override {
    MatchedOps matched;
    matched.add(sub);
    std::optional<Reduction> r = matchComposite(sub, matched);
    if (!r) {
      matched.truncate(1);
      r = matchPrimitive(sub, matched);
    }
    if (!r) {
      return rewriter.notifyMatchFailure(
          sub, "not x - max - log(sum(exp(x - max))) nor x - logsumexp(x)");
    }
    if (!matched.isClosed(sub)) {
      return rewriter.notifyMatchFailure(
          sub, "an intermediate of the log_softmax is used elsewhere");
    }
    rewriter.replaceOpWithNewOp<LogSoftmaxOp>(
        sub, sub.getType(), r->operand, static_cast<uint64_t>(r->dims[0]));
    return success();
  }

private:
  /// x - broadcast(logsumexp(x)).
  static std::optional<Reduction> matchComposite(SubOp sub,
                                                 MatchedOps &matched) {
    auto bcast = sub.getRhs().getDefiningOp<BroadcastInDimOp>();
    auto lse =
        bcast ? bcast.getOperand().getDefiningOp<LogSumExpOp>() : LogSumExpOp();
    if (!lse || lse.getOperand() != sub.getLhs()) {
      return std::nullopt;
    }
    Reduction r{lse.getOperand(), {static_cast<int64_t>(lse.getAxis())}};
    if (!matchUnreduce(sub.getRhs(), r.dims, matched)) {
      return std::nullopt;
    }
    matched.add(lse);
    return r;
  }

  /// shifted - broadcast(log(sum(exp(shifted)))).
  static std::optional<Reduction> matchPrimitive(SubOp sub,
                                                 MatchedOps &matched) {
    Value shifted = sub.getLhs();
    std::optional<Reduction> r = matchShifted(shifted, matched);
    if (!r) {
      return std::nullopt;
    }
    auto bcast = sub.getRhs().getDefiningOp<BroadcastInDimOp>();
    if (!bcast || !matchUnreduce(sub.getRhs(), r->dims, matched) ||
        matchLogSumExpShifted(bcast.getOperand(), r->dims[0], matched) !=
            shifted) {
      return std::nullopt;
    }
    return r;
  }
};

struct RecognizeLogSumExpPass
    : sinter::impl::RecognizeLogSumExpPassBase<RecognizeLogSumExpPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(getOperation(),
                                         {populateRecognizeLogSumExpPatterns},
                                         "logsumexp and log_softmax"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeLogSumExpPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeLogSumExp, RecognizeLogSoftmax>(patterns.getContext());
}
