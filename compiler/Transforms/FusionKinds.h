//===- FusionKinds.h - The kinds of fusion, spelled once --------*- C++ -*-===//
//
// sinter-form-fusions forms five kinds of fusion, and every option that
// selects them (sinter-compile --fusion, the pipelines' `fusion`, the pass's
// `kinds`) parses and describes them here. `none` is the empty set.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_FUSIONKINDS_H
#define SINTER_COMPILER_TRANSFORMS_FUSIONKINDS_H

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <string>

namespace sinter {

class FusionKinds {
public:
  /// Every kind, in the order the help and str() list them.
  static constexpr std::array<llvm::StringLiteral, 5> kNames = {
      "loop", "reduction", "epilogue", "attention", "sibling"};

  static FusionKinds all() { return FusionKinds((1u << kNames.size()) - 1); }
  static FusionKinds none() { return FusionKinds(0); }

  /// "all", "none", or a comma-separated list of kinds. An unknown or empty
  /// kind fails, with `error` naming it and the kinds there are.
  static mlir::FailureOr<FusionKinds> parse(llvm::StringRef text,
                                            std::string &error);

  /// Whether `kind` (one of kNames) is selected.
  bool contains(llvm::StringRef kind) const;
  bool empty() const { return bits == 0; }
  /// "all", "none", or the selected kinds joined by commas.
  std::string str() const;

  /// "all (default), none (the unfused baseline), or a comma-separated list
  /// of loop, reduction, ...", for option descriptions.
  static llvm::StringRef help();

  bool operator==(const FusionKinds &other) const { return bits == other.bits; }

private:
  explicit FusionKinds(uint32_t bits) : bits(bits) {}
  uint32_t bits;
};

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_FUSIONKINDS_H
