//===- DecomposeCompositesTest.cpp - Composite == decomposed ----*- C++ -*-===//
//
// Each composite op and its primitive decomposition must compute the same
// function: evaluates both in the reference interpreter on seeded inputs.
// This cross-checks the interpreter's composite kernels against its
// primitive ones as much as it tests the decompositions.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mlir;
using ::sinter::reference::HostTensor;

namespace {

struct Case {
  const char *name;
  const char *ir;
  double tolerance; // max |a - b| / (1 + |b|)
};

// Names the case in ctest's listing instead of dumping its bytes.
void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class DecomposeCompositesTest : public ::testing::TestWithParam<Case> {};

TEST_P(DecomposeCompositesTest, MatchesComposite) {
  MLIRContext context;
  context.loadDialect<sinter::SinterDialect, func::FuncDialect>();
  auto module = parseSourceString<ModuleOp>(GetParam().ir, &context);
  ASSERT_TRUE(module);
  auto fn = *module->getOps<func::FuncOp>().begin();
  std::vector<HostTensor> inputs =
      ::sinter::reference::randomArguments(fn, 100);
  auto composite = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(composite.ok()) << composite.status();

  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(sinter::createDecomposeCompositesPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  fn = *module->getOps<func::FuncOp>().begin();
  fn.walk([&](Operation *op) {
    bool composite =
        isa<sinter::SoftmaxOp, sinter::LogSoftmaxOp, sinter::LogSumExpOp,
            sinter::LayerNormOp, sinter::RmsNormOp, sinter::GeluOp,
            sinter::AttentionOp, sinter::RotaryEmbeddingOp>(op);
    EXPECT_FALSE(composite)
        << "left a composite: " << op->getName().getStringRef().str();
  });
  auto decomposed = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(decomposed.ok()) << decomposed.status();

  ASSERT_EQ(composite->size(), decomposed->size());
  for (size_t r = 0; r < composite->size(); ++r) {
    const HostTensor &a = (*composite)[r], &b = (*decomposed)[r];
    ASSERT_EQ(a.shape, b.shape);
    for (size_t i = 0; i < a.values.size(); ++i) {
      double err =
          std::abs(a.values[i] - b.values[i]) / (1.0 + std::abs(a.values[i]));
      ASSERT_LE(err, GetParam().tolerance)
          << "result " << r << " element " << i << ": composite " << a.values[i]
          << " vs decomposed " << b.values[i];
    }
  }
}

// Every composite op; f32 cases are held to f32 rounding of a short chain,
// bf16 cases to a few bf16 ulps.
const Case kCases[] = {
    {"softmax", R"(
func.func @f(%x: tensor<3x17xf32>) -> tensor<3x17xf32> {
  %0 = sinter.softmax %x, axis = 1 : (tensor<3x17xf32>) -> tensor<3x17xf32>
  return %0 : tensor<3x17xf32>
})",
     1e-6},
    {"softmax_axis0", R"(
func.func @f(%x: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %0 = sinter.softmax %x, axis = 0 : (tensor<5x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
})",
     1e-6},
    {"log_softmax", R"(
func.func @f(%x: tensor<3x17xf32>) -> tensor<3x17xf32> {
  %0 = sinter.log_softmax %x, axis = 1 : (tensor<3x17xf32>) -> tensor<3x17xf32>
  return %0 : tensor<3x17xf32>
})",
     1e-6},
    {"logsumexp", R"(
func.func @f(%x: tensor<3x17xf32>) -> tensor<17xf32> {
  %0 = sinter.logsumexp %x, axis = 0 : (tensor<3x17xf32>) -> tensor<17xf32>
  return %0 : tensor<17xf32>
})",
     1e-6},
    {"layer_norm", R"(
func.func @f(%x: tensor<2x3x8xf32>, %g: tensor<3x8xf32>, %b: tensor<3x8xf32>) -> tensor<2x3x8xf32> {
  %0 = sinter.layer_norm %x scale(%g : tensor<3x8xf32>) offset(%b : tensor<3x8xf32>) axis = 1 epsilon = 1.0e-5 : tensor<2x3x8xf32> -> tensor<2x3x8xf32>
  return %0 : tensor<2x3x8xf32>
})",
     1e-5},
    {"layer_norm_bf16_no_affine", R"(
func.func @f(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %0 = sinter.layer_norm %x axis = 1 epsilon = 1.0e-5 : tensor<4x16xbf16> -> tensor<4x16xbf16>
  return %0 : tensor<4x16xbf16>
})",
     1e-2},
    {"rms_norm", R"(
func.func @f(%x: tensor<4x16xf32>, %g: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = sinter.rms_norm %x scale(%g : tensor<16xf32>) axis = 1 epsilon = 1.0e-6 : tensor<4x16xf32> -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
})",
     1e-5},
    {"gelu", R"(
func.func @f(%x: tensor<33xf32>) -> (tensor<33xf32>, tensor<33xf32>, tensor<33xf32>) {
  %0 = sinter.gelu none %x : tensor<33xf32>
  %1 = sinter.gelu tanh %x : tensor<33xf32>
  %2 = sinter.gelu sigmoid %x : tensor<33xf32>
  return %0, %1, %2 : tensor<33xf32>, tensor<33xf32>, tensor<33xf32>
})",
     1e-6},
    {"attention", R"(
func.func @f(%q: tensor<2x3x5x8xf32>, %k: tensor<2x3x7x8xf32>, %v: tensor<2x3x7x4xf32>) -> tensor<2x3x5x4xf32> {
  %0 = sinter.attention %q, %k, %v scale = 0.35355339 : tensor<2x3x5x8xf32>, tensor<2x3x7x8xf32>, tensor<2x3x7x4xf32> -> tensor<2x3x5x4xf32>
  return %0 : tensor<2x3x5x4xf32>
})",
     1e-5},
    {"attention_causal_bias", R"(
func.func @f(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x7x8xf32>, %v: tensor<1x2x7x8xf32>, %b: tensor<1x1x5x7xf32>) -> tensor<1x2x5x8xf32> {
  %0 = sinter.attention %q, %k, %v bias(%b : tensor<1x1x5x7xf32>) scale = 0.5 causal : tensor<1x2x5x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32> -> tensor<1x2x5x8xf32>
  return %0 : tensor<1x2x5x8xf32>
})",
     1e-5},
    {"rotary_half", R"(
func.func @f(%x: tensor<2x5x8xf32>, %c: tensor<5x4xf32>, %s: tensor<5x4xf32>) -> tensor<2x5x8xf32> {
  %0 = sinter.rotary_embedding %x, %c, %s : (tensor<2x5x8xf32>, tensor<5x4xf32>, tensor<5x4xf32>) -> tensor<2x5x8xf32>
  return %0 : tensor<2x5x8xf32>
})",
     1e-6},
    {"rotary_interleaved", R"(
func.func @f(%x: tensor<2x5x8xf32>, %c: tensor<5x4xf32>, %s: tensor<5x4xf32>) -> tensor<2x5x8xf32> {
  %0 = sinter.rotary_embedding %x, %c, %s interleaved : (tensor<2x5x8xf32>, tensor<5x4xf32>, tensor<5x4xf32>) -> tensor<2x5x8xf32>
  return %0 : tensor<2x5x8xf32>
})",
     1e-6},
};

// The one documented difference: a row whose scores are all -inf is zeros in
// the composite (reference semantics) and NaN in the decomposed form, which
// computes -inf - (-inf) just as the same code does in PyTorch.
TEST(DecomposeCompositesEdgeTest, FullyMaskedRowIsZeroComposedNaNDecomposed) {
  MLIRContext context;
  context.loadDialect<sinter::SinterDialect, func::FuncDialect>();
  auto module = parseSourceString<ModuleOp>(R"(
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = sinter.softmax %x, axis = 1 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
})",
                                            &context);
  ASSERT_TRUE(module);
  double inf = std::numeric_limits<double>::infinity();
  auto input = HostTensor::create(sinter::DType::F32, {2, 3},
                                  {-inf, -inf, -inf, 0.0, 0.0, 0.0});
  ASSERT_TRUE(input.ok());
  auto composite = ::sinter::reference::evaluate(*module, {*input});
  ASSERT_TRUE(composite.ok()) << composite.status();
  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(sinter::createDecomposeCompositesPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  auto decomposed = ::sinter::reference::evaluate(*module, {*input});
  ASSERT_TRUE(decomposed.ok()) << decomposed.status();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*composite)[0].values[i], 0.0);
    EXPECT_TRUE(std::isnan((*decomposed)[0].values[i]));
    // Unmasked rows agree exactly: 1/3 rounded to f32.
    EXPECT_EQ((*composite)[0].values[3 + i], static_cast<double>(1.0f / 3.0f));
    EXPECT_EQ((*decomposed)[0].values[3 + i], (*composite)[0].values[3 + i]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllComposites, DecomposeCompositesTest,
                         ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
