//===- Tolerance.cpp - Comparing results with the reference -----*- C++ -*-===//
//
// Default tolerances reflect each type's precision and the freedom the
// compiler takes (fused reductions, different summation order, mixed
// precision): a few ulps of f32 accumulated over a reduction, a couple of
// ulps of f16 (10 fraction bits) and bf16 (7 fraction bits). Integers and
// booleans are exact.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Tolerance.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cmath>
#include <limits>

namespace sinter::reference {

Tolerance defaultTolerance(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return {1e-4, 1e-3};
  case DType::F16:
    return {1e-2, 1e-2};
  case DType::BF16:
    return {5e-2, 5e-2};
  case DType::I1:
  case DType::I32:
  case DType::I64:
    return {0, 0};
  }
  return {0, 0};
}

namespace {

/// "[1, 2]" for flat index 5 of shape [2, 3].
std::string indexString(const std::vector<int64_t> &shape, int64_t flat) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] == 0 ? 0 : flat % shape[d];
    flat = shape[d] == 0 ? 0 : flat / shape[d];
  }
  return "[" + absl::StrJoin(index, ", ") + "]";
}

} // namespace

Comparison compare(const HostTensor &got, const HostTensor &want,
                   Tolerance tolerance) {
  Comparison result;
  if (got.dtype != want.dtype || got.shape != want.shape ||
      got.values.size() != want.values.size()) {
    result.ok = false;
    result.maxAbsError = result.maxRelError =
        std::numeric_limits<double>::infinity();
    result.message = absl::StrCat("got ", got.shapeString(), " but want ",
                                  want.shapeString());
    return result;
  }
  const double inf = std::numeric_limits<double>::infinity();
  // How far each element is into its tolerance: error / allowed. The worst
  // element has the largest ratio (an exceeding element has ratio > 1).
  double worstRatio = -1;
  for (size_t i = 0; i < want.values.size(); ++i) {
    double g = got.values[i];
    double w = want.values[i];
    double allowed = tolerance.atol + tolerance.rtol * std::fabs(w);
    double error;
    bool pass;
    if (std::isnan(g) || std::isnan(w)) {
      pass = std::isnan(g) && std::isnan(w);
      error = pass ? 0 : inf;
    } else if (g == w) {
      pass = true; // includes equal infinities
      error = 0;
    } else if (std::isinf(g) || std::isinf(w)) {
      pass = false; // no tolerance makes a finite value an infinity
      error = inf;
    } else {
      error = std::fabs(g - w);
      pass = error <= allowed;
    }
    if (!pass) {
      ++result.numMismatches;
    }
    result.maxAbsError = std::max(result.maxAbsError, error);
    if (w != 0 && !std::isnan(w) && !std::isinf(w)) {
      result.maxRelError = std::max(result.maxRelError, error / std::fabs(w));
    }
    double ratio = error == 0                            ? 0
                   : allowed > 0 && std::isfinite(error) ? error / allowed
                                                         : inf;
    if (ratio > worstRatio) {
      worstRatio = ratio;
      result.worstIndex = static_cast<int64_t>(i);
    }
  }
  result.ok = result.numMismatches == 0;
  if (!result.ok) {
    int64_t i = result.worstIndex;
    result.message = absl::StrCat(
        result.numMismatches, " of ", want.values.size(),
        " elements differ beyond atol ", tolerance.atol, " + rtol ",
        tolerance.rtol, " * |want|; worst at ", indexString(want.shape, i),
        ": got ", got.values[i], " want ", want.values[i], " (max abs error ",
        result.maxAbsError, ", max rel error ", result.maxRelError, ")");
  }
  return result;
}

} // namespace sinter::reference
