//===- Training.cpp - Optimizers and training steps as graph code ---------===//
//
// Each optimizer is written in sinter ops, in f32, following the reference
// implementation it is checked against (test/unit/Frontend/TrainingTest):
// - SGD with momentum: PyTorch's torch.optim.SGD (L2 weight decay added to
//   the gradient; buf = momentum buf + g; p -= lr buf).
// - AdamW: PyTorch's torch.optim.AdamW (p *= 1 - lr wd; p -= lr / (1 -
//   beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)).
// - AdaFactor: Shazeer and Stern (2018), Algorithm 4 with update clipping
//   and relative steps, as fairseq's and Hugging Face's Adafactor write it:
//   for a matrix (the last two dimensions) only the row and column means of
//   g^2 + eps1 are kept, so the state of an n x m weight is n + m floats.
//
//===----------------------------------------------------------------------===//

#include "frontend/Training.h"

#include "llvm/ADT/StringSwitch.h"

namespace sinter {

std::optional<OptimizerKind> parseOptimizerKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<OptimizerKind>>(name)
      .Case("sgd", OptimizerKind::kSgd)
      .Case("adamw", OptimizerKind::kAdamW)
      .Case("adafactor", OptimizerKind::kAdaFactor)
      .Default(std::nullopt);
}

llvm::StringRef optimizerName(OptimizerKind kind) {
  switch (kind) {
  case OptimizerKind::kSgd:
    return "sgd";
  case OptimizerKind::kAdamW:
    return "adamw";
  case OptimizerKind::kAdaFactor:
    return "adafactor";
  }
  return "?";
}

OptimizerConfig defaultOptimizerConfig(OptimizerKind kind) {
  OptimizerConfig c;
  c.kind = kind;
  if (kind == OptimizerKind::kAdamW) {
    c.weightDecay = 0.01; // torch.optim.AdamW's default
  }
  return c;
}

std::vector<std::string> optimizerStateSuffixes(OptimizerKind kind,
                                                int64_t rank) {
  switch (kind) {
  case OptimizerKind::kSgd:
    return {"momentum_buffer"};
  case OptimizerKind::kAdamW:
    return {"exp_avg", "exp_avg_sq"};
  case OptimizerKind::kAdaFactor:
    if (rank >= 2) {
      return {"exp_avg_sq_row", "exp_avg_sq_col"};
    }
    return {"exp_avg_sq"};
  }
  return {};
}

namespace {

/// The shape of a state tensor of parameter shape `shape`.
std::vector<int64_t> stateShape(OptimizerKind kind, llvm::StringRef suffix,
                                llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> s(shape.begin(), shape.end());
  if (suffix == "exp_avg_sq_row") {
    s.pop_back(); // [..., n]
  } else if (suffix == "exp_avg_sq_col") {
    s.erase(s.end() - 2); // [..., m]
  }
  return s;
}

/// Builds one step's update of every parameter.
struct StepBuilder {
  GraphBuilder &b;
  const TrainingStepConfig &config;
  const OptimizerConfig &opt;

  Tensor f32(Tensor x) {
    return x.dtype() == DType::F32 ? x : b.convert(x, DType::F32);
  }
  Tensor scalar(double v) { return b.scalar(DType::F32, v); }
  /// sqrt(mean(x^2)) over every element: a scalar.
  Tensor rms(Tensor x) {
    std::vector<int64_t> all(x.rank());
    for (int64_t i = 0; i < x.rank(); ++i) {
      all[i] = i;
    }
    return b.sqrt(b.reduceMean(b.mul(x, x), all));
  }
  Tensor sumOfSquares(Tensor x) {
    std::vector<int64_t> all(x.rank());
    for (int64_t i = 0; i < x.rank(); ++i) {
      all[i] = i;
    }
    return b.reduceSum(b.mul(x, x), all);
  }
  /// a * x + (1 - a) * y, for a scalar a (a tensor or a constant).
  Tensor lerp(Tensor a, Tensor x, Tensor y) {
    return b.add(b.mul(a, x), b.mul(b.sub(scalar(1.0), a), y));
  }

  struct Param {
    std::string name;
    Tensor value; // in its own type
    Tensor grad;  // f32
  };

  /// Returns the new value of `p` (f32) and writes its state's outputs.
  Tensor update(const Param &p, Tensor lr, Tensor t) {
    Tensor w = f32(p.value);
    Tensor g = p.grad;
    auto state = [&](llvm::StringRef suffix) {
      return b.input(p.name + "." + suffix.str(), DType::F32,
                     stateShape(opt.kind, suffix, w.shape()));
    };
    auto next = [&](llvm::StringRef suffix, Tensor v) {
      b.output("next." + p.name + "." + suffix.str(), v,
               p.name + "." + suffix.str());
    };
    switch (opt.kind) {
    case OptimizerKind::kSgd: {
      if (opt.weightDecay != 0) {
        g = b.add(g, b.mul(w, opt.weightDecay));
      }
      Tensor buf = b.add(b.mul(state("momentum_buffer"), opt.momentum), g);
      next("momentum_buffer", buf);
      return b.sub(w, b.mul(lr, buf));
    }
    case OptimizerKind::kAdamW: {
      Tensor m = lerp(scalar(opt.beta1), state("exp_avg"), g);
      Tensor v = lerp(scalar(opt.beta2), state("exp_avg_sq"), b.mul(g, g));
      next("exp_avg", m);
      next("exp_avg_sq", v);
      Tensor bc1 = b.sub(scalar(1.0), b.pow(scalar(opt.beta1), t));
      Tensor bc2 = b.sub(scalar(1.0), b.pow(scalar(opt.beta2), t));
      Tensor decayed = b.mul(w, b.sub(scalar(1.0), b.mul(lr, opt.weightDecay)));
      Tensor denom = b.add(b.div(b.sqrt(v), b.sqrt(bc2)), opt.epsilon);
      return b.sub(decayed, b.mul(b.div(lr, bc1), b.div(m, denom)));
    }
    case OptimizerKind::kAdaFactor: {
      Tensor beta2t = b.sub(scalar(1.0), b.pow(t, scalar(opt.decayRate)));
      Tensor u = b.add(b.mul(g, g), opt.epsilon1);
      Tensor update;
      if (w.rank() >= 2) {
        Tensor row =
            lerp(beta2t, state("exp_avg_sq_row"), b.reduceMean(u, {-1}));
        Tensor col =
            lerp(beta2t, state("exp_avg_sq_col"), b.reduceMean(u, {-2}));
        next("exp_avg_sq_row", row);
        next("exp_avg_sq_col", col);
        // rsqrt(row / mean(row)) [..., n, 1] times rsqrt(col) [..., 1, m].
        Tensor r = b.rsqrt(b.div(row, b.reduceMean(row, {-1}, true)));
        std::vector<int64_t> rShape(r.shape().begin(), r.shape().end());
        rShape.push_back(1);
        std::vector<int64_t> cShape(col.shape().begin(), col.shape().end());
        cShape.insert(cShape.end() - 1, 1);
        update = b.mul(
            b.mul(b.reshape(r, rShape), b.rsqrt(b.reshape(col, cShape))), g);
      } else {
        Tensor v = lerp(beta2t, state("exp_avg_sq"), u);
        next("exp_avg_sq", v);
        update = b.mul(b.rsqrt(v), g);
      }
      update = b.div(update,
                     b.max(scalar(1.0), b.div(rms(update), opt.clipThreshold)));
      Tensor alpha = opt.scaleParameter
                         ? b.mul(lr, b.max(scalar(opt.epsilon2), rms(w)))
                         : lr;
      if (opt.weightDecay != 0) {
        w = b.sub(w, b.mul(b.mul(alpha, opt.weightDecay), w));
      }
      return b.sub(w, b.mul(alpha, update));
    }
    }
    return Tensor();
  }

  /// The loss to descend on: `loss`, plus with FGM the loss at the
  /// perturbed embeddings; `perturbation` is the r to hold constant.
  Tensor objective(Tensor loss, Tensor embedding, Tensor &perturbation) {
    if (config.fgmEpsilon <= 0) {
      return loss;
    }
    std::vector<Tensor> g = b.grad(loss, {embedding});
    if (g.empty()) {
      return Tensor();
    }
    Tensor g32 = f32(g[0]);
    Tensor norm = b.sqrt(sumOfSquares(g32));
    // A zero gradient gives no perturbation (not 0/0).
    Tensor scale = b.div(scalar(config.fgmEpsilon), b.max(norm, scalar(1e-30)));
    perturbation = b.mul(g32, scale);
    if (perturbation.dtype() != embedding.dtype()) {
      perturbation = b.convert(perturbation, *embedding.dtype());
    }
    Tensor adversarial =
        b.recompute(loss, embedding, b.add(embedding, perturbation));
    b.output("adversarial_loss", adversarial);
    return b.add(loss, adversarial);
  }

  void run(Tensor loss, Tensor embedding) {
    std::vector<GraphBuilder::NamedTensor> params = b.floatParameters();
    std::vector<Tensor> values;
    for (const auto &p : params) {
      values.push_back(p.tensor);
    }
    Tensor perturbation;
    Tensor total = objective(loss, embedding, perturbation);
    if (!b.ok()) {
      return;
    }
    std::vector<Tensor> stop;
    if (perturbation.valid()) {
      stop.push_back(perturbation);
    }
    std::vector<Tensor> grads = b.grad(total, values, stop);
    if (!b.ok()) {
      return;
    }
    b.output("loss", loss);
    std::vector<Param> ps;
    for (auto [p, g] : llvm::zip(params, grads)) {
      ps.push_back({p.name, p.tensor, f32(g)});
    }
    if (config.phase != AccumulationPhase::kNone) {
      for (Param &p : ps) {
        Tensor sum = b.add(
            b.input(p.name + ".grad_sum", DType::F32, p.value.shape()), p.grad);
        if (config.phase == AccumulationPhase::kAccumulate) {
          b.output("next." + p.name + ".grad_sum", sum, p.name + ".grad_sum");
        } else {
          p.grad = b.div(sum, double(config.accumulationSteps));
        }
      }
      if (config.phase == AccumulationPhase::kAccumulate) {
        return;
      }
    }
    Tensor lr = b.input("lr", DType::F32, {});
    Tensor step = b.input("step", DType::I32, {});
    Tensor nextStep = b.add(step, b.scalar(DType::I32, 1.0));
    Tensor t = b.convert(nextStep, DType::F32);
    if (config.maxGradNorm > 0 && !ps.empty()) {
      Tensor total = sumOfSquares(ps[0].grad);
      for (size_t i = 1; i < ps.size(); ++i) {
        total = b.add(total, sumOfSquares(ps[i].grad));
      }
      Tensor coef = b.min(scalar(1.0), b.div(scalar(config.maxGradNorm),
                                             b.add(b.sqrt(total), 1e-6)));
      for (Param &p : ps) {
        p.grad = b.mul(p.grad, coef);
      }
    }
    for (const Param &p : ps) {
      Tensor next = update(p, lr, t);
      if (next.valid() && next.dtype() != p.value.dtype()) {
        next = b.convert(next, *p.value.dtype());
      }
      b.output("next." + p.name, next, p.name);
    }
    b.output("next.step", nextStep, "step");
  }
};

} // namespace

absl::Status addTrainingStep(GraphBuilder &b, Tensor loss,
                             const TrainingStepConfig &config,
                             Tensor embedding) {
  if (!b.isTrainable()) {
    return absl::FailedPreconditionError(
        "addTrainingStep: the builder is not in trainable mode "
        "(setTrainable(true) before building the model)");
  }
  if (config.phase == AccumulationPhase::kApply &&
      config.accumulationSteps < 1) {
    return absl::InvalidArgumentError(
        "addTrainingStep: accumulationSteps must be at least 1");
  }
  if (!(config.maxGradNorm >= 0)) {
    return absl::InvalidArgumentError(
        "addTrainingStep: maxGradNorm must be >= 0 (0 turns clipping off)");
  }
  if (!(config.fgmEpsilon >= 0)) {
    return absl::InvalidArgumentError(
        "addTrainingStep: fgmEpsilon must be >= 0 (0 turns FGM off)");
  }
  if (config.fgmEpsilon > 0 && !embedding.valid()) {
    return absl::InvalidArgumentError(
        "addTrainingStep: FGM (fgmEpsilon > 0) needs the embedding tensor to "
        "perturb");
  }
  StepBuilder{b, config, config.optimizer}.run(loss, embedding);
  return b.status();
}

} // namespace sinter
