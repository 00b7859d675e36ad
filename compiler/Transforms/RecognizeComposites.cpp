//===- RecognizeComposites.cpp - Every recognition pass, in order ---------===//
//
// The order matters where one composite is built from another: attention
// wants the softmax recognised, and the RMS norm pass leaves centred
// operands (layer norms) to the layer norm pass. GELU goes first so that
// its products are not mistaken for scales by the later patterns.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

void sinter::buildRecognizeCompositesPipeline(OpPassManager &pm) {
  OpPassManager &fn = pm.nest<func::FuncOp>();
  fn.addPass(createRecognizeGeluPass());
  fn.addPass(createRecognizeSoftmaxPass());
  fn.addPass(createRecognizeLogSumExpPass());
  fn.addPass(createRecognizeRMSNormPass());
  fn.addPass(createRecognizeLayerNormPass());
  fn.addPass(createRecognizeAttentionPass());
}
