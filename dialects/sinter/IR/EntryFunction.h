//===- EntryFunction.h - How a model's entry function names its buffers -===//
//
// A model is its public function: arguments are its inputs, results its
// outputs, each named by `sinter.name`. A result may also carry
// `sinter.aliases_input = "<input name>"`: the output is written in place
// over that input's buffer when the caller gives both one buffer (JAX's
// donated arguments, XLA's input_output_alias), which is how a training
// step updates its parameters and optimizer state without a second copy.
// The dialect verifies the attribute (an existing input of the same type,
// aliased by one result at most); the bufferization, the artifact writer
// and the runtime read it through these helpers.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_DIALECTS_SINTER_IR_ENTRYFUNCTION_H
#define SINTER_DIALECTS_SINTER_IR_ENTRYFUNCTION_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace sinter {

/// Names inputs (argument attribute) and outputs (result attribute).
inline constexpr llvm::StringLiteral kEntryNameAttr = "sinter.name";
/// On a result: the name of the input whose buffer it may be written into.
inline constexpr llvm::StringLiteral kAliasesInputAttr = "sinter.aliases_input";

/// Argument `i`'s `sinter.name`, or "input<i>" (the ABI's fallback).
std::string entryInputName(FunctionOpInterface fn, unsigned i);
/// Result `i`'s `sinter.name`, or "output<i>".
std::string entryOutputName(FunctionOpInterface fn, unsigned i);

/// The argument that result `result` aliases, or nullopt. Assumes the
/// function verified (see verifyAliasesInput).
std::optional<unsigned> aliasedInput(FunctionOpInterface fn, unsigned result);

/// Checks `sinter.aliases_input = value` on result `result` of `fn`: a
/// string naming exactly one argument, of the result's type, that no other
/// result aliases. Emits the error on `fn`.
LogicalResult verifyAliasesInput(FunctionOpInterface fn, unsigned result,
                                 Attribute value);

} // namespace sinter

#endif // SINTER_DIALECTS_SINTER_IR_ENTRYFUNCTION_H
