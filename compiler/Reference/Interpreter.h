//===- Interpreter.h - The reference interpreter (oracle) -------*- C++ -*-===//
//
// Evaluates a func.func of `sinter` ops on host buffers, one op at a time, in
// f64 arithmetic, rounding every op's result to its declared element type
// (round to nearest even for f32/f16/bf16). Every compiled path is checked
// against it, so it stays simple and obviously right rather than fast.
//
// Defined edge cases (documented in docs/reference-interpreter.md):
//  - softmax / attention rows whose scores are all -inf give zeros, not NaN;
//    log_softmax and logsumexp of such a row give -inf.
//  - softmax, log_softmax, logsumexp subtract the row max first.
//  - integer division by zero gives 0; float division follows IEEE.
//  - gather clamps indices into [0, rows - 1].
//  - integers are held as doubles: exact within +-2^53.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_REFERENCE_INTERPRETER_H
#define SINTER_COMPILER_REFERENCE_INTERPRETER_H

#include "dialects/sinter/IR/ElementTypes.h"
#include "mlir/IR/BuiltinOps.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::func {
class FuncOp;
}

namespace sinter::reference {

using sinter::DType;

/// A host tensor: row-major values held as doubles. Each value is exactly
/// representable in `dtype` (the interpreter rounds results on the way out;
/// `HostTensor::create` rounds what it is given).
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<double> values;

  int64_t numElements() const;
  /// Rounds `values` to `dtype`; fails if the count does not match `shape`,
  /// a dimension is negative or `dtype` is not one of the six DTypes.
  static absl::StatusOr<HostTensor>
  create(DType dtype, std::vector<int64_t> shape, std::vector<double> values);
  /// Deterministic values in [-1, 1) (floats) or [0, 10) (integers), or 0/1
  /// for i1, from a seed: the same on every machine.
  static HostTensor random(DType dtype, std::vector<int64_t> shape,
                           uint64_t seed);
  std::string shapeString() const; // e.g. "tensor<2x3xf32>"
};

/// Rounds `value` to the nearest value of `dtype` (ties to even for floats;
/// integers truncate toward zero and wrap like two's complement; i1 is
/// value != 0).
double roundToDType(DType dtype, double value);

/// Bytes of physical memory on this machine. No tensor larger than this can
/// be held, so tools refuse one by name instead of dying in the allocator.
uint64_t hostMemoryBytes();

/// The elements of a dense or dense_resource attribute (a constant's value,
/// a lifted parameter's initial value), exactly.
absl::StatusOr<HostTensor> hostTensorOf(mlir::ElementsAttr value);

/// `HostTensor::random` values for every argument of `fn`, argument i with
/// seed `seed + i`. An argument that is not a tensor of a DType gets an
/// empty f32 tensor (which `evaluate` then rejects by name).
std::vector<HostTensor> randomArguments(mlir::func::FuncOp fn, uint64_t seed);

/// Evaluates `fn` on `args` (one per function argument, matching its types)
/// and returns one tensor per result. Fails with a message naming the
/// argument or op on mismatched arguments or an op it cannot evaluate, or
/// a value whose f64 values would not fit in hostMemoryBytes().
absl::StatusOr<std::vector<HostTensor>>
evaluate(mlir::func::FuncOp fn, const std::vector<HostTensor> &args);

/// How to evaluate. exactF64: no rounding at all (arguments, op results),
/// every op in f64 as if every element type were f64; for finite
/// differences, whose steps f32 rounding would drown. `convert` still
/// rounds (it is what the op does).
struct EvaluateOptions {
  bool exactF64 = false;
};
absl::StatusOr<std::vector<HostTensor>>
evaluate(mlir::func::FuncOp fn, const std::vector<HostTensor> &args,
         const EvaluateOptions &options);

/// Evaluates the function named `entry` (default: the module's only public
/// function) of `module`.
absl::StatusOr<std::vector<HostTensor>>
evaluate(mlir::ModuleOp module, const std::vector<HostTensor> &args,
         llvm::StringRef entry = "");

} // namespace sinter::reference

#endif // SINTER_COMPILER_REFERENCE_INTERPRETER_H
