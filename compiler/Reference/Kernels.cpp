//===- Kernels.cpp - The reference interpreter's op kernels -----*- C++ -*-===//
//
// Straight loops over row-major indices, in f64, in the order the maths in
// SinterOps.td reads. Integer arithmetic that could leave 2^53 (add, sub,
// mul, sums, matmul) is done in 64-bit modular integers and then wrapped to
// the width, so integer results are exact two's complement rather than f64
// approximations.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Kernels.h"

#include "absl/strings/str_cat.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace sinter::reference {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Stored integer values lie in [-2^63, 2^63), so the cast is defined.
uint64_t asBits(double x) {
  return static_cast<uint64_t>(static_cast<int64_t>(x));
}

/// The two's complement value of the low `bits` bits of `u`, as a double.
double wrapBits(uint64_t u, int bits) {
  if (bits == 1) {
    return static_cast<double>(u & 1);
  }
  if (bits == 32) {
    return static_cast<double>(static_cast<int32_t>(static_cast<uint32_t>(u)));
  }
  return int64ToDouble(static_cast<int64_t>(u));
}

/// IEEE 754-2019 maximum/minimum: NaN if either is NaN, and +0 > -0.
double maxOf(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    return kNaN;
  }
  if (a == b) {
    return std::signbit(a) ? b : a;
  }
  return a > b ? a : b;
}
double minOf(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    return kNaN;
  }
  if (a == b) {
    return std::signbit(a) ? a : b;
  }
  return a < b ? a : b;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// Sizes of the dimensions before, at and after `axis`.
struct AxisSplit {
  int64_t outer, n, inner;
};
AxisSplit splitAt(Shape shape, int64_t axis) {
  return {numElementsOf(shape.take_front(axis)), shape[axis],
          numElementsOf(shape.drop_front(axis + 1))};
}

} // namespace

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

int64_t numElementsOf(Shape shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  return n;
}

std::vector<int64_t> rowMajorStrides(Shape shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * shape[d + 1];
  }
  return strides;
}

int64_t linearIndex(Shape index, Shape strides) {
  int64_t linear = 0;
  for (size_t d = 0; d < index.size(); ++d) {
    linear += index[d] * strides[d];
  }
  return linear;
}

double int64ToDouble(int64_t value) {
  double d = static_cast<double>(value);
  // Values within 512 of INT64_MAX round up to 2^63, which would read as a
  // wrap to INT64_MIN; keep them at the largest double below 2^63.
  return d >= 0x1p63 ? largestIntAsDouble(64) : d;
}

int intWidth(DType dtype) {
  switch (dtype) {
  case DType::I1:
    return 1;
  case DType::I32:
    return 32;
  case DType::I64:
    return 64;
  default:
    return 0;
  }
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

double applyBinary(BinaryFn fn, DType dtype, double lhs, double rhs) {
  if (!isFloat(dtype) && fn != BinaryFn::Pow) {
    int bits = intWidth(dtype);
    switch (fn) {
    case BinaryFn::Add:
      return wrapBits(asBits(lhs) + asBits(rhs), bits);
    case BinaryFn::Sub:
      return wrapBits(asBits(lhs) - asBits(rhs), bits);
    case BinaryFn::Mul:
      return wrapBits(asBits(lhs) * asBits(rhs), bits);
    case BinaryFn::Div:
      if (rhs == 0) {
        return 0.0; // defined: integer division by zero gives 0
      }
      if (rhs == -1) {
        return wrapBits(0 - asBits(lhs), bits); // INT_MIN / -1 wraps
      }
      return static_cast<double>(static_cast<int64_t>(lhs) /
                                 static_cast<int64_t>(rhs));
    case BinaryFn::Max:
      return std::max(lhs, rhs);
    case BinaryFn::Min:
      return std::min(lhs, rhs);
    case BinaryFn::Pow:
      break;
    }
  }
  switch (fn) {
  case BinaryFn::Add:
    return lhs + rhs;
  case BinaryFn::Sub:
    return lhs - rhs;
  case BinaryFn::Mul:
    return lhs * rhs;
  case BinaryFn::Div:
    return lhs / rhs;
  case BinaryFn::Max:
    return maxOf(lhs, rhs);
  case BinaryFn::Min:
    return minOf(lhs, rhs);
  case BinaryFn::Pow:
    return std::pow(lhs, rhs);
  }
  return kNaN;
}

double applyUnary(UnaryFn fn, DType dtype, double x) {
  if (!isFloat(dtype)) {
    int bits = intWidth(dtype);
    switch (fn) {
    case UnaryFn::Neg:
      return wrapBits(0 - asBits(x), bits);
    case UnaryFn::Abs:
      return x < 0 ? wrapBits(0 - asBits(x), bits) : x;
    case UnaryFn::Relu:
      return x > 0 ? x : 0.0;
    default:
      break; // the dialect allows only float operands for the rest
    }
  }
  switch (fn) {
  case UnaryFn::Neg:
    return -x;
  case UnaryFn::Abs:
    return std::fabs(x);
  case UnaryFn::Exp:
    return std::exp(x);
  case UnaryFn::Log:
    return std::log(x);
  case UnaryFn::Sqrt:
    return std::sqrt(x);
  case UnaryFn::Rsqrt:
    return 1.0 / std::sqrt(x);
  case UnaryFn::Tanh:
    return std::tanh(x);
  case UnaryFn::Erf:
    return std::erf(x);
  case UnaryFn::Sigmoid:
    return sigmoid(x);
  case UnaryFn::Relu:
    // NaN propagates, as for max(x, 0); -0 becomes +0.
    return std::isnan(x) ? x : (x > 0 ? x : 0.0);
  case UnaryFn::Silu:
    return x * sigmoid(x);
  case UnaryFn::GeluErf:
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  case UnaryFn::GeluTanh: {
    const double kSqrt2OverPi = std::sqrt(2.0 / M_PI);
    return 0.5 * x *
           (1.0 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
  }
  case UnaryFn::GeluSigmoid:
    return x * sigmoid(1.702 * x);
  }
  return kNaN;
}

absl::StatusOr<bool> applyCompare(ComparePredicate predicate, double lhs,
                                  double rhs) {
  // C++'s operators are IEEE's: a NaN operand makes every comparison false
  // but `!=`. Every case returns, so an out-of-range predicate falls out of
  // the switch, and -Wswitch still flags an enum case missing here.
  switch (predicate) {
  case ComparePredicate::eq:
    return lhs == rhs;
  case ComparePredicate::ne:
    return lhs != rhs;
  case ComparePredicate::lt:
    return lhs < rhs;
  case ComparePredicate::le:
    return lhs <= rhs;
  case ComparePredicate::gt:
    return lhs > rhs;
  case ComparePredicate::ge:
    return lhs >= rhs;
  }
  return absl::InternalError(absl::StrCat("invalid ComparePredicate value ",
                                          static_cast<int64_t>(predicate)));
}

double applyConvert(DType from, DType to, double x) {
  if (to == DType::I1) {
    return x != 0.0 ? 1.0 : 0.0;
  }
  if (isFloat(from) && !isFloat(to)) {
    if (std::isnan(x)) {
      return 0.0;
    }
    int bits = intWidth(to);
    double lowest = -std::ldexp(1.0, bits - 1);
    return std::clamp(std::trunc(x), lowest, largestIntAsDouble(bits)) + 0.0;
  }
  return roundToDType(to, x);
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

std::vector<double> broadcastInDim(const HostTensor &x, Shape dims,
                                   Shape resultShape) {
  std::vector<int64_t> strides = rowMajorStrides(x.shape);
  std::vector<double> out;
  out.reserve(numElementsOf(resultShape));
  forEachIndex(resultShape, [&](Shape index) {
    int64_t source = 0;
    for (size_t k = 0; k < dims.size(); ++k) {
      // A size-1 operand dimension is read at 0 whatever the result index.
      int64_t i = x.shape[k] == 1 ? 0 : index[dims[k]];
      source += i * strides[k];
    }
    out.push_back(x.values[source]);
  });
  return out;
}

std::vector<double> transpose(const HostTensor &x, Shape permutation) {
  std::vector<int64_t> strides = rowMajorStrides(x.shape);
  std::vector<int64_t> resultShape, resultToSourceStride;
  for (int64_t p : permutation) {
    resultShape.push_back(x.shape[p]);
    resultToSourceStride.push_back(strides[p]);
  }
  std::vector<double> out;
  out.reserve(x.values.size());
  forEachIndex(resultShape, [&](Shape index) {
    out.push_back(x.values[linearIndex(index, resultToSourceStride)]);
  });
  return out;
}

std::vector<double> slice(const HostTensor &x, Shape start, Shape strides,
                          Shape resultShape) {
  std::vector<int64_t> sourceStrides = rowMajorStrides(x.shape);
  std::vector<double> out;
  out.reserve(numElementsOf(resultShape));
  forEachIndex(resultShape, [&](Shape index) {
    int64_t source = 0;
    for (size_t d = 0; d < index.size(); ++d) {
      source += (start[d] + index[d] * strides[d]) * sourceStrides[d];
    }
    out.push_back(x.values[source]);
  });
  return out;
}

std::vector<double> concatenate(llvm::ArrayRef<const HostTensor *> inputs,
                                int64_t dim) {
  // Row-major: for each index before `dim`, the inputs' contiguous blocks
  // (their size along `dim` times everything after it) follow one another.
  const HostTensor &first = *inputs.front();
  int64_t outer = numElementsOf(Shape(first.shape).take_front(dim));
  int64_t inner = numElementsOf(Shape(first.shape).drop_front(dim + 1));
  std::vector<double> out;
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor *input : inputs) {
      int64_t block = input->shape[dim] * inner;
      auto begin = input->values.begin() + o * block;
      out.insert(out.end(), begin, begin + block);
    }
  }
  return out;
}

std::vector<double> gather(const HostTensor &table, const HostTensor &indices) {
  int64_t rows = table.shape[0];
  int64_t rowSize = numElementsOf(Shape(table.shape).drop_front());
  std::vector<double> out;
  out.reserve(indices.values.size() * rowSize);
  for (double index : indices.values) {
    if (rows == 0) {
      // No row to clamp into: an empty table reads as zeros.
      out.insert(out.end(), rowSize, 0.0);
      continue;
    }
    // Clamped as in XLA, so a bad token id cannot read outside the table.
    int64_t row = static_cast<int64_t>(
        std::clamp(index, 0.0, static_cast<double>(rows - 1)));
    auto begin = table.values.begin() + row * rowSize;
    out.insert(out.end(), begin, begin + rowSize);
  }
  return out;
}

std::vector<double> scatterAdd(const HostTensor &updates,
                               const HostTensor &indices, int64_t rows) {
  int64_t n = static_cast<int64_t>(indices.values.size());
  int64_t rowSize =
      numElementsOf(Shape(updates.shape).drop_front(indices.shape.size()));
  std::vector<double> out(rows * rowSize, 0.0);
  if (rows == 0) {
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t row = static_cast<int64_t>(
        std::clamp(indices.values[i], 0.0, static_cast<double>(rows - 1)));
    for (int64_t k = 0; k < rowSize; ++k) {
      out[row * rowSize + k] += updates.values[i * rowSize + k];
    }
  }
  return out;
}

std::vector<double> iota(Shape resultShape, int64_t dim) {
  std::vector<double> out;
  out.reserve(numElementsOf(resultShape));
  forEachIndex(resultShape, [&](Shape index) {
    out.push_back(static_cast<double>(index[dim]));
  });
  return out;
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

/// The accumulator's starting value, or nullopt for a kind outside the enum.
static std::optional<double> reduceInit(ReduceKind kind, DType dtype) {
  bool isInt = !isFloat(dtype);
  int bits = intWidth(dtype);
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    // -0.0 is the additive identity (-0 + x == x for x = +-0 too); starting
    // from +0.0 would turn a sum of -0.0 terms into +0.0.
    return -0.0;
  case ReduceKind::max:
    return isInt ? -std::ldexp(1.0, bits - 1) : -kInf;
  case ReduceKind::min:
    return isInt ? largestIntAsDouble(bits) : kInf;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<double>> reduce(const HostTensor &x, ReduceKind kind,
                                           Shape dims) {
  std::optional<double> init = reduceInit(kind, x.dtype);
  if (!init) {
    return absl::InternalError(
        absl::StrCat("invalid ReduceKind value ", static_cast<int64_t>(kind)));
  }
  if (dims.empty()) {
    return x.values; // reducing over no dimension is the identity, exactly
  }
  // Map each operand index to its result index by the strides of the kept
  // dimensions; reduced dimensions contribute stride 0.
  std::vector<int64_t> keptShape;
  for (int64_t d = 0; d < static_cast<int64_t>(x.shape.size()); ++d) {
    if (!llvm::is_contained(dims, d)) {
      keptShape.push_back(x.shape[d]);
    }
  }
  std::vector<int64_t> keptStrides = rowMajorStrides(keptShape);
  std::vector<int64_t> toResult(x.shape.size(), 0);
  int64_t reducedCount = 1;
  for (int64_t d = 0, k = 0; d < static_cast<int64_t>(x.shape.size()); ++d) {
    if (llvm::is_contained(dims, d)) {
      reducedCount *= x.shape[d];
    } else {
      toResult[d] = keptStrides[k++];
    }
  }
  int64_t resultSize = numElementsOf(keptShape);
  bool isInt = !isFloat(x.dtype);
  int bits = intWidth(x.dtype);
  bool isSum = kind == ReduceKind::sum || kind == ReduceKind::mean;

  std::vector<double> acc(resultSize, *init);
  std::vector<uint64_t> intSum(resultSize, 0);
  int64_t linear = 0;
  forEachIndex(x.shape, [&](Shape index) {
    int64_t r = linearIndex(index, toResult);
    double v = x.values[linear++];
    if (isSum && isInt) {
      intSum[r] += asBits(v);
    } else if (isSum) {
      acc[r] += v;
    } else if (kind == ReduceKind::max) {
      acc[r] = maxOf(acc[r], v);
    } else {
      acc[r] = minOf(acc[r], v);
    }
  });
  if (isSum && isInt) {
    for (int64_t r = 0; r < resultSize; ++r) {
      acc[r] = wrapBits(intSum[r], bits);
    }
  } else if (isSum && reducedCount == 0) {
    // The sum of no terms is +0.0 (numpy agrees), not the -0.0 the
    // accumulator started from.
    std::fill(acc.begin(), acc.end(), 0.0);
  }
  if (kind == ReduceKind::mean) {
    for (double &a : acc) {
      a /= static_cast<double>(reducedCount); // 0/0 = NaN for an empty mean
    }
  }
  return acc;
}

std::vector<double> matmul(const HostTensor &lhs, const HostTensor &rhs,
                           bool transposeLhs, bool transposeRhs,
                           Shape resultShape) {
  size_t lr = lhs.shape.size(), rr = rhs.shape.size();
  int64_t m = resultShape[resultShape.size() - 2];
  int64_t n = resultShape.back();
  int64_t k = transposeLhs ? lhs.shape[lr - 2] : lhs.shape[lr - 1];
  int64_t batches = numElementsOf(resultShape.drop_back(2));
  // A rank-2 operand is one matrix shared by every batch of the other.
  int64_t lhsBatchStride = lr > 2 ? m * k : 0;
  int64_t rhsBatchStride = rr > 2 ? k * n : 0;
  bool isInt = !isFloat(lhs.dtype);
  int bits = intWidth(lhs.dtype);

  // Copy each batch's operands into row-major A [m, k] and B^T [n, k], so
  // the inner loop is a dot product over two contiguous rows (p ascending,
  // the same summation order as the textbook loop, ~5x faster).
  std::vector<double> out;
  out.reserve(batches * m * n);
  std::vector<double> a(m * k), bt(n * k);
  for (int64_t b = 0; b < batches; ++b) {
    const double *l = lhs.values.data() + b * lhsBatchStride;
    const double *r = rhs.values.data() + b * rhsBatchStride;
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t p = 0; p < k; ++p) {
        a[i * k + p] = transposeLhs ? l[p * m + i] : l[i * k + p];
      }
    }
    for (int64_t j = 0; j < n; ++j) {
      for (int64_t p = 0; p < k; ++p) {
        bt[j * k + p] = transposeRhs ? r[j * k + p] : r[p * n + j];
      }
    }
    for (int64_t i = 0; i < m; ++i) {
      const double *row = a.data() + i * k;
      for (int64_t j = 0; j < n; ++j) {
        const double *col = bt.data() + j * k;
        if (isInt) {
          uint64_t intSum = 0;
          for (int64_t p = 0; p < k; ++p) {
            intSum += asBits(row[p]) * asBits(col[p]);
          }
          out.push_back(wrapBits(intSum, bits));
        } else {
          double sum = 0.0;
          for (int64_t p = 0; p < k; ++p) {
            sum += row[p] * col[p];
          }
          out.push_back(sum);
        }
      }
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

std::vector<double> softmaxFamily(const HostTensor &x, int64_t axis,
                                  AxisFn fn) {
  AxisSplit s = splitAt(x.shape, axis);
  std::vector<double> out(fn == AxisFn::LogSumExp ? s.outer * s.inner
                                                  : x.values.size());
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      auto at = [&](int64_t j) { return o * s.n * s.inner + j * s.inner + i; };
      double max = -kInf;
      for (int64_t j = 0; j < s.n; ++j) {
        max = maxOf(max, x.values[at(j)]);
      }
      if (max == -kInf) {
        // Fully masked (or empty) row: defined as zeros / -inf, not NaN.
        if (fn == AxisFn::LogSumExp) {
          out[o * s.inner + i] = -kInf;
        } else {
          for (int64_t j = 0; j < s.n; ++j) {
            out[at(j)] = fn == AxisFn::Softmax ? 0.0 : -kInf;
          }
        }
        continue;
      }
      double sum = 0.0;
      for (int64_t j = 0; j < s.n; ++j) {
        sum += std::exp(x.values[at(j)] - max);
      }
      if (fn == AxisFn::LogSumExp) {
        out[o * s.inner + i] = max + std::log(sum);
        continue;
      }
      for (int64_t j = 0; j < s.n; ++j) {
        double shifted = x.values[at(j)] - max;
        out[at(j)] = fn == AxisFn::Softmax ? std::exp(shifted) / sum
                                           : shifted - std::log(sum);
      }
    }
  }
  return out;
}

std::vector<double> layerNorm(const HostTensor &x, const HostTensor *gamma,
                              const HostTensor *beta, int64_t axis,
                              double epsilon) {
  int64_t n = numElementsOf(Shape(x.shape).drop_front(axis));
  int64_t outer = numElementsOf(Shape(x.shape).take_front(axis));
  std::vector<double> out(x.values.size());
  for (int64_t o = 0; o < outer; ++o) {
    const double *row = x.values.data() + o * n;
    double mean = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      mean += row[j];
    }
    mean /= static_cast<double>(n);
    // Two passes: the variance of the centred values, biased (divide by n).
    double var = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      var += (row[j] - mean) * (row[j] - mean);
    }
    var /= static_cast<double>(n);
    double denom = std::sqrt(var + epsilon);
    for (int64_t j = 0; j < n; ++j) {
      double y = (row[j] - mean) / denom;
      if (gamma) {
        y *= gamma->values[j];
      }
      if (beta) {
        y += beta->values[j];
      }
      out[o * n + j] = y;
    }
  }
  return out;
}

std::vector<double> rmsNorm(const HostTensor &x, const HostTensor *gamma,
                            int64_t axis, double epsilon) {
  int64_t n = numElementsOf(Shape(x.shape).drop_front(axis));
  int64_t outer = numElementsOf(Shape(x.shape).take_front(axis));
  std::vector<double> out(x.values.size());
  for (int64_t o = 0; o < outer; ++o) {
    const double *row = x.values.data() + o * n;
    double meanSquare = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      meanSquare += row[j] * row[j];
    }
    meanSquare /= static_cast<double>(n);
    double denom = std::sqrt(meanSquare + epsilon);
    for (int64_t j = 0; j < n; ++j) {
      out[o * n + j] = row[j] / denom * (gamma ? gamma->values[j] : 1.0);
    }
  }
  return out;
}

namespace {

/// The rows of attention's probabilities, as the forward and the backward
/// both compute them.
struct AttentionRows {
  const HostTensor &q, &k;
  const HostTensor *bias;
  double scale;
  bool causal;

  /// Row i of head (b, h): p[j] = exp(score_j - max) for the keys the query
  /// sees (visible[j]; causal: j <= i + (T - S), and unseen keys take no
  /// part at all, not even 0 * value). Returns the sum of p, 0 when the
  /// row sees no key (every score -inf).
  double row(int64_t b, int64_t h, int64_t i, std::vector<double> &p,
             std::vector<bool> &visible) const {
    int64_t heads = q.shape[1], s = q.shape[2], d = q.shape[3];
    int64_t t = k.shape[2];
    const double *qi = q.values.data() + ((b * heads + h) * s + i) * d;
    const double *kh = k.values.data() + (b * heads + h) * t * d;
    // The bias broadcasts over batch and heads when those sizes are 1.
    const double *bi = nullptr;
    if (bias) {
      int64_t bb = bias->shape[0] == 1 ? 0 : b;
      int64_t hb = bias->shape[1] == 1 ? 0 : h;
      bi = bias->values.data() + ((bb * bias->shape[1] + hb) * s + i) * t;
    }
    double max = -kInf;
    for (int64_t j = 0; j < t; ++j) {
      visible[j] = !causal || j <= i + (t - s);
      if (!visible[j]) {
        continue;
      }
      double dot = 0.0;
      for (int64_t e = 0; e < d; ++e) {
        dot += qi[e] * kh[j * d + e];
      }
      p[j] = dot * scale + (bi ? bi[j] : 0.0);
      max = maxOf(max, p[j]);
    }
    if (max == -kInf) {
      return 0.0;
    }
    double sum = 0.0;
    for (int64_t j = 0; j < t; ++j) {
      if (visible[j]) {
        p[j] = std::exp(p[j] - max);
        sum += p[j];
      }
    }
    return sum;
  }
};

} // namespace

std::vector<double> attention(const HostTensor &q, const HostTensor &k,
                              const HostTensor &v, const HostTensor *bias,
                              double scale, bool causal) {
  int64_t batch = q.shape[0], heads = q.shape[1], s = q.shape[2];
  int64_t t = k.shape[2], dv = v.shape[3];
  AttentionRows rows{q, k, bias, scale, causal};
  std::vector<double> out;
  out.reserve(batch * heads * s * dv);
  std::vector<double> p(t);
  std::vector<bool> visible(t);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      const double *vh = v.values.data() + (b * heads + h) * t * dv;
      for (int64_t i = 0; i < s; ++i) {
        double sum = rows.row(b, h, i, p, visible);
        if (sum == 0.0) {
          out.insert(out.end(), dv, 0.0); // no key to attend to: zeros
          continue;
        }
        for (int64_t e = 0; e < dv; ++e) {
          double acc = 0.0;
          for (int64_t j = 0; j < t; ++j) {
            if (visible[j]) {
              acc += p[j] / sum * vh[j * dv + e];
            }
          }
          out.push_back(acc);
        }
      }
    }
  }
  return out;
}

std::vector<std::vector<double>>
attentionBackward(const HostTensor &q, const HostTensor &k, const HostTensor &v,
                  const HostTensor &out, const HostTensor &dout,
                  const HostTensor *bias, double scale, bool causal) {
  int64_t batch = q.shape[0], heads = q.shape[1], s = q.shape[2],
          d = q.shape[3];
  int64_t t = k.shape[2], dv = v.shape[3];
  AttentionRows rows{q, k, bias, scale, causal};
  std::vector<double> dq(q.values.size(), 0.0), dk(k.values.size(), 0.0),
      dvv(v.values.size(), 0.0);
  std::vector<double> p(t);
  std::vector<bool> visible(t);
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      int64_t bhq = (b * heads + h) * s, bhk = (b * heads + h) * t;
      const double *qh = q.values.data() + bhq * d;
      const double *kh = k.values.data() + bhk * d;
      const double *vh = v.values.data() + bhk * dv;
      const double *oh = out.values.data() + bhq * dv;
      const double *doh = dout.values.data() + bhq * dv;
      for (int64_t i = 0; i < s; ++i) {
        double sum = rows.row(b, h, i, p, visible);
        if (sum == 0.0) {
          continue; // sees no key: no gradient flows through the row
        }
        double rowDot = 0.0; // rowsum(dout * out)
        for (int64_t e = 0; e < dv; ++e) {
          rowDot += doh[i * dv + e] * oh[i * dv + e];
        }
        for (int64_t j = 0; j < t; ++j) {
          if (!visible[j] || p[j] == 0.0) {
            continue; // a masked key (or -inf bias) takes no part
          }
          double pj = p[j] / sum, dp = 0.0;
          for (int64_t e = 0; e < dv; ++e) {
            dp += doh[i * dv + e] * vh[j * dv + e];
            dvv[(bhk + j) * dv + e] += pj * doh[i * dv + e];
          }
          double ds = pj * (dp - rowDot) * scale;
          for (int64_t e = 0; e < d; ++e) {
            dq[(bhq + i) * d + e] += ds * kh[j * d + e];
            dk[(bhk + j) * d + e] += ds * qh[i * d + e];
          }
        }
      }
    }
  }
  return {std::move(dq), std::move(dk), std::move(dvv)};
}

std::vector<double> rotaryEmbedding(const HostTensor &x, const HostTensor &cos,
                                    const HostTensor &sin, bool interleaved) {
  size_t rank = x.shape.size();
  int64_t s = x.shape[rank - 2], d = x.shape[rank - 1], half = d / 2;
  int64_t lead = s * d == 0 ? 0 : numElementsOf(x.shape) / (s * d);
  std::vector<double> out(x.values.size());
  for (int64_t l = 0; l < lead; ++l) {
    for (int64_t p = 0; p < s; ++p) {
      const double *row = x.values.data() + (l * s + p) * d;
      double *dst = out.data() + (l * s + p) * d;
      for (int64_t i = 0; i < half; ++i) {
        // GPT-J pairs neighbours; GPT-NeoX/LLaMA pair the two halves.
        int64_t ia = interleaved ? 2 * i : i;
        int64_t ib = interleaved ? 2 * i + 1 : i + half;
        double a = row[ia], b = row[ib];
        double c = cos.values[p * half + i], sn = sin.values[p * half + i];
        dst[ia] = a * c - b * sn;
        dst[ib] = b * c + a * sn;
      }
    }
  }
  return out;
}

} // namespace sinter::reference
