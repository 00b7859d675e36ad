//===- FlashAttention.cpp - sinter.attention as a CPU flash-attention nest ===//
//
// The sinter-cpu-lower-attention pass, which runs before the sinter-to-linalg
// conversion on the CPU path (the GPU has its own kernel, SinterToGPU/).
// An attention op (inside an `attention` fusion or alone) lowers the way
// FlashAttention computes it: for each (batch, head, tile of Br queries) -- an
// scf.forall, so the thread pool shares the tiles -- walk the keys in tiles of
// Bc with an online softmax:
//   s    = q_tile . k_tileT * scale (+ bias tile) (causal: masked to -inf)
//   m'   = max(m, rowmax(s));  p = exp(s - m');  c = exp(m - m')
//   l'   = l * c + rowsum(p);  acc' = acc * c + p . v_tile
// and finally out = acc / l. Memory beyond the inputs and output is the
// per-tile state (Br x Bc scores, Br x Dv accumulator, two Br vectors): it
// grows with the tile sizes, never with S x T.
//
// Causal attention stops the key loop after the last tile that any query
// of the tile can see, so fully masked tiles are never computed, and the
// tiles that every query sees whole are computed without a mask. In the
// tiles on the diagonal a hidden key takes no part at all: its score is
// -inf and its value is selected away rather than multiplied by p = 0, so
// a NaN or inf in a future value cannot reach the rows before it (as the
// reference specifies). A row whose keys are all masked (-inf scores
// everywhere) keeps m = -inf and l = 0 and gives zeros, as the op specifies.
//
// The two tile products are register-blocked (tileProduct): rows of the
// result stay in vector registers while the shared dimension is walked.
//
// Numerics: the online softmax rescales partial sums instead of
// normalising once; the result equals the two-pass softmax up to rounding
// (SinterE2EFusionTests hold it to the reference's per-dtype tolerances:
// f32 atol 1e-4 / rtol 1e-3, and the bf16 tolerance for bf16 inputs).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>
#include <limits>

#define DEBUG_TYPE "sinter-cpu-lower-attention"

namespace sinter {

#define GEN_PASS_DEF_CPULOWERATTENTIONPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

using utils::IteratorType;

/// f32 lanes of the tile products' vectors (one AVX-512 register; on
/// narrower targets LLVM splits them).
constexpr int64_t kVectorWidth = 16;

/// The largest divisor of `n` that is at most `cap`: tiles are static and
/// cover the sequence exactly.
int64_t tileFor(int64_t n, int64_t cap) {
  for (int64_t t = std::min(n, cap); t > 1; --t) {
    if (n % t == 0) {
      return t;
    }
  }
  return 1;
}

/// The sizes, tiles and register-blocked tile products the forward and the
/// backward lowerings share.
class FlashTiles {
public:
  FlashTiles(OpBuilder &b, Location loc, Value q, Value k, Value v, Value bias,
             double scale)
      : b(b), loc(loc), q(q), k(k), v(v), bias(bias), scale(scale) {
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    batch = qType.getDimSize(0);
    heads = qType.getDimSize(1);
    s = qType.getDimSize(2);
    d = qType.getDimSize(3);
    t = kType.getDimSize(2);
    dv = vType.getDimSize(3);
    element = qType.getElementType();
    f32 = b.getF32Type();
    br = tileFor(s, 64);
    bc = tileFor(t, 64);
  }

protected:
  Value idx(OpBuilder &nb, int64_t v) {
    return nb.create<arith::ConstantIndexOp>(loc, v);
  }
  Value f32Const(OpBuilder &nb, double v) {
    return nb.create<arith::ConstantOp>(loc, nb.getF32FloatAttr(v));
  }
  Value filled(OpBuilder &nb, ArrayRef<int64_t> shape, double v) {
    return filledTensor(nb, loc, RankedTensorType::get(shape, f32),
                        f32Const(nb, v));
  }
  Value empty(OpBuilder &nb, ArrayRef<int64_t> shape, Type elem) {
    return nb.create<tensor::EmptyOp>(loc, shape, elem);
  }
  Value widen(OpBuilder &nb, Value x) { return widenScalar(nb, loc, x, f32); }

  /// A [rows, cols] tile of a [B, H, R, C] tensor at (bi, hi, r0, c0).
  Value tile(OpBuilder &nb, Value src, Value bi, Value hi, Value r0, Value c0,
             int64_t rows, int64_t cols) {
    auto srcType = cast<RankedTensorType>(src.getType());
    auto type = RankedTensorType::get({rows, cols}, srcType.getElementType());
    SmallVector<OpFoldResult> offsets = {bi, hi, r0, c0};
    SmallVector<OpFoldResult> sizes = {nb.getIndexAttr(1), nb.getIndexAttr(1),
                                       nb.getIndexAttr(rows),
                                       nb.getIndexAttr(cols)};
    SmallVector<OpFoldResult> strides(4, nb.getIndexAttr(1));
    return nb.create<tensor::ExtractSliceOp>(loc, type, src, offsets, sizes,
                                             strides);
  }

  AffineMap map(OpBuilder &nb, unsigned dims, ArrayRef<unsigned> results) {
    SmallVector<AffineExpr> exprs;
    for (unsigned r : results) {
      exprs.push_back(nb.getAffineDimExpr(r));
    }
    return AffineMap::get(dims, 0, exprs, nb.getContext());
  }

  Value generic(OpBuilder &nb, ValueRange ins, ValueRange outs,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters,
                function_ref<void(OpBuilder &, Location, ValueRange)> body,
                unsigned result = 0) {
    auto g = nb.create<linalg::GenericOp>(loc, ValueRange(outs).getTypes(), ins,
                                          outs, maps, iters, body);
    return g.getResult(result);
  }

  /// C (+)= A . B for tiles A [M, K], B [K, N] (row-major; either may be
  /// bf16/f16, widened) and C [M, N] f32, register-blocked: mr rows of C by
  /// ceil(N / vw) vectors stay in registers while K is walked, each step a
  /// broadcast of A[i, k] times contiguous vectors of row k of B. Vectors
  /// past N are masked by the transfers. With `accumulate` the blocks start
  /// from C, else from zero. With `visible`, a step (i, k) for which it is
  /// false leaves row i of C as it was.
  using VisibleFn = std::function<Value(OpBuilder &, Location, Value, Value)>;
  Value tileProduct(OpBuilder &nb, Value a, Value bMat, Value cInit,
                    bool accumulate, const VisibleFn &visible = {}) {
    auto aType = cast<RankedTensorType>(a.getType());
    auto bType = cast<RankedTensorType>(bMat.getType());
    int64_t rowsM = aType.getDimSize(0), depth = aType.getDimSize(1);
    int64_t cols = bType.getDimSize(1);
    int64_t mr = rowsM % 4 == 0 ? 4 : rowsM % 2 == 0 ? 2 : 1;
    int64_t nv = llvm::divideCeil(cols, kVectorWidth);
    auto vf32 = VectorType::get({kVectorWidth}, f32);
    Type bElem = bType.getElementType();
    auto vb = VectorType::get({kVectorWidth}, bElem);
    Value zeroF = f32Const(nb, 0.0);
    Value zeroB = nb.create<arith::ConstantOp>(loc, nb.getZeroAttr(bElem));
    Value zeroVec = nb.create<arith::ConstantOp>(
        loc, vf32, DenseElementsAttr::get(vf32, nb.getF32FloatAttr(0)));
    // Every vector but a partial last one is in bounds (no masking).
    auto inBounds = [&](int64_t v) {
      return SmallVector<bool>{(v + 1) * kVectorWidth <= cols};
    };
    auto rows = nb.create<scf::ForOp>(
        loc, idx(nb, 0), idx(nb, rowsM), idx(nb, mr), ValueRange{cInit},
        [&](OpBuilder &rb, Location, Value i0, ValueRange cIter) {
          SmallVector<Value> rowIdx;
          for (int64_t r = 0; r < mr; ++r) {
            rowIdx.push_back(rb.create<arith::AddIOp>(loc, i0, idx(rb, r)));
          }
          SmallVector<Value> colIdx;
          for (int64_t v = 0; v < nv; ++v) {
            colIdx.push_back(idx(rb, v * kVectorWidth));
          }
          SmallVector<Value> init;
          for (int64_t r = 0; r < mr; ++r) {
            for (int64_t v = 0; v < nv; ++v) {
              init.push_back(accumulate
                                 ? rb.create<vector::TransferReadOp>(
                                         loc, vf32, cIter[0],
                                         ValueRange{rowIdx[r], colIdx[v]},
                                         zeroF, ArrayRef<bool>(inBounds(v)))
                                       .getResult()
                                 : zeroVec);
            }
          }
          auto kLoop = rb.create<scf::ForOp>(
              loc, idx(rb, 0), idx(rb, depth), idx(rb, 1), init,
              [&](OpBuilder &kb, Location, Value kk, ValueRange acc) {
                SmallVector<Value> bv;
                for (int64_t v = 0; v < nv; ++v) {
                  Value x = kb.create<vector::TransferReadOp>(
                      loc, vb, bMat, ValueRange{kk, colIdx[v]}, zeroB,
                      ArrayRef<bool>(inBounds(v)));
                  if (bElem != f32) {
                    x = kb.create<arith::ExtFOp>(loc, vf32, x);
                  }
                  bv.push_back(x);
                }
                SmallVector<Value> next;
                for (int64_t r = 0; r < mr; ++r) {
                  Value s = kb.create<tensor::ExtractOp>(
                      loc, a, ValueRange{rowIdx[r], kk});
                  s = widenScalar(kb, loc, s, f32);
                  Value bs = kb.create<vector::BroadcastOp>(loc, vf32, s);
                  Value seen =
                      visible ? visible(kb, loc, rowIdx[r], kk) : Value();
                  for (int64_t v = 0; v < nv; ++v) {
                    Value old = acc[r * nv + v];
                    Value sum = kb.create<vector::FMAOp>(loc, bs, bv[v], old);
                    next.push_back(
                        seen ? kb.create<arith::SelectOp>(loc, seen, sum, old)
                                   .getResult()
                             : sum);
                  }
                }
                kb.create<scf::YieldOp>(loc, next);
              });
          Value c = cIter[0];
          for (int64_t r = 0; r < mr; ++r) {
            for (int64_t v = 0; v < nv; ++v) {
              c = rb.create<vector::TransferWriteOp>(
                        loc, kLoop.getResult(r * nv + v), c,
                        ValueRange{rowIdx[r], colIdx[v]},
                        ArrayRef<bool>(inBounds(v)))
                      .getResult();
            }
          }
          rb.create<scf::YieldOp>(loc, c);
        });
    return rows.getResult(0);
  }

  /// Key t0 + j is visible to query s0 + i iff t0 + j <= s0 + i + (T - S).
  Value visibleAt(OpBuilder &gb, Location gl, Value s0, Value t0, Value i,
                  Value j) {
    Value key = gb.create<arith::AddIOp>(gl, t0, j);
    Value limit =
        gb.create<arith::AddIOp>(gl, gb.create<arith::AddIOp>(gl, s0, i),
                                 gb.create<arith::ConstantIndexOp>(gl, t - s));
    return gb.create<arith::CmpIOp>(gl, arith::CmpIPredicate::sle, key, limit);
  }

  /// scale * scores + bias, -inf where masked. In the transposed
  /// orientation rows are keys and columns queries.
  Value logits(OpBuilder &nb, Value scores, Value bi, Value hi, Value s0,
               Value t0, bool masked, bool keyRows) {
    unsigned two = 2;
    auto type = cast<RankedTensorType>(scores.getType());
    SmallVector<Value> ins = {scores};
    SmallVector<AffineMap> maps = {map(nb, two, {0, 1})};
    if (bias) {
      auto biasType = cast<RankedTensorType>(bias.getType());
      Value zero = idx(nb, 0);
      Value bb = biasType.getDimSize(0) == 1 ? zero : bi;
      Value bh = biasType.getDimSize(1) == 1 ? zero : hi;
      ins.push_back(tile(nb, bias, bb, bh, s0, t0, br, bc));
      maps.push_back(keyRows ? map(nb, two, {1, 0}) : map(nb, two, {0, 1}));
    }
    maps.push_back(map(nb, two, {0, 1}));
    return generic(
        nb, ins, ValueRange{empty(nb, type.getShape(), f32)}, maps,
        {IteratorType::parallel, IteratorType::parallel},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value x = gb.create<arith::MulFOp>(
              gl, a[0],
              gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(scale)));
          if (bias) {
            x = gb.create<arith::AddFOp>(gl, x, widen(gb, a[1]));
          }
          if (masked) {
            Value r = gb.create<linalg::IndexOp>(gl, 0);
            Value c = gb.create<linalg::IndexOp>(gl, 1);
            Value seen = keyRows ? visibleAt(gb, gl, s0, t0, c, r)
                                 : visibleAt(gb, gl, s0, t0, r, c);
            Value ninf = gb.create<arith::ConstantOp>(
                gl,
                gb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
            x = gb.create<arith::SelectOp>(gl, seen, x, ninf);
          }
          gb.create<linalg::YieldOp>(gl, x);
        });
  }

  /// The row max of a [rows, cols] tile.
  Value rowMax(OpBuilder &nb, Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    unsigned two = 2;
    auto fm = reductionFastMath(nb.getContext());
    return generic(
        nb, ValueRange{x},
        ValueRange{filled(nb, {type.getDimSize(0)},
                          -std::numeric_limits<double>::infinity())},
        {map(nb, two, {0, 1}), map(nb, two, {0})},
        {IteratorType::parallel, IteratorType::reduction},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          gb.create<linalg::YieldOp>(
              gl, gb.create<arith::MaximumFOp>(gl, a[1], a[0], fm).getResult());
        });
  }

  /// The online softmax's running max: m' = max(m, tileMax) written over m
  /// (destination-passing style, so a loop's state stays in its own
  /// buffers) and the correction exp(m - m') (1 while m' is -inf).
  /// Returns {correction, m'}.
  std::pair<Value, Value> runningMax(OpBuilder &nb, Value tileMax, Value m) {
    unsigned one = 1;
    auto update = nb.create<linalg::GenericOp>(
        loc, TypeRange{m.getType(), m.getType()}, ValueRange{tileMax},
        ValueRange{
            empty(nb, cast<RankedTensorType>(m.getType()).getShape(), f32), m},
        SmallVector<AffineMap>(3, map(nb, one, {0})),
        SmallVector<IteratorType>{IteratorType::parallel},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value mOld = a[2];
          Value mNew = gb.create<arith::MaximumFOp>(gl, mOld, a[0]);
          Value ninf = gb.create<arith::ConstantOp>(
              gl, gb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
          Value none = gb.create<arith::CmpFOp>(gl, arith::CmpFPredicate::OEQ,
                                                mNew, ninf);
          Value corr = gb.create<math::ExpOp>(
              gl, gb.create<arith::SubFOp>(gl, mOld, mNew));
          Value oneF = gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(1));
          corr = gb.create<arith::SelectOp>(gl, none, oneF, corr);
          gb.create<linalg::YieldOp>(gl, ValueRange{corr, mNew});
        });
    return {update.getResult(0), update.getResult(1)};
  }

  OpBuilder &b;
  Location loc;
  Value q, k, v, bias;
  double scale;
  int64_t batch, heads, s, d, t, dv, br, bc;
  Type element, f32;
};

class FlashEmitter : public FlashTiles {
public:
  FlashEmitter(OpBuilder &b, Location loc, AttentionOp op, Value q, Value k,
               Value v, Value bias)
      : FlashTiles(b, loc, q, k, v, bias, op.getScale().convertToDouble()),
        op(op) {}

  Value emit() {
    auto resultType = RankedTensorType::get({batch, heads, s, dv}, element);
    Value init = emptyTensor(b, loc, resultType);
    SmallVector<OpFoldResult> ubs = {
        b.getIndexAttr(batch), b.getIndexAttr(heads), b.getIndexAttr(s / br)};
    auto forall = b.create<scf::ForallOp>(
        loc, ubs, ValueRange{init}, /*mapping=*/std::nullopt,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          emitQueryTile(nb, args[0], args[1], args[2], args[3]);
        });
    return forall.getResult(0);
  }

private:
  void emitQueryTile(OpBuilder &nb, Value bi, Value hi, Value st, Value out) {
    auto fm = reductionFastMath(nb.getContext());
    Value s0 = nb.create<arith::MulIOp>(loc, st, idx(nb, br));
    Value zero = idx(nb, 0);
    Value qt = tile(nb, q, bi, hi, s0, zero, br, d);
    Value m0 = filled(nb, {br}, -std::numeric_limits<double>::infinity());
    Value l0 = filled(nb, {br}, 0.0);
    Value acc0 = filled(nb, {br, dv}, 0.0);

    // Keys [0, tEnd): causal attention stops after the last key any query
    // of this tile sees (key j visible to query i iff j <= i + T - S).
    Value tEnd = idx(nb, t);
    if (op.getCausal()) {
      Value need = nb.create<arith::AddIOp>(loc, s0, idx(nb, br + t - s));
      need = nb.create<arith::MaxSIOp>(loc, need, zero);
      Value tiles = nb.create<arith::DivSIOp>(
          loc, nb.create<arith::AddIOp>(loc, need, idx(nb, bc - 1)),
          idx(nb, bc));
      tEnd = nb.create<arith::MinSIOp>(
          loc, nb.create<arith::MulIOp>(loc, tiles, idx(nb, bc)), tEnd);
    }
    // Key tiles below tFull are seen by every query of the tile (key j by
    // query s0 iff j <= s0 + T - S): they need no mask. The tiles from
    // tFull to tEnd straddle the diagonal and are masked.
    Value tFull = tEnd;
    if (op.getCausal()) {
      Value seen = nb.create<arith::AddIOp>(loc, s0, idx(nb, t - s + 1));
      seen = nb.create<arith::MaxSIOp>(loc, seen, zero);
      seen = nb.create<arith::MulIOp>(
          loc, nb.create<arith::DivSIOp>(loc, seen, idx(nb, bc)), idx(nb, bc));
      tFull = nb.create<arith::MinSIOp>(loc, seen, tEnd);
    }
    auto keyLoop = [&](Value from, Value to, ValueRange init, bool masked) {
      return nb
          .create<scf::ForOp>(
              loc, from, to, idx(nb, bc), init,
              [&](OpBuilder &lb, Location, Value t0, ValueRange state) {
                SmallVector<Value> next =
                    emitKeyTile(lb, fm, bi, hi, s0, t0, qt, state[0], state[1],
                                state[2], masked);
                lb.create<scf::YieldOp>(loc, next);
              })
          .getResults();
    };
    ValueRange state = keyLoop(zero, tFull, ValueRange{m0, l0, acc0}, false);
    if (op.getCausal()) {
      state = keyLoop(tFull, tEnd, state, true);
    }
    Value l = state[1], acc = state[2];

    // out = acc / l, zeros where no key was visible.
    unsigned two = 2;
    Value outTile = tile(nb, out, bi, hi, s0, zero, br, dv);
    Value ot = generic(
        nb, ValueRange{acc, l}, ValueRange{outTile},
        {map(nb, two, {0, 1}), map(nb, two, {0}), map(nb, two, {0, 1})},
        {IteratorType::parallel, IteratorType::parallel},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value zeroF = gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(0));
          Value empty = gb.create<arith::CmpFOp>(gl, arith::CmpFPredicate::OEQ,
                                                 a[1], zeroF);
          Value quotient = gb.create<arith::DivFOp>(gl, a[0], a[1]);
          Value r = gb.create<arith::SelectOp>(gl, empty, zeroF, quotient);
          gb.create<linalg::YieldOp>(gl, narrowScalar(gb, gl, r, element));
        });

    auto inParallel = nb.create<scf::InParallelOp>(loc);
    OpBuilder ib = OpBuilder::atBlockBegin(inParallel.getBody());
    SmallVector<OpFoldResult> offsets = {bi, hi, s0, ib.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {ib.getIndexAttr(1), ib.getIndexAttr(1),
                                       ib.getIndexAttr(br),
                                       ib.getIndexAttr(dv)};
    SmallVector<OpFoldResult> strides(4, ib.getIndexAttr(1));
    ib.create<tensor::ParallelInsertSliceOp>(loc, ot, out, offsets, sizes,
                                             strides);
  }

  SmallVector<Value> emitKeyTile(OpBuilder &nb, arith::FastMathFlagsAttr fm,
                                 Value bi, Value hi, Value s0, Value t0,
                                 Value qt, Value m, Value l, Value acc,
                                 bool masked) {
    Value zero = idx(nb, 0);
    Value kt = tile(nb, k, bi, hi, t0, zero, bc, d);
    Value vt = tile(nb, v, bi, hi, t0, zero, bc, dv);
    unsigned two = 2;
    auto par = IteratorType::parallel, red = IteratorType::reduction;

    // Raw scores q . kT. The key tile is transposed first so the score
    // loop runs (i, d, j) with j innermost: each step is a broadcast of
    // q[i, d] times a contiguous row of kT, which vectorizes without
    // horizontal reductions.
    Value ktT =
        generic(nb, ValueRange{kt}, ValueRange{empty(nb, {d, bc}, f32)},
                {map(nb, two, {1, 0}), map(nb, two, {0, 1})}, {par, par},
                [&](OpBuilder &gb, Location gl, ValueRange a) {
                  gb.create<linalg::YieldOp>(gl, widen(gb, a[0]));
                });
    Value scores = tileProduct(nb, qt, ktT, empty(nb, {br, bc}, f32),
                               /*accumulate=*/false);

    // Scale, bias and the causal mask.
    Value logits =
        this->logits(nb, scores, bi, hi, s0, t0, masked, /*keyRows=*/false);
    auto visible = [&](OpBuilder &gb, Location gl, Value i, Value j) {
      return visibleAt(gb, gl, s0, t0, i, j);
    };
    // Row max of this tile, then the new running max and the correction.
    auto [corr, mNew] = runningMax(nb, rowMax(nb, logits), m);

    // p = exp(s - m'), 0 where m' is still -inf (all keys masked so far).
    Value p = generic(
        nb, ValueRange{logits, mNew}, ValueRange{empty(nb, {br, bc}, f32)},
        {map(nb, two, {0, 1}), map(nb, two, {0}), map(nb, two, {0, 1})},
        {par, par}, [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value ninf = gb.create<arith::ConstantOp>(
              gl, gb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
          Value none = gb.create<arith::CmpFOp>(gl, arith::CmpFPredicate::OEQ,
                                                a[1], ninf);
          Value e = gb.create<math::ExpOp>(
              gl, gb.create<arith::SubFOp>(gl, a[0], a[1]));
          Value zeroF = gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(0));
          gb.create<linalg::YieldOp>(
              gl, gb.create<arith::SelectOp>(gl, none, zeroF, e).getResult());
        });
    Value rowSum = generic(
        nb, ValueRange{p}, ValueRange{filled(nb, {br}, 0.0)},
        {map(nb, two, {0, 1}), map(nb, two, {0})}, {par, red},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          gb.create<linalg::YieldOp>(
              gl, gb.create<arith::AddFOp>(gl, a[1], a[0], fm).getResult());
        });
    unsigned one = 1;
    Value lNew =
        generic(nb, ValueRange{corr, rowSum}, ValueRange{l},
                SmallVector<AffineMap>(3, map(nb, one, {0})), {par},
                [&](OpBuilder &gb, Location gl, ValueRange a) {
                  Value x = gb.create<arith::MulFOp>(gl, a[2], a[0]);
                  gb.create<linalg::YieldOp>(
                      gl, gb.create<arith::AddFOp>(gl, x, a[1]).getResult());
                });
    Value scaled =
        generic(nb, ValueRange{corr}, ValueRange{acc},
                {map(nb, two, {0}), map(nb, two, {0, 1})}, {par, par},
                [&](OpBuilder &gb, Location gl, ValueRange a) {
                  gb.create<linalg::YieldOp>(
                      gl, gb.create<arith::MulFOp>(gl, a[1], a[0]).getResult());
                });
    // acc' = acc * c + p . v (iteration order i, j, d: d innermost, so the
    // rows of v and of the accumulator are read contiguously). In a masked
    // tile a hidden key's value is selected away, not multiplied by p = 0:
    // a NaN or inf there must not reach the rows that cannot see it.
    Value accNew = tileProduct(nb, p, vt, scaled, /*accumulate=*/true,
                               masked ? VisibleFn(visible) : VisibleFn());
    return {mNew, lNew, accNew};
  }

  AttentionOp op;
};

/// sinter.attention_backward as FlashAttention-2's backward, in two passes
/// that need no atomics (so every run sums in the same order):
///  1. for each (batch, head, query tile): the row statistics L = m + log l
///     (an online pass over the key tiles, as the forward), D = rowsum(dO *
///     O), then dQ = scale * sum_j dS_ij K_j over the key tiles, where
///     P_ij = exp(S_ij - L), dS_ij = P_ij (dO_i V_j^T - D);
///  2. for each (batch, head, key tile): over the query tiles, in the
///     transposed orientation (rows are keys), P^T and dS^T from the saved L
///     and D, dV_j = sum_i P^T dO_i and dK_j = scale * sum_i dS^T Q_i.
/// Memory beyond the operands and results is the tiles and the two
/// [B, H, S] statistics: O(S), never S x T. Causal attention skips the key
/// tiles no query of a tile sees (pass 1) and the query tiles that see no
/// key of a tile (pass 2); only tiles on the diagonal are masked, and there
/// a hidden key's dS is selected to 0 (its K and V are never multiplied in),
/// as the forward selects its values away.
class FlashBackwardEmitter : public FlashTiles {
public:
  FlashBackwardEmitter(OpBuilder &b, Location loc, AttentionBackwardOp op,
                       Value q, Value k, Value v, Value out, Value dout,
                       Value bias)
      : FlashTiles(b, loc, q, k, v, bias, op.getScale().convertToDouble()),
        op(op), out(out), dout(dout), causal(op.getCausal()) {}

  SmallVector<Value> emit() {
    auto qType = cast<RankedTensorType>(q.getType());
    auto statType = RankedTensorType::get({batch, heads, s}, f32);
    auto pass1 = b.create<scf::ForallOp>(
        loc,
        SmallVector<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(heads),
                                  b.getIndexAttr(s / br)},
        ValueRange{emptyTensor(b, loc, qType), emptyTensor(b, loc, statType),
                   emptyTensor(b, loc, statType)},
        /*mapping=*/std::nullopt,
        [&](OpBuilder &nb, Location, ValueRange args) {
          emitQueryPass(nb, args[0], args[1], args[2], args[3], args[4],
                        args[5]);
        });
    Value dq = pass1.getResult(0), lse = pass1.getResult(1),
          rowDot = pass1.getResult(2);
    auto pass2 = b.create<scf::ForallOp>(
        loc,
        SmallVector<OpFoldResult>{b.getIndexAttr(batch), b.getIndexAttr(heads),
                                  b.getIndexAttr(t / bc)},
        ValueRange{emptyTensor(b, loc, cast<RankedTensorType>(k.getType())),
                   emptyTensor(b, loc, cast<RankedTensorType>(v.getType()))},
        /*mapping=*/std::nullopt,
        [&](OpBuilder &nb, Location, ValueRange args) {
          emitKeyPass(nb, args[0], args[1], args[2], lse, rowDot, args[3],
                      args[4]);
        });
    return {dq, pass2.getResult(0), pass2.getResult(1)};
  }

private:
  static constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  using Iter = IteratorType;

  /// A [rows] slice of a [B, H, R] tensor at (bi, hi, r0).
  Value rowSlice(OpBuilder &nb, Value src, Value bi, Value hi, Value r0,
                 int64_t rows) {
    auto type = RankedTensorType::get({rows}, f32);
    SmallVector<OpFoldResult> offsets = {bi, hi, r0};
    SmallVector<OpFoldResult> sizes = {nb.getIndexAttr(1), nb.getIndexAttr(1),
                                       nb.getIndexAttr(rows)};
    SmallVector<OpFoldResult> strides(3, nb.getIndexAttr(1));
    return nb.create<tensor::ExtractSliceOp>(loc, type, src, offsets, sizes,
                                             strides);
  }

  /// x^T in f32: [c, r] from [r, c].
  Value transposed(OpBuilder &nb, Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    unsigned two = 2;
    return generic(
        nb, ValueRange{x},
        ValueRange{empty(nb, {type.getDimSize(1), type.getDimSize(0)}, f32)},
        {map(nb, two, {1, 0}), map(nb, two, {0, 1})},
        {Iter::parallel, Iter::parallel},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          gb.create<linalg::YieldOp>(gl, widen(gb, a[0]));
        });
  }

  /// P = exp(logits - L) and dS = P (dP - D) scale, with L and D per query
  /// (rows, or columns when `keyRows`); 0 where a key is hidden or the
  /// query sees none (L = -inf). Returns {P, dS}.
  std::pair<Value, Value> probabilitiesAndScores(OpBuilder &nb, Value lg,
                                                 Value dp, Value lse,
                                                 Value rowDot, bool keyRows) {
    unsigned two = 2;
    auto type = cast<RankedTensorType>(lg.getType());
    AffineMap perQuery = keyRows ? map(nb, two, {1}) : map(nb, two, {0});
    AffineMap id = map(nb, two, {0, 1});
    auto g = nb.create<linalg::GenericOp>(
        loc, TypeRange{type, type}, ValueRange{lg, dp, lse, rowDot},
        ValueRange{empty(nb, type.getShape(), f32),
                   empty(nb, type.getShape(), f32)},
        SmallVector<AffineMap>{id, id, perQuery, perQuery, id, id},
        SmallVector<Iter>{Iter::parallel, Iter::parallel},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value zeroF = gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(0));
          Value ninf = gb.create<arith::ConstantOp>(
              gl, gb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
          Value hidden = gb.create<arith::CmpFOp>(gl, arith::CmpFPredicate::OEQ,
                                                  a[0], ninf);
          Value none = gb.create<arith::CmpFOp>(gl, arith::CmpFPredicate::OEQ,
                                                a[2], ninf);
          Value skip = gb.create<arith::OrIOp>(gl, hidden, none);
          Value p = gb.create<math::ExpOp>(
              gl, gb.create<arith::SubFOp>(gl, a[0], a[2]));
          p = gb.create<arith::SelectOp>(gl, skip, zeroF, p);
          Value ds = gb.create<arith::MulFOp>(
              gl, p, gb.create<arith::SubFOp>(gl, a[1], a[3]));
          ds = gb.create<arith::MulFOp>(
              gl, ds,
              gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(scale)));
          ds = gb.create<arith::SelectOp>(gl, skip, zeroF, ds);
          gb.create<linalg::YieldOp>(gl, ValueRange{p, ds});
        });
    return {g.getResult(0), g.getResult(1)};
  }

  /// Writes `value` (narrowed to `elem` when f32 is not it) into `dest` at
  /// (bi, hi, r0, 0) from a forall's terminator.
  void insertTile(OpBuilder &ib, Value value, Value dest, Value bi, Value hi,
                  Value r0) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> offsets = {bi, hi, r0, ib.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {ib.getIndexAttr(1), ib.getIndexAttr(1),
                                       ib.getIndexAttr(type.getDimSize(0)),
                                       ib.getIndexAttr(type.getDimSize(1))};
    SmallVector<OpFoldResult> strides(4, ib.getIndexAttr(1));
    ib.create<tensor::ParallelInsertSliceOp>(loc, value, dest, offsets, sizes,
                                             strides);
  }
  void insertRow(OpBuilder &ib, Value value, Value dest, Value bi, Value hi,
                 Value r0) {
    SmallVector<OpFoldResult> offsets = {bi, hi, r0};
    SmallVector<OpFoldResult> sizes = {ib.getIndexAttr(1), ib.getIndexAttr(1),
                                       ib.getIndexAttr(br)};
    SmallVector<OpFoldResult> strides(3, ib.getIndexAttr(1));
    ib.create<tensor::ParallelInsertSliceOp>(loc, value, dest, offsets, sizes,
                                             strides);
  }
  /// Copies `x` (f32, [rows, cols] or [rows]) into its slice of a
  /// forall's shared output `dest` at (bi, hi, r0[, 0]), narrowing to the
  /// output's type: the tile is written in place (destination-passing
  /// style), as the forward writes its output tile.
  Value copyIntoSlice(OpBuilder &nb, Value x, Value dest, Value bi, Value hi,
                      Value r0) {
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = cast<RankedTensorType>(dest.getType()).getElementType();
    unsigned rank = type.getRank();
    Value slice = rank == 2
                      ? tile(nb, dest, bi, hi, r0, idx(nb, 0),
                             type.getDimSize(0), type.getDimSize(1))
                      : rowSlice(nb, dest, bi, hi, r0, type.getDimSize(0));
    SmallVector<unsigned> all =
        rank == 2 ? SmallVector<unsigned>{0, 1} : SmallVector<unsigned>{0};
    return generic(nb, ValueRange{x}, ValueRange{slice},
                   {map(nb, rank, all), map(nb, rank, all)},
                   SmallVector<Iter>(rank, Iter::parallel),
                   [&](OpBuilder &gb, Location gl, ValueRange a) {
                     gb.create<linalg::YieldOp>(
                         gl, narrowScalar(gb, gl, a[0], elem));
                   });
  }

  /// Loops [from, to) in steps of `step`, threading `init`.
  ValueRange
  loop(OpBuilder &nb, Value from, Value to, int64_t step, ValueRange init,
       function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
    return nb
        .create<scf::ForOp>(
            loc, from, to, idx(nb, step), init,
            [&](OpBuilder &lb, Location, Value iv, ValueRange state) {
              lb.create<scf::YieldOp>(loc, body(lb, iv, state));
            })
        .getResults();
  }

  void emitQueryPass(OpBuilder &nb, Value bi, Value hi, Value st, Value dqOut,
                     Value lseOut, Value dotOut) {
    auto fm = reductionFastMath(nb.getContext());
    unsigned one = 1, two = 2;
    Value zero = idx(nb, 0);
    Value s0 = nb.create<arith::MulIOp>(loc, st, idx(nb, br));
    Value qt = tile(nb, q, bi, hi, s0, zero, br, d);
    Value dot = tile(nb, dout, bi, hi, s0, zero, br, dv);
    Value ot = tile(nb, out, bi, hi, s0, zero, br, dv);

    // D = rowsum(dO * O).
    Value rowDot = generic(
        nb, ValueRange{dot, ot}, ValueRange{filled(nb, {br}, 0.0)},
        {map(nb, two, {0, 1}), map(nb, two, {0, 1}), map(nb, two, {0})},
        {Iter::parallel, Iter::reduction},
        [&](OpBuilder &gb, Location gl, ValueRange a) {
          Value x =
              gb.create<arith::MulFOp>(gl, widen(gb, a[0]), widen(gb, a[1]));
          gb.create<linalg::YieldOp>(
              gl, gb.create<arith::AddFOp>(gl, a[2], x, fm).getResult());
        });

    // The key tiles this query tile sees: [0, tFull) whole, [tFull, tEnd)
    // on the diagonal (as the forward).
    Value tEnd = idx(nb, t), tFull = idx(nb, t);
    if (causal) {
      Value need = nb.create<arith::AddIOp>(loc, s0, idx(nb, br + t - s));
      need = nb.create<arith::MaxSIOp>(loc, need, zero);
      Value tiles = nb.create<arith::DivSIOp>(
          loc, nb.create<arith::AddIOp>(loc, need, idx(nb, bc - 1)),
          idx(nb, bc));
      tEnd = nb.create<arith::MinSIOp>(
          loc, nb.create<arith::MulIOp>(loc, tiles, idx(nb, bc)), tEnd);
      Value seen = nb.create<arith::AddIOp>(loc, s0, idx(nb, t - s + 1));
      seen = nb.create<arith::MaxSIOp>(loc, seen, zero);
      seen = nb.create<arith::MulIOp>(
          loc, nb.create<arith::DivSIOp>(loc, seen, idx(nb, bc)), idx(nb, bc));
      tFull = nb.create<arith::MinSIOp>(loc, seen, tEnd);
    }
    auto scoresAt = [&](OpBuilder &lb, Value t0, bool masked) {
      Value kt = tile(lb, k, bi, hi, t0, zero, bc, d);
      Value raw = tileProduct(lb, qt, transposed(lb, kt),
                              empty(lb, {br, bc}, f32), /*accumulate=*/false);
      return logits(lb, raw, bi, hi, s0, t0, masked, /*keyRows=*/false);
    };

    // L = m + log l, online over the key tiles.
    auto statistics = [&](bool masked) {
      return [&, masked](OpBuilder &lb, Value t0, ValueRange ml) {
        Value lg = scoresAt(lb, t0, masked);
        auto [corr, mNew] = runningMax(lb, rowMax(lb, lg), ml[0]);
        // sum_j exp(s_j - m') over the tile, 0 while m' is -inf.
        Value tileSum = generic(
            lb, ValueRange{lg, mNew}, ValueRange{filled(lb, {br}, 0.0)},
            {map(lb, two, {0, 1}), map(lb, two, {0}), map(lb, two, {0})},
            {Iter::parallel, Iter::reduction},
            [&](OpBuilder &gb, Location gl, ValueRange a) {
              Value ninf = gb.create<arith::ConstantOp>(
                  gl,
                  gb.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
              Value none = gb.create<arith::CmpFOp>(
                  gl, arith::CmpFPredicate::OEQ, a[1], ninf);
              Value e = gb.create<math::ExpOp>(
                  gl, gb.create<arith::SubFOp>(gl, a[0], a[1]));
              Value zeroF =
                  gb.create<arith::ConstantOp>(gl, gb.getF32FloatAttr(0));
              e = gb.create<arith::SelectOp>(gl, none, zeroF, e);
              gb.create<linalg::YieldOp>(
                  gl, gb.create<arith::AddFOp>(gl, a[2], e, fm).getResult());
            });
        Value lNew = generic(
            lb, ValueRange{corr, tileSum}, ValueRange{ml[1]},
            SmallVector<AffineMap>(3, map(lb, one, {0})), {Iter::parallel},
            [&](OpBuilder &gb, Location gl, ValueRange a) {
              Value l = gb.create<arith::MulFOp>(gl, a[2], a[0]);
              gb.create<linalg::YieldOp>(
                  gl, gb.create<arith::AddFOp>(gl, l, a[1]).getResult());
            });
        return SmallVector<Value>{mNew, lNew};
      };
    };
    ValueRange ml =
        loop(nb, zero, tFull, bc,
             ValueRange{filled(nb, {br}, kNegInf), filled(nb, {br}, 0.0)},
             statistics(false));
    if (causal) {
      ml = loop(nb, tFull, tEnd, bc, ml, statistics(true));
    }
    Value lse =
        generic(nb, ValueRange{ml[0], ml[1]}, ValueRange{empty(nb, {br}, f32)},
                SmallVector<AffineMap>(3, map(nb, one, {0})), {Iter::parallel},
                [&](OpBuilder &gb, Location gl, ValueRange a) {
                  // -inf + log 0 = -inf: a row that sees no key.
                  Value l = gb.create<math::LogOp>(gl, a[1]);
                  gb.create<linalg::YieldOp>(
                      gl, gb.create<arith::AddFOp>(gl, a[0], l).getResult());
                });

    // dQ = sum_j dS_ij K_j.
    auto gradient = [&](bool masked) {
      return [&, masked](OpBuilder &lb, Value t0, ValueRange acc) {
        Value lg = scoresAt(lb, t0, masked);
        Value vt = tile(lb, v, bi, hi, t0, zero, bc, dv);
        Value dp = tileProduct(lb, dot, transposed(lb, vt),
                               empty(lb, {br, bc}, f32), /*accumulate=*/false);
        Value ds =
            probabilitiesAndScores(lb, lg, dp, lse, rowDot, false).second;
        Value kt = tile(lb, k, bi, hi, t0, zero, bc, d);
        VisibleFn visible;
        if (masked) {
          visible = [&, t0](OpBuilder &gb, Location gl, Value i, Value j) {
            return visibleAt(gb, gl, s0, t0, i, j);
          };
        }
        return SmallVector<Value>{
            tileProduct(lb, ds, kt, acc[0], /*accumulate=*/true, visible)};
      };
    };
    ValueRange dq = loop(nb, zero, tFull, bc,
                         ValueRange{filled(nb, {br, d}, 0.0)}, gradient(false));
    if (causal) {
      dq = loop(nb, tFull, tEnd, bc, dq, gradient(true));
    }
    Value dqTile = copyIntoSlice(nb, dq[0], dqOut, bi, hi, s0);
    Value lseRow = copyIntoSlice(nb, lse, lseOut, bi, hi, s0);
    Value dotRow = copyIntoSlice(nb, rowDot, dotOut, bi, hi, s0);

    auto inParallel = nb.create<scf::InParallelOp>(loc);
    OpBuilder ib = OpBuilder::atBlockBegin(inParallel.getBody());
    insertTile(ib, dqTile, dqOut, bi, hi, s0);
    insertRow(ib, lseRow, lseOut, bi, hi, s0);
    insertRow(ib, dotRow, dotOut, bi, hi, s0);
  }

  void emitKeyPass(OpBuilder &nb, Value bi, Value hi, Value tt, Value lseAll,
                   Value rowDotAll, Value dkOut, Value dvOut) {
    Value zero = idx(nb, 0);
    Value t0 = nb.create<arith::MulIOp>(loc, tt, idx(nb, bc));
    Value kt = tile(nb, k, bi, hi, t0, zero, bc, d);
    Value vt = tile(nb, v, bi, hi, t0, zero, bc, dv);

    // The query tiles that see a key of this tile: from the first query
    // that sees key t0 (query i sees key j iff i >= j - (T - S)); those
    // from sFull on see all of its keys.
    Value sBegin = zero, sFull = zero, sEnd = idx(nb, s);
    if (causal) {
      Value first = nb.create<arith::SubIOp>(loc, t0, idx(nb, t - s));
      first = nb.create<arith::MaxSIOp>(loc, first, zero);
      sBegin = nb.create<arith::MulIOp>(
          loc, nb.create<arith::DivSIOp>(loc, first, idx(nb, br)), idx(nb, br));
      sBegin = nb.create<arith::MinSIOp>(loc, sBegin, sEnd);
      Value all = nb.create<arith::SubIOp>(loc, t0, idx(nb, t - s - bc + 1));
      all = nb.create<arith::MaxSIOp>(loc, all, zero);
      Value tiles = nb.create<arith::DivSIOp>(
          loc, nb.create<arith::AddIOp>(loc, all, idx(nb, br - 1)),
          idx(nb, br));
      sFull = nb.create<arith::MinSIOp>(
          loc, nb.create<arith::MulIOp>(loc, tiles, idx(nb, br)), sEnd);
      sFull = nb.create<arith::MaxSIOp>(loc, sFull, sBegin);
    }
    auto gradient = [&](bool masked) {
      return [&, masked](OpBuilder &lb, Value s0, ValueRange acc) {
        Value qt = tile(lb, q, bi, hi, s0, zero, br, d);
        Value dot = tile(lb, dout, bi, hi, s0, zero, br, dv);
        Value lse = rowSlice(lb, lseAll, bi, hi, s0, br);
        Value rowDot = rowSlice(lb, rowDotAll, bi, hi, s0, br);
        // Rows are keys: S^T = K Q^T, dP^T = V dO^T.
        Value raw = tileProduct(lb, kt, transposed(lb, qt),
                                empty(lb, {bc, br}, f32), false);
        Value lg = logits(lb, raw, bi, hi, s0, t0, masked, /*keyRows=*/true);
        Value dp = tileProduct(lb, vt, transposed(lb, dot),
                               empty(lb, {bc, br}, f32), false);
        auto [p, ds] = probabilitiesAndScores(lb, lg, dp, lse, rowDot, true);
        // In a diagonal tile a query that cannot see the key (row) is
        // left out of the sums, not multiplied by 0.
        VisibleFn visible;
        if (masked) {
          visible = [&, s0](OpBuilder &gb, Location gl, Value key,
                            Value query) {
            return visibleAt(gb, gl, s0, t0, query, key);
          };
        }
        Value dvNew = tileProduct(lb, p, dot, acc[1], true, visible);
        Value dkNew = tileProduct(lb, ds, qt, acc[0], true, visible);
        return SmallVector<Value>{dkNew, dvNew};
      };
    };
    SmallVector<Value> state = {filled(nb, {bc, d}, 0.0),
                                filled(nb, {bc, dv}, 0.0)};
    if (causal) {
      ValueRange r = loop(nb, sBegin, sFull, br, state, gradient(true));
      state.assign(r.begin(), r.end());
    }
    ValueRange r = loop(nb, sFull, sEnd, br, state, gradient(false));
    Value dkTile = copyIntoSlice(nb, r[0], dkOut, bi, hi, t0);
    Value dvTile = copyIntoSlice(nb, r[1], dvOut, bi, hi, t0);

    auto inParallel = nb.create<scf::InParallelOp>(loc);
    OpBuilder ib = OpBuilder::atBlockBegin(inParallel.getBody());
    insertTile(ib, dkTile, dkOut, bi, hi, t0);
    insertTile(ib, dvTile, dvOut, bi, hi, t0);
  }

  AttentionBackwardOp op;
  Value out, dout;
  bool causal;
};

struct AttentionBackwardToFlash : OpConversionPattern<AttentionBackwardOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionBackwardOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FlashBackwardEmitter emitter(rewriter, op.getLoc(), op, adaptor.getQuery(),
                                 adaptor.getKey(), adaptor.getValue(),
                                 adaptor.getOut(), adaptor.getDout(),
                                 adaptor.getBias());
    rewriter.replaceOp(op, emitter.emit());
    return success();
  }
};

struct AttentionToFlash : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FlashEmitter emitter(rewriter, op.getLoc(), op, adaptor.getQuery(),
                         adaptor.getKey(), adaptor.getValue(),
                         adaptor.getBias());
    rewriter.replaceOp(op, emitter.emit());
    return success();
  }
};

struct CPULowerAttentionPass
    : impl::CPULowerAttentionPassBase<CPULowerAttentionPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addIllegalOp<AttentionOp, AttentionBackwardOp>();
    RewritePatternSet patterns(ctx);
    patterns.add<AttentionToFlash, AttentionBackwardToFlash>(ctx);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
