//===- CPUPipeline.h - The named pipelines from sinter to LLVM -*- C++ -*-===//
//
// The CPU compilation path as five stages, each a registered pipeline so lit
// tests can run any prefix of it (the first three are shared with the GPU,
// SharedPipelines.h):
//
//   sinter-fusion            recognise composites, form sinter.fusion regions
//   sinter-cpu-lower-to-linalg   sinter -> linalg/tensor/arith/math (flash
//                            attention, vector-blocked)
//   sinter-bufferize         tensors -> memrefs, results -> out-params
//   sinter-cpu-codegen       matmul kernels, loops, workspace, kernels/tasks
//   sinter-cpu-to-llvm       math approximations, everything -> LLVM dialect
//
// and `sinter-cpu-pipeline`, all five.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_PIPELINES_CPUPIPELINE_H
#define SINTER_COMPILER_PIPELINES_CPUPIPELINE_H

#include "compiler/Pipelines/SharedPipelines.h"
#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir {
class DialectRegistry;
}

namespace sinter {

struct CPUPipelineOptions : public SharedPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector register (16 AVX-512, 8 AVX2)"),
      llvm::cl::init(16)};
  Option<int64_t> matmulRows{*this, "matmul-mr",
                             llvm::cl::desc("rows of C per matmul kernel"),
                             llvm::cl::init(6)};
  Option<int64_t> matmulVectors{
      *this, "matmul-nr", llvm::cl::desc("vectors of C per row per kernel"),
      llvm::cl::init(4)};
  Option<int64_t> minParallelWork{
      *this, "min-parallel-work",
      llvm::cl::desc("iterations below which a loop nest runs on one thread"),
      llvm::cl::init(32768)};
};

void buildCPULowerToLinalgPipeline(OpPassManager &pm);
void buildCPUCodegenPipeline(OpPassManager &pm,
                             const CPUPipelineOptions &options);
void buildCPUToLLVMPipeline(OpPassManager &pm);
/// All of the above, from sinter to the LLVM dialect.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers the pipelines above with the global pass registry.
void registerCPUPipelines();

/// Every dialect, interface model and LLVM translation the CPU path needs.
void registerCPUCompilerDialects(DialectRegistry &registry);

} // namespace sinter

#endif // SINTER_COMPILER_PIPELINES_CPUPIPELINE_H
