//===- GPUPipeline.h - The named pipelines from sinter to PTX ---*- C++ -*-===//
//
// The NVPTX compilation path, each stage a registered pipeline so lit tests
// can run any prefix of it:
//
//   sinter-fusion             recognise composites, form sinter.fusion regions
//   sinter-gpu-kernels        attention fusions -> flash kernels, the rest ->
//                             linalg, bufferize, each loop nest -> gpu.launch,
//                             the workspace plan, the constants buffer,
//                             outlining into one gpu.module
//   sinter-gpu-to-nvvm        the kernels -> NVVM -> PTX (gpu.binary)
//
// and `sinter-gpu-pipeline`, all of them.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_PIPELINES_GPUPIPELINE_H
#define SINTER_COMPILER_PIPELINES_GPUPIPELINE_H

#include "compiler/Pipelines/SharedPipelines.h"
#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
}

namespace sinter {

struct GPUPipelineOptions : public SharedPipelineOptions<GPUPipelineOptions> {
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("GPU architecture (sm_80, sm_90)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit whose libdevice is linked (math "
                     "functions)"),
      llvm::cl::init("/usr/local/cuda")};
};

/// The PTX ISA version every supported architecture's code is emitted for.
inline constexpr llvm::StringLiteral kPtxFeatures = "+ptx80";

void buildGPUKernelsPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options);
void buildGPUToNVVMPipeline(OpPassManager &pm,
                            const GPUPipelineOptions &options);
/// All of the above, from sinter to a host function of gpu.launch_func ops
/// and a gpu.binary holding the PTX.
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

void registerGPUPipelines();

/// Every dialect, interface model and translation the GPU path needs (on
/// top of registerCPUCompilerDialects).
void registerGPUCompilerDialects(DialectRegistry &registry);

} // namespace sinter

#endif // SINTER_COMPILER_PIPELINES_GPUPIPELINE_H
