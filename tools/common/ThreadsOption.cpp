//===- ThreadsOption.cpp - The tools' --threads option --------------------===//

#include "tools/common/ThreadsOption.h"

namespace cl = llvm::cl;

cl::opt<int> &sinter::tools::threadsOption(int defaultValue,
                                           cl::OptionCategory *category) {
  llvm::StringMap<cl::Option *> &options = cl::getRegisteredOptions();
  if (auto it = options.find("threads"); it != options.end()) {
    it->second->removeArgument();
  }
  static cl::opt<int> option(
      "threads",
      cl::desc("threads, counting the caller (0: all hardware threads)"),
      cl::init(defaultValue),
      cl::cat(category ? *category : cl::getGeneralCategory()));
  return option;
}
