//===- SinterOps.h - Operations of the sinter dialect -----------*- C++ -*-===//

#ifndef SINTER_DIALECTS_SINTER_IR_SINTEROPS_H
#define SINTER_DIALECTS_SINTER_IR_SINTEROPS_H

#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::sinter {
/// Result type of an elementwise op whose operands must all share one type.
/// Emits (when `loc` is set) a diagnostic naming every operand type if not.
LogicalResult inferSameTypeElementwise(std::optional<Location> loc,
                                       StringRef opName, ValueRange operands,
                                       SmallVectorImpl<Type> &types);
} // namespace mlir::sinter

#define GET_OP_CLASSES
#include "dialects/sinter/IR/SinterOps.h.inc"

#endif // SINTER_DIALECTS_SINTER_IR_SINTEROPS_H
