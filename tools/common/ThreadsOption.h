//===- ThreadsOption.h - The tools' --threads option ------------*- C++ -*-===//
//
// Debian's libLLVM already registers an undocumented global "threads"
// option, so a static cl::opt of that name aborts at start-up. This one
// replaces it; call it from main before parsing the command line.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TOOLS_COMMON_THREADSOPTION_H
#define SINTER_TOOLS_COMMON_THREADSOPTION_H

#include "llvm/Support/CommandLine.h"

namespace sinter::tools {

/// The --threads option (registered on the first call, with `defaultValue`
/// and in `category` when given).
llvm::cl::opt<int> &threadsOption(int defaultValue = 0,
                                  llvm::cl::OptionCategory *category = nullptr);

} // namespace sinter::tools

#endif // SINTER_TOOLS_COMMON_THREADSOPTION_H
