//===- Autodiff.cpp - Reverse-mode differentiation of a scalar loss -------===//
//
// sinter-autodiff adds `@<fn>_grad`: a copy of `@<fn>` that returns the loss
// and then, for each argument asked for, d loss / d argument. The backward
// ops are sinter ops written after the forward ones, in reverse program
// order: each op's vector-Jacobian product (its rule below) turns the
// adjoint of its result into adjoints of its operands, and an adjoint
// reaching a value from several users is summed. Only ops on a path from an
// argument asked for to the loss are differentiated (activity analysis), so
// an op with no rule is an error only where a gradient must pass through it.
//
// Conventions: integer and comparison results carry no gradient; `max`/
// `min` (elementwise and reductions) give a tie's gradient to the tied
// operands in equal parts; `abs` and `relu` have gradient 0 at 0; `pow`'s
// gradient with respect to its exponent is g * y * log(lhs), NaN for a
// negative base.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Autodiff.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <numeric>

#define DEBUG_TYPE "sinter-autodiff"

namespace sinter {
#define GEN_PASS_DEF_AUTODIFFPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Builds the backward ops at one place.
struct Backward {
  OpBuilder &b;
  Location loc;
  /// The values a gradient is asked to flow through.
  const llvm::DenseSet<Value> *active = nullptr;

  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value splat(RankedTensorType type, double value) {
    return b.create<ConstantOp>(
        loc, SplatElementsAttr::get(
                 type, b.getFloatAttr(type.getElementType(), value)));
  }
  Value splatLike(Value v, double value) { return splat(typeOf(v), value); }
  Value zerosLike(Value v) { return splatLike(v, 0.0); }
  template <typename OpTy> Value op(Value a) { return b.create<OpTy>(loc, a); }
  template <typename OpTy> Value op(Value a, Value c) {
    return b.create<OpTy>(loc, a, c);
  }
  Value mul(Value a, Value c) { return op<MulOp>(a, c); }
  Value scale(Value a, double k) { return mul(a, splatLike(a, k)); }
  Value compare(ComparePredicate p, Value a, Value c) {
    return b.create<CompareOp>(loc, a, c, p);
  }
  Value select(Value c, Value a, Value d) {
    return b.create<SelectOp>(loc, c, a, d);
  }
  Value reshape(Value v, RankedTensorType to) {
    return v.getType() == to ? v : b.create<ReshapeOp>(loc, to, v);
  }
  Value reduceSum(Value v, ArrayRef<int64_t> dims) {
    return dims.empty() ? v : b.create<ReduceOp>(loc, v, ReduceKind::sum, dims);
  }
  /// Broadcasts `v`, the result of reducing `to`'s dimensions `removed`,
  /// back to `to`'s shape.
  Value unreduce(Value v, RankedTensorType to, ArrayRef<int64_t> removed) {
    SmallVector<int64_t> kept;
    for (int64_t d = 0; d < to.getRank(); ++d) {
      if (!llvm::is_contained(removed, d)) {
        kept.push_back(d);
      }
    }
    auto type =
        RankedTensorType::get(to.getShape(), typeOf(v).getElementType());
    return type == v.getType()
               ? v
               : b.create<BroadcastInDimOp>(loc, type, v, kept).getResult();
  }
  Value matmul(Value x, Value y, bool transposeX, bool transposeY) {
    return b.create<MatmulOp>(loc, x, y, transposeX, transposeY,
                              /*accumulation_type=*/nullptr);
  }
  /// `g`, the gradient of an operand of type `to` broadcast against a batched
  /// partner, summed over the batch dimensions it gained.
  Value sumToRank(Value g, RankedTensorType to) {
    int64_t extra = typeOf(g).getRank() - to.getRank();
    SmallVector<int64_t> dims(extra);
    std::iota(dims.begin(), dims.end(), 0);
    return reduceSum(g, dims);
  }
  /// `v` in f32 (the backward of a composite computes in f32, as its
  /// forward does), and back to `like`'s element type.
  Value widen(Value v) {
    if (!v) {
      return v;
    }
    auto type = typeOf(v);
    if (type.getElementType().isF32()) {
      return v;
    }
    return b.create<ConvertOp>(
        loc, RankedTensorType::get(type.getShape(), b.getF32Type()), v);
  }
  Value narrowLike(Value v, Value like) {
    if (!v || v.getType() == like.getType()) {
      return v;
    }
    return b.create<ConvertOp>(loc, like.getType(), v);
  }
  /// The dimensions [from, rank).
  static SmallVector<int64_t> trailing(int64_t from, int64_t rank) {
    SmallVector<int64_t> dims(rank - from);
    std::iota(dims.begin(), dims.end(), from);
    return dims;
  }
  /// The mean of `v` over `dims`, broadcast back to `v`'s shape.
  Value rowMean(Value v, ArrayRef<int64_t> dims) {
    Value m = b.create<ReduceOp>(loc, v, ReduceKind::mean, dims);
    return unreduce(m, typeOf(v), dims);
  }
  Value rowSum(Value v, ArrayRef<int64_t> dims) {
    return unreduce(reduceSum(v, dims), typeOf(v), dims);
  }

  Value zeros(RankedTensorType like, ArrayRef<int64_t> shape) {
    return splat(RankedTensorType::get(shape, like.getElementType()), 0.0);
  }
  Value concat(ValueRange parts, int64_t dim) {
    return parts.size() == 1
               ? parts.front()
               : b.create<ConcatenateOp>(loc, parts, dim).getResult();
  }
  /// `g` (the gradient of a slice's result) put back where the slice read
  /// it, zeros elsewhere: each sliced dimension padded before and after,
  /// and a strided one first spread out by interleaving zeros.
  Value unslice(Value g, SliceOp slice) {
    RankedTensorType full = typeOf(slice.getOperand());
    Value cur = g;
    for (int64_t d = 0; d < full.getRank(); ++d) {
      int64_t start = slice.getStartIndices()[d];
      int64_t stride = slice.getStrides()[d];
      SmallVector<int64_t> shape(typeOf(cur).getShape());
      int64_t n = shape[d];
      if (stride > 1 && n > 0) {
        // [.., n, ..] -> [.., n, 1, ..] ++ zeros [.., n, s-1, ..] along the
        // new dimension -> [.., n*s, ..], cut to the span (n-1)*s + 1.
        SmallVector<int64_t> split(shape);
        split.insert(split.begin() + d + 1, 1);
        Value column = reshape(
            cur, RankedTensorType::get(split, typeOf(cur).getElementType()));
        SmallVector<int64_t> gapShape(split);
        gapShape[d + 1] = stride - 1;
        Value spread =
            concat({column, zeros(typeOf(cur), gapShape)}, /*dim=*/d + 1);
        SmallVector<int64_t> merged(shape);
        merged[d] = n * stride;
        cur = reshape(spread, RankedTensorType::get(
                                  merged, typeOf(cur).getElementType()));
        SmallVector<int64_t> begin(merged.size(), 0), end(merged),
            step(merged.size(), 1);
        end[d] = (n - 1) * stride + 1;
        cur = b.create<SliceOp>(loc, cur, begin, end, step);
        shape = SmallVector<int64_t>(typeOf(cur).getShape());
      }
      int64_t before = start;
      int64_t after = full.getDimSize(d) - start - shape[d];
      SmallVector<Value> parts;
      if (before > 0) {
        SmallVector<int64_t> zs(shape);
        zs[d] = before;
        parts.push_back(zeros(typeOf(cur), zs));
      }
      parts.push_back(cur);
      if (after > 0) {
        SmallVector<int64_t> zs(shape);
        zs[d] = after;
        parts.push_back(zeros(typeOf(cur), zs));
      }
      cur = concat(parts, d);
    }
    return cur;
  }

  /// What the backward of a norm over the dimensions [axis, rank) shares:
  /// those dimensions, the row dimensions before them, x and g in f32, and
  /// g times gamma (g where there is no gamma).
  struct Norm {
    SmallVector<int64_t> norm, rows;
    Value x, g, gh;
  };
  Norm norm(Value x, Value g, Value gamma, int64_t axis) {
    int64_t rank = typeOf(x).getRank();
    Norm n{trailing(axis, rank), trailing(0, axis), widen(x), widen(g), {}};
    n.gh = gamma ? mul(n.g, unreduce(widen(gamma), typeOf(n.g), n.rows)) : n.g;
    return n;
  }
  /// A norm's scale gradient: g xhat summed over the rows.
  Value scaleGradient(const Norm &n, Value xhat, Value gamma) {
    return narrowLike(reduceSum(mul(n.g, xhat), n.rows), gamma);
  }

  /// 1 where `first` wins a max (`greater`) or min against `second`, 1/2 on
  /// a tie, 0 where it loses.
  Value winnerShare(Value first, Value second, bool greater) {
    Value one = splatLike(first, 1.0), half = splatLike(first, 0.5),
          zero = zerosLike(first);
    Value wins = compare(greater ? ComparePredicate::gt : ComparePredicate::lt,
                         first, second);
    Value tie = compare(ComparePredicate::eq, first, second);
    return select(wins, one, select(tie, half, zero));
  }
};

/// The vector-Jacobian product of `op` for the adjoint `g` of its (float)
/// result: one entry per operand, null where the operand gets no gradient.
/// Fails, with a diagnostic, for an op with no rule.
FailureOr<SmallVector<Value>> vjp(Operation *op, Value g, Backward &bw) {
  using Grads = SmallVector<Value>;
  Value y = op->getNumResults() == 1 ? op->getResult(0) : Value();
  auto x = [&](unsigned i) { return op->getOperand(i); };
  return llvm::TypeSwitch<Operation *, FailureOr<Grads>>(op)
      .Case([&](AddOp) { return Grads{g, g}; })
      .Case([&](SubOp) { return Grads{g, bw.op<NegOp>(g)}; })
      .Case([&](MulOp) { return Grads{bw.mul(g, x(1)), bw.mul(g, x(0))}; })
      .Case([&](DivOp) {
        // d(a/b)/db = -a/b^2 = -y/b.
        return Grads{bw.op<DivOp>(g, x(1)),
                     bw.op<NegOp>(bw.op<DivOp>(bw.mul(g, y), x(1)))};
      })
      .Case([&](MaxOp) {
        Value share = bw.winnerShare(x(0), x(1), /*greater=*/true);
        Value ga = bw.mul(g, share);
        return Grads{ga, bw.op<SubOp>(g, ga)};
      })
      .Case([&](MinOp) {
        Value share = bw.winnerShare(x(0), x(1), /*greater=*/false);
        Value ga = bw.mul(g, share);
        return Grads{ga, bw.op<SubOp>(g, ga)};
      })
      .Case([&](PowOp) {
        // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a).
        Value bMinus1 = bw.op<SubOp>(x(1), bw.splatLike(x(1), 1.0));
        Value da = bw.mul(bw.mul(g, x(1)), bw.op<PowOp>(x(0), bMinus1));
        Value db = bw.mul(bw.mul(g, y), bw.op<LogOp>(x(0)));
        return Grads{da, db};
      })
      .Case([&](NegOp) { return Grads{bw.op<NegOp>(g)}; })
      .Case([&](AbsOp) {
        Value zero = bw.zerosLike(x(0));
        return Grads{
            bw.select(bw.compare(ComparePredicate::gt, x(0), zero), g,
                      bw.select(bw.compare(ComparePredicate::lt, x(0), zero),
                                bw.op<NegOp>(g), bw.zerosLike(g)))};
      })
      .Case([&](ExpOp) { return Grads{bw.mul(g, y)}; })
      .Case([&](LogOp) { return Grads{bw.op<DivOp>(g, x(0))}; })
      .Case([&](SqrtOp) {
        // 1 / (2 sqrt(x)).
        return Grads{bw.op<DivOp>(g, bw.scale(y, 2.0))};
      })
      .Case([&](RsqrtOp) {
        // d(x^-1/2)/dx = -y / (2x).
        return Grads{bw.mul(g, bw.op<DivOp>(bw.scale(y, -0.5), x(0)))};
      })
      .Case([&](TanhOp) {
        Value one = bw.splatLike(y, 1.0);
        return Grads{bw.mul(g, bw.op<SubOp>(one, bw.mul(y, y)))};
      })
      .Case([&](ErfOp) {
        // 2/sqrt(pi) e^(-x^2).
        Value e = bw.op<ExpOp>(bw.op<NegOp>(bw.mul(x(0), x(0))));
        return Grads{bw.mul(g, bw.scale(e, 2.0 / std::sqrt(M_PI)))};
      })
      .Case([&](SigmoidOp) {
        Value one = bw.splatLike(y, 1.0);
        return Grads{bw.mul(g, bw.mul(y, bw.op<SubOp>(one, y)))};
      })
      .Case([&](ReluOp) {
        Value positive =
            bw.compare(ComparePredicate::gt, x(0), bw.zerosLike(x(0)));
        return Grads{bw.select(positive, g, bw.zerosLike(g))};
      })
      .Case([&](SiluOp) {
        // d(x s(x))/dx = s + x s (1 - s).
        Value s = bw.op<SigmoidOp>(x(0));
        Value one = bw.splatLike(s, 1.0);
        Value d =
            bw.op<AddOp>(s, bw.mul(x(0), bw.mul(s, bw.op<SubOp>(one, s))));
        return Grads{bw.mul(g, d)};
      })
      .Case([&](GeluOp gelu) -> FailureOr<Grads> {
        Value v = x(0);
        Value one = bw.splatLike(v, 1.0);
        Value d;
        switch (gelu.getApproximate()) {
        case GeluApproximation::none: {
          // Phi(x) + x phi(x): 0.5 (1 + erf(x/sqrt2)) + x e^(-x^2/2)/sqrt(2pi).
          Value cdf = bw.scale(
              bw.op<AddOp>(one, bw.op<ErfOp>(bw.scale(v, M_SQRT1_2))), 0.5);
          Value pdf = bw.scale(bw.op<ExpOp>(bw.scale(bw.mul(v, v), -0.5)),
                               1.0 / std::sqrt(2.0 * M_PI));
          d = bw.op<AddOp>(cdf, bw.mul(v, pdf));
          break;
        }
        case GeluApproximation::tanh: {
          // u = c (x + k x^3), t = tanh(u):
          // 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3k x^2).
          const double c = std::sqrt(2.0 / M_PI), k = 0.044715;
          Value x2 = bw.mul(v, v);
          Value u = bw.scale(bw.op<AddOp>(v, bw.scale(bw.mul(x2, v), k)), c);
          Value t = bw.op<TanhOp>(u);
          Value du = bw.scale(bw.op<AddOp>(one, bw.scale(x2, 3.0 * k)), c);
          Value sech2 = bw.op<SubOp>(one, bw.mul(t, t));
          d = bw.op<AddOp>(bw.scale(bw.op<AddOp>(one, t), 0.5),
                           bw.scale(bw.mul(v, bw.mul(sech2, du)), 0.5));
          break;
        }
        case GeluApproximation::sigmoid: {
          // s = sigmoid(1.702 x): s + 1.702 x s (1 - s).
          Value s = bw.op<SigmoidOp>(bw.scale(v, 1.702));
          d = bw.op<AddOp>(
              s, bw.scale(bw.mul(v, bw.mul(s, bw.op<SubOp>(one, s))), 1.702));
          break;
        }
        }
        return Grads{bw.mul(g, d)};
      })
      .Case([&](SelectOp) {
        Value zero = bw.zerosLike(g);
        return Grads{Value(), bw.select(x(0), g, zero),
                     bw.select(x(0), zero, g)};
      })
      .Case([&](ConvertOp) -> FailureOr<Grads> {
        if (!isFloatTensor(x(0))) {
          return Grads{Value()};
        }
        auto to = bw.typeOf(x(0));
        return Grads{to == g.getType()
                         ? g
                         : bw.b.create<ConvertOp>(bw.loc, to, g).getResult()};
      })
      .Case([&](BroadcastInDimOp bcast) {
        // Sum over the dimensions the broadcast made: those no operand
        // dimension maps to, and those an operand dimension of 1 fills.
        RankedTensorType from = bw.typeOf(x(0)), to = bw.typeOf(y);
        ArrayRef<int64_t> dims = bcast.getBroadcastDimensions();
        SmallVector<int64_t> summed;
        for (int64_t d = 0; d < to.getRank(); ++d) {
          const auto *it = llvm::find(dims, d);
          if (it == dims.end()) {
            summed.push_back(d);
            continue;
          }
          int64_t k = it - dims.begin();
          if (from.getDimSize(k) == 1 && to.getDimSize(d) != 1) {
            summed.push_back(d);
          }
        }
        return Grads{bw.reshape(bw.reduceSum(g, summed), from)};
      })
      .Case([&](ReshapeOp) { return Grads{bw.reshape(g, bw.typeOf(x(0)))}; })
      .Case([&](TransposeOp t) {
        ArrayRef<int64_t> perm = t.getPermutation();
        SmallVector<int64_t> inverse(perm.size());
        for (auto [i, p] : llvm::enumerate(perm)) {
          inverse[p] = i;
        }
        return Grads{bw.b.create<TransposeOp>(bw.loc, g, inverse).getResult()};
      })
      .Case([&](ReduceOp r) -> FailureOr<Grads> {
        RankedTensorType from = bw.typeOf(x(0));
        ArrayRef<int64_t> dims = r.getDimensions();
        Value spread = bw.unreduce(g, from, dims);
        switch (r.getKind()) {
        case ReduceKind::sum:
          return Grads{spread};
        case ReduceKind::mean: {
          int64_t n = 1;
          for (int64_t d : dims) {
            n *= from.getDimSize(d);
          }
          // Divided by n (exact in f32 up to 2^24), not multiplied by a
          // rounded 1/n.
          return Grads{bw.op<DivOp>(
              spread, bw.splatLike(spread, static_cast<double>(n)))};
        }
        case ReduceKind::max:
        case ReduceKind::min: {
          // The tied extremes of a row share its gradient equally.
          Value extreme = bw.unreduce(y, from, dims);
          Value hit = bw.compare(ComparePredicate::eq, x(0), extreme);
          Value ones =
              bw.select(hit, bw.splatLike(x(0), 1.0), bw.zerosLike(x(0)));
          Value count = bw.unreduce(bw.reduceSum(ones, dims), from, dims);
          return Grads{bw.mul(bw.op<DivOp>(spread, count), ones)};
        }
        }
        return failure();
      })
      .Case([&](MatmulOp m) {
        // With A' = op(A) and B' = op(B) (op transposes when the flag is
        // set): dA' = g B'^T, dB' = A'^T g, transposed back where the
        // operand was read transposed; a shared (rank-2) operand of a
        // batched product sums its gradient over the batch.
        bool ta = m.getTransposeLhs(), tb = m.getTransposeRhs();
        Value a = x(0), c = x(1);
        Value da = ta ? bw.matmul(c, g, tb, true) : bw.matmul(g, c, false, !tb);
        Value dc = tb ? bw.matmul(g, a, true, ta) : bw.matmul(a, g, !ta, false);
        return Grads{bw.sumToRank(da, bw.typeOf(a)),
                     bw.sumToRank(dc, bw.typeOf(c))};
      })
      .Case([&](SoftmaxOp sm) {
        // dx = y (g - sum(g y)); a fully masked row (y = 0) gets 0.
        SmallVector<int64_t> axis{sm.getAxis()};
        Value yw = bw.widen(y), gw = bw.widen(g);
        Value dx =
            bw.mul(yw, bw.op<SubOp>(gw, bw.rowSum(bw.mul(gw, yw), axis)));
        return Grads{bw.narrowLike(dx, x(0))};
      })
      .Case([&](LogSoftmaxOp ls) {
        // dx = g - softmax(x) sum(g), with softmax(x) = e^y.
        SmallVector<int64_t> axis{ls.getAxis()};
        Value yw = bw.widen(y), gw = bw.widen(g);
        Value dx =
            bw.op<SubOp>(gw, bw.mul(bw.op<ExpOp>(yw), bw.rowSum(gw, axis)));
        return Grads{bw.narrowLike(dx, x(0))};
      })
      .Case([&](LogSumExpOp lse) {
        // dx = g e^(x - y); a fully -inf row (y = -inf) gets 0, not NaN.
        SmallVector<int64_t> axis{static_cast<int64_t>(lse.getAxis())};
        Value xw = bw.widen(x(0));
        RankedTensorType type = bw.typeOf(xw);
        Value yb = bw.unreduce(bw.widen(y), type, axis);
        Value gb = bw.unreduce(bw.widen(g), type, axis);
        Value p = bw.op<ExpOp>(bw.op<SubOp>(xw, yb));
        Value masked =
            bw.compare(ComparePredicate::eq, yb, bw.splat(type, -INFINITY));
        Value dx = bw.select(masked, bw.zerosLike(xw), bw.mul(gb, p));
        return Grads{bw.narrowLike(dx, x(0))};
      })
      .Case([&](LayerNormOp ln) {
        // With xhat = (x - mean) rstd over the normalized dimensions N:
        // dx = rstd (gh - mean_N(gh) - xhat mean_N(gh xhat)), gh = g gamma;
        // dgamma = sum over the rows of g xhat; dbeta = sum of g.
        Backward::Norm n = bw.norm(x(0), g, ln.getGamma(), ln.getAxis());
        Value centered = bw.op<SubOp>(n.x, bw.rowMean(n.x, n.norm));
        Value var = bw.rowMean(bw.mul(centered, centered), n.norm);
        Value rstd = bw.op<RsqrtOp>(bw.op<AddOp>(
            var, bw.splatLike(var, ln.getEpsilon().convertToDouble())));
        Value xhat = bw.mul(centered, rstd);
        Value dx = bw.mul(
            rstd,
            bw.op<SubOp>(bw.op<SubOp>(n.gh, bw.rowMean(n.gh, n.norm)),
                         bw.mul(xhat, bw.rowMean(bw.mul(n.gh, xhat), n.norm))));
        Grads grads{bw.narrowLike(dx, x(0))};
        if (ln.getGamma()) {
          grads.push_back(bw.scaleGradient(n, xhat, ln.getGamma()));
        }
        if (ln.getBeta()) {
          grads.push_back(
              bw.narrowLike(bw.reduceSum(n.g, n.rows), ln.getBeta()));
        }
        return grads;
      })
      .Case([&](RmsNormOp rn) {
        // With r = rsqrt(mean_N(x^2) + eps), xhat = x r:
        // dx = r (gh - xhat mean_N(gh xhat)); dgamma = sum of g xhat.
        Backward::Norm n = bw.norm(x(0), g, rn.getGamma(), rn.getAxis());
        Value ms = bw.rowMean(bw.mul(n.x, n.x), n.norm);
        Value r = bw.op<RsqrtOp>(bw.op<AddOp>(
            ms, bw.splatLike(ms, rn.getEpsilon().convertToDouble())));
        Value xhat = bw.mul(n.x, r);
        Value dx = bw.mul(
            r, bw.op<SubOp>(
                   n.gh, bw.mul(xhat, bw.rowMean(bw.mul(n.gh, xhat), n.norm))));
        Grads grads{bw.narrowLike(dx, x(0))};
        if (rn.getGamma()) {
          grads.push_back(bw.scaleGradient(n, xhat, rn.getGamma()));
        }
        return grads;
      })
      .Case([&](SliceOp slice) { return Grads{bw.unslice(g, slice)}; })
      .Case([&](GatherOp gather) {
        // The table's gradient sums each looked-up row's adjoint back into
        // the row it came from (clamped alike); the indices get none.
        Value table = bw.b.create<ScatterAddOp>(bw.loc, bw.typeOf(x(0)), g,
                                                gather.getIndices(),
                                                bw.typeOf(x(0)).getDimSize(0));
        return Grads{table, Value()};
      })
      .Case([&](AttentionOp a) -> FailureOr<Grads> {
        // Differentiated as a composite: one attention_backward, which the
        // lowerings compute flash-style (recomputing the probabilities tile
        // by tile, never holding S x T).
        if (a.getBias() && bw.active->contains(a.getBias())) {
          return a.emitError()
                 << "sinter-autodiff: no gradient for the bias of "
                    "'sinter.attention' (a learned bias); masks (constants "
                    "and inputs not differentiated) are fine";
        }
        auto back = bw.b.create<AttentionBackwardOp>(
            bw.loc, x(0), x(1), x(2), y, g, a.getBias(), a.getScaleAttr(),
            a.getCausalAttr());
        Grads grads(back.getResults().begin(), back.getResults().end());
        if (a.getBias()) {
          grads.push_back(Value());
        }
        return grads;
      })
      .Case([&](AttentionBackwardOp) -> FailureOr<Grads> {
        return op->emitError() << "sinter-autodiff: no second derivative of "
                                  "attention (a gradient of "
                                  "'sinter.attention_backward')";
      })
      .Case([&](ScatterAddOp scatter) {
        // Each update reads back the adjoint of the row it went into.
        Value updates = bw.b.create<GatherOp>(bw.loc, bw.typeOf(x(0)), g,
                                              scatter.getIndices());
        return Grads{updates, Value()};
      })
      .Case([&](ConcatenateOp cat) {
        // Each input's gradient is its slice of g along the dimension.
        Grads grads;
        int64_t dim = cat.getDimension(), offset = 0;
        RankedTensorType type = bw.typeOf(g);
        for (Value input : cat.getInputs()) {
          int64_t size = bw.typeOf(input).getDimSize(dim);
          SmallVector<int64_t> begin(type.getRank(), 0), end(type.getShape()),
              step(type.getRank(), 1);
          begin[dim] = offset;
          end[dim] = offset + size;
          grads.push_back(
              isFloatTensor(input)
                  ? bw.b.create<SliceOp>(bw.loc, g, begin, end, step)
                        .getResult()
                  : Value());
          offset += size;
        }
        return grads;
      })
      .Case([&](RotaryEmbeddingOp rope) {
        // A rotation by -angle undoes it: dx = rope(g, cos, -sin). With the
        // pairs (a, b) of x and (ga, gb) of g, y = (a c - b s, b c + a s)
        // gives dcos = ga a + gb b and dsin = gb a - ga b, summed over the
        // dimensions before [S, D/2].
        bool interleaved = rope.getInterleaved();
        Value dx = bw.b.create<RotaryEmbeddingOp>(
            bw.loc, g, x(1), bw.op<NegOp>(x(2)), interleaved);
        auto halves = [&](Value v) {
          RankedTensorType type = bw.typeOf(v);
          int64_t rank = type.getRank(), d = type.getDimSize(rank - 1);
          SmallVector<int64_t> begin(rank, 0), end(type.getShape()),
              step(rank, 1);
          SmallVector<int64_t> begin2 = begin, end2 = end;
          if (interleaved) {
            step[rank - 1] = 2;
            begin2[rank - 1] = 1;
          } else {
            end[rank - 1] = d / 2;
            begin2[rank - 1] = d / 2;
          }
          Value first = bw.b.create<SliceOp>(bw.loc, v, begin, end, step);
          Value second = bw.b.create<SliceOp>(bw.loc, v, begin2, end2, step);
          return std::make_pair(first, second);
        };
        auto [a, bx] = halves(x(0));
        auto [ga, gb] = halves(g);
        SmallVector<int64_t> lead =
            Backward::trailing(0, bw.typeOf(x(0)).getRank());
        lead.resize(lead.size() - 2);
        Value dcos =
            bw.reduceSum(bw.op<AddOp>(bw.mul(ga, a), bw.mul(gb, bx)), lead);
        Value dsin =
            bw.reduceSum(bw.op<SubOp>(bw.mul(gb, a), bw.mul(ga, bx)), lead);
        return Grads{dx, dcos, dsin};
      })
      .Case<ConstantOp, IotaOp, CompareOp>(
          [&](Operation *) { return Grads(op->getNumOperands(), Value()); })
      .Default([&](Operation *) -> FailureOr<Grads> {
        op->emitError() << "sinter-autodiff: no gradient rule for '"
                        << op->getName()
                        << "' (a gradient must flow through it to reach an "
                           "argument asked for)";
        return failure();
      });
}

} // namespace

FailureOr<SmallVector<Value>> sinter::buildGradients(OpBuilder &b, Location loc,
                                                     Value loss, ValueRange wrt,
                                                     ValueRange constants) {
  Block *block = b.getInsertionBlock();
  auto lossType = dyn_cast<RankedTensorType>(loss.getType());
  if (!block || !lossType || lossType.getRank() != 0 ||
      !lossType.getElementType().isF32()) {
    return emitError(loc) << "sinter-autodiff: the loss must be a scalar "
                             "tensor<f32>, not "
                          << loss.getType();
  }
  auto inBlock = [&](Value v) { return v.getParentBlock() == block; };
  if (!inBlock(loss)) {
    return emitError(loc) << "sinter-autodiff: the loss is not a value of "
                             "the block the gradients are built in";
  }
  for (auto [i, v] : llvm::enumerate(wrt)) {
    if (!isFloatTensor(v) || !inBlock(v)) {
      return emitError(loc)
             << "sinter-autodiff: gradient #" << i << " is asked for a "
             << v.getType()
             << (isFloatTensor(v) ? " defined outside the block"
                                  : ": only float tensors have a gradient");
    }
  }

  // The forward ops: everything in the block before the insertion point.
  SmallVector<Operation *> forward;
  for (auto it = block->begin(); it != b.getInsertionPoint(); ++it) {
    forward.push_back(&*it);
  }

  // Active values: reached from a value asked for.
  // `constants` stop the gradient: they never become active, so nothing
  // flows into or through them.
  llvm::DenseSet<Value> stopped(constants.begin(), constants.end());
  llvm::DenseSet<Value> active;
  for (Value v : wrt) {
    if (!stopped.contains(v)) {
      active.insert(v);
    }
  }
  for (Operation *op : forward) {
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return active.contains(v); })) {
      for (Value r : op->getResults()) {
        if (isFloatTensor(r) && !stopped.contains(r)) {
          active.insert(r);
        }
      }
    }
  }

  Backward bw{b, loc, &active};
  llvm::DenseMap<Value, Value> adjoint;
  auto accumulate = [&](Value v, Value g) {
    auto [it, inserted] = adjoint.try_emplace(v, g);
    if (!inserted) {
      it->second = bw.op<AddOp>(it->second, g);
    }
  };
  // The backward ops are those between the last forward op and the
  // insertion point; erases the dead ones (all of them on failure).
  Operation *lastForward = forward.empty() ? nullptr : forward.back();
  auto eraseDeadBackward = [&](const llvm::DenseSet<Operation *> &kept) {
    SmallVector<Operation *> backward;
    for (auto it = lastForward ? std::next(lastForward->getIterator())
                               : block->begin();
         it != b.getInsertionPoint(); ++it) {
      backward.push_back(&*it);
    }
    for (Operation *op : llvm::reverse(backward)) {
      if (isOpTriviallyDead(op) && !kept.contains(op)) {
        op->erase();
      }
    }
  };
  if (active.contains(loss)) {
    accumulate(loss, bw.splat(lossType, 1.0));
  }
  for (Operation *op : llvm::reverse(forward)) {
    // Rules take the adjoint of a single result; an op with several whose
    // results reach the loss is an error (from vjp), never skipped.
    Value g;
    for (Value r : op->getResults()) {
      if (active.contains(r) && adjoint.lookup(r)) {
        g = adjoint.lookup(r);
      }
    }
    if (!g) {
      continue; // not active, or does not reach the loss
    }
    bw.loc = op->getLoc();
    FailureOr<SmallVector<Value>> grads =
        op->getNumResults() == 1 ? vjp(op, g, bw) : vjp(op, Value(), bw);
    if (failed(grads)) {
      eraseDeadBackward({});
      return failure();
    }
    for (auto [operand, og] : llvm::zip(op->getOperands(), *grads)) {
      if (og && active.contains(operand)) {
        accumulate(operand, og);
      }
    }
  }

  bw.loc = loc;
  SmallVector<Value> grads;
  llvm::DenseSet<Operation *> kept;
  for (Value v : wrt) {
    Value g = adjoint.lookup(v);
    grads.push_back(g ? g : bw.zerosLike(v));
    kept.insert(grads.back().getDefiningOp());
  }
  // A rule writes every operand's gradient; those nothing asked for are
  // dead.
  eraseDeadBackward(kept);
  return grads;
}

namespace {

/// The argument's name: its `sinter.name`, or `arg<N>`.
std::string argumentName(func::FuncOp fn, unsigned i) {
  if (auto name = fn.getArgAttrOfType<StringAttr>(i, "sinter.name")) {
    return name.str();
  }
  return "arg" + std::to_string(i);
}

struct AutodiffPass : sinter::impl::AutodiffPassBase<AutodiffPass> {
  using AutodiffPassBase::AutodiffPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    func::FuncOp fn = pickFunction(module);
    if (!fn || failed(differentiate(module, fn))) {
      return signalPassFailure();
    }
  }

  func::FuncOp pickFunction(ModuleOp module) {
    if (!function.empty()) {
      auto fn = module.lookupSymbol<func::FuncOp>(function);
      if (!fn) {
        module.emitError() << "sinter-autodiff: no function @" << function;
      }
      return fn;
    }
    func::FuncOp only;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isPublic()) {
        if (only) {
          module.emitError() << "sinter-autodiff: the module has several "
                                "public functions; name one with function=";
          return nullptr;
        }
        only = fn;
      }
    }
    if (!only) {
      module.emitError() << "sinter-autodiff: the module has no public "
                            "function";
    }
    return only;
  }

  LogicalResult differentiate(ModuleOp module, func::FuncOp fn) {
    if (fn.isExternal() || !fn.getBody().hasOneBlock()) {
      return fn.emitError() << "sinter-autodiff: @" << fn.getSymName()
                            << " has no single-block body";
    }
    auto lossType = fn.getNumResults() == 1
                        ? dyn_cast<RankedTensorType>(fn.getResultTypes()[0])
                        : RankedTensorType();
    if (!lossType || lossType.getRank() != 0 ||
        !lossType.getElementType().isF32()) {
      std::string types;
      llvm::raw_string_ostream os(types);
      llvm::interleaveComma(fn.getResultTypes(), os);
      return fn.emitError() << "sinter-autodiff: the loss must be the one "
                               "result, a scalar tensor<f32>; @"
                            << fn.getSymName() << " returns (" << types << ")";
    }
    SmallVector<unsigned> wrtArgs;
    if (failed(resolveWrt(fn, wrtArgs))) {
      return failure();
    }
    std::string gradName = (fn.getSymName() + "_grad").str();
    if (module.lookupSymbol(gradName)) {
      return fn.emitError()
             << "sinter-autodiff: @" << gradName << " exists already";
    }

    // The gradient function starts as a copy of the forward one.
    OpBuilder top(module.getContext());
    top.setInsertionPointAfter(fn);
    auto grad = cast<func::FuncOp>(top.clone(*fn));
    grad.setSymName(gradName);
    Block &body = grad.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    Value loss = ret.getOperand(0);

    SmallVector<Value> wrtValues;
    for (unsigned i : wrtArgs) {
      wrtValues.push_back(body.getArgument(i));
    }
    OpBuilder b = OpBuilder::atBlockTerminator(&body);
    FailureOr<SmallVector<Value>> grads =
        buildGradients(b, grad.getLoc(), loss, wrtValues);
    if (failed(grads)) {
      grad.erase();
      return failure();
    }

    SmallVector<Value> results{loss};
    results.append(grads->begin(), grads->end());
    SmallVector<Attribute> resultNames;
    resultNames.push_back(fn.getResultAttrDict(0)
                              ? Attribute(fn.getResultAttrDict(0))
                              : Attribute(DictionaryAttr::get(&getContext())));
    for (unsigned i : wrtArgs) {
      resultNames.push_back(b.getDictionaryAttr(b.getNamedAttr(
          "sinter.name", b.getStringAttr("grad_" + argumentName(fn, i)))));
    }
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    grad.setFunctionType(b.getFunctionType(grad.getArgumentTypes(),
                                           ValueRange(results).getTypes()));
    grad.setAllResultAttrs(resultNames);
    return success();
  }

  LogicalResult resolveWrt(func::FuncOp fn, SmallVectorImpl<unsigned> &args) {
    if (wrt.empty()) {
      for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
        if (isFloatTensor(fn.getArgument(i))) {
          args.push_back(i);
        }
      }
      return success();
    }
    for (const std::string &name : wrt) {
      std::optional<unsigned> found;
      for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
        if (argumentName(fn, i) == name) {
          found = i;
        }
      }
      if (!found) {
        std::string names;
        for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
          names += (i ? ", " : "") + argumentName(fn, i);
        }
        return fn.emitError() << "sinter-autodiff: @" << fn.getSymName()
                              << " has no argument named '" << name
                              << "' (its arguments: " << names << ")";
      }
      if (!isFloatTensor(fn.getArgument(*found))) {
        return fn.emitError()
               << "sinter-autodiff: argument '" << name << "' of @"
               << fn.getSymName() << " is " << fn.getArgument(*found).getType()
               << ": only float arguments have a gradient";
      }
      args.push_back(*found);
    }
    return success();
  }
};

} // namespace
