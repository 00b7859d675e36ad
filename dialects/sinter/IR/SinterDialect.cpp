//===- SinterDialect.cpp - The sinter dialect -------------------*- C++ -*-===//
//
// Dialect registration, constant materialization (used by folders) and the
// verifier of the attributes the dialect puts on functions.
//
//===----------------------------------------------------------------------===//

#include "dialects/sinter/IR/SinterDialect.h"

#include "dialects/sinter/IR/EntryFunction.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sinter;

#include "dialects/sinter/IR/SinterDialect.cpp.inc"
#include "dialects/sinter/IR/SinterEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/sinter/IR/SinterAttrs.cpp.inc"

void SinterDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/sinter/IR/SinterAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/sinter/IR/SinterOps.cpp.inc"
      >();
}

Operation *SinterDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type) {
    return nullptr;
  }
  return builder.create<ConstantOp>(loc, elements);
}

LogicalResult
SinterDialect::verifyRegionResultAttribute(Operation *op, unsigned regionIndex,
                                           unsigned resultIndex,
                                           NamedAttribute attribute) {
  if (attribute.getName() != kAliasesInputAttr) {
    return success();
  }
  auto fn = dyn_cast<FunctionOpInterface>(op);
  if (!fn) {
    return op->emitOpError()
           << kAliasesInputAttr << " belongs on the results of a function";
  }
  return verifyAliasesInput(fn, resultIndex, attribute.getValue());
}
