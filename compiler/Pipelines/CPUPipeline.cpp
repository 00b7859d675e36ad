//===- CPUPipeline.cpp - The named pipelines from sinter to LLVM ---------===//

#include "compiler/Pipelines/CPUPipeline.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

namespace sinter {

void buildCPULowerToLinalgPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createCPULowerAttentionPass());
  pm.addNestedPass<func::FuncOp>(createConvertSinterToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createLowerFusionsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildCPUCodegenPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options) {
  CPUMatmulToVectorPassOptions matmul;
  matmul.vectorWidth = options.vectorWidth;
  matmul.rowsPerKernel = options.matmulRows;
  matmul.vectorsPerRow = options.matmulVectors;
  pm.addPass(createCPUMatmulToVectorPass(matmul));
  pm.addNestedPass<func::FuncOp>(createCPULowerCopiesPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Fused kernels tile with scf.forall; the thread pool runs scf.parallel.
  pm.addPass(createForallToParallelLoopPass());
  pm.addNestedPass<func::FuncOp>(createCPUPromoteLoopBuffersPass());
  pm.addPass(createPlanWorkspacePass());
  // No canonicalization before outlining: it would unroll single-iteration
  // loops into straight-line code at the top level, which is then neither a
  // kernel (no noalias) nor a task.
  CPUOutlineKernelsPassOptions outline;
  outline.minParallelWork = options.minParallelWork;
  pm.addPass(createCPUOutlineKernelsPass(outline));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildCPUToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createCPUApproximateMathPass());
  pm.addPass(createLowerAffinePass());
  // Not arith-expand: it would also rewrite maximumf/minimumf as compares
  // and selects, which LLVM cannot vectorize as a reduction (a row max ran
  // scalar); as llvm.maximum/minimum it can.
  pm.addPass(createCPULegalizeBF16Pass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCPUMarkKernelArgsNoAliasPass());
  pm.addPass(createCanonicalizerPass());
}

void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options) {
  buildFusionPipeline(pm, options, "cpu");
  buildCPULowerToLinalgPipeline(pm);
  buildBufferizePipeline(pm);
  buildCPUCodegenPipeline(pm, options);
  buildCPUToLLVMPipeline(pm);
}

void registerCPUPipelines() {
  PassPipelineRegistration<>(
      "sinter-cpu-lower-to-linalg",
      "Lower sinter to linalg/tensor/arith/math on tensors, attention "
      "flash-style",
      [](OpPassManager &pm) { buildCPULowerToLinalgPipeline(pm); });
  PassPipelineRegistration<CPUPipelineOptions>(
      "sinter-cpu-codegen",
      "Matmul kernels, loops, the workspace plan, kernels and tasks",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUCodegenPipeline(pm, options);
      });
  PassPipelineRegistration<>(
      "sinter-cpu-to-llvm", "Lower the CPU loops to the LLVM dialect",
      [](OpPassManager &pm) { buildCPUToLLVMPipeline(pm); });
  PassPipelineRegistration<CPUPipelineOptions>(
      "sinter-cpu-pipeline", "sinter to the LLVM dialect for the CPU",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        buildCPUPipeline(pm, options);
      });
}

void registerCPUCompilerDialects(DialectRegistry &registry) {
  registry
      .insert<SinterDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, cf::ControlFlowDialect,
              func::FuncDialect, index::IndexDialect, LLVM::LLVMDialect,
              linalg::LinalgDialect, math::MathDialect, memref::MemRefDialect,
              scf::SCFDialect, tensor::TensorDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
}

} // namespace sinter
