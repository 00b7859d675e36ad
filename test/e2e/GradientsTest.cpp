//===- GradientsTest.cpp - Compiled gradients against the interpreter -----===//
//
// sinter-autodiff's gradient functions compiled like any model (fused and
// unfused; on the GPU emulator and CUDA in the `emugpu.` and `gpu.` builds)
// and checked against the reference interpreter's evaluation of the same
// function. AutodiffTest (unit) checks the gradients themselves against
// finite differences.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Transforms/Passes.h"
#include "frontend/GraphBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

using namespace mlir;

struct Loss {
  std::string name;
  std::string mlir; // a public @f returning a scalar tensor<f32>
};

/// `loss` differentiated with respect to every float argument, as a module
/// whose one function is @f_grad.
std::string gradientModule(MLIRContext &context, const std::string &loss) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(loss, &context);
  EXPECT_TRUE(module) << loss;
  if (!module) {
    return "";
  }
  PassManager pm(&context);
  pm.addPass(createAutodiffPass());
  EXPECT_TRUE(succeeded(pm.run(*module)));
  module->lookupSymbol<func::FuncOp>("f").erase();
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

class GradientsTest
    : public testing::TestWithParam<std::tuple<Loss, std::string>> {};

TEST_P(GradientsTest, CompiledGradientsMatchTheInterpreter) {
  auto [loss, fusion] = GetParam();
  std::unique_ptr<MLIRContext> context = makeContext();
  std::string text = gradientModule(*context, loss.mlir);
  ASSERT_FALSE(text.empty());
  CheckOptions options;
  options.fusion = fusion;
  EXPECT_EQ(compileRunAndCompare(text, options), "") << text;
}

const Loss kLosses[] = {
    // A two-layer MLP regressing a target: matmuls with shared weights,
    // bias broadcasts, gelu, a squared error and a mean.
    {"mlp", R"(
func.func @f(%x: tensor<8x32xf32>, %w1: tensor<32x64xf32>, %b1: tensor<64xf32>, %w2: tensor<64x16xf32>, %t: tensor<8x16xf32>) -> tensor<f32> {
  %h = sinter.matmul %x, %w1 : (tensor<8x32xf32>, tensor<32x64xf32>) -> tensor<8x64xf32>
  %bb = sinter.broadcast_in_dim %b1, dims = [1] : (tensor<64xf32>) -> tensor<8x64xf32>
  %s = sinter.add %h, %bb : tensor<8x64xf32>
  %g = sinter.gelu tanh %s : tensor<8x64xf32>
  %y = sinter.matmul %g, %w2 : (tensor<8x64xf32>, tensor<64x16xf32>) -> tensor<8x16xf32>
  %d = sinter.sub %y, %t : tensor<8x16xf32>
  %sq = sinter.mul %d, %d : tensor<8x16xf32>
  %l = sinter.reduce mean %sq, dims = [0, 1] : (tensor<8x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
})"},
    // Batched scores against a shared key matrix, transposed, reshaped, a
    // row max (its gradient to the arg max) and a masked select.
    {"scores", R"(
func.func @f(%q: tensor<2x4x8xf32>, %k: tensor<6x8xf32>, %m: tensor<2x4x6xf32>) -> tensor<f32> {
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<2x4x8xf32>, tensor<6x8xf32>) -> tensor<2x4x6xf32>
  %z = sinter.constant dense<0.0> : tensor<2x4x6xf32>
  %c = sinter.compare gt, %m, %z : tensor<2x4x6xf32>
  %e = sinter.exp %s : tensor<2x4x6xf32>
  %sel = sinter.select %c, %e, %s : tensor<2x4x6xi1>, tensor<2x4x6xf32>
  %t = sinter.transpose %sel, perm = [0, 2, 1] : (tensor<2x4x6xf32>) -> tensor<2x6x4xf32>
  %r = sinter.reshape %t : (tensor<2x6x4xf32>) -> tensor<12x4xf32>
  %mx = sinter.reduce max %r, dims = [1] : (tensor<12x4xf32>) -> tensor<12xf32>
  %tanh = sinter.tanh %mx : tensor<12xf32>
  %l = sinter.reduce sum %tanh, dims = [0] : (tensor<12xf32>) -> tensor<f32>
  return %l : tensor<f32>
})"},
    // A pre-norm block's pieces: layer norm, a softmax over scores, rms
    // norm, and a cross-entropy through log_softmax against soft targets.
    {"composites", R"(
func.func @f(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %w: tensor<16x16xf32>, %r: tensor<16xf32>, %t: tensor<4x16xf32>) -> tensor<f32> {
  %n = sinter.layer_norm %x scale(%g : tensor<16xf32>) offset(%b : tensor<16xf32>) axis = 1 epsilon = 1.0e-05 : tensor<4x16xf32> -> tensor<4x16xf32>
  %s = sinter.matmul %n, %w : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
  %p = sinter.softmax %s, axis = 1 : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %h = sinter.add %p, %x : tensor<4x16xf32>
  %q = sinter.rms_norm %h scale(%r : tensor<16xf32>) axis = 1 epsilon = 1.0e-06 : tensor<4x16xf32> -> tensor<4x16xf32>
  %ls = sinter.log_softmax %q, axis = 1 : (tensor<4x16xf32>) -> tensor<4x16xf32>
  %tl = sinter.mul %t, %ls : tensor<4x16xf32>
  %sum = sinter.reduce mean %tl, dims = [0, 1] : (tensor<4x16xf32>) -> tensor<f32>
  %lse = sinter.logsumexp %q, axis = 1 : (tensor<4x16xf32>) -> tensor<4xf32>
  %z = sinter.reduce mean %lse, dims = [0] : (tensor<4xf32>) -> tensor<f32>
  %neg = sinter.neg %sum : tensor<f32>
  %l = sinter.add %neg, %z : tensor<f32>
  return %l : tensor<f32>
})"},
    // An embedding lookup: the table's gradient is a scatter_add of the
    // rows' adjoints (random ids repeat rows).
    {"embedding", R"(
func.func @f(%wte: tensor<16x8xf32>, %ids: tensor<2x5xi32>, %t: tensor<2x5x8xf32>) -> tensor<f32> {
  %e = sinter.gather %wte[%ids] : (tensor<16x8xf32>, tensor<2x5xi32>) -> tensor<2x5x8xf32>
  %h = sinter.tanh %e : tensor<2x5x8xf32>
  %d = sinter.sub %h, %t : tensor<2x5x8xf32>
  %sq = sinter.mul %d, %d : tensor<2x5x8xf32>
  %l = sinter.reduce mean %sq, dims = [0, 1, 2] : (tensor<2x5x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
})"},
    // Slices (one strided) and a concatenation: their gradients are
    // zeros, spread and sliced tensors.
    {"slices", R"(
func.func @f(%x: tensor<4x10xf32>, %y: tensor<4x3xf32>) -> tensor<f32> {
  %a = sinter.slice %x, start = [0, 1], limit = [4, 9], strides = [1, 3] : (tensor<4x10xf32>) -> tensor<4x3xf32>
  %b = sinter.slice %x, start = [1, 0], limit = [3, 10], strides = [1, 1] : (tensor<4x10xf32>) -> tensor<2x10xf32>
  %c = sinter.concatenate %a, %y, dim = 1 : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x6xf32>
  %t = sinter.tanh %c : tensor<4x6xf32>
  %s1 = sinter.reduce sum %t, dims = [0, 1] : (tensor<4x6xf32>) -> tensor<f32>
  %e = sinter.exp %b : tensor<2x10xf32>
  %s2 = sinter.reduce mean %e, dims = [0, 1] : (tensor<2x10xf32>) -> tensor<f32>
  %l = sinter.add %s1, %s2 : tensor<f32>
  return %l : tensor<f32>
})"},
    // bf16 activations, the loss converted to f32.
    {"bf16", R"(
func.func @f(%x: tensor<4x16xbf16>, %w: tensor<16x8xbf16>) -> tensor<f32> {
  %y = sinter.matmul %x, %w : (tensor<4x16xbf16>, tensor<16x8xbf16>) -> tensor<4x8xbf16>
  %s = sinter.sigmoid %y : tensor<4x8xbf16>
  %f = sinter.convert %s : tensor<4x8xbf16> -> tensor<4x8xf32>
  %l = sinter.reduce sum %f, dims = [0, 1] : (tensor<4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
})"},
};

/// The builder's losses with their gradients (GraphBuilder::grad), the way
/// a training step uses them: the ZLPR multi-label loss on soft targets
/// (random, so some outside [0, 1] exercise the left-out terms), the
/// cross-entropy with an ignore label.
class BuilderLossesTest : public testing::TestWithParam<std::string> {};

TEST_P(BuilderLossesTest, CompiledLossesAndGradientsMatchTheInterpreter) {
  std::string fusion = GetParam();
  std::unique_ptr<MLIRContext> context = makeContext();
  GraphBuilder b(*context);
  Tensor logits = b.input("logits", DType::F32, {6, 10});
  Tensor targets = b.input("targets", DType::F32, {6, 10});
  Tensor labels = b.input("labels", DType::I32, {6});
  Tensor w = b.parameter("w", DType::F32, {10, 10}, ParamInit::normal(0.3));
  Tensor scores = b.matmul(logits, w);
  Tensor multi = b.multiLabelLoss(scores, targets);
  Tensor ce = b.softmaxCrossEntropy(scores, labels, /*ignoreLabel=*/3);
  Tensor total = b.add(multi, ce);
  std::vector<Tensor> grads = b.grad(total, {w, logits});
  b.output("multi_label", multi);
  b.output("cross_entropy", ce);
  if (grads.size() == 2) {
    b.output("grad_w", grads[0]);
    b.output("grad_logits", grads[1]);
  }
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  CheckOptions options;
  options.fusion = fusion;
  EXPECT_EQ(compileRunAndCompare(**module, options), "");
}

INSTANTIATE_TEST_SUITE_P(
    Losses, GradientsTest,
    testing::Combine(testing::ValuesIn(kLosses),
                     testing::Values("all", "none")),
    [](const testing::TestParamInfo<GradientsTest::ParamType> &info) {
      return std::get<0>(info.param).name + "_" + std::get<1>(info.param);
    });

INSTANTIATE_TEST_SUITE_P(Builder, BuilderLossesTest,
                         testing::Values("all", "none"));

} // namespace
} // namespace sinter::e2e
