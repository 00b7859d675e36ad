//===- SinterToLinalg.cpp - The sinter-to-linalg conversion pass ---------===//
//
// Decomposes composites, then converts every primitive with the family
// patterns (Elementwise.cpp, Shape.cpp, Reduction.cpp, Matmul.cpp). Any sinter
// op left over is an error naming it: a partial lowering would fail much
// later with a far worse message.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/SinterToLinalg/SinterToLinalg.h"
#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#define DEBUG_TYPE "sinter-convert-sinter-to-linalg"

namespace sinter {

#define GEN_PASS_DEF_CONVERTSINTERTOLINALGPASS
#include "compiler/Conversion/Passes.h.inc"

void populateSinterToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateShapeToLinalgPatterns(patterns);
  populateReductionToLinalgPatterns(patterns);
  populateMatmulToLinalgPatterns(patterns);
}

namespace {

struct ConvertSinterToLinalgPass
    : impl::ConvertSinterToLinalgPassBase<ConvertSinterToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    MLIRContext *ctx = &getContext();

    // gelu has a direct lowering (one generic computing in f32); the other
    // composites go through their primitive forms for now (the fusion
    // passes will give them kernels of their own).
    static const std::vector<std::string> kDecomposed = {
        "softmax",  "log_softmax", "logsumexp",       "layer_norm",
        "rms_norm", "attention",   "rotary_embedding"};
    RewritePatternSet decompose(ctx);
    populateDecomposeCompositesPatterns(decompose, kDecomposed);
    if (failed(applyPatternsAndFoldGreedily(fn, std::move(decompose)))) {
      fn.emitError("decomposing composite ops did not converge");
      return signalPassFailure();
    }

    WalkResult fusions = fn.walk([](FusionOp op) {
      op.emitError("sinter.fusion regions are not lowered for the CPU yet; "
                   "compile the graph before fusion");
      return WalkResult::interrupt();
    });
    if (fusions.wasInterrupted()) {
      return signalPassFailure();
    }

    ConversionTarget target(*ctx);
    target.addIllegalDialect<SinterDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect>();
    RewritePatternSet patterns(ctx);
    populateSinterToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(fn, target, std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
