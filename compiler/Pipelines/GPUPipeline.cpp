//===- GPUPipeline.cpp - The named pipelines from sinter to PTX ----------===//

#include "compiler/Pipelines/GPUPipeline.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/SharedPipelines.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

namespace sinter {

void buildGPUKernelsPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options) {
  buildFusionPipeline(pm, options, "nvptx");
  pm.addNestedPass<func::FuncOp>(createGPULowerAttentionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createConvertSinterToLinalgPass());
  LowerFusionsPassOptions fusions;
  // A row buffer would take shared memory; recomputing an exp is cheap.
  fusions.rowBuffers = false;
  pm.addNestedPass<func::FuncOp>(createLowerFusionsPass(fusions));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  buildBufferizePipeline(pm);
  pm.addPass(createGPUMapKernelsPass());
  pm.addPass(createPlanWorkspacePass());
  pm.addPass(createGPUExtractConstantsPass());
  pm.addPass(createGPUSinkIntoLaunchesPass());
  pm.addPass(createGPUOutlineKernelsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildGPUToNVVMPipeline(OpPassManager &pm,
                            const GPUPipelineOptions &options) {
  GpuNVVMAttachTargetOptions target;
  target.chip = options.arch.getValue();
  target.features = kPtxFeatures.str();
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createLowerAffinePass());
  // ceildivsi/floordivsi (integer division ops) have no NVVM lowering.
  kernels.addPass(arith::createArithExpandOpsPass());
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createConvertSCFToCFPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  // Kernels take bare pointers: the runtime passes a buffer's address and
  // nothing else (shapes are static).
  nvvm.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa"; // PTX; ptxas runs separately
  binary.toolkitPath = options.toolkit.getValue();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options) {
  buildGPUKernelsPipeline(pm, options);
  buildGPUToNVVMPipeline(pm, options);
}

void registerGPUPipelines() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "sinter-gpu-kernels",
      "sinter to gpu.launch_func kernels of one gpu.module per entry",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUKernelsPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "sinter-gpu-to-nvvm", "The kernel module to NVVM, then PTX",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUToNVVMPipeline(pm, options);
      });
  PassPipelineRegistration<GPUPipelineOptions>(
      "sinter-gpu-pipeline", "sinter to PTX for NVIDIA GPUs",
      [](OpPassManager &pm, const GPUPipelineOptions &options) {
        buildGPUPipeline(pm, options);
      });
}

void registerGPUCompilerDialects(DialectRegistry &registry) {
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
}

} // namespace sinter
