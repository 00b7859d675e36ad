//===- LoweringUtils.h - Helpers shared by the sinter-to-linalg patterns -===//
//
// The conventions every lowering pattern follows: f16/bf16 values are widened
// to f32 for arithmetic and narrowed once per op (the CPU has no native
// arithmetic for them), reductions accumulate in f32, and results are built
// into `tensor.empty` destinations so one-shot bufferization can place them.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_CONVERSION_SINTERTOLINALG_LOWERINGUTILS_H
#define SINTER_COMPILER_CONVERSION_SINTERTOLINALG_LOWERINGUTILS_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace sinter {

/// f16 and bf16 compute in f32; every other type computes as itself.
Type computeTypeOf(Type elementType);

/// Extends a scalar to `to` (float widening only; no-op when equal).
Value widenScalar(OpBuilder &b, Location loc, Value v, Type to);
/// Narrows a scalar computed in f32 (or a wider int) to `to`.
Value narrowScalar(OpBuilder &b, Location loc, Value v, Type to);

/// `tensor.empty` of `type`.
Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type);
/// `linalg.fill` of a fresh tensor of `type` with `value`.
Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value);

/// A scalar constant of `type` (float or integer) equal to `value`.
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

using ScalarBodyFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A `linalg.generic` over the shape of `resultType` with identity maps for
/// every input, applying `body` to the scalar inputs. Float inputs are
/// widened to their compute type before `body` and the result narrowed to
/// the result's element type after it.
Value buildElementwiseGeneric(OpBuilder &b, Location loc,
                              RankedTensorType resultType, ValueRange inputs,
                              ScalarBodyFn body, bool widenInputs = true);

SmallVector<utils::IteratorType> parallelIterators(int64_t rank);

/// The fastmath flags for reductions: reassociation lets LLVM vectorize the
/// sum (the numerics contract allows a different summation order).
arith::FastMathFlagsAttr reductionFastMath(MLIRContext *ctx);

} // namespace sinter

#endif // SINTER_COMPILER_CONVERSION_SINTERTOLINALG_LOWERINGUTILS_H
