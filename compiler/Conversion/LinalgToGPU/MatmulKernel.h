//===- MatmulKernel.h - Matmuls tiled through shared memory -----*- C++ -*-===//

#ifndef SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H
#define SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace sinter {

/// On a matmul: C = A·B rather than C += A·B (its zero fill was folded).
inline constexpr llvm::StringLiteral kOverwriteAttr = "sinter.gpu_overwrite";

/// Whether the tiled kernel takes this operand (f32, f16, bf16; integer
/// matmuls run as generic reductions).
bool isTiledMatmulType(MemRefType type);

/// Replaces a bufferized linalg.matmul, matmul_transpose_b, batch_matmul or
/// batch_matmul_transpose_b by a gpu.launch of the tiled kernel.
LogicalResult mapMatmulToGPU(linalg::LinalgOp op);

} // namespace sinter

#endif // SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H
