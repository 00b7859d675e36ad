//===- MapKernels.cpp - Each top-level loop nest becomes a gpu.launch -----===//
//
// After bufferization the entry function is a sequence of kernels on
// memrefs: linalg generics (elementwise chains and loop fusions, row
// reductions), matmuls, and the `scf.forall` over rows of each reduction
// fusion. Each becomes one `gpu.launch`:
//
//  - an all-parallel generic: one thread per point of its iteration space,
//    the innermost loop varying fastest across a warp, so the output (and
//    every input with the same layout) is read and written coalesced;
//  - a generic with reductions: one block per output point, each thread
//    accumulating a strided slice of the reduction, then a block reduction
//    (warp shuffles, one partial per warp through shared memory). Bodies
//    that are not a single combiner (or reductions too short to share) run
//    one thread per output point instead;
//  - a row-tiled reduction fusion (`scf.forall` over rows): one block per
//    row; inside, every generic of the row runs on the whole block (the
//    same two strategies), with a barrier after each, and the per-row
//    buffers (the row max and sum) live in shared memory;
//  - a matmul: MatmulKernel.cpp, with the elementwise epilogue that follows
//    it applied in the same kernel, and a zero fill of its C folded into it
//    (foldZeroFills).
//
// Buffers, views and constants stay outside the launches; the outliner
// sinks what a kernel needs into it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/LinalgToGPU/KernelBuilder.h"
#include "compiler/Conversion/LinalgToGPU/MatmulKernel.h"
#include "compiler/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"

#define DEBUG_TYPE "sinter-gpu-map-kernels"

namespace sinter {

#define GEN_PASS_DEF_GPUMAPKERNELSPASS
#include "compiler/Conversion/Passes.h.inc"

using namespace gpu_kernel;

namespace {

/// Reductions at least this long are shared by a block's threads; shorter
/// ones run one thread per output.
constexpr int64_t kMinCooperativeReduction = 128;
/// Within a row kernel, a reduction with at most this many outputs is
/// reduced by the whole block one output at a time.
constexpr int64_t kMaxCooperativeOutputs = 16;
constexpr int64_t kMaxGridX = (int64_t(1) << 31) - 1;

int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v) {
    p *= x;
  }
  return p;
}

/// The extents of a generic's parallel and reduction loops.
struct LoopSplit {
  SmallVector<int64_t> all, parallel, reduction;
};

FailureOr<LoopSplit> splitLoops(linalg::GenericOp op) {
  LoopSplit s;
  s.all = op.getStaticLoopRanges();
  for (auto [extent, it] : llvm::zip(s.all, op.getIteratorTypesArray())) {
    if (ShapedType::isDynamic(extent)) {
      return op.emitError("a GPU kernel needs static loop bounds");
    }
    (it == utils::IteratorType::parallel ? s.parallel : s.reduction)
        .push_back(extent);
  }
  return s;
}

/// Loop indices from a parallel point and a reduction point.
SmallVector<Value> mergeIvs(linalg::GenericOp op, ValueRange parallel,
                            ValueRange reduction) {
  SmallVector<Value> ivs;
  size_t p = 0, r = 0;
  for (utils::IteratorType it : op.getIteratorTypesArray()) {
    ivs.push_back(it == utils::IteratorType::parallel ? parallel[p++]
                                                      : reduction[r++]);
  }
  return ivs;
}

//===----------------------------------------------------------------------===//
// The strategies, each emitted at the builder's position inside a launch.
//===----------------------------------------------------------------------===//

/// Threads [first, first + stride, ...) each compute whole output points,
/// running their reductions sequentially.
void emitThreadPerOutput(OpBuilder &b, Location loc, linalg::GenericOp op,
                         const LoopSplit &loops, Value first, int64_t stride) {
  int64_t outputs = product(loops.parallel);
  stridedLoop(
      b, loc, first, outputs, stride, {},
      [&](OpBuilder &t, Location l, Value point, ValueRange) {
        SmallVector<Value> p = delinearize(t, l, point, loops.parallel);
        if (loops.reduction.empty()) {
          SmallVector<Value> ivs = mergeIvs(op, p, {});
          storeOutputs(t, l, op, ivs, emitBody(t, l, op, ivs));
          return SmallVector<Value>{};
        }
        SmallVector<Value> zeros(loops.reduction.size(),
                                 indexConstant(t, l, 0));
        SmallVector<Value> initIvs = mergeIvs(op, p, zeros);
        SmallVector<Value> accs;
        for (OpOperand &out : op.getDpsInitsMutable()) {
          accs.push_back(t.create<memref::LoadOp>(
              l, out.get(),
              applyIndexingMap(t, l, op.getMatchingIndexingMap(&out),
                               initIvs)));
        }
        SmallVector<Value> result = stridedLoop(
            t, l, indexConstant(t, l, 0), product(loops.reduction), 1, accs,
            [&](OpBuilder &u, Location ul, Value r, ValueRange iter) {
              SmallVector<Value> ivs =
                  mergeIvs(op, p, delinearize(u, ul, r, loops.reduction));
              return emitBody(u, ul, op, ivs, iter);
            });
        storeOutputs(t, l, op, initIvs, result);
        return SmallVector<Value>{};
      });
}

/// The block reduces the output point `point` together: thread `tid`
/// accumulates reduction points tid, tid + blockSize, ...; the partials are
/// combined across the block and thread 0 adds the total to the output.
void emitBlockReduction(OpBuilder &b, Location loc, linalg::GenericOp op,
                        const LoopSplit &loops, ArrayRef<Combiner> combiners,
                        Value point, Value tid, ArrayRef<Value> scratch) {
  SmallVector<Value> p = delinearize(b, loc, point, loops.parallel);
  SmallVector<Value> partials;
  for (const Combiner &c : combiners) {
    partials.push_back(b.create<arith::ConstantOp>(loc, c.neutral));
  }
  partials =
      stridedLoop(b, loc, tid, product(loops.reduction), kBlockSize, partials,
                  [&](OpBuilder &t, Location l, Value r, ValueRange iter) {
                    SmallVector<Value> ivs =
                        mergeIvs(op, p, delinearize(t, l, r, loops.reduction));
                    return emitBody(t, l, op, ivs, iter);
                  });
  SmallVector<Value> totals;
  for (auto [i, c] : llvm::enumerate(combiners)) {
    totals.push_back(
        blockReduce(b, loc, partials[i], c, tid, kBlockSize, scratch[i]));
  }
  Value isFirst = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid,
                                          indexConstant(b, loc, 0));
  b.create<scf::IfOp>(loc, isFirst, [&](OpBuilder &t, Location l) {
    SmallVector<Value> zeros(loops.reduction.size(), indexConstant(t, l, 0));
    SmallVector<Value> ivs = mergeIvs(op, p, zeros);
    SmallVector<Value> results;
    for (auto [i, out] : llvm::enumerate(op.getDpsInitsMutable())) {
      Value init = t.create<memref::LoadOp>(
          l, out.get(),
          applyIndexingMap(t, l, op.getMatchingIndexingMap(&out), ivs));
      results.push_back(combine(t, l, combiners[i].op, init, totals[i]));
    }
    storeOutputs(t, l, op, ivs, results);
    t.create<scf::YieldOp>(l);
  });
}

/// Shared scratch for the block reductions of `op`: one buffer of a
/// partial per warp for each output.
SmallVector<Type> scratchTypes(ArrayRef<Combiner> combiners) {
  SmallVector<Type> types;
  for (const Combiner &c : combiners) {
    types.push_back(sharedMemRefType({kBlockSize / kWarpSize},
                                     c.op->getResult(0).getType()));
  }
  return types;
}

//===----------------------------------------------------------------------===//
// Top-level generics
//===----------------------------------------------------------------------===//

LogicalResult mapGeneric(linalg::GenericOp op) {
  FailureOr<LoopSplit> loops = splitLoops(op);
  if (failed(loops)) {
    return failure();
  }
  Location loc = op.getLoc();
  OpBuilder b(op);
  int64_t outputs = product(loops->parallel);
  int64_t reduction = product(loops->reduction);
  if (outputs == 0) {
    op.erase();
    return success();
  }
  SmallVector<Combiner> combiners;
  if (!loops->reduction.empty() && reduction >= kMinCooperativeReduction) {
    combiners = matchCombiners(op);
  }
  if (!combiners.empty()) {
    if (outputs > kMaxGridX) {
      return op.emitError("too many outputs for one block each: ") << outputs;
    }
    gpu::LaunchOp launch =
        createLaunch(b, loc, "reduction", {outputs, 1, 1}, {kBlockSize, 1, 1},
                     scratchTypes(combiners));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    SmallVector<Value> scratch(launch.getWorkgroupAttributions());
    emitBlockReduction(b, loc, op, *loops, combiners, launch.getBlockIds().x,
                       launch.getThreadIds().x, scratch);
  } else {
    int64_t blocks = llvm::divideCeil(outputs, kBlockSize);
    if (blocks > kMaxGridX) {
      return op.emitError("too many elements for one GPU grid: ") << outputs;
    }
    gpu::LaunchOp launch =
        createLaunch(b, loc, "elementwise", {blocks, 1, 1}, {kBlockSize, 1, 1});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value first = b.create<arith::AddIOp>(
        loc, launch.getThreadIds().x,
        b.create<arith::MulIOp>(loc, launch.getBlockIds().x,
                                indexConstant(b, loc, kBlockSize)));
    // Each thread computes at most one point: the loop has one trip or none.
    emitThreadPerOutput(b, loc, op, *loops, first, blocks * kBlockSize);
  }
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Row kernels: scf.forall over rows, one block per iteration
//===----------------------------------------------------------------------===//

/// A view of a shared buffer is in shared memory too: cloned view ops get
/// their source's memory space.
void propagateMemorySpace(Operation *op) {
  auto view = dyn_cast<ViewLikeOpInterface>(op);
  if (!view || op->getNumResults() != 1) {
    return;
  }
  auto source = dyn_cast<MemRefType>(view.getViewSource().getType());
  auto result = dyn_cast<MemRefType>(op->getResult(0).getType());
  if (source && result && source.getMemorySpace() != result.getMemorySpace()) {
    op->getResult(0).setType(
        MemRefType::Builder(result).setMemorySpace(source.getMemorySpace()));
  }
}

LogicalResult mapForall(scf::ForallOp forall) {
  if (!forall.getOutputs().empty()) {
    return forall.emitError("a row kernel must be bufferized first");
  }
  ArrayRef<int64_t> lbArray = forall.getStaticLowerBound();
  ArrayRef<int64_t> ubArray = forall.getStaticUpperBound();
  ArrayRef<int64_t> stepArray = forall.getStaticStep();
  for (ArrayRef<int64_t> list : {lbArray, ubArray, stepArray}) {
    if (llvm::any_of(list, ShapedType::isDynamic)) {
      return forall.emitError("a GPU row kernel needs static bounds");
    }
  }
  auto lbs = &lbArray, steps = &stepArray;
  SmallVector<int64_t> trips;
  for (auto [lb, ub, step] : llvm::zip(lbArray, ubArray, stepArray)) {
    trips.push_back(ub > lb ? llvm::divideCeil(ub - lb, step) : 0);
  }
  int64_t rows = product(trips);
  if (rows == 0) {
    forall.erase();
    return success();
  }
  if (rows > kMaxGridX) {
    return forall.emitError("too many rows for one block each: ") << rows;
  }

  // Shared memory: the row buffers, and scratch for each block reduction.
  Block &body = *forall.getBody();
  SmallVector<Type> shared;
  SmallVector<memref::AllocOp> allocs;
  for (Operation &op : body) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      if (!alloc.getType().hasStaticShape()) {
        return alloc.emitError("a row buffer must have a static shape");
      }
      allocs.push_back(alloc);
      shared.push_back(sharedMemRefType(alloc.getType().getShape(),
                                        alloc.getType().getElementType()));
    }
  }
  for (Operation &op : body) {
    if (auto g = dyn_cast<linalg::GenericOp>(op)) {
      llvm::append_range(shared, scratchTypes(matchCombiners(g)));
    }
  }
  int64_t sharedBytes = 0;
  for (Type t : shared) {
    sharedBytes += byteSize(cast<MemRefType>(t));
  }
  if (sharedBytes > kSharedMemoryBudget) {
    return forall.emitError("the row buffers of this fusion need ")
           << sharedBytes << " bytes of shared memory; the budget is "
           << kSharedMemoryBudget;
  }

  Location loc = forall.getLoc();
  OpBuilder b(forall);
  gpu::LaunchOp launch =
      createLaunch(b, loc, "rows", {rows, 1, 1}, {kBlockSize, 1, 1}, shared);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value tid = launch.getThreadIds().x;
  SmallVector<Value> ivs = delinearize(b, loc, launch.getBlockIds().x, trips);
  IRMapping map;
  for (auto [iv, idx, lb, step] :
       llvm::zip(forall.getInductionVars(), ivs, *lbs, *steps)) {
    Value v = idx;
    if (step != 1) {
      v = b.create<arith::MulIOp>(loc, v, indexConstant(b, loc, step));
    }
    if (lb != 0) {
      v = b.create<arith::AddIOp>(loc, v, indexConstant(b, loc, lb));
    }
    map.map(iv, v);
  }
  auto attributions = launch.getWorkgroupAttributions();
  for (auto [alloc, buffer] : llvm::zip(allocs, attributions)) {
    map.map(alloc.getResult(), buffer);
  }
  size_t nextScratch = allocs.size();

  for (Operation &op : body.without_terminator()) {
    if (isa<memref::AllocOp>(op)) {
      continue;
    }
    auto g = dyn_cast<linalg::GenericOp>(op);
    if (!g) {
      if (!isMemoryEffectFree(&op) && !isa<ViewLikeOpInterface>(op)) {
        return op.emitError("cannot run this op in a GPU row kernel");
      }
      Operation *clone = b.clone(op, map);
      propagateMemorySpace(clone);
      continue;
    }
    auto cloned = cast<linalg::GenericOp>(b.clone(op, map));
    FailureOr<LoopSplit> loops = splitLoops(cloned);
    if (failed(loops)) {
      return failure();
    }
    SmallVector<Combiner> combiners = matchCombiners(cloned);
    int64_t outputs = product(loops->parallel);
    int64_t reduction = product(loops->reduction);
    if (!loops->reduction.empty() && !combiners.empty() &&
        outputs <= kMaxCooperativeOutputs && reduction >= kWarpSize) {
      SmallVector<Value> scratch;
      for (size_t i = 0; i < combiners.size(); ++i) {
        scratch.push_back(attributions[nextScratch + i]);
      }
      stridedLoop(b, loc, indexConstant(b, loc, 0), outputs, 1, {},
                  [&](OpBuilder &t, Location l, Value point, ValueRange) {
                    emitBlockReduction(t, l, cloned, *loops, combiners, point,
                                       tid, scratch);
                    return SmallVector<Value>{};
                  });
    } else {
      emitThreadPerOutput(b, loc, cloned, *loops, tid, kBlockSize);
    }
    nextScratch += combiners.size();
    // The next op of the row reads what this one wrote.
    b.create<gpu::BarrierOp>(loc);
    cloned.erase();
  }
  forall.erase();
  return success();
}

bool isMatmulLike(Operation *op) {
  return isa<linalg::MatmulOp, linalg::MatmulTransposeBOp,
             linalg::BatchMatmulOp, linalg::BatchMatmulTransposeBOp>(op);
}

/// A matmul the tiled kernel takes (float operands).
bool isTiledMatmul(Operation *op) {
  return isMatmulLike(op) && llvm::all_of(op->getOperandTypes(), [](Type t) {
           return isTiledMatmulType(cast<MemRefType>(t));
         });
}

/// Copies and named ops other than tiled matmuls become generics.
LogicalResult generalize(func::FuncOp fn) {
  SmallVector<memref::CopyOp> copies;
  fn.walk([&](memref::CopyOp op) { copies.push_back(op); });
  for (memref::CopyOp op : copies) {
    // Bufferization copies a row tile onto the output slice it already is.
    if (op.getSource() == op.getTarget()) {
      op.erase();
      continue;
    }
    OpBuilder b(op);
    linalg::makeMemRefCopyOp(b, op.getLoc(), op.getSource(), op.getTarget());
    op.erase();
  }
  SmallVector<linalg::LinalgOp> named;
  fn.walk([&](linalg::LinalgOp op) {
    if (!isa<linalg::GenericOp>(op) && !isTiledMatmul(op)) {
      named.push_back(op);
    }
  });
  IRRewriter rewriter(fn.getContext());
  for (linalg::LinalgOp op : named) {
    rewriter.setInsertionPoint(op);
    if (failed(linalg::generalizeNamedOp(rewriter, op))) {
      return op->emitError("cannot write this op as a linalg.generic");
    }
  }
  return success();
}

/// A generic that sets every element of its one output to a constant zero.
bool isZeroFill(linalg::GenericOp g) {
  if (g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 0 ||
      !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity()) {
    return false;
  }
  Value yielded = g.getBody()->getTerminator()->getOperand(0);
  if (auto arg = dyn_cast<BlockArgument>(yielded)) {
    if (arg.getOwner() != g.getBody() ||
        arg.getArgNumber() >= g.getNumDpsInputs()) {
      return false;
    }
    yielded = g.getDpsInputOperand(arg.getArgNumber())->get();
  }
  return matchPattern(yielded, m_AnyZeroFloat());
}

/// A generic that copies its one input to its one output, element for
/// element.
bool isCopy(linalg::GenericOp g) {
  if (g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumReductionLoops() != 0 ||
      !llvm::all_of(g.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); })) {
    return false;
  }
  Value yielded = g.getBody()->getTerminator()->getOperand(0);
  return yielded == g.getBody()->getArgument(0);
}

/// The buffer `v` is a view of (before the workspace plan, distinct roots
/// are distinct memory).
Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>()) {
    v = view.getViewSource();
  }
  return v;
}

/// Whether `op` reads or writes any view of `root`.
bool touches(Operation *op, Value root) {
  llvm::SetVector<Value> used(op->getOperands().begin(),
                              op->getOperands().end());
  for (Region &region : op->getRegions()) {
    getUsedValuesDefinedAbove(region, used);
  }
  return llvm::any_of(used, [&](Value v) {
    return isa<MemRefType>(v.getType()) && rootBuffer(v) == root;
  });
}

/// A matmul after the zero fill of its C (nothing in between touches C)
/// overwrites C instead of adding to it: the fill kernel goes.
/// Bufferization sometimes fills a buffer and copies it into C: the copy
/// goes then, and the fill too when nothing else reads its buffer (it may
/// stay zero for a later matmul that accumulates into it).
void foldZeroFills(func::FuncOp fn) {
  // Buffers known to hold zeros, by the value the fill or copy wrote.
  llvm::MapVector<Value, linalg::GenericOp> fills;
  struct Copy {
    linalg::GenericOp copy, fill;
  };
  llvm::MapVector<Value, Copy> copies;
  auto forget = [&](Operation *op) {
    fills.remove_if(
        [&](auto &entry) { return touches(op, rootBuffer(entry.first)); });
    copies.remove_if(
        [&](auto &entry) { return touches(op, rootBuffer(entry.first)); });
  };
  for (Operation &op : llvm::make_early_inc_range(fn.getBody().front())) {
    if (isTiledMatmul(&op)) {
      auto matmul = cast<linalg::LinalgOp>(op);
      Value c = matmul.getDpsInitOperand(0)->get();
      auto lhs = cast<MemRefType>(op.getOperand(0).getType());
      // With K = 0 the fill is all the matmul's result.
      bool emptyK = lhs.getShape().back() == 0;
      auto copy = copies.find(c);
      auto fill = fills.find(c);
      if (!emptyK && copy != copies.end()) {
        op.setAttr(kOverwriteAttr, UnitAttr::get(op.getContext()));
        linalg::GenericOp source = copy->second.fill;
        copy->second.copy.erase();
        copies.erase(copy);
        Value filled = source.getDpsInitOperand(0)->get();
        if (llvm::all_of(filled.getUsers(),
                         [&](Operation *u) { return u == source; })) {
          fills.erase(filled);
          source.erase();
        }
      } else if (!emptyK && fill != fills.end()) {
        op.setAttr(kOverwriteAttr, UnitAttr::get(op.getContext()));
        fill->second.erase();
        fills.erase(fill);
      }
      forget(&op);
      continue;
    }
    auto g = dyn_cast<linalg::GenericOp>(op);
    if (g && isZeroFill(g)) {
      forget(&op);
      fills[g.getDpsInitOperand(0)->get()] = g;
      continue;
    }
    if (g && isCopy(g) && fills.count(g.getDpsInputOperand(0)->get())) {
      linalg::GenericOp source = fills[g.getDpsInputOperand(0)->get()];
      Value target = g.getDpsInitOperand(0)->get();
      forget(&op); // the copy's target changes; its source does not
      fills[source.getDpsInitOperand(0)->get()] = source;
      copies[target] = {g, source};
      continue;
    }
    if (!isMemoryEffectFree(&op) &&
        !isa<ViewLikeOpInterface, memref::AllocOp>(op)) {
      forget(&op);
    }
  }
}

struct GPUMapKernelsPass : impl::GPUMapKernelsPassBase<GPUMapKernelsPass> {
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal()) {
        continue;
      }
      if (failed(generalize(fn))) {
        return signalPassFailure();
      }
      foldZeroFills(fn);
      // A fused epilogue is erased with its matmul: walk a snapshot.
      llvm::DenseSet<Operation *> fused;
      for (Operation *opPtr :
           llvm::to_vector(llvm::make_pointer_range(fn.getBody().front()))) {
        if (fused.contains(opPtr)) {
          continue;
        }
        Operation &op = *opPtr;
        LogicalResult r = success();
        if (auto g = dyn_cast<linalg::GenericOp>(op)) {
          r = mapGeneric(g);
        } else if (isTiledMatmul(&op)) {
          auto matmul = cast<linalg::LinalgOp>(op);
          std::optional<MatmulEpilogue> epilogue = findFusableEpilogue(matmul);
          if (epilogue) {
            fused.insert(epilogue->op);
          }
          r = mapMatmulToGPU(matmul, epilogue);
        } else if (auto forall = dyn_cast<scf::ForallOp>(op)) {
          r = mapForall(forall);
        } else if (isa<gpu::LaunchOp, func::ReturnOp, memref::AllocOp,
                       memref::DeallocOp, ViewLikeOpInterface>(op) ||
                   isMemoryEffectFree(&op)) {
          continue;
        } else {
          r = op.emitError("no GPU kernel for this op");
        }
        if (failed(r)) {
          return signalPassFailure();
        }
      }
      // Buffers and views only a fused epilogue's C used.
      for (Operation &op :
           llvm::make_early_inc_range(llvm::reverse(fn.getBody().front()))) {
        if (op.use_empty() && isa<memref::AllocOp, memref::ExpandShapeOp,
                                  memref::CollapseShapeOp>(op)) {
          op.erase();
        }
      }
    }
  }
};

} // namespace
} // namespace sinter
