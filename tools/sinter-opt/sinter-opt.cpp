//===- sinter-opt.cpp - Sinter's pass driver for lit tests -----*- C++ -*-===//
//
// mlir-opt with only what Sinter uses registered: the dialects of the CPU
// and GPU paths, Sinter's passes and pipelines, and the upstream passes our
// tests run (canonicalize, cse). No InitAll headers (each costs ~40 s to
// compile and bloats the binary). Verification after every pass stays on (the
// MlirOptMain default).
//
// MlirOptMain is called on the input buffer (not with argc/argv) so that
// the input is scanned for what crashes MLIR 19's parser first, and runs
// on a large stack (tools/common/GuardedParse.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "compiler/Transforms/Passes.h"
#include "tools/common/GuardedParse.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::DialectRegistry registry;
  sinter::registerCPUCompilerDialects(registry);
  sinter::registerGPUCompilerDialects(registry);

  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  sinter::registerSinterTransformsPasses();
  sinter::registerSinterConversionPasses();
  sinter::registerSharedPipelines();
  sinter::registerCPUPipelines();
  sinter::registerGPUPipelines();

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "Sinter optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  }
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << "sinter-opt: error: " << error << "\n";
    return 1;
  }
  std::string hazard = sinter::tools::findParserHazard(
      input->getBuffer(), input->getBufferIdentifier());
  if (!hazard.empty()) {
    llvm::errs() << "sinter-opt: error: " << hazard << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "sinter-opt: error: " << error << "\n";
    return 1;
  }
  return sinter::tools::runWithLargeStack([&] {
    if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(input), registry,
                                       config))) {
      return 1;
    }
    output->keep();
    return 0;
  });
}
