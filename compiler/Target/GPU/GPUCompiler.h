//===- GPUCompiler.h - A sinter module to a CUDA artifact -------*- C++ -*-===//
//
// The NVPTX target, after the compile front (CompileFront.h), reached
// through sinter::compileModule (Compiler.h): run sinter-gpu-pipeline, take the
// PTX out of the gpu.binary and the launch table out of the host function,
// assemble a cubin with ptxas when it is installed, and write the artifact (a
// shared object with the descriptor and both binaries, no host code).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H
#define SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H

#include "compiler/Target/Common/CompileFront.h"

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
absl::StatusOr<std::vector<target::GPULaunch>>
readLaunches(func::FuncOp host, const target::ModelSignature &signature);

/// The constants buffer laid out by sinter-gpu-extract-constants (empty
/// when the entry reads no constant).
absl::StatusOr<std::string> readConstants(ModuleOp module, func::FuncOp host);

/// Refuses what a GPU target cannot do: an unsupported architecture, a
/// header, --emit=llvm or asm.
absl::Status checkOptions(const target::CompileOptions &options,
                          target::EmitKind emit, llvm::StringRef headerPath);

/// Lowers `module` (in place) for `options.gpuArch` from the entry the
/// front selected. Emits a shared object, an object, MLIR or PTX.
absl::StatusOr<target::CompileResult>
compile(ModuleOp module, const target::CompileFront &front,
        const target::CompileOptions &options, target::EmitKind emit,
        llvm::StringRef outputPath, llvm::StringRef sourceName);

} // namespace sinter::gpu

#endif // SINTER_COMPILER_TARGET_GPU_GPUCOMPILER_H
