//===- AbiAttributes.h - What the lowering tells the ABI --------*- C++ -*-===//
//
// The attributes the lowering passes leave on the entry function for the
// artifact writer (ArtifactWriter.cpp, GPUCompiler.cpp) to describe in the
// ABI: the sizes of the buffers the runtime allocates for a model, and the
// calling convention of its entry. Header-only: the passes that set them
// (compiler/Conversion) include it without linking the target library.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_COMMON_ABIATTRIBUTES_H
#define SINTER_COMPILER_TARGET_COMMON_ABIATTRIBUTES_H

#include "llvm/ADT/StringRef.h"

namespace sinter {

/// The bytes of the workspace buffer the entry takes after its outputs.
inline constexpr llvm::StringLiteral kWorkspaceBytesAttr =
    "sinter.workspace_bytes";
/// GPU: the bytes of the constants buffer an entry takes after its
/// workspace, and each constant global's offset in it.
inline constexpr llvm::StringLiteral kConstantBytesAttr =
    "sinter.constant_bytes";
inline constexpr llvm::StringLiteral kConstantOffsetAttr =
    "sinter.constant_offset";
/// CPU: the entry takes the runtime's environment (its thread pool) last.
inline constexpr llvm::StringLiteral kTakesEnvironmentAttr =
    "sinter.takes_environment";

} // namespace sinter

#endif // SINTER_COMPILER_TARGET_COMMON_ABIATTRIBUTES_H
