//===- TypeInference.h - Shape functions of sinter ops ----------*- C++ -*-===//
//
// One function per op that computes result types from operand types and
// attribute values, emitting a diagnostic that names the offending shapes
// (and the constraint number from the op's documentation) when the inputs are
// invalid. The ops' inferReturnTypes and the GraphBuilder both call these, so
// a builder user and an IR author get the same message (StableHLO keeps its
// shape functions in TypeInference.cpp for the same reason).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_DIALECTS_SINTER_IR_TYPEINFERENCE_H
#define SINTER_DIALECTS_SINTER_IR_TYPEINFERENCE_H

#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>

namespace sinter {

using OptLoc = std::optional<Location>;

/// True for f32, f16, bf16, i1, i32, i64.
bool isSinterElementType(Type type);
/// True for a ranked tensor whose element count fits in int64_t (used by the
/// dialect's tensor type constraints).
bool hasRepresentableElementCount(ShapedType type);

FailureOr<Type> inferElementwise(OptLoc loc, StringRef opName,
                                 TypeRange operands);
FailureOr<Type> inferCompare(OptLoc loc, Type lhs, Type rhs);
FailureOr<Type> inferSelect(OptLoc loc, Type pred, Type onTrue, Type onFalse);
LogicalResult verifyBroadcastInDim(OptLoc loc, Type operand, Type result,
                                   ArrayRef<int64_t> dims);
LogicalResult verifyReshape(OptLoc loc, Type operand, Type result);
FailureOr<Type> inferTranspose(OptLoc loc, Type operand,
                               ArrayRef<int64_t> perm);
FailureOr<Type> inferSlice(OptLoc loc, Type operand, ArrayRef<int64_t> start,
                           ArrayRef<int64_t> limit, ArrayRef<int64_t> strides);
FailureOr<Type> inferConcatenate(OptLoc loc, TypeRange inputs, int64_t dim);
FailureOr<Type> inferGather(OptLoc loc, Type table, Type indices);
FailureOr<Type> inferScatterAdd(OptLoc loc, Type updates, Type indices,
                                int64_t rows);
LogicalResult verifyIota(OptLoc loc, Type result, int64_t dim);
FailureOr<Type> inferReduce(OptLoc loc, Type operand, ReduceKind kind,
                            ArrayRef<int64_t> dims);
FailureOr<Type> inferMatmul(OptLoc loc, Type lhs, Type rhs, bool transposeLhs,
                            bool transposeRhs, Type accumulationType);
/// softmax and log_softmax (keep the shape) and logsumexp (drops `axis`).
FailureOr<Type> inferAxisOp(OptLoc loc, StringRef opName, Type operand,
                            int64_t axis, bool dropsAxis);
/// layer_norm and rms_norm; `affine` holds gamma/beta types (null if absent).
FailureOr<Type> inferNorm(OptLoc loc, StringRef opName, Type operand,
                          ArrayRef<Type> affine, int64_t axis, double epsilon);
FailureOr<Type> inferAttention(OptLoc loc, Type query, Type key, Type value,
                               Type bias);
FailureOr<Type> inferRotaryEmbedding(OptLoc loc, Type operand, Type cos,
                                     Type sin);

} // namespace sinter

#endif // SINTER_DIALECTS_SINTER_IR_TYPEINFERENCE_H
