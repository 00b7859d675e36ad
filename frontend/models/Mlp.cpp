//===- Mlp.cpp - A two-layer perceptron -------------------------*- C++ -*-===//
//
// The smallest real model: linear -> GELU -> linear. Exercises matmul with a
// broadcast bias and the GELU composite in each approximation.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"

#include "absl/strings/str_format.h"

namespace sinter::models {

ModuleOrError buildMlp(mlir::MLIRContext &ctx, const MlpConfig &config) {
  if (config.batch <= 0 || config.inFeatures <= 0 || config.hidden <= 0 ||
      config.outFeatures <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "mlp: sizes must be positive (batch %d, in %d, hidden %d, out %d)",
        config.batch, config.inFeatures, config.hidden, config.outFeatures));
  }
  if (absl::Status s = checkModelDType("mlp", config.dtype); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  b.setCompositeMode(config.mode);
  Tensor x = b.input("x", config.dtype, {config.batch, config.inFeatures});
  Tensor h;
  {
    GraphBuilder::Scope scope(b, "fc1");
    h = linear(b, x, config.hidden, config.dtype, "fc1");
  }
  h = b.gelu(h, config.gelu);
  Tensor y;
  {
    GraphBuilder::Scope scope(b, "fc2");
    y = linear(b, h, config.outFeatures, config.dtype, "fc2");
  }
  b.output("y", y);
  return b.build();
}

} // namespace sinter::models
