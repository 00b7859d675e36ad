//===- MatmulToVector.cpp - Register-blocked vector matmul for the CPU ---===//
//
// The matmul kernel of the CPU backend, written as MLIR vector ops rather
// than left to LLVM: LLVM's loop vectorizer does not block a product for
// registers. An mr x (nr * vw) block of C lives in vector registers while K
// is walked; each step loads nr contiguous vectors of a row of B, broadcasts
// one element of each of the mr rows of A, and issues mr * nr FMAs (for
// AVX-512, 6 x 4 zmm accumulators: 24 FMAs per 4 loads + 6 broadcasts).
// Around the kernel, K and N are blocked so the panel of B being reused stays
// in L2, and the outermost loop over tasks of rows (and batches) is an
// scf.parallel for the thread pool. Shapes are static, so edges get their
// own static kernels (fewer rows, fewer vectors, one masked vector).
//
// A transposed B (stored [N, K]: a layer's input gradient dY W^T, a tied
// output embedding) goes through the same kernel when it is large: packing
// transposes it into the same panels, O(NK) against the product's O(MNK).
// Small or batched ones (q k^T in attention) use dot products along K.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

#include <cstring>

#define DEBUG_TYPE "sinter-cpu-matmul-to-vector"

namespace sinter {

#define GEN_PASS_DEF_CPUMATMULTOVECTORPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

/// Below this K, a transposed B is read by dot products along K (each dot
/// short; no packing to amortize), as attention's q k^T with K = 64 is.
constexpr int64_t kMinPackedTransposedK = 128;

struct Tiling {
  int64_t vw, mr, nr, kc, nc, rowsPerTask;
};

bool hasUnitInnerStride(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(getStridesAndOffset(type, strides, offset))) {
    return false;
  }
  return strides.empty() || strides.back() == 1;
}

/// Emits the loop nest for one (possibly batched) matmul C += A * B.
class MatmulEmitter {
public:
  MatmulEmitter(OpBuilder &b, Location loc, Value a, Value bMat, Value c,
                bool batched, const Tiling &t)
      : b(b), loc(loc), a(a), bMat(bMat), c(c), batched(batched), t(t) {
    auto cType = cast<MemRefType>(c.getType());
    auto aType = cast<MemRefType>(a.getType());
    int64_t r = cType.getRank();
    batches = batched ? cType.getDimSize(0) : 1;
    m = cType.getDimSize(r - 2);
    n = cType.getDimSize(r - 1);
    k = aType.getDimSize(aType.getRank() - 1);
    accType = cType.getElementType();
    aElem = aType.getElementType();
    bElem = cast<MemRefType>(bMat.getType()).getElementType();
  }

  /// Tasks are (batch, block of rows, block of nc columns); see openTasks.
  void emit() {
    int64_t tileN = t.nr * t.vw;
    int64_t nFull = (n / tileN) * tileN;
    int64_t nRem = n - nFull;
    packB();
    int64_t mFull = (m / t.mr) * t.mr;
    int64_t mTail = m - mFull;
    OpBuilder::InsertionGuard g(b);
    // Rows this task covers with full mr-row kernels: [mBegin, mEnd).
    TaskBlock task = openTasks(t.rowsPerTask, t.nc, mFull, nFull);
    Value mBegin = task.mBegin, mFullEnd = task.mEnd, nb = task.nBegin,
          nEnd = task.nEnd, ownsMTail = task.ownsMTail,
          ownsNTail = task.ownsNTail;

    forRange(0, k, t.kc, [&](Value kb) {
      Value kEnd = b.create<arith::MinUIOp>(
          loc, b.create<arith::AddIOp>(loc, kb, idx(t.kc)), idx(k));
      if (nFull > 0) {
        forDynamic(mBegin, mFullEnd, t.mr, [&](Value mi) {
          forDynamic(nb, nEnd, tileN, [&](Value ni) {
            kernel(mi, ni, kb, kEnd, t.mr, t.nr, 0);
          });
        });
        if (mTail > 0) {
          ifThen(ownsMTail, [&] {
            forDynamic(nb, nEnd, tileN, [&](Value ni) {
              kernel(idx(mFull), ni, kb, kEnd, mTail, t.nr, 0);
            });
          });
        }
      }
      if (nRem > 0) {
        int64_t fullVectors = nRem / t.vw;
        int64_t lastLanes = nRem % t.vw;
        int64_t vectors = fullVectors + (lastLanes > 0 ? 1 : 0);
        ifThen(ownsNTail, [&] {
          forDynamic(mBegin, mFullEnd, t.mr, [&](Value mi) {
            kernel(mi, idx(nFull), kb, kEnd, t.mr, vectors, lastLanes);
          });
          if (mTail > 0) {
            ifThen(ownsMTail, [&] {
              kernel(idx(mFull), idx(nFull), kb, kEnd, mTail, vectors,
                     lastLanes);
            });
          }
        });
      }
    });
    if (epilogue) {
      // This task's block of C is final and still in cache: apply the
      // epilogue to it now rather than in a pass of its own over memory.
      Value rowEnd =
          b.create<arith::SelectOp>(loc, ownsMTail, idx(m), mFullEnd);
      Value colEnd = b.create<arith::SelectOp>(loc, ownsNTail, idx(n), nEnd);
      emitEpilogue(mBegin, rowEnd, nb, colEnd);
    }
  }

  /// An elementwise linalg.generic that reads C (marked
  /// `sinter.matmul_epilogue` by fusion) and is applied by the matmul's
  /// tasks to their blocks of C. `leading` are its loops before the last,
  /// whose product is M.
  struct Epilogue {
    linalg::GenericOp op;
    unsigned cInput = 0;
    SmallVector<int64_t> leading;
  };
  std::optional<Epilogue> epilogue;

  /// Loops rows [r0, r1) and columns [c0, c1) of C, vector by vector (the
  /// last one masked), computing the epilogue body on vectors.
  void emitEpilogue(Value r0, Value r1, Value c0, Value c1) {
    linalg::GenericOp g = epilogue->op;
    Block &body = g.getRegion().front();
    Value out = g.getDpsInits()[0];
    auto maskType = VectorType::get({t.vw}, b.getI1Type());
    forDynamic(r0, r1, 1, [&](Value r) {
      // The generic's leading indices of row r.
      SmallVector<Value> lead(epilogue->leading.size());
      Value rest = r;
      for (int64_t i = epilogue->leading.size() - 1; i >= 0; --i) {
        Value size = idx(epilogue->leading[i]);
        lead[i] = b.create<arith::RemUIOp>(loc, rest, size);
        rest = b.create<arith::DivUIOp>(loc, rest, size);
      }
      forDynamic(c0, c1, t.vw, [&](Value col) {
        Value lanes = b.create<arith::MinUIOp>(
            loc, b.create<arith::SubIOp>(loc, c1, col), idx(t.vw));
        Value mask = b.create<vector::CreateMaskOp>(loc, maskType, lanes);
        SmallVector<Value> loops(lead);
        loops.push_back(col);
        IRMapping map;
        auto operandAt = [&](OpOperand &operand) -> Value {
          Value mem = operand.get();
          auto type = cast<MemRefType>(mem.getType());
          AffineMap m = g.getMatchingIndexingMap(&operand);
          if (operand.getOperandNumber() == epilogue->cInput) {
            VectorType vt = vecOf(type.getElementType());
            Value pass = b.create<arith::ConstantOp>(
                loc, vt,
                DenseElementsAttr::get(vt,
                                       b.getZeroAttr(type.getElementType())));
            return b.create<vector::MaskedLoadOp>(loc, vt, c, at(r, col), mask,
                                                  pass);
          }
          SmallVector<Value> indices;
          bool alongN = false;
          for (AffineExpr e : m.getResults()) {
            unsigned d = cast<AffineDimExpr>(e).getPosition();
            alongN |= d == loops.size() - 1;
            indices.push_back(loops[d]);
          }
          if (!alongN) {
            Value scalar = b.create<memref::LoadOp>(loc, mem, indices);
            return b.create<vector::BroadcastOp>(
                loc, vecOf(type.getElementType()), scalar);
          }
          VectorType vt = vecOf(type.getElementType());
          Value pass = b.create<arith::ConstantOp>(
              loc, vt,
              DenseElementsAttr::get(vt, b.getZeroAttr(type.getElementType())));
          return b.create<vector::MaskedLoadOp>(loc, vt, mem, indices, mask,
                                                pass);
        };
        for (OpOperand &operand : g->getOpOperands()) {
          BlockArgument arg = body.getArgument(operand.getOperandNumber());
          if (!arg.use_empty()) {
            map.map(arg, operandAt(operand));
          }
        }
        for (Operation &op : body.without_terminator()) {
          if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
            auto vt = VectorType::get({t.vw}, cst.getType());
            map.map(cst.getResult(),
                    b.create<arith::ConstantOp>(
                        loc, vt, DenseElementsAttr::get(vt, cst.getValue())));
            continue;
          }
          SmallVector<Value> operands;
          for (Value v : op.getOperands()) {
            Value mv = map.lookupOrDefault(v);
            if (!isa<VectorType>(mv.getType())) {
              // A scalar from above the generic: a splat (constants are
              // re-created here, as they may be defined after the matmul).
              auto vt = VectorType::get({t.vw}, mv.getType());
              if (auto cst = mv.getDefiningOp<arith::ConstantOp>()) {
                mv = b.create<arith::ConstantOp>(
                    loc, vt, DenseElementsAttr::get(vt, cst.getValue()));
              } else {
                mv = b.create<vector::BroadcastOp>(loc, vt, mv);
              }
            }
            operands.push_back(mv);
          }
          SmallVector<Type> types;
          for (Type ty : op.getResultTypes()) {
            types.push_back(VectorType::get({t.vw}, ty));
          }
          OperationState state(loc, op.getName().getStringRef(), operands,
                               types, op.getAttrs());
          Operation *vop = b.create(state);
          map.map(op.getResults(), vop->getResults());
        }
        Value result = map.lookupOrDefault(body.getTerminator()->getOperand(0));
        SmallVector<Value> outAt(lead);
        outAt.push_back(col);
        b.create<vector::MaskedStoreOp>(loc, out, outAt, mask, result);
      });
    });
  }

protected:
  /// What one parallel task covers: rows [mBegin, mEnd) and columns
  /// [nBegin, nEnd) of the full-kernel part, and whether it also owns the
  /// row and column tails.
  struct TaskBlock {
    Value mBegin, mEnd, nBegin, nEnd, ownsMTail, ownsNTail;
  };

  /// Opens the scf.parallel over tasks of (batch, block of `rowsPerTask`
  /// rows, block of `colBlock` columns), leaves the builder inside it (the
  /// caller holds the insertion guard) and sets `batch`. Splitting N as well
  /// as M gives threads evenly many tasks without making a task re-read
  /// more of B.
  TaskBlock openTasks(int64_t rowsPerTask, int64_t colBlock, int64_t mFull,
                      int64_t nFull) {
    int64_t rowTasks = llvm::divideCeil(m, rowsPerTask);
    int64_t colTasks = std::max<int64_t>(1, llvm::divideCeil(nFull, colBlock));
    auto par = b.create<scf::ParallelOp>(
        loc, ValueRange{idx(0)}, ValueRange{idx(batches * rowTasks * colTasks)},
        ValueRange{idx(1)});
    b.setInsertionPointToStart(par.getBody());
    Value task = par.getInductionVars()[0];
    Value colTask = b.create<arith::RemUIOp>(loc, task, idx(colTasks));
    Value rest = b.create<arith::DivUIOp>(loc, task, idx(colTasks));
    batch = batched
                ? b.create<arith::DivUIOp>(loc, rest, idx(rowTasks)).getResult()
                : Value();
    Value rowTask = b.create<arith::RemUIOp>(loc, rest, idx(rowTasks));
    TaskBlock block;
    block.mBegin = b.create<arith::MulIOp>(loc, rowTask, idx(rowsPerTask));
    block.mEnd = b.create<arith::MinUIOp>(
        loc, b.create<arith::AddIOp>(loc, block.mBegin, idx(rowsPerTask)),
        idx(mFull));
    block.nBegin = b.create<arith::MulIOp>(loc, colTask, idx(colBlock));
    block.nEnd = b.create<arith::MinUIOp>(
        loc, b.create<arith::AddIOp>(loc, block.nBegin, idx(colBlock)),
        idx(nFull));
    block.ownsMTail = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                              rowTask, idx(rowTasks - 1));
    block.ownsNTail = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq,
                                              colTask, idx(colTasks - 1));
    return block;
  }

  Value idx(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }

  /// A constant B (a weight) is packed once, here, into a new constant
  /// global instead of on every call.
  bool packConstantAtCompileTime(int64_t tiles, int64_t tileN) {
    auto get = bMat.getDefiningOp<memref::GetGlobalOp>();
    if (!get || !symbols) {
      return false;
    }
    auto global = symbols->lookup<memref::GlobalOp>(get.getName());
    if (!global || !global.getConstant() || !global.getInitialValue()) {
      return false;
    }
    ArrayRef<char> raw;
    Attribute init = *global.getInitialValue();
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob) {
        return false;
      }
      raw = blob->getData();
    } else if (auto dense = dyn_cast<DenseElementsAttr>(init);
               dense && !dense.isSplat()) {
      raw = dense.getRawData();
    } else {
      return false;
    }
    int64_t bytes = (bElem.getIntOrFloatBitWidth() + 7) / 8;
    if (static_cast<int64_t>(raw.size()) != k * n * bytes) {
      return false;
    }
    std::vector<char> data(tiles * k * tileN * bytes);
    for (int64_t tile = 0; tile < tiles; ++tile) {
      for (int64_t kk = 0; kk < k; ++kk) {
        if (!bTransposed) {
          std::memcpy(&data[((tile * k + kk) * tileN) * bytes],
                      &raw[(kk * n + tile * tileN) * bytes], tileN * bytes);
          continue;
        }
        for (int64_t j = 0; j < tileN; ++j) { // B^T[kk][col] = B[col][kk]
          std::memcpy(&data[((tile * k + kk) * tileN + j) * bytes],
                      &raw[((tile * tileN + j) * k + kk) * bytes], bytes);
        }
      }
    }
    auto type = MemRefType::get({tiles, k, tileN}, bElem);
    auto tensorType = RankedTensorType::get({tiles, k, tileN}, bElem);
    std::string name = (get.getName() + "_packed").str();
    auto value = DenseResourceElementsAttr::get(
        tensorType, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(ArrayRef<char>(data),
                                                      alignof(uint64_t)));
    OpBuilder mb(global);
    auto packedGlobal = mb.create<memref::GlobalOp>(
        global.getLoc(), name, mb.getStringAttr("private"), type, value,
        /*constant=*/true, mb.getI64IntegerAttr(64));
    symbols->insert(packedGlobal); // renames it if the name is taken
    packed =
        b.create<memref::GetGlobalOp>(loc, type, packedGlobal.getSymName());
    return true;
  }

  /// Copies the full nr*vw-wide column tiles of B into a contiguous panel
  /// [batch][tile][k][nr*vw], so the kernel streams B sequentially instead
  /// of striding a row of N elements per k (4 KiB apart for N = 1024, which
  /// maps every row to the same L1 sets). Costs K*N copies against M*N*K
  /// FMAs: skipped for matmuls with few rows.
  void packB() {
    int64_t tileN = t.nr * t.vw;
    int64_t tiles = n / tileN;
    if (!packsB()) {
      return;
    }
    SmallVector<int64_t> shape;
    if (batched) {
      shape.push_back(batches);
    }
    shape.append({tiles, k, tileN});
    if (!batched && packConstantAtCompileTime(tiles, tileN)) {
      return;
    }
    packed = b.create<memref::AllocOp>(loc, MemRefType::get(shape, bElem),
                                       b.getI64IntegerAttr(64));
    auto par = b.create<scf::ParallelOp>(loc, ValueRange{idx(0), idx(0)},
                                         ValueRange{idx(batches), idx(tiles)},
                                         ValueRange{idx(1), idx(1)});
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(par.getBody());
    Value bt = par.getInductionVars()[0], tile = par.getInductionVars()[1];
    Value col0 = b.create<arith::MulIOp>(loc, tile, idx(tileN));
    if (bTransposed) {
      // Row col of B (contiguous along K) becomes column j of the panel.
      forRange(0, tileN, 1, [&](Value j) {
        Value col = b.create<arith::AddIOp>(loc, col0, j);
        forRange(0, k, 1, [&](Value kk) {
          SmallVector<Value> from = {col, kk}, to = {tile, kk, j};
          if (batched) {
            from.insert(from.begin(), bt);
            to.insert(to.begin(), bt);
          }
          b.create<memref::StoreOp>(
              loc, b.create<memref::LoadOp>(loc, bMat, from), packed, to);
        });
      });
      return;
    }
    forRange(0, k, 1, [&](Value kk) {
      for (int64_t j = 0; j < t.nr; ++j) {
        Value col = b.create<arith::AddIOp>(loc, col0, idx(j * t.vw));
        SmallVector<Value> from = {kk, col}, to = {tile, kk, idx(j * t.vw)};
        if (batched) {
          from.insert(from.begin(), bt);
          to.insert(to.begin(), bt);
        }
        Value v = b.create<vector::LoadOp>(loc, vecOf(bElem), bMat, from);
        b.create<vector::StoreOp>(loc, v, packed, to);
      }
    });
  }

  void forRange(int64_t lo, int64_t hi, int64_t step,
                llvm::function_ref<void(Value)> body) {
    forDynamic(idx(lo), idx(hi), step, body);
  }
  void forDynamic(Value lo, Value hi, int64_t step,
                  llvm::function_ref<void(Value)> body) {
    auto loop = b.create<scf::ForOp>(loc, lo, hi, idx(step));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  }
  void ifThen(Value cond, llvm::function_ref<void()> body) {
    auto ifOp = b.create<scf::IfOp>(loc, cond, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    body();
  }

  SmallVector<Value> at(Value row, Value col) {
    if (batched) {
      return {batch, row, col};
    }
    return {row, col};
  }

  VectorType vecOf(Type element) { return VectorType::get({t.vw}, element); }

  /// Loads vector j of a row (masked when it is the partial last one).
  Value loadVector(Value memref, Type element, Value row, Value col,
                   bool masked, int64_t lanes) {
    VectorType vt = vecOf(element);
    Value v;
    if (masked) {
      Value mask = b.create<vector::ConstantMaskOp>(
          loc, VectorType::get({t.vw}, b.getI1Type()),
          b.getI64ArrayAttr({lanes}));
      Value zero = b.create<arith::ConstantOp>(
          loc, vt, DenseElementsAttr::get(vt, b.getZeroAttr(element)));
      v = b.create<vector::MaskedLoadOp>(loc, vt, memref, at(row, col), mask,
                                         zero);
    } else {
      v = b.create<vector::LoadOp>(loc, vt, memref, at(row, col));
    }
    if (element != accType) {
      v = b.create<arith::ExtFOp>(loc, vecOf(accType), v);
    }
    return v;
  }

  /// C[mi:mi+rows, ni:ni+vectors*vw] += A[mi.., kb:kEnd] * B[kb:kEnd, ni..].
  void kernel(Value mi, Value ni, Value kb, Value kEnd, int64_t rows,
              int64_t vectors, int64_t lastLanes) {
    auto col = [&](int64_t j) {
      return b.create<arith::AddIOp>(loc, ni, idx(j * t.vw)).getResult();
    };
    auto row = [&](int64_t i) {
      return b.create<arith::AddIOp>(loc, mi, idx(i)).getResult();
    };
    auto isMasked = [&](int64_t j) {
      return lastLanes > 0 && j == vectors - 1;
    };
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t i = 0; i < rows; ++i) {
      rowIdx.push_back(row(i));
    }
    for (int64_t j = 0; j < vectors; ++j) {
      colIdx.push_back(col(j));
    }
    // Full-width tiles read the packed panel of B.
    Value tileIdx;
    if (packed && vectors == t.nr && lastLanes == 0) {
      tileIdx = b.create<arith::DivUIOp>(loc, ni, idx(t.nr * t.vw));
    }
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < vectors; ++j) {
        acc.push_back(loadVector(c, accType, rowIdx[i], colIdx[j], isMasked(j),
                                 lastLanes));
      }
    }
    auto loop = b.create<scf::ForOp>(
        loc, kb, kEnd, idx(1), acc,
        [&](OpBuilder &nb, Location nloc, Value kk, ValueRange iter) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          SmallVector<Value> bv;
          for (int64_t j = 0; j < vectors; ++j) {
            if (tileIdx) {
              SmallVector<Value> at = {tileIdx, kk, idx(j * t.vw)};
              if (batched) {
                at.insert(at.begin(), batch);
              }
              Value v =
                  b.create<vector::LoadOp>(nloc, vecOf(bElem), packed, at);
              if (bElem != accType) {
                v = b.create<arith::ExtFOp>(nloc, vecOf(accType), v);
              }
              bv.push_back(v);
              continue;
            }
            bv.push_back(
                loadVector(bMat, bElem, kk, colIdx[j], isMasked(j), lastLanes));
          }
          SmallVector<Value> next;
          for (int64_t i = 0; i < rows; ++i) {
            Value s = b.create<memref::LoadOp>(nloc, a, at(rowIdx[i], kk));
            if (aElem != accType) {
              s = b.create<arith::ExtFOp>(nloc, accType, s);
            }
            Value bs = b.create<vector::BroadcastOp>(nloc, vecOf(accType), s);
            for (int64_t j = 0; j < vectors; ++j) {
              next.push_back(b.create<vector::FMAOp>(nloc, bs, bv[j],
                                                     iter[i * vectors + j]));
            }
          }
          b.create<scf::YieldOp>(nloc, next);
        });
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < vectors; ++j) {
        Value v = loop.getResult(i * vectors + j);
        if (isMasked(j)) {
          Value mask = b.create<vector::ConstantMaskOp>(
              loc, VectorType::get({t.vw}, b.getI1Type()),
              b.getI64ArrayAttr({lastLanes}));
          b.create<vector::MaskedStoreOp>(loc, c, at(rowIdx[i], colIdx[j]),
                                          mask, v);
        } else {
          b.create<vector::StoreOp>(loc, v, c, at(rowIdx[i], colIdx[j]));
        }
      }
    }
  }

  OpBuilder &b;
  Location loc;
  Value a, bMat, c, batch, packed;

public:
  /// The module's symbol table, for packing constant weights at compile
  /// time (none: always pack at run time).
  SymbolTable *symbols = nullptr;
  /// B is stored [N, K] (linalg.matmul_transpose_b); requires packsB() and
  /// N a multiple of the tile width, so every read of B is of the panels.
  bool bTransposed = false;
  /// Whether packB packs (a transposed B must be packed: the kernel reads
  /// B itself only for unpacked columns).
  bool packsB() const {
    return n / (t.nr * t.vw) > 0 && m >= 2 * t.mr && k > 0;
  }

protected:
  bool batched;
  Tiling t;
  int64_t batches, m, n, k;
  Type accType, aElem, bElem;
};

/// C += A * B^T with B stored [N, K] (q k^T in attention, tied output
/// embeddings): both operands are read along K, so an mr x nr block of dot
/// products is accumulated as vectors over K and reduced once at the end.
/// No transpose and no packing, whatever N is.
class DotEmitter : public MatmulEmitter {
public:
  using MatmulEmitter::MatmulEmitter;

  void emit() {
    constexpr int64_t rowsPerKernel = 4, colsPerKernel = 4;
    int64_t rowsPerTask = 12 * rowsPerKernel;
    // The rows of B^T one task reuses stay in (about 1 MiB of) L2.
    int64_t bytes = std::max<int64_t>(1, k) * 4;
    int64_t colBlock = std::max<int64_t>(
        colsPerKernel, ((1 << 20) / bytes) / colsPerKernel * colsPerKernel);
    int64_t mFull = m / rowsPerKernel * rowsPerKernel, mTail = m - mFull;
    int64_t nFull = n / colsPerKernel * colsPerKernel, nTail = n - nFull;
    OpBuilder::InsertionGuard g(b);
    TaskBlock task = openTasks(rowsPerTask, colBlock, mFull, nFull);
    Value mBegin = task.mBegin, mEnd = task.mEnd, nBegin = task.nBegin,
          nEnd = task.nEnd, ownsMTail = task.ownsMTail,
          ownsNTail = task.ownsNTail;

    forDynamic(mBegin, mEnd, rowsPerKernel, [&](Value mi) {
      forDynamic(nBegin, nEnd, colsPerKernel,
                 [&](Value nj) { dot(mi, nj, rowsPerKernel, colsPerKernel); });
    });
    if (mTail > 0) {
      ifThen(ownsMTail, [&] {
        forDynamic(nBegin, nEnd, colsPerKernel, [&](Value nj) {
          dot(idx(mFull), nj, mTail, colsPerKernel);
        });
      });
    }
    if (nTail > 0) {
      ifThen(ownsNTail, [&] {
        forDynamic(mBegin, mEnd, rowsPerKernel, [&](Value mi) {
          dot(mi, idx(nFull), rowsPerKernel, nTail);
        });
        if (mTail > 0) {
          ifThen(ownsMTail, [&] { dot(idx(mFull), idx(nFull), mTail, nTail); });
        }
      });
    }
  }

private:
  /// C[mi.., nj..] += sum_k A[mi+i, k] * Bt[nj+j, k] for a rows x cols block.
  void dot(Value mi, Value nj, int64_t rows, int64_t cols) {
    int64_t kFull = k / t.vw * t.vw, kRem = k - kFull;
    VectorType vt = vecOf(accType);
    SmallVector<Value> rowIdx, colIdx;
    for (int64_t i = 0; i < rows; ++i) {
      rowIdx.push_back(b.create<arith::AddIOp>(loc, mi, idx(i)));
    }
    for (int64_t j = 0; j < cols; ++j) {
      colIdx.push_back(b.create<arith::AddIOp>(loc, nj, idx(j)));
    }
    Value zero = b.create<arith::ConstantOp>(
        loc, vt, DenseElementsAttr::get(vt, b.getZeroAttr(accType)));
    auto step = [&](Value kk, ValueRange acc, bool masked) {
      SmallVector<Value> av, bv, next;
      for (int64_t i = 0; i < rows; ++i) {
        av.push_back(loadVector(a, aElem, rowIdx[i], kk, masked, kRem));
      }
      for (int64_t j = 0; j < cols; ++j) {
        bv.push_back(loadVector(bMat, bElem, colIdx[j], kk, masked, kRem));
      }
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          next.push_back(
              b.create<vector::FMAOp>(loc, av[i], bv[j], acc[i * cols + j]));
        }
      }
      return next;
    };
    SmallVector<Value> init(rows * cols, zero);
    auto loop = b.create<scf::ForOp>(
        loc, idx(0), idx(kFull), idx(t.vw), init,
        [&](OpBuilder &nb, Location, Value kk, ValueRange iter) {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          b.create<scf::YieldOp>(loc, step(kk, iter, false));
        });
    SmallVector<Value> acc(loop.getResults());
    if (kRem > 0) {
      acc = step(idx(kFull), acc, true);
    }
    auto fastmath =
        arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        Value sum = b.create<vector::ReductionOp>(
            loc, vector::CombiningKind::ADD, acc[i * cols + j], fastmath);
        SmallVector<Value> at = {rowIdx[i], colIdx[j]};
        if (batched) {
          at.insert(at.begin(), batch);
        }
        Value old = b.create<memref::LoadOp>(loc, c, at);
        b.create<memref::StoreOp>(loc, b.create<arith::AddFOp>(loc, old, sum),
                                  c, at);
      }
    }
  }
};

/// The epilogue generic fusion marked for the (unbatched) matmul writing
/// `c`, if the matmul kernel can apply it: all-parallel, reading C (or a
/// row-major expansion of it) with the identity map and writing a buffer
/// of the same shape; other inputs indexed by projected permutations whose
/// innermost index, if any, is the last loop (contiguous vectors); a body
/// of vectorizable scalar ops; and nothing but views and allocations
/// between the matmul and it.
std::optional<MatmulEmitter::Epilogue>
findEpilogue(linalg::LinalgOp matmul, Value c, int64_t m, int64_t n) {
  llvm::SmallPtrSet<Value, 4> views = {c};
  SmallVector<Value> worklist = {c};
  linalg::GenericOp found;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        if (views.insert(user->getResult(0)).second) {
          worklist.push_back(user->getResult(0));
        }
      } else if (auto g = dyn_cast<linalg::GenericOp>(user);
                 g && g->hasAttr("sinter.matmul_epilogue")) {
        found = g;
      }
    }
  }
  if (!found || !found.hasPureBufferSemantics() ||
      found.getNumDpsInits() != 1 || found.getNumReductionLoops() != 0 ||
      found->getBlock() != matmul->getBlock() ||
      !matmul->isBeforeInBlock(found)) {
    return std::nullopt;
  }
  for (Operation *op = matmul->getNextNode(); op != found.getOperation();
       op = op->getNextNode()) {
    if (!isa<memref::AllocOp, memref::ExpandShapeOp, memref::CollapseShapeOp,
             memref::GetGlobalOp, arith::ConstantOp>(op)) {
      return std::nullopt;
    }
  }
  MatmulEmitter::Epilogue e;
  e.op = found;
  int64_t loops = found.getNumLoops();
  SmallVector<int64_t> ranges = found.getStaticLoopRanges();
  if (loops < 1 || ranges.back() != n) {
    return std::nullopt;
  }
  e.leading.assign(ranges.begin(), ranges.end() - 1);
  int64_t rows = 1;
  for (int64_t l : e.leading) {
    rows *= l;
  }
  if (rows != m) {
    return std::nullopt;
  }
  OpOperand *outOperand = found.getDpsInitOperand(0);
  auto outType = cast<MemRefType>(outOperand->get().getType());
  if (!found.getMatchingIndexingMap(outOperand).isIdentity() ||
      !hasUnitInnerStride(outType) || !outType.hasStaticShape() ||
      outType.getElementTypeBitWidth() % 8 != 0) {
    return std::nullopt;
  }
  bool readsC = false;
  for (OpOperand *in : found.getDpsInputOperands()) {
    AffineMap map = found.getMatchingIndexingMap(in);
    if (views.contains(in->get())) {
      if (readsC || !map.isIdentity()) {
        return std::nullopt;
      }
      readsC = true;
      e.cInput = in->getOperandNumber();
      continue;
    }
    auto type = dyn_cast<MemRefType>(in->get().getType());
    if (!type || !map.isProjectedPermutation() || !hasUnitInnerStride(type) ||
        type.getElementTypeBitWidth() % 8 != 0) {
      // (vectors of i1 are bit-packed in LLVM, memrefs of i1 are not)
      return std::nullopt;
    }
    for (auto [i, r] : llvm::enumerate(map.getResults())) {
      if (cast<AffineDimExpr>(r).getPosition() == loops - 1 &&
          i + 1 != map.getNumResults()) {
        return std::nullopt; // n is not the innermost index: strided
      }
    }
  }
  if (!readsC) {
    return std::nullopt;
  }
  for (Operation &op : found.getRegion().front().without_terminator()) {
    bool scalarResults = llvm::all_of(
        op.getResultTypes(), [](Type t) { return t.isIntOrIndexOrFloat(); });
    if (!scalarResults || op.getNumRegions() != 0 ||
        (!isa<arith::ConstantOp>(op) &&
         !op.hasTrait<OpTrait::Vectorizable>())) {
      return std::nullopt;
    }
  }
  return e;
}

struct CPUMatmulToVectorPass
    : impl::CPUMatmulToVectorPassBase<CPUMatmulToVectorPass> {
  using CPUMatmulToVectorPassBase::CPUMatmulToVectorPassBase;

  void runOnOperation() override {
    if (vectorWidth <= 0 || rowsPerKernel <= 0 || vectorsPerRow <= 0 ||
        kBlock <= 0 || nBlock <= 0 || rowsPerTask <= 0) {
      getOperation().emitError(
          "sinter-cpu-matmul-to-vector: every tile size must be positive");
      return signalPassFailure();
    }
    Tiling t{vectorWidth, rowsPerKernel, vectorsPerRow, kBlock, 0, 0};
    int64_t tileN = vectorWidth * vectorsPerRow;
    t.nc = std::max<int64_t>(tileN, (nBlock / tileN) * tileN);
    t.rowsPerTask =
        llvm::divideCeil(rowsPerTask, rowsPerKernel) * rowsPerKernel;

    SymbolTable symbols(getOperation());
    SmallVector<linalg::LinalgOp> matmuls;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp,
              linalg::MatmulTransposeBOp, linalg::BatchMatmulTransposeBOp>(
              op) &&
          op.hasPureBufferSemantics()) {
        matmuls.push_back(op);
      }
    });
    for (linalg::LinalgOp op : matmuls) {
      Value a = op.getDpsInputs()[0], bm = op.getDpsInputs()[1];
      Value c = op.getDpsInits()[0];
      auto aType = cast<MemRefType>(a.getType());
      auto bType = cast<MemRefType>(bm.getType());
      auto cType = cast<MemRefType>(c.getType());
      // The kernel reads rows of B and C as vectors and widens float
      // inputs; anything else (integer products, strided rows) keeps the
      // generic loop lowering.
      if (!cType.getElementType().isF32() ||
          !isa<FloatType>(aType.getElementType()) ||
          !isa<FloatType>(bType.getElementType()) ||
          !hasUnitInnerStride(bType) || !hasUnitInnerStride(cType) ||
          (isa<linalg::MatmulTransposeBOp, linalg::BatchMatmulTransposeBOp>(
               op) &&
           !hasUnitInnerStride(aType)) ||
          !aType.hasStaticShape() || !bType.hasStaticShape() ||
          !cType.hasStaticShape()) {
        continue;
      }
      OpBuilder b(op);
      bool batched =
          isa<linalg::BatchMatmulOp, linalg::BatchMatmulTransposeBOp>(op);
      bool transposedB =
          isa<linalg::MatmulTransposeBOp, linalg::BatchMatmulTransposeBOp>(op);
      MatmulEmitter emitter(b, op.getLoc(), a, bm, c, batched, t);
      // A large unbatched B^T is worth transposing into the panels.
      emitter.bTransposed = transposedB && !batched && emitter.packsB() &&
                            cType.getDimSize(1) % tileN == 0 &&
                            aType.getDimSize(1) >= kMinPackedTransposedK;
      if (transposedB && !emitter.bTransposed) {
        DotEmitter(b, op.getLoc(), a, bm, c, batched, t).emit();
      } else {
        emitter.symbols = &symbols;
        if (!batched) {
          emitter.epilogue =
              findEpilogue(op, c, cType.getDimSize(0), cType.getDimSize(1));
        }
        if (emitter.epilogue) {
          // The allocations and views between the matmul and its epilogue
          // (its output buffer among them) move up: the kernel writes it.
          while (op->getNextNode() != emitter.epilogue->op.getOperation()) {
            op->getNextNode()->moveBefore(op);
          }
          b.setInsertionPoint(op);
        }
        emitter.emit();
        if (emitter.epilogue) {
          emitter.epilogue->op->erase();
        }
      }
      op->erase();
    }
  }
};

} // namespace
} // namespace sinter
