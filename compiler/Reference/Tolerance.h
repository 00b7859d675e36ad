//===- Tolerance.h - Comparing results with the reference -------*- C++ -*-===//
//
// The one place that says how close a compiled result must be to the
// reference interpreter's: per-dtype default tolerances and an
// allclose-style comparison, used by sinter-run --check and the end-to-end
// tests alike.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_REFERENCE_TOLERANCE_H
#define SINTER_COMPILER_REFERENCE_TOLERANCE_H

#include "compiler/Reference/Interpreter.h"

#include <cstdint>
#include <string>

namespace sinter::reference {

/// An element passes when |got - want| <= atol + rtol * |want|, each
/// element on its own (numpy.allclose). The bound of one element never
/// depends on the others, so a huge element cannot widen the tolerance of
/// the rest; a caller comparing an output that cancels (a long sum near
/// zero) states the atol its terms need.
struct Tolerance {
  double atol = 0;
  double rtol = 0;
};

/// f32: atol 1e-4, rtol 1e-3. f16: 1e-2, 1e-2. bf16: 5e-2, 5e-2. i1, i32,
/// i64: exact (0, 0).
Tolerance defaultTolerance(DType dtype);

struct Comparison {
  bool ok = true;
  /// Largest |got - want| over all elements (inf where exactly one is NaN or
  /// they are different infinities).
  double maxAbsError = 0;
  /// Largest |got - want| / |want| over the elements with want != 0.
  double maxRelError = 0;
  /// The element furthest outside (or closest to the edge of) the tolerance,
  /// -1 when there are no elements or the shapes differ.
  int64_t worstIndex = -1;
  /// Elements outside the tolerance.
  int64_t numMismatches = 0;
  /// Empty when ok; otherwise what differs, e.g. "3 of 6 elements differ
  /// (atol 1e-4, rtol 1e-3); worst at [1, 2]: got 1.5 want 1.25 ...".
  std::string message;
};

/// Compares element by element, like numpy.allclose with equal_nan: NaN
/// equals NaN, an infinity equals only the same infinity. Fails on
/// different dtypes or shapes.
Comparison compare(const HostTensor &got, const HostTensor &want,
                   Tolerance tolerance);

} // namespace sinter::reference

#endif // SINTER_COMPILER_REFERENCE_TOLERANCE_H
