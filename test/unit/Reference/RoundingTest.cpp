//===- RoundingTest.cpp - Rounding and HostTensor tests ---------*- C++ -*-===//
//
// roundToDType against hand-worked binary values (hex float literals, so the
// tie cases are visible), HostTensor::create and the deterministic random
// fill, and the scalar conversion rules.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace sinter::reference;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(RoundingTest, F32TiesToEven) {
  // 1 + 2^-24 is halfway between 1 and 1 + 2^-23: the even one is 1.
  EXPECT_EQ(roundToDType(DType::F32, 0x1.000001p0), 1.0);
  // 1 + 3 * 2^-24 is halfway between 1 + 2^-23 (odd) and 1 + 2^-22 (even).
  EXPECT_EQ(roundToDType(DType::F32, 0x1.000003p0), 0x1.000004p0);
  EXPECT_EQ(roundToDType(DType::F32, 0x1.0000011p0), 0x1.000002p0);
  // 0.1 = 1.1001 1001 1001 1001 1001 100|1100... * 2^-4: the dropped bits
  // are above half, so the fraction rounds up to 0x4ccccd (f32 0x3dcccccd).
  EXPECT_EQ(roundToDType(DType::F32, 0.1), 0x1.99999ap-4);
}

TEST(RoundingTest, F32OverflowAndSubnormals) {
  const double fltMax = 0x1.fffffep127;
  EXPECT_EQ(roundToDType(DType::F32, fltMax), fltMax);
  // Below the midpoint 2^128 - 2^103: FLT_MAX; at or above it: infinity.
  EXPECT_EQ(roundToDType(DType::F32, 0x1.fffffefp127), fltMax);
  EXPECT_EQ(roundToDType(DType::F32, 0x1.ffffffp127), kInf);
  EXPECT_EQ(roundToDType(DType::F32, -1e39), -kInf);
  EXPECT_EQ(roundToDType(DType::F32, 0x1p-149), 0x1p-149);
  EXPECT_EQ(roundToDType(DType::F32, 0x1p-150), 0.0);      // tie to 0
  EXPECT_EQ(roundToDType(DType::F32, 0x3p-150), 0x1p-148); // tie to even
  EXPECT_EQ(roundToDType(DType::F32, kInf), kInf);
  EXPECT_TRUE(std::isnan(roundToDType(DType::F32, kNaN)));
}

TEST(RoundingTest, BF16TiesToEven) {
  // bf16 keeps 8 significant bits: ulp(1) = 2^-7.
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.02p0), 0x1.02p0); // representable
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.01p0), 1.0);      // 1 + 2^-8: tie
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.03p0), 0x1.04p0); // 1 + 3*2^-8
  EXPECT_EQ(roundToDType(DType::BF16, -0x1.03p0), -0x1.04p0);
  // Just above the tie. Rounding through f32 first would land exactly on the
  // tie (2^-30 is below f32's precision) and then go down to 1: a double
  // rounding bug this catches.
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.01p0 + 0x1p-30), 0x1.02p0);
}

TEST(RoundingTest, BF16OverflowAndSubnormals) {
  const double bf16Max = 0x1.fep127;
  EXPECT_EQ(roundToDType(DType::BF16, bf16Max), bf16Max);
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.fe8p127), bf16Max);
  EXPECT_EQ(roundToDType(DType::BF16, 0x1.ffp127), kInf); // midpoint: to even
  EXPECT_EQ(roundToDType(DType::BF16, 1e39), kInf);
  EXPECT_EQ(roundToDType(DType::BF16, 0x1p-133), 0x1p-133); // min subnormal
  EXPECT_EQ(roundToDType(DType::BF16, 0x1p-134), 0.0);
  EXPECT_EQ(roundToDType(DType::BF16, 0x3p-134), 0x1p-132);
  EXPECT_EQ(roundToDType(DType::BF16, -kInf), -kInf);
  EXPECT_TRUE(std::isnan(roundToDType(DType::BF16, kNaN)));
}

TEST(RoundingTest, F16) {
  EXPECT_EQ(roundToDType(DType::F16, 65504.0), 65504.0);
  EXPECT_EQ(roundToDType(DType::F16, 65519.0), 65504.0);
  EXPECT_EQ(roundToDType(DType::F16, 65520.0), kInf);  // tie: 65536 is even
  EXPECT_EQ(roundToDType(DType::F16, 0x1.002p0), 1.0); // 1 + 2^-11
  EXPECT_EQ(roundToDType(DType::F16, 0x1.006p0), 0x1.008p0); // 1 + 3*2^-11
  EXPECT_EQ(roundToDType(DType::F16, 2049.0), 2048.0);
  EXPECT_EQ(roundToDType(DType::F16, 2051.0), 2052.0);
  EXPECT_EQ(roundToDType(DType::F16, 0x1p-24), 0x1p-24); // min subnormal
  EXPECT_EQ(roundToDType(DType::F16, 0x1p-25), 0.0);
  EXPECT_EQ(roundToDType(DType::F16, 0x3p-25), 0x1p-23);
  EXPECT_TRUE(std::isnan(roundToDType(DType::F16, kNaN)));
}

TEST(RoundingTest, IntegersTruncateAndWrap) {
  EXPECT_EQ(roundToDType(DType::I32, 2.7), 2.0);
  EXPECT_EQ(roundToDType(DType::I32, -2.7), -2.0);
  EXPECT_EQ(roundToDType(DType::I32, 2147483648.0), -2147483648.0);
  EXPECT_EQ(roundToDType(DType::I32, -2147483649.0), 2147483647.0);
  EXPECT_EQ(roundToDType(DType::I32, 4294967301.0), 5.0); // 2^32 + 5
  EXPECT_EQ(roundToDType(DType::I32, kNaN), 0.0);
  EXPECT_FALSE(std::signbit(roundToDType(DType::I32, -0.5)));
  EXPECT_EQ(roundToDType(DType::I64, 0x1p63), -0x1p63);
  EXPECT_EQ(roundToDType(DType::I64, -12345678901.9), -12345678901.0);
  EXPECT_EQ(roundToDType(DType::I1, 0.5), 1.0);
  EXPECT_EQ(roundToDType(DType::I1, -0.0), 0.0);
  EXPECT_EQ(roundToDType(DType::I1, -3.0), 1.0);
  EXPECT_EQ(roundToDType(DType::I1, kNaN), 1.0);
}

TEST(RoundingTest, ConvertRules) {
  // Float to integer: truncate toward zero, saturate, NaN gives 0.
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, 2.7), 2.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, -2.7), -2.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, 3e9), 2147483647.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, -3e9), -2147483648.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, kInf), 2147483647.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I32, kNaN), 0.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I64, 1e19), 9223372036854774784.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I64, -1e19), -0x1p63);
  // Integer to integer wraps; anything to i1 is x != 0.
  EXPECT_EQ(applyConvert(DType::I64, DType::I32, 4294967303.0), 7.0);
  EXPECT_EQ(applyConvert(DType::F32, DType::I1, 0.25), 1.0);
  EXPECT_EQ(applyConvert(DType::I32, DType::I1, 0.0), 0.0);
  // Integer to float rounds to nearest even.
  EXPECT_EQ(applyConvert(DType::I32, DType::F16, 2049.0), 2048.0);
  EXPECT_EQ(applyConvert(DType::I32, DType::F32, 16777217.0), 16777216.0);
}

TEST(KernelTest, OutOfRangeEnumsAreErrors) {
  // Even with a NaN operand, which every valid predicate but `ne` answers
  // without looking at the predicate.
  absl::StatusOr<bool> compare =
      applyCompare(static_cast<ComparePredicate>(99), kNaN, 1.0);
  ASSERT_FALSE(compare.ok());
  EXPECT_EQ(compare.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(
      compare.status().message().find("invalid ComparePredicate value 99"),
      std::string::npos)
      << compare.status();

  HostTensor x;
  x.shape = {2};
  x.values = {1, 2};
  // `dims = []` is a copy, but the kind is still checked.
  for (std::vector<int64_t> dims : {std::vector<int64_t>{0}, {}}) {
    absl::StatusOr<std::vector<double>> r =
        reduce(x, static_cast<ReduceKind>(99), dims);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("invalid ReduceKind value 99"),
              std::string::npos)
        << r.status();
  }
}

TEST(HostTensorTest, CreateRoundsAndChecksCount) {
  absl::StatusOr<HostTensor> t =
      HostTensor::create(DType::BF16, {2}, {0x1.01p0, 0x1.03p0});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->values, (std::vector<double>{1.0, 0x1.04p0}));
  EXPECT_EQ(t->numElements(), 2);
  EXPECT_EQ(t->shapeString(), "tensor<2xbf16>");

  absl::StatusOr<HostTensor> bad =
      HostTensor::create(DType::F32, {2, 3}, {1, 2, 3});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(
      bad.status().message().find("tensor<2x3xf32> needs 6 values, got 3"),
      std::string::npos)
      << bad.status();

  absl::StatusOr<HostTensor> badDType =
      HostTensor::create(static_cast<DType>(99), {1}, {1});
  ASSERT_FALSE(badDType.ok());
  EXPECT_EQ(badDType.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(badDType.status().message().find("invalid DType value 99"),
            std::string::npos)
      << badDType.status();

  absl::StatusOr<HostTensor> scalar = HostTensor::create(DType::I64, {}, {7});
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->numElements(), 1);
  EXPECT_EQ(scalar->shapeString(), "tensor<i64>");
}

TEST(HostTensorTest, RandomIsDeterministicAndInRange) {
  HostTensor a = HostTensor::random(DType::F32, {4, 16}, 42);
  HostTensor b = HostTensor::random(DType::F32, {4, 16}, 42);
  HostTensor c = HostTensor::random(DType::F32, {4, 16}, 43);
  EXPECT_EQ(a.values, b.values);
  EXPECT_NE(a.values, c.values);
  // splitmix64 from state 0 first gives 0xe220a8397b1dcdaf (the published
  // test vector); its top 24 bits 0xe220a8 = 14819496 map to
  // (14819496 - 2^23) / 2^23.
  HostTensor first = HostTensor::random(DType::F32, {1}, 0);
  EXPECT_EQ(first.values[0], (14819496.0 - 8388608.0) / 8388608.0);

  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    HostTensor r = HostTensor::random(dtype, {1000}, 7);
    for (double v : r.values) {
      EXPECT_GE(v, -1.0);
      EXPECT_LT(v, 1.0);
      EXPECT_EQ(roundToDType(dtype, v), v); // already exact in the type
    }
  }
  HostTensor ints = HostTensor::random(DType::I32, {1000}, 7);
  bool sawNonZero = false;
  for (double v : ints.values) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 10.0);
    EXPECT_EQ(v, std::trunc(v));
    sawNonZero |= v != 0.0;
  }
  EXPECT_TRUE(sawNonZero);
  HostTensor bools = HostTensor::random(DType::I1, {1000}, 7);
  int ones = 0;
  for (double v : bools.values) {
    EXPECT_TRUE(v == 0.0 || v == 1.0);
    ones += v == 1.0;
  }
  EXPECT_GT(ones, 400);
  EXPECT_LT(ones, 600);
}

} // namespace
