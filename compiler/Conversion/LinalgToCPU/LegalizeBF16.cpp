//===- LegalizeBF16.cpp - bf16 selects as 16-bit integer selects ---------===//
//
// bf16 <-> f32 conversions become integer arithmetic (arith's bf16
// expansion; ceil/floor divisions are expanded alongside), and the selects on
// bf16 values that leaves, which LLVM's x86 backend promotes through f32 (a
// __truncsfbf2 libcall) on CPUs without AVX512-BF16, select the bit
// patterns instead: exact and library-free.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-cpu-legalize-bf16"

namespace sinter {

#define GEN_PASS_DEF_CPULEGALIZEBF16PASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

Type withElementType(Type type, Type element) {
  if (auto vec = dyn_cast<VectorType>(type)) {
    return vec.clone(element);
  }
  return element;
}

struct SelectBF16AsBits : OpRewritePattern<arith::SelectOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::SelectOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isBF16()) {
      return rewriter.notifyMatchFailure(op, "not a bf16 select");
    }
    Type bits = withElementType(type, rewriter.getI16Type());
    Location loc = op.getLoc();
    Value t = rewriter.create<arith::BitcastOp>(loc, bits, op.getTrueValue());
    Value f = rewriter.create<arith::BitcastOp>(loc, bits, op.getFalseValue());
    Value r = rewriter.create<arith::SelectOp>(loc, op.getCondition(), t, f);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, type, r);
    return success();
  }
};

/// Whether `v` is an f16 value, or one widened from f16.
bool isHalfOrWidenedHalf(Value v) {
  if (getElementTypeOrSelf(v.getType()).isF16()) {
    return true;
  }
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  return ext && getElementTypeOrSelf(ext.getIn().getType()).isF16();
}

/// maximumf/minimumf of f16 values (or of f16 values widened to f32, which
/// LLVM's InstCombine narrows back to f16) as compares and selects of the
/// bit patterns. LLVM 19's x86 lowering of an f16 maximum/minimum without
/// AVX512-FP16 applies its signed-zero fix-up after the NaN check, so
/// max(0, NaN) gave 0. Here a NaN operand gives a quiet NaN, and equal
/// operands give their bitwise AND (max) or OR (min): +0 over -0 for max,
/// -0 for min.
template <typename OpT, bool isMax>
struct HalfMaxMinAsSelects : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    Type element = getElementTypeOrSelf(type);
    if (!(element.isF16() || element.isF32()) ||
        !isHalfOrWidenedHalf(op.getLhs()) || !isHalfOrWidenedHalf(op.getRhs())) {
      return rewriter.notifyMatchFailure(op, "not a max/min of f16 values");
    }
    unsigned width = element.getIntOrFloatBitWidth();
    uint64_t nan = width == 16 ? 0x7e00 : 0x7fc00000;
    Location loc = op.getLoc();
    Value a = op.getLhs(), b = op.getRhs();
    auto cmp = [&](arith::CmpFPredicate p) {
      return rewriter.create<arith::CmpFOp>(loc, p, a, b).getResult();
    };
    Value unordered = cmp(arith::CmpFPredicate::UNO);
    Value picksA =
        cmp(isMax ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT);
    Value equal = cmp(arith::CmpFPredicate::OEQ);
    Type bits = withElementType(type, rewriter.getIntegerType(width));
    Value ai = rewriter.create<arith::BitcastOp>(loc, bits, a);
    Value bi = rewriter.create<arith::BitcastOp>(loc, bits, b);
    Value tie = isMax ? rewriter.create<arith::AndIOp>(loc, ai, bi).getResult()
                      : rewriter.create<arith::OrIOp>(loc, ai, bi).getResult();
    TypedAttr nanBits =
        isa<VectorType>(bits)
            ? TypedAttr(DenseElementsAttr::get(cast<ShapedType>(bits),
                                               APInt(width, nan)))
            : TypedAttr(rewriter.getIntegerAttr(bits, nan));
    Value quietNaN = rewriter.create<arith::ConstantOp>(loc, nanBits);
    Value r = rewriter.create<arith::SelectOp>(loc, picksA, ai, bi);
    r = rewriter.create<arith::SelectOp>(loc, equal, tie, r);
    r = rewriter.create<arith::SelectOp>(loc, unordered, quietNaN, r);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(op, type, r);
    return success();
  }
};

struct CPULegalizeBF16Pass
    : impl::CPULegalizeBF16PassBase<CPULegalizeBF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    patterns.add<SelectBF16AsBits,
                 HalfMaxMinAsSelects<arith::MaximumFOp, /*isMax=*/true>,
                 HalfMaxMinAsSelects<arith::MinimumFOp, /*isMax=*/false>>(
        &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
