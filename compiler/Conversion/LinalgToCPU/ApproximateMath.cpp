//===- ApproximateMath.cpp - Polynomial approximations of math ops -------===//
//
// Compiled artifacts must not depend on libm, and a libm call per element
// cannot be vectorized; MLIR's polynomial approximations are arithmetic that
// LLVM vectorizes like the rest of a loop. Two fixes come first:
//
// pow(x, y) becomes exp(y log|x|) with C99's special cases, written here:
// MLIR's expansion computes log(x^2) / 2, so |x| below 1e-19 squares to 0
// and above 1.8e19 to inf (pow(1e-30, 1e-30) came out 0, not 1), and a
// negative base with a fractional exponent gave a number instead of NaN.
//
// MLIR's log approximation reads the exponent field, which is 0 for every
// subnormal, so log(1e-45) would come out as log(2^-126) = -87.3. Subnormal
// inputs are scaled into the normal range first (exact: a power of two) and
// the logarithm corrected after, so log(1e-45) = -103.3 as in libm.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

#define DEBUG_TYPE "sinter-cpu-approximate-math"

namespace sinter {

#define GEN_PASS_DEF_CPUAPPROXIMATEMATHPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

/// Builds f32 (scalar or vector) arithmetic in front of one op.
struct F32Builder {
  OpBuilder b;
  Location loc;
  Type type; // f32 or vector<...xf32>

  explicit F32Builder(Operation *op)
      : b(op), loc(op->getLoc()), type(op->getResult(0).getType()) {}

  Value constant(float v) {
    if (auto vector = dyn_cast<VectorType>(type)) {
      return b.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(vector, b.getF32FloatAttr(v)));
    }
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v));
  }
  Value cmp(arith::CmpFPredicate p, Value x, Value y) {
    return b.create<arith::CmpFOp>(loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return b.create<arith::SelectOp>(loc, c, x, y);
  }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value both(Value x, Value y) { return b.create<arith::AndIOp>(loc, x, y); }
  Value either(Value x, Value y) { return b.create<arith::OrIOp>(loc, x, y); }
  Value not_(Value x) {
    Value t = b.create<arith::ConstantOp>(loc, b.getOneAttr(x.getType()));
    return b.create<arith::XOrIOp>(loc, x, t);
  }
  /// Whether x is an integer (inf counts as an even one; NaN as none).
  Value isInteger(Value x) {
    return cmp(arith::CmpFPredicate::OEQ, b.create<math::FloorOp>(loc, x), x);
  }
  /// The sign bit of x (true for -0.0 too).
  Value signBit(Value x) {
    Type i32 = b.getI32Type();
    Type intType = type;
    if (auto vector = dyn_cast<VectorType>(type)) {
      intType = vector.clone(i32);
    } else {
      intType = i32;
    }
    Value bits = b.create<arith::BitcastOp>(loc, intType, x);
    Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(intType));
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, bits, zero);
  }
};

template <typename OpTy> SmallVector<OpTy> f32Ops(Operation *root) {
  SmallVector<OpTy> ops;
  root->walk([&](OpTy op) {
    if (getElementTypeOrSelf(op.getType()).isF32()) {
      ops.push_back(op);
    }
  });
  return ops;
}

/// pow(x, y) = exp(y log|x|), negated for a negative x and an odd integer
/// y; NaN for a finite x < 0 and y not an integer; 1 for y = 0, x = 1, and |x|
/// = 1 with y infinite (C99 F.9.4.4). Zeros and infinities of x come out of the
/// exp/log formula with the right magnitude; the sign rule gives -0/-inf.
void expandPow(Operation *root) {
  for (math::PowFOp op : f32Ops<math::PowFOp>(root)) {
    F32Builder f(op);
    using P = arith::CmpFPredicate;
    Value x = op.getLhs(), y = op.getRhs();
    Value ax = f.b.create<math::AbsFOp>(f.loc, x);
    Value r = f.b.create<math::ExpOp>(
        f.loc, f.mul(y, f.b.create<math::LogOp>(f.loc, ax)));
    Value yInteger = f.isInteger(y);
    Value yOdd =
        f.both(yInteger, f.not_(f.isInteger(f.mul(y, f.constant(0.5f)))));
    Value negated = f.select(f.both(f.signBit(x), yOdd),
                             f.b.create<arith::NegFOp>(f.loc, r), r);
    // A finite negative x (pow(-inf, 0.5) is +inf).
    Value negativeFinite = f.both(
        f.cmp(P::OLT, x, f.constant(0.0f)),
        f.cmp(P::OGT, x, f.constant(-std::numeric_limits<float>::infinity())));
    Value domain = f.both(negativeFinite, f.not_(yInteger));
    Value result = f.select(
        domain, f.constant(std::numeric_limits<float>::quiet_NaN()), negated);
    Value one = f.constant(1.0f);
    Value unit = f.either(
        f.either(f.cmp(P::OEQ, y, f.constant(0.0f)), f.cmp(P::OEQ, x, one)),
        f.both(f.cmp(P::OEQ, ax, one),
               f.cmp(P::OEQ, f.b.create<math::AbsFOp>(f.loc, y),
                     f.constant(std::numeric_limits<float>::infinity()))));
    op.replaceAllUsesWith(f.select(unit, one, result));
    op.erase();
  }
}

/// log(x) = log(x * 2^24) - 24 ln 2 for x below the smallest normal f32
/// (zero and negative inputs give -inf and NaN either way).
void scaleSubnormalLogs(Operation *root) {
  for (math::LogOp op : f32Ops<math::LogOp>(root)) {
    F32Builder f(op);
    Value x = op.getOperand();
    Value small = f.cmp(arith::CmpFPredicate::OLT, x, f.constant(0x1p-126f));
    Value scaled = f.select(small, f.mul(x, f.constant(0x1p24f)), x);
    Value log = f.b.create<math::LogOp>(f.loc, scaled, op.getFastmathAttr());
    Value shift =
        f.select(small, f.constant(float(24 * M_LN2)), f.constant(0.0f));
    op.replaceAllUsesWith(
        f.b.create<arith::SubFOp>(f.loc, log, shift).getResult());
    op.erase();
  }
}

struct CPUApproximateMathPass
    : impl::CPUApproximateMathPassBase<CPUApproximateMathPass> {
  void runOnOperation() override {
    expandPow(getOperation());
    scaleSubnormalLogs(getOperation());
    RewritePatternSet patterns(&getContext());
    MathPolynomialApproximationOptions options;
    options.enableAvx2 = false; // keep 1/sqrt exact; see Elementwise.cpp
    populateMathPolynomialApproximationPatterns(patterns, options);
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
