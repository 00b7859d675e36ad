//===- SharedPipelines.h - The stages every target runs ---------*- C++ -*-===//
//
// The stages the CPU and GPU paths share, each a registered pipeline:
//
//   sinter-fusion            recognise composites, form sinter.fusion regions
//   sinter-bufferize         tensors -> memrefs, results -> out-params
//
// (Between them each target lowers sinter to linalg with its own attention
// kernel: sinter-cpu-lower-to-linalg, or the GPU's sinter-gpu-kernels.)
//
// and the options every target's pipeline takes. An option that crosses the
// stages (fusion today; precision, a memory budget and training next) is
// declared once, in SharedPipelineOptions, which each target's options
// extend, and is set from CompileOptions in one place
// (target::setSharedPipelineOptions).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_PIPELINES_SHAREDPIPELINES_H
#define SINTER_COMPILER_PIPELINES_SHAREDPIPELINES_H

#include "compiler/Transforms/FusionKinds.h"
#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace sinter {

/// The options of every pipeline: a target's options derive from
/// SharedPipelineOptions<TheirOwnType>.
template <typename Derived>
struct SharedPipelineOptions : public PassPipelineOptions<Derived> {
  template <typename T> using Option = ::mlir::detail::PassOptions::Option<T>;

  Option<std::string> fusion{*this, "fusion",
                             llvm::cl::desc(FusionKinds::help()),
                             llvm::cl::init("all")};
  Option<bool> fusionRemarks{
      *this, "fusion-remarks",
      llvm::cl::desc("tell every fusion decision as a remark (what "
                     "sinter-compile --report=fusion collects)"),
      llvm::cl::init(false)};
};

/// The options of sinter-fusion: the shared ones and the target whose
/// kernels the fusions are for.
struct FusionPipelineOptions
    : public SharedPipelineOptions<FusionPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("whose kernels the fusions are for (cpu, nvptx)"),
      llvm::cl::init("cpu")};
};

/// Composite recognition then sinter-form-fusions for `target` ("cpu",
/// "nvptx"); nothing for "none". An unknown kind is reported by the pass.
void buildFusionPipeline(OpPassManager &pm, llvm::StringRef fusion,
                         bool remarks, llvm::StringRef target);
template <typename Derived>
void buildFusionPipeline(OpPassManager &pm,
                         const SharedPipelineOptions<Derived> &options,
                         llvm::StringRef target) {
  buildFusionPipeline(pm, options.fusion, options.fusionRemarks, target);
}

/// One-shot bufferization across functions; results become out-params.
void buildBufferizePipeline(OpPassManager &pm);

/// Registers the pipelines above with the global pass registry.
void registerSharedPipelines();

} // namespace sinter

#endif // SINTER_COMPILER_PIPELINES_SHAREDPIPELINES_H
