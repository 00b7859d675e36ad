//===- CompileFront.h - The steps every target takes first ------*- C++ -*-===//
//
// Before a target lowers anything: the module verifies, one function is the
// entry (the others are erased), its signature is one the ABI can describe,
// and the C symbol prefix is chosen. Then the pass manager is instrumented as
// the options ask, and `--emit=dot` stops after fusion for every target.
// CPU and GPU targets share this code; Compiler.h dispatches to them.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_COMMON_COMPILEFRONT_H
#define SINTER_COMPILER_TARGET_COMMON_COMPILEFRONT_H

#include "compiler/Pipelines/SharedPipelines.h"
#include "compiler/Target/Common/CompileOptions.h"
#include "mlir/Pass/PassManager.h"

namespace sinter::target {

/// The function to compile: `name`, or the module's only public function.
/// Every other function is erased (calls between functions are not
/// supported). Fails, naming the resource, when a dense_resource the entry
/// reads has no data in the file.
absl::StatusOr<func::FuncOp> selectEntry(ModuleOp module, llvm::StringRef name);

/// The options every target's pipeline shares, from `options`: the one
/// place a compile option becomes a pipeline option.
template <typename Derived>
void setSharedPipelineOptions(const CompileOptions &options,
                              SharedPipelineOptions<Derived> &pipeline) {
  pipeline.fusion = options.fusion.str();
  pipeline.fusionRemarks = options.reportFusion;
}

/// --print-ir-after-all and --time-passes-mlir, as `options` asks.
void instrument(PassManager &pm, const CompileOptions &options);

/// What the front found: the entry, its signature and the symbol prefix.
struct CompileFront {
  func::FuncOp entry;
  ModelSignature signature;
  std::string prefix;
};

/// Verifies `module`, selects its entry and reads the signature.
absl::StatusOr<CompileFront> startCompile(ModuleOp module,
                                          const CompileOptions &options,
                                          llvm::StringRef sourceName);

/// Runs the fusion pipeline on `module` and writes the graph after fusion
/// as Graphviz to `outputPath` (`--emit=dot`, any target).
absl::StatusOr<CompileResult> emitFusionDot(ModuleOp module,
                                            const CompileOptions &options,
                                            const CompileFront &front,
                                            llvm::StringRef outputPath,
                                            llvm::StringRef sourceName);

} // namespace sinter::target

#endif // SINTER_COMPILER_TARGET_COMMON_COMPILEFRONT_H
