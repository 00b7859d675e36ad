//===- ModelsTest.cpp - Every example model compiled vs the interpreter ---===//
//
// The models of frontend/models in f32, bf16 and f16, built both with
// composite ops and in their decomposed (PyTorch-spelled) form, compiled for
// this CPU and checked against the reference interpreter.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"
#include "test/e2e/CompileAndCheck.h"

#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

using models::ModuleOrError;

struct ModelParam {
  DType dtype;
  CompositeMode mode;
};

std::string paramName(const testing::TestParamInfo<ModelParam> &info) {
  return std::string(dtypeName(info.param.dtype)) +
         (info.param.mode == CompositeMode::kComposite ? "_composite"
                                                       : "_decomposed");
}

const ModelParam kParams[] = {
    {DType::F32, CompositeMode::kComposite},
    {DType::F32, CompositeMode::kDecomposed},
    {DType::BF16, CompositeMode::kComposite},
    {DType::BF16, CompositeMode::kDecomposed},
    {DType::F16, CompositeMode::kComposite},
    {DType::F16, CompositeMode::kDecomposed},
};

class ModelTest : public testing::TestWithParam<ModelParam> {
protected:
  void check(ModuleOrError module) {
    ASSERT_TRUE(module.ok()) << module.status();
    CheckOptions options;
    // A deep graph rounds every intermediate to bf16/f16 in the
    // interpreter but keeps f32 inside each compiled op.
    options.toleranceScale = GetParam().dtype == DType::F32 ? 1 : 2;
    EXPECT_EQ(compileRunAndCompare(**module, options), "");
  }
  std::unique_ptr<mlir::MLIRContext> ctx = makeContext();
};

TEST_P(ModelTest, Mlp) {
  models::MlpConfig c;
  c.dtype = GetParam().dtype;
  c.mode = GetParam().mode;
  check(models::buildMlp(*ctx, c));
}

TEST_P(ModelTest, Gpt2Block) {
  models::GptConfig c;
  c.dtype = GetParam().dtype;
  c.mode = GetParam().mode;
  check(models::buildGpt2Block(*ctx, c));
}

TEST_P(ModelTest, BertBlockWithKeyPaddingMask) {
  models::BertConfig c;
  c.dtype = GetParam().dtype;
  c.mode = GetParam().mode;
  c.mask = models::BertMask::kKeyPadding;
  check(models::buildBertBlock(*ctx, c));
}

TEST_P(ModelTest, BertBlockWithFullMask) {
  models::BertConfig c;
  c.dtype = GetParam().dtype;
  c.mode = GetParam().mode;
  c.mask = models::BertMask::kFull;
  check(models::buildBertBlock(*ctx, c));
}

TEST_P(ModelTest, SmallGpt) {
  models::GptConfig c = models::defaultSmallGptConfig();
  c.dtype = GetParam().dtype;
  c.mode = GetParam().mode;
  check(models::buildGpt(*ctx, c));
}

INSTANTIATE_TEST_SUITE_P(Models, ModelTest, testing::ValuesIn(kParams),
                         paramName);

} // namespace
} // namespace sinter::e2e
