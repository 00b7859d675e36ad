//===- SinterDialect.cpp - The sinter dialect -------------------*- C++ -*-===//
//
// Dialect registration and constant materialization (used by folders).
//
//===----------------------------------------------------------------------===//

#include "dialects/sinter/IR/SinterDialect.h"

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
