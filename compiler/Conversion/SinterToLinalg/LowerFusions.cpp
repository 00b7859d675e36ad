//===- LowerFusions.cpp - Each sinter.fusion region becomes one loop nest -===//
//
// sinter-lower-fusions. By the time it runs, the ops inside a fusion region
// have been converted to linalg on tensors like any other op. What makes the
// region one kernel:
//  1. every linalg op of the region other than a matmul is written as a
//     `linalg.generic`, and producer generics are fused into their
//     consumers (linalg's elementwise fusion, reshapes propagated through):
//     an elementwise chain with its broadcasts and transposes becomes one
//     generic, a softmax or a norm one generic per reduction plus one for
//     the output, each recomputing its cheap elementwise producers instead
//     of reading them from a buffer;
//  2. a reduction fusion is then tiled along its rows (every parallel loop
//     outside the reduced row gets tile size 1) with its producers fused
//     into the tile loop: the reductions and the output of one row are
//     computed one after the other while the row is in cache, and the only
//     intermediates are per-row scalars; before that, with `reciprocal`,
//     `x / r` with r constant along the row becomes `x * (1 / r)`;
//     sibling (multi-output) loop fusions are merged into one generic with
//     a result per sibling, reading their common inputs once;
//  3. in an epilogue fusion the generic that consumes the matmul is marked
//     `sinter.matmul_epilogue`, for the matmul kernel to apply it to its
//     accumulators;
//  4. the region is inlined into its parent.
// Numerics: fusion moves values into registers, and a recomputed producer
// gives bitwise the value it would have stored. The reciprocal rewrite is
// the one change of formula: two roundings instead of one, at most about
// 1.5 ulp apart (the pass's description).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-lower-fusions"

namespace sinter {

#define GEN_PASS_DEF_LOWERFUSIONSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

/// A generic whose body calls a transcendental function: recomputing it in
/// every consumer would cost more than reading it back from a tile buffer.
bool isExpensive(Operation *op) {
  bool expensive = false;
  op->walk([&](Operation *inner) {
    expensive |=
        isa<math::ExpOp, math::Exp2Op, math::ExpM1Op, math::LogOp,
            math::Log1pOp, math::TanhOp, math::ErfOp, math::PowFOp>(inner);
  });
  return expensive;
}

bool isMatmulLike(Operation *op) {
  return isa<linalg::MatmulOp, linalg::MatmulTransposeBOp,
             linalg::BatchMatmulOp, linalg::BatchMatmulTransposeBOp>(op);
}

/// Step 1: generics everywhere but matmuls, then elementwise fusion.
LogicalResult fuseGenerics(FusionOp fusion, bool rowBuffers) {
  MLIRContext *ctx = fusion.getContext();
  Region &region = fusion.getBody();
  {
    IRRewriter rewriter(ctx);
    SmallVector<linalg::LinalgOp> named;
    region.walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp, linalg::FillOp>(op) && !isMatmulLike(op)) {
        named.push_back(op);
      }
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        return op->emitError("cannot write this op as a linalg.generic");
      }
    }
  }
  RewritePatternSet patterns(ctx);
  // An expensive producer read by several consumers (the exps of a
  // softmax, read by the row sum and by the output) is computed once: in a
  // reduction fusion it becomes a per-row buffer in cache, unless
  // `rowBuffers` is off (then every consumer recomputes it).
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [rowBuffers](OpOperand *operand) {
        Operation *producer = operand->get().getDefiningOp();
        if (!producer || isMatmulLike(producer)) {
          return false;
        }
        bool shared = !operand->get().hasOneUse();
        return !rowBuffers || !(shared && isExpensive(producer));
      });
  linalg::populateFoldReshapeOpsByExpansionPatterns(
      patterns, [](OpOperand *operand) {
        Operation *producer = operand->get().getDefiningOp();
        return !producer || !isMatmulLike(producer);
      });
  linalg::populateEraseUnnecessaryInputsPatterns(patterns);
  linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
  tensor::populateFoldTensorEmptyPatterns(patterns);
  if (failed(applyPatternsAndFoldGreedily(region, std::move(patterns)))) {
    return fusion.emitError("fusing the generics of a fusion did not "
                            "converge");
  }
  return success();
}

/// Sibling (multi-output) fusion: independent all-parallel generics that
/// produce the region's results over one iteration domain become one
/// generic with several results, so their common inputs are read once.
void mergeSiblings(FusionOp fusion) {
  auto yield = cast<YieldOp>(fusion.getBody().front().getTerminator());
  SmallVector<linalg::GenericOp> roots;
  for (Value v : yield.getValues()) {
    auto g = v.getDefiningOp<linalg::GenericOp>();
    if (!g || g.getNumDpsInits() != 1 || g.getNumReductionLoops() != 0 ||
        !g.getMatchingIndexingMap(g.getDpsInitOperand(0)).isIdentity() ||
        llvm::is_contained(roots, g)) {
      return;
    }
    roots.push_back(g);
  }
  if (roots.size() < 2) {
    return;
  }
  SmallVector<int64_t> domain = roots[0].getStaticLoopRanges();
  for (linalg::GenericOp g : roots) {
    if (g.getStaticLoopRanges() != domain) {
      return;
    }
    for (linalg::GenericOp other : roots) {
      for (Value in : g.getDpsInputs()) {
        if (in.getDefiningOp() == other.getOperation()) {
          return; // one feeds the other: not siblings
        }
      }
    }
  }
  // Inputs are deduplicated: a value read by several siblings is one
  // operand (one read per element) of the merged generic.
  SmallVector<Value> inputs, inits;
  SmallVector<AffineMap> inputMaps, initMaps;
  llvm::DenseMap<std::pair<Value, AffineMap>, unsigned> inputIndex;
  for (linalg::GenericOp g : roots) {
    for (OpOperand *in : g.getDpsInputOperands()) {
      auto key = std::make_pair(in->get(), g.getMatchingIndexingMap(in));
      if (inputIndex.try_emplace(key, inputs.size()).second) {
        inputs.push_back(in->get());
        inputMaps.push_back(key.second);
      }
    }
    inits.push_back(g.getDpsInits()[0]);
    initMaps.push_back(g.getMatchingIndexingMap(g.getDpsInitOperand(0)));
  }
  SmallVector<AffineMap> maps(inputMaps);
  maps.append(initMaps);
  SmallVector<Type> resultTypes;
  for (linalg::GenericOp g : roots) {
    resultTypes.push_back(g.getResult(0).getType());
  }
  OpBuilder b(yield);
  auto merged =
      b.create<linalg::GenericOp>(fusion.getLoc(), resultTypes, inputs, inits,
                                  maps, roots[0].getIteratorTypesArray());
  Block *body = b.createBlock(&merged.getRegion());
  for (Value in : inputs) {
    body->addArgument(getElementTypeOrSelf(in.getType()), in.getLoc());
  }
  for (Value init : inits) {
    body->addArgument(getElementTypeOrSelf(init.getType()), init.getLoc());
  }
  SmallVector<Value> yielded;
  for (auto [r, g] : llvm::enumerate(roots)) {
    Block &old = g.getRegion().front();
    IRMapping map;
    for (OpOperand *in : g.getDpsInputOperands()) {
      auto key = std::make_pair(in->get(), g.getMatchingIndexingMap(in));
      map.map(old.getArgument(in->getOperandNumber()),
              body->getArgument(inputIndex.lookup(key)));
    }
    map.map(old.getArgument(g.getNumDpsInputs()),
            body->getArgument(inputs.size() + r));
    for (Operation &op : old.without_terminator()) {
      b.clone(op, map);
    }
    yielded.push_back(map.lookupOrDefault(
        cast<linalg::YieldOp>(old.getTerminator()).getOperand(0)));
  }
  b.create<linalg::YieldOp>(fusion.getLoc(), yielded);
  for (auto [r, g] : llvm::enumerate(roots)) {
    g.getResult(0).replaceAllUsesWith(merged.getResult(r));
    g.erase();
  }
}

/// In a reduction fusion, `x / r` where r is constant along the row (a row
/// sum, a norm's deviation) becomes `x * (1 / r)`: the reciprocal is
/// loop-invariant in the row loop, so LLVM hoists it and the row costs one
/// division instead of one per element (at most about 1.5 ulp of
/// difference, within the reduction kind's contract).
void divideByReciprocal(FusionOp fusion) {
  fusion.getBody().walk([&](linalg::GenericOp g) {
    Block &body = g.getRegion().front();
    int64_t loops = g.getNumLoops();
    for (Operation &op : llvm::make_early_inc_range(body)) {
      auto div = dyn_cast<arith::DivFOp>(op);
      if (!div) {
        continue;
      }
      auto arg = dyn_cast<BlockArgument>(div.getRhs());
      if (!arg || arg.getOwner() != &body ||
          arg.getArgNumber() >= g.getNumDpsInputs()) {
        continue;
      }
      AffineMap map =
          g.getMatchingIndexingMap(g.getDpsInputOperand(arg.getArgNumber()));
      // Constant along the innermost loop: the map does not use it.
      if (map.isFunctionOfDim(loops - 1)) {
        continue;
      }
      OpBuilder b(div);
      Value one = b.create<arith::ConstantOp>(
          div.getLoc(), b.getFloatAttr(div.getType(), 1.0));
      Value inv = b.create<arith::DivFOp>(div.getLoc(), one, div.getRhs());
      Value mul = b.create<arith::MulFOp>(div.getLoc(), div.getLhs(), inv);
      div.replaceAllUsesWith(mul);
      div.erase();
    }
  });
}

/// The op producing the fusion's first result.
TilingInterface rootOf(FusionOp fusion) {
  auto yield = cast<YieldOp>(fusion.getBody().front().getTerminator());
  if (yield.getNumOperands() == 0) {
    return nullptr;
  }
  return yield.getOperand(0).getDefiningOp<TilingInterface>();
}

/// Step 2: one tile per row. Rows are what the fusion's reductions reduce:
/// the trailing `rowRank` loops of an all-parallel root, or the reduction
/// loops of a reduction root.
LogicalResult tileRows(FusionOp fusion) {
  TilingInterface root = rootOf(fusion);
  if (!root || !isa<linalg::GenericOp>(root.getOperation())) {
    return success(); // nothing to tile: leave the ops as they are
  }
  auto generic = cast<linalg::GenericOp>(root.getOperation());
  int64_t rowRank = 0;
  fusion.getBody().walk([&](linalg::GenericOp g) {
    rowRank = std::max<int64_t>(rowRank, g.getNumReductionLoops());
  });
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  int64_t loops = iterators.size();
  bool hasReduction = generic.getNumReductionLoops() > 0;
  SmallVector<OpFoldResult> tileSizes;
  OpBuilder b(fusion.getContext());
  int64_t tiled = 0;
  for (int64_t i = 0; i < loops; ++i) {
    bool inRow = hasReduction ? iterators[i] == utils::IteratorType::reduction
                              : i >= loops - rowRank;
    tileSizes.push_back(b.getIndexAttr(inRow ? 0 : 1));
    tiled += inRow ? 0 : 1;
  }
  if (tiled == 0) {
    return success(); // one row: the fusion is already one loop nest
  }
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(tileSizes);
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  IRRewriter rewriter(fusion.getContext());
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, root, options);
  if (failed(result)) {
    return root->emitError("cannot tile this reduction fusion by rows");
  }
  for (OpResult r : root->getResults()) {
    auto it = result->replacements.find(r);
    if (it != result->replacements.end()) {
      rewriter.replaceAllUsesWith(r, it->second);
    }
  }
  // Producers that were fused into the loop are dead outside it now.
  RewritePatternSet cleanup(fusion.getContext());
  tensor::populateFoldTensorEmptyPatterns(cleanup);
  return applyPatternsAndFoldGreedily(fusion.getBody(), std::move(cleanup));
}

/// Step 3: marks the generic that reads the matmul's result, directly or
/// through reshapes (a [B, S, K] x [K, N] matmul is a 2-D matmul whose
/// result is expanded back).
void markEpilogue(FusionOp fusion) {
  fusion.getBody().walk([&](Operation *op) {
    if (!isMatmulLike(op)) {
      return;
    }
    Value v = op->getResult(0);
    while (v.hasOneUse() && isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
                                *v.getUsers().begin())) {
      v = v.getUsers().begin()->getResult(0);
    }
    if (!v.hasOneUse()) {
      return;
    }
    auto consumer = dyn_cast<linalg::GenericOp>(*v.getUsers().begin());
    if (consumer && consumer.getNumReductionLoops() == 0) {
      consumer->setAttr("sinter.matmul_epilogue",
                        UnitAttr::get(op->getContext()));
    }
  });
}

} // namespace

void inlineFusion(FusionOp fusion) {
  Block &body = fusion.getBody().front();
  auto yield = cast<YieldOp>(body.getTerminator());
  for (auto [arg, input] : llvm::zip(body.getArguments(), fusion.getInputs())) {
    arg.replaceAllUsesWith(input);
  }
  for (auto [result, value] :
       llvm::zip(fusion.getResults(), yield.getValues())) {
    result.replaceAllUsesWith(value);
  }
  yield.erase();
  fusion->getBlock()->getOperations().splice(Block::iterator(fusion),
                                             body.getOperations());
  fusion.erase();
}

namespace {

struct LowerFusionsPass : impl::LowerFusionsPassBase<LowerFusionsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<FusionOp> fusions;
    getOperation().walk([&](FusionOp f) { fusions.push_back(f); });
    for (FusionOp fusion : fusions) {
      if (failed(lower(fusion))) {
        return signalPassFailure();
      }
    }
  }

  LogicalResult lower(FusionOp fusion) {
    FusionKind kind = fusion.getKind();
    if (kind != FusionKind::attention &&
        failed(fuseGenerics(fusion, rowBuffers))) {
      return failure();
    }
    if (kind == FusionKind::loop) {
      mergeSiblings(fusion);
    }
    if (kind == FusionKind::reduction) {
      if (reciprocal) {
        divideByReciprocal(fusion);
      }
      if (failed(tileRows(fusion))) {
        return failure();
      }
    }
    if (kind == FusionKind::epilogue) {
      markEpilogue(fusion);
    }
    inlineFusion(fusion);
    return success();
  }
};

} // namespace
} // namespace sinter
