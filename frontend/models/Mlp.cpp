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
  return buildRegressionTrainingStep(
      ctx, config.seed, config.mode, config.weights, step,
      [&](GraphBuilder &b) {
        Tensor x =
            b.input("x", config.dtype, {config.batch, config.inFeatures});
        return mlp(b, x, config);
      });
}

absl::StatusOr<TrainingStepModule> buildRegressionTrainingStep(
    mlir::MLIRContext &ctx, uint64_t seed, CompositeMode mode,
    const Weights *weights, const TrainingStepConfig &step,
    llvm::function_ref<Tensor(GraphBuilder &)> forward) {
  GraphBuilder b(ctx, "main", seed);
  if (weights) {
    b.setParameterValues(*weights);
  }
  b.setCompositeMode(mode);
  b.setTrainable(true);
  Tensor y = forward(b);
  if (!b.ok()) {
    return b.status();
  }
  Tensor target = b.input("target", *y.dtype(), y.shape());
  if (absl::Status s = addTrainingStep(b, b.meanSquaredError(y, target), step);
      !s.ok()) {
    return s;
  }
  auto module = b.build();
  if (!module.ok()) {
    return module.status();
  }
  return TrainingStepModule{std::move(*module), b.initialValues()};
}

} // namespace sinter::models
