//===- HostTensor.cpp - Host tensors and rounding ---------------*- C++ -*-===//
//
// The value side of the reference interpreter: HostTensor, the exact rounding
// of an f64 value to each element type, and the deterministic random fill.
// Rounding is where an oracle is most easily wrong, so each case is spelled
// out: f32 through the C++ cast (round to nearest even) with the overflow
// range handled explicitly (a cast that overflows is undefined behaviour);
// f16 and bf16 through llvm::APFloat, which rounds once, exactly, from the
// double (going through float first could round twice). The one value that
// can still round twice is an i64 beyond 2^53 converted to a float: it is
// already held as the nearest double, and that double is rounded again.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"

#include "compiler/Reference/Kernels.h"

#include "absl/strings/str_cat.h"
#include "llvm/ADT/APFloat.h"

#include <cfloat>
#include <cmath>

namespace sinter::reference {

namespace {

/// Rounds to f32 (ties to even). |x| >= 2^128 - 2^103 (the midpoint between
/// FLT_MAX and 2^128) rounds to infinity, as IEEE round-to-nearest does.
double roundToF32(double x) {
  if (std::isnan(x) || std::isinf(x)) {
    return x;
  }
  constexpr double kOverflowMidpoint = 0x1.ffffffp127;
  double mag = std::fabs(x);
  if (mag >= kOverflowMidpoint) {
    return std::copysign(INFINITY, x);
  }
  if (mag > FLT_MAX) {
    return std::copysign(static_cast<double>(FLT_MAX), x);
  }
  return static_cast<double>(static_cast<float>(x));
}

/// Rounds to f16 or bf16 (ties to even, subnormals, overflow to infinity)
/// with one APFloat conversion from the exact double.
double roundWithSemantics(const llvm::fltSemantics &semantics, double x) {
  llvm::APFloat value(x);
  bool losesInfo = false;
  value.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  // Widening back to double is exact.
  value.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToDouble();
}

/// Truncates toward zero and wraps into [-2^(bits-1), 2^(bits-1)) like two's
/// complement. fmod is exact, and the final +-2^bits adjustments are exact by
/// Sterbenz's lemma, so no step rounds.
double wrapToWidth(double x, int bits) {
  if (std::isnan(x)) {
    return 0.0;
  }
  if (std::isinf(x)) {
    // Not reachable from integer arithmetic; saturate rather than invent bits.
    return x > 0 ? largestIntAsDouble(bits) : -std::ldexp(1.0, bits - 1);
  }
  double modulus = std::ldexp(1.0, bits);
  double half = modulus / 2;
  double r = std::fmod(std::trunc(x), modulus);
  if (r >= half) {
    r -= modulus;
  } else if (r < -half) {
    r += modulus;
  }
  return r + 0.0; // turns -0.0 into +0.0: integers have no signed zero
}

/// splitmix64 (Steele, Lea, Flood 2014): tiny, portable and well mixed, so
/// the same seed gives the same tensor on every machine and compiler.
uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

} // namespace

double largestIntAsDouble(int bits) {
  if (bits >= 64) {
    // INT64_MAX is not a double; 2^63 would wrap to INT64_MIN. Use the
    // largest double below 2^63.
    return 9223372036854774784.0;
  }
  return std::ldexp(1.0, bits - 1) - 1;
}

double roundToDType(DType dtype, double value) {
  switch (dtype) {
  case DType::F32:
    return roundToF32(value);
  case DType::F16:
    return roundWithSemantics(floatSemantics(dtype), value);
  case DType::BF16:
    return roundWithSemantics(floatSemantics(dtype), value);
  case DType::I1:
    return value != 0.0 ? 1.0 : 0.0; // NaN != 0, so NaN is true
  case DType::I32:
    return wrapToWidth(value, 32);
  case DType::I64:
    return wrapToWidth(value, 64);
  }
  return value;
}

int64_t HostTensor::numElements() const { return numElementsOf(shape); }

absl::StatusOr<HostTensor> HostTensor::create(DType dtype,
                                              std::vector<int64_t> shape,
                                              std::vector<double> values) {
  // roundToDType cannot fail, so an out-of-range dtype (cast from a bad
  // integer) is stopped here, where tensors enter from callers.
  if (!parseDType(dtypeName(dtype))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HostTensor::create: invalid DType value ", static_cast<int>(dtype)));
  }
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  for (int64_t d : t.shape) {
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HostTensor::create: negative dimension in ", t.shapeString()));
    }
  }
  if (static_cast<int64_t>(values.size()) != t.numElements()) {
    return absl::InvalidArgumentError(
        absl::StrCat("HostTensor::create: ", t.shapeString(), " needs ",
                     t.numElements(), " values, got ", values.size()));
  }
  for (double &v : values) {
    v = roundToDType(dtype, v);
  }
  t.values = std::move(values);
  return t;
}

HostTensor HostTensor::random(DType dtype, std::vector<int64_t> shape,
                              uint64_t seed) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  int64_t n = t.numElements();
  t.values.resize(n);
  uint64_t state = seed;
  // Floats are multiples of 2^-p in [-1, 1) where p is the type's fraction
  // width, so every value is exact in the type and rounding cannot reach 1.
  int precisionBits = 0;
  switch (dtype) {
  case DType::F32:
    precisionBits = 23;
    break;
  case DType::F16:
    precisionBits = 10;
    break;
  case DType::BF16:
    precisionBits = 7;
    break;
  default:
    break;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint64_t bits = splitmix64(state);
    double v;
    if (isFloat(dtype)) {
      // The top p+1 bits as an integer in [0, 2^(p+1)), shifted and scaled.
      int64_t k = static_cast<int64_t>(bits >> (64 - (precisionBits + 1)));
      v = std::ldexp(static_cast<double>(k), -precisionBits) - 1.0;
    } else if (dtype == DType::I1) {
      v = static_cast<double>(bits >> 63);
    } else {
      v = static_cast<double>((bits >> 32) % 10);
    }
    t.values[i] = v;
  }
  return t;
}

std::string HostTensor::shapeString() const {
  std::string s = "tensor<";
  for (int64_t d : shape) {
    absl::StrAppend(&s, d, "x");
  }
  absl::StrAppend(&s, sinter::dtypeName(dtype).str(), ">");
  return s;
}

} // namespace sinter::reference
