//===- SinterOps.h - Operations of the sinter dialect -----------*- C++ -*-===//

#ifndef SINTER_DIALECTS_SINTER_IR_SINTEROPS_H
#define SINTER_DIALECTS_SINTER_IR_SINTEROPS_H

#include "dialects/sinter/IR/SinterDialect.h"
#include "dialects/sinter/IR/TypeInference.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace sinter {
/// Result type of an elementwise op whose operands must all share one type.
/// Emits (when `loc` is set) a diagnostic naming every operand type if not.
LogicalResult inferSameTypeElementwise(std::optional<Location> loc,
                                       StringRef opName, ValueRange operands,
                                       SmallVectorImpl<Type> &types);

/// Runs the op's shape function (which reports the constraint and names the
/// shapes) and compares its result with the declared result types, ahead of
/// the traits listed after it in ODS. See Sinter_InferTypeOpAdaptor.
template <typename ConcreteType>
class VerifyInferredTypesFirst
    : public OpTrait::TraitBase<ConcreteType, VerifyInferredTypesFirst> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    SmallVector<Type, 1> inferred;
    if (failed(ConcreteType::inferReturnTypes(
            op->getContext(), op->getLoc(), op->getOperands(),
            op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
            op->getRegions(), inferred))) {
      return failure();
    }
    if (TypeRange(inferred) != op->getResultTypes()) {
      auto diag = op->emitOpError() << "result type";
      diag << (op->getNumResults() == 1 ? " " : "s (");
      llvm::interleaveComma(op->getResultTypes(), diag);
      diag << (op->getNumResults() == 1 ? "" : ")")
           << " does not match the inferred ";
      llvm::interleaveComma(inferred, diag);
      return diag;
    }
    return success();
  }
};

/// Calls the op's `verifyShapes()` when the traits are verified, ahead of the
/// traits listed after it in ODS (OpTrait::Elementwise's message names no
/// shapes; ours do). Operand/result type constraints are checked before.
template <typename ConcreteType>
class VerifyShapesFirst
    : public OpTrait::TraitBase<ConcreteType, VerifyShapesFirst> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return cast<ConcreteType>(op).verifyShapes();
  }
};
} // namespace sinter

#define GET_OP_CLASSES
#include "dialects/sinter/IR/SinterOps.h.inc"

#endif // SINTER_DIALECTS_SINTER_IR_SINTEROPS_H
