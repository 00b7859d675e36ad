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

struct CPULegalizeBF16Pass
    : impl::CPULegalizeBF16PassBase<CPULegalizeBF16Pass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    patterns.add<SelectBF16AsBits>(&getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(),
                                            std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
