//===- FusionKinds.cpp - The kinds of fusion, spelled once ----------------===//

#include "compiler/Transforms/FusionKinds.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace sinter {

static std::string joined(llvm::StringRef separator, llvm::StringRef last) {
  std::string out;
  for (size_t i = 0; i < FusionKinds::kNames.size(); ++i) {
    if (i > 0) {
      out += i + 1 == FusionKinds::kNames.size() ? last : separator;
    }
    out += FusionKinds::kNames[i].str();
  }
  return out;
}

mlir::FailureOr<FusionKinds> FusionKinds::parse(llvm::StringRef text,
                                                std::string &error) {
  text = text.trim();
  if (text == "all") {
    return all();
  }
  if (text == "none") {
    return none();
  }
  uint32_t bits = 0;
  llvm::SmallVector<llvm::StringRef> list;
  text.split(list, ',', -1, /*KeepEmpty=*/false);
  if (list.empty()) {
    list.push_back(text); // "" or ",": named in the error
  }
  for (llvm::StringRef kind : list) {
    kind = kind.trim();
    const auto *it = llvm::find(kNames, kind);
    if (it == kNames.end()) {
      error = "unknown fusion kind '" + kind.str() + "' (expected " +
              joined(", ", " or ") + ")";
      return mlir::failure();
    }
    bits |= 1u << (it - kNames.begin());
  }
  return FusionKinds(bits);
}

bool FusionKinds::contains(llvm::StringRef kind) const {
  const auto *it = llvm::find(kNames, kind);
  return it != kNames.end() && (bits >> (it - kNames.begin())) & 1;
}

std::string FusionKinds::str() const {
  if (*this == all()) {
    return "all";
  }
  if (empty()) {
    return "none";
  }
  llvm::SmallVector<llvm::StringRef> selected;
  for (llvm::StringRef kind : kNames) {
    if (contains(kind)) {
      selected.push_back(kind);
    }
  }
  return llvm::join(selected, ",");
}

llvm::StringRef FusionKinds::help() {
  static const std::string text =
      "fusion kinds: all (default), none (the unfused baseline), or a "
      "comma-separated list of " +
      joined(", ", ", ");
  return text;
}

} // namespace sinter
