//===- Matmul.cpp - Lower sinter.matmul to linalg.matmul/batch_matmul ----===//
//
// Batch dimensions collapse into one (or, against a shared rank-2 weight,
// into M, so a [B, S, K] x [K, N] projection is one large matmul); transposed
// operands are materialised with linalg.transpose (O(MK) against the
// product's O(MNK)) so the CPU kernel always reads rows of the right-hand
// side contiguously. Products accumulate in f32 (or the integer
// accumulation type) and narrow once at the end.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace sinter {
namespace {

Value transposeLastTwo(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm, shape(type.getShape());
  for (int64_t i = 0; i < rank; ++i) {
    perm.push_back(i);
  }
  std::swap(perm[rank - 1], perm[rank - 2]);
  std::swap(shape[rank - 1], shape[rank - 2]);
  Value init =
      emptyTensor(b, loc, RankedTensorType::get(shape, type.getElementType()));
  return b.create<linalg::TransposeOp>(loc, v, init, perm)->getResult(0);
}

/// Collapses [d0, ..., dn-3, M, K] to [prod(d0..dn-3), M, K] (rank >= 3).
Value collapseBatch(OpBuilder &b, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  if (rank == 3) {
    return v;
  }
  ReassociationIndices batch;
  int64_t batchSize = 1;
  for (int64_t i = 0; i < rank - 2; ++i) {
    batch.push_back(i);
    batchSize *= type.getDimSize(i);
  }
  auto collapsed = RankedTensorType::get(
      {batchSize, type.getDimSize(rank - 2), type.getDimSize(rank - 1)},
      type.getElementType());
  return b.create<tensor::CollapseShapeOp>(
      loc, collapsed, v,
      SmallVector<ReassociationIndices>{batch, {rank - 2}, {rank - 1}});
}

struct MatmulToLinalg : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = resultType.getElementType();
    Type accType = op.getAccumulationType().value_or(computeTypeOf(element));
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    if (op.getTransposeLhs()) {
      lhs = transposeLastTwo(rewriter, loc, lhs);
    }
    // A transposed right-hand side ([..., N, K]: k^T in attention, a tied
    // output embedding) stays as it is: the CPU kernel for
    // matmul_transpose_b reads both operands along K. Only a rank-2 lhs
    // against a batched rhs (broadcast below) materialises it.
    auto lhsRank = cast<RankedTensorType>(lhs.getType()).getRank();
    auto rhsRank = cast<RankedTensorType>(rhs.getType()).getRank();
    bool rhsTransposed = op.getTransposeRhs() && !(lhsRank == 2 && rhsRank > 2);
    if (op.getTransposeRhs() && !rhsTransposed) {
      rhs = transposeLastTwo(rewriter, loc, rhs);
    }
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    int64_t m = lhsType.getDimSize(lhsType.getRank() - 2);
    int64_t k = lhsType.getDimSize(lhsType.getRank() - 1);
    int64_t n = rhsType.getDimSize(rhsType.getRank() - (rhsTransposed ? 2 : 1));
    Value zero = scalarConstant(rewriter, loc, accType, 0.0);

    Value product;
    if (rhsType.getRank() == 2) {
      // Every batch shares the weight: fold the batches into M.
      int64_t rows = 1;
      for (int64_t i = 0; i + 1 < lhsType.getRank(); ++i) {
        rows *= lhsType.getDimSize(i);
      }
      Value flatLhs = lhs;
      if (lhsType.getRank() > 2) {
        ReassociationIndices batch;
        for (int64_t i = 0; i < lhsType.getRank() - 1; ++i) {
          batch.push_back(i);
        }
        flatLhs = rewriter.create<tensor::CollapseShapeOp>(
            loc, RankedTensorType::get({rows, k}, lhsType.getElementType()),
            lhs,
            SmallVector<ReassociationIndices>{batch, {lhsType.getRank() - 1}});
      }
      Value init = filledTensor(
          rewriter, loc, RankedTensorType::get({rows, n}, accType), zero);
      if (rhsTransposed) {
        product = rewriter
                      .create<linalg::MatmulTransposeBOp>(
                          loc, ValueRange{flatLhs, rhs}, ValueRange{init})
                      .getResult(0);
      } else {
        product = rewriter
                      .create<linalg::MatmulOp>(loc, ValueRange{flatLhs, rhs},
                                                ValueRange{init})
                      .getResult(0);
      }
    } else {
      // [B, M, K] x [B, K, N]; a rank-2 lhs is broadcast over the batches.
      Value bRhs = collapseBatch(rewriter, loc, rhs);
      int64_t batches = cast<RankedTensorType>(bRhs.getType()).getDimSize(0);
      Value bLhs;
      if (lhsType.getRank() == 2) {
        auto bType =
            RankedTensorType::get({batches, m, k}, lhsType.getElementType());
        Value init = emptyTensor(rewriter, loc, bType);
        bLhs = rewriter
                   .create<linalg::BroadcastOp>(loc, lhs, init,
                                                ArrayRef<int64_t>{0})
                   ->getResult(0);
      } else {
        bLhs = collapseBatch(rewriter, loc, lhs);
      }
      Value init = filledTensor(
          rewriter, loc, RankedTensorType::get({batches, m, n}, accType), zero);
      if (rhsTransposed) {
        product = rewriter
                      .create<linalg::BatchMatmulTransposeBOp>(
                          loc, ValueRange{bLhs, bRhs}, ValueRange{init})
                      .getResult(0);
      } else {
        product = rewriter
                      .create<linalg::BatchMatmulOp>(
                          loc, ValueRange{bLhs, bRhs}, ValueRange{init})
                      .getResult(0);
      }
    }
    // Back to the result's shape, then narrow.
    auto productType = cast<RankedTensorType>(product.getType());
    auto accResultType = RankedTensorType::get(resultType.getShape(), accType);
    if (productType != accResultType) {
      int64_t rank = resultType.getRank();
      SmallVector<ReassociationIndices> reassoc;
      if (productType.getRank() == 2) {
        ReassociationIndices rowsGroup;
        for (int64_t i = 0; i < rank - 1; ++i) {
          rowsGroup.push_back(i);
        }
        reassoc = {rowsGroup, {rank - 1}};
      } else {
        ReassociationIndices batch;
        for (int64_t i = 0; i < rank - 2; ++i) {
          batch.push_back(i);
        }
        reassoc = {batch, {rank - 2}, {rank - 1}};
      }
      product = rewriter.create<tensor::ExpandShapeOp>(loc, accResultType,
                                                       product, reassoc);
    }
    if (accType != element) {
      product = buildElementwiseGeneric(
          rewriter, loc, resultType, product,
          [](OpBuilder &, Location, ValueRange a) { return a[0]; },
          /*widenInputs=*/false);
    }
    rewriter.replaceOp(op, product);
    return success();
  }
};

} // namespace

void populateMatmulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulToLinalg>(patterns.getContext());
}

} // namespace sinter
