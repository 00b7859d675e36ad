//===- InterpreterTest.cpp - Reference interpreter tests --------*- C++ -*-===//
//
// Every sinter op evaluated on small inputs whose results were worked out by
// hand (or, for transcendental functions, taken from an independent library
// and pasted as literals). Exact equality wherever the result is exact in
// the element type; a 1e-6 relative tolerance only where the maths is
// transcendental. Also the defined edge cases and every error path.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"

#include "dialects/sinter/IR/SinterDialect.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace sinter::reference;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                  std::vector<double> values) {
  absl::StatusOr<HostTensor> t =
      HostTensor::create(dtype, std::move(shape), std::move(values));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : HostTensor();
}

HostTensor f32(std::vector<int64_t> shape, std::vector<double> values) {
  return tensor(DType::F32, std::move(shape), std::move(values));
}

/// Exact comparison (NaN matches NaN) of dtype, shape and values.
void expectExact(const HostTensor &t, DType dtype, std::vector<int64_t> shape,
                 std::vector<double> expected) {
  EXPECT_EQ(t.dtype, dtype);
  EXPECT_EQ(t.shape, shape);
  ASSERT_EQ(t.values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(t.values[i])) << "element " << i;
    } else {
      EXPECT_EQ(t.values[i], expected[i]) << "element " << i;
    }
  }
}

/// For transcendental results: relative error 1e-6 (f32 has ~6e-8).
void expectNear(const HostTensor &t, std::vector<double> expected,
                double relative = 1e-6) {
  ASSERT_EQ(t.values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (!std::isfinite(expected[i])) {
      EXPECT_EQ(t.values[i], expected[i]) << "element " << i;
      continue;
    }
    double tolerance = std::max(std::fabs(expected[i]) * relative, 1e-12);
    EXPECT_NEAR(t.values[i], expected[i], tolerance) << "element " << i;
  }
}

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    context.loadDialect<sinter::SinterDialect, mlir::func::FuncDialect>();
  }

  absl::StatusOr<std::vector<HostTensor>>
  evalStatus(const std::string &source, const std::vector<HostTensor> &args,
             llvm::StringRef entry = "") {
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    if (!module) {
      return absl::InvalidArgumentError("test IR does not parse");
    }
    return evaluate(*module, args, entry);
  }

  std::vector<HostTensor> eval(const std::string &source,
                               const std::vector<HostTensor> &args) {
    absl::StatusOr<std::vector<HostTensor>> results = evalStatus(source, args);
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? *results : std::vector<HostTensor>();
  }

  /// Evaluates and expects an error whose message contains `needle`.
  void expectError(const std::string &source,
                   const std::vector<HostTensor> &args,
                   const std::string &needle, llvm::StringRef entry = "") {
    absl::StatusOr<std::vector<HostTensor>> results =
        evalStatus(source, args, entry);
    ASSERT_FALSE(results.ok());
    EXPECT_NE(results.status().message().find(needle), std::string::npos)
        << "message: " << results.status().message();
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, FloatArithmetic) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<5xf32>, %b: tensor<5xf32>)
        -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
      %s = sinter.add %a, %b : tensor<5xf32>
      %d = sinter.sub %a, %b : tensor<5xf32>
      %m = sinter.mul %a, %b : tensor<5xf32>
      %q = sinter.div %a, %b : tensor<5xf32>
      return %s, %d, %m, %q : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
    })mlir",
                {f32({5}, {1, 2.5, -3, 1, 0}), f32({5}, {2, 0.5, 4, 0, 0})});
  ASSERT_EQ(r.size(), 4u);
  expectExact(r[0], DType::F32, {5}, {3, 3, 1, 1, 0});
  expectExact(r[1], DType::F32, {5}, {-1, 2, -7, 1, 0});
  expectExact(r[2], DType::F32, {5}, {2, 1.25, -12, 0, 0});
  // Float division by zero follows IEEE: 1/0 = inf, 0/0 = NaN.
  expectExact(r[3], DType::F32, {5}, {0.5, 5, -0.75, kInf, kNaN});
}

TEST_F(InterpreterTest, F32SumRoundsOnce) {
  // f32(0.1) + f32(0.2) is exact in f64 and rounds to f32(0.3).
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<1xf32>, %b: tensor<1xf32>) -> tensor<1xf32> {
      %s = sinter.add %a, %b : tensor<1xf32>
      return %s : tensor<1xf32>
    })mlir",
                {f32({1}, {0.1}), f32({1}, {0.2})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1}, {static_cast<double>(0.3f)});
}

TEST_F(InterpreterTest, MaxMinPropagateNaNAndOrderZeros) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>)
        -> (tensor<4xf32>, tensor<4xf32>) {
      %x = sinter.max %a, %b : tensor<4xf32>
      %n = sinter.min %a, %b : tensor<4xf32>
      return %x, %n : tensor<4xf32>, tensor<4xf32>
    })mlir",
                {f32({4}, {1, kNaN, -0.0, 3}), f32({4}, {2, 1, 0.0, -5})});
  ASSERT_EQ(r.size(), 2u);
  expectExact(r[0], DType::F32, {4}, {2, kNaN, 0, 3});
  expectExact(r[1], DType::F32, {4}, {1, kNaN, 0, -5});
  EXPECT_FALSE(std::signbit(r[0].values[2])); // max(-0, +0) = +0
  EXPECT_TRUE(std::signbit(r[1].values[2]));  // min(-0, +0) = -0
}

TEST_F(InterpreterTest, Pow) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
      %p = sinter.pow %a, %b : tensor<4xf32>
      return %p : tensor<4xf32>
    })mlir",
                {f32({4}, {2, 9, 2, 5}), f32({4}, {3, 0.5, -1, 0})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {4}, {8, 3, 0.5, 1});
}

TEST_F(InterpreterTest, ExactUnaryOps) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<4xf32>)
        -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
      %n = sinter.neg %x : tensor<4xf32>
      %a = sinter.abs %x : tensor<4xf32>
      %r = sinter.relu %x : tensor<4xf32>
      %e = sinter.exp %x : tensor<4xf32>
      return %n, %a, %r, %e : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
    })mlir",
                {f32({4}, {-1.5, 0, 2.5, kNaN})});
  ASSERT_EQ(r.size(), 4u);
  expectExact(r[0], DType::F32, {4}, {1.5, -0.0, -2.5, kNaN});
  EXPECT_TRUE(std::signbit(r[0].values[1]));
  expectExact(r[1], DType::F32, {4}, {1.5, 0, 2.5, kNaN});
  expectExact(r[2], DType::F32, {4}, {0, 0, 2.5, kNaN});
  EXPECT_EQ(r[3].values[1], 1.0); // exp(0)
  EXPECT_TRUE(std::isnan(r[3].values[3]));
}

TEST_F(InterpreterTest, TranscendentalUnaryOps) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3xf32>, %p: tensor<3xf32>)
        -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>,
            tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
      %e = sinter.exp %x : tensor<3xf32>
      %l = sinter.log %p : tensor<3xf32>
      %s = sinter.sqrt %p : tensor<3xf32>
      %r = sinter.rsqrt %p : tensor<3xf32>
      %t = sinter.tanh %x : tensor<3xf32>
      %f = sinter.erf %x : tensor<3xf32>
      %g = sinter.sigmoid %x : tensor<3xf32>
      %u = sinter.silu %x : tensor<3xf32>
      return %e, %l, %s, %r, %t, %f, %g, %u : tensor<3xf32>, tensor<3xf32>,
          tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>,
          tensor<3xf32>, tensor<3xf32>
    })mlir",
                {f32({3}, {0, 1, -1}), f32({3}, {4, 1, 0})});
  ASSERT_EQ(r.size(), 8u);
  const double e = 2.718281828459045;
  expectNear(r[0], {1, e, 1 / e});
  expectExact(r[1], DType::F32, {3}, {std::log(4.0f), 0, -kInf});
  expectExact(r[2], DType::F32, {3}, {2, 1, 0});
  expectExact(r[3], DType::F32, {3}, {0.5, 1, kInf}); // rsqrt(0) = inf
  expectNear(r[4], {0, 0.7615941559557649, -0.7615941559557649});
  expectNear(r[5], {0, 0.8427007929497149, -0.8427007929497149});
  expectNear(r[6], {0.5, 0.7310585786300049, 0.2689414213699951});
  expectNear(r[7], {0, 0.7310585786300049, -0.2689414213699951});
}

TEST_F(InterpreterTest, LogAndSqrtOfNegativeAreNaN) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<1xf32>) -> (tensor<1xf32>, tensor<1xf32>) {
      %l = sinter.log %x : tensor<1xf32>
      %s = sinter.sqrt %x : tensor<1xf32>
      return %l, %s : tensor<1xf32>, tensor<1xf32>
    })mlir",
                {f32({1}, {-1})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(std::isnan(r[0].values[0]));
  EXPECT_TRUE(std::isnan(r[1].values[0]));
}

TEST_F(InterpreterTest, GeluThreeForms) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<5xf32>)
        -> (tensor<5xf32>, tensor<5xf32>, tensor<5xf32>) {
      %a = sinter.gelu none %x : tensor<5xf32>
      %b = sinter.gelu tanh %x : tensor<5xf32>
      %c = sinter.gelu sigmoid %x : tensor<5xf32>
      return %a, %b, %c : tensor<5xf32>, tensor<5xf32>, tensor<5xf32>
    })mlir",
                {f32({5}, {-1, 0, 0.5, 1, 2})});
  ASSERT_EQ(r.size(), 3u);
  // 0.5 x (1 + erf(x / sqrt 2))
  expectNear(r[0], {-0.15865525393145707, 0, 0.34573123063700656,
                    0.8413447460685429, 1.9544997361036416});
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  expectNear(r[1], {-0.15880800939172324, 0, 0.34571400982514394,
                    0.8411919906082768, 1.954597694087775});
  // x sigmoid(1.702 x)
  expectNear(r[2], {-0.1542042340671787, 0, 0.35038843660638014,
                    0.8457957659328212, 1.9356586231442083});
}

TEST_F(InterpreterTest, CompareIsOrderedForFloats) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<4xf32>, %b: tensor<4xf32>)
        -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
            tensor<4xi1>, tensor<4xi1>) {
      %eq = sinter.compare eq, %a, %b : tensor<4xf32>
      %ne = sinter.compare ne, %a, %b : tensor<4xf32>
      %lt = sinter.compare lt, %a, %b : tensor<4xf32>
      %le = sinter.compare le, %a, %b : tensor<4xf32>
      %gt = sinter.compare gt, %a, %b : tensor<4xf32>
      %ge = sinter.compare ge, %a, %b : tensor<4xf32>
      return %eq, %ne, %lt, %le, %gt, %ge : tensor<4xi1>, tensor<4xi1>,
          tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
    })mlir",
                {f32({4}, {1, 2, kNaN, 3}), f32({4}, {1, 3, kNaN, 2})});
  ASSERT_EQ(r.size(), 6u);
  expectExact(r[0], DType::I1, {4}, {1, 0, 0, 0});
  expectExact(r[1], DType::I1, {4}, {0, 1, 1, 1});
  expectExact(r[2], DType::I1, {4}, {0, 1, 0, 0});
  expectExact(r[3], DType::I1, {4}, {1, 1, 0, 0});
  expectExact(r[4], DType::I1, {4}, {0, 0, 0, 1});
  expectExact(r[5], DType::I1, {4}, {1, 0, 0, 1});
}

TEST_F(InterpreterTest, SelectAndIntegerCompare) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<3xi32>, %b: tensor<3xi32>) -> tensor<3xi32> {
      %m = sinter.compare lt, %a, %b : tensor<3xi32>
      %s = sinter.select %m, %a, %b : tensor<3xi1>, tensor<3xi32>
      return %s : tensor<3xi32>
    })mlir",
                {tensor(DType::I32, {3}, {1, 20, -3}),
                 tensor(DType::I32, {3}, {10, 2, 30})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::I32, {3}, {1, 2, -3}); // elementwise minimum
}

TEST_F(InterpreterTest, IntegerArithmeticWraps) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<4xi32>, %b: tensor<4xi32>)
        -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>,
            tensor<4xi32>, tensor<4xi32>) {
      %s = sinter.add %a, %b : tensor<4xi32>
      %d = sinter.sub %a, %b : tensor<4xi32>
      %m = sinter.mul %a, %b : tensor<4xi32>
      %x = sinter.max %a, %b : tensor<4xi32>
      %n = sinter.min %a, %b : tensor<4xi32>
      %r = sinter.relu %a : tensor<4xi32>
      return %s, %d, %m, %x, %n, %r : tensor<4xi32>, tensor<4xi32>,
          tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
    })mlir",
                {tensor(DType::I32, {4}, {2147483647, -2147483648, 65536, -7}),
                 tensor(DType::I32, {4}, {1, 1, 65536, 3})});
  ASSERT_EQ(r.size(), 6u);
  expectExact(r[0], DType::I32, {4}, {-2147483648, -2147483647, 131072, -4});
  expectExact(r[1], DType::I32, {4}, {2147483646, 2147483647, 0, -10});
  // 65536 * 65536 = 2^32 wraps to 0; -7 * 3 = -21.
  expectExact(r[2], DType::I32, {4}, {2147483647, -2147483648, 0, -21});
  expectExact(r[3], DType::I32, {4}, {2147483647, 1, 65536, 3});
  expectExact(r[4], DType::I32, {4}, {1, -2147483648, 65536, -7});
  expectExact(r[5], DType::I32, {4}, {2147483647, 0, 65536, 0});
}

TEST_F(InterpreterTest, IntegerMulIsExactBeyond2To53) {
  // 46341^2 = 2147488281 = 2^31 + 4633, which wraps to -2147479015; and
  // (2^32 + 1)^2 = 2^64 + 2^33 + 1 wraps to 2^33 + 1 in i64. Rounding the
  // product to a double before wrapping would lose the + 1.
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<1xi32>, %b: tensor<1xi64>)
        -> (tensor<1xi32>, tensor<1xi64>) {
      %m = sinter.mul %a, %a : tensor<1xi32>
      %n = sinter.mul %b, %b : tensor<1xi64>
      return %m, %n : tensor<1xi32>, tensor<1xi64>
    })mlir",
                {tensor(DType::I32, {1}, {46341}),
                 tensor(DType::I64, {1}, {4294967297.0})});
  ASSERT_EQ(r.size(), 2u);
  expectExact(r[0], DType::I32, {1}, {-2147479015});
  expectExact(r[1], DType::I64, {1}, {8589934593.0});
}

TEST_F(InterpreterTest, IntegerDivisionAndNeg) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<5xi32>, %b: tensor<5xi32>)
        -> (tensor<5xi32>, tensor<5xi32>, tensor<5xi32>) {
      %q = sinter.div %a, %b : tensor<5xi32>
      %n = sinter.neg %a : tensor<5xi32>
      %s = sinter.abs %a : tensor<5xi32>
      return %q, %n, %s : tensor<5xi32>, tensor<5xi32>, tensor<5xi32>
    })mlir",
                {tensor(DType::I32, {5}, {7, -7, 7, -2147483648, 0}),
                 tensor(DType::I32, {5}, {2, 2, 0, -1, 0})});
  ASSERT_EQ(r.size(), 3u);
  // Truncation toward zero; x / 0 = 0; INT_MIN / -1 wraps to INT_MIN.
  expectExact(r[0], DType::I32, {5}, {3, -3, 0, -2147483648, 0});
  expectExact(r[1], DType::I32, {5}, {-7, 7, -7, -2147483648, 0});
  expectExact(r[2], DType::I32, {5}, {7, 7, 7, -2147483648, 0});
}

TEST_F(InterpreterTest, ReducedPrecisionResultsRoundToEven) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<2xbf16>, %b: tensor<2xbf16>,
                    %c: tensor<3xf16>, %d: tensor<3xf16>)
        -> (tensor<2xbf16>, tensor<3xf16>) {
      %s = sinter.add %a, %b : tensor<2xbf16>
      %t = sinter.add %c, %d : tensor<3xf16>
      return %s, %t : tensor<2xbf16>, tensor<3xf16>
    })mlir",
                {tensor(DType::BF16, {2}, {1, 1}),
                 tensor(DType::BF16, {2}, {0x1p-8, 0x3p-8}),
                 tensor(DType::F16, {3}, {2048, 2050, 65504}),
                 tensor(DType::F16, {3}, {1, 1, 16})});
  ASSERT_EQ(r.size(), 2u);
  // bf16: 1 + 2^-8 is a tie (to 1); 1 + 3*2^-8 rounds to 1 + 2^-6.
  expectExact(r[0], DType::BF16, {2}, {1, 0x1.04p0});
  // f16: 2049 ties to 2048, 2051 to 2052; 65520 overflows to inf.
  expectExact(r[1], DType::F16, {3}, {2048, 2052, kInf});
}

TEST_F(InterpreterTest, ConvertEdgeCases) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<7xf32>, %w: tensor<2xi64>, %b: tensor<2xi1>)
        -> (tensor<7xi32>, tensor<7xi1>, tensor<7xbf16>, tensor<2xi32>,
            tensor<2xf32>, tensor<7xi64>) {
      %i = sinter.convert %x : tensor<7xf32> -> tensor<7xi32>
      %p = sinter.convert %x : tensor<7xf32> -> tensor<7xi1>
      %h = sinter.convert %x : tensor<7xf32> -> tensor<7xbf16>
      %n = sinter.convert %w : tensor<2xi64> -> tensor<2xi32>
      %f = sinter.convert %b : tensor<2xi1> -> tensor<2xf32>
      %l = sinter.convert %x : tensor<7xf32> -> tensor<7xi64>
      return %i, %p, %h, %n, %f, %l : tensor<7xi32>, tensor<7xi1>,
          tensor<7xbf16>, tensor<2xi32>, tensor<2xf32>, tensor<7xi64>
    })mlir",
                {f32({7}, {2.7, -2.7, 3e9, -3e9, kNaN, kInf, 0x1.03p0}),
                 tensor(DType::I64, {2}, {4294967303.0, 2147483648.0}),
                 tensor(DType::I1, {2}, {1, 0})});
  ASSERT_EQ(r.size(), 6u);
  expectExact(r[0], DType::I32, {7},
              {2, -2, 2147483647, -2147483648, 0, 2147483647, 1});
  expectExact(r[1], DType::I1, {7}, {1, 1, 1, 1, 1, 1, 1});
  // bf16: 2.7 -> 2.703125 (0x1.5ap1), 3e9 -> 0x1.66p31; NaN and inf stay.
  expectExact(
      r[2], DType::BF16, {7},
      {0x1.5ap1, -0x1.5ap1, 0x1.66p31, -0x1.66p31, kNaN, kInf, 0x1.04p0});
  expectExact(r[3], DType::I32, {2}, {7, -2147483648});
  expectExact(r[4], DType::F32, {2}, {1, 0});
  expectExact(r[5], DType::I64, {7},
              {2, -2, 3e9, -3e9, 0, 9223372036854774784.0, 1});
}

TEST_F(InterpreterTest, ConvertZeroToBool) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3xf32>) -> tensor<3xi1> {
      %p = sinter.convert %x : tensor<3xf32> -> tensor<3xi1>
      return %p : tensor<3xi1>
    })mlir",
                {f32({3}, {0.0, -0.0, 1e-30})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::I1, {3}, {0, 0, 1});
}

TEST_F(InterpreterTest, I64ToFloatBeyond2To53RoundsTwice) {
  // The documented exception to "rounds once". x = 2^62 + 2^38 + 1 is held
  // as the nearest double, 2^62 + 2^38 (a double's ulp there is 2^10), which
  // is exactly halfway between the f32 neighbours 2^62 and 2^62 + 2^39, so
  // it ties to the even 2^62. Rounding x once would give 2^62 + 2^39.
  auto r = eval(R"mlir(
    func.func @main() -> tensor<1xf32> {
      %x = sinter.constant dense<4611686293305294849> : tensor<1xi64>
      %f = sinter.convert %x : tensor<1xi64> -> tensor<1xf32>
      return %f : tensor<1xf32>
    })mlir",
                {});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1}, {0x1p62});
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, BroadcastInDimFeedsElementwise) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x3xf32>, %row: tensor<3xf32>,
                    %col: tensor<2xf32>, %one: tensor<1x3xf32>)
        -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
      %r = sinter.broadcast_in_dim %row, dims = [1] : (tensor<3xf32>) -> tensor<2x3xf32>
      %c = sinter.broadcast_in_dim %col, dims = [0] : (tensor<2xf32>) -> tensor<2x3xf32>
      %o = sinter.broadcast_in_dim %one, dims = [0, 1] : (tensor<1x3xf32>) -> tensor<2x3xf32>
      %a = sinter.add %x, %r : tensor<2x3xf32>
      %m = sinter.mul %x, %c : tensor<2x3xf32>
      return %a, %m, %o : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
    })mlir",
                {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3}, {10, 20, 30}),
                 f32({2}, {2, -1}), f32({1, 3}, {7, 8, 9})});
  ASSERT_EQ(r.size(), 3u);
  expectExact(r[0], DType::F32, {2, 3}, {11, 22, 33, 14, 25, 36});
  expectExact(r[1], DType::F32, {2, 3}, {2, 4, 6, -4, -5, -6});
  expectExact(r[2], DType::F32, {2, 3}, {7, 8, 9, 7, 8, 9});
}

TEST_F(InterpreterTest, ReshapeAndTranspose) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x3xf32>, %y: tensor<2x2x2xf32>)
        -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x2x2xf32>) {
      %r = sinter.reshape %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
      %t = sinter.transpose %x, perm = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
      %u = sinter.transpose %y, perm = [2, 0, 1] : (tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
      return %r, %t, %u : tensor<3x2xf32>, tensor<3x2xf32>, tensor<2x2x2xf32>
    })mlir",
                {f32({2, 3}, {1, 2, 3, 4, 5, 6}),
                 f32({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7})});
  ASSERT_EQ(r.size(), 3u);
  expectExact(r[0], DType::F32, {3, 2}, {1, 2, 3, 4, 5, 6});
  expectExact(r[1], DType::F32, {3, 2}, {1, 4, 2, 5, 3, 6});
  // result[i, j, k] = y[j, k, i] = 4j + 2k + i.
  expectExact(r[2], DType::F32, {2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7});
}

TEST_F(InterpreterTest, StridedSlice) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3x4xf32>) -> (tensor<2x2xf32>, tensor<1x3xf32>) {
      %s = sinter.slice %x, start = [0, 1], limit = [3, 4], strides = [2, 2] : (tensor<3x4xf32>) -> tensor<2x2xf32>
      %t = sinter.slice %x, start = [1, 0], limit = [2, 3], strides = [1, 1] : (tensor<3x4xf32>) -> tensor<1x3xf32>
      return %s, %t : tensor<2x2xf32>, tensor<1x3xf32>
    })mlir",
                {f32({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})});
  ASSERT_EQ(r.size(), 2u);
  expectExact(r[0], DType::F32, {2, 2}, {1, 3, 9, 11});
  expectExact(r[1], DType::F32, {1, 3}, {4, 5, 6});
}

TEST_F(InterpreterTest, Concatenate) {
  auto r = eval(
      R"mlir(
    func.func @main(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>, %c: tensor<1x2xf32>)
        -> (tensor<2x3xf32>, tensor<3x2xf32>) {
      %x = sinter.concatenate %a, %b, dim = 1 : (tensor<2x1xf32>, tensor<2x2xf32>) -> tensor<2x3xf32>
      %y = sinter.concatenate %b, %c, dim = 0 : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<3x2xf32>
      return %x, %y : tensor<2x3xf32>, tensor<3x2xf32>
    })mlir",
      {f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6}), f32({1, 2}, {7, 8})});
  ASSERT_EQ(r.size(), 2u);
  expectExact(r[0], DType::F32, {2, 3}, {1, 3, 4, 2, 5, 6});
  expectExact(r[1], DType::F32, {3, 2}, {3, 4, 5, 6, 7, 8});
}

TEST_F(InterpreterTest, GatherClampsIndices) {
  auto r = eval(R"mlir(
    func.func @main(%t: tensor<3x2xf32>, %i: tensor<2x2xi32>) -> tensor<2x2x2xf32> {
      %g = sinter.gather %t[%i] : (tensor<3x2xf32>, tensor<2x2xi32>) -> tensor<2x2x2xf32>
      return %g : tensor<2x2x2xf32>
    })mlir",
                {f32({3, 2}, {0, 1, 10, 11, 20, 21}),
                 tensor(DType::I32, {2, 2}, {2, 0, -1, 7})});
  ASSERT_EQ(r.size(), 1u);
  // -1 clamps to row 0, 7 to row 2.
  expectExact(r[0], DType::F32, {2, 2, 2}, {20, 21, 0, 1, 0, 1, 20, 21});
}

TEST_F(InterpreterTest, ScatterAddSumsRowsIntoClampedIndices) {
  auto r = eval(R"mlir(
    func.func @main(%u: tensor<2x2x2xf32>, %i: tensor<2x2xi32>) -> tensor<4x2xf32> {
      %s = sinter.scatter_add %u[%i] rows = 4 : (tensor<2x2x2xf32>, tensor<2x2xi32>) -> tensor<4x2xf32>
      return %s : tensor<4x2xf32>
    })mlir",
                {f32({2, 2, 2}, {1, 2, 10, 20, 100, 200, 1000, 2000}),
                 tensor(DType::I32, {2, 2}, {2, 0, -1, 2})});
  ASSERT_EQ(r.size(), 1u);
  // Rows 2 and 0 get two updates each (-1 clamps to row 0); rows 1 and 3
  // none: zeros.
  expectExact(r[0], DType::F32, {4, 2}, {110, 220, 0, 0, 1001, 2002, 0, 0});
}

TEST_F(InterpreterTest, AttentionBackwardByHand) {
  // q = 0: both keys score 0, P = [1/2, 1/2], out = (1 + 3) / 2 = 2. With
  // dout = 1: dV = P^T dout = [1/2, 1/2]; dS = P (dout v^T - dout out) =
  // [-1/2, 1/2]; dQ = dS K = [1, 3/2]; dK = dS^T q = 0.
  auto r = eval(R"mlir(
    func.func @main(%q: tensor<1x1x1x2xf32>, %k: tensor<1x1x2x2xf32>, %v: tensor<1x1x2x1xf32>, %o: tensor<1x1x1x1xf32>, %do: tensor<1x1x1x1xf32>)
        -> (tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x1xf32>) {
      %dq, %dk, %dv = sinter.attention_backward %q, %k, %v, %o, %do scale = 1.0 : tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x1xf32>, tensor<1x1x1x1xf32> -> tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x1xf32>
      return %dq, %dk, %dv : tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x1xf32>
    })mlir",
                {f32({1, 1, 1, 2}, {0, 0}), f32({1, 1, 2, 2}, {1, 2, 3, 5}),
                 f32({1, 1, 2, 1}, {1, 3}), f32({1, 1, 1, 1}, {2}),
                 f32({1, 1, 1, 1}, {1})});
  ASSERT_EQ(r.size(), 3u);
  expectExact(r[0], DType::F32, {1, 1, 1, 2}, {1, 1.5});
  expectExact(r[1], DType::F32, {1, 1, 2, 2}, {0, 0, 0, 0});
  expectExact(r[2], DType::F32, {1, 1, 2, 1}, {0.5, 0.5});
}

TEST_F(InterpreterTest, Iota) {
  auto r = eval(R"mlir(
    func.func @main() -> (tensor<2x3xi32>, tensor<2x3xf32>) {
      %a = sinter.iota dim = 1 : tensor<2x3xi32>
      %b = sinter.iota dim = 0 : tensor<2x3xf32>
      return %a, %b : tensor<2x3xi32>, tensor<2x3xf32>
    })mlir",
                {});
  ASSERT_EQ(r.size(), 2u);
  expectExact(r[0], DType::I32, {2, 3}, {0, 1, 2, 0, 1, 2});
  expectExact(r[1], DType::F32, {2, 3}, {0, 0, 0, 1, 1, 1});
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, ReduceOverSeveralAxes) {
  // x[a, b, c] = 6a + 2b + c.
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x3x2xf32>)
        -> (tensor<3xf32>, tensor<3xf32>, tensor<2x2xf32>, tensor<f32>,
            tensor<2x3x2xf32>) {
      %s = sinter.reduce sum %x, dims = [0, 2] : (tensor<2x3x2xf32>) -> tensor<3xf32>
      %m = sinter.reduce mean %x, dims = [0, 2] : (tensor<2x3x2xf32>) -> tensor<3xf32>
      %x1 = sinter.reduce max %x, dims = [1] : (tensor<2x3x2xf32>) -> tensor<2x2xf32>
      %n = sinter.reduce min %x, dims = [0, 1, 2] : (tensor<2x3x2xf32>) -> tensor<f32>
      %i = sinter.reduce sum %x, dims = [] : (tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
      return %s, %m, %x1, %n, %i : tensor<3xf32>, tensor<3xf32>, tensor<2x2xf32>,
          tensor<f32>, tensor<2x3x2xf32>
    })mlir",
                {f32({2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})});
  ASSERT_EQ(r.size(), 5u);
  // sum over a, c of 6a + 2b + c = 8b + 14.
  expectExact(r[0], DType::F32, {3}, {14, 22, 30});
  expectExact(r[1], DType::F32, {3}, {3.5, 5.5, 7.5});
  // max over b is at b = 2: 6a + 4 + c.
  expectExact(r[2], DType::F32, {2, 2}, {4, 5, 10, 11});
  expectExact(r[3], DType::F32, {}, {0});
  expectExact(r[4], DType::F32, {2, 3, 2},
              {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
}

TEST_F(InterpreterTest, ReduceMaxMinPropagateNaNAndIntegersWrap) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x2xf32>, %i: tensor<3xi32>)
        -> (tensor<2xf32>, tensor<2xf32>, tensor<i32>, tensor<i32>) {
      %a = sinter.reduce max %x, dims = [1] : (tensor<2x2xf32>) -> tensor<2xf32>
      %b = sinter.reduce min %x, dims = [1] : (tensor<2x2xf32>) -> tensor<2xf32>
      %s = sinter.reduce sum %i, dims = [0] : (tensor<3xi32>) -> tensor<i32>
      %m = sinter.reduce max %i, dims = [0] : (tensor<3xi32>) -> tensor<i32>
      return %a, %b, %s, %m : tensor<2xf32>, tensor<2xf32>, tensor<i32>, tensor<i32>
    })mlir",
                {f32({2, 2}, {1, kNaN, -kInf, 5}),
                 tensor(DType::I32, {3}, {2147483647, 1, -5})});
  ASSERT_EQ(r.size(), 4u);
  expectExact(r[0], DType::F32, {2}, {kNaN, 5});
  expectExact(r[1], DType::F32, {2}, {kNaN, -kInf});
  expectExact(r[2], DType::I32, {},
              {2147483643}); // 2^31 - 1 + 1 - 5 wraps back
  expectExact(r[3], DType::I32, {}, {2147483647});
}

TEST_F(InterpreterTest, ReduceOverNoDimensionsCopiesExactly) {
  // A float sum starting at +0.0 would turn -0.0 into +0.0 here.
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3xf32>, %i: tensor<2xi64>)
        -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2xi64>) {
      %s = sinter.reduce sum %x, dims = [] : (tensor<3xf32>) -> tensor<3xf32>
      %m = sinter.reduce mean %x, dims = [] : (tensor<3xf32>) -> tensor<3xf32>
      %x1 = sinter.reduce max %x, dims = [] : (tensor<3xf32>) -> tensor<3xf32>
      %n = sinter.reduce min %i, dims = [] : (tensor<2xi64>) -> tensor<2xi64>
      return %s, %m, %x1, %n : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>,
          tensor<2xi64>
    })mlir",
                {f32({3}, {-0.0, 1.5, kNaN}),
                 tensor(DType::I64, {2}, {-9007199254740992.0, 7})});
  ASSERT_EQ(r.size(), 4u);
  for (int k = 0; k < 3; ++k) {
    expectExact(r[k], DType::F32, {3}, {-0.0, 1.5, kNaN});
    EXPECT_TRUE(std::signbit(r[k].values[0])) << "result " << k;
  }
  expectExact(r[3], DType::I64, {2}, {-9007199254740992.0, 7});
}

TEST_F(InterpreterTest, ReduceSumSignedZerosAndEmptySums) {
  // Sums of -0.0 terms are -0.0 (IEEE: -0 + -0 = -0); a sum of no terms is
  // +0.0 and a mean of none is NaN.
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x2xf32>, %e: tensor<2x0xf32>)
        -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
      %s = sinter.reduce sum %x, dims = [1] : (tensor<2x2xf32>) -> tensor<2xf32>
      %m = sinter.reduce mean %x, dims = [1] : (tensor<2x2xf32>) -> tensor<2xf32>
      %es = sinter.reduce sum %e, dims = [1] : (tensor<2x0xf32>) -> tensor<2xf32>
      %em = sinter.reduce mean %e, dims = [1] : (tensor<2x0xf32>) -> tensor<2xf32>
      return %s, %m, %es, %em : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>
    })mlir",
                {f32({2, 2}, {-0.0, -0.0, -0.0, 0.0}), f32({2, 0}, {})});
  ASSERT_EQ(r.size(), 4u);
  expectExact(r[0], DType::F32, {2}, {0, 0});
  EXPECT_TRUE(std::signbit(r[0].values[0]));  // -0 + -0
  EXPECT_FALSE(std::signbit(r[0].values[1])); // -0 + +0
  expectExact(r[1], DType::F32, {2}, {0, 0});
  EXPECT_TRUE(std::signbit(r[1].values[0]));
  expectExact(r[2], DType::F32, {2}, {0, 0});
  EXPECT_FALSE(std::signbit(r[2].values[0]));
  EXPECT_FALSE(std::signbit(r[2].values[1]));
  expectExact(r[3], DType::F32, {2}, {kNaN, kNaN});
}

TEST_F(InterpreterTest, MatmulPlainAndTransposed) {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]], A B =
  // [[58,64],[139,154]].
  auto r = eval(
      R"mlir(
    func.func @main(%a: tensor<2x3xf32>, %b: tensor<3x2xf32>,
                    %at: tensor<3x2xf32>, %bt: tensor<2x3xf32>)
        -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
      %p = sinter.matmul %a, %b : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
      %q = sinter.matmul %at, %b {transpose_lhs} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
      %r = sinter.matmul %a, %bt {transpose_rhs} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
      %s = sinter.matmul %at, %bt {transpose_lhs, transpose_rhs} : (tensor<3x2xf32>, tensor<2x3xf32>) -> tensor<2x2xf32>
      return %p, %q, %r, %s : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
    })mlir",
      {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({3, 2}, {7, 8, 9, 10, 11, 12}),
       f32({3, 2}, {1, 4, 2, 5, 3, 6}), f32({2, 3}, {7, 9, 11, 8, 10, 12})});
  ASSERT_EQ(r.size(), 4u);
  for (const HostTensor &t : r) {
    expectExact(t, DType::F32, {2, 2}, {58, 64, 139, 154});
  }
}

TEST_F(InterpreterTest, MatmulBatchedAndShared) {
  // Batch 1 of the lhs is 2A: (2A) B = [[116,128],[278,308]].
  // A B2 with B2 = [[1,0],[0,1],[0,0]] picks A's first two columns.
  auto r =
      eval(R"mlir(
    func.func @main(%la: tensor<2x2x3xf32>, %b: tensor<3x2xf32>,
                    %a: tensor<2x3xf32>, %rb: tensor<2x3x2xf32>)
        -> (tensor<2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>) {
      %p = sinter.matmul %la, %b : (tensor<2x2x3xf32>, tensor<3x2xf32>) -> tensor<2x2x2xf32>
      %q = sinter.matmul %a, %rb : (tensor<2x3xf32>, tensor<2x3x2xf32>) -> tensor<2x2x2xf32>
      %r = sinter.matmul %la, %rb : (tensor<2x2x3xf32>, tensor<2x3x2xf32>) -> tensor<2x2x2xf32>
      return %p, %q, %r : tensor<2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>
    })mlir",
           {f32({2, 2, 3}, {1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12}),
            f32({3, 2}, {7, 8, 9, 10, 11, 12}), f32({2, 3}, {1, 2, 3, 4, 5, 6}),
            f32({2, 3, 2}, {7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 0, 0})});
  ASSERT_EQ(r.size(), 3u);
  expectExact(r[0], DType::F32, {2, 2, 2},
              {58, 64, 139, 154, 116, 128, 278, 308});
  expectExact(r[1], DType::F32, {2, 2, 2}, {58, 64, 139, 154, 1, 2, 4, 5});
  expectExact(r[2], DType::F32, {2, 2, 2}, {58, 64, 139, 154, 2, 4, 8, 10});
}

TEST_F(InterpreterTest, MatmulIntegers) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<2x2xi32>, %b: tensor<2x2xi32>) -> tensor<2x2xi32> {
      %p = sinter.matmul %a, %b {accumulation_type = i64} : (tensor<2x2xi32>, tensor<2x2xi32>) -> tensor<2x2xi32>
      return %p : tensor<2x2xi32>
    })mlir",
                {tensor(DType::I32, {2, 2}, {1, 2, 3, 4}),
                 tensor(DType::I32, {2, 2}, {5, 6, 7, 8})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::I32, {2, 2}, {19, 22, 43, 50});
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, SoftmaxIsStable) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3x3xf32>, %y: tensor<2x2xf32>)
        -> (tensor<3x3xf32>, tensor<2x2xf32>) {
      %s = sinter.softmax %x, axis = 1 : (tensor<3x3xf32>) -> tensor<3x3xf32>
      %t = sinter.softmax %y, axis = 0 : (tensor<2x2xf32>) -> tensor<2x2xf32>
      return %s, %t : tensor<3x3xf32>, tensor<2x2xf32>
    })mlir",
                {f32({3, 3}, {1e4, 1e4, -1e4, 1, 2, 3, -kInf, -kInf, -kInf}),
                 f32({2, 2}, {0, 5, 0, 5})});
  ASSERT_EQ(r.size(), 2u);
  // Logits of 1e4: no overflow. exp(-2e4) underflows to exactly 0.
  EXPECT_EQ(r[0].values[0], 0.5);
  EXPECT_EQ(r[0].values[1], 0.5);
  EXPECT_EQ(r[0].values[2], 0.0);
  expectNear(HostTensor{DType::F32,
                        {3},
                        {r[0].values[3], r[0].values[4], r[0].values[5]}},
             {0.09003057317038046, 0.24472847105479767, 0.6652409557748219});
  // A fully masked row gives zeros, not NaN.
  EXPECT_EQ(r[0].values[6], 0.0);
  EXPECT_EQ(r[0].values[7], 0.0);
  EXPECT_EQ(r[0].values[8], 0.0);
  expectExact(r[1], DType::F32, {2, 2}, {0.5, 0.5, 0.5, 0.5});
}

TEST_F(InterpreterTest, LogSoftmaxAndLogSumExp) {
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<3x3xf32>) -> (tensor<3x3xf32>, tensor<3xf32>) {
      %l = sinter.log_softmax %x, axis = 1 : (tensor<3x3xf32>) -> tensor<3x3xf32>
      %e = sinter.logsumexp %x, axis = 1 : (tensor<3x3xf32>) -> tensor<3xf32>
      return %l, %e : tensor<3x3xf32>, tensor<3xf32>
    })mlir",
                {f32({3, 3}, {1, 2, 3, 1e4, 1e4, 1e4, -kInf, -kInf, -kInf})});
  ASSERT_EQ(r.size(), 2u);
  // log(e + e^2 + e^3) = 3.40760596444438.
  expectNear(HostTensor{DType::F32,
                        {6},
                        std::vector<double>(r[0].values.begin(),
                                            r[0].values.begin() + 6)},
             {-2.40760596444438, -1.4076059644443801, -0.40760596444438013,
              -1.0986122886681098, -1.0986122886681098, -1.0986122886681098});
  for (int i = 6; i < 9; ++i) {
    EXPECT_EQ(r[0].values[i], -kInf) << i;
  }
  // 1e4 + log 3, rounded to f32 (ulp 2^-10 there).
  expectNear(r[1], {3.40760596444438, 10001.09861228867, -kInf});
  EXPECT_EQ(r[1].values[2], -kInf);
}

TEST_F(InterpreterTest, LayerNorm) {
  // Row [1,2,3,4]: mean 2.5, biased variance 1.25; epsilon 0.75 makes the
  // denominator sqrt(2). A constant row normalizes to 0.
  const std::vector<double> row = {-1.0606601717798212, -0.35355339059327373,
                                   0.35355339059327373, 1.0606601717798212};
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>,
                    %y: tensor<1x2x2xf32>)
        -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<1x2x2xf32>) {
      %n = sinter.layer_norm %x axis = 1 epsilon = 7.500000e-01 : tensor<2x4xf32> -> tensor<2x4xf32>
      %a = sinter.layer_norm %x scale(%g : tensor<4xf32>) offset(%b : tensor<4xf32>) axis = 1 epsilon = 7.500000e-01 : tensor<2x4xf32> -> tensor<2x4xf32>
      %m = sinter.layer_norm %y axis = 1 epsilon = 7.500000e-01 : tensor<1x2x2xf32> -> tensor<1x2x2xf32>
      return %n, %a, %m : tensor<2x4xf32>, tensor<2x4xf32>, tensor<1x2x2xf32>
    })mlir",
                {f32({2, 4}, {1, 2, 3, 4, 2, 2, 2, 2}), f32({4}, {1, 2, 1, 2}),
                 f32({4}, {0, 0, 1, 1}), f32({1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_EQ(r.size(), 3u);
  expectNear(r[0], {row[0], row[1], row[2], row[3], 0, 0, 0, 0});
  expectNear(r[1],
             {row[0], 2 * row[1], row[2] + 1, 2 * row[3] + 1, 0, 0, 1, 1});
  // Normalizes over dims [1, 3): the same four values.
  expectNear(r[2], row);
}

TEST_F(InterpreterTest, RmsNorm) {
  // mean(x^2) = 7.5; + epsilon 0.5 = 8; x / sqrt(8).
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<1x4xf32>, %g: tensor<4xf32>)
        -> (tensor<1x4xf32>, tensor<1x4xf32>) {
      %n = sinter.rms_norm %x axis = 1 epsilon = 5.000000e-01 : tensor<1x4xf32> -> tensor<1x4xf32>
      %a = sinter.rms_norm %x scale(%g : tensor<4xf32>) axis = 1 epsilon = 5.000000e-01 : tensor<1x4xf32> -> tensor<1x4xf32>
      return %n, %a : tensor<1x4xf32>, tensor<1x4xf32>
    })mlir",
                {f32({1, 4}, {1, 2, 3, 4}), f32({4}, {1, 0, -1, 2})});
  ASSERT_EQ(r.size(), 2u);
  expectNear(r[0], {0.35355339059327373, 0.7071067811865475, 1.0606601717798212,
                    1.414213562373095});
  expectNear(r[1],
             {0.35355339059327373, 0, -1.0606601717798212, 2.82842712474619});
}

TEST_F(InterpreterTest, AttentionWeightsByScaledScores) {
  // One query, keys 0 and 1, scale ln 3: scores [0, ln 3], weights [1/4,
  // 3/4], values [4, 8] -> 7.
  auto r = eval(R"mlir(
    func.func @main(%q: tensor<1x1x1x1xf32>, %k: tensor<1x1x2x1xf32>,
                    %v: tensor<1x1x2x2xf32>) -> tensor<1x1x1x2xf32> {
      %o = sinter.attention %q, %k, %v scale = 1.0986122886681098 : tensor<1x1x1x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x2xf32> -> tensor<1x1x1x2xf32>
      return %o : tensor<1x1x1x2xf32>
    })mlir",
                {f32({1, 1, 1, 1}, {1}), f32({1, 1, 2, 1}, {0, 1}),
                 f32({1, 1, 2, 2}, {4, -4, 8, 0})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape, (std::vector<int64_t>{1, 1, 1, 2}));
  expectNear(r[0], {7, -1});
}

TEST_F(InterpreterTest, AttentionBiasMasksAndBroadcasts) {
  // Batch 2, one head; the bias [1, 1, 2, 2] broadcasts over the batch.
  // Query 0: bias [0, -inf] -> only key 0. Query 1: bias all -inf -> zeros.
  auto r =
      eval(R"mlir(
    func.func @main(%q: tensor<2x1x2x1xf32>, %k: tensor<2x1x2x1xf32>,
                    %v: tensor<2x1x2x1xf32>, %b: tensor<1x1x2x2xf32>)
        -> tensor<2x1x2x1xf32> {
      %o = sinter.attention %q, %k, %v bias(%b : tensor<1x1x2x2xf32>) scale = 1.0 : tensor<2x1x2x1xf32>, tensor<2x1x2x1xf32>, tensor<2x1x2x1xf32> -> tensor<2x1x2x1xf32>
      return %o : tensor<2x1x2x1xf32>
    })mlir",
           {f32({2, 1, 2, 1}, {1, 1, 1, 1}), f32({2, 1, 2, 1}, {0, 5, 3, -2}),
            f32({2, 1, 2, 1}, {10, 20, 30, 40}),
            f32({1, 1, 2, 2}, {0, -kInf, -kInf, -kInf})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {2, 1, 2, 1}, {10, 0, 30, 0});
}

TEST_F(InterpreterTest, AttentionBiasAddsToScores) {
  // Equal q.k scores; a bias of ln 3 on key 1 gives weights [1/4, 3/4].
  auto r = eval(R"mlir(
    func.func @main(%q: tensor<1x2x1x1xf32>, %k: tensor<1x2x2x1xf32>,
                    %v: tensor<1x2x2x1xf32>, %b: tensor<1x2x1x2xf32>)
        -> tensor<1x2x1x1xf32> {
      %o = sinter.attention %q, %k, %v bias(%b : tensor<1x2x1x2xf32>) scale = 2.0 : tensor<1x2x1x1xf32>, tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32> -> tensor<1x2x1x1xf32>
      return %o : tensor<1x2x1x1xf32>
    })mlir",
                {f32({1, 2, 1, 1}, {1, 0}), f32({1, 2, 2, 1}, {1, 1, 0, 0}),
                 f32({1, 2, 2, 1}, {4, 8, 4, 8}),
                 f32({1, 2, 1, 2}, {0, 1.0986122886681098, 0, 0})});
  ASSERT_EQ(r.size(), 1u);
  // Head 0: scores [2, 2 + ln 3] -> 7; head 1: scores [0, 0] -> 6.
  expectNear(r[0], {7, 6});
}

TEST_F(InterpreterTest, CausalAttentionIgnoresFutureKeys) {
  const char *source = R"mlir(
    func.func @main(%q: tensor<1x1x2x1xf32>, %k: tensor<1x1x2x1xf32>,
                    %v: tensor<1x1x2x1xf32>) -> tensor<1x1x2x1xf32> {
      %o = sinter.attention %q, %k, %v scale = 1.0 causal : tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32> -> tensor<1x1x2x1xf32>
      return %o : tensor<1x1x2x1xf32>
    })mlir";
  // Query 0 sees key 0 only; query 1 sees both, with equal scores.
  auto r = eval(source, {f32({1, 1, 2, 1}, {1, 1}), f32({1, 1, 2, 1}, {0, 0}),
                         f32({1, 1, 2, 1}, {1, 3})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1, 1, 2, 1}, {1, 2});
  // Changing the future key and value (even to inf) leaves query 0 alone.
  auto s = eval(source, {f32({1, 1, 2, 1}, {1, 1}), f32({1, 1, 2, 1}, {0, 50}),
                         f32({1, 1, 2, 1}, {1, kInf})});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].values[0], 1.0);
}

TEST_F(InterpreterTest, CausalAttentionWithMoreKeysThanQueries) {
  // S = 2, T = 3: query s sees keys t <= s + 1. Equal scores, so the output
  // is the mean of the visible values [1, 2, 6]: (1 + 2) / 2 and 9 / 3.
  auto r = eval(R"mlir(
    func.func @main(%q: tensor<1x1x2x1xf32>, %k: tensor<1x1x3x1xf32>,
                    %v: tensor<1x1x3x1xf32>) -> tensor<1x1x2x1xf32> {
      %o = sinter.attention %q, %k, %v scale = 1.0 causal : tensor<1x1x2x1xf32>, tensor<1x1x3x1xf32>, tensor<1x1x3x1xf32> -> tensor<1x1x2x1xf32>
      return %o : tensor<1x1x2x1xf32>
    })mlir",
                {f32({1, 1, 2, 1}, {1, 1}), f32({1, 1, 3, 1}, {0, 0, 0}),
                 f32({1, 1, 3, 1}, {1, 2, 6})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1, 1, 2, 1}, {1.5, 3});
}

TEST_F(InterpreterTest, CausalAttentionWithMoreQueriesThanKeys) {
  // S = 4, T = 2: query s sees key t iff t <= s - 2, so queries 0 and 1 see
  // no key and give zeros (their NaN scores take no part), query 2 sees key
  // 0 and gives v[0], query 3 sees both keys with equal scores (k = 0) and
  // gives their mean: ([1, 10] + [3, 30]) / 2 = [2, 20].
  auto r = eval(R"mlir(
    func.func @main(%q: tensor<1x1x4x1xf32>, %k: tensor<1x1x2x1xf32>,
                    %v: tensor<1x1x2x2xf32>) -> tensor<1x1x4x2xf32> {
      %o = sinter.attention %q, %k, %v scale = 1.0 causal : tensor<1x1x4x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x2xf32> -> tensor<1x1x4x2xf32>
      return %o : tensor<1x1x4x2xf32>
    })mlir",
                {f32({1, 1, 4, 1}, {kNaN, kNaN, 1, 1}),
                 f32({1, 1, 2, 1}, {0, 0}), f32({1, 1, 2, 2}, {1, 10, 3, 30})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1, 1, 4, 2}, {0, 0, 0, 0, 1, 10, 2, 20});
}

TEST_F(InterpreterTest, RotaryEmbeddingBothLayouts) {
  // Pair 0 rotates by 90 degrees (cos 0, sin 1), pair 1 by 0.
  auto r = eval(
      R"mlir(
    func.func @main(%x: tensor<1x4xf32>, %c: tensor<1x2xf32>, %s: tensor<1x2xf32>)
        -> (tensor<1x4xf32>, tensor<1x4xf32>) {
      %i = sinter.rotary_embedding %x, %c, %s interleaved : (tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
      %h = sinter.rotary_embedding %x, %c, %s : (tensor<1x4xf32>, tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
      return %i, %h : tensor<1x4xf32>, tensor<1x4xf32>
    })mlir",
      {f32({1, 4}, {1, 2, 3, 4}), f32({1, 2}, {0, 1}), f32({1, 2}, {1, 0})});
  ASSERT_EQ(r.size(), 2u);
  // Interleaved pairs (x0, x1): (1, 2) -> (-2, 1).
  expectExact(r[0], DType::F32, {1, 4}, {-2, 1, 3, 4});
  // Rotate-half pairs (x0, x2): (1, 3) -> (-3, 1).
  expectExact(r[1], DType::F32, {1, 4}, {-3, 2, 1, 4});
}

TEST_F(InterpreterTest, RotaryEmbeddingUsesEachPosition) {
  // Two positions over a leading batch of 2: position 0 is the identity,
  // position 1 rotates by 90 degrees: (a, b) -> (-b, a).
  auto r = eval(R"mlir(
    func.func @main(%x: tensor<2x2x2xf32>, %c: tensor<2x1xf32>, %s: tensor<2x1xf32>)
        -> tensor<2x2x2xf32> {
      %i = sinter.rotary_embedding %x, %c, %s : (tensor<2x2x2xf32>, tensor<2x1xf32>, tensor<2x1xf32>) -> tensor<2x2x2xf32>
      return %i : tensor<2x2x2xf32>
    })mlir",
                {f32({2, 2, 2}, {1, 0, 1, 0, 2, 4, 2, 4}), f32({2, 1}, {1, 0}),
                 f32({2, 1}, {0, 1})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {2, 2, 2}, {1, 0, 0, 1, 2, 4, -4, 2});
}

//===----------------------------------------------------------------------===//
// Constants and fusion
//===----------------------------------------------------------------------===//

TEST_F(InterpreterTest, DenseConstantsAndSplats) {
  auto r = eval(R"mlir(
    func.func @main() -> (tensor<3xf32>, tensor<2x2xf32>, tensor<2xi1>,
                          tensor<2xi64>, tensor<2xbf16>, tensor<2xi1>) {
      %a = sinter.constant dense<[1.0, -2.5, 3.0]> : tensor<3xf32>
      %b = sinter.constant dense<2.5> : tensor<2x2xf32>
      %c = sinter.constant dense<[true, false]> : tensor<2xi1>
      %d = sinter.constant dense<[-9007199254740993, 5]> : tensor<2xi64>
      %e = sinter.constant dense<1.5> : tensor<2xbf16>
      %f = sinter.constant dense<true> : tensor<2xi1>
      return %a, %b, %c, %d, %e, %f : tensor<3xf32>, tensor<2x2xf32>, tensor<2xi1>,
          tensor<2xi64>, tensor<2xbf16>, tensor<2xi1>
    })mlir",
                {});
  ASSERT_EQ(r.size(), 6u);
  expectExact(r[0], DType::F32, {3}, {1, -2.5, 3});
  expectExact(r[1], DType::F32, {2, 2}, {2.5, 2.5, 2.5, 2.5});
  expectExact(r[2], DType::I1, {2}, {1, 0});
  // -(2^53 + 1) is not a double: it rounds to -2^53 (documented).
  expectExact(r[3], DType::I64, {2}, {-9007199254740992.0, 5});
  expectExact(r[4], DType::BF16, {2}, {1.5, 1.5});
  expectExact(r[5], DType::I1, {2}, {1, 1});
}

TEST_F(InterpreterTest, DenseResourceConstants) {
  // Blobs: a little-endian u32 alignment, then little-endian elements.
  auto r = eval(R"mlir(
    func.func @main() -> (tensor<2xf32>, tensor<2xf16>, tensor<2xbf16>,
                          tensor<3xi1>, tensor<2xi32>, tensor<1xi64>) {
      %a = sinter.constant dense_resource<w_f32> : tensor<2xf32>
      %b = sinter.constant dense_resource<w_f16> : tensor<2xf16>
      %c = sinter.constant dense_resource<w_bf16> : tensor<2xbf16>
      %d = sinter.constant dense_resource<w_i1> : tensor<3xi1>
      %e = sinter.constant dense_resource<w_i32> : tensor<2xi32>
      %f = sinter.constant dense_resource<w_i64> : tensor<1xi64>
      return %a, %b, %c, %d, %e, %f : tensor<2xf32>, tensor<2xf16>, tensor<2xbf16>,
          tensor<3xi1>, tensor<2xi32>, tensor<1xi64>
    }
    {-#
      dialect_resources: {
        builtin: {
          w_f32: "0x040000000000803F000000C0",
          w_f16: "0x02000000003C00C0",
          w_bf16: "0x02000000803F003F",
          w_i1: "0x01000000010002",
          w_i32: "0x0400000007000000FFFFFFFF",
          w_i64: "0x08000000FEFFFFFFFFFFFFFF"
        }
      }
    #-})mlir",
                {});
  ASSERT_EQ(r.size(), 6u);
  expectExact(r[0], DType::F32, {2}, {1, -2});   // 0x3F800000, 0xC0000000
  expectExact(r[1], DType::F16, {2}, {1, -2});   // 0x3C00, 0xC000
  expectExact(r[2], DType::BF16, {2}, {1, 0.5}); // 0x3F80, 0x3F00
  expectExact(r[3], DType::I1, {3}, {1, 0, 1});  // any nonzero byte is true
  expectExact(r[4], DType::I32, {2}, {7, -1});
  expectExact(r[5], DType::I64, {1}, {-2});
}

TEST_F(InterpreterTest, DenseResourceOfWrongSizeIsAnError) {
  // Parse without verifying, as a caller holding unverified IR would: the
  // interpreter verifies first and reports the constant's (C2) message.
  mlir::ParserConfig config(&context, /*verifyAfterParse=*/false);
  auto unverified = mlir::parseSourceString<mlir::ModuleOp>(R"mlir(
    func.func @main() -> tensor<2xf32> {
      %a = sinter.constant dense_resource<short> : tensor<2xf32>
      return %a : tensor<2xf32>
    }
    {-#
      dialect_resources: { builtin: { short: "0x040000000000803F" } }
    #-})mlir",
                                                            config);
  ASSERT_TRUE(unverified);
  auto results = evaluate(*unverified, {});
  ASSERT_FALSE(results.ok());
  EXPECT_NE(results.status().message().find(
                "(C2) dense_resource blob 'short' holds 4 bytes"),
            std::string::npos)
      << "message: " << results.status().message();
}

TEST_F(InterpreterTest, FusionRegion) {
  auto r = eval(R"mlir(
    func.func @main(%a: tensor<2xf32>, %b: tensor<2xf32>)
        -> (tensor<2xf32>, tensor<2xf32>) {
      %e, %s = sinter.fusion loop (%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
      ^bb0(%x: tensor<2xf32>, %y: tensor<2xf32>):
        %sum = sinter.add %x, %y : tensor<2xf32>
        %c = sinter.constant dense<2.0> : tensor<2xf32>
        %m = sinter.mul %sum, %c : tensor<2xf32>
        %z = sinter.exp %x : tensor<2xf32>
        sinter.yield %z, %m : tensor<2xf32>, tensor<2xf32>
      }
      %out = sinter.sub %s, %a : tensor<2xf32>
      return %e, %out : tensor<2xf32>, tensor<2xf32>
    })mlir",
                {f32({2}, {0, 1}), f32({2}, {3, -4})});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].values[0], 1.0);
  expectNear(r[0], {1, 2.718281828459045});
  // 2 (a + b) - a = [6, -7].
  expectExact(r[1], DType::F32, {2}, {6, -7});
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

constexpr const char *kAddSource = R"mlir(
  func.func @main(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
    %s = sinter.add %a, %b : tensor<2x3xf32>
    return %s : tensor<2x3xf32>
  })mlir";

TEST_F(InterpreterTest, WrongArgumentCount) {
  expectError(kAddSource, {f32({2, 3}, {1, 2, 3, 4, 5, 6})},
              "expects 2 arguments, got 1");
}

TEST_F(InterpreterTest, WrongArgumentDType) {
  expectError(kAddSource,
              {f32({2, 3}, {1, 2, 3, 4, 5, 6}),
               tensor(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 6})},
              "argument 1: expected tensor<2x3xf32>, got tensor<2x3xi32>");
}

TEST_F(InterpreterTest, WrongArgumentShape) {
  expectError(
      kAddSource,
      {f32({3, 2}, {1, 2, 3, 4, 5, 6}), f32({2, 3}, {1, 2, 3, 4, 5, 6})},
      "argument 0: expected tensor<2x3xf32>, got tensor<3x2xf32>");
}

TEST_F(InterpreterTest, ArgumentWithTooFewValues) {
  HostTensor bad{DType::F32, {2, 3}, {1, 2}};
  expectError(kAddSource, {bad, f32({2, 3}, {1, 2, 3, 4, 5, 6})},
              "argument 0: tensor<2x3xf32> needs 6 values, got 2");
}

TEST_F(InterpreterTest, ArgumentsAreRoundedOnEntry) {
  HostTensor unrounded{DType::F32, {2, 3}, {0.1, 0, 0, 0, 0, 0}};
  auto r = eval(kAddSource, {unrounded, f32({2, 3}, {0, 0, 0, 0, 0, 0})});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].values[0], 0x1.99999ap-4); // f32 0x3dcccccd, nearest to 0.1
}

TEST_F(InterpreterTest, InvalidIRIsReportedNotEvaluated) {
  // Break the IR after parsing: the entry block's argument no longer matches
  // the function type. The verifier's message comes back as the status.
  module = mlir::parseSourceString<mlir::ModuleOp>(kAddSource, &context);
  ASSERT_TRUE(module);
  auto fn = *module->getOps<mlir::func::FuncOp>().begin();
  fn.getArgument(0).setType(
      mlir::RankedTensorType::get({3}, mlir::Float32Type::get(&context)));
  absl::StatusOr<std::vector<HostTensor>> r = evaluate(
      fn, {f32({2, 3}, {1, 2, 3, 4, 5, 6}), f32({2, 3}, {1, 2, 3, 4, 5, 6})});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not verify"), std::string::npos)
      << r.status();
}

TEST_F(InterpreterTest, ValueLargerThanMemoryIsRefusedByName) {
  // 1e11 f64 values are 800 GB: refused before anything is allocated (the
  // allocation aborted the process under LLVM's out-of-memory handler).
  auto r = evalStatus(R"mlir(
    func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
      %c = sinter.constant dense<1.0> : tensor<100000000000xf32>
      %s = sinter.reduce sum %c, dims = [0] : (tensor<100000000000xf32>) -> tensor<f32>
      %b = sinter.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<4xf32>
      %y = sinter.add %x, %b : tensor<4xf32>
      return %y : tensor<4xf32>
    })mlir",
                      {tensor(DType::F32, {4}, {1, 2, 3, 4})});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find(
                "the result of 'sinter.constant' of type "
                "tensor<100000000000xf32> needs 800000000000 bytes as f64 "
                "values in the reference interpreter, more than this "
                "machine's"),
            std::string::npos)
      << r.status().message();
}

TEST_F(InterpreterTest, UnsupportedOpIsNamed) {
  expectError(R"mlir(
    func.func private @helper(%a: tensor<2xf32>) -> tensor<2xf32>
    func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
      %r = func.call @helper(%a) : (tensor<2xf32>) -> tensor<2xf32>
      return %r : tensor<2xf32>
    })mlir",
              {f32({2}, {1, 2})}, "unsupported op 'func.call'");
}

TEST_F(InterpreterTest, UnsupportedOpWithNonTensorResultIsNamed) {
  // func.constant yields a function, not a tensor: reported by name and
  // type, never cast to a tensor type (which asserts, or is undefined
  // behaviour without assertions).
  expectError(R"mlir(
    func.func private @helper(%a: tensor<2xf32>) -> tensor<2xf32>
    func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {
      %f = func.constant @helper : (tensor<2xf32>) -> tensor<2xf32>
      return %a : tensor<2xf32>
    })mlir",
              {f32({2}, {1, 2})},
              "unsupported op 'func.constant' (its result has type "
              "(tensor<2xf32>) -> tensor<2xf32>, not a ranked tensor)");
}

TEST_F(InterpreterTest, OutOfRangeEnumsAreErrors) {
  // The verifier accepts any value in an enum attribute, so an op built with
  // a bad integer reaches the interpreter. Each must be an error naming the
  // op and the value, not zeros or false.
  auto expectEnumError = [&](const char *source, auto breakOp,
                             const std::string &needle) {
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    ASSERT_TRUE(module);
    module->walk(breakOp);
    auto fn = *module->getOps<mlir::func::FuncOp>().begin();
    absl::StatusOr<std::vector<HostTensor>> r =
        evaluate(fn, {f32({2}, {1, kNaN})});
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
    EXPECT_NE(r.status().message().find(needle), std::string::npos)
        << "message: " << r.status().message();
  };
  expectEnumError(
      R"mlir(
    func.func @main(%x: tensor<2xf32>) -> tensor<f32> {
      %r = sinter.reduce sum %x, dims = [0] : (tensor<2xf32>) -> tensor<f32>
      return %r : tensor<f32>
    })mlir",
      [](sinter::ReduceOp op) {
        op.setKind(static_cast<sinter::ReduceKind>(99));
      },
      "'sinter.reduce': invalid ReduceKind value 99");
  expectEnumError(
      R"mlir(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xi1> {
      %r = sinter.compare eq, %x, %x : tensor<2xf32>
      return %r : tensor<2xi1>
    })mlir",
      [](sinter::CompareOp op) {
        op.setPredicate(static_cast<sinter::ComparePredicate>(99));
      },
      "'sinter.compare': invalid ComparePredicate value 99");
  expectEnumError(
      R"mlir(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %r = sinter.gelu none %x : tensor<2xf32>
      return %r : tensor<2xf32>
    })mlir",
      [](sinter::GeluOp op) {
        op.setApproximate(static_cast<sinter::GeluApproximation>(99));
      },
      "'sinter.gelu': invalid GeluApproximation value 99");
}

TEST_F(InterpreterTest, EntryFunctionSelection) {
  const char *source = R"mlir(
    func.func @one(%a: tensor<1xf32>) -> tensor<1xf32> {
      %n = sinter.neg %a : tensor<1xf32>
      return %n : tensor<1xf32>
    }
    func.func @two(%a: tensor<1xf32>) -> tensor<1xf32> {
      %n = sinter.add %a, %a : tensor<1xf32>
      return %n : tensor<1xf32>
    })mlir";
  expectError(source, {f32({1}, {3})}, "module has 2 public functions");
  expectError(source, {f32({1}, {3})}, "no func.func named 'three'", "three");
  absl::StatusOr<std::vector<HostTensor>> r =
      evalStatus(source, {f32({1}, {3})}, "two");
  ASSERT_TRUE(r.ok()) << r.status();
  expectExact((*r)[0], DType::F32, {1}, {6});
}

TEST_F(InterpreterTest, PrivateFunctionsAreNotEntryCandidates) {
  auto r = eval(R"mlir(
    func.func private @internal(%a: tensor<1xf32>) -> tensor<1xf32> {
      return %a : tensor<1xf32>
    }
    func.func @main(%a: tensor<1xf32>) -> tensor<1xf32> {
      %n = sinter.neg %a : tensor<1xf32>
      return %n : tensor<1xf32>
    })mlir",
                {f32({1}, {3})});
  ASSERT_EQ(r.size(), 1u);
  expectExact(r[0], DType::F32, {1}, {-3});
}

} // namespace
