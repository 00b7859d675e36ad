//===- Gpt2Block.cpp - The GPT-2 pre-LN decoder block -----------*- C++ -*-===//
//
// x + attn(ln_1(x)), then + mlp(ln_2(.)), as in GPT-2: one fused QKV
// projection split into heads, causal attention scaled by 1/sqrt(d_head),
// and a GELU-tanh MLP four times wider than the model.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"

#include "absl/strings/str_format.h"

#include <cmath>

namespace sinter::models {

absl::Status validateGptConfig(const GptConfig &c, llvm::StringRef model) {
  std::string m = model.str();
  if (c.batch <= 0 || c.seq <= 0 || c.dModel <= 0 || c.heads <= 0 ||
      c.mlp <= 0 || c.layers < 0 || c.vocab <= 0 || c.maxPositions < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: sizes must be positive (batch %d, seq %d, d_model %d, heads %d, "
        "mlp %d, layers %d, vocab %d, max_positions %d)",
        m, c.batch, c.seq, c.dModel, c.heads, c.mlp, c.layers, c.vocab,
        c.maxPositions));
  }
  if (c.dModel % c.heads != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: d_model %d is not divisible by heads %d", m, c.dModel, c.heads));
  }
  if (c.maxPositions != 0 && c.maxPositions < c.seq) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: seq %d exceeds max_positions %d", m, c.seq, c.maxPositions));
  }
  return checkModelDType(model, c.dtype);
}

Tensor gpt2Block(GraphBuilder &b, Tensor x, const GptConfig &c,
                 llvm::StringRef prefix) {
  std::string p = prefix.str();
  GraphBuilder::Scope blockScope(b, p);
  int64_t d = c.dModel, headDim = c.dModel / std::max<int64_t>(c.heads, 1);
  Tensor attnOut;
  {
    GraphBuilder::Scope scope(b, "attn");
    Tensor h = layerNormLayer(b, x, c.dtype, c.layerNormEpsilon, p + ".ln_1");
    Tensor qkv = linear(b, h, 3 * d, c.dtype, p + ".attn.c_attn");
    Tensor q = splitHeads(b, b.sliceAxis(qkv, -1, 0, d), c.heads);
    Tensor k = splitHeads(b, b.sliceAxis(qkv, -1, d, 2 * d), c.heads);
    Tensor v = splitHeads(b, b.sliceAxis(qkv, -1, 2 * d, 3 * d), c.heads);
    Tensor a = b.attention(q, k, v, std::nullopt,
                           1.0 / std::sqrt(static_cast<double>(headDim)),
                           /*causal=*/true);
    attnOut = linear(b, mergeHeads(b, a), d, c.dtype, p + ".attn.c_proj");
  }
  x = b.add(x, attnOut);
  Tensor mlpOut;
  {
    GraphBuilder::Scope scope(b, "mlp");
    Tensor h = layerNormLayer(b, x, c.dtype, c.layerNormEpsilon, p + ".ln_2");
    h = b.gelu(linear(b, h, c.mlp, c.dtype, p + ".mlp.c_fc"),
               GeluApproximation::tanh);
    mlpOut = linear(b, h, d, c.dtype, p + ".mlp.c_proj");
  }
  return b.add(x, mlpOut);
}

ModuleOrError buildGpt2Block(mlir::MLIRContext &ctx, const GptConfig &config) {
  if (absl::Status s = validateGptConfig(config, "gpt2-block"); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  if (config.weights) {
    b.setParameterValues(*config.weights);
  }
  b.setCompositeMode(config.mode);
  Tensor x =
      b.input("x", config.dtype, {config.batch, config.seq, config.dModel});
  b.output("y", gpt2Block(b, x, config, "h.0"));
  return b.build();
}

absl::StatusOr<TrainingStepModule>
buildGpt2BlockTrainingStep(mlir::MLIRContext &ctx, const GptConfig &config,
                           const TrainingStepConfig &step) {
  if (absl::Status s = validateGptConfig(config, "gpt2-block"); !s.ok()) {
    return s;
  }
  return buildRegressionTrainingStep(
      ctx, config.seed, config.mode, config.weights, step,
      [&](GraphBuilder &b) {
        Tensor x = b.input("x", config.dtype,
                           {config.batch, config.seq, config.dModel});
        return gpt2Block(b, x, config, "h.0");
      });
}

} // namespace sinter::models
