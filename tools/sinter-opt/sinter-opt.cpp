//===- sinter-opt.cpp - Sinter's pass driver for lit tests -----*- C++ -*-===//
//
// mlir-opt with only what Sinter uses registered: the dialects of the CPU
// and GPU paths, Sinter's passes and pipelines, and the upstream passes our tests run
// (canonicalize, cse). No InitAll headers (each costs ~40 s to compile and
// bloats the binary). Verification after every pass stays on (the
// MlirOptMain default).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  sinter::registerCPUCompilerDialects(registry);
  sinter::registerGPUCompilerDialects(registry);

  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  sinter::registerSinterTransformsPasses();
  sinter::registerSinterConversionPasses();
  sinter::registerCPUPipelines();
  sinter::registerGPUPipelines();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Sinter optimizer driver\n", registry));
}
