//===- SinterDialect.h - The sinter dialect ---------------------*- C++ -*-===//

#ifndef SINTER_DIALECTS_SINTER_IR_SINTERDIALECT_H
#define SINTER_DIALECTS_SINTER_IR_SINTERDIALECT_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"

#include "dialects/sinter/IR/SinterDialect.h.inc"
#include "dialects/sinter/IR/SinterEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/sinter/IR/SinterAttrs.h.inc"

#endif // SINTER_DIALECTS_SINTER_IR_SINTERDIALECT_H
