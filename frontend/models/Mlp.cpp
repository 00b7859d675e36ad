//===- Mlp.cpp - A two-layer perceptron -------------------------*- C++ -*-===//
//
// The smallest real model: linear -> GELU -> linear. Exercises matmul with a
// broadcast bias and the GELU composite in each approximation.
//
//===----------------------------------------------------------------------===//

#include "frontend/models/Models.h"

#include "absl/strings/str_format.h"

namespace sinter::models {

absl::Status validateMlpConfig(const MlpConfig &config) {
  if (config.batch <= 0 || config.inFeatures <= 0 || config.hidden <= 0 ||
      config.outFeatures <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "mlp: sizes must be positive (batch %d, in %d, hidden %d, out %d)",
        config.batch, config.inFeatures, config.hidden, config.outFeatures));
  }
  return checkModelDType("mlp", config.dtype);
}

ModuleOrError buildMlp(mlir::MLIRContext &ctx, const MlpConfig &config) {
  if (absl::Status s = validateMlpConfig(config); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  if (config.weights) {
    b.setParameterValues(*config.weights);
  }
  b.setCompositeMode(config.mode);
  Tensor x = b.input("x", config.dtype, {config.batch, config.inFeatures});
  b.output("y", mlp(b, x, config));
  return b.build();
}

Tensor mlp(GraphBuilder &b, Tensor x, const MlpConfig &config) {
  Tensor h;
  {
    GraphBuilder::Scope scope(b, "fc1");
    h = linear(b, x, config.hidden, config.dtype, "fc1");
  }
  h = b.gelu(h, config.gelu);
  GraphBuilder::Scope scope(b, "fc2");
  return linear(b, h, config.outFeatures, config.dtype, "fc2");
}

absl::StatusOr<TrainingStepModule>
buildMlpTrainingStep(mlir::MLIRContext &ctx, const MlpConfig &config,
                     const TrainingStepConfig &step) {
  if (absl::Status s = validateMlpConfig(config); !s.ok()) {
    return s;
  }
  GraphBuilder b(ctx, "main", config.seed);
  if (config.weights) {
    b.setParameterValues(*config.weights);
  }
  b.setCompositeMode(config.mode);
  b.setTrainable(true);
  Tensor x = b.input("x", config.dtype, {config.batch, config.inFeatures});
  Tensor target =
      b.input("target", config.dtype, {config.batch, config.outFeatures});
  Tensor loss = b.meanSquaredError(mlp(b, x, config), target);
  if (absl::Status s = addTrainingStep(b, loss, step); !s.ok()) {
    return s;
  }
  auto module = b.build();
  if (!module.ok()) {
    return module.status();
  }
  return TrainingStepModule{std::move(*module), b.initialValues()};
}

} // namespace sinter::models
