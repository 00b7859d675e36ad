//===- sinter-opt.cpp - Sinter's pass driver for lit tests -----*- C++ -*-===//
//
// mlir-opt with only what Sinter uses registered: the sinter and func
// dialects, Sinter's passes and the upstream passes our tests run
// (canonicalize, cse). No
// InitAll headers (each costs ~40 s to compile and bloats the binary).
// Verification after every pass stays on (the MlirOptMain default).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<sinter::SinterDialect, mlir::func::FuncDialect>();

  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  sinter::registerSinterTransformsPasses();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Sinter optimizer driver\n", registry));
}
