//===- Reduction.cpp - Lower sinter.reduce to linalg.generic -------------===//
//
// One generic with reduction iterators, in the operand's dimension order (the
// innermost loop then walks contiguous memory whichever axes are reduced),
// accumulating into an f32 (or the integer type) tensor initialised with the
// kind's identity; mean divides, and f16/bf16 narrow, in a second generic.
// A float mean sums x * 2^-k with 2^k >= n, then divides by n * 2^-k: the
// partial sums stay within the largest |x|, so the mean of finite values is
// finite (37 values of 1e38 average to 1e38, not inf), and as both scalings
// are exact the result is bitwise sum / n wherever that sum does not
// overflow (inputs below 2^(k-126) lose bits as they turn subnormal).
// Float sums carry `reassoc` so the loop vectorizes: the reduction order is
// the one thing this lowering may change.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

namespace sinter {
namespace {

Value identityOf(OpBuilder &b, Location loc, ReduceKind kind, Type type) {
  if (auto ft = dyn_cast<FloatType>(type)) {
    switch (kind) {
    case ReduceKind::sum:
    case ReduceKind::mean:
      return scalarConstant(b, loc, type, 0.0);
    case ReduceKind::max:
      return b.create<arith::ConstantOp>(
          loc, b.getFloatAttr(ft, -std::numeric_limits<double>::infinity()));
    case ReduceKind::min:
      return b.create<arith::ConstantOp>(
          loc, b.getFloatAttr(ft, std::numeric_limits<double>::infinity()));
    }
  }
  unsigned bits = type.getIntOrFloatBitWidth();
  switch (kind) {
  case ReduceKind::max:
    return b.create<arith::ConstantOp>(
        loc, b.getIntegerAttr(type, APInt::getSignedMinValue(bits)));
  case ReduceKind::min:
    return b.create<arith::ConstantOp>(
        loc, b.getIntegerAttr(type, APInt::getSignedMaxValue(bits)));
  default:
    return scalarConstant(b, loc, type, 0);
  }
}

Value combine(OpBuilder &b, Location loc, ReduceKind kind, Value acc, Value x) {
  bool isFloat = isa<FloatType>(acc.getType());
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    if (isFloat) {
      return b.create<arith::AddFOp>(loc, acc, x,
                                     reductionFastMath(b.getContext()));
    }
    return b.create<arith::AddIOp>(loc, acc, x);
  case ReduceKind::max:
    if (isFloat) {
      return b.create<arith::MaximumFOp>(loc, acc, x); // NaN propagates
    }
    return b.create<arith::MaxSIOp>(loc, acc, x);
  case ReduceKind::min:
    if (isFloat) {
      return b.create<arith::MinimumFOp>(loc, acc, x);
    }
    return b.create<arith::MinSIOp>(loc, acc, x);
  }
  return acc;
}

struct ReduceToGeneric : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value operand = adaptor.getOperand();
    auto operandType = cast<RankedTensorType>(operand.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> dims = op.getDimensions();
    ReduceKind kind = op.getKind();
    if (dims.empty()) {
      rewriter.replaceOp(op, operand); // the identity, exactly
      return success();
    }
    int64_t rank = operandType.getRank();
    Type element = resultType.getElementType();
    // Float sums and means accumulate in at least f32.
    Type accType = computeTypeOf(element);
    auto accTensorType = RankedTensorType::get(resultType.getShape(), accType);

    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    SmallVector<AffineExpr> outExprs;
    int64_t reducedCount = 1;
    for (int64_t d = 0; d < rank; ++d) {
      if (llvm::is_contained(dims, d)) {
        iterators[d] = utils::IteratorType::reduction;
        reducedCount *= operandType.getDimSize(d);
      } else {
        outExprs.push_back(rewriter.getAffineDimExpr(d));
      }
    }
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(rank),
        AffineMap::get(rank, 0, outExprs, rewriter.getContext())};
    Value init = filledTensor(rewriter, loc, accTensorType,
                              identityOf(rewriter, loc, kind, accType));
    bool scaledMean = kind == ReduceKind::mean && isa<FloatType>(accType);
    double meanScale = std::ldexp(
        1.0, -int(llvm::Log2_64_Ceil(std::max<int64_t>(reducedCount, 1))));
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{accTensorType}, operand, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value x = widenScalar(b, nloc, args[0], accType);
          if (scaledMean && meanScale != 1.0) {
            x = b.create<arith::MulFOp>(
                nloc, x, scalarConstant(b, nloc, accType, meanScale));
          }
          b.create<linalg::YieldOp>(nloc, combine(b, nloc, kind, args[1], x));
        });
    Value acc = generic.getResult(0);
    if (kind != ReduceKind::mean && accType == element) {
      rewriter.replaceOp(op, acc);
      return success();
    }
    Value r = buildElementwiseGeneric(
        rewriter, loc, resultType, acc,
        [&](OpBuilder &b, Location nloc, ValueRange a) -> Value {
          if (kind != ReduceKind::mean) {
            return a[0];
          }
          // 0/0 = NaN for an empty mean, as the interpreter defines.
          Value n = scalarConstant(b, nloc, accType,
                                   scaledMean ? double(reducedCount) * meanScale
                                              : double(reducedCount));
          return b.create<arith::DivFOp>(nloc, a[0], n);
        },
        /*widenInputs=*/false);
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateReductionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceToGeneric>(patterns.getContext());
}

} // namespace sinter
