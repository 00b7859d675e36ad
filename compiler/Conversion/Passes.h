//===- Passes.h - Sinter's lowering passes ----------------------*- C++ -*-===//

#ifndef SINTER_COMPILER_CONVERSION_PASSES_H
#define SINTER_COMPILER_CONVERSION_PASSES_H

#include "compiler/Target/Common/AbiAttributes.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace sinter {

#define GEN_PASS_DECL
#include "compiler/Conversion/Passes.h.inc"

/// Attribute names of the CPU kernels (the ABI's are in AbiAttributes.h).
inline constexpr llvm::StringLiteral kKernelAttr = "sinter.kernel";
/// A per-iteration stack buffer, hoisted to its kernel's entry.
inline constexpr llvm::StringLiteral kLoopBufferAttr = "sinter.loop_buffer";

#define GEN_PASS_REGISTRATION
#include "compiler/Conversion/Passes.h.inc"

} // namespace sinter

#endif // SINTER_COMPILER_CONVERSION_PASSES_H
