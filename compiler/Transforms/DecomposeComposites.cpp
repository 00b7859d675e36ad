//===- DecomposeComposites.cpp - Composites to primitive ops ----*- C++ -*-===//
//
// Rewrites each composite sinter op into the primitive graph a model author
// would write by hand. It is the inverse of the pattern-fusion passes: their
// tests decompose and recognise again, and the reference interpreter is
// cross-checked composite against decomposed. (The graph builder's
// decomposed mode writes PyTorch's spellings of the same maths; fusion must
// recognise both.)
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <limits>

#define DEBUG_TYPE "sinter-decompose-composites"

namespace sinter {
#define GEN_PASS_DEF_DECOMPOSECOMPOSITESPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

const llvm::StringLiteral kCompositeNames[] = {
    "softmax",  "log_softmax", "logsumexp", "layer_norm",
    "rms_norm", "gelu",        "attention", "rotary_embedding"};

/// Small helpers that build primitive sinter ops at one location.
struct Emitter {
  PatternRewriter &rewriter;
  Location loc;
  /// Write the forms the lowering uses (see populateDecomposeComposites-
  /// Patterns), not the textbook ones.
  bool edgeSafe;

  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value splat(RankedTensorType type, double value) {
    Attribute element =
        isa<FloatType>(type.getElementType())
            ? Attribute(rewriter.getFloatAttr(type.getElementType(), value))
            : Attribute(rewriter.getIntegerAttr(type.getElementType(),
                                                static_cast<int64_t>(value)));
    return rewriter.create<ConstantOp>(loc,
                                       SplatElementsAttr::get(type, element));
  }
  Value broadcast(Value v, RankedTensorType to, ArrayRef<int64_t> dims) {
    auto type =
        RankedTensorType::get(to.getShape(), typeOf(v).getElementType());
    if (type == v.getType()) {
      return v;
    }
    return rewriter.create<BroadcastInDimOp>(loc, type, v, dims);
  }
  /// Broadcasts `v`, which lacks the dimensions `removed` of `to`, back to it.
  Value unreduce(Value v, RankedTensorType to, ArrayRef<int64_t> removed) {
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < to.getRank(); ++d) {
      if (!llvm::is_contained(removed, d)) {
        dims.push_back(d);
      }
    }
    return broadcast(v, to, dims);
  }
  Value reduce(ReduceKind kind, Value v, ArrayRef<int64_t> dims) {
    return rewriter.create<ReduceOp>(loc, v, kind, dims);
  }
  Value convert(Value v, Type elementType) {
    auto type = RankedTensorType::get(typeOf(v).getShape(), elementType);
    if (type == v.getType()) {
      return v;
    }
    return rewriter.create<ConvertOp>(loc, type, v);
  }
  template <typename OpTy> Value binary(Value a, Value b) {
    return rewriter.create<OpTy>(loc, a, b);
  }
  template <typename OpTy> Value unary(Value a) {
    return rewriter.create<OpTy>(loc, a);
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return rewriter.create<ReshapeOp>(
        loc, RankedTensorType::get(shape, typeOf(v).getElementType()), v);
  }
  Value sliceLast(Value v, int64_t begin, int64_t end, int64_t stride = 1) {
    auto type = typeOf(v);
    SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
        strides(type.getRank(), 1);
    start.back() = begin;
    limit.back() = end;
    strides.back() = stride;
    return rewriter.create<SliceOp>(loc, v, start, limit, strides);
  }

  Value compare(Value a, Value b, ComparePredicate predicate) {
    return rewriter.create<CompareOp>(loc, a, b, predicate);
  }
  Value select(Value condition, Value a, Value b) {
    return rewriter.create<SelectOp>(loc, condition, a, b);
  }

  /// exp(x - m) / sum(exp(x - m)) along `axis`, where m is the row max;
  /// also returns the pieces log_softmax and logsumexp need. In the
  /// edge-safe form m is 0 for a fully masked row (all -inf), so that its
  /// exps are all 0 instead of exp(-inf - -inf) = NaN. A row holding +inf or
  /// NaN gives NaN either way, as the reference does.
  struct SoftmaxParts {
    Value shifted, exps, sum, pivot;
  };
  SoftmaxParts softmaxParts(Value x, int64_t axis) {
    auto type = typeOf(x);
    Value max = reduce(ReduceKind::max, x, {axis});
    Value pivot = max;
    if (edgeSafe) {
      auto statType = typeOf(max);
      Value masked = compare(
          max, splat(statType, -std::numeric_limits<double>::infinity()),
          ComparePredicate::eq);
      pivot = select(masked, splat(statType, 0.0), max);
    }
    Value shifted = binary<SubOp>(x, unreduce(pivot, type, {axis}));
    Value exps = unary<ExpOp>(shifted);
    Value sum = reduce(ReduceKind::sum, exps, {axis});
    return {shifted, exps, sum, pivot};
  }
  /// The row sum, in the edge-safe form clamped below at 1. A row with a
  /// finite maximum sums to at least exp(0) = 1, so this changes only fully
  /// masked rows (sum 0): they divide 0 by 1, and log(1) = 0 keeps
  /// log_softmax at -inf.
  Value divisor(Value sum) {
    return edgeSafe ? binary<MaxOp>(sum, splat(typeOf(sum), 1.0)) : sum;
  }
  Value softmax(Value x, int64_t axis) {
    SoftmaxParts p = softmaxParts(x, axis);
    return binary<DivOp>(p.exps, unreduce(divisor(p.sum), typeOf(x), {axis}));
  }
};

/// Shared filter: a pattern applies only to the composites named in the
/// pass option (all when empty).
template <typename OpTy> struct CompositePattern : OpRewritePattern<OpTy> {
  CompositePattern(MLIRContext *context, ArrayRef<std::string> only,
                   bool edgeSafe)
      : OpRewritePattern<OpTy>(context),
        enabled(only.empty() ||
                llvm::is_contained(only, OpTy::getOperationName().drop_front(
                                             strlen("sinter.")))),
        edgeSafe(edgeSafe) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const final {
    if (!enabled) {
      return rewriter.notifyMatchFailure(op, "not selected by the ops option");
    }
    Emitter e{rewriter, op.getLoc(), edgeSafe};
    rewriter.replaceOp(op, decompose(op, e));
    return success();
  }
  virtual Value decompose(OpTy op, Emitter &e) const = 0;

private:
  bool enabled;
  bool edgeSafe;
};

struct DecomposeSoftmax : CompositePattern<SoftmaxOp> {
  using CompositePattern::CompositePattern;
  Value decompose(SoftmaxOp op, Emitter &e) const override {
    return e.softmax(op.getOperand(), op.getAxis());
  }
};

struct DecomposeLogSoftmax : CompositePattern<LogSoftmaxOp> {
  using CompositePattern::CompositePattern;
  Value decompose(LogSoftmaxOp op, Emitter &e) const override {
    int64_t axis = op.getAxis();
    auto type = e.typeOf(op.getOperand());
    auto p = e.softmaxParts(op.getOperand(), axis);
    Value logSum = e.unary<LogOp>(e.divisor(p.sum));
    return e.binary<SubOp>(p.shifted, e.unreduce(logSum, type, {axis}));
  }
};

struct DecomposeLogSumExp : CompositePattern<LogSumExpOp> {
  using CompositePattern::CompositePattern;
  Value decompose(LogSumExpOp op, Emitter &e) const override {
    // A fully masked row, edge-safe: 0 + log(0) = -inf.
    auto p = e.softmaxParts(op.getOperand(), op.getAxis());
    return e.binary<AddOp>(p.pivot, e.unary<LogOp>(p.sum));
  }
};

/// The normalized dimensions [axis, rank) and the statistics' shape.
static SmallVector<int64_t> trailingDims(RankedTensorType type, int64_t axis) {
  SmallVector<int64_t> dims;
  for (int64_t d = axis; d < type.getRank(); ++d) {
    dims.push_back(d);
  }
  return dims;
}

/// Multiplies by gamma and adds beta (each optional), broadcast over the
/// leading dimensions.
static Value applyAffine(Emitter &e, Value y, Value gamma, Value beta,
                         int64_t axis) {
  auto type = e.typeOf(y);
  SmallVector<int64_t> dims = trailingDims(type, axis);
  if (gamma) {
    y = e.binary<MulOp>(
        y, e.broadcast(e.convert(gamma, type.getElementType()), type, dims));
  }
  if (beta) {
    y = e.binary<AddOp>(
        y, e.broadcast(e.convert(beta, type.getElementType()), type, dims));
  }
  return y;
}

/// The power of two r that brings a row whose mean magnitude is `a` (so its
/// largest is between a and n * a) to where the squares of its (centered)
/// values neither overflow nor, when epsilon is too small to absorb them,
/// underflow: 2^-96 for a >= 2^32; with epsilon < 2^-100 also 2^64 for
/// a < 2^-32 and 2^112 for a < 2^-80; else 1. The factor n leaves room: a
/// scaled row's largest square stays below 2^128 for rows of up to 2^32
/// elements, and above 2^-126 unless the whole row is 0. Scaling by a power of
/// two is exact, so a row that needs none computes bitwise what it would
/// without this. The norms are invariant under scaling x by r once epsilon is
/// scaled by r^2 too.
static Value normScale(Emitter &e, Value a, double epsilon) {
  auto type = e.typeOf(a);
  auto rung = [&](Value r, double bound, ComparePredicate predicate,
                  double scale) {
    return e.select(e.compare(a, e.splat(type, bound), predicate),
                    e.splat(type, scale), r);
  };
  Value r = rung(e.splat(type, 1.0), 0x1p32, ComparePredicate::ge, 0x1p-96);
  if (epsilon < 0x1p-100) {
    r = rung(r, 0x1p-32, ComparePredicate::lt, 0x1p64);
    r = rung(r, 0x1p-80, ComparePredicate::lt, 0x1p112);
  }
  return r;
}

/// epsilon * r * r, as the scaled statistics need it. A positive epsilon
/// stays at least 2^-126: scaled by 2^-192 it would underflow to 0, and a
/// constant row (variance 0) would give 0 * rsqrt(0) = NaN instead of 0.
static Value scaledEpsilon(Emitter &e, Value r, double epsilon) {
  auto type = e.typeOf(r);
  Value eps = e.binary<MulOp>(e.splat(type, epsilon), r);
  eps = e.binary<MulOp>(eps, r);
  if (epsilon > 0) {
    eps = e.binary<MaxOp>(eps, e.splat(type, 0x1p-126));
  }
  return eps;
}

/// Layer norm. Edge-safe, with statistics that do not cancel or overflow: the
/// row is scaled by a power of two r (normScale) and shifted by a pivot K,
/// its mean as first computed (within the row's values up to rounding), then
/// centered as (x - K) - mean(x - K): the rounding of K (at 1e6, a grid of
/// 0.0625) is measured and taken out, and x - K is exact wherever x is
/// within a factor of two of K. The variance is a second pass over the
/// centered row. A constant row centers to exactly 0 (x - K is then the
/// same short number everywhere, and its mean is exact), and the centering
/// error is relative to the row's range, not its magnitude. Every pass over
/// the row is a sum: max/min reductions with NaN propagation cost about
/// 2.5 sums each on x86 (a pivot and scale from the row's max and min made
/// the norm 1.7x slower than the textbook form; now 1.3x).
struct DecomposeLayerNorm : CompositePattern<LayerNormOp> {
  using CompositePattern::CompositePattern;
  Value decompose(LayerNormOp op, Emitter &e) const override {
    Type original = e.typeOf(op.getOperand()).getElementType();
    Value x = e.convert(op.getOperand(), e.rewriter.getF32Type());
    auto type = e.typeOf(x);
    int64_t axis = op.getAxis();
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<int64_t> dims = trailingDims(type, axis);
    if (!e.edgeSafe) {
      // (x - mean) / sqrt(mean((x - mean)^2) + epsilon), as models write it.
      Value mean = e.reduce(ReduceKind::mean, x, dims);
      Value centered = e.binary<SubOp>(x, e.unreduce(mean, type, dims));
      Value var =
          e.reduce(ReduceKind::mean, e.binary<MulOp>(centered, centered), dims);
      Value inv = e.unary<RsqrtOp>(
          e.binary<AddOp>(var, e.splat(e.typeOf(var), epsilon)));
      Value y = e.binary<MulOp>(centered, e.unreduce(inv, type, dims));
      y = applyAffine(e, y, op.getGamma(), op.getBeta(), axis);
      return e.convert(y, original);
    }
    Value r = normScale(e, e.reduce(ReduceKind::mean, e.unary<AbsOp>(x), dims),
                        epsilon);
    Value z = e.binary<MulOp>(x, e.unreduce(r, type, dims));
    Value pivot = e.binary<MulOp>(e.reduce(ReduceKind::mean, x, dims), r);
    Value shifted = e.binary<SubOp>(z, e.unreduce(pivot, type, dims));
    Value offset = e.reduce(ReduceKind::mean, shifted, dims);
    Value centered = e.binary<SubOp>(shifted, e.unreduce(offset, type, dims));
    Value var =
        e.reduce(ReduceKind::mean, e.binary<MulOp>(centered, centered), dims);
    Value inv =
        e.unary<RsqrtOp>(e.binary<AddOp>(var, scaledEpsilon(e, r, epsilon)));
    Value y = e.binary<MulOp>(centered, e.unreduce(inv, type, dims));
    y = applyAffine(e, y, op.getGamma(), op.getBeta(), axis);
    return e.convert(y, original);
  }
};

/// RMS norm; edge-safe, on the row scaled by a power of two (normScale), so
/// that the mean square of a row of 3e38 is not inf, nor that of a row of 1e-30
/// (with a tiny epsilon) 0.
struct DecomposeRmsNorm : CompositePattern<RmsNormOp> {
  using CompositePattern::CompositePattern;
  Value decompose(RmsNormOp op, Emitter &e) const override {
    Type original = e.typeOf(op.getOperand()).getElementType();
    Value x = e.convert(op.getOperand(), e.rewriter.getF32Type());
    auto type = e.typeOf(x);
    int64_t axis = op.getAxis();
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<int64_t> dims = trailingDims(type, axis);
    if (!e.edgeSafe) {
      // x / sqrt(mean(x^2) + epsilon), as models write it.
      Value meanSquare =
          e.reduce(ReduceKind::mean, e.binary<MulOp>(x, x), dims);
      Value inv = e.unary<RsqrtOp>(
          e.binary<AddOp>(meanSquare, e.splat(e.typeOf(meanSquare), epsilon)));
      Value y = e.binary<MulOp>(x, e.unreduce(inv, type, dims));
      y = applyAffine(e, y, op.getGamma(), Value(), axis);
      return e.convert(y, original);
    }
    Value r = normScale(e, e.reduce(ReduceKind::mean, e.unary<AbsOp>(x), dims),
                        epsilon);
    Value z = e.binary<MulOp>(x, e.unreduce(r, type, dims));
    Value meanSquare = e.reduce(ReduceKind::mean, e.binary<MulOp>(z, z), dims);
    Value inv = e.unary<RsqrtOp>(
        e.binary<AddOp>(meanSquare, scaledEpsilon(e, r, epsilon)));
    Value y = e.binary<MulOp>(z, e.unreduce(inv, type, dims));
    y = applyAffine(e, y, op.getGamma(), Value(), axis);
    return e.convert(y, original);
  }
};

struct DecomposeGelu : CompositePattern<GeluOp> {
  using CompositePattern::CompositePattern;
  Value decompose(GeluOp op, Emitter &e) const override {
    Value x = op.getOperand();
    auto type = e.typeOf(x);
    auto c = [&](double v) { return e.splat(type, v); };
    switch (op.getApproximate()) {
    case GeluApproximation::none: {
      // 0.5 * x * (1 + erf(x / sqrt(2)))
      Value erf = e.unary<ErfOp>(e.binary<MulOp>(x, c(M_SQRT1_2)));
      Value half = e.binary<MulOp>(x, c(0.5));
      return e.binary<MulOp>(half, e.binary<AddOp>(erf, c(1.0)));
    }
    case GeluApproximation::tanh: {
      // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
      Value cube = e.binary<MulOp>(e.binary<MulOp>(x, x), x);
      Value inner = e.binary<AddOp>(x, e.binary<MulOp>(cube, c(0.044715)));
      Value t =
          e.unary<TanhOp>(e.binary<MulOp>(inner, c(std::sqrt(2.0 / M_PI))));
      Value half = e.binary<MulOp>(x, c(0.5));
      return e.binary<MulOp>(half, e.binary<AddOp>(t, c(1.0)));
    }
    case GeluApproximation::sigmoid:
      // x * sigmoid(1.702 * x)
      return e.binary<MulOp>(x,
                             e.unary<SigmoidOp>(e.binary<MulOp>(x, c(1.702))));
    }
    llvm_unreachable("unknown GELU approximation");
  }
};

struct DecomposeAttention : CompositePattern<AttentionOp> {
  using CompositePattern::CompositePattern;
  Value decompose(AttentionOp op, Emitter &e) const override {
    Value scores = e.rewriter.create<MatmulOp>(
        e.loc, op.getQuery(), op.getKey(), /*transpose_lhs=*/false,
        /*transpose_rhs=*/true, /*accumulation_type=*/nullptr);
    auto type = e.typeOf(scores); // [B, H, S, T]
    scores =
        e.binary<MulOp>(scores, e.splat(type, op.getScale().convertToDouble()));
    if (Value bias = op.getBias()) {
      scores = e.binary<AddOp>(scores, e.broadcast(bias, type, {0, 1, 2, 3}));
    }
    if (op.getCausal()) {
      // keep[s, t] = t <= s + (T - S), as a [S, T] mask broadcast over B, H.
      int64_t s = type.getDimSize(2), t = type.getDimSize(3);
      auto idxType = RankedTensorType::get({s, t}, e.rewriter.getI64Type());
      Value rows = e.rewriter.create<IotaOp>(e.loc, idxType, 0);
      Value cols = e.rewriter.create<IotaOp>(e.loc, idxType, 1);
      Value limit = e.binary<AddOp>(rows, e.splat(idxType, t - s));
      Value keep = e.rewriter.create<CompareOp>(e.loc, cols, limit,
                                                ComparePredicate::le);
      auto maskType =
          RankedTensorType::get(type.getShape(), e.rewriter.getI1Type());
      keep = e.rewriter.create<BroadcastInDimOp>(e.loc, maskType, keep,
                                                 ArrayRef<int64_t>{2, 3});
      Value negInf = e.splat(type, -std::numeric_limits<double>::infinity());
      scores = e.rewriter.create<SelectOp>(e.loc, keep, scores, negInf);
    }
    Value probs = e.softmax(scores, 3);
    return e.rewriter.create<MatmulOp>(e.loc, probs, op.getValue(), false,
                                       false, nullptr);
  }
};

struct DecomposeRotaryEmbedding : CompositePattern<RotaryEmbeddingOp> {
  using CompositePattern::CompositePattern;
  Value decompose(RotaryEmbeddingOp op, Emitter &e) const override {
    Value x = op.getOperand();
    auto type = e.typeOf(x);
    int64_t rank = type.getRank(), d = type.getShape().back(), half = d / 2;
    if (d == 0) {
      // No feature pairs to rotate; the odd-lane slice x[..., 1::2] would
      // also start past the end of an empty dimension.
      return x;
    }
    SmallVector<int64_t> halfShape(type.getShape());
    halfShape.back() = half;
    Value first, second;
    if (op.getInterleaved()) {
      first = e.sliceLast(x, 0, d, 2);  // x[..., 0::2]
      second = e.sliceLast(x, 1, d, 2); // x[..., 1::2]
    } else {
      first = e.sliceLast(x, 0, half);
      second = e.sliceLast(x, half, d);
    }
    auto tableType = RankedTensorType::get(halfShape, type.getElementType());
    Value cos = e.broadcast(op.getCos(), tableType, {rank - 2, rank - 1});
    Value sin = e.broadcast(op.getSin(), tableType, {rank - 2, rank - 1});
    Value a = e.binary<SubOp>(e.binary<MulOp>(first, cos),
                              e.binary<MulOp>(second, sin));
    Value b = e.binary<AddOp>(e.binary<MulOp>(second, cos),
                              e.binary<MulOp>(first, sin));
    if (!op.getInterleaved()) {
      return e.rewriter.create<ConcatenateOp>(e.loc, ValueRange{a, b},
                                              rank - 1);
    }
    // Re-interleave: [..., D/2] x2 -> [..., D/2, 2] -> [..., D].
    SmallVector<int64_t> pairShape(halfShape);
    pairShape.push_back(1);
    Value pairs = e.rewriter.create<ConcatenateOp>(
        e.loc, ValueRange{e.reshape(a, pairShape), e.reshape(b, pairShape)},
        rank);
    return e.reshape(pairs, type.getShape());
  }
};

struct DecomposeCompositesPass
    : sinter::impl::DecomposeCompositesPassBase<DecomposeCompositesPass> {
  using DecomposeCompositesPassBase::DecomposeCompositesPassBase;

  void runOnOperation() override {
    // A misspelt name would otherwise silently decompose nothing.
    for (const std::string &name : ops) {
      if (!llvm::is_contained(kCompositeNames, name)) {
        getOperation().emitError()
            << "sinter-decompose-composites: unknown composite '" << name
            << "' in ops= (expected one of "
            << llvm::join(ArrayRef<llvm::StringLiteral>(kCompositeNames), ", ")
            << ")";
        return signalPassFailure();
      }
    }
    RewritePatternSet patterns(&getContext());
    populateDecomposeCompositesPatterns(patterns, ops, edgeSafe);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns)))) {
      getOperation().emitError("decomposing composites did not converge");
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateDecomposeCompositesPatterns(RewritePatternSet &patterns,
                                                 ArrayRef<std::string> onlyOps,
                                                 bool edgeSafe) {
  patterns.add<DecomposeSoftmax, DecomposeLogSoftmax, DecomposeLogSumExp,
               DecomposeLayerNorm, DecomposeRmsNorm, DecomposeGelu,
               DecomposeAttention, DecomposeRotaryEmbedding>(
      patterns.getContext(), onlyOps, edgeSafe);
}
