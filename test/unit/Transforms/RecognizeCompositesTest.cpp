//===- RecognizeCompositesTest.cpp - Recognised composites == primitives --===//
//
// The sinter-recognize-* passes must not change what a graph computes. Each
// case builds a graph with the graph builder, in its primitive spelling
// (the builder's decomposed mode, PyTorch's forms) or as composites then
// decomposed by sinter-decompose-composites (the other spelling); runs the
// recognition pass; checks that the composites came back and no primitive
// compute is left; and compares the reference interpreter's results before
// and after on seeded inputs, f32 and bf16.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "frontend/GraphBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

using namespace mlir;
using ::sinter::CompositeMode;
using ::sinter::DType;
using ::sinter::GeluApproximation;
using ::sinter::GraphBuilder;
using ::sinter::Tensor;
using ::sinter::reference::HostTensor;

namespace {

struct Case {
  const char *name;
  DType dtype;
  void (*build)(GraphBuilder &b, DType dtype);
  /// The pass under test; null runs the whole sinter-recognize-composites
  /// pipeline.
  std::unique_ptr<Pass> (*createPass)();
  /// Composite op names that must appear (with repeats).
  std::vector<std::string> composites;
  double tolerance; // max |a - b| / (1 + |b|)
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

enum class Spelling { kBuilder, kDecomposePass };

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

template <GeluApproximation approx> void gelu(GraphBuilder &b, DType t) {
  b.output("y", b.gelu(b.input("x", t, {4, 33}), approx));
}

void logSumExp(GraphBuilder &b, DType t) {
  b.output("y", b.logSumExp(b.input("x", t, {5, 7}), 1));
}

void logSoftmax(GraphBuilder &b, DType t) {
  b.output("y", b.logSoftmax(b.input("x", t, {5, 7, 3}), 1));
}

void rmsNorm(GraphBuilder &b, DType t) {
  Tensor x = b.input("x", t, {2, 3, 16});
  Tensor g = b.input("g", t, {16});
  b.output("y", b.rmsNorm(x, g, -1, 1e-6));
}

void rmsNormTwoDims(GraphBuilder &b, DType t) {
  b.output("y", b.rmsNorm(b.input("x", t, {2, 3, 16}), std::nullopt, 1, 1e-5));
}

void layerNorm(GraphBuilder &b, DType t) {
  Tensor x = b.input("x", t, {3, 24});
  Tensor g = b.input("g", t, {24});
  Tensor beta = b.input("beta", t, {24});
  b.output("y", b.layerNorm(x, g, beta, -1, 1e-5));
}

void layerNormNoAffine(GraphBuilder &b, DType t) {
  b.output("y", b.layerNorm(b.input("x", t, {2, 3, 8}), std::nullopt,
                            std::nullopt, 1, 1e-5));
}

void attentionCausalBias(GraphBuilder &b, DType t) {
  Tensor q = b.input("q", t, {1, 2, 5, 8});
  Tensor k = b.input("k", t, {1, 2, 7, 8});
  Tensor v = b.input("v", t, {1, 2, 7, 8});
  Tensor bias = b.input("bias", t, {5, 7});
  b.output("y", b.attention(q, k, v, bias, 0.35, /*causal=*/true));
}

void attentionPlain(GraphBuilder &b, DType t) {
  Tensor q = b.input("q", t, {2, 2, 6, 8});
  Tensor k = b.input("k", t, {2, 2, 6, 8});
  Tensor v = b.input("v", t, {2, 2, 6, 4});
  b.output("y", b.attention(q, k, v, std::nullopt, 1.0 / std::sqrt(8.0),
                            /*causal=*/false));
}

/// A small block with every recognisable composite, for the pipeline.
void block(GraphBuilder &b, DType t) {
  Tensor x = b.input("x", t, {1, 2, 5, 8});
  Tensor g = b.input("g", t, {8});
  Tensor beta = b.input("beta", t, {8});
  Tensor h = b.layerNorm(x, g, beta, -1, 1e-5);
  Tensor a = b.attention(h, h, h, std::nullopt, 0.3, /*causal=*/true);
  Tensor y = b.gelu(a, GeluApproximation::tanh);
  Tensor z = b.rmsNorm(y, g, -1, 1e-6);
  b.output("p", b.softmax(z, -1));
  b.output("l", b.logSoftmax(z, 2));
  b.output("s", b.logSumExp(z, 3));
}

//===----------------------------------------------------------------------===//
// The check
//===----------------------------------------------------------------------===//

class RecognizeCompositesTest
    : public ::testing::TestWithParam<std::tuple<Case, Spelling>> {};

TEST_P(RecognizeCompositesTest, MatchesPrimitive) {
  const auto &[c, spelling] = GetParam();
  MLIRContext context;
  GraphBuilder builder(context);
  if (spelling == Spelling::kBuilder) {
    builder.setCompositeMode(CompositeMode::kDecomposed);
  }
  c.build(builder, c.dtype);
  auto module = builder.build();
  ASSERT_TRUE(module.ok()) << module.status();
  if (spelling == Spelling::kDecomposePass) {
    PassManager pm(&context);
    pm.addNestedPass<func::FuncOp>(sinter::createDecomposeCompositesPass());
    ASSERT_TRUE(succeeded(pm.run(**module)));
  }
  auto fn = *(*module)->getOps<func::FuncOp>().begin();
  std::vector<HostTensor> inputs =
      ::sinter::reference::randomArguments(fn, 200);
  auto primitive = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(primitive.ok()) << primitive.status();

  PassManager pm(&context);
  if (c.createPass) {
    pm.addNestedPass<func::FuncOp>(c.createPass());
  } else {
    sinter::buildRecognizeCompositesPipeline(pm);
  }
  ASSERT_TRUE(succeeded(pm.run(**module)));
  fn = *(*module)->getOps<func::FuncOp>().begin();
  std::vector<std::string> found, leftovers;
  fn.walk([&](Operation *op) {
    std::string name = op->getName().getStringRef().str();
    if (llvm::is_contained(c.composites, name)) {
      found.push_back(name);
    } else if (!isa<func::FuncOp, func::ReturnOp, sinter::ConstantOp,
                    sinter::TransposeOp, sinter::ReshapeOp,
                    sinter::BroadcastInDimOp>(op)) {
      leftovers.push_back(name);
    }
  });
  std::vector<std::string> want = c.composites;
  llvm::sort(found);
  llvm::sort(want);
  EXPECT_EQ(found, want) << "composites not recognised";
  EXPECT_TRUE(leftovers.empty())
      << "primitive ops left behind, e.g. " << leftovers.front();

  auto recognised = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(recognised.ok()) << recognised.status();
  ASSERT_EQ(primitive->size(), recognised->size());
  for (size_t r = 0; r < primitive->size(); ++r) {
    const HostTensor &a = (*primitive)[r], &b = (*recognised)[r];
    ASSERT_EQ(a.shape, b.shape);
    for (size_t i = 0; i < a.values.size(); ++i) {
      double err =
          std::abs(a.values[i] - b.values[i]) / (1 + std::abs(b.values[i]));
      ASSERT_LE(err, c.tolerance)
          << "result " << r << " element " << i << ": primitive " << a.values[i]
          << " vs recognised " << b.values[i];
    }
  }
}

// bf16 rounds every primitive intermediate where the composites round
// once (and compute norms in f32), so bf16 cases agree to a few bf16 ulps.
const Case kCases[] = {
    {"GeluNoneF32",
     DType::F32,
     gelu<GeluApproximation::none>,
     sinter::createRecognizeGeluPass,
     {"sinter.gelu"},
     1e-6},
    {"GeluTanhF32",
     DType::F32,
     gelu<GeluApproximation::tanh>,
     sinter::createRecognizeGeluPass,
     {"sinter.gelu"},
     1e-6},
    {"GeluSigmoidF32",
     DType::F32,
     gelu<GeluApproximation::sigmoid>,
     sinter::createRecognizeGeluPass,
     {"sinter.gelu"},
     1e-6},
    {"GeluTanhBF16",
     DType::BF16,
     gelu<GeluApproximation::tanh>,
     sinter::createRecognizeGeluPass,
     {"sinter.gelu"},
     2e-2},
    {"LogSumExpF32",
     DType::F32,
     logSumExp,
     sinter::createRecognizeLogSumExpPass,
     {"sinter.logsumexp"},
     1e-6},
    {"LogSoftmaxF32",
     DType::F32,
     logSoftmax,
     sinter::createRecognizeLogSumExpPass,
     {"sinter.log_softmax"},
     1e-6},
    {"LogSoftmaxBF16",
     DType::BF16,
     logSoftmax,
     sinter::createRecognizeLogSumExpPass,
     {"sinter.log_softmax"},
     3e-2},
    {"RMSNormF32",
     DType::F32,
     rmsNorm,
     sinter::createRecognizeRMSNormPass,
     {"sinter.rms_norm"},
     1e-5},
    {"RMSNormBF16",
     DType::BF16,
     rmsNorm,
     sinter::createRecognizeRMSNormPass,
     {"sinter.rms_norm"},
     3e-2},
    {"RMSNormTwoDimsF32",
     DType::F32,
     rmsNormTwoDims,
     sinter::createRecognizeRMSNormPass,
     {"sinter.rms_norm"},
     1e-5},
    {"LayerNormF32",
     DType::F32,
     layerNorm,
     sinter::createRecognizeLayerNormPass,
     {"sinter.layer_norm"},
     1e-5},
    {"LayerNormBF16",
     DType::BF16,
     layerNorm,
     sinter::createRecognizeLayerNormPass,
     {"sinter.layer_norm"},
     3e-2},
    {"LayerNormNoAffineF32",
     DType::F32,
     layerNormNoAffine,
     sinter::createRecognizeLayerNormPass,
     {"sinter.layer_norm"},
     1e-5},
    {"AttentionCausalBiasF32",
     DType::F32,
     attentionCausalBias,
     sinter::createRecognizeAttentionPass,
     {"sinter.attention"},
     1e-5},
    {"AttentionCausalBiasBF16",
     DType::BF16,
     attentionCausalBias,
     sinter::createRecognizeAttentionPass,
     {"sinter.attention"},
     3e-2},
    {"AttentionPlainF32",
     DType::F32,
     attentionPlain,
     sinter::createRecognizeAttentionPass,
     {"sinter.attention"},
     1e-5},
    {"PipelineBlockF32",
     DType::F32,
     block,
     nullptr,
     {"sinter.layer_norm", "sinter.attention", "sinter.gelu", "sinter.rms_norm",
      "sinter.softmax", "sinter.log_softmax", "sinter.logsumexp"},
     1e-5},
};

std::string
caseName(const ::testing::TestParamInfo<std::tuple<Case, Spelling>> &info) {
  return std::string(std::get<0>(info.param).name) +
         (std::get<1>(info.param) == Spelling::kBuilder ? "_Builder"
                                                        : "_DecomposePass");
}

INSTANTIATE_TEST_SUITE_P(
    All, RecognizeCompositesTest,
    ::testing::Combine(::testing::ValuesIn(kCases),
                       ::testing::Values(Spelling::kBuilder,
                                         Spelling::kDecomposePass)),
    caseName);

} // namespace
