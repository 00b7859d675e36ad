//===- MLIR.h - MLIR's vocabulary inside namespace sinter -------*- C++ -*-===//
//
// Everything Sinter defines lives in one namespace, `sinter` (dialect,
// compiler, frontend, reference interpreter, runtime wrapper), so code that
// says `using namespace mlir;` never meets two namespaces called `sinter`.
// Compiler code is written in MLIR's terms, so MLIR's names are visible inside
// `sinter`, as CIRCT's `circt/Support/LLVM.h` does for its namespace.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_DIALECTS_SINTER_IR_MLIR_H
#define SINTER_DIALECTS_SINTER_IR_MLIR_H

#include "mlir/Support/LLVM.h"

namespace mlir {}

namespace sinter {
using namespace mlir;
} // namespace sinter

#endif // SINTER_DIALECTS_SINTER_IR_MLIR_H
