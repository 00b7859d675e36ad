//===- ApproximateMath.cpp - Polynomial approximations of math ops -------===//
//
// Compiled artifacts must not depend on libm, and a libm call per element
// cannot be vectorized; MLIR's polynomial approximations are arithmetic that
// LLVM vectorizes like the rest of a loop. pow is rewritten as exp(y log x)
// first (with the sign and special cases the expansion handles).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-cpu-approximate-math"

namespace sinter {

#define GEN_PASS_DEF_CPUAPPROXIMATEMATHPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct CPUApproximateMathPass
    : impl::CPUApproximateMathPassBase<CPUApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet expand(&getContext());
    populateExpandPowFPattern(expand);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(expand)))) {
      return signalPassFailure();
    }
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
