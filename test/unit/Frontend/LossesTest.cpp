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
}

} // namespace
} // namespace sinter
