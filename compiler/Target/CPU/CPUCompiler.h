//===- CPUCompiler.h - A sinter module to a CPU artifact --------*- C++ -*-===//
//
// The CPU target, after the compile front (CompileFront.h): resolve the
// target CPU, run sinter-cpu-pipeline (verifying after every pass), then
// write the artifact. Reached through sinter::compileModule (Compiler.h).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H
#define SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H

#include "compiler/Target/Common/CompileFront.h"

namespace sinter::cpu {

/// Refuses what a CPU target cannot emit (--emit=ptx).
absl::Status checkOptions(const target::CompileOptions &options,
                          target::EmitKind emit);

/// Lowers `module` (in place) from the entry the front selected and writes
/// `outputPath` (and, for objects, `headerPath` when not empty). MLIR
/// diagnostics go to the context's handler; the status says which step
/// failed.
absl::StatusOr<target::CompileResult>
compile(ModuleOp module, const target::CompileFront &front,
        const target::CompileOptions &options, target::EmitKind emit,
        llvm::StringRef outputPath, llvm::StringRef headerPath,
        llvm::StringRef sourceName);

} // namespace sinter::cpu

#endif // SINTER_COMPILER_TARGET_CPU_CPUCOMPILER_H
