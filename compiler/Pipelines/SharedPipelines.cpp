//===- SharedPipelines.cpp - The stages every target runs ----------------===//

#include "compiler/Pipelines/SharedPipelines.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#define DEBUG_TYPE "sinter-shared-pipelines"

namespace sinter {

void buildFusionPipeline(OpPassManager &pm, StringRef fusion, bool remarks,
                         StringRef target) {
  std::string error;
  FailureOr<FusionKinds> kinds = FusionKinds::parse(fusion, error);
  if (succeeded(kinds) && kinds->empty()) {
    return; // none: not even composite recognition
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildRecognizeCompositesPipeline(pm);
  FormFusionsPassOptions form;
  // A kind that does not parse goes to the pass, which reports it.
  std::string selected = succeeded(kinds) ? kinds->str() : fusion.str();
  std::vector<std::string> list{selected}; // the options hold an ArrayRef
  if (selected != "all") {
    form.kinds = list;
  }
  form.remarks = remarks;
  form.target = target.str();
  pm.addPass(createFormFusionsPass(form));
}

void buildBufferizePipeline(OpPassManager &pm) {
  // A private function nothing calls is dead (a model is its public entry);
  // MLIR 19's buffer-results-to-out-params dereferences null on some (one
  // returning its argument, found by the compile fuzz target).
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createPrepareBufferizationPass());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createEmptyTensorToAllocTensorPass());
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  pm.addPass(bufferization::createOneShotBufferizePass(options));
  pm.addPass(createDropInPlaceResultsPass());
  bufferization::BufferResultsToOutParamsOpts outParams;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}
void registerSharedPipelines() {
  PassPipelineRegistration<FusionPipelineOptions>(
      "sinter-fusion",
      "Recognise composites and group ops into sinter.fusion regions",
      [](OpPassManager &pm, const FusionPipelineOptions &options) {
        buildFusionPipeline(pm, options, options.target);
      });
  PassPipelineRegistration<>(
      "sinter-recognize-composites",
      "Every sinter-recognize-* pass, in dependency order",
      [](OpPassManager &pm) { buildRecognizeCompositesPipeline(pm); });
  PassPipelineRegistration<>(
      "sinter-bufferize",
      "One-shot bufferize across functions; results become out-params",
      [](OpPassManager &pm) { buildBufferizePipeline(pm); });
}

} // namespace sinter
