//===- Kernels.h - The reference interpreter's op kernels -------*- C++ -*-===//
//
// One plain function per op family, on HostTensors and plain attribute
// values, computing in f64. They return unrounded values in row-major order;
// the interpreter rounds them to the result's element type. Kept free of
// MLIR operations so each reads as the maths in SinterOps.td. Inputs are
// assumed verified (the interpreter runs the dialect verifier first). The
// verifier accepts any value of a dialect enum attribute, so a kernel that
// switches over one (ReduceKind, ComparePredicate) returns a status: an
// out-of-range value, cast from a bad integer, must not read as a result.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_REFERENCE_KERNELS_H
#define SINTER_COMPILER_REFERENCE_KERNELS_H

#include "compiler/Reference/Interpreter.h"
#include "dialects/sinter/IR/SinterDialect.h"

#include "llvm/ADT/ArrayRef.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <vector>

namespace sinter::reference {

using Shape = llvm::ArrayRef<int64_t>;
using sinter::ComparePredicate;
using sinter::GeluApproximation;
using sinter::ReduceKind;

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

/// Product of the dimensions (1 for a scalar).
int64_t numElementsOf(Shape shape);
/// Row-major strides: stride[d] = product of shape[d+1:].
std::vector<int64_t> rowMajorStrides(Shape shape);
/// Linear offset of `index` given `strides`.
int64_t linearIndex(Shape index, Shape strides);
/// Calls fn(index) for every multi-index of `shape`, in row-major order (so
/// the n-th call is for linear index n).
template <typename Fn> void forEachIndex(Shape shape, Fn fn) {
  int64_t n = numElementsOf(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t linear = 0; linear < n; ++linear) {
    fn(llvm::ArrayRef<int64_t>(index));
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
}

/// Largest value of a signed `bits`-wide integer held exactly as a double
/// (2^63 - 1024 for 64 bits, since INT64_MAX is not a double).
double largestIntAsDouble(int bits);
/// Bit width of an integer dtype (1, 32, 64); 0 for floats.
int intWidth(DType dtype);
/// An int64 as a stored double: rounded to nearest, except that values
/// which would round up to 2^63 (and so read as a wrap) stay at 2^63 - 1024.
double int64ToDouble(int64_t value);

//===----------------------------------------------------------------------===//
// Elementwise (scalar functions; the interpreter maps them)
//===----------------------------------------------------------------------===//

enum class BinaryFn { Add, Sub, Mul, Div, Max, Min, Pow };
enum class UnaryFn {
  Neg,
  Abs,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Tanh,
  Erf,
  Sigmoid,
  Relu,
  Silu,
  GeluErf,
  GeluTanh,
  GeluSigmoid
};

/// `dtype` is the operands' element type: integers use exact modular
/// arithmetic, floats plain f64.
double applyBinary(BinaryFn fn, DType dtype, double lhs, double rhs);
double applyUnary(UnaryFn fn, DType dtype, double x);
/// Ordered for floats: false when either side is NaN, except `ne`. Fails
/// (InternalError) for a predicate outside the enum.
absl::StatusOr<bool> applyCompare(ComparePredicate predicate, double lhs,
                                  double rhs);
/// Element conversion `from` -> `to`: float to integer truncates toward
/// zero and saturates (NaN gives 0); to i1 is x != 0; otherwise the value is
/// rounded (floats) or wrapped (integers) to `to`.
double applyConvert(DType from, DType to, double x);

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

std::vector<double> broadcastInDim(const HostTensor &x, Shape dims,
                                   Shape resultShape);
std::vector<double> transpose(const HostTensor &x, Shape permutation);
std::vector<double> slice(const HostTensor &x, Shape start, Shape strides,
                          Shape resultShape);
std::vector<double> concatenate(llvm::ArrayRef<const HostTensor *> inputs,
                                int64_t dim);
std::vector<double> gather(const HostTensor &table, const HostTensor &indices);
/// Sums each row of `updates` (the dimensions after the indices') into row
/// clamp(index) of a [rows, ...] table of zeros, in row-major order.
std::vector<double> scatterAdd(const HostTensor &updates,
                               const HostTensor &indices, int64_t rows);
std::vector<double> iota(Shape resultShape, int64_t dim);

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

/// `dims = []` copies `x` exactly. Float sums start from -0.0, the additive
/// identity (so the sum of -0.0 terms stays -0.0); a sum over zero elements
/// is +0.0. Fails (InternalError) for a kind outside the enum.
absl::StatusOr<std::vector<double>> reduce(const HostTensor &x, ReduceKind kind,
                                           Shape dims);
/// `resultShape` is [batch..., M, N].
std::vector<double> matmul(const HostTensor &lhs, const HostTensor &rhs,
                           bool transposeLhs, bool transposeRhs,
                           Shape resultShape);

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

enum class AxisFn { Softmax, LogSoftmax, LogSumExp };
std::vector<double> softmaxFamily(const HostTensor &x, int64_t axis, AxisFn fn);
/// `gamma` and `beta` may be null.
std::vector<double> layerNorm(const HostTensor &x, const HostTensor *gamma,
                              const HostTensor *beta, int64_t axis,
                              double epsilon);
std::vector<double> rmsNorm(const HostTensor &x, const HostTensor *gamma,
                            int64_t axis, double epsilon);
/// `bias` may be null.
std::vector<double> attention(const HostTensor &q, const HostTensor &k,
                              const HostTensor &v, const HostTensor *bias,
                              double scale, bool causal);
/// dQ, dK, dV of attention for the adjoint `dout` of its result `out`.
std::vector<std::vector<double>>
attentionBackward(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                  const HostTensor &out, const HostTensor &dout,
                  const HostTensor *bias, double scale, bool causal);
std::vector<double> rotaryEmbedding(const HostTensor &x, const HostTensor &cos,
                                    const HostTensor &sin, bool interleaved);

} // namespace sinter::reference

#endif // SINTER_COMPILER_REFERENCE_KERNELS_H
