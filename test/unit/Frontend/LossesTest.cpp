//===- LossesTest.cpp - The builder's losses, their values and gradients --===//
//
// Each loss is built, evaluated by the reference interpreter and compared
// with the formula computed here in double; sinter-autodiff's gradient of
// it is compared with the closed form ((softmax - onehot) / N for the
// cross-entropy, 2 (p - t) / n for the squared error). Exact-f64
// evaluation; tolerance 1e-12.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/Passes.h"
#include "frontend/GraphBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cmath>

namespace sinter {
namespace {

using reference::HostTensor;

HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                  std::vector<double> values) {
  auto t = HostTensor::create(dtype, std::move(shape), std::move(values));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : HostTensor{};
}

/// The loss and its gradients (sinter-autodiff with respect to every float
/// argument) on `args`, evaluated in exact f64.
std::vector<HostTensor> lossAndGradients(mlir::ModuleOp module,
                                         const std::vector<HostTensor> &args) {
  mlir::PassManager pm(module.getContext());
  pm.addPass(createAutodiffPass());
  EXPECT_TRUE(mlir::succeeded(pm.run(module)));
  auto grad = module.lookupSymbol<mlir::func::FuncOp>("main_grad");
  EXPECT_TRUE(grad);
  if (!grad) {
    return {};
  }
  auto got = reference::evaluate(grad, args, reference::EvaluateOptions{true});
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : std::vector<HostTensor>{};
}

TEST(LossesTest, SoftmaxCrossEntropyIsTheMeanOverKeptTokens) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor logits = b.input("logits", DType::F32, {2, 3, 5});
  Tensor labels = b.input("labels", DType::I32, {2, 3});
  b.output("loss", b.softmaxCrossEntropy(logits, labels, /*ignore=*/-100));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();

  std::vector<double> x(30);
  for (int i = 0; i < 30; ++i) {
    x[i] = std::sin(0.7 * i) * 3.0;
  }
  std::vector<double> y = {4, 0, -100, 2, 2, 1}; // one token ignored
  std::vector<HostTensor> args = {tensor(DType::F32, {2, 3, 5}, x),
                                  tensor(DType::I32, {2, 3}, y)};
  std::vector<HostTensor> got = lossAndGradients(**module, args);
  ASSERT_EQ(got.size(), 2u);

  // The same in double: -log softmax at the label, mean over 5 tokens;
  // d/dlogits = (softmax - onehot) / 5, zero for the ignored token.
  double total = 0;
  std::vector<double> grad(30, 0.0);
  for (int t = 0; t < 6; ++t) {
    if (y[t] == -100) {
      continue;
    }
    const double *row = &args[0].values[t * 5];
    double m = *std::max_element(row, row + 5), sum = 0;
    for (int c = 0; c < 5; ++c) {
      sum += std::exp(row[c] - m);
    }
    double lse = m + std::log(sum);
    total += lse - row[static_cast<int>(y[t])];
    for (int c = 0; c < 5; ++c) {
      grad[t * 5 + c] =
          (std::exp(row[c] - lse) - (c == static_cast<int>(y[t]) ? 1 : 0)) /
          5.0;
    }
  }
  EXPECT_NEAR(got[0].values[0], total / 5.0, 1e-12);
  ASSERT_EQ(got[1].values.size(), 30u);
  for (int i = 0; i < 30; ++i) {
    EXPECT_NEAR(got[1].values[i], grad[i], 1e-12) << "[" << i << "]";
  }
}

TEST(LossesTest, EveryTokenIgnoredGivesZero) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor logits = b.input("logits", DType::BF16, {2, 4});
  Tensor labels = b.input("labels", DType::I64, {2});
  b.output("loss", b.softmaxCrossEntropy(logits, labels, /*ignore=*/-1));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  auto got = reference::evaluate(
      **module, {tensor(DType::BF16, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}),
                 tensor(DType::I64, {2}, {-1, -1})});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[0].values[0], 0.0);
}

TEST(LossesTest, MeanSquaredErrorAndItsGradient) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor p = b.input("p", DType::F32, {2, 3});
  Tensor t = b.input("t", DType::F32, {2, 3});
  b.output("loss", b.meanSquaredError(p, t));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  std::vector<double> pv = {1, -2, 0.5, 3, 0, -1}, tv = {0, 1, 0.5, 2, -2, 1};
  std::vector<HostTensor> got =
      lossAndGradients(**module, {tensor(DType::F32, {2, 3}, pv),
                                  tensor(DType::F32, {2, 3}, tv)});
  ASSERT_EQ(got.size(), 3u);
  double sum = 0;
  for (int i = 0; i < 6; ++i) {
    sum += (pv[i] - tv[i]) * (pv[i] - tv[i]);
    EXPECT_NEAR(got[1].values[i], 2 * (pv[i] - tv[i]) / 6, 1e-12);
    EXPECT_NEAR(got[2].values[i], -2 * (pv[i] - tv[i]) / 6, 1e-12);
  }
  EXPECT_NEAR(got[0].values[0], sum / 6, 1e-12);
}

/// The soft ZLPR loss of one row and its gradient with respect to the
/// logits, in double, straight from the formula: log(1 + A) + log(1 + B)
/// with A = sum (1 - t) e^s, B = sum t e^-s; dL/ds = (1 - t) e^s / (1 + A)
/// - t e^-s / (1 + B).
double zlprRow(const double *s, const double *t, int c, double *grad) {
  double a = 0, b = 0;
  for (int i = 0; i < c; ++i) {
    a += (1 - t[i]) * std::exp(s[i]);
    b += t[i] * std::exp(-s[i]);
  }
  for (int i = 0; i < c; ++i) {
    grad[i] = (1 - t[i]) * std::exp(s[i]) / (1 + a) -
              t[i] * std::exp(-s[i]) / (1 + b);
  }
  return std::log1p(a) + std::log1p(b);
}

TEST(LossesTest, MultiLabelLossIsZlprsSoftFormula) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor logits = b.input("logits", DType::F32, {2, 3, 4});
  Tensor targets = b.input("targets", DType::F32, {2, 3, 4});
  b.output("loss", b.multiLabelLoss(logits, targets));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  // Hard (0, 1) and soft targets, a row with no positive, one with no
  // negative.
  std::vector<double> s(24), t = {1,   0,   0,   1,   0.9, 0.1, 0.5, 0, //
                                  0,   0,   0,   0,   1,   1,   1,   1, //
                                  0.3, 0.7, 0.0, 1.0, 0.1, 0.1, 0.1, 0.1};
  for (int i = 0; i < 24; ++i) {
    s[i] = std::sin(0.9 * i) * 4.0;
  }
  std::vector<HostTensor> args = {tensor(DType::F32, {2, 3, 4}, s),
                                  tensor(DType::F32, {2, 3, 4}, t)};
  s = args[0].values, t = args[1].values; // as stored (rounded to f32)
  std::vector<HostTensor> got = lossAndGradients(**module, args);
  ASSERT_EQ(got.size(), 3u);
  double total = 0;
  std::vector<double> grad(24);
  for (int r = 0; r < 6; ++r) {
    total += zlprRow(&s[4 * r], &t[4 * r], 4, &grad[4 * r]);
  }
  EXPECT_NEAR(got[0].values[0], total / 6, 1e-12);
  for (int i = 0; i < 24; ++i) {
    EXPECT_NEAR(got[1].values[i], grad[i] / 6, 1e-12) << "[" << i << "]";
  }
  // With respect to a soft target (0 < t < 1) the gradient is the
  // formula's, -e^s / (1 + A) + e^-s / (1 + B), over the 6 rows.
  for (int i : {4, 5, 6, 16, 17, 20}) {
    int r = i / 4;
    double a = 0, bb = 0;
    for (int k = 4 * r; k < 4 * r + 4; ++k) {
      a += (1 - t[k]) * std::exp(s[k]);
      bb += t[k] * std::exp(-s[k]);
    }
    double want = (-std::exp(s[i]) / (1 + a) + std::exp(-s[i]) / (1 + bb)) / 6;
    EXPECT_NEAR(got[2].values[i], want, 1e-12) << "d/dt[" << i << "]";
  }
}

TEST(LossesTest, MultiLabelLossOfHardLabelsIsStableForAnyLogits) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor logits = b.input("logits", DType::F32, {2, 3});
  Tensor labels = b.input("labels", DType::I1, {2, 3});
  b.output("loss", b.multiLabelLoss(logits, labels));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  // Row 0: the positive scores 1e4 and the negatives -1e4 (a perfect,
  // confident model): loss log(1 + 2e^-1e4) + log(1 + e^-1e4) = 0. Row 1: a
  // negative scores 3e4: the loss is 3e4 (e^3e4 overflows f64, not this).
  std::vector<HostTensor> args = {
      tensor(DType::F32, {2, 3}, {1e4, -1e4, -1e4, 3e4, 0, -2}),
      tensor(DType::I1, {2, 3}, {1, 0, 0, 0, 1, 0})};
  auto main = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  auto got = reference::evaluate(main, args, reference::EvaluateOptions{true});
  ASSERT_TRUE(got.ok()) << got.status();
  double row1 = 3e4 + std::log1p(std::exp(-3e4) + std::exp(-2 - 3e4)) +
                std::log1p(std::exp(0.0));
  EXPECT_NEAR((*got)[0].values[0], (0 + row1) / 2, 1e-6);
  EXPECT_TRUE(std::isfinite((*got)[0].values[0]));
}

TEST(LossesTest, WrongLabelsAreRefusedByName) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor logits = b.input("logits", DType::F32, {2, 3, 5});
  Tensor floatLabels = b.input("f", DType::F32, {2, 3});
  EXPECT_FALSE(b.softmaxCrossEntropy(logits, floatLabels).valid());
  EXPECT_NE(b.status().message().find(
                "softmaxCrossEntropy: labels must be i32 or i64, got "
                "tensor<2x3xf32>"),
            std::string::npos)
      << b.status();

  GraphBuilder c(ctx);
  Tensor l2 = c.input("logits", DType::F32, {2, 3, 5});
  Tensor wrong = c.input("labels", DType::I32, {2, 5});
  EXPECT_FALSE(c.softmaxCrossEntropy(l2, wrong).valid());
  EXPECT_NE(c.status().message().find(
                "labels tensor<2x5xi32> must have the shape of logits "
                "tensor<2x3x5xf32> without its last dimension"),
            std::string::npos)
      << c.status();

  GraphBuilder d(ctx);
  Tensor l3 = d.input("logits", DType::F32, {2, 5});
  EXPECT_FALSE(d.multiLabelLoss(l3, d.input("t", DType::F32, {2, 4})).valid());
  EXPECT_NE(d.status().message().find(
                "multiLabelLoss: targets tensor<2x4xf32> must have the shape "
                "of logits tensor<2x5xf32> (one target per class)"),
            std::string::npos)
      << d.status();
  GraphBuilder e(ctx);
  Tensor l4 = e.input("logits", DType::F32, {2, 5});
  EXPECT_FALSE(e.multiLabelLoss(l4, e.input("t", DType::I32, {2, 5})).valid());
  EXPECT_NE(e.status().message().find("multiLabelLoss: targets must be float "
                                      "(in [0, 1]) or i1, got "
                                      "tensor<2x5xi32>"),
            std::string::npos)
      << e.status();
}

} // namespace
} // namespace sinter
