//===- EdgeNumericsTest.cpp - Edge-case inputs against the interpreter ----===//
//
// The wrong answers a probe found (issue 13, items 1-5), each on the inputs
// that exposed it, compiled with fusion on and off and compared with the
// reference interpreter: fully masked softmax rows, a NaN in a future value
// of causal attention, layer/RMS norms of near-constant and huge rows, log
// of subnormals, and the mean of values whose sum overflows. The same file
// runs on CUDA (gpu.) and on the GPU emulator (emugpu.).
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>

namespace sinter::e2e {
namespace {

using reference::HostTensor;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                  std::vector<double> values) {
  auto t = HostTensor::create(dtype, std::move(shape), std::move(values));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : HostTensor{};
}

/// Fills a tensor of `shape` with `value(flat index)`.
template <typename Fn>
HostTensor filled(DType dtype, std::vector<int64_t> shape, Fn value) {
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  std::vector<double> values(n);
  for (int64_t i = 0; i < n; ++i) {
    values[i] = value(i);
  }
  return tensor(dtype, std::move(shape), std::move(values));
}

/// Compiles `mlir` with fusion `fusion` and compares it with the
/// interpreter on `inputs`.
std::string check(const std::string &mlir, std::vector<HostTensor> inputs,
                  const std::string &fusion) {
  CheckOptions options;
  options.inputs = std::move(inputs);
  options.fusion = fusion;
  return compileRunAndCompare(mlir, options);
}

class EdgeNumericsTest : public testing::TestWithParam<std::string> {};

// Item 1: a row of all -inf gives zeros from softmax and -inf from
// log_softmax and logsumexp (not NaN); a partly masked row is an ordinary
// row; a row holding +inf gives NaN in both.
TEST_P(EdgeNumericsTest, FullyMaskedSoftmaxRows) {
  for (std::string dtype : {"f32", "bf16"}) {
    DType dt = dtype == "f32" ? DType::F32 : DType::BF16;
    HostTensor x = filled(dt, {4, 37}, [](int64_t i) {
      int64_t row = i / 37, col = i % 37;
      if (row == 1 || (row == 2 && col % 3 != 0)) {
        return -kInf;
      }
      if (row == 3 && col == 5) {
        return kInf;
      }
      return std::sin(double(i)) * 4;
    });
    for (std::string op : {"softmax", "log_softmax"}) {
      std::string mlir = absl::StrReplaceAll(
          R"(func.func @f(%x: tensor<4x37xT>) -> tensor<4x37xT> {
  %r = sinter.OP %x, axis = 1 : (tensor<4x37xT>) -> tensor<4x37xT>
  return %r : tensor<4x37xT>
})",
          {{"OP", op}, {"T", dtype}});
      EXPECT_EQ(check(mlir, {x}, GetParam()), "") << op << " " << dtype;
    }
    std::string lse = absl::StrReplaceAll(
        R"(func.func @f(%x: tensor<4x37xT>) -> tensor<4xT> {
  %r = sinter.logsumexp %x, axis = 1 : (tensor<4x37xT>) -> tensor<4xT>
  return %r : tensor<4xT>
})",
        {{"T", dtype}});
    EXPECT_EQ(check(lse, {x}, GetParam()), "") << "logsumexp " << dtype;
  }
}

// Item 2: a NaN in the value (and the key) of the last position reaches only
// the last query row of causal attention; the rows before it stay finite.
// S = 130 spans three query tiles and several key tiles. A head dimension of
// 160 is past the GPU flash kernel's (128), where the GPU computes attention
// unfused: its P.V product selects hidden keys away too.
TEST_P(EdgeNumericsTest, CausalAttentionFutureNaNDoesNotLeak) {
  for (auto [s, d] :
       {std::pair<int64_t, int64_t>{5, 16}, {130, 16}, {33, 160}}) {
    std::string t = absl::StrCat("tensor<1x2x", s, "x", d, "xf32>");
    std::string mlir = absl::StrReplaceAll(
        R"(func.func @f(%q: T, %k: T, %v: T) -> T {
  %r = sinter.attention %q, %k, %v scale = 0.25 causal : T, T, T -> T
  return %r : T
})",
        {{"T", t}});
    auto last = [s, d](int64_t i) { return (i / d) % s == s - 1; };
    HostTensor q = filled(DType::F32, {1, 2, s, d},
                          [](int64_t i) { return std::cos(0.3 * i); });
    HostTensor k = filled(DType::F32, {1, 2, s, d}, [&](int64_t i) {
      return last(i) && i % d == 3 ? kNaN : std::sin(0.7 * i);
    });
    HostTensor v = filled(DType::F32, {1, 2, s, d}, [&](int64_t i) {
      return last(i) ? (i % 2 ? kNaN : kInf) : std::sin(0.1 * i);
    });
    EXPECT_EQ(check(mlir, {q, k, v}, GetParam()), "")
        << "S = " << s << ", D = " << d;
  }
}

// With fewer keys than queries (T < S), the first S - T rows of causal
// attention see no key and give zeros, in the flash kernels and in the GPU's
// unfused form for head dimensions above 128.
TEST_P(EdgeNumericsTest, CausalAttentionRowsThatSeeNoKey) {
  for (int64_t d : {16, 160}) {
    std::string mlir = absl::StrReplaceAll(
        R"(func.func @f(%q: tensor<1x2x12xDxf32>, %k: tensor<1x2x5xDxf32>, %v: tensor<1x2x5xDxf32>) -> tensor<1x2x12xDxf32> {
  %r = sinter.attention %q, %k, %v scale = 0.25 causal : tensor<1x2x12xDxf32>, tensor<1x2x5xDxf32>, tensor<1x2x5xDxf32> -> tensor<1x2x12xDxf32>
  return %r : tensor<1x2x12xDxf32>
})",
        {{"xD", absl::StrCat("x", d)}});
    EXPECT_EQ(check(mlir, {}, GetParam()), "") << "D = " << d;
  }
}

// sinter-lower-fusions divides a row by a row constant as a multiplication
// by its reciprocal (two roundings, about 1.5 ulp from the division): a row
// normalized by its sum, with values spanning six decades, matches the
// interpreter within the reduction tolerance, fused (rewritten) and not.
TEST_P(EdgeNumericsTest, RowDividedByItsSumThroughTheReciprocal) {
  std::string mlir =
      R"(func.func @f(%x: tensor<5x37xf32>) -> tensor<5x37xf32> {
  %s = sinter.reduce sum %x, dims = [1] : (tensor<5x37xf32>) -> tensor<5xf32>
  %b = sinter.broadcast_in_dim %s, dims = [0] : (tensor<5xf32>) -> tensor<5x37xf32>
  %r = sinter.div %x, %b : tensor<5x37xf32>
  return %r : tensor<5x37xf32>
})";
  HostTensor x = filled(DType::F32, {5, 37}, [](int64_t i) {
    return std::pow(10.0, (i % 7) - 3.0) * (1.0 + 0.1 * std::sin(double(i)));
  });
  EXPECT_EQ(check(mlir, {x}, GetParam()), "");
}

// Item 3: rows of 1000000.1 and of 1000.1 normalize to 0 (beta), a row of
// 3e38 too; a row spanning +-3e38 and a row of 1e20s are normalized
// without overflow; rms_norm of a row of 3e38 is 1 and of a row of 1e-30
// with epsilon 0 is 1 too.
TEST_P(EdgeNumericsTest, NormsOfNearConstantAndHugeRows) {
  HostTensor x = filled(DType::F32, {6, 40}, [](int64_t i) {
    int64_t row = i / 40, col = i % 40;
    switch (row) {
    case 0:
      return 1000000.1;
    case 1:
      return 1000.1;
    case 2:
      return 3e38;
    case 3:
      return col % 2 ? 3e38 : -3e38 * (col + 1) / 40;
    case 4:
      return 1e20 * std::sin(double(col));
    default:
      return 1000000.0 + (col % 4) * 0.0625; // a few ulps apart
    }
  });
  HostTensor beta = filled(DType::F32, {40}, [](int64_t i) { return i; });
  std::string layerNorm =
      R"(func.func @f(%x: tensor<6x40xf32>, %b: tensor<40xf32>) -> tensor<6x40xf32> {
  %r = sinter.layer_norm %x offset(%b : tensor<40xf32>) axis = 1 epsilon = 1.0e-05 : tensor<6x40xf32> -> tensor<6x40xf32>
  return %r : tensor<6x40xf32>
})";
  EXPECT_EQ(check(layerNorm, {x, beta}, GetParam()), "");

  HostTensor y = filled(DType::F32, {3, 33}, [](int64_t i) {
    int64_t row = i / 33;
    return row == 0 ? 3e38 : row == 1 ? -1e-30 : 2e19 * (i % 33 - 16);
  });
  for (std::string epsilon : {"1.0e-05", "0.0"}) {
    std::string rmsNorm = absl::StrReplaceAll(
        R"(func.func @f(%x: tensor<3x33xf32>) -> tensor<3x33xf32> {
  %r = sinter.rms_norm %x axis = 1 epsilon = EPS : tensor<3x33xf32> -> tensor<3x33xf32>
  return %r : tensor<3x33xf32>
})",
        {{"EPS", epsilon}});
    EXPECT_EQ(check(rmsNorm, {y}, GetParam()), "") << "epsilon " << epsilon;
  }
}

// Item 4: log of subnormals (1e-45 is 2^-149) is not clamped to log of the
// smallest normal.
TEST_P(EdgeNumericsTest, LogOfSubnormals) {
  HostTensor x = tensor(
      DType::F32, {8},
      {1e-45, 1e-42, 1e-40, 1.1754942e-38, 1.17549435e-38, 0.0, 1.0, 3e38});
  std::string mlir = R"(func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = sinter.log %x : tensor<8xf32>
  return %r : tensor<8xf32>
})";
  EXPECT_EQ(check(mlir, {x}, GetParam()), "");
}

// Found by sinter-difftest: pow of tiny and huge bases (MLIR's expansion
// squared the base: pow(1e-30, 1e-30) gave 0) and of negative bases with
// fractional exponents (a number instead of NaN); here every pair of C99's
// special values.
TEST_P(EdgeNumericsTest, PowSpecialCases) {
  std::vector<double> xs = {0.0,  -0.0,  1.0,  -1.0,  2.0,  -2.0,  0.5, -0.5,
                            kInf, -kInf, kNaN, 1e-40, -3.0, 1e-30, 1e20};
  std::vector<double> ys = {0.0,  -0.0, 1.0,  -1.0, 2.0,   -2.0, 3.0,
                            -3.0, 0.5,  -0.5, kInf, -kInf, kNaN, 1e-30};
  std::vector<double> x, y;
  for (double a : xs) {
    for (double b : ys) {
      x.push_back(a);
      y.push_back(b);
    }
  }
  int64_t n = int64_t(x.size());
  std::string t = absl::StrCat("tensor<", n, "xf32>");
  std::string mlir = absl::StrReplaceAll(
      R"(func.func @f(%x: T, %y: T) -> T {
  %r = sinter.pow %x, %y : T
  return %r : T
})",
      {{"T", t}});
  EXPECT_EQ(check(mlir,
                  {tensor(DType::F32, {n}, x), tensor(DType::F32, {n}, y)},
                  GetParam()),
            "");
}

// Found by sinter-difftest (seed 1123): one query (S = 1) and one key tile
// (T = 33) fold every loop of the flash nest but the tile products, whose
// results the outliner dropped (a crash in the verifier).
TEST_P(EdgeNumericsTest, AttentionWithOneQueryAndOneKeyTile) {
  for (std::string causal : {"", " causal"}) {
    std::string mlir = absl::StrReplaceAll(
        R"(func.func @f(%q: tensor<1x1x1x16xf32>, %k: tensor<1x1x33x16xf32>, %v: tensor<1x1x33x16xf32>, %b: tensor<1x1x1x33xf32>) -> tensor<1x1x1x16xf32> {
  %r = sinter.attention %q, %k, %v bias(%b : tensor<1x1x1x33xf32>) scale = 0.25CAUSAL : tensor<1x1x1x16xf32>, tensor<1x1x33x16xf32>, tensor<1x1x33x16xf32> -> tensor<1x1x1x16xf32>
  return %r : tensor<1x1x1x16xf32>
})",
        {{"CAUSAL", causal}});
    EXPECT_EQ(check(mlir, {}, GetParam()), "") << causal;
  }
}

// Item 5: the mean of 37 values of 1e38 is 1e38, not inf (the sum
// overflows); a mean over a leading dimension too.
TEST_P(EdgeNumericsTest, MeanWhoseSumOverflows) {
  HostTensor x = filled(DType::F32, {2, 37},
                        [](int64_t i) { return i < 37 ? 1e38 : -3e38 + i; });
  std::string rows = R"(func.func @f(%x: tensor<2x37xf32>) -> tensor<2xf32> {
  %r = sinter.reduce mean %x, dims = [1] : (tensor<2x37xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
})";
  EXPECT_EQ(check(rows, {x}, GetParam()), "");
  std::string cols = R"(func.func @f(%x: tensor<2x37xf32>) -> tensor<37xf32> {
  %s = sinter.add %x, %x : tensor<2x37xf32>
  %r = sinter.reduce mean %s, dims = [0] : (tensor<2x37xf32>) -> tensor<37xf32>
  return %r : tensor<37xf32>
})";
  HostTensor big = filled(DType::F32, {2, 37}, [](int64_t) { return 1.5e38; });
  EXPECT_EQ(check(cols, {big}, GetParam()), "");
}

// Found by sinter-difftest on an AVX2 machine: max(0, NaN) in f16 gave 0
// (LLVM 19's x86 f16 maximum without AVX512-FP16). Every pair of special
// values, in each float type, for max and min.
TEST_P(EdgeNumericsTest, MaxAndMinOfSpecialValues) {
  std::vector<double> specials = {0.0, -0.0, 1.0, -1.0, kInf, -kInf, kNaN};
  std::vector<double> as, bs;
  for (double a : specials) {
    for (double b : specials) {
      as.push_back(a);
      bs.push_back(b);
    }
  }
  for (auto [dtype, name] : {std::pair{DType::F16, "f16"},
                             std::pair{DType::BF16, "bf16"},
                             std::pair{DType::F32, "f32"}}) {
    for (const char *op : {"max", "min"}) {
      std::string type = std::string("tensor<49x") + name + ">";
      std::string mlir = "func.func @f(%a: " + type + ", %b: " + type +
                         ") -> " + type + " {\n  %r = sinter." + op +
                         " %a, %b : " + type + "\n  return %r : " + type +
                         "\n}";
      HostTensor a = tensor(dtype, {49}, as);
      HostTensor b = tensor(dtype, {49}, bs);
      EXPECT_EQ(check(mlir, {a, b}, GetParam()), "") << op << " " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fusion, EdgeNumericsTest,
                         testing::Values("all", "none"),
                         [](const testing::TestParamInfo<std::string> &info) {
                           return info.param;
                         });

} // namespace
} // namespace sinter::e2e
