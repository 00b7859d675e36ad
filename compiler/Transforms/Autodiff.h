//===- Autodiff.h - Gradients of a scalar loss, as sinter ops ---*- C++ -*-===//
//
// The core of sinter-autodiff, for callers that build graphs (the
// GraphBuilder's `grad`, the training-step builder): the backward ops of a
// loss, written into the block that computes it.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_AUTODIFF_H
#define SINTER_COMPILER_TRANSFORMS_AUTODIFF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace sinter {

/// Writes, at `b`'s insertion point, the backward ops of `loss` (a scalar
/// tensor<f32>) and returns d loss / d v for each v in `wrt`, zeros where no
/// gradient flows. Every op of the insertion block before the insertion
/// point is a forward op; `loss` and each `wrt` value (a float tensor: a
/// block argument or any op result, so the gradient of an intermediate
/// value is asked for the same way) belong to that block. Backward ops no
/// gradient needs are erased. The values in `constants` stop the gradient
/// (as jax.lax.stop_gradient): treated as constants, nothing flows into or
/// through them. Fails with an error at `loc`, or at the op with no rule,
/// leaving the block as it was.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildGradients(mlir::OpBuilder &b, mlir::Location loc, mlir::Value loss,
               mlir::ValueRange wrt, mlir::ValueRange constants = {});

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_AUTODIFF_H
