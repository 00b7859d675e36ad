//===- ModelStats.h - Size summary of a built sinter module -----*- C++ -*-===//
//
// Counts what a module holds: sinter ops (recursively, fusion bodies
// included), named parameters and their bytes, inputs and outputs. Used by
// tests, tools and benchmark reports to describe a model in one line.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_FRONTEND_MODELSTATS_H
#define SINTER_FRONTEND_MODELSTATS_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <map>
#include <string>

namespace sinter {

struct ModelStats {
  /// Every op of the sinter dialect, at any depth (constants and
  /// sinter.yield included).
  int64_t numOps = 0;
  /// Elements of the sinter.constant ops that carry a `sinter.name`.
  int64_t numParameters = 0;
  /// Their storage size (bf16/f16 two bytes, i1 one byte).
  int64_t parameterBytes = 0;
  /// Number of named parameter tensors.
  int64_t numParameterTensors = 0;
  /// Arguments and results of the public functions.
  int64_t numInputs = 0;
  int64_t numOutputs = 0;
  /// Op name ("sinter.matmul") -> count.
  std::map<std::string, int64_t> opCounts;

  int64_t count(const std::string &opName) const {
    auto it = opCounts.find(opName);
    return it == opCounts.end() ? 0 : it->second;
  }
  /// "ops=123 params=1.2M (4.8 MB) inputs=1 outputs=1".
  std::string toString() const;
};

ModelStats computeModelStats(mlir::ModuleOp module);

} // namespace sinter

#endif // SINTER_FRONTEND_MODELSTATS_H
