//===- NumericsTest.cpp - Composite and decomposed forms agree --*- C++ -*-===//
//
// Builds each composite helper and each example model twice, once as the
// composite op and once as its primitive decomposition, runs both in the
// reference interpreter on the same deterministic inputs, and checks they
// agree. This pins down that the decompositions the fusion passes must
// recognise really mean the composite ops. Tolerance (f32): relative 1e-4
// plus absolute 1e-5 for values that cancel to near zero (x - mean).
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "frontend/GraphBuilder.h"
#include "frontend/models/Models.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <functional>

using namespace sinter;
using namespace sinter::models;
using sinter::reference::HostTensor;

namespace {

constexpr double kRelTol = 1e-4;
constexpr double kAbsTol = 1e-5;

using ModuleFactory =
    std::function<ModuleOrError(mlir::MLIRContext &, CompositeMode)>;

/// Random inputs for every argument of `main`, seeded by position.
std::vector<HostTensor> randomArgs(mlir::ModuleOp module) {
  return ::sinter::reference::randomArguments(
      module.lookupSymbol<mlir::func::FuncOp>("main"), /*seed=*/1000);
}

/// Evaluates both modules on the same random inputs; returns the number of
/// output elements outside tolerance (-1 if evaluation failed).
int64_t countMismatches(mlir::ModuleOp first, mlir::ModuleOp second) {
  std::vector<HostTensor> args = randomArgs(first);
  auto a = reference::evaluate(first, args);
  auto b = reference::evaluate(second, args);
  EXPECT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(b.ok()) << b.status();
  if (!a.ok() || !b.ok() || a->size() != b->size()) {
    return -1;
  }
  int64_t mismatches = 0;
  for (size_t r = 0; r < a->size(); ++r) {
    const HostTensor &x = (*a)[r], &y = (*b)[r];
    if (x.shape != y.shape) {
      return -1;
    }
    double worst = 0;
    for (size_t i = 0; i < x.values.size(); ++i) {
      double u = x.values[i], v = y.values[i];
      EXPECT_TRUE(std::isfinite(u)) << "result " << r << " element " << i;
      double err = std::abs(u - v);
      if (!(err <= kRelTol * std::max(std::abs(u), std::abs(v)) + kAbsTol)) {
        ++mismatches;
        worst = std::max(worst, err);
      }
    }
    if (worst > 0) {
      ADD_FAILURE() << "result " << r << ": worst abs error " << worst
                    << " over " << x.values.size() << " elements";
    }
  }
  return mismatches;
}

/// Runs both forms and expects every output element to agree.
void expectFormsAgree(const ModuleFactory &factory) {
  mlir::MLIRContext ctx;
  auto composite = factory(ctx, CompositeMode::kComposite);
  auto decomposed = factory(ctx, CompositeMode::kDecomposed);
  ASSERT_TRUE(composite.ok()) << composite.status();
  ASSERT_TRUE(decomposed.ok()) << decomposed.status();
  EXPECT_EQ(countMismatches(**composite, **decomposed), 0);
}

/// A one-output graph over inputs declared by `body`.
ModuleFactory graph(std::function<Tensor(GraphBuilder &)> body) {
  return [body](mlir::MLIRContext &ctx, CompositeMode mode) -> ModuleOrError {
    GraphBuilder b(ctx, "main", /*seed=*/5);
    b.setCompositeMode(mode);
    b.output("y", body(b));
    return b.build();
  };
}

/// A parameter with random values, so gamma/beta/bias really act.
Tensor randomParam(GraphBuilder &b, const char *name,
                   std::vector<int64_t> shape, double offset) {
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  std::vector<double> v =
      initialParameterValues(ParamInit::uniform(0.5), name, 5, n);
  for (double &x : v) {
    x += offset;
  }
  return b.parameter(name, DType::F32, shape, v);
}

// The harness itself must notice a real difference.
TEST(NumericsTest, HarnessDetectsDifferences) {
  mlir::MLIRContext ctx;
  auto softmaxOver = [&](int64_t axis) {
    GraphBuilder b(ctx);
    b.output("y", b.softmax(b.input("x", DType::F32, {4, 4}), axis));
    return b.build();
  };
  auto rows = softmaxOver(0), cols = softmaxOver(1);
  ASSERT_TRUE(rows.ok() && cols.ok());
  int64_t mismatches = 0;
  EXPECT_NONFATAL_FAILURE(mismatches = countMismatches(**rows, **cols),
                          "worst abs error");
  EXPECT_GT(mismatches, 0);
}

TEST(NumericsTest, Softmax) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    return b.softmax(b.mul(b.input("x", DType::F32, {3, 5, 7}), 4.0), 1);
  }));
}

TEST(NumericsTest, LogSoftmax) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    return b.logSoftmax(b.mul(b.input("x", DType::F32, {3, 9}), 4.0), -1);
  }));
}

TEST(NumericsTest, LogSumExp) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    return b.logSumExp(b.mul(b.input("x", DType::F32, {4, 6, 3}), 8.0), 0);
  }));
}

TEST(NumericsTest, LayerNorm) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    Tensor x = b.input("x", DType::F32, {2, 3, 4, 8});
    return b.layerNorm(x, randomParam(b, "g", {4, 8}, 1.0),
                       randomParam(b, "b", {4, 8}, 0.0), 2, 1e-5);
  }));
  expectFormsAgree(graph([](GraphBuilder &b) {
    return b.layerNorm(b.input("x", DType::F32, {4, 16}), std::nullopt,
                       std::nullopt, -1, 1e-3);
  }));
}

TEST(NumericsTest, RmsNorm) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    Tensor x = b.input("x", DType::F32, {3, 16});
    return b.rmsNorm(x, randomParam(b, "g", {16}, 1.0), -1, 1e-6);
  }));
}

TEST(NumericsTest, Gelu) {
  for (auto approx : {GeluApproximation::none, GeluApproximation::tanh,
                      GeluApproximation::sigmoid}) {
    expectFormsAgree(graph([approx](GraphBuilder &b) {
      return b.gelu(b.mul(b.input("x", DType::F32, {4, 32}), 4.0), approx);
    }));
  }
}

TEST(NumericsTest, AttentionCausalWithBias) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    Tensor q = b.input("q", DType::F32, {2, 3, 5, 8});
    Tensor k = b.input("k", DType::F32, {2, 3, 7, 8});
    Tensor v = b.input("v", DType::F32, {2, 3, 7, 4});
    Tensor mask = b.input("mask", DType::F32, {2, 1, 1, 7});
    return b.attention(q, k, v, mask, 0.35, /*causal=*/true);
  }));
}

TEST(NumericsTest, AttentionPlain) {
  expectFormsAgree(graph([](GraphBuilder &b) {
    Tensor q = b.input("q", DType::F32, {1, 2, 6, 4});
    return b.attention(q, b.input("k", DType::F32, {1, 2, 6, 4}),
                       b.input("v", DType::F32, {1, 2, 6, 4}), std::nullopt,
                       0.5, /*causal=*/false);
  }));
}

TEST(NumericsTest, RotaryEmbedding) {
  for (bool interleaved : {false, true}) {
    expectFormsAgree(graph([interleaved](GraphBuilder &b) {
      Tensor x = b.input("x", DType::F32, {2, 2, 6, 8});
      Tensor cos = b.input("cos", DType::F32, {6, 4});
      Tensor sin = b.input("sin", DType::F32, {6, 4});
      return b.rotaryEmbedding(x, cos, sin, interleaved);
    }));
  }
}

TEST(NumericsTest, MlpModel) {
  for (auto approx : {GeluApproximation::none, GeluApproximation::tanh,
                      GeluApproximation::sigmoid}) {
    expectFormsAgree([approx](mlir::MLIRContext &ctx, CompositeMode mode) {
      MlpConfig c;
      c.gelu = approx;
      c.mode = mode;
      return buildMlp(ctx, c);
    });
  }
}

TEST(NumericsTest, Gpt2BlockModel) {
  expectFormsAgree([](mlir::MLIRContext &ctx, CompositeMode mode) {
    GptConfig c = defaultSmallGptConfig();
    c.seq = 16;
    c.mode = mode;
    return buildGpt2Block(ctx, c);
  });
}

TEST(NumericsTest, BertBlockModel) {
  for (BertMask mask : {BertMask::kKeyPadding, BertMask::kFull}) {
    expectFormsAgree([mask](mlir::MLIRContext &ctx, CompositeMode mode) {
      BertConfig c;
      c.seq = 16;
      c.batch = 2;
      c.mask = mask;
      c.mode = mode;
      return buildBertBlock(ctx, c);
    });
  }
}

//===----------------------------------------------------------------------===//
// Low precision: each model in bf16 and f16 tracks the same model in f32
//===----------------------------------------------------------------------===//

/// Builds a model in a given dtype (parameters come from the same names and
/// seed in every dtype, so the low-precision model is the f32 model with its
/// weights rounded).
using DTypeFactory = std::function<ModuleOrError(mlir::MLIRContext &, DType)>;

struct LowPrecisionError {
  double maxAbsError = 0; // over every output element
  double maxAbsF32 = 0;   // largest |f32 output|
  bool allFinite = true;
};

/// Evaluates the f32 and `dtype` builds on the same inputs (random f32
/// values, rounded to `dtype` for float inputs; integer inputs unchanged).
LowPrecisionError lowPrecisionError(const DTypeFactory &factory, DType dtype) {
  mlir::MLIRContext ctx;
  auto ref = factory(ctx, DType::F32);
  auto low = factory(ctx, dtype);
  EXPECT_TRUE(ref.ok()) << ref.status();
  EXPECT_TRUE(low.ok()) << low.status();
  LowPrecisionError e;
  if (!ref.ok() || !low.ok()) {
    e.allFinite = false;
    return e;
  }
  std::vector<HostTensor> refArgs = randomArgs(**ref), lowArgs;
  for (const HostTensor &a : refArgs) {
    DType d = isFloat(a.dtype) ? dtype : a.dtype;
    auto t = HostTensor::create(d, a.shape, a.values);
    EXPECT_TRUE(t.ok()) << t.status();
    lowArgs.push_back(t.ok() ? *t : a);
  }
  auto a = reference::evaluate(**ref, refArgs);
  auto b = reference::evaluate(**low, lowArgs);
  EXPECT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(b.ok()) << b.status();
  if (!a.ok() || !b.ok() || a->size() != b->size()) {
    e.allFinite = false;
    return e;
  }
  for (size_t r = 0; r < a->size(); ++r) {
    const HostTensor &x = (*a)[r], &y = (*b)[r];
    EXPECT_EQ(y.dtype, dtype);
    EXPECT_EQ(x.shape, y.shape);
    for (size_t i = 0; i < x.values.size() && i < y.values.size(); ++i) {
      e.allFinite &= std::isfinite(x.values[i]) && std::isfinite(y.values[i]);
      e.maxAbsF32 = std::max(e.maxAbsF32, std::abs(x.values[i]));
      e.maxAbsError =
          std::max(e.maxAbsError, std::abs(x.values[i] - y.values[i]));
    }
  }
  return e;
}

// Tolerance for a whole model, relative to the largest f32 output:
//   max |low - f32| <= tol(dtype) * max |f32|.
// Relative to the output's scale rather than an absolute "5e-2 * (1 + max)":
// these models' outputs are small (the MLP's max |y| is about 0.1), and an
// absolute bound of that size would accept a result that is half wrong.
// Why the bound: every op's result is rounded to the dtype (relative error
// <= 2^-9 = 2.0e-3 for bf16's 8-bit significand, 2^-12 = 2.4e-4 for f16's
// 11 bits), and the weights and inputs are rounded too. The models are
// shallow (<= 2 blocks of a handful of ops on the residual path) and the
// rounding errors vary in sign, so they add up to a few units of 2^-9
// (2^-12) relative to the output's scale. Measured worst cases over all the
// models below: bf16 8.1e-3 (GPT), f16 1.1e-3 (GPT). The bounds leave
// 3.7x (bf16) and 4.5x (f16) margin; a real bug changes outputs far more
// (different weights: 0.3; even swapping GELU-tanh for GELU-sigmoid: 1e-2,
// caught in f16), see LowPrecisionHarnessDetectsBugs.
constexpr double kBf16Tol = 3e-2;
constexpr double kF16Tol = 5e-3;

double lowPrecisionTolerance(DType dtype) {
  return dtype == DType::BF16 ? kBf16Tol : kF16Tol;
}

void expectLowPrecisionTracksF32(const DTypeFactory &factory) {
  for (DType dtype : {DType::BF16, DType::F16}) {
    SCOPED_TRACE(sinter::dtypeName(dtype).str());
    LowPrecisionError e = lowPrecisionError(factory, dtype);
    EXPECT_TRUE(e.allFinite);
    EXPECT_GT(e.maxAbsF32, 0.0);
    double ratio = e.maxAbsError / e.maxAbsF32;
    std::printf("[ low precision ] %s: max abs error %.3g, max |f32| %.3g, "
                "ratio %.3g (tolerance %.3g)\n",
                sinter::dtypeName(dtype).str().c_str(), e.maxAbsError,
                e.maxAbsF32, ratio, lowPrecisionTolerance(dtype));
    EXPECT_LE(e.maxAbsError, lowPrecisionTolerance(dtype) * e.maxAbsF32)
        << "ratio " << ratio;
  }
}

TEST(NumericsTest, LowPrecisionMlp) {
  for (auto approx : {GeluApproximation::none, GeluApproximation::tanh,
                      GeluApproximation::sigmoid}) {
    expectLowPrecisionTracksF32([approx](mlir::MLIRContext &ctx, DType d) {
      MlpConfig c;
      c.gelu = approx;
      c.dtype = d;
      return buildMlp(ctx, c);
    });
  }
}

TEST(NumericsTest, LowPrecisionGpt2Block) {
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    expectLowPrecisionTracksF32([mode](mlir::MLIRContext &ctx, DType d) {
      GptConfig c = defaultSmallGptConfig();
      c.seq = 16;
      c.dtype = d;
      c.mode = mode;
      return buildGpt2Block(ctx, c);
    });
  }
}

TEST(NumericsTest, LowPrecisionBertBlock) {
  expectLowPrecisionTracksF32([](mlir::MLIRContext &ctx, DType d) {
    BertConfig c;
    c.seq = 16;
    c.batch = 2;
    c.mask = BertMask::kKeyPadding;
    c.dtype = d;
    return buildBertBlock(ctx, c);
  });
}

TEST(NumericsTest, LowPrecisionGpt) {
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    expectLowPrecisionTracksF32([mode](mlir::MLIRContext &ctx, DType d) {
      GptConfig c = defaultSmallGptConfig();
      c.dtype = d;
      c.mode = mode;
      return buildGpt(ctx, c);
    });
  }
}

// The tolerances are tight enough to notice real bugs: a low-precision model
// that differs from the f32 one (another seed: different weights; another
// GELU approximation, a subtle change) is outside them.
TEST(NumericsTest, LowPrecisionHarnessDetectsBugs) {
  LowPrecisionError seed = lowPrecisionError(
      [](mlir::MLIRContext &ctx, DType d) {
        GptConfig c = defaultSmallGptConfig();
        c.dtype = d;
        c.seed = d == DType::F32 ? 0 : 1;
        return buildGpt2Block(ctx, c);
      },
      DType::BF16);
  EXPECT_GT(seed.maxAbsError, kBf16Tol * seed.maxAbsF32);
  LowPrecisionError gelu = lowPrecisionError(
      [](mlir::MLIRContext &ctx, DType d) {
        MlpConfig c;
        c.dtype = d;
        c.gelu = d == DType::F32 ? GeluApproximation::tanh
                                 : GeluApproximation::sigmoid;
        return buildMlp(ctx, c);
      },
      DType::F16);
  EXPECT_GT(gelu.maxAbsError, kF16Tol * gelu.maxAbsF32);
}

TEST(NumericsTest, GptModel) {
  expectFormsAgree([](mlir::MLIRContext &ctx, CompositeMode mode) {
    GptConfig c = defaultSmallGptConfig();
    c.mode = mode;
    return buildGpt(ctx, c);
  });
}

} // namespace
