//===- CPUCompiler.h - Compile a sinter module to a CPU artifact -*- C++
//-*-===//
//
// The whole CPU path behind one call, shared by sinter-compile, the
// end-to-end tests and the benchmarks: pick the entry function, read its
// signature, run the MLIR pipeline (verifying after every pass), then write
// the artifact.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H
#define SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H

#include "compiler/Target/CPU/ArtifactWriter.h"
#include "mlir/Pass/PassManager.h"

namespace sinter {
struct FusionLog;
}

namespace sinter::cpu {

/// Dot: the graph after fusion as Graphviz (nothing is lowered further).
/// Ptx: the GPU module's PTX (GPU targets only).
enum class EmitKind { SharedObject, Object, Mlir, Llvm, Asm, Dot, Ptx };

struct CompileOptions {
  TargetOptions target;
  std::string entry;  // empty: the module's only public function
  std::string prefix; // C symbol prefix; empty: the entry's name
  int64_t minParallelWork = 32768;
  bool printIRAfterAll = false;
  bool timePasses = false;
  std::string fusion = "all";     // see FusionPipelineOptions::fusion
  FusionLog *fusionLog = nullptr; // filled when not null
  // GPU targets (gpu::compileModule): the architecture, and ptxas to make
  // a cubin with (empty: looked up in the CUDA toolkit and on PATH).
  std::string gpuArch = "sm_90";
  std::string ptxas;
  std::string cudaToolkit = "/usr/local/cuda";
};

struct CompileResult {
  ModelSignature signature;
  ArtifactInfo info;
  std::string prefix;
};

/// The function to compile: `name`, or the module's only public function.
/// Every other function is erased (calls between functions are not
/// supported). Fails, naming the resource, when a dense_resource the entry
/// reads has no data in the file.
absl::StatusOr<func::FuncOp> selectEntry(ModuleOp module, llvm::StringRef name);

/// --print-ir-after-all and --time-passes-mlir, as `options` asks.
void instrument(PassManager &pm, const CompileOptions &options);

/// Compiles `module` (which it lowers in place) and writes `outputPath`
/// (and, for objects, `headerPath` when not empty). MLIR diagnostics go to
/// the context's handler; the status says which step failed.
absl::StatusOr<CompileResult>
compileModule(ModuleOp module, const CompileOptions &options, EmitKind emit,
              llvm::StringRef outputPath, llvm::StringRef headerPath = "",
              llvm::StringRef sourceName = "<module>");

} // namespace sinter::cpu

#endif // SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H
