//===- RecognizeLayerNorm.cpp - Primitive layer norms to sinter.layer_norm ===//
//
// Finds layer normalisation over the trailing dimensions [axis, rank) as
// models write it,
//   c = x - mean(x)
//   (c * rsqrt(var + eps)  or  c / sqrt(var + eps)) [* gamma] [+ beta]
// with the variance spelt `mean(c * c)`, `mean(pow(c, 2))` or
// `mean(x * x) - mean(x)^2`, and replaces it by one `sinter.layer_norm`.
// A mean may be `reduce mean`, `reduce sum * (1/N)` or `reduce sum / N`,
// with the statistics kept as size-1 dimensions (keepdim) or not. An f32
// computation wrapped in converts from and back to bf16/f16 (as
// sinter-decompose-composites writes it) becomes one composite on the
// narrow type, which computes its statistics in f32 itself.
//
// epsilon must be a non-negative splat constant; all three statistics must
// reduce the same trailing dimensions of the same x; every intermediate must
// be read only inside the pattern. The E[x^2] - E[x]^2 form becomes the
// two-pass composite, which is the same maths without its cancellation.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-recognize-layer-norm"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZELAYERNORMPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;
using namespace sinter::recognize;

namespace {

/// `v` is a mean of `x` over exactly `dims`.
bool isMeanOf(Value v, Value x, ArrayRef<int64_t> dims, MatchedOps &matched) {
  std::optional<Reduction> mean = matchMean(v, matched);
  return mean && mean->operand == x && ArrayRef(mean->dims) == dims;
}

/// `var` is the biased variance of `x` over `dims`, whose centred value is
/// `centred`: mean(c^2), or mean(x^2) - mean(x)^2.
bool isVariance(Value var, Value x, Value centred, ArrayRef<int64_t> dims,
                MatchedOps &matched) {
  size_t start = matched.size();
  if (std::optional<Reduction> m = matchMean(var, matched);
      m && ArrayRef(m->dims) == dims &&
      matchSquare(m->operand, centred, matched)) {
    return true;
  }
  matched.truncate(start);
  auto sub = var.getDefiningOp<SubOp>();
  if (!sub) {
    return false;
  }
  std::optional<Reduction> meanSquare = matchMean(sub.getLhs(), matched);
  Value squared = sub.getRhs();
  Operation *sq = squared.getDefiningOp();
  Value meanX = sq && isa<MulOp, PowOp>(sq) ? sq->getOperand(0) : Value();
  if (!meanSquare || ArrayRef(meanSquare->dims) != dims ||
      !matchSquare(meanSquare->operand, x, matched) || !meanX ||
      !matchSquare(squared, meanX, matched) ||
      !isMeanOf(meanX, x, dims, matched)) {
    matched.truncate(start);
    return false;
  }
  matched.add(sub);
  return true;
}

/// Matches `centred (*|/) broadcast(inv)`, `inv` being `rsqrt(var + eps)`
/// (for a product) or `sqrt(var + eps)` (for a quotient).
template <typename InvOp>
std::optional<NormMatch> matchLayerNorm(Operation *op, Value centred,
                                        Value scale, MatchedOps &matched) {
  auto sub = centred.getDefiningOp<SubOp>();
  auto bcast = scale.getDefiningOp<BroadcastInDimOp>();
  auto inv = bcast ? bcast.getOperand().getDefiningOp<InvOp>() : InvOp();
  if (!sub || !inv) {
    return std::nullopt;
  }
  matched.add(sub);
  matched.add(inv);
  // c = x - broadcast(mean(x)) over trailing dimensions.
  Value x = sub.getLhs();
  auto centreBcast = sub.getRhs().getDefiningOp<BroadcastInDimOp>();
  std::optional<Reduction> mean =
      centreBcast ? matchMean(centreBcast.getOperand(), matched) : std::nullopt;
  auto rank = cast<RankedTensorType>(x.getType()).getRank();
  std::optional<int64_t> axis =
      mean ? trailingAxis(mean->dims, rank) : std::nullopt;
  if (!axis || mean->operand != x ||
      !matchUnreduce(sub.getRhs(), mean->dims, matched)) {
    return std::nullopt;
  }
  std::optional<PlusEpsilon> var = matchPlusEpsilon(inv.getOperand(), matched);
  if (!var || !isVariance(var->value, x, centred, mean->dims, matched) ||
      !matchUnreduce(scale, mean->dims, matched)) {
    return std::nullopt;
  }
  matched.add(op);
  return NormMatch{x, Value(), Value(), op, *axis, var->epsilon};
}

/// Anchored on the normalising product (MulOp) or quotient (DivOp).
template <typename OpTy> struct RecognizeLayerNorm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    MatchedOps matched;
    std::optional<NormMatch> m;
    if constexpr (std::is_same_v<OpTy, MulOp>) {
      eitherOrder(op, matched, [&](Value centred, Value scale) {
        m = matchLayerNorm<RsqrtOp>(op, centred, scale, matched);
        return m.has_value();
      });
    } else {
      m = matchLayerNorm<SqrtOp>(op, op.getLhs(), op.getRhs(), matched);
    }
    if (!m) {
      return rewriter.notifyMatchFailure(
          op, "not (x - mean) scaled by the inverse standard deviation");
    }
    matchAffineTail(*m, /*withGamma=*/true, /*withBeta=*/true, matched);
    if (!matched.isClosed(m->root)) {
      return rewriter.notifyMatchFailure(
          op, "an intermediate of the layer norm is used elsewhere");
    }
    replaceNorm(rewriter, *m, [&](Value x, Value gamma, Value beta, Type type) {
      return rewriter.create<LayerNormOp>(op.getLoc(), type, x, gamma, beta,
                                          static_cast<uint64_t>(m->axis),
                                          APFloat(m->epsilon));
    });
    return success();
  }
};

struct RecognizeLayerNormPass
    : sinter::impl::RecognizeLayerNormPassBase<RecognizeLayerNormPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(getOperation(),
                                         {populateRecognizeLayerNormPatterns},
                                         "layer norm"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeLayerNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeLayerNorm<MulOp>, RecognizeLayerNorm<DivOp>>(
      patterns.getContext());
}
