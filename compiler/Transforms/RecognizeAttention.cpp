//===- RecognizeAttention.cpp - Primitive attention to sinter.attention ---===//
//
// Finds scaled dot-product attention as models write it,
//   s = matmul(q, k^T) * scale          (or / c, or q and k pre-scaled)
//   s = s + bias                        optional, [B|1, H|1, S, T] broadcast
//   s = select(mask, s, -inf)           optional, mask a constant or iota /
//                                       compare graph
//   o = matmul(softmax(s, axis = 3), v)
// and replaces it by one `sinter.attention`. k^T may be the matmul's
// `transpose_rhs` or a transpose op on k; the head transposes around it
// ([B, S, H, D] -> [B, H, S, D]) stay outside as transpose ops. The softmax
// is `sinter.softmax`: the pass runs sinter-recognize-softmax's patterns as
// well, so the primitive softmax is recognised first.
//
// A mask that is exactly the causal mask (query s sees keys
// t <= s + T - S) becomes `causal`; any other constant mask becomes an
// additive constant bias of 0 and -inf. The fill must be -inf or a finite
// value <= -1e4, which is taken as -inf: it only differs where a visible
// score lies within ~100 of the fill, and a finite fill must leave every
// row a visible key (a fully masked row would otherwise be uniform). A mask
// computed from function arguments, a mask together with a bias, or a scale
// applied after the bias blocks the match, as does any intermediate (scores,
// probabilities) read elsewhere or a softmax over another axis. Rows whose
// scores are all -inf give zeros where the primitive graph gives NaN.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

#define DEBUG_TYPE "sinter-recognize-attention"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZEATTENTIONPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;
using namespace sinter::recognize;

namespace {

/// Masks larger than this are not evaluated (a 4096 x 4096 mask is 16M).
constexpr int64_t kMaxMaskElements = int64_t(1) << 24;

/// A fill at or below this is taken as -inf.
constexpr double kMaskedFill = -1e4;

//===----------------------------------------------------------------------===//
// Constant masks
//===----------------------------------------------------------------------===//

/// Evaluates a value built only from constants, iota and elementwise and
/// broadcast ops on them (how causal masks are written), row-major, as
/// doubles. Null when it depends on anything else.
std::optional<std::vector<double>> evaluateConstant(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() ||
      type.getNumElements() > kMaxMaskElements) {
    return std::nullopt;
  }
  int64_t n = type.getNumElements();
  ArrayRef<int64_t> shape = type.getShape();
  Operation *def = v.getDefiningOp();
  if (!def) {
    return std::nullopt;
  }
  DenseElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense))) {
    std::vector<double> out;
    out.reserve(n);
    Type elem = dense.getElementType();
    if (isa<FloatType>(elem)) {
      for (APFloat f : dense.getValues<APFloat>()) {
        out.push_back(f.convertToDouble());
      }
    } else if (elem.isInteger(1)) {
      for (bool b : dense.getValues<bool>()) {
        out.push_back(b);
      }
    } else {
      for (APInt i : dense.getValues<APInt>()) {
        out.push_back(static_cast<double>(i.getSExtValue()));
      }
    }
    return out;
  }
  // Strides of the row-major shape, for index arithmetic.
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * shape[d + 1];
  }
  if (auto iota = dyn_cast<IotaOp>(def)) {
    int64_t d = iota.getDimension();
    std::vector<double> out(n);
    for (int64_t i = 0; i < n; ++i) {
      out[i] = static_cast<double>((i / strides[d]) % shape[d]);
    }
    return out;
  }
  if (isa<ReshapeOp>(def)) {
    return evaluateConstant(def->getOperand(0));
  }
  if (auto convert = dyn_cast<ConvertOp>(def)) {
    auto in = evaluateConstant(convert.getOperand());
    Type elem = type.getElementType();
    if (in && isa<IntegerType>(elem)) {
      for (double &x : *in) {
        x = elem.isInteger(1) ? double(x != 0) : std::trunc(x);
      }
    }
    return in;
  }
  if (auto bcast = dyn_cast<BroadcastInDimOp>(def)) {
    auto in = evaluateConstant(bcast.getOperand());
    if (!in) {
      return std::nullopt;
    }
    ArrayRef<int64_t> inShape = bcast.getOperand().getType().getShape();
    ArrayRef<int64_t> dims = bcast.getBroadcastDimensions();
    std::vector<double> out(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t src = 0;
      for (auto [k, d] : llvm::enumerate(dims)) {
        int64_t idx = inShape[k] == 1 ? 0 : (i / strides[d]) % shape[d];
        src = src * inShape[k] + idx;
      }
      out[i] = (*in)[src];
    }
    return out;
  }
  if (def->getNumOperands() == 0 || !def->hasTrait<OpTrait::Elementwise>()) {
    return std::nullopt;
  }
  SmallVector<std::vector<double>> args;
  for (Value operand : def->getOperands()) {
    auto a = evaluateConstant(operand);
    if (!a || static_cast<int64_t>(a->size()) != n) {
      return std::nullopt;
    }
    args.push_back(std::move(*a));
  }
  std::vector<double> out(n);
  auto each = [&](auto f) {
    for (int64_t i = 0; i < n; ++i) {
      out[i] = f(i);
    }
    return out;
  };
  if (isa<AddOp>(def)) {
    return each([&](int64_t i) { return args[0][i] + args[1][i]; });
  }
  if (isa<SubOp>(def)) {
    return each([&](int64_t i) { return args[0][i] - args[1][i]; });
  }
  if (isa<MulOp>(def)) {
    return each([&](int64_t i) { return args[0][i] * args[1][i]; });
  }
  if (isa<SelectOp>(def)) {
    return each(
        [&](int64_t i) { return args[0][i] ? args[1][i] : args[2][i]; });
  }
  if (auto cmp = dyn_cast<CompareOp>(def)) {
    ComparePredicate pred = cmp.getPredicate();
    return each([&](int64_t i) -> double {
      double a = args[0][i], b = args[1][i];
      switch (pred) {
      case ComparePredicate::eq:
        return a == b;
      case ComparePredicate::ne:
        return a != b;
      case ComparePredicate::lt:
        return a < b;
      case ComparePredicate::le:
        return a <= b;
      case ComparePredicate::gt:
        return a > b;
      case ComparePredicate::ge:
        return a >= b;
      }
      llvm_unreachable("unknown comparison predicate");
    });
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

/// `v` read as its last two dimensions swapped: folds into a transpose that
/// produces `v`, or transposes it.
Value swapLastTwo(PatternRewriter &rewriter, Location loc, Value v) {
  SmallVector<int64_t> perm{0, 1, 3, 2};
  if (auto t = v.getDefiningOp<TransposeOp>()) {
    perm = llvm::to_vector(t.getPermutation());
    std::swap(perm[2], perm[3]);
    v = t.getOperand();
    if (llvm::equal(perm, llvm::seq<int64_t>(0, 4))) {
      return v;
    }
  }
  return rewriter.create<TransposeOp>(loc, v, perm);
}

/// What the scores chain turned out to hold.
struct AttentionParts {
  MatmulOp scores;  ///< q @ k^T
  Value query, key; ///< the scores matmul's operands, unscaled
  double scale = 1.0;
  Value bias; ///< [B, H, S, T], or null
  Value mask; ///< i1 [B, H, S, T]: true where a key is visible
  bool maskInverted = false;
  bool maskFinite = false;
};

struct RecognizeAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp pv,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(pv.getType());
    if (type.getRank() != 4 || !isa<FloatType>(type.getElementType()) ||
        pv.getTransposeLhs()) {
      return rewriter.notifyMatchFailure(pv, "not a rank-4 float P @ V");
    }
    auto softmax = pv.getLhs().getDefiningOp<SoftmaxOp>();
    if (!softmax) {
      return rewriter.notifyMatchFailure(pv, "lhs is not a softmax");
    }
    if (softmax.getAxis() != 3) {
      return rewriter.notifyMatchFailure(pv, "softmax is not over the keys");
    }
    MatchedOps matched;
    matched.add(pv);
    matched.add(softmax);
    AttentionParts parts;
    if (failed(matchScores(softmax.getOperand(), parts, matched))) {
      return rewriter.notifyMatchFailure(pv, "softmax of something other "
                                             "than scaled, biased q @ k^T");
    }
    if (!std::isfinite(parts.scale)) {
      return rewriter.notifyMatchFailure(pv, "the scale is not finite");
    }
    if (!matched.isClosed(pv)) {
      return rewriter.notifyMatchFailure(
          pv, "the scores or probabilities are used elsewhere");
    }
    auto scoresType = cast<RankedTensorType>(parts.scores.getType());
    if (getElementTypeOrSelf(parts.query) != type.getElementType() ||
        cast<RankedTensorType>(parts.key.getType()).getRank() != 4 ||
        cast<RankedTensorType>(pv.getRhs().getType()).getRank() != 4) {
      return rewriter.notifyMatchFailure(pv, "operands are not rank 4");
    }
    bool causal = false;
    Value bias = parts.bias;
    if (parts.mask) {
      std::optional<DenseElementsAttr> maskBias;
      if (failed(classifyMask(parts, scoresType, causal, maskBias))) {
        return rewriter.notifyMatchFailure(
            pv, "the mask is not a constant a causal flag or bias can hold");
      }
      if (maskBias) {
        if (bias) {
          return rewriter.notifyMatchFailure(
              pv, "both a bias and a non-causal mask");
        }
        bias = rewriter.create<ConstantOp>(pv.getLoc(), *maskBias);
      }
    }
    Location loc = pv.getLoc();
    Value q = parts.query, k = parts.key, v = pv.getRhs();
    if (parts.scores.getTransposeLhs()) {
      q = swapLastTwo(rewriter, loc, q);
    }
    if (!parts.scores.getTransposeRhs()) {
      k = swapLastTwo(rewriter, loc, k);
    }
    if (pv.getTransposeRhs()) {
      v = swapLastTwo(rewriter, loc, v);
    }
    if (bias) {
      bias = compactBias(rewriter, loc, bias);
    }
    rewriter.replaceOpWithNewOp<AttentionOp>(pv, type, q, k, v, bias,
                                             APFloat(parts.scale), causal);
    return success();
  }

private:
  /// Peels select(mask), + bias and the scale off the softmax operand down
  /// to the q @ k^T matmul.
  static LogicalResult matchScores(Value s, AttentionParts &parts,
                                   MatchedOps &matched) {
    if (auto select = s.getDefiningOp<SelectOp>()) {
      std::optional<double> fill = getSplatValue(select.getOnFalse());
      parts.maskInverted = !fill;
      if (!fill) {
        fill = getSplatValue(select.getOnTrue());
      }
      if (!fill || *fill > kMaskedFill) {
        return failure();
      }
      parts.mask = select.getPred();
      parts.maskFinite = std::isfinite(*fill);
      s = parts.maskInverted ? select.getOnFalse() : select.getOnTrue();
      matched.add(select);
    }
    if (auto add = s.getDefiningOp<AddOp>()) {
      matched.add(add);
      return success(eitherOrder(add, matched, [&](Value scores, Value bias) {
        parts.bias = bias;
        return succeeded(matchScaled(scores, parts, matched));
      }));
    }
    return matchScaled(s, parts, matched);
  }

  /// `s` is q @ k^T times constants (on the product or on q and k).
  static LogicalResult matchScaled(Value s, AttentionParts &parts,
                                   MatchedOps &matched) {
    parts.scale = 1.0;
    s = peelScale(s, parts.scale, matched);
    auto mm = s.getDefiningOp<MatmulOp>();
    if (!mm) {
      return failure();
    }
    matched.add(mm);
    parts.scores = mm;
    parts.query = peelScale(mm.getLhs(), parts.scale, matched,
                            /*onlyUnshared=*/true);
    parts.key = peelScale(mm.getRhs(), parts.scale, matched,
                          /*onlyUnshared=*/true);
    return success();
  }

  /// Looks through multiplications and divisions of `v` by splat constants,
  /// folding them into `scale`. With `onlyUnshared`, stops at a value that
  /// something else reads too (a scaled q that is also used elsewhere is an
  /// input, not part of the attention).
  static Value peelScale(Value v, double &scale, MatchedOps &matched,
                         bool onlyUnshared = false) {
    while (Operation *def = v.getDefiningOp()) {
      if (onlyUnshared && !v.hasOneUse()) {
        break;
      }
      if (auto mul = dyn_cast<MulOp>(def)) {
        std::optional<double> c = getSplatValue(mul.getRhs());
        Value other = mul.getLhs();
        if (!c && (c = getSplatValue(mul.getLhs()))) {
          other = mul.getRhs();
        }
        if (!c) {
          break;
        }
        scale *= *c;
        v = other;
      } else if (auto div = dyn_cast<DivOp>(def)) {
        std::optional<double> c = getSplatValue(div.getRhs());
        if (!c) {
          break;
        }
        scale /= *c;
        v = div.getLhs();
      } else {
        break;
      }
      matched.add(def);
    }
    return v;
  }

  /// Decides what the mask is: exactly causal, or a constant bias of 0 and
  /// -inf. Fails for masks that depend on inputs, and for finite fills that
  /// mask a whole row.
  static LogicalResult classifyMask(const AttentionParts &parts,
                                    RankedTensorType scores, bool &causal,
                                    std::optional<DenseElementsAttr> &bias) {
    std::optional<std::vector<double>> mask = evaluateConstant(parts.mask);
    if (!mask) {
      return failure();
    }
    int64_t b = scores.getDimSize(0), h = scores.getDimSize(1),
            s = scores.getDimSize(2), t = scores.getDimSize(3);
    auto visible = [&](int64_t i) {
      return ((*mask)[i] != 0) != parts.maskInverted;
    };
    bool isCausal = true, uniform = true, rowMasked = false;
    for (int64_t i = 0; i < b * h * s * t; ++i) {
      int64_t row = (i / t) % s, col = i % t;
      isCausal &= visible(i) == (col <= row + t - s);
      uniform &= visible(i) == visible(i % (s * t));
    }
    for (int64_t r = 0; r < b * h * s; ++r) {
      bool any = false;
      for (int64_t c = 0; c < t; ++c) {
        any |= visible(r * t + c);
      }
      rowMasked |= !any;
    }
    if (parts.maskFinite && rowMasked) {
      return failure();
    }
    if (isCausal) {
      causal = true;
      return success();
    }
    SmallVector<int64_t> shape{uniform ? 1 : b, uniform ? 1 : h, s, t};
    auto type = RankedTensorType::get(shape, scores.getElementType());
    auto elem = cast<FloatType>(scores.getElementType());
    APFloat zero = APFloat::getZero(elem.getFloatSemantics());
    APFloat negInf = APFloat::getInf(elem.getFloatSemantics(), true);
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      values.push_back(visible(i) ? zero : negInf);
    }
    bias = DenseElementsAttr::get(type, values);
    return success();
  }

  /// A [B, H, S, T] bias broadcast from a [B|1, H|1, S, T]-compatible
  /// source is given to the op as that source.
  static Value compactBias(PatternRewriter &rewriter, Location loc,
                           Value bias) {
    auto bcast = bias.getDefiningOp<BroadcastInDimOp>();
    if (!bcast) {
      return bias;
    }
    auto full = cast<RankedTensorType>(bias.getType());
    auto src = bcast.getOperand();
    auto srcShape = cast<RankedTensorType>(src.getType()).getShape();
    SmallVector<int64_t> compact(4, 1);
    for (auto [k, d] : llvm::enumerate(bcast.getBroadcastDimensions())) {
      compact[d] = srcShape[k];
    }
    if (compact[2] != full.getDimSize(2) || compact[3] != full.getDimSize(3)) {
      return bias;
    }
    if (ArrayRef(compact) == srcShape) {
      return src;
    }
    return rewriter.create<ReshapeOp>(
        loc, RankedTensorType::get(compact, full.getElementType()), src);
  }
};

struct RecognizeAttentionPass
    : sinter::impl::RecognizeAttentionPassBase<RecognizeAttentionPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(getOperation(),
                                         {populateRecognizeSoftmaxPatterns,
                                          populateRecognizeAttentionPatterns},
                                         "attention"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeAttention>(patterns.getContext());
}
