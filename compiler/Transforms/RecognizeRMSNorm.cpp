//===- RecognizeRMSNorm.cpp - Primitive RMS norm graphs to sinter.rms_norm ===//
//
// Finds root-mean-square normalisation as models write it,
//   x * rsqrt(mean(x * x) + eps) [* gamma]    or
//   x / sqrt(mean(x * x) + eps)  [* gamma],
// over the trailing dimensions [axis, rank), and replaces it by one
// `sinter.rms_norm`. The mean may be `reduce mean`, `reduce sum * (1/N)` or
// `reduce sum / N`, the square `x * x` or `pow(x, 2)`, the statistic kept
// as size-1 dimensions (keepdim) or not; an f32 computation wrapped in
// converts from and back to bf16/f16 becomes one composite on the narrow
// type (which computes in f32 itself).
//
// epsilon must be a non-negative splat constant. Every intermediate must be
// read only inside the pattern. A norm of `x - mean(x)` is a layer norm and
// is left to sinter-recognize-layer-norm.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-recognize-rms-norm"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZERMSNORMPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;
using namespace sinter::recognize;

namespace {

/// `x` is `y - broadcast(mean(y))`: the centred value of a layer norm.
bool isCentred(Value x) {
  auto sub = x.getDefiningOp<SubOp>();
  if (!sub) {
    return false;
  }
  MatchedOps scratch;
  auto bcast = sub.getRhs().getDefiningOp<BroadcastInDimOp>();
  std::optional<Reduction> mean =
      bcast ? matchMean(bcast.getOperand(), scratch) : std::nullopt;
  return mean && mean->operand == sub.getLhs();
}

/// Matches `x (*|/) broadcast(inv)` where `inv` is `rsqrt(ms + eps)` (for a
/// product) or `sqrt(ms + eps)` (for a quotient) and `ms` the mean of the
/// squares of `x` over trailing dimensions.
template <typename InvOp>
std::optional<NormMatch> matchRms(Operation *op, Value x, Value scale,
                                  MatchedOps &matched) {
  auto bcast = scale.getDefiningOp<BroadcastInDimOp>();
  auto inv = bcast ? bcast.getOperand().getDefiningOp<InvOp>() : InvOp();
  if (!inv) {
    return std::nullopt;
  }
  matched.add(inv);
  std::optional<PlusEpsilon> var = matchPlusEpsilon(inv.getOperand(), matched);
  std::optional<Reduction> mean =
      var ? matchMean(var->value, matched) : std::nullopt;
  auto rank = cast<RankedTensorType>(x.getType()).getRank();
  std::optional<int64_t> axis =
      mean ? trailingAxis(mean->dims, rank) : std::nullopt;
  if (!axis || !matchSquare(mean->operand, x, matched) ||
      !matchUnreduce(scale, mean->dims, matched)) {
    return std::nullopt;
  }
  matched.add(op);
  return NormMatch{x, Value(), Value(), op, *axis, var->epsilon};
}

/// Anchored on the normalising product (MulOp) or quotient (DivOp).
template <typename OpTy> struct RecognizeRMSNorm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    MatchedOps matched;
    std::optional<NormMatch> m;
    if constexpr (std::is_same_v<OpTy, MulOp>) {
      eitherOrder(op, matched, [&](Value x, Value scale) {
        return (m = matchRms<RsqrtOp>(op, x, scale, matched)).has_value();
      });
    } else {
      m = matchRms<SqrtOp>(op, op.getLhs(), op.getRhs(), matched);
    }
    if (!m) {
      return rewriter.notifyMatchFailure(op, "not x scaled by its inverse RMS");
    }
    if (isCentred(m->operand)) {
      return rewriter.notifyMatchFailure(
          op, "the operand is centred: a layer norm, not an RMS norm");
    }
    matchAffineTail(*m, /*withGamma=*/true, /*withBeta=*/false, matched);
    if (!matched.isClosed(m->root)) {
      return rewriter.notifyMatchFailure(
          op, "an intermediate of the RMS norm is used elsewhere");
    }
    replaceNorm(rewriter, *m, [&](Value x, Value gamma, Value, Type type) {
      return rewriter.create<RmsNormOp>(op.getLoc(), type, x, gamma,
                                        static_cast<uint64_t>(m->axis),
                                        APFloat(m->epsilon));
    });
    return success();
  }
};

struct RecognizeRMSNormPass
    : sinter::impl::RecognizeRMSNormPassBase<RecognizeRMSNormPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(
            getOperation(), {populateRecognizeRMSNormPatterns}, "RMS norm"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeRMSNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeRMSNorm<MulOp>, RecognizeRMSNorm<DivOp>>(
      patterns.getContext());
}
