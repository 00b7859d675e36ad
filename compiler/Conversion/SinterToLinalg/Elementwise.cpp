//===- Elementwise.cpp - Lower elementwise sinter ops to linalg.generic --===//
//
// Every elementwise op becomes one `linalg.generic` whose body is the scalar
// formula. f16/bf16 operands are widened to f32 inside the body and the
// result narrowed once, so they are stored as such but computed in f32.
// Integer semantics follow the reference interpreter exactly: wrap-around,
// division by zero gives 0 (x86 would trap), INT_MIN / -1 wraps.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"
#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <type_traits>

namespace sinter {
namespace {

bool isFloatValue(Value v) { return isa<FloatType>(v.getType()); }

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving 0.
  Value one = constantLike(b, loc, x, 1.0);
  Value negX = b.create<arith::NegFOp>(loc, x);
  Value e = b.create<math::ExpOp>(loc, negX);
  return b.create<arith::DivFOp>(loc, one,
                                 b.create<arith::AddFOp>(loc, one, e));
}

//===----------------------------------------------------------------------===//
// Scalar formulas, one per op
//===----------------------------------------------------------------------===//

Value emitScalar(AddOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::AddFOp>(loc, a[0], a[1]);
  }
  return b.create<arith::AddIOp>(loc, a[0], a[1]);
}
Value emitScalar(SubOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::SubFOp>(loc, a[0], a[1]);
  }
  return b.create<arith::SubIOp>(loc, a[0], a[1]);
}
Value emitScalar(MulOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::MulFOp>(loc, a[0], a[1]);
  }
  return b.create<arith::MulIOp>(loc, a[0], a[1]);
}
Value emitScalar(DivOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::DivFOp>(loc, a[0], a[1]);
  }
  // x86's idiv traps on a zero divisor and on INT_MIN / -1; the dialect
  // defines both (0 and wrap-around), so guard the divisor.
  Value zero = constantLike(b, loc, a[1], 0);
  Value one = constantLike(b, loc, a[1], 1);
  Value minusOne = constantLike(b, loc, a[1], -1);
  Value isZero =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a[1], zero);
  Value isMinusOne =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, a[1], minusOne);
  Value unsafe = b.create<arith::OrIOp>(loc, isZero, isMinusOne);
  Value divisor = b.create<arith::SelectOp>(loc, unsafe, one, a[1]);
  Value q = b.create<arith::DivSIOp>(loc, a[0], divisor);
  Value negated = b.create<arith::SubIOp>(loc, zero, a[0]);
  Value r = b.create<arith::SelectOp>(loc, isMinusOne, negated, q);
  return b.create<arith::SelectOp>(loc, isZero, zero, r);
}
Value emitScalar(MaxOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::MaximumFOp>(loc, a[0], a[1]); // NaN propagates
  }
  return b.create<arith::MaxSIOp>(loc, a[0], a[1]);
}
Value emitScalar(MinOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::MinimumFOp>(loc, a[0], a[1]);
  }
  return b.create<arith::MinSIOp>(loc, a[0], a[1]);
}
Value emitScalar(PowOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::PowFOp>(loc, a[0], a[1]);
}
Value emitScalar(NegOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<arith::NegFOp>(loc, a[0]);
  }
  return b.create<arith::SubIOp>(loc, constantLike(b, loc, a[0], 0), a[0]);
}
Value emitScalar(AbsOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    return b.create<math::AbsFOp>(loc, a[0]);
  }
  return b.create<math::AbsIOp>(loc, a[0]); // INT_MIN stays INT_MIN (wraps)
}
Value emitScalar(ExpOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::ExpOp>(loc, a[0]);
}
Value emitScalar(LogOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::LogOp>(loc, a[0]);
}
Value emitScalar(SqrtOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::SqrtOp>(loc, a[0]);
}
Value emitScalar(RsqrtOp, OpBuilder &b, Location loc, ValueRange a) {
  // 1 / sqrt(x), not the approximate rsqrt instruction: the interpreter is
  // exact to f32 rounding and so is this.
  Value s = b.create<math::SqrtOp>(loc, a[0]);
  return b.create<arith::DivFOp>(loc, constantLike(b, loc, a[0], 1.0), s);
}
Value emitScalar(TanhOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::TanhOp>(loc, a[0]);
}
Value emitScalar(ErfOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<math::ErfOp>(loc, a[0]);
}
Value emitScalar(SigmoidOp, OpBuilder &b, Location loc, ValueRange a) {
  return sigmoid(b, loc, a[0]);
}
Value emitScalar(ReluOp, OpBuilder &b, Location loc, ValueRange a) {
  if (isFloatValue(a[0])) {
    // maximum(x, +0): NaN propagates and -0 becomes +0, as specified.
    return b.create<arith::MaximumFOp>(loc, a[0],
                                       constantLike(b, loc, a[0], 0.0));
  }
  return b.create<arith::MaxSIOp>(loc, a[0], constantLike(b, loc, a[0], 0));
}
Value emitScalar(SiluOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<arith::MulFOp>(loc, a[0], sigmoid(b, loc, a[0]));
}

Value emitGelu(GeluApproximation approximate, OpBuilder &b, Location loc,
               Value x) {
  auto c = [&](double v) { return constantLike(b, loc, x, v); };
  switch (approximate) {
  case GeluApproximation::none: {
    // 0.5 x (1 + erf(x / sqrt(2)))
    Value e = b.create<math::ErfOp>(
        loc, b.create<arith::MulFOp>(loc, x, c(M_SQRT1_2)));
    Value t = b.create<arith::AddFOp>(loc, c(1.0), e);
    return b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, c(0.5), x),
                                   t);
  }
  case GeluApproximation::tanh: {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Value x3 =
        b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, x, x), x);
    Value inner = b.create<arith::AddFOp>(
        loc, x, b.create<arith::MulFOp>(loc, c(0.044715), x3));
    Value th = b.create<math::TanhOp>(
        loc, b.create<arith::MulFOp>(loc, c(std::sqrt(2.0 / M_PI)), inner));
    Value t = b.create<arith::AddFOp>(loc, c(1.0), th);
    return b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, c(0.5), x),
                                   t);
  }
  case GeluApproximation::sigmoid:
    return b.create<arith::MulFOp>(
        loc, x, sigmoid(b, loc, b.create<arith::MulFOp>(loc, c(1.702), x)));
  }
  return x;
}

Value emitCompare(ComparePredicate p, OpBuilder &b, Location loc, Value l,
                  Value r) {
  if (isFloatValue(l)) {
    // Ordered comparisons (false on NaN) except `ne`, which is true on NaN.
    arith::CmpFPredicate fp = arith::CmpFPredicate::OEQ;
    switch (p) {
    case ComparePredicate::eq:
      fp = arith::CmpFPredicate::OEQ;
      break;
    case ComparePredicate::ne:
      fp = arith::CmpFPredicate::UNE;
      break;
    case ComparePredicate::lt:
      fp = arith::CmpFPredicate::OLT;
      break;
    case ComparePredicate::le:
      fp = arith::CmpFPredicate::OLE;
      break;
    case ComparePredicate::gt:
      fp = arith::CmpFPredicate::OGT;
      break;
    case ComparePredicate::ge:
      fp = arith::CmpFPredicate::OGE;
      break;
    }
    return b.create<arith::CmpFOp>(loc, fp, l, r);
  }
  arith::CmpIPredicate ip = arith::CmpIPredicate::eq;
  // i1 compares as unsigned (0 < 1); wider integers are signed.
  bool isBool = l.getType().isInteger(1);
  switch (p) {
  case ComparePredicate::eq:
    ip = arith::CmpIPredicate::eq;
    break;
  case ComparePredicate::ne:
    ip = arith::CmpIPredicate::ne;
    break;
  case ComparePredicate::lt:
    ip = isBool ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
    break;
  case ComparePredicate::le:
    ip = isBool ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
    break;
  case ComparePredicate::gt:
    ip = isBool ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    break;
  case ComparePredicate::ge:
    ip = isBool ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
    break;
  }
  return b.create<arith::CmpIOp>(loc, ip, l, r);
}

/// Float to integer, truncating toward zero and saturating, NaN to 0 (the
/// dialect's rule; `fptosi` alone is poison out of range). Done in f64,
/// where every i32 bound is exact.
Value floatToInt(OpBuilder &b, Location loc, Value x, IntegerType to) {
  Type f64 = b.getF64Type();
  Value wide = x;
  if (!x.getType().isF32() && !x.getType().isF64()) {
    wide = b.create<arith::ExtFOp>(loc, b.getF32Type(), x); // bf16/f16
  }
  if (!wide.getType().isF64()) {
    wide = b.create<arith::ExtFOp>(loc, f64, wide);
  }
  unsigned bits = to.getWidth();
  double lowest = -std::ldexp(1.0, bits - 1);
  double limit = std::ldexp(1.0, bits - 1); // first value out of range
  Value lo = scalarConstant(b, loc, f64, lowest);
  Value clamped = b.create<arith::MaximumFOp>(loc, wide, lo);
  // Below `limit` the largest f64 is exact for i32 and 2^63 - 1024 for i64.
  Value hi = scalarConstant(b, loc, f64, std::nextafter(limit, 0.0));
  clamped = b.create<arith::MinimumFOp>(loc, clamped, hi);
  Value isNan =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, wide, wide);
  Value zeroF = scalarConstant(b, loc, f64, 0.0);
  clamped = b.create<arith::SelectOp>(loc, isNan, zeroF, clamped);
  Value r = b.create<arith::FPToSIOp>(loc, to, clamped);
  Value tooBig = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGE, wide,
                                         scalarConstant(b, loc, f64, limit));
  Value maxInt = b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(to, APInt::getSignedMaxValue(bits)));
  return b.create<arith::SelectOp>(loc, tooBig, maxInt, r);
}

Value emitConvert(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  if (from == to) {
    return x;
  }
  if (to.isInteger(1)) {
    // x != 0 (NaN is true, as `une` says).
    if (isa<FloatType>(from)) {
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, x,
                                     constantLike(b, loc, x, 0.0));
    }
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x,
                                   constantLike(b, loc, x, 0));
  }
  auto fromF = dyn_cast<FloatType>(from);
  auto toF = dyn_cast<FloatType>(to);
  if (fromF && toF) {
    if (fromF.getWidth() < toF.getWidth() || (fromF.isBF16() && toF.isF16()) ||
        (fromF.isF16() && toF.isBF16())) {
      // f16 <-> bf16 goes through f32: neither holds the other.
      Value f32 =
          fromF.isF32() ? x : b.create<arith::ExtFOp>(loc, b.getF32Type(), x);
      if (toF.isF32()) {
        return f32;
      }
      return b.create<arith::TruncFOp>(loc, to, f32);
    }
    return b.create<arith::TruncFOp>(loc, to, x);
  }
  if (fromF) {
    return floatToInt(b, loc, x, cast<IntegerType>(to));
  }
  // From an integer.
  bool fromBool = from.isInteger(1);
  if (toF) {
    Value f32;
    if (fromBool) {
      f32 = b.create<arith::UIToFPOp>(loc, b.getF32Type(), x);
    } else {
      f32 = b.create<arith::SIToFPOp>(loc, b.getF32Type(), x);
    }
    if (toF.isF32()) {
      return f32;
    }
    return b.create<arith::TruncFOp>(loc, to, f32);
  }
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw < tw) {
    if (fromBool) {
      return b.create<arith::ExtUIOp>(loc, to, x);
    }
    return b.create<arith::ExtSIOp>(loc, to, x);
  }
  return b.create<arith::TruncIOp>(loc, to, x);
}

Value emitScalar(GeluOp op, OpBuilder &b, Location loc, ValueRange a) {
  return emitGelu(op.getApproximate(), b, loc, a[0]);
}
Value emitScalar(CompareOp op, OpBuilder &b, Location loc, ValueRange a) {
  // Widening bf16/f16 to f32 is exact, so comparing in f32 is exact too.
  return emitCompare(op.getPredicate(), b, loc, a[0], a[1]);
}
Value emitScalar(SelectOp, OpBuilder &b, Location loc, ValueRange a) {
  return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]);
}
Value emitScalar(ConvertOp op, OpBuilder &b, Location loc, ValueRange a) {
  return emitConvert(b, loc, a[0],
                     cast<RankedTensorType>(op.getType()).getElementType());
}

/// select moves values and convert does its own widening: their operands
/// are used as stored.
template <typename OpTy> constexpr bool widensInputs() {
  return !std::is_same_v<OpTy, SelectOp> && !std::is_same_v<OpTy, ConvertOp>;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

template <typename OpTy>
struct ElementwiseToGeneric : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value r = buildElementwiseGeneric(
        rewriter, op.getLoc(), type, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return emitScalar(op, b, loc, a);
        },
        widensInputs<OpTy>());
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseToGeneric<AddOp>, ElementwiseToGeneric<SubOp>,
               ElementwiseToGeneric<MulOp>, ElementwiseToGeneric<DivOp>,
               ElementwiseToGeneric<MaxOp>, ElementwiseToGeneric<MinOp>,
               ElementwiseToGeneric<PowOp>, ElementwiseToGeneric<NegOp>,
               ElementwiseToGeneric<AbsOp>, ElementwiseToGeneric<ExpOp>,
               ElementwiseToGeneric<LogOp>, ElementwiseToGeneric<SqrtOp>,
               ElementwiseToGeneric<RsqrtOp>, ElementwiseToGeneric<TanhOp>,
               ElementwiseToGeneric<ErfOp>, ElementwiseToGeneric<SigmoidOp>,
               ElementwiseToGeneric<ReluOp>, ElementwiseToGeneric<SiluOp>,
               ElementwiseToGeneric<GeluOp>, ElementwiseToGeneric<CompareOp>,
               ElementwiseToGeneric<SelectOp>, ElementwiseToGeneric<ConvertOp>>(
      ctx);
}

} // namespace sinter
