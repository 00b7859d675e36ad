//===- Shape.cpp - Lower sinter shape ops and constants to linalg/tensor -===//
//
// Data movement lowers to the tensor ops bufferization understands best:
// reshape to collapse/expand (views, no copy), slice to extract_slice,
// concatenate to insert_slice chains, transpose to linalg.transpose and
// broadcast_in_dim to a generic whose input map drops the broadcast
// dimensions. gather clamps its indices, as the dialect defines, so a bad
// token id cannot read outside the table.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace sinter {
namespace {

struct BroadcastInDimToGeneric : OpConversionPattern<BroadcastInDimOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastInDimOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    auto operandType = cast<RankedTensorType>(op.getOperand().getType());
    int64_t rank = resultType.getRank();
    SmallVector<AffineExpr> exprs;
    for (auto [k, d] : llvm::enumerate(op.getBroadcastDimensions())) {
      if (operandType.getDimSize(k) == 1 && resultType.getDimSize(d) != 1) {
        exprs.push_back(rewriter.getAffineConstantExpr(0));
      } else {
        exprs.push_back(rewriter.getAffineDimExpr(d));
      }
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, exprs, rewriter.getContext()),
        rewriter.getMultiDimIdentityMap(rank)};
    Value init = emptyTensor(rewriter, op.getLoc(), resultType);
    auto generic = rewriter.create<linalg::GenericOp>(
        op.getLoc(), TypeRange{resultType}, adaptor.getOperand(),
        ValueRange{init}, maps, parallelIterators(rank),
        [](OpBuilder &b, Location loc, ValueRange args) {
          b.create<linalg::YieldOp>(loc, args[0]);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

SmallVector<ReassociationIndices> allInOne(int64_t rank) {
  if (rank == 0) {
    return {};
  }
  ReassociationIndices all;
  for (int64_t i = 0; i < rank; ++i) {
    all.push_back(i);
  }
  return {all};
}

struct ReshapeToCollapseExpand : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Value src = adaptor.getOperand();
    auto srcType = cast<RankedTensorType>(src.getType());
    if (srcType == resultType) {
      rewriter.replaceOp(op, src);
      return success();
    }
    // Row-major reshape = collapse everything to one dimension, then expand:
    // both are views after bufferization. A rank-0 side needs every extent
    // of the other to be 1, with an empty reassociation.
    Location loc = op.getLoc();
    if (srcType.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, resultType, src, SmallVector<ReassociationIndices>{});
      return success();
    }
    if (resultType.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, resultType, src, SmallVector<ReassociationIndices>{});
      return success();
    }
    Value flat = src;
    if (srcType.getRank() != 1) {
      auto flatType = RankedTensorType::get({srcType.getNumElements()},
                                            srcType.getElementType());
      flat = rewriter.create<tensor::CollapseShapeOp>(
          loc, flatType, src, allInOne(srcType.getRank()));
    }
    if (resultType.getRank() == 1) {
      rewriter.replaceOp(op, flat);
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, resultType, flat, allInOne(resultType.getRank()));
    return success();
  }
};

struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Value init = emptyTensor(rewriter, op.getLoc(), resultType);
    auto t = rewriter.create<linalg::TransposeOp>(
        op.getLoc(), adaptor.getOperand(), init, op.getPermutation());
    rewriter.replaceOp(op, t->getResult(0));
    return success();
  }
};

struct SliceToExtractSlice : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0, e = resultType.getRank(); i < e; ++i) {
      offsets.push_back(rewriter.getIndexAttr(op.getStartIndices()[i]));
      sizes.push_back(rewriter.getIndexAttr(resultType.getDimSize(i)));
      strides.push_back(rewriter.getIndexAttr(op.getStrides()[i]));
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
        op, resultType, adaptor.getOperand(), offsets, sizes, strides);
    return success();
  }
};

struct ConcatenateToInsertSlices : OpConversionPattern<ConcatenateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatenateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDimension();
    Value acc = emptyTensor(rewriter, op.getLoc(), resultType);
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto inType = cast<RankedTensorType>(in.getType());
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (int64_t i = 0, e = resultType.getRank(); i < e; ++i) {
        offsets.push_back(rewriter.getIndexAttr(i == dim ? offset : 0));
        sizes.push_back(rewriter.getIndexAttr(inType.getDimSize(i)));
        strides.push_back(rewriter.getIndexAttr(1));
      }
      acc = rewriter.create<tensor::InsertSliceOp>(op.getLoc(), in, acc,
                                                   offsets, sizes, strides);
      offset += inType.getDimSize(dim);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

/// An index clamped to [0, rows - 1], as gather and scatter_add clamp them
/// (a bad token id cannot reach outside the table).
Value clampIndex(OpBuilder &b, Location loc, Value idx, int64_t rows) {
  Type intType = idx.getType();
  Value lo = scalarConstant(b, loc, intType, 0);
  Value hi = scalarConstant(b, loc, intType, double(rows - 1));
  idx = b.create<arith::MaxSIOp>(loc, idx, lo);
  return b.create<arith::MinSIOp>(loc, idx, hi);
}

struct GatherToGeneric : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value table = adaptor.getTable();
    auto tableType = cast<RankedTensorType>(table.getType());
    Value indices = adaptor.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t rows = tableType.getDimSize(0);
    if (rows == 0) {
      // Nothing to clamp into: the dialect reads an empty table as zeros.
      Value zero =
          scalarConstant(rewriter, loc, resultType.getElementType(), 0);
      rewriter.replaceOp(op, filledTensor(rewriter, loc, resultType, zero));
      return success();
    }
    int64_t rank = resultType.getRank();
    int64_t n = indicesType.getRank();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t i = 0; i < n; ++i) {
      indexExprs.push_back(rewriter.getAffineDimExpr(i));
    }
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank, 0, indexExprs, rewriter.getContext()),
        rewriter.getMultiDimIdentityMap(rank)};
    Value init = emptyTensor(rewriter, loc, resultType);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{resultType}, indices, ValueRange{init}, maps,
        parallelIterators(rank),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value idx = clampIndex(b, nloc, args[0], rows);
          SmallVector<Value> coords = {
              b.create<arith::IndexCastOp>(nloc, b.getIndexType(), idx)};
          for (int64_t d = n; d < rank; ++d) {
            coords.push_back(b.create<linalg::IndexOp>(nloc, d));
          }
          Value v = b.create<tensor::ExtractOp>(nloc, table, coords);
          b.create<linalg::YieldOp>(nloc, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// One generic over (n..., r, d...): the indices' dimensions reduce, outermost,
/// so the loop nest is "for each index, for each row, for each element" and
/// the inner loops walk contiguous rows of the updates and the result. Each
/// result row sums the updates whose clamped index names it, in index order
/// (no reassociation, no atomics: the same bits every run), in f32 for
/// f16/bf16. This reads every update once per row, O(rows * indices *
/// row size): cheap for the small vocabularies the tests and the small GPT
/// use; a segment-sum kernel over sorted indices is the next step for GPT-2
/// sizes.
struct ScatterAddToGeneric : OpConversionPattern<ScatterAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterAddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value updates = adaptor.getUpdates();
    Value indices = adaptor.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    Type element = resultType.getElementType();
    Type accType = computeTypeOf(element);
    auto accTensorType = RankedTensorType::get(resultType.getShape(), accType);
    Value zero = scalarConstant(rewriter, loc, accType, 0.0);
    Value init = filledTensor(rewriter, loc, accTensorType, zero);
    int64_t rows = op.getRows();
    int64_t n = indicesType.getRank();
    int64_t rowRank = resultType.getRank() - 1;
    int64_t loops = n + 1 + rowRank;
    if (rows > 0 && indicesType.getNumElements() > 0) {
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineExpr> idxExprs, updExprs, outExprs;
      for (int64_t i = 0; i < n; ++i) {
        idxExprs.push_back(rewriter.getAffineDimExpr(i));
        updExprs.push_back(rewriter.getAffineDimExpr(i));
      }
      outExprs.push_back(rewriter.getAffineDimExpr(n));
      for (int64_t k = 0; k < rowRank; ++k) {
        updExprs.push_back(rewriter.getAffineDimExpr(n + 1 + k));
        outExprs.push_back(rewriter.getAffineDimExpr(n + 1 + k));
      }
      SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, idxExprs, ctx),
                                     AffineMap::get(loops, 0, updExprs, ctx),
                                     AffineMap::get(loops, 0, outExprs, ctx)};
      SmallVector<utils::IteratorType> iterators = parallelIterators(loops);
      for (int64_t i = 0; i < n; ++i) {
        iterators[i] = utils::IteratorType::reduction;
      }
      Type intType = indicesType.getElementType();
      auto generic = rewriter.create<linalg::GenericOp>(
          loc, TypeRange{accTensorType}, ValueRange{indices, updates},
          ValueRange{init}, maps, iterators,
          [&](OpBuilder &b, Location nloc, ValueRange args) {
            Value idx = clampIndex(b, nloc, args[0], rows);
            Value row = b.create<arith::IndexCastOp>(
                nloc, intType, b.create<linalg::IndexOp>(nloc, n));
            Value hit = b.create<arith::CmpIOp>(nloc, arith::CmpIPredicate::eq,
                                                idx, row);
            Value u = widenScalar(b, nloc, args[1], accType);
            Value sum = b.create<arith::AddFOp>(nloc, args[2], u);
            b.create<linalg::YieldOp>(nloc, Value(b.create<arith::SelectOp>(
                                                nloc, hit, sum, args[2])));
          });
      init = generic.getResult(0);
    }
    if (accType == element) {
      rewriter.replaceOp(op, init);
      return success();
    }
    rewriter.replaceOp(op, buildElementwiseGeneric(
                               rewriter, loc, resultType, init,
                               [&](OpBuilder &b, Location nloc, ValueRange a) {
                                 return narrowScalar(b, nloc, a[0], element);
                               },
                               /*widenInputs=*/false));
    return success();
  }
};

struct IotaToGeneric : OpConversionPattern<IotaOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IotaOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    int64_t dim = op.getDimension();
    Value r = buildElementwiseGeneric(
        rewriter, op.getLoc(), resultType, ValueRange{},
        [&](OpBuilder &b, Location loc, ValueRange) -> Value {
          Value i = b.create<linalg::IndexOp>(loc, dim);
          Value i64 = b.create<arith::IndexCastOp>(loc, b.getI64Type(), i);
          if (isa<FloatType>(element)) {
            return b.create<arith::SIToFPOp>(loc, computeTypeOf(element), i64);
          }
          if (element.isInteger(64)) {
            return i64;
          }
          return b.create<arith::TruncIOp>(loc, element, i64);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct ConstantToLinalg : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto value = op.getValue();
    if (auto dense = dyn_cast<DenseElementsAttr>(value);
        dense && dense.isSplat()) {
      // A fill, not a global: it costs no constant bytes and can fuse.
      Value scalar = rewriter.create<arith::ConstantOp>(
          op.getLoc(), dense.getSplatValue<TypedAttr>());
      rewriter.replaceOp(op, filledTensor(rewriter, op.getLoc(), type, scalar));
      return success();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type,
                                                   cast<TypedAttr>(value));
    return success();
  }
};

} // namespace

void populateShapeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns
      .add<BroadcastInDimToGeneric, ReshapeToCollapseExpand, TransposeToLinalg,
           SliceToExtractSlice, ConcatenateToInsertSlices, GatherToGeneric,
           ScatterAddToGeneric, IotaToGeneric, ConstantToLinalg>(
          patterns.getContext());
}

} // namespace sinter
