//===- Gpt.cpp - A small GPT language model ---------------------*- C++ -*-===//
//
// Token and position embeddings (gathers), N GPT-2 blocks, a final layer
// norm and logits tied to the token embedding (matmul with transpose_rhs):
// the whole forward pass of GPT-2 at any size.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"

#include "absl/strings/str_cat.h"

namespace sinter::models {

GptConfig defaultSmallGptConfig() {
  GptConfig c;
  c.batch = 1;
  c.seq = 32;
  c.dModel = 128;
  c.heads = 4;
  c.mlp = 512;
  c.layers = 2;
  c.vocab = 512;
  return c;
}

GptConfig gpt2SmallConfig() {
  GptConfig c;
  c.batch = 1;
  c.seq = 1024;
  c.dModel = 768;
  c.heads = 12;
  c.mlp = 3072;
  c.layers = 12;
  c.vocab = 50257;
  c.maxPositions = 1024;
  return c;
}

ModuleOrError buildGpt(mlir::MLIRContext &ctx, const GptConfig &config) {
  if (absl::Status s = validateGptConfig(config, "gpt"); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  if (config.weights) {
    b.setParameterValues(*config.weights);
  }
  b.setCompositeMode(config.mode);
  Tensor ids = b.input("input_ids", DType::I32, {config.batch, config.seq});
  b.output("logits", gpt(b, ids, config));
  return b.build();
}

Tensor gpt(GraphBuilder &b, Tensor ids, const GptConfig &c, Tensor *embedding) {
  int64_t positions = c.maxPositions ? c.maxPositions : c.seq;
  Tensor wte =
      b.parameter("wte", c.dtype, {c.vocab, c.dModel}, ParamInit::normal(0.02));
  Tensor wpe = b.parameter("wpe", c.dtype, {positions, c.dModel},
                           ParamInit::normal(0.01));
  Tensor h;
  {
    GraphBuilder::Scope scope(b, "embed");
    Tensor tok = b.gather(wte, ids);                            // [B, S, D]
    Tensor pos = b.gather(wpe, b.iota(DType::I32, {c.seq}, 0)); // [S, D]
    h = b.add(tok, pos);
  }
  if (embedding) {
    *embedding = h;
  }
  for (int64_t i = 0; i < c.layers; ++i) {
    h = gpt2Block(b, h, c, absl::StrCat("h.", i));
  }
  GraphBuilder::Scope scope(b, "head");
  h = layerNormLayer(b, h, c.dtype, c.layerNormEpsilon, "ln_f");
  return b.matmul(h, wte, false, /*transposeRhs=*/true);
}

absl::StatusOr<TrainingStepModule>
buildGptTrainingStep(mlir::MLIRContext &ctx, const GptConfig &config,
                     const TrainingStepConfig &step) {
  if (absl::Status s = validateGptConfig(config, "gpt"); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  if (config.weights) {
    b.setParameterValues(*config.weights);
  }
  b.setCompositeMode(config.mode);
  b.setTrainable(true);
  Tensor ids = b.input("input_ids", DType::I32, {config.batch, config.seq});
  Tensor labels = b.input("labels", DType::I32, {config.batch, config.seq});
  Tensor embedding;
  Tensor loss = b.softmaxCrossEntropy(gpt(b, ids, config, &embedding), labels,
                                      kIgnoreLabel);
  if (absl::Status s = addTrainingStep(b, loss, step, embedding); !s.ok()) {
    return s;
  }
  auto module = b.build();
  if (!module.ok()) {
    return module.status();
  }
  return TrainingStepModule{std::move(*module), b.initialValues()};
}

} // namespace sinter::models
