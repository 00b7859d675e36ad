//===- ToleranceTest.cpp - Default tolerances and compare() -----*- C++ -*-===//

#include "compiler/Reference/Tolerance.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

namespace {

using sinter::DType;
using sinter::reference::compare;
using sinter::reference::defaultTolerance;
using sinter::reference::HostTensor;
using sinter::reference::Tolerance;

HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                  std::vector<double> values) {
  return HostTensor{dtype, std::move(shape), std::move(values)};
}

TEST(ToleranceTest, Defaults) {
  EXPECT_EQ(defaultTolerance(DType::F32).atol, 1e-4);
  EXPECT_EQ(defaultTolerance(DType::F32).rtol, 1e-3);
  EXPECT_EQ(defaultTolerance(DType::F16).atol, 1e-2);
  EXPECT_EQ(defaultTolerance(DType::BF16).rtol, 5e-2);
  EXPECT_EQ(defaultTolerance(DType::I32).atol, 0);
  EXPECT_EQ(defaultTolerance(DType::I1).rtol, 0);
}

TEST(ToleranceTest, AllcloseBoundary) {
  Tolerance tol{0.1, 0.01};
  // Allowed at want = 0.5: 0.1 + 0.005 = 0.105.
  auto want = tensor(DType::F32, {2}, {0.5, -0.5});
  auto inside = compare(tensor(DType::F32, {2}, {0.6, -0.6}), want, tol);
  EXPECT_TRUE(inside.ok) << inside.message;
  EXPECT_NEAR(inside.maxAbsError, 0.1, 1e-7);
  EXPECT_NEAR(inside.maxRelError, 0.2, 1e-6);
  EXPECT_TRUE(inside.message.empty());
  auto outside = compare(tensor(DType::F32, {2}, {0.5, -0.75}), want, tol);
  EXPECT_FALSE(outside.ok);
  EXPECT_EQ(outside.numMismatches, 1);
  EXPECT_EQ(outside.worstIndex, 1);
  EXPECT_NE(outside.message.find("1 of 2 elements"), std::string::npos)
      << outside.message;
  EXPECT_NE(outside.message.find("worst at [1]"), std::string::npos)
      << outside.message;
}

TEST(ToleranceTest, EachElementHasItsOwnBound) {
  // A large element does not widen the others' bound: |0.09 - 0.001| is
  // beyond atol 1e-3 + rtol 1e-3 * 0.001 although max |want| is 100.
  Tolerance tol{1e-3, 1e-3};
  auto want = tensor(DType::F32, {2}, {100, 0.001});
  EXPECT_TRUE(compare(tensor(DType::F32, {2}, {100.05, 0.0015}), want, tol).ok);
  auto outside = compare(tensor(DType::F32, {2}, {100, 0.09}), want, tol);
  EXPECT_FALSE(outside.ok);
  EXPECT_EQ(outside.worstIndex, 1);
  EXPECT_NE(outside.message.find("beyond atol 0.001 + rtol 0.001 * |want|"),
            std::string::npos)
      << outside.message;
  // Issue 13's case: next to an output of 3e38, one of 1000 off by 0.48%
  // must fail rtol 0.1% (the old bound, atol * max|want|, allowed 3e34).
  auto huge = tensor(DType::F32, {2}, {3e38, 1000});
  auto off = compare(tensor(DType::F32, {2}, {3e38, 1004.8}), huge,
                     Tolerance{1e-4, 1e-3});
  EXPECT_FALSE(off.ok);
  EXPECT_EQ(off.worstIndex, 1);
}

TEST(ToleranceTest, NanAndInfinity) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  Tolerance tol = defaultTolerance(DType::F32);
  auto want = tensor(DType::F32, {3}, {nan, inf, -inf});
  EXPECT_TRUE(compare(want, want, tol).ok);
  auto c = compare(tensor(DType::F32, {3}, {0, inf, -inf}), want, tol);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.worstIndex, 0);
  EXPECT_TRUE(std::isinf(c.maxAbsError));
  EXPECT_FALSE(
      compare(tensor(DType::F32, {3}, {nan, -inf, -inf}), want, tol).ok);
  // A finite value never matches an infinity, whatever the tolerance.
  auto huge = compare(tensor(DType::F32, {1}, {1e30}),
                      tensor(DType::F32, {1}, {inf}), {1e300, 1e300});
  EXPECT_FALSE(huge.ok);
  EXPECT_EQ(huge.worstIndex, 0);
}

TEST(ToleranceTest, IntegersExactAndWorstIndex) {
  Tolerance tol = defaultTolerance(DType::I32);
  auto want = tensor(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_TRUE(compare(want, want, tol).ok);
  auto c = compare(tensor(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 7}), want, tol);
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.worstIndex, 5);
  EXPECT_EQ(c.maxAbsError, 1);
  EXPECT_NE(c.message.find("worst at [1, 2]: got 7 want 6"), std::string::npos)
      << c.message;
}

TEST(ToleranceTest, ShapeOrDtypeMismatch) {
  auto want = tensor(DType::F32, {2}, {1, 2});
  auto c = compare(tensor(DType::F32, {1, 2}, {1, 2}), want, {1, 1});
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.message.find("tensor<1x2xf32>"), std::string::npos);
  EXPECT_FALSE(compare(tensor(DType::F16, {2}, {1, 2}), want, {1, 1}).ok);
}

} // namespace
