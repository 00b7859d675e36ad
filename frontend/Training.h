//===- Training.h - Training steps built with the GraphBuilder --*- C++ -*-===//
//
// Optimizers as graph code: a training step is one function that computes
// the loss, its gradients (GraphBuilder::grad) and the optimizer's update,
// so the whole step compiles ahead of time like any model. The learning
// rate and the step count are inputs (a schedule needs no recompile); the
// optimizer state is inputs and outputs, named after the parameters.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_FRONTEND_TRAINING_H
#define SINTER_FRONTEND_TRAINING_H

#include "frontend/GraphBuilder.h"

#include "absl/status/status.h"

#include <optional>
#include <string>
#include <vector>

namespace sinter {

enum class OptimizerKind { kSgd, kAdamW, kAdaFactor };

/// "sgd", "adamw", "adafactor".
std::optional<OptimizerKind> parseOptimizerKind(llvm::StringRef name);
llvm::StringRef optimizerName(OptimizerKind kind);

/// Hyperparameters. `defaultOptimizerConfig` gives each kind the defaults of
/// PyTorch's SGD and AdamW and of the AdaFactor paper (Shazeer and Stern,
/// 2018, arXiv:1804.04235).
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kAdamW;
  /// SGD's momentum (PyTorch's: buf = momentum buf + g; no dampening).
  double momentum = 0.9;
  /// AdamW.
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  /// SGD: L2, added to the gradient (PyTorch's SGD). AdamW, AdaFactor:
  /// decoupled, p -= step size * weightDecay * p.
  double weightDecay = 0.0;
  /// AdaFactor: beta2_t = 1 - t^decayRate.
  double decayRate = -0.8;
  /// AdaFactor: added to g^2; the floor of the parameter scale.
  double epsilon1 = 1e-30;
  double epsilon2 = 1e-3;
  /// AdaFactor: the update is scaled down to RMS <= clipThreshold.
  double clipThreshold = 1.0;
  /// AdaFactor: the step is lr * max(epsilon2, RMS(p)) (a relative step).
  bool scaleParameter = true;
};

OptimizerConfig defaultOptimizerConfig(OptimizerKind kind);

/// Where a step stands in gradient accumulation over k micro-batches.
enum class AccumulationPhase {
  kNone,       ///< compute the gradient and update (k = 1)
  kAccumulate, ///< add the gradient to `<p>.grad_sum`; no update
  kApply,      ///< update with (grad_sum + gradient) / k
};

struct TrainingStepConfig {
  OptimizerConfig optimizer;
  /// Scale the gradients down to this global L2 norm, as
  /// torch.nn.utils.clip_grad_norm_ (coefficient min(1, max /
  /// (norm + 1e-6))); 0 turns it off.
  double maxGradNorm = 0.0;
  AccumulationPhase phase = AccumulationPhase::kNone;
  /// k, for kApply.
  int64_t accumulationSteps = 1;
  /// Adversarial training (FGM, Miyato et al. 2017): with epsilon > 0 the
  /// step also computes the loss at the embeddings perturbed by
  /// r = epsilon g / ||g|| (g: the loss's gradient with respect to the
  /// embeddings, ||.|| over the whole tensor; r is a constant for the
  /// update) and descends on the sum of both losses. 0 turns it off.
  double fgmEpsilon = 0.0;
};

/// The state each parameter of `kind` carries, as name suffixes
/// (`<p>.<suffix>`), for a parameter of rank `rank`.
std::vector<std::string> optimizerStateSuffixes(OptimizerKind kind,
                                                int64_t rank);

/// Completes a training step in `b`, which built `loss` (a scalar f32) in
/// trainable mode. For each float parameter p:
/// - kNone, kApply: inputs "lr" (f32 scalar) and "step" (i32 scalar: steps
///   taken so far), the state `<p>.<suffix>` (f32; zeros before the first
///   step) and, for kApply, `<p>.grad_sum`; outputs "loss", "next.<p>",
///   "next.<p>.<suffix>" and "next.step".
/// - kAccumulate: input `<p>.grad_sum`, outputs "loss" and
///   "next.<p>.grad_sum".
/// With `fgmEpsilon`, `embedding` is the tensor to perturb (the model's
/// embedding output) and the step also outputs "adversarial_loss".
/// Every "next.X" output overwrites input X (`sinter.aliases_input`): a
/// caller that passes one buffer for both updates the state in place.
/// The update runs in f32 and is converted back to p's type. Errors are the
/// builder's (sticky); the status is the builder's first error.
absl::Status addTrainingStep(GraphBuilder &b, Tensor loss,
                             const TrainingStepConfig &config,
                             Tensor embedding = Tensor());

} // namespace sinter

#endif // SINTER_FRONTEND_TRAINING_H
