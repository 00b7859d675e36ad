//===- GuardedParse.h - Parsing MLIR text without MLIR 19's crashes -*- C++
//-*-===//
//
// MLIR 19's parser crashes on some inputs instead of reporting an error:
// it recurses once per nesting level (about 2 KB of stack each, so ~4,000
// nested modules, brackets of a dense literal or tuple types overflow the
// 8 MB main stack), `array<i1: 0>` (an integer where i1 takes true or
// false) builds an attribute with no storage that segfaults when printed,
// and a string literal that runs into the end of the file (a file cut
// inside a dense_resource hex blob) makes the lexer read past the buffer.
// sinter-opt, sinter-compile and sinter-run share these guards: a scan of
// the text before parsing, and a large stack to parse and compile on.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TOOLS_COMMON_GUARDEDPARSE_H
#define SINTER_TOOLS_COMMON_GUARDEDPARSE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace sinter::tools {

/// The deepest nesting of (), [], {} and <> the tools accept: far beyond
/// any real model (ranks are at most 16, regions nest a few levels), and
/// far within what kToolStackBytes parses.
inline constexpr int kMaxNesting = 1000;

/// The stack the tools run on (reserved address space; pages are committed
/// only as they are touched).
inline constexpr size_t kToolStackBytes = size_t{256} << 20;

/// Scans MLIR text for what MLIR 19's parser would crash on: nesting deeper
/// than kMaxNesting, an `array<i1: ...>` with an element other than true
/// or false, a string literal cut by the end of the file. Returns "" when there
/// is none, else one line
/// "<name>:<line>:<col>: <what is wrong>". Strings and comments are
/// skipped, so their contents never count.
std::string findParserHazard(llvm::StringRef text, llvm::StringRef name);

/// Parses the module in `sourceMgr`'s main buffer after findParserHazard;
/// a hazard is returned in `hazard` (and nothing is parsed), parse errors go
/// to the context's diagnostic handlers as usual. Call it on a thread from
/// runWithLargeStack.
mlir::OwningOpRef<mlir::ModuleOp> parseModuleGuarded(llvm::SourceMgr &sourceMgr,
                                                     mlir::MLIRContext *context,
                                                     std::string &hazard);

/// Runs `body` on a thread with a kToolStackBytes stack, waits for it and
/// returns its result: the parser, the verifier, the printer and the
/// destructors of deeply nested IR all recurse.
int runWithLargeStack(llvm::function_ref<int()> body);

} // namespace sinter::tools

#endif // SINTER_TOOLS_COMMON_GUARDEDPARSE_H
