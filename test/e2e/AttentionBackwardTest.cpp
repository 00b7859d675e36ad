//===- AttentionBackwardTest.cpp - Flash attention backward on the CPU ----===//
//
// sinter-autodiff's gradient of attention (one sinter.attention_backward)
// compiled for the CPU (sinter-cpu-lower-attention's flash backward: two
// passes over tiles of 64) and checked against the reference interpreter,
// on shapes that take several tiles, tiles on and off the causal diagonal
// with more keys than queries, a -inf mask, bf16 and a tile size that does
// not divide by 64. AutodiffTest checks the interpreter's gradient against
// finite differences. The GPU has no lowering of attention_backward yet, so
// this runs on the CPU only; so does the small GPT's whole training step.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Reference/Interpreter.h"
#include "compiler/Target/Compiler.h"
#include "frontend/models/Models.h"
#include "compiler/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

using namespace mlir;

struct Shape {
  std::string name;
  int64_t batch, heads, s, t, d;
  bool causal;
  bool mask;
  std::string dtype = "f32";
};

void PrintTo(const Shape &c, std::ostream *os) { *os << c.name; }

std::string tensor(std::vector<int64_t> dims, const std::string &dtype) {
  std::string s = "tensor<";
  for (int64_t d : dims) {
    s += std::to_string(d) + "x";
  }
  return s + dtype + ">";
}

/// loss = sum(tanh(attention(q, k, v [, mask])) * w), differentiated with
/// respect to q, k and v: @f_grad.
std::string gradientModule(MLIRContext &context, const Shape &c) {
  std::string q = tensor({c.batch, c.heads, c.s, c.d}, c.dtype);
  std::string kv = tensor({c.batch, c.heads, c.t, c.d}, c.dtype);
  std::string m = tensor({1, 1, c.s, c.t}, c.dtype);
  std::string text = "func.func @f(%q: " + q + ", %k: " + kv + ", %v: " + kv +
                     ", %w: " + q + ") -> tensor<f32> {\n";
  std::string bias;
  if (c.mask) {
    // Keys with (i + j) % 3 == 0 hidden; the rest shifted by 0.5.
    text +=
        "  %i = sinter.iota dim = 2 : " + tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %j = sinter.iota dim = 3 : " + tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %ij = sinter.add %i, %j : " + tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %three = sinter.constant dense<3> : " +
        tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %q3 = sinter.div %ij, %three : " +
        tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %m3 = sinter.mul %q3, %three : " +
        tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %r = sinter.sub %ij, %m3 : " + tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %zero = sinter.constant dense<0> : " +
        tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %hide = sinter.compare eq, %r, %zero : " +
        tensor({1, 1, c.s, c.t}, "i32") +
        "\n  %ninf = sinter.constant dense<0xFF800000> : " +
        tensor({1, 1, c.s, c.t}, "f32") +
        "\n  %half = sinter.constant dense<0.5> : " +
        tensor({1, 1, c.s, c.t}, "f32") +
        "\n  %m32 = sinter.select %hide, %ninf, %half : " +
        tensor({1, 1, c.s, c.t}, "i1") + ", " +
        tensor({1, 1, c.s, c.t}, "f32") +
        "\n  %m = sinter.convert %m32 : " + tensor({1, 1, c.s, c.t}, "f32") +
        " -> " + m + "\n";
    bias = " bias(%m : " + m + ")";
  }
  text += "  %a = sinter.attention %q, %k, %v" + bias + " scale = 0.25" +
          (c.causal ? " causal" : "") + " : " + q + ", " + kv + ", " + kv +
          " -> " + q + "\n";
  text += "  %h = sinter.tanh %a : " + q + "\n  %y = sinter.mul %h, %w : " + q +
          "\n  %yf = sinter.convert %y : " + q + " -> " +
          tensor({c.batch, c.heads, c.s, c.d}, "f32") +
          "\n  %l = sinter.reduce sum %yf, dims = [0, 1, 2, 3] : (" +
          tensor({c.batch, c.heads, c.s, c.d}, "f32") +
          ") -> tensor<f32>\n  return %l : tensor<f32>\n}\n";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
  EXPECT_TRUE(module) << text;
  if (!module) {
    return "";
  }
  PassManager pm(&context);
  AutodiffPassOptions options;
  std::vector<std::string> wrt = {"arg0", "arg1", "arg2"};
  options.wrt = wrt;
  pm.addPass(createAutodiffPass(options));
  EXPECT_TRUE(succeeded(pm.run(*module))) << text;
  module->lookupSymbol<func::FuncOp>("f").erase();
  std::string out;
  llvm::raw_string_ostream os(out);
  module->print(os);
  return out;
}

class AttentionBackwardTest
    : public testing::TestWithParam<std::tuple<Shape, std::string>> {};

TEST_P(AttentionBackwardTest, CompiledGradientsMatchTheInterpreter) {
  auto [shape, fusion] = GetParam();
  std::unique_ptr<MLIRContext> context = makeContext();
  std::string text = gradientModule(*context, shape);
  ASSERT_FALSE(text.empty());
  CheckOptions options;
  options.fusion = fusion;
  options.device = CheckOptions::Device::Cpu;
  EXPECT_EQ(compileRunAndCompare(text, options), "") << shape.name;
}

const Shape kShapes[] = {
    {"causal_two_tiles", 1, 2, 128, 128, 32, true, false},
    {"causal_more_keys", 2, 1, 96, 160, 16, true, false},
    {"masked", 2, 2, 64, 192, 16, false, true},
    {"causal_masked_odd_tiles", 1, 1, 100, 150, 8, true, true},
    {"bf16_causal", 1, 2, 128, 128, 32, true, false, "bf16"},
};

INSTANTIATE_TEST_SUITE_P(Flash, AttentionBackwardTest,
                         testing::Combine(testing::ValuesIn(kShapes),
                                          testing::Values("all", "none")),
                         [](const auto &info) {
                           return std::get<0>(info.param).name + "_" +
                                  std::get<1>(info.param);
                         });

/// A whole training step of a small GPT (embeddings and their scatter_add,
/// causal attention and its flash backward, layer norms, GELU, the tied
/// head, cross-entropy with ignored positions, FGM's second pass at the
/// perturbed embeddings, clipping, AdamW) against the interpreter. CPU only, as the rest of this file.
TEST(GptTrainingStepTest, CompiledStepMatchesTheInterpreter) {
  std::unique_ptr<MLIRContext> context = makeContext();
  models::GptConfig gpt = models::defaultSmallGptConfig();
  gpt.batch = 2, gpt.seq = 16, gpt.dModel = 32, gpt.heads = 2, gpt.mlp = 64,
  gpt.layers = 1, gpt.vocab = 64;
  TrainingStepConfig step;
  step.optimizer = defaultOptimizerConfig(OptimizerKind::kAdamW);
  step.maxGradNorm = 1.0;
  step.fgmEpsilon = 0.5; // FGM: the loss again at perturbed embeddings
  auto built = models::buildGptTrainingStep(*context, gpt, step);
  ASSERT_TRUE(built.ok()) << built.status();
  ModuleOp m = *built->module;
  auto fn = m.lookupSymbol<func::FuncOp>("main");
  // Parameters, data and a state a run reaches: labels with ignored
  // positions, positive second moments, lr 1e-2, step 3.
  std::vector<reference::HostTensor> inputs = reference::randomArguments(fn, 9);
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto name = fn.getArgAttrOfType<StringAttr>(i, "sinter.name").getValue();
    reference::HostTensor &t = inputs[i];
    if (name == "lr") {
      t.values = {0.01};
    } else if (name == "step") {
      t.values = {3};
    } else if (name == "labels") {
      for (size_t k = 0; k < t.values.size(); ++k) {
        t.values[k] = k % 3 == 0 ? double(models::kIgnoreLabel) : t.values[k];
      }
    } else if (name.contains(".exp_avg_sq")) {
      for (double &v : t.values) {
        v = reference::roundToDType(t.dtype, 1e-3 * (1.5 + v));
      }
    }
  }
  CheckOptions options;
  options.device = CheckOptions::Device::Cpu;
  options.inputs = inputs;
  EXPECT_EQ(compileRunAndCompare(m, options), "");
}

/// The backward's memory is O(S): at S = T = 4096 its workspace, from the
/// descriptor, is a small fraction of one S x S f32 matrix (64 MiB).
TEST(AttentionBackwardMemoryTest, WorkspaceAtS4096IsFarBelowSSquared) {
  std::unique_ptr<MLIRContext> context = makeContext();
  Shape big{"s4096", 1, 1, 4096, 4096, 64, true, false};
  std::string text = gradientModule(*context, big);
  ASSERT_FALSE(text.empty());
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, context.get());
  ASSERT_TRUE(module);
  llvm::SmallString<128> path;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("attention-s4096", "so", path));
  target::CompileOptions options;
  auto result =
      compileModule(*module, options, target::EmitKind::SharedObject, path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(result.ok()) << result.status();
  uint64_t sSquared = uint64_t(4096) * 4096 * 4;
  uint64_t workspace = result->info.workspaceBytes;
  std::cout << "attention backward S=4096 D=64: workspace " << workspace
            << " bytes (S x S f32: " << sSquared << ")\n";
  EXPECT_LT(workspace, sSquared / 8);
}

} // namespace
} // namespace sinter::e2e
