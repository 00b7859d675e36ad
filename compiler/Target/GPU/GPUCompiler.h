//===- GPUCompiler.h - Compile a sinter module to a CUDA artifact -*- C++
//-*-===//
//
// The NVPTX path behind one call, shared by sinter-compile and the tests:
// run sinter-gpu-pipeline, take the PTX out of the gpu.binary and the launch
// table out of the host function, assemble a cubin with ptxas when it is
// installed, and write the artifact (a shared object with the descriptor
// and both binaries, no host code).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H
#define SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H

#include "compiler/Target/CPU/CPUCompiler.h"

namespace sinter::gpu {

/// The architectures code is generated for.
bool isSupportedArch(llvm::StringRef arch);

/// ptxas: `explicitPath` if given, else <toolkit>/bin/ptxas, else PATH.
/// Empty when there is none.
std::string findPtxas(llvm::StringRef explicitPath, llvm::StringRef toolkit);

/// Assembles `ptx` for `arch` with `ptxas`; the cubin's bytes, or ptxas's
/// messages as the error.
absl::StatusOr<std::string>
assemblePtx(llvm::StringRef ptx, llvm::StringRef arch, llvm::StringRef ptxas);

/// The launch table of an entry function lowered by sinter-gpu-kernels
/// (nothing but gpu.launch_func ops left in it).
absl::StatusOr<std::vector<cpu::GPULaunch>>
readLaunches(func::FuncOp host, const cpu::ModelSignature &signature);

/// The constants buffer laid out by sinter-gpu-extract-constants (empty
/// when the entry reads no constant).
absl::StatusOr<std::string> readConstants(ModuleOp module, func::FuncOp host);

/// Compiles `module` (lowered in place) for `options.gpuArch`. Emits a
/// shared object, an object (no header), MLIR, PTX, or Dot.
absl::StatusOr<cpu::CompileResult>
compileModule(ModuleOp module, const cpu::CompileOptions &options,
              cpu::EmitKind emit, llvm::StringRef outputPath,
              llvm::StringRef headerPath = "",
              llvm::StringRef sourceName = "<module>");

} // namespace sinter::gpu

#endif // SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H
