//===- MatmulKernel.h - Matmuls tiled through shared memory -----*- C++ -*-===//

#ifndef SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H
#define SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace sinter {

/// On a matmul: C = A·B rather than C += A·B (its zero fill was folded).
inline constexpr llvm::StringLiteral kOverwriteAttr = "sinter.gpu_overwrite";

/// Whether the tiled kernel takes this operand (f32, f16, bf16; integer
/// matmuls run as generic reductions).
bool isTiledMatmulType(MemRefType type);

/// An elementwise generic applied to the matmul's result in its kernel
/// (bias, activation, residual): C itself is never written.
struct MatmulEpilogue {
  linalg::GenericOp op;
  unsigned input = 0; // the operand reading C, in C's element order
};

/// The epilogue of `matmul` that can be fused: the next op that touches
/// memory is an all-parallel generic marked `sinter.matmul_epilogue`, reading
/// C (or a reshape of it) in order through an identity map over C's
/// elements, and nothing else reads C.
std::optional<MatmulEpilogue> findFusableEpilogue(linalg::LinalgOp matmul);

/// Replaces a bufferized linalg.matmul, matmul_transpose_b, batch_matmul or
/// batch_matmul_transpose_b (and `epilogue`, when given) by a gpu.launch of
/// the tiled kernel.
LogicalResult mapMatmulToGPU(linalg::LinalgOp op,
                             std::optional<MatmulEpilogue> epilogue = {});

} // namespace sinter

#endif // SINTER_COMPILER_CONVERSION_LINALGTOGPU_MATMULKERNEL_H
