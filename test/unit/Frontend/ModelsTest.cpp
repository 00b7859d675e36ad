//===- ModelsTest.cpp - The example models build and verify -----*- C++ -*-===//
//
// Every model in every dtype and both composite modes builds a verified
// module with the expected signature; GPT-2-small sizes build; ModelStats
// counts what it should; bad configs give a status, not a crash.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"
#include "frontend/ModelStats.h"

#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace sinter;
using namespace sinter::models;
using ::testing::HasSubstr;

namespace {

std::string typeStr(mlir::Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

mlir::func::FuncOp mainOf(mlir::ModuleOp m) {
  return m.lookupSymbol<mlir::func::FuncOp>("main");
}

std::string dtypeTag(DType d) { return sinter::dtypeName(d).str(); }

using Param = std::tuple<DType, CompositeMode>;

class ModelsTest : public ::testing::TestWithParam<Param> {
protected:
  mlir::MLIRContext ctx;
  DType dtype() const { return std::get<0>(GetParam()); }
  CompositeMode mode() const { return std::get<1>(GetParam()); }
  bool composite() const { return mode() == CompositeMode::kComposite; }
};

TEST_P(ModelsTest, Mlp) {
  for (auto approx : {GeluApproximation::none, GeluApproximation::tanh,
                      GeluApproximation::sigmoid}) {
    MlpConfig c;
    c.dtype = dtype();
    c.mode = mode();
    c.gelu = approx;
    auto m = buildMlp(ctx, c);
    ASSERT_TRUE(m.ok()) << m.status();
    auto fn = mainOf(**m);
    EXPECT_EQ(typeStr(fn.getArgumentTypes()[0]),
              "tensor<8x128x" + dtypeTag(dtype()) + ">");
    EXPECT_EQ(typeStr(fn.getResultTypes()[0]),
              "tensor<8x128x" + dtypeTag(dtype()) + ">");
    ModelStats s = computeModelStats(**m);
    EXPECT_EQ(s.numParameters, 128 * 512 + 512 + 512 * 128 + 128);
    EXPECT_EQ(s.parameterBytes,
              s.numParameters * sinter::dtypeByteSize(dtype()));
    EXPECT_EQ(s.count("sinter.matmul"), 2);
    EXPECT_EQ(s.count("sinter.gelu"), composite() ? 1 : 0);
  }
}

TEST_P(ModelsTest, Gpt2Block) {
  GptConfig c = defaultSmallGptConfig();
  c.dtype = dtype();
  c.mode = mode();
  auto m = buildGpt2Block(ctx, c);
  ASSERT_TRUE(m.ok()) << m.status();
  auto fn = mainOf(**m);
  std::string t = "tensor<1x32x128x" + dtypeTag(dtype()) + ">";
  EXPECT_EQ(typeStr(fn.getArgumentTypes()[0]), t);
  EXPECT_EQ(typeStr(fn.getResultTypes()[0]), t);
  ModelStats s = computeModelStats(**m);
  int64_t d = 128, mlp = 512;
  EXPECT_EQ(s.numParameters, 4 * d + d * 3 * d + 3 * d + d * d + d + d * mlp +
                                 mlp + mlp * d + d);
  EXPECT_EQ(s.count("sinter.attention"), composite() ? 1 : 0);
  EXPECT_EQ(s.count("sinter.layer_norm"), composite() ? 2 : 0);
  EXPECT_EQ(s.count("sinter.gelu"), composite() ? 1 : 0);
  // Decomposed: QK^T, PV and four projections.
  EXPECT_EQ(s.count("sinter.matmul"), composite() ? 4 : 6);
  if (!composite()) {
    EXPECT_EQ(s.count("sinter.iota"), 2); // the causal mask
    EXPECT_EQ(s.count("sinter.select"), 1);
  }
}

TEST_P(ModelsTest, BertBlock) {
  for (BertMask mask :
       {BertMask::kNone, BertMask::kKeyPadding, BertMask::kFull}) {
    BertConfig c;
    c.dtype = dtype();
    c.mode = mode();
    c.mask = mask;
    c.batch = 2;
    auto m = buildBertBlock(ctx, c);
    ASSERT_TRUE(m.ok()) << m.status();
    auto fn = mainOf(**m);
    ASSERT_EQ(fn.getNumArguments(), mask == BertMask::kNone ? 1u : 2u);
    if (mask != BertMask::kNone) {
      EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(1, kNameAttr).getValue(),
                "attention_mask");
    }
    ModelStats s = computeModelStats(**m);
    EXPECT_EQ(s.count("sinter.layer_norm"), composite() ? 2 : 0);
    EXPECT_EQ(s.count("sinter.attention"), composite() ? 1 : 0);
    if (composite()) {
      sinter::AttentionOp attn;
      (*m)->walk([&](sinter::AttentionOp op) { attn = op; });
      ASSERT_TRUE(attn);
      EXPECT_FALSE(attn.getCausal());
      EXPECT_EQ(static_cast<bool>(attn.getBias()), mask != BertMask::kNone);
    }
  }
}

TEST_P(ModelsTest, Gpt) {
  GptConfig c = defaultSmallGptConfig();
  c.dtype = dtype();
  c.mode = mode();
  auto m = buildGpt(ctx, c);
  ASSERT_TRUE(m.ok()) << m.status();
  auto fn = mainOf(**m);
  EXPECT_EQ(typeStr(fn.getArgumentTypes()[0]), "tensor<1x32xi32>");
  EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(0, kNameAttr).getValue(),
            "input_ids");
  EXPECT_EQ(typeStr(fn.getResultTypes()[0]),
            "tensor<1x32x512x" + dtypeTag(dtype()) + ">");
  EXPECT_EQ(fn.getResultAttrOfType<mlir::StringAttr>(0, kNameAttr).getValue(),
            "logits");
  ModelStats s = computeModelStats(**m);
  int64_t d = 128, mlp = 512;
  int64_t perBlock =
      4 * d + d * 3 * d + 3 * d + d * d + d + d * mlp + mlp + mlp * d + d;
  EXPECT_EQ(s.numParameters, 512 * d + 32 * d + 2 * perBlock + 2 * d);
  EXPECT_EQ(s.count("sinter.gather"), 2);
  EXPECT_EQ(s.count("sinter.attention"), composite() ? 2 : 0);
  EXPECT_EQ(s.numInputs, 1);
  EXPECT_EQ(s.numOutputs, 1);
}

INSTANTIATE_TEST_SUITE_P(
    AllDTypesAndModes, ModelsTest,
    ::testing::Combine(::testing::Values(DType::F32, DType::BF16, DType::F16),
                       ::testing::Values(CompositeMode::kComposite,
                                         CompositeMode::kDecomposed)),
    [](const ::testing::TestParamInfo<Param> &info) {
      return dtypeTag(std::get<0>(info.param)) +
             (std::get<1>(info.param) == CompositeMode::kComposite
                  ? "_composite"
                  : "_decomposed");
    });

TEST(ModelsSizeTest, Gpt2SmallBlockBuilds) {
  mlir::MLIRContext ctx;
  GptConfig c = gpt2SmallConfig();
  c.seq = 8;
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    c.mode = mode;
    auto m = buildGpt2Block(ctx, c);
    ASSERT_TRUE(m.ok()) << m.status();
    ModelStats s = computeModelStats(**m);
    // 7.08M parameters per GPT-2 small block.
    EXPECT_EQ(s.numParameters, 7087872);
    EXPECT_EQ(s.parameterBytes, 7087872 * 4);
    sinter::AttentionOp attn;
    (*m)->walk([&](sinter::AttentionOp op) { attn = op; });
    if (mode == CompositeMode::kComposite) {
      ASSERT_TRUE(attn);
      EXPECT_DOUBLE_EQ(attn.getScale().convertToDouble(), 0.125); // 1/sqrt(64)
      EXPECT_TRUE(attn.getCausal());
    }
  }
}

TEST(ModelsSizeTest, WholeGpt2SmallBuilds) {
  // The whole GPT-2 small (124M parameters) at seq 8: builds, verifies (build()
  // runs mlir::verify) and has GPT-2's known parameter count.
  mlir::MLIRContext ctx;
  GptConfig c = gpt2SmallConfig();
  c.seq = 8;
  auto m = buildGpt(ctx, c);
  ASSERT_TRUE(m.ok()) << m.status();
  ModelStats s = computeModelStats(**m);
  // wte 50257x768 + wpe 1024x768 + 12 blocks x 7087872 + ln_f 2x768.
  EXPECT_EQ(s.numParameters, 124439808);
  EXPECT_EQ(s.parameterBytes, int64_t(124439808) * 4);
  EXPECT_EQ(s.count("sinter.attention"), 12);
  EXPECT_EQ(typeStr(mainOf(**m).getResultTypes()[0]), "tensor<1x8x50257xf32>");
}

TEST(ModelsSizeTest, HugeSequenceIsAStatusNotAnAbort) {
  // seq 10^8 is a valid config whose position table (10^8 x 128 f32,
  // 51.2 GB) exceeds the builder's constant-data limit: a status naming the
  // parameter, not "LLVM ERROR: out of memory".
  mlir::MLIRContext ctx;
  GptConfig c = defaultSmallGptConfig();
  c.seq = 100000000;
  auto m = buildGpt(ctx, c);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              ::testing::AllOf(HasSubstr("parameter 'wpe'"),
                               HasSubstr("[100000000, 128]"),
                               HasSubstr("51200000000 bytes"),
                               HasSubstr("setMaxConstantBytes")));
}

TEST(ModelsSizeTest, ParametersAreNamedLikeHuggingFace) {
  mlir::MLIRContext ctx;
  auto m = buildGpt(ctx, defaultSmallGptConfig());
  ASSERT_TRUE(m.ok()) << m.status();
  std::set<std::string> names;
  (*m)->walk([&](sinter::ConstantOp op) {
    if (auto n = op->getAttrOfType<mlir::StringAttr>(kNameAttr)) {
      names.insert(n.str());
    }
  });
  for (const char *n :
       {"wte", "wpe", "h.0.ln_1.weight", "h.0.attn.c_attn.weight",
        "h.1.mlp.c_proj.bias", "ln_f.bias"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

TEST(ModelsSizeTest, BadConfigs) {
  mlir::MLIRContext ctx;
  GptConfig c = defaultSmallGptConfig();
  c.heads = 3;
  auto m = buildGpt(ctx, c);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()),
              HasSubstr("not divisible by heads 3"));
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("gpt: "));
  c = defaultSmallGptConfig();
  c.heads = 0;
  // Errors name the model being built.
  auto block = buildGpt2Block(ctx, c);
  ASSERT_FALSE(block.ok());
  EXPECT_THAT(std::string(block.status().message()),
              ::testing::StartsWith("gpt2-block: sizes must be positive"));
  c.heads = 4;
  c.dtype = DType::I64;
  block = buildGpt2Block(ctx, c);
  ASSERT_FALSE(block.ok());
  EXPECT_THAT(std::string(block.status().message()),
              ::testing::StartsWith("gpt2-block: "));
  EXPECT_THAT(std::string(validateGptConfig(c, "my-gpt").message()),
              ::testing::StartsWith("my-gpt: "));
  EXPECT_TRUE(validateGptConfig(defaultSmallGptConfig()).ok());
  c = defaultSmallGptConfig();
  c.maxPositions = 16;
  m = buildGpt(ctx, c);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("max_positions"));
  MlpConfig mc;
  mc.hidden = -4;
  EXPECT_FALSE(buildMlp(ctx, mc).ok());
  mc = MlpConfig();
  mc.dtype = DType::I32;
  auto mm = buildMlp(ctx, mc);
  ASSERT_FALSE(mm.ok());
  EXPECT_THAT(std::string(mm.status().message()),
              HasSubstr("dtype must be f32, bf16 or f16, got i32"));
  c = defaultSmallGptConfig();
  c.dtype = static_cast<DType>(77);
  EXPECT_FALSE(buildGpt(ctx, c).ok());
  BertConfig bc;
  bc.dModel = 130;
  EXPECT_FALSE(buildBertBlock(ctx, bc).ok());
}

TEST(ModelsSizeTest, StatsString) {
  mlir::MLIRContext ctx;
  auto m = buildMlp(ctx);
  ASSERT_TRUE(m.ok());
  EXPECT_THAT(computeModelStats(**m).toString(), HasSubstr("params=131712"));
}

} // namespace
