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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
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
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    MLIRContext *ctx = &getContext();

    // gelu has a direct lowering (one generic computing in f32); the other
    // composites go through their primitive forms, which fusion regions
    // then merge back into row kernels. Attention is lowered before this
    // pass, by each target's own flash kernel (sinter-cpu-lower-attention,
    // sinter-gpu-lower-attention): its primitive form would multiply a
    // hidden key's value by 0 in the P.V matmul, and a NaN or inf there
    // would leak into every row. One left here is an error.
    WalkResult flash = fn.walk([&](Operation *op) {
      if (isa<AttentionOp, AttentionBackwardOp>(op)) {
        op->emitError() << "'" << op->getName()
                        << "' has no lowering here: a target's own flash "
                           "kernel lowers it before sinter-convert-sinter-to-"
                           "linalg (the CPU has both directions; the GPU only "
                           "the forward attention so far)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (flash.wasInterrupted()) {
      return signalPassFailure();
    }
    static const std::vector<std::string> kDecomposed = {
        "softmax",    "log_softmax", "logsumexp",
        "layer_norm", "rms_norm",    "rotary_embedding"};
    RewritePatternSet decompose(ctx);
    populateDecomposeCompositesPatterns(decompose, kDecomposed,
                                        /*edgeSafe=*/true);
    if (failed(applyPatternsAndFoldGreedily(fn, std::move(decompose)))) {
      fn.emitError("decomposing composite ops did not converge");
      return signalPassFailure();
    }
    ConversionTarget target(*ctx);
    target.addIllegalDialect<SinterDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect, vector::VectorDialect,
                           func::FuncDialect>();
    // Fusion regions are converted op by op like the rest; then
    // sinter-lower-fusions makes each one loop nest.
    target.addLegalOp<FusionOp, YieldOp>();
    RewritePatternSet patterns(ctx);
    populateSinterToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(fn, target, std::move(patterns)))) {
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinter
