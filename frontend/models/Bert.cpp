//===- Bert.cpp - The BERT post-LN encoder block ----------------*- C++ -*-===//
//
// LN(x + attn(x)), then LN(. + mlp(.)), as in BERT: separate Q/K/V
// projections, bidirectional attention with an optional additive mask
// ([B,1,1,S] padding or [B,1,S,S] full), and an exact (erf) GELU MLP.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"

#include "absl/strings/str_format.h"

#include <cmath>

namespace sinter::models {

Tensor bertBlock(GraphBuilder &b, Tensor x, std::optional<Tensor> mask,
                 const BertConfig &c, llvm::StringRef prefix) {
  std::string p = prefix.str();
  GraphBuilder::Scope blockScope(b, p);
  int64_t d = c.dModel, headDim = c.dModel / std::max<int64_t>(c.heads, 1);
  Tensor attnOut;
  {
    GraphBuilder::Scope scope(b, "attention");
    Tensor q = splitHeads(
        b, linear(b, x, d, c.dtype, p + ".attention.self.query"), c.heads);
    Tensor k = splitHeads(
        b, linear(b, x, d, c.dtype, p + ".attention.self.key"), c.heads);
    Tensor v = splitHeads(
        b, linear(b, x, d, c.dtype, p + ".attention.self.value"), c.heads);
    Tensor a = b.attention(q, k, v, mask,
                           1.0 / std::sqrt(static_cast<double>(headDim)),
                           /*causal=*/false);
    attnOut =
        linear(b, mergeHeads(b, a), d, c.dtype, p + ".attention.output.dense");
  }
  x = layerNormLayer(b, b.add(x, attnOut), c.dtype, c.layerNormEpsilon,
                     p + ".attention.output.LayerNorm");
  Tensor mlpOut;
  {
    GraphBuilder::Scope scope(b, "mlp");
    Tensor h = b.gelu(linear(b, x, c.mlp, c.dtype, p + ".intermediate.dense"),
                      GeluApproximation::none);
    mlpOut = linear(b, h, d, c.dtype, p + ".output.dense");
  }
  return layerNormLayer(b, b.add(x, mlpOut), c.dtype, c.layerNormEpsilon,
                        p + ".output.LayerNorm");
}

absl::Status validateBertConfig(const BertConfig &c) {
  if (c.batch <= 0 || c.seq <= 0 || c.dModel <= 0 || c.heads <= 0 ||
      c.mlp <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bert: sizes must be positive (batch %d, seq %d, d_model %d, heads "
        "%d, mlp %d)",
        c.batch, c.seq, c.dModel, c.heads, c.mlp));
  }
  if (c.dModel % c.heads != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bert: d_model %d is not divisible by heads %d", c.dModel, c.heads));
  }
  return checkModelDType("bert", c.dtype);
}

namespace {

/// The block on inputs "x" and, per `c.mask`, "attention_mask".
Tensor bertBlockOnInputs(GraphBuilder &b, const BertConfig &c) {
  Tensor x = b.input("x", c.dtype, {c.batch, c.seq, c.dModel});
  std::optional<Tensor> mask;
  if (c.mask == BertMask::kKeyPadding) {
    mask = b.input("attention_mask", c.dtype, {c.batch, 1, 1, c.seq});
  } else if (c.mask == BertMask::kFull) {
    mask = b.input("attention_mask", c.dtype, {c.batch, 1, c.seq, c.seq});
  }
  return bertBlock(b, x, mask, c, "encoder.layer.0");
}

} // namespace

ModuleOrError buildBertBlock(mlir::MLIRContext &ctx, const BertConfig &c) {
  if (absl::Status s = validateBertConfig(c); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", c.seed);
  if (c.weights) {
    b.setParameterValues(*c.weights);
  }
  b.setCompositeMode(c.mode);
  b.output("y", bertBlockOnInputs(b, c));
  return b.build();
}

absl::StatusOr<TrainingStepModule>
buildBertBlockTrainingStep(mlir::MLIRContext &ctx, const BertConfig &c,
                           const TrainingStepConfig &step) {
  if (absl::Status s = validateBertConfig(c); !s.ok()) {
    return s;
  }
  return buildRegressionTrainingStep(
      ctx, c.seed, c.mode, c.weights, step,
      [&](GraphBuilder &b) { return bertBlockOnInputs(b, c); });
}

} // namespace sinter::models
