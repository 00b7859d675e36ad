//===- ModelsTest.cpp - Every example model compiled vs the interpreter ---===//
//
// The models of frontend/models in f32, bf16 and f16, built both with
// composite ops and in their decomposed (PyTorch-spelled) form, compiled for
// this CPU with fusion on and off (--fusion=none) and checked against the
// reference interpreter.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"
#include "test/e2e/CompileAndCheck.h"

#include "compiler/Target/Compiler.h"
#include "sinter/runtime.hpp"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <atomic>
#include <thread>

namespace sinter::e2e {
namespace {

using models::ModuleOrError;

struct ModelParam {
  DType dtype;
  CompositeMode mode;
  bool fused = true;
};

std::string paramName(const testing::TestParamInfo<ModelParam> &info) {
  return std::string(dtypeName(info.param.dtype)) +
         (info.param.mode == CompositeMode::kComposite ? "_composite"
                                                       : "_decomposed") +
         (info.param.fused ? "_fused" : "_unfused");
}

const ModelParam kParams[] = {
    {DType::F32, CompositeMode::kComposite},
    {DType::F32, CompositeMode::kDecomposed},
    {DType::BF16, CompositeMode::kComposite},
    {DType::BF16, CompositeMode::kDecomposed},
    {DType::F16, CompositeMode::kComposite},
    {DType::F16, CompositeMode::kDecomposed},
    {DType::F32, CompositeMode::kComposite, false},
    {DType::F32, CompositeMode::kDecomposed, false},
    {DType::BF16, CompositeMode::kComposite, false},
    {DType::BF16, CompositeMode::kDecomposed, false},
    {DType::F16, CompositeMode::kComposite, false},
    {DType::F16, CompositeMode::kDecomposed, false},
};

class ModelTest : public testing::TestWithParam<ModelParam> {
protected:
  void check(ModuleOrError module) {
    ASSERT_TRUE(module.ok()) << module.status();
    CheckOptions options;
    // A deep graph rounds every intermediate to bf16/f16 in the
    // interpreter but keeps f32 inside each compiled op.
    options.toleranceScale = GetParam().dtype == DType::F32 ? 1 : 2;
    options.fusion = GetParam().fused ? "all" : "none";
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

/// Other targets than this CPU: AVX2 (8-lane kernels, 6 x 2 matmul blocks)
/// and baseline x86-64 (SSE2, 4 lanes, no FMA instructions).
class OtherCpuTest : public testing::TestWithParam<std::string> {};

TEST_P(OtherCpuTest, SmallGptAndGpt2Block) {
  auto ctx = makeContext();
  CheckOptions options;
  options.cpu = GetParam();
  auto gpt = models::buildGpt(*ctx, models::defaultSmallGptConfig());
  ASSERT_TRUE(gpt.ok()) << gpt.status();
  EXPECT_EQ(compileRunAndCompare(**gpt, options), "");
  models::GptConfig c;
  c.dtype = DType::BF16;
  auto block = models::buildGpt2Block(*ctx, c);
  ASSERT_TRUE(block.ok()) << block.status();
  options.toleranceScale = 2;
  EXPECT_EQ(compileRunAndCompare(**block, options), "");
}

TEST_P(OtherCpuTest, MatmulEdges) {
  std::string text = R"(
func.func @f(%a: tensor<2x37x131xf32>, %b: tensor<131x45xf32>) -> tensor<2x37x45xf32> {
  %r = sinter.matmul %a, %b : (tensor<2x37x131xf32>, tensor<131x45xf32>) -> tensor<2x37x45xf32>
  return %r : tensor<2x37x45xf32>
}
)";
  CheckOptions options;
  options.cpu = GetParam();
  EXPECT_EQ(compileRunAndCompare(text, options), "");
}

INSTANTIATE_TEST_SUITE_P(Targets, OtherCpuTest,
                         testing::Values("x86-64-v3", "x86-64"),
                         [](const testing::TestParamInfo<std::string> &i) {
                           return i.param == "x86-64"
                                      ? std::string("x86_64")
                                      : std::string("x86_64_v3");
                         });

/// One compiled model, four threads, each with its own execution context,
/// 100 runs each: every result is bitwise the first one.
TEST(ModelThreads, FourThreadsHundredRunsIdentical) {
  auto ctx = makeContext();
  auto module = models::buildGpt(*ctx, models::defaultSmallGptConfig());
  ASSERT_TRUE(module.ok()) << module.status();
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("sinter-threads", dir));
  std::string so = (dir + "/gpt.so").str();
  auto compiled = compileModule(**module, target::CompileOptions{},
                                target::EmitKind::SharedObject, so);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  rt::Runtime runtime;
  ASSERT_TRUE(rt::Runtime::create(2, &runtime).ok());
  rt::Model model;
  rt::Status s = rt::Model::loadFile(runtime, so, &model);
  ASSERT_TRUE(s.ok()) << s.toString();
  sinter_tensor_info_t inInfo, outInfo;
  ASSERT_TRUE(model.inputInfo(0, &inInfo).ok());
  ASSERT_TRUE(model.outputInfo(0, &outInfo).ok());
  std::vector<int32_t> ids(inInfo.byte_size / 4);
  for (size_t i = 0; i < ids.size(); ++i) {
    ids[i] = static_cast<int32_t>((i * 37) % 512);
  }
  auto runOnce = [&](rt::Context &c, std::vector<uint8_t> &out) {
    sinter_tensor_view_t in = rt::makeView(ids.data(), inInfo);
    sinter_tensor_view_t o = rt::makeView(out.data(), outInfo);
    return c.run(&in, 1, &o, 1);
  };
  std::vector<uint8_t> first(outInfo.byte_size);
  {
    rt::Context c;
    ASSERT_TRUE(rt::Context::create(model, &c).ok());
    ASSERT_TRUE(runOnce(c, first).ok());
  }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      rt::Context c;
      if (!rt::Context::create(model, &c).ok()) {
        ++failures;
        return;
      }
      std::vector<uint8_t> out(outInfo.byte_size);
      for (int r = 0; r < 100; ++r) {
        std::fill(out.begin(), out.end(), 0xA5);
        if (!runOnce(c, out).ok()) {
          ++failures;
        } else if (out != first) {
          ++mismatches;
        }
      }
    });
  }
  for (auto &t : threads) {
    t.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(mismatches, 0);
  (void)llvm::sys::fs::remove_directories(dir);
}

} // namespace
} // namespace sinter::e2e
