//===- PtxTest.cpp - Every example model compiles to PTX that ptxas takes -===//
//
// Runs on every machine with the CUDA toolkit (no GPU needed): each model of
// frontend/models, in f32, bf16 and f16, fused and unfused, is compiled with
// --target=nvptx for sm_80 and sm_90; the compiler assembles the PTX with
// ptxas, so a kernel ptxas rejects fails here. The artifact is then loaded
// by the runtime's validation (no driver needed for that) to check its GPU
// program.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"
#include "test/e2e/CompileAndCheck.h"

#include "compiler/Target/Compiler.h"
#include "compiler/Target/GPU/GPUCompiler.h"
#include "sinter/runtime.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <algorithm>

namespace sinter::e2e {
namespace {

constexpr const char *kToolkit = "/usr/local/cuda";

struct PtxParam {
  std::string model;
  DType dtype;
  CompositeMode mode;
  std::string fusion;
  std::string arch;
};

std::string paramName(const testing::TestParamInfo<PtxParam> &info) {
  std::string model = info.param.model;
  std::replace(model.begin(), model.end(), '-', '_');
  return model + "_" + std::string(dtypeName(info.param.dtype)) +
         (info.param.mode == CompositeMode::kComposite ? "_composite"
                                                       : "_decomposed") +
         "_" + info.param.fusion + "_" + info.param.arch;
}

std::vector<PtxParam> params() {
  std::vector<PtxParam> out;
  for (std::string arch : {"sm_80", "sm_90"}) {
    for (std::string model : {"mlp", "gpt2-block", "bert-block", "gpt"}) {
      out.push_back(
          {model, DType::F32, CompositeMode::kComposite, "all", arch});
      out.push_back(
          {model, DType::BF16, CompositeMode::kComposite, "all", arch});
      out.push_back(
          {model, DType::F16, CompositeMode::kDecomposed, "all", arch});
      out.push_back(
          {model, DType::F32, CompositeMode::kComposite, "none", arch});
    }
    // Causal attention over several query tiles (S > 64), and GPT-2 small's
    // block shape (d_model 768, 12 heads, S = 128).
    out.push_back({"gpt2-block-s128", DType::F32, CompositeMode::kComposite,
                   "all", arch});
    out.push_back({"gpt2-small-block-s128", DType::BF16,
                   CompositeMode::kComposite, "all", arch});
    // A whole training step (backward, AdamW, clipping, state written in
    // place over its inputs). The attention models' steps need
    // sinter.attention_backward, which has no GPU lowering yet.
    out.push_back({"mlp-train-adamw", DType::F32, CompositeMode::kComposite,
                   "all", arch});
  }
  return out;
}

void PrintTo(const PtxParam &p, std::ostream *os) {
  *os << p.model << " " << dtypeName(p.dtype).str() << " fusion=" << p.fusion
      << " " << p.arch;
}

class PtxTest : public testing::TestWithParam<PtxParam> {};

models::ModuleOrError build(mlir::MLIRContext &ctx, const PtxParam &p) {
  if (p.model == "mlp-train-adamw") {
    TrainingStepConfig step;
    step.optimizer = defaultOptimizerConfig(OptimizerKind::kAdamW);
    step.maxGradNorm = 1.0;
    auto built = models::buildMlpTrainingStep(ctx, models::MlpConfig(), step);
    if (!built.ok()) {
      return built.status();
    }
    return std::move(built->module);
  }
  if (p.model == "mlp") {
    models::MlpConfig c;
    c.dtype = p.dtype;
    c.mode = p.mode;
    return models::buildMlp(ctx, c);
  }
  if (p.model == "bert-block") {
    models::BertConfig c;
    c.dtype = p.dtype;
    c.mode = p.mode;
    c.mask = models::BertMask::kKeyPadding;
    return models::buildBertBlock(ctx, c);
  }
  models::GptConfig c = p.model == "gpt" ? models::defaultSmallGptConfig()
                        : p.model == "gpt2-small-block-s128"
                            ? models::gpt2SmallConfig()
                            : models::GptConfig();
  if (p.model.find("s128") != std::string::npos) {
    c.seq = 128;
  }
  c.dtype = p.dtype;
  c.mode = p.mode;
  return p.model == "gpt" ? models::buildGpt(ctx, c)
                          : models::buildGpt2Block(ctx, c);
}

TEST_P(PtxTest, PtxasAcceptsTheModel) {
  std::string ptxas = gpu::findPtxas("", kToolkit);
  if (ptxas.empty()) {
    // Why skipping is right: ptxas comes with the CUDA toolkit, which a
    // machine may lack; the compiler then writes PTX only (tested by
    // test/Tools/sinter-compile-gpu.test with --ptxas=none).
    GTEST_SKIP() << "skipped: no ptxas (the CUDA toolkit is not at " << kToolkit
                 << " or on PATH)";
  }
  const PtxParam &p = GetParam();
  auto ctx = makeContext();
  models::ModuleOrError module = build(*ctx, p);
  ASSERT_TRUE(module.ok()) << module.status();
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("sinter-ptx", "so", path));
  target::CompileOptions options;
  options.target = target::Target::NVPTX;
  options.fusion = fusionKinds(p.fusion);
  options.gpuArch = p.arch;
  options.ptxas = ptxas;
  absl::StatusOr<target::CompileResult> result =
      compileModule(**module, options, target::EmitKind::SharedObject, path);
  ASSERT_TRUE(result.ok()) << result.status();

  // The artifact's descriptor passes the runtime's validation.
  sinter_abi_device_t device = SINTER_ABI_DEVICE_CPU;
  sinter_status_t status = sinter_model_file_device(path.c_str(), &device);
  EXPECT_EQ(status, nullptr) << sinter_status_message(status);
  EXPECT_EQ(device, SINTER_ABI_DEVICE_CUDA);
  sinter_status_free(status);
  llvm::sys::fs::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Models, PtxTest, testing::ValuesIn(params()),
                         paramName);

} // namespace
} // namespace sinter::e2e
