//===- Attention.cpp - Attention fusions as flash-attention GPU kernels ---===//
//
// softmax(Q·Kᵀ·scale + bias [+ causal mask])·V without the score matrix
// (FlashAttention, Dao et al. 2022), one kernel per attention fusion:
//
//  - grid (query tiles, heads, batch), one thread per query row (Br = 64
//    rows per block); a thread keeps its row of Q (pre-scaled) and its
//    output accumulator in registers: the loops over D are unrolled, so
//    both are SSA values, never local memory;
//  - for each tile of Bc keys the block stages K and V in shared memory
//    (consecutive threads load consecutive elements), then each thread
//    computes its Bc scores into shared memory (column `tid` of a Bc x Br
//    buffer: no bank conflicts) with the tile's maximum, rescales its
//    accumulator once by exp(m_old - m_new), and accumulates exp(s - m)·V;
//  - with `causal`, a block stops at the last key its last row sees, and
//    keys past a row's diagonal are masked to -inf; a row that sees no key
//    gives zeros, as the op specifies.
//
// Bc is the largest power of two <= 64 whose K, V and score tiles fit in
// 44 KiB of shared memory. f16/bf16 operands are widened as they are read;
// scores, the softmax and the accumulator are f32.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/LinalgToGPU/KernelBuilder.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

#define DEBUG_TYPE "sinter-gpu-lower-attention"

namespace sinter {

#define GEN_PASS_DEF_GPULOWERATTENTIONPASS
#include "compiler/Conversion/Passes.h.inc"

using namespace gpu_kernel;

namespace {

constexpr int64_t kRowsPerBlock = 64;
/// Head dimensions up to this take the flash kernel; its query and
/// accumulator live in registers (ptxas, sm_90: 246 registers and no spills
/// at 96, 80-byte spills at 128, 2 KB at 256). Above, attention is
/// computed unfused (see the pass's description and docs/gpu.md).
constexpr int64_t kMaxHeadDim = 128;
constexpr int64_t kMaxGridYZ = 65535;
constexpr int64_t kTileBudget = 44 * 1024;

/// A memref view of `tensor` with any strides, so that whatever layout
/// bufferization gives the tensor's buffer can be cast to it.
Value bufferOf(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  auto layout =
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
  auto memref = MemRefType::get(type.getShape(), type.getElementType(), layout);
  auto op = b.create<bufferization::ToMemrefOp>(loc, memref, tensor);
  op.setReadOnly(true);
  return op;
}

struct FlashShape {
  int64_t batch, heads, s, t, d, dv, rows, keys;
  int64_t biasBatch = 0, biasHeads = 0; // extents of the bias, when present
};

/// The kernel is written with one builder; a region callback moves it to
/// where the callback's builder points, for the rest of the callback.
struct At {
  At(OpBuilder &b, OpBuilder &t) : guard(b) {
    b.setInsertionPoint(t.getInsertionBlock(), t.getInsertionPoint());
  }
  OpBuilder::InsertionGuard guard;
};

/// Q, K or V: a buffer [B, H, S, D], or with the heads still merged,
/// [B, S, H * D] (the split and transpose into heads left to the kernel).
struct Operand {
  Value buffer;
  bool merged = false;
};

class FlashKernel {
public:
  FlashKernel(OpBuilder &b, Location loc, const FlashShape &shape,
              AttentionOp op)
      : b(b), loc(loc), sh(shape), op(op), f32(b.getF32Type()) {}

  Value emit(Operand q, Operand k, Operand v, Value bias, Type outElement,
             bool mergedOutput) {
    auto outType =
        mergedOutput
            ? MemRefType::get({sh.batch, sh.s, sh.heads * sh.dv}, outElement)
            : MemRefType::get({sh.batch, sh.heads, sh.s, sh.dv}, outElement);
    Value out = b.create<memref::AllocOp>(loc, outType);
    MemRefType keysType = sharedMemRefType({sh.keys, sh.d}, f32);
    MemRefType valuesType = sharedMemRefType({sh.keys, sh.dv}, f32);
    MemRefType scoresType = sharedMemRefType({sh.keys, sh.rows}, f32);
    gpu::LaunchOp launch = createLaunch(
        b, loc, "attention",
        {int64_t(llvm::divideCeil(sh.s, sh.rows)), sh.heads, sh.batch},
        {sh.rows, 1, 1}, {keysType, valuesType, scoresType});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    keys = launch.getWorkgroupAttributions()[0];
    values = launch.getWorkgroupAttributions()[1];
    scores = launch.getWorkgroupAttributions()[2];
    tid = launch.getThreadIds().x;
    head = launch.getBlockIds().y;
    batch = launch.getBlockIds().z;
    Value firstRow =
        b.create<arith::MulIOp>(loc, launch.getBlockIds().x, cst(sh.rows));
    row = b.create<arith::AddIOp>(loc, firstRow, tid);
    Value active =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, row, cst(sh.s));
    // Threads past the last row compute on the last row and store nothing:
    // every thread takes part in the staging and the barriers.
    safeRow = b.create<arith::SelectOp>(loc, active, row, cst(sh.s - 1));

    float scale = static_cast<float>(op.getScale().convertToDouble());
    Value scaleValue = f32Constant(scale);
    SmallVector<Value> query;
    for (int64_t d = 0; d < sh.d; ++d) {
      Value x = widen(b.create<memref::LoadOp>(
          loc, q.buffer, indices(q.merged, safeRow, cst(d), sh.d)));
      query.push_back(b.create<arith::MulFOp>(loc, x, scaleValue));
    }

    Value keyEnd = visibleKeys(firstRow);
    // keyEnd >= 0, so (keyEnd + Bc - 1) / Bc is its ceiling division.
    Value tiles = b.create<arith::DivUIOp>(
        loc, b.create<arith::AddIOp>(loc, keyEnd, cst(sh.keys - 1)),
        cst(sh.keys));
    SmallVector<Value> init = {f32Constant(-INFINITY), f32Constant(0)};
    init.append(sh.dv, f32Constant(0));
    auto loop = b.create<scf::ForOp>(
        loc, cst(0), tiles, cst(1), init,
        [&](OpBuilder &t, Location, Value tile, ValueRange iter) {
          At at(b, t);
          SmallVector<Value> next = keyTile(tile, iter, query, k, v, bias);
          b.create<scf::YieldOp>(loc, next);
        });

    Value l = loop.getResult(1);
    Value positive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, l,
                                             f32Constant(0));
    Value inverse = b.create<arith::SelectOp>(
        loc, positive, b.create<arith::DivFOp>(loc, f32Constant(1), l),
        f32Constant(0));
    b.create<scf::IfOp>(loc, active, [&](OpBuilder &t, Location) {
      At at(b, t);
      for (int64_t d = 0; d < sh.dv; ++d) {
        Value o = b.create<arith::MulFOp>(loc, loop.getResult(2 + d), inverse);
        if (outElement != f32) {
          o = b.create<arith::TruncFOp>(loc, outElement, o);
        }
        b.create<memref::StoreOp>(loc, o, out,
                                  indices(mergedOutput, row, cst(d), sh.dv));
      }
      b.create<scf::YieldOp>(loc);
    });
    return out;
  }

private:
  Value cst(int64_t v) { return indexConstant(b, loc, v); }
  Value f32Constant(float v) {
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
  }
  /// The indices of (batch, head, position, d): [B, H, S, D], or with the
  /// heads merged, [B, S, H * D].
  SmallVector<Value> indices(bool merged, Value position, Value d,
                             int64_t width) {
    if (!merged) {
      return {batch, head, position, d};
    }
    Value column = b.create<arith::AddIOp>(
        loc, b.create<arith::MulIOp>(loc, head, cst(width)), d);
    return {batch, position, column};
  }
  Value widen(Value x) {
    return x.getType() == f32 ? x : b.create<arith::ExtFOp>(loc, f32, x);
  }

  /// Keys [0, end) are visible to some row of the block: all T, or with
  /// `causal` up to the block's last row's diagonal, clamped to [0, T].
  Value visibleKeys(Value firstRow) {
    if (!op.getCausal()) {
      return cst(sh.t);
    }
    // last row + (T - S) + 1, in signed arithmetic (T < S is allowed).
    Value end = b.create<arith::AddIOp>(loc, firstRow,
                                        cst(sh.rows - 1 + sh.t - sh.s + 1));
    end = b.create<arith::MinSIOp>(loc, end, cst(sh.t));
    return b.create<arith::MaxSIOp>(loc, end, cst(0));
  }

  /// Copies rows [t0, t0 + Bc) of `source` [B, H, T, width] into `shared`
  /// [Bc, width], zeros past T.
  void stage(Operand source, Value shared, Value t0, int64_t width) {
    stridedLoop(
        b, loc, tid, sh.keys * width, sh.rows, {},
        [&](OpBuilder &t, Location, Value idx, ValueRange) {
          At at(b, t);
          Value r = b.create<arith::DivUIOp>(loc, idx, cst(width));
          Value c = b.create<arith::RemUIOp>(loc, idx, cst(width));
          Value key = b.create<arith::AddIOp>(loc, t0, r);
          Value inRange = b.create<arith::CmpIOp>(
              loc, arith::CmpIPredicate::ult, key, cst(sh.t));
          auto loaded = b.create<scf::IfOp>(
              loc, inRange,
              [&](OpBuilder &t, Location) {
                At at(b, t);
                Value x = widen(b.create<memref::LoadOp>(
                    loc, source.buffer, indices(source.merged, key, c, width)));
                b.create<scf::YieldOp>(loc, x);
              },
              [&](OpBuilder &t, Location) {
                At at(b, t);
                b.create<scf::YieldOp>(loc, f32Constant(0));
              });
          b.create<memref::StoreOp>(loc, loaded.getResult(0), shared,
                                    ValueRange{r, c});
          return SmallVector<Value>{};
        });
  }

  /// One tile of keys: iter is (m, l, acc[0..Dv)); returns the new values.
  SmallVector<Value> keyTile(Value tile, ValueRange iter, ArrayRef<Value> query,
                             Operand k, Operand v, Value bias) {
    Value t0 = b.create<arith::MulIOp>(loc, tile, cst(sh.keys));
    stage(k, keys, t0, sh.d);
    stage(v, values, t0, sh.dv);
    b.create<gpu::BarrierOp>(loc);

    // This row's scores for the tile, and their maximum.
    Value negInf = f32Constant(-INFINITY);
    Value tileMax =
        stridedLoop(
            b, loc, cst(0), sh.keys, 1, {negInf},
            [&](OpBuilder &t, Location, Value j, ValueRange max) {
              At at(b, t);
              Value key = b.create<arith::AddIOp>(loc, t0, j);
              Value s = f32Constant(0);
              for (int64_t d = 0; d < sh.d; ++d) {
                Value kd =
                    b.create<memref::LoadOp>(loc, keys, ValueRange{j, cst(d)});
                s = fma(b, loc, query[d], kd, s);
              }
              Value visible = isVisible(key);
              if (bias) {
                Value clamped =
                    b.create<arith::MinUIOp>(loc, key, cst(sh.t - 1));
                Value bb = sh.biasBatch == 1 ? cst(0) : batch;
                Value bh = sh.biasHeads == 1 ? cst(0) : head;
                s = b.create<arith::AddFOp>(
                    loc, s,
                    widen(b.create<memref::LoadOp>(
                        loc, bias, ValueRange{bb, bh, safeRow, clamped})));
              }
              s = b.create<arith::SelectOp>(loc, visible, s, negInf);
              b.create<memref::StoreOp>(loc, s, scores, ValueRange{j, tid});
              return SmallVector<Value>{
                  b.create<arith::MaximumFOp>(loc, max[0], s)};
            })
            .front();

    // Online softmax: rescale once per tile. While a row has seen no key
    // its maximum is -inf; subtracting 0 instead keeps exp(-inf) = 0
    // rather than NaN.
    Value m = iter[0], l = iter[1];
    Value newMax = b.create<arith::MaximumFOp>(loc, m, tileMax);
    Value none =
        b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, newMax, negInf);
    Value pivot = b.create<arith::SelectOp>(loc, none, f32Constant(0), newMax);
    Value correction =
        b.create<math::ExpOp>(loc, b.create<arith::SubFOp>(loc, m, pivot));
    SmallVector<Value> acc = {b.create<arith::MulFOp>(loc, l, correction)};
    for (int64_t d = 0; d < sh.dv; ++d) {
      acc.push_back(b.create<arith::MulFOp>(loc, iter[2 + d], correction));
    }
    acc = stridedLoop(
        b, loc, cst(0), sh.keys, 1, acc,
        [&](OpBuilder &t, Location, Value j, ValueRange it) {
          At at(b, t);
          Value s = b.create<memref::LoadOp>(loc, scores, ValueRange{j, tid});
          Value p = b.create<math::ExpOp>(
              loc, b.create<arith::SubFOp>(loc, s, pivot));
          SmallVector<Value> next = {b.create<arith::AddFOp>(loc, it[0], p)};
          // A hidden key (past the diagonal, or past T in the last tile)
          // is selected away: p = 0 times a NaN or inf value would leak.
          Value visible = isVisible(b.create<arith::AddIOp>(loc, t0, j));
          for (int64_t d = 0; d < sh.dv; ++d) {
            Value vd =
                b.create<memref::LoadOp>(loc, values, ValueRange{j, cst(d)});
            next.push_back(b.create<arith::SelectOp>(
                loc, visible, fma(b, loc, p, vd, it[1 + d]), it[1 + d]));
          }
          return next;
        });
    // The next tile overwrites K, V and the scores.
    b.create<gpu::BarrierOp>(loc);
    SmallVector<Value> result = {newMax};
    result.append(acc.begin(), acc.end());
    return result;
  }

  /// Whether this thread's row sees `key`: key < T and, with `causal`,
  /// key <= row + (T - S), i.e. key + S <= row + T.
  Value isVisible(Value key) {
    Value visible =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, key, cst(sh.t));
    if (op.getCausal()) {
      Value lhs = b.create<arith::AddIOp>(loc, key, cst(sh.s));
      Value rhs = b.create<arith::AddIOp>(loc, row, cst(sh.t));
      Value seen =
          b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ule, lhs, rhs);
      visible = b.create<arith::AndIOp>(loc, visible, seen);
    }
    return visible;
  }

  OpBuilder &b;
  Location loc;
  const FlashShape &sh;
  AttentionOp op;
  Type f32;
  Value keys, values, scores, tid, head, batch, row, safeRow;
};

/// The value outside the fusion that `v` (a block argument of its body, or
/// a constant moved in front of it) stands for.
Value fusionInput(FusionOp fusion, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg) {
    return v;
  }
  return fusion.getInputs()[arg.getArgNumber()];
}

/// The two ops of a loop fusion whose body is just `First` of its one input
/// then `Second` of that, yielded.
template <typename First, typename Second>
std::optional<std::pair<First, Second>> chainOf(FusionOp fusion) {
  if (!fusion || fusion.getKind() != FusionKind::loop ||
      fusion->getNumResults() != 1 || fusion.getInputs().size() != 1) {
    return std::nullopt;
  }
  Block &body = fusion.getBody().front();
  auto ops = llvm::to_vector(llvm::make_pointer_range(body));
  if (ops.size() != 3) {
    return std::nullopt;
  }
  auto first = dyn_cast<First>(ops[0]);
  auto second = dyn_cast<Second>(ops[1]);
  if (!first || !second || first->getOperand(0) != body.getArgument(0) ||
      second->getOperand(0) != first->getResult(0) ||
      ops[2]->getOperand(0) != second->getResult(0)) {
    return std::nullopt;
  }
  return std::make_pair(first, second);
}

/// Whether `merged` is [B, S, H * D] for `split` = [B, S, H, D].
bool mergesHeads(RankedTensorType merged, RankedTensorType split) {
  return merged.getRank() == 3 && split.getRank() == 4 &&
         merged.getDimSize(0) == split.getDimSize(0) &&
         merged.getDimSize(1) == split.getDimSize(1);
}

/// The loop fusion producing `v` if all it does is split [B, S, H * D]
/// into heads (reshape to [B, S, H, D], transpose to [B, H, S, D]) and
/// nothing else reads `v`.
FusionOp headSplit(Value v) {
  auto fusion = v.getDefiningOp<FusionOp>();
  auto chain = chainOf<ReshapeOp, TransposeOp>(fusion);
  if (!chain || !v.hasOneUse() ||
      chain->second.getPermutation() != ArrayRef<int64_t>{0, 2, 1, 3} ||
      !mergesHeads(
          cast<RankedTensorType>(chain->first->getOperand(0).getType()),
          cast<RankedTensorType>(chain->first->getResult(0).getType()))) {
    return nullptr;
  }
  return fusion;
}

/// The loop fusion reading `v` if all it does is merge the heads back
/// (transpose to [B, S, H, D], reshape to [B, S, H * D]) and nothing else
/// reads `v`.
FusionOp headMerge(Value v) {
  if (!v.hasOneUse()) {
    return nullptr;
  }
  auto fusion = dyn_cast<FusionOp>(*v.getUsers().begin());
  auto chain = chainOf<TransposeOp, ReshapeOp>(fusion);
  if (!chain ||
      chain->first.getPermutation() != ArrayRef<int64_t>{0, 2, 1, 3} ||
      !mergesHeads(
          cast<RankedTensorType>(chain->second->getResult(0).getType()),
          cast<RankedTensorType>(chain->second->getOperand(0).getType()))) {
    return nullptr;
  }
  return fusion;
}

/// The P·V product of the unfused form of a causal attention: a contraction
/// that selects each hidden key (t > s + T - S) away instead of multiplying
/// its value by p = 0, so a NaN or inf in a future value stays out of the
/// rows before it, as in the flash kernel. f32 accumulation, like the
/// matmul it replaces.
Value causalValueProduct(OpBuilder &b, Location loc, Value probs, Value values,
                         Type resultElementType) {
  auto pType = cast<RankedTensorType>(probs.getType());  // [B, H, S, T]
  auto vType = cast<RankedTensorType>(values.getType()); // [B, H, T, Dv]
  int64_t s = pType.getDimSize(2), t = pType.getDimSize(3);
  SmallVector<int64_t> shape{pType.getDimSize(0), pType.getDimSize(1), s,
                             vType.getDimSize(3)};
  Type f32 = b.getF32Type();
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(f32));
  Value acc = b.create<tensor::EmptyOp>(loc, shape, f32);
  acc = b.create<linalg::FillOp>(loc, zero, acc).getResult(0);
  MLIRContext *ctx = b.getContext();
  auto map = [&](ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims) {
      exprs.push_back(getAffineDimExpr(d, ctx));
    }
    return AffineMap::get(5, 0, exprs, ctx);
  };
  auto widen = [&](OpBuilder &nb, Value x) -> Value {
    return x.getType() == f32 ? x : nb.create<arith::ExtFOp>(loc, f32, x);
  };
  using utils::IteratorType;
  Value product =
      b.create<linalg::GenericOp>(
           loc, acc.getType(), ValueRange{probs, values}, ValueRange{acc},
           ArrayRef<AffineMap>{map({0, 1, 2, 3}), map({0, 1, 3, 4}),
                               map({0, 1, 2, 4})},
           ArrayRef<IteratorType>{
               IteratorType::parallel, IteratorType::parallel,
               IteratorType::parallel, IteratorType::reduction,
               IteratorType::parallel},
           [&](OpBuilder &nb, Location l, ValueRange args) {
             Value row = nb.create<linalg::IndexOp>(l, 2);
             Value key = nb.create<linalg::IndexOp>(l, 3);
             Value limit = nb.create<arith::AddIOp>(
                 l, row, nb.create<arith::ConstantIndexOp>(l, t - s));
             Value visible = nb.create<arith::CmpIOp>(
                 l, arith::CmpIPredicate::sle, key, limit);
             Value sum = nb.create<arith::AddFOp>(
                 l, args[2],
                 nb.create<arith::MulFOp>(l, widen(nb, args[0]),
                                          widen(nb, args[1])));
             nb.create<linalg::YieldOp>(
                 l, ValueRange{
                        nb.create<arith::SelectOp>(l, visible, sum, args[2])});
           })
          .getResult(0);
  if (resultElementType == f32) {
    return product;
  }
  Value out = b.create<tensor::EmptyOp>(loc, shape, resultElementType);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
  return b
      .create<linalg::GenericOp>(
          loc, out.getType(), ValueRange{product}, ValueRange{out},
          ArrayRef<AffineMap>{identity, identity},
          SmallVector<IteratorType>(4, IteratorType::parallel),
          [&](OpBuilder &nb, Location l, ValueRange args) {
            nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::TruncFOp>(
                                              l, resultElementType, args[0])});
          })
      .getResult(0);
}

/// An attention outside any fusion (attention fusion not selected) is one
/// op all the same: it goes into a fusion of its own, to take the kernel.
void wrapInFusion(AttentionOp att) {
  OpBuilder b(att);
  SmallVector<Value> inputs(att->getOperands());
  auto fusion = b.create<FusionOp>(
      att.getLoc(), TypeRange{att.getType()}, inputs,
      FusionKindAttr::get(b.getContext(), FusionKind::attention));
  Block *body = b.createBlock(&fusion.getBody());
  IRMapping map;
  for (Value in : inputs) {
    map.map(in, body->addArgument(in.getType(), in.getLoc()));
  }
  Operation *inner = b.clone(*att, map);
  b.create<YieldOp>(att.getLoc(), inner->getResults());
  att.getResult().replaceAllUsesWith(fusion.getResult(0));
  att.erase();
}

struct GPULowerAttentionPass
    : impl::GPULowerAttentionPassBase<GPULowerAttentionPass> {
  void runOnOperation() override {
    SmallVector<AttentionOp> alone;
    getOperation().walk([&](AttentionOp att) {
      if (!att->getParentOfType<FusionOp>()) {
        alone.push_back(att);
      }
    });
    for (AttentionOp att : alone) {
      wrapInFusion(att);
    }
    SmallVector<FusionOp> fusions;
    getOperation().walk([&](FusionOp f) {
      if (f.getKind() == FusionKind::attention) {
        fusions.push_back(f);
      }
    });
    SmallVector<Operation *> decompose;
    SmallVector<UnrealizedConversionCastOp> causalFallbacks;
    for (FusionOp fusion : fusions) {
      Block &body = fusion.getBody().front();
      // Splat constants are cloned into fusions; they go back in front.
      AttentionOp att;
      for (Operation &op :
           llvm::make_early_inc_range(body.without_terminator())) {
        if (isa<ConstantOp>(op)) {
          op.moveBefore(fusion);
        } else if (!att && isa<AttentionOp>(op)) {
          att = cast<AttentionOp>(op);
        } else {
          fusion.emitError("an attention fusion must hold one "
                           "sinter.attention (and constants)");
          return signalPassFailure();
        }
      }
      if (!att) {
        fusion.emitError("an attention fusion must hold one sinter.attention");
        return signalPassFailure();
      }
      auto qType = cast<RankedTensorType>(att.getQuery().getType());
      auto kType = cast<RankedTensorType>(att.getKey().getType());
      auto vType = cast<RankedTensorType>(att.getValue().getType());
      FlashShape sh;
      sh.batch = qType.getDimSize(0);
      sh.heads = qType.getDimSize(1);
      sh.s = qType.getDimSize(2);
      sh.d = qType.getDimSize(3);
      sh.t = kType.getDimSize(2);
      sh.dv = vType.getDimSize(3);
      if (sh.d > kMaxHeadDim || sh.dv > kMaxHeadDim || sh.heads > kMaxGridYZ ||
          sh.batch > kMaxGridYZ) {
        att.emitRemark("a head dimension above ")
            << kMaxHeadDim << " (registers) or more than " << kMaxGridYZ
            << " heads or batches (grid) does not fit the GPU flash kernel; "
               "attention is computed unfused";
        inlineFusion(fusion);
        decompose.push_back(att);
        if (att.getCausal()) {
          // Marks the value that replaces the attention: the decomposition's
          // P·V matmul, which is then masked.
          OpBuilder after(att->getContext());
          after.setInsertionPointAfter(att);
          auto marker = after.create<UnrealizedConversionCastOp>(
              att.getLoc(), att.getType(), att.getResult());
          att.getResult().replaceAllUsesExcept(marker.getResult(0), marker);
          causalFallbacks.push_back(marker);
        }
        continue;
      }
      OpBuilder b(fusion);
      Location loc = att.getLoc();
      if (sh.batch == 0 || sh.heads == 0 || sh.s == 0 || sh.dv == 0) {
        auto empty = b.create<tensor::EmptyOp>(
            loc, cast<RankedTensorType>(att.getType()).getShape(),
            cast<RankedTensorType>(att.getType()).getElementType());
        fusion.getResult(0).replaceAllUsesWith(empty);
        fusion.erase();
        continue;
      }
      sh.rows =
          std::min<int64_t>(kRowsPerBlock, llvm::alignTo(sh.s, kWarpSize));
      sh.keys = 64;
      while (sh.keys > 1 &&
             4 * sh.keys * (sh.d + sh.dv + sh.rows) > kTileBudget) {
        sh.keys /= 2;
      }
      Value bias;
      if (att.getBias()) {
        auto biasType = cast<RankedTensorType>(att.getBias().getType());
        sh.biasBatch = biasType.getDimSize(0);
        sh.biasHeads = biasType.getDimSize(1);
        bias = bufferOf(b, loc, fusionInput(fusion, att.getBias()));
      }
      // The heads are split from (and merged back into) [B, S, H * D] by
      // the kernel's indexing rather than by transpose kernels.
      SmallVector<FusionOp> splits;
      auto operand = [&](Value v) {
        Value input = fusionInput(fusion, v);
        if (FusionOp split = headSplit(input)) {
          splits.push_back(split);
          return Operand{bufferOf(b, loc, split.getInputs()[0]), true};
        }
        return Operand{bufferOf(b, loc, input), false};
      };
      Operand q = operand(att.getQuery());
      Operand k = operand(att.getKey());
      Operand v = operand(att.getValue());
      FusionOp merge = headMerge(fusion.getResult(0));
      auto resultType = cast<RankedTensorType>(
          merge ? merge.getResult(0).getType() : att.getType());
      FlashKernel kernel(b, loc, sh, att);
      Value out = kernel.emit(q, k, v, bias, resultType.getElementType(),
                              /*mergedOutput=*/merge != nullptr);
      auto result = b.create<bufferization::ToTensorOp>(loc, resultType, out);
      result.setRestrict(true);
      result.setWritable(true);
      if (merge) {
        merge.getResult(0).replaceAllUsesWith(result.getResult());
        merge.erase();
      } else {
        fusion.getResult(0).replaceAllUsesWith(result.getResult());
      }
      fusion.erase();
      for (FusionOp split : splits) {
        if (split->use_empty()) {
          split.erase();
        }
      }
    }
    if (!decompose.empty()) {
      RewritePatternSet patterns(&getContext());
      // Edge-safe: a query row that sees no key (T < S) gives zeros, as
      // from the flash kernel, not NaN.
      populateDecomposeCompositesPatterns(patterns, {"attention"},
                                          /*edgeSafe=*/true);
      GreedyRewriteConfig config;
      config.strictMode = GreedyRewriteStrictness::ExistingAndNewOps;
      if (failed(
              applyOpPatternsAndFold(decompose, std::move(patterns), config))) {
        getOperation().emitError("decomposing attention did not converge");
        return signalPassFailure();
      }
    }
    for (UnrealizedConversionCastOp marker : causalFallbacks) {
      auto product = marker.getOperand(0).getDefiningOp<MatmulOp>();
      if (!product) {
        marker.emitError("the decomposed causal attention does not end in "
                         "its P·V matmul");
        return signalPassFailure();
      }
      OpBuilder b(marker);
      Value masked = causalValueProduct(
          b, marker.getLoc(), product.getLhs(), product.getRhs(),
          cast<RankedTensorType>(marker.getType(0)).getElementType());
      marker.getResult(0).replaceAllUsesWith(masked);
      marker.erase();
      if (product->use_empty()) {
        product.erase();
      }
    }
  }
};

} // namespace
} // namespace sinter
