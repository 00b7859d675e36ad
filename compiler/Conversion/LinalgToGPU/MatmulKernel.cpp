//===- MatmulKernel.cpp - Matmuls tiled through shared memory ------------===//
//
// C[b] += A[b] · B[b] (B optionally transposed) as the classic shared-memory
// SGEMM: a block of 16x16 threads owns a 64x64 tile of C; for each 16-deep
// slice of K the block copies a 64x16 tile of A and a 16x64 tile of B into
// shared memory (each thread four elements of each, consecutive threads on
// consecutive addresses of global memory), and every thread then updates a
// 4x4 micro-tile of C held in registers. A thread's rows are ty + 16i and
// its columns tx + 16j, so a warp reads 16 consecutive words of a B row
// (no bank conflicts) and stores 16 consecutive elements of C. f16/bf16
// inputs are widened to f32 as they are staged; accumulation is f32.
//
// The micro-tile is the unit a tensor-core version replaces: with f16/bf16
// tiles staged the same way, the 4x4 FMA block becomes `mma.sync` fragments
// (nvgpu.mma.sync) over the same shared tiles.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/LinalgToGPU/MatmulKernel.h"

#include "compiler/Conversion/LinalgToGPU/KernelBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace sinter {

using namespace gpu_kernel;

namespace {

constexpr int64_t kTileM = 64, kTileN = 64, kTileK = 16;
constexpr int64_t kThreadsX = 16, kThreadsY = 16;
constexpr int64_t kMicroM = kTileM / kThreadsY, kMicroN = kTileN / kThreadsX;
constexpr int64_t kThreads = kThreadsX * kThreadsY;

struct MatmulShape {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  bool batched = false, transposeB = false;
};

/// Loads element (row, col) of a 2-D operand (with `batch` first when
/// batched) as f32, or 0 outside [rows, cols).
Value loadOrZero(OpBuilder &b, Location loc, Value memref, Value batch,
                 bool batched, Value row, Value col, int64_t rows, int64_t cols,
                 bool rowsFit, bool colsFit) {
  Type f32 = b.getF32Type();
  auto load = [&](OpBuilder &t, Location l) -> Value {
    SmallVector<Value> idx;
    if (batched) {
      idx.push_back(batch);
    }
    idx.push_back(row);
    idx.push_back(col);
    Value v = t.create<memref::LoadOp>(l, memref, idx);
    if (v.getType() != f32) {
      v = t.create<arith::ExtFOp>(l, f32, v);
    }
    return v;
  };
  Value inBounds;
  auto andBound = [&](Value i, int64_t bound) {
    Value c = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, i,
                                      indexConstant(b, loc, bound));
    inBounds = inBounds ? b.create<arith::AndIOp>(loc, inBounds, c) : c;
  };
  if (!rowsFit) {
    andBound(row, rows);
  }
  if (!colsFit) {
    andBound(col, cols);
  }
  if (!inBounds) {
    return load(b, loc);
  }
  auto guarded = b.create<scf::IfOp>(
      loc, inBounds,
      [&](OpBuilder &t, Location l) { t.create<scf::YieldOp>(l, load(t, l)); },
      [&](OpBuilder &t, Location l) {
        t.create<scf::YieldOp>(l, ValueRange{t.create<arith::ConstantOp>(
                                      l, t.getF32FloatAttr(0))});
      });
  return guarded.getResult(0);
}

} // namespace

std::optional<MatmulEpilogue> findFusableEpilogue(linalg::LinalgOp matmul) {
  Value c = matmul.getDpsInitOperand(0)->get();
  Operation *next = matmul->getNextNode();
  while (next && (isMemoryEffectFree(next) ||
                  isa<ViewLikeOpInterface, memref::AllocOp>(next))) {
    next = next->getNextNode();
  }
  auto epilogue = dyn_cast_or_null<linalg::GenericOp>(next);
  if (!epilogue || !epilogue->hasAttr("sinter.matmul_epilogue") ||
      epilogue.getNumReductionLoops() != 0) {
    return std::nullopt;
  }
  // C, through reshapes, is read by the epilogue once. The epilogue may
  // write its result over C (bufferization reuses the buffer); then C's
  // later readers read the epilogue's result, which the fused kernel
  // writes. Otherwise nothing else may use C, which is never written.
  std::optional<unsigned> input;
  bool inPlace = false;
  SmallVector<Operation *> later;
  SmallVector<Value> worklist = {c};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == matmul.getOperation()) {
        continue;
      }
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      if (user == epilogue.getOperation()) {
        if (epilogue.isDpsInput(&use) && !input) {
          input = use.getOperandNumber();
          continue;
        }
        if (epilogue.isDpsInit(&use) &&
            epilogue.getMatchingIndexingMap(&use).isIdentity()) {
          inPlace = true;
          continue;
        }
        return std::nullopt;
      }
      // What ran before the matmul (its fill, say) does not matter.
      Operation *top = matmul->getBlock()->findAncestorOpInBlock(*user);
      if (top && top->isBeforeInBlock(matmul)) {
        continue;
      }
      later.push_back(user);
    }
  }
  if (!input || (!later.empty() && !inPlace) ||
      (!inPlace && !c.getDefiningOp<memref::AllocOp>())) {
    return std::nullopt;
  }
  for (Operation *user : later) {
    Operation *top = matmul->getBlock()->findAncestorOpInBlock(*user);
    if (!top || !epilogue->isBeforeInBlock(top)) {
      return std::nullopt; // C is used between the matmul and the epilogue
    }
  }
  OpOperand &read = epilogue->getOpOperand(*input);
  auto view = cast<MemRefType>(read.get().getType());
  // In C's element order: an identity map over a contiguous reshape.
  if (!epilogue.getMatchingIndexingMap(&read).isIdentity() ||
      !view.getLayout().isIdentity() ||
      SmallVector<int64_t>(epilogue.getStaticLoopRanges()) !=
          SmallVector<int64_t>(view.getShape())) {
    return std::nullopt;
  }
  return MatmulEpilogue{epilogue, *input};
}

bool isTiledMatmulType(MemRefType type) {
  return isa<FloatType>(type.getElementType()) &&
         type.getElementTypeBitWidth() <= 32;
}

LogicalResult mapMatmulToGPU(linalg::LinalgOp op,
                             std::optional<MatmulEpilogue> epilogue) {
  MatmulShape s;
  s.batched = isa<linalg::BatchMatmulOp, linalg::BatchMatmulTransposeBOp>(op);
  s.transposeB =
      isa<linalg::MatmulTransposeBOp, linalg::BatchMatmulTransposeBOp>(op);
  Value a = op.getDpsInputOperand(0)->get();
  Value bm = op.getDpsInputOperand(1)->get();
  Value c = op.getDpsInitOperand(0)->get();
  auto aType = cast<MemRefType>(a.getType());
  auto bType = cast<MemRefType>(bm.getType());
  auto cType = cast<MemRefType>(c.getType());
  if (!aType.hasStaticShape() || !bType.hasStaticShape() ||
      !cType.hasStaticShape()) {
    return op->emitError("a GPU matmul needs static shapes");
  }
  if (!isTiledMatmulType(aType) || !isTiledMatmulType(bType) ||
      !isTiledMatmulType(cType)) {
    return op->emitError("the tiled GPU matmul takes f32, f16 or bf16");
  }
  int64_t off = s.batched ? 1 : 0;
  s.batch = s.batched ? cType.getDimSize(0) : 1;
  s.m = cType.getDimSize(off);
  s.n = cType.getDimSize(off + 1);
  s.k = aType.getDimSize(off + 1);
  if (s.batch == 0 || s.m == 0 || s.n == 0 || s.k == 0) {
    op->erase(); // C += nothing
    return success();
  }
  int64_t gridN = llvm::divideCeil(s.n, kTileN);
  int64_t gridM = llvm::divideCeil(s.m, kTileM);
  if (s.batch > 65535 || gridM > 65535) {
    return op->emitError("matmul too large for one GPU grid");
  }
  bool overwrite = op->hasAttr(kOverwriteAttr);
  bool mFits = s.m % kTileM == 0, nFits = s.n % kTileN == 0,
       kFits = s.k % kTileK == 0;

  Location loc = op.getLoc();
  // With an epilogue, the kernel goes where the epilogue was: its other
  // operands are defined by then (only views lie in between).
  OpBuilder b(epilogue ? epilogue->op.getOperation() : op.getOperation());
  Type f32 = b.getF32Type();
  // One padding column: the staging stores walk k (a column) across
  // threads, which a 64-word row stride would put in one bank.
  MemRefType tileA = sharedMemRefType({kTileK, kTileM + 1}, f32);
  MemRefType tileB = sharedMemRefType({kTileK, kTileN + 1}, f32);
  gpu::LaunchOp launch = createLaunch(
      b, loc, epilogue ? "matmul_epilogue" : "matmul", {gridN, gridM, s.batch},
      {kThreadsX, kThreadsY, 1}, {tileA, tileB});
  b.setInsertionPointToStart(&launch.getBody().front());
  Value sharedA = launch.getWorkgroupAttributions()[0];
  Value sharedB = launch.getWorkgroupAttributions()[1];
  Value tx = launch.getThreadIds().x, ty = launch.getThreadIds().y;
  Value batch = launch.getBlockIds().z;
  auto cst = [&](int64_t v) { return indexConstant(b, loc, v); };
  Value m0 = b.create<arith::MulIOp>(loc, launch.getBlockIds().y, cst(kTileM));
  Value n0 = b.create<arith::MulIOp>(loc, launch.getBlockIds().x, cst(kTileN));
  Value tid = b.create<arith::AddIOp>(
      loc, tx, b.create<arith::MulIOp>(loc, ty, cst(kThreadsX)));

  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
  SmallVector<Value> accs(kMicroM * kMicroN, zero);
  int64_t kTiles = llvm::divideCeil(s.k, kTileK);
  auto loop = b.create<scf::ForOp>(
      loc, cst(0), cst(kTiles), cst(1), accs,
      [&](OpBuilder &t, Location l, Value kt, ValueRange iter) {
        auto tc = [&](int64_t v) { return indexConstant(t, l, v); };
        Value k0 = t.create<arith::MulIOp>(l, kt, tc(kTileK));
        // Stage the tiles: element e of thread tid is tid + 256 e.
        for (int64_t e = 0; e < kTileM * kTileK / kThreads; ++e) {
          Value idx = t.create<arith::AddIOp>(l, tid, tc(e * kThreads));
          Value mm = t.create<arith::DivUIOp>(l, idx, tc(kTileK));
          Value kk = t.create<arith::RemUIOp>(l, idx, tc(kTileK));
          Value v = loadOrZero(
              t, l, a, batch, s.batched, t.create<arith::AddIOp>(l, m0, mm),
              t.create<arith::AddIOp>(l, k0, kk), s.m, s.k, mFits, kFits);
          t.create<memref::StoreOp>(l, v, sharedA, ValueRange{kk, mm});
        }
        for (int64_t e = 0; e < kTileN * kTileK / kThreads; ++e) {
          Value idx = t.create<arith::AddIOp>(l, tid, tc(e * kThreads));
          Value nn, kk, v;
          if (s.transposeB) { // B[n][k]: k is contiguous
            nn = t.create<arith::DivUIOp>(l, idx, tc(kTileK));
            kk = t.create<arith::RemUIOp>(l, idx, tc(kTileK));
            v = loadOrZero(
                t, l, bm, batch, s.batched, t.create<arith::AddIOp>(l, n0, nn),
                t.create<arith::AddIOp>(l, k0, kk), s.n, s.k, nFits, kFits);
          } else { // B[k][n]: n is contiguous
            kk = t.create<arith::DivUIOp>(l, idx, tc(kTileN));
            nn = t.create<arith::RemUIOp>(l, idx, tc(kTileN));
            v = loadOrZero(
                t, l, bm, batch, s.batched, t.create<arith::AddIOp>(l, k0, kk),
                t.create<arith::AddIOp>(l, n0, nn), s.k, s.n, kFits, nFits);
          }
          t.create<memref::StoreOp>(l, v, sharedB, ValueRange{kk, nn});
        }
        t.create<gpu::BarrierOp>(l);
        SmallVector<Value> acc(iter);
        SmallVector<Value> rows, cols;
        for (int64_t i = 0; i < kMicroM; ++i) {
          rows.push_back(t.create<arith::AddIOp>(l, ty, tc(i * kThreadsY)));
        }
        for (int64_t j = 0; j < kMicroN; ++j) {
          cols.push_back(t.create<arith::AddIOp>(l, tx, tc(j * kThreadsX)));
        }
        for (int64_t kk = 0; kk < kTileK; ++kk) {
          SmallVector<Value> av, bv;
          for (int64_t i = 0; i < kMicroM; ++i) {
            av.push_back(t.create<memref::LoadOp>(l, sharedA,
                                                  ValueRange{tc(kk), rows[i]}));
          }
          for (int64_t j = 0; j < kMicroN; ++j) {
            bv.push_back(t.create<memref::LoadOp>(l, sharedB,
                                                  ValueRange{tc(kk), cols[j]}));
          }
          for (int64_t i = 0; i < kMicroM; ++i) {
            for (int64_t j = 0; j < kMicroN; ++j) {
              Value &x = acc[i * kMicroN + j];
              x = fma(t, l, av[i], bv[j], x);
            }
          }
        }
        // The next slice overwrites the tiles.
        t.create<gpu::BarrierOp>(l);
        t.create<scf::YieldOp>(l, acc);
      });

  // C += the micro-tile (C = it, after a zero fill), in C's type.
  for (int64_t i = 0; i < kMicroM; ++i) {
    Value row = b.create<arith::AddIOp>(
        loc, m0, b.create<arith::AddIOp>(loc, ty, cst(i * kThreadsY)));
    for (int64_t j = 0; j < kMicroN; ++j) {
      Value col = b.create<arith::AddIOp>(
          loc, n0, b.create<arith::AddIOp>(loc, tx, cst(j * kThreadsX)));
      Value acc = loop.getResult(i * kMicroN + j);
      auto store = [&](OpBuilder &t, Location l) {
        SmallVector<Value> idx;
        if (s.batched) {
          idx.push_back(batch);
        }
        idx.push_back(row);
        idx.push_back(col);
        Type ct = cType.getElementType();
        Value sum = acc;
        if (!overwrite) {
          Value old = t.create<memref::LoadOp>(l, c, idx);
          if (ct != f32) {
            old = t.create<arith::ExtFOp>(l, f32, old);
          }
          sum = t.create<arith::AddFOp>(l, old, acc);
        }
        if (ct != f32) {
          sum = t.create<arith::TruncFOp>(l, ct, sum);
        }
        if (!epilogue) {
          t.create<memref::StoreOp>(l, sum, c, idx);
          return;
        }
        // The epilogue at this element of C: its iteration point is C's
        // linear index over its loops.
        Value linear = t.create<arith::AddIOp>(
            l, t.create<arith::MulIOp>(l, row, indexConstant(t, l, s.n)), col);
        if (s.batched) {
          linear = t.create<arith::AddIOp>(
              l, linear,
              t.create<arith::MulIOp>(l, batch,
                                      indexConstant(t, l, s.m * s.n)));
        }
        linalg::GenericOp g = epilogue->op;
        SmallVector<Value> ivs =
            delinearize(t, l, linear, g.getStaticLoopRanges());
        llvm::DenseMap<unsigned, Value> known;
        known[epilogue->input] = sum;
        storeOutputs(t, l, g, ivs, emitBody(t, l, g, ivs, {}, known));
      };
      Value inBounds;
      auto andBound = [&](Value v, int64_t bound) {
        Value cmp = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, v,
                                            cst(bound));
        inBounds = inBounds ? b.create<arith::AndIOp>(loc, inBounds, cmp) : cmp;
      };
      if (!mFits) {
        andBound(row, s.m);
      }
      if (!nFits) {
        andBound(col, s.n);
      }
      if (inBounds) {
        b.create<scf::IfOp>(loc, inBounds, [&](OpBuilder &t, Location l) {
          store(t, l);
          t.create<scf::YieldOp>(l);
        });
      } else {
        store(b, loc);
      }
    }
  }
  op->erase();
  if (epilogue) {
    epilogue->op.erase();
  }
  return success();
}

} // namespace sinter
