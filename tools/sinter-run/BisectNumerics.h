//===- BisectNumerics.h - Find the first kernel that diverges ---*- C++ -*-===//
//
// sinter-run --bisect-numerics: the model of --mlir is fused as sinter-compile
// fuses it, and every kernel (a sinter.fusion, or an op left alone) is cut
// out as a function of its own, compiled for this CPU, run on the values the
// interpreter computes for its operands, and compared with the interpreter's
// values for its results. The first kernel outside the tolerance is written
// as a standalone .mlir with its inputs as .npy files, which reproduces the
// divergence with sinter-compile and sinter-run --check.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TOOLS_SINTER_RUN_BISECTNUMERICS_H
#define SINTER_TOOLS_SINTER_RUN_BISECTNUMERICS_H

#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/Tolerance.h"

#include "absl/status/statusor.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace sinter::tools {

struct BisectOptions {
  std::string entry;     // function of the module; empty: the public one
  std::string fusion;    // as sinter-compile --fusion
  std::string outputDir; // where the reproducer goes
  std::optional<double> atol, rtol; // default: per dtype
};

struct BisectResult {
  int kernels = 0;         // kernels the fused model has
  int diverging = -1;      // index of the first that diverges; -1: none does
  std::string description; // e.g. "kernel 3 of 9: sinter.fusion {kind = ...}"
  std::string message;     // what differs
  std::string reproducer;  // path of the .mlir written
  std::string command;     // the commands that reproduce it
};

/// Bisects `module` on `inputs` (one per argument of the entry). Errors are
/// a status naming the step (fusion, the interpreter, a kernel's compile).
absl::StatusOr<BisectResult>
bisectNumerics(mlir::ModuleOp module,
               const std::vector<reference::HostTensor> &inputs,
               const BisectOptions &options);

} // namespace sinter::tools

#endif // SINTER_TOOLS_SINTER_RUN_BISECTNUMERICS_H
