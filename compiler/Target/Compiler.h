//===- Compiler.h - Compile a sinter module for any target ------*- C++ -*-===//
//
// The one entry point of the compiler, shared by sinter-compile, the
// end-to-end tests and the benchmarks: the options are checked by the target
// they name, the compile front (Common/CompileFront.h) selects the entry and
// reads its signature, `--emit=dot` stops after fusion, and the target (CPU/
// or GPU/) lowers the module and writes the artifact.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_COMPILER_H
#define SINTER_COMPILER_TARGET_COMPILER_H

#include "compiler/Target/Common/CompileOptions.h"

namespace sinter {

/// Compiles `module` (which it lowers in place) for `options.target` and
/// writes `outputPath` (and, for CPU objects, `headerPath` when not empty).
/// MLIR diagnostics go to the context's handler; the status says which step
/// failed.
absl::StatusOr<target::CompileResult>
compileModule(ModuleOp module, const target::CompileOptions &options,
              target::EmitKind emit, llvm::StringRef outputPath,
              llvm::StringRef headerPath = "",
              llvm::StringRef sourceName = "<module>");

} // namespace sinter

#endif // SINTER_COMPILER_TARGET_COMPILER_H
