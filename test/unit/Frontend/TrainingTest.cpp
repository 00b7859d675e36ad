//===- TrainingTest.cpp - Gradients in the builder, trainable state, steps ===//
//
// The training step's pieces, evaluated by the reference interpreter in
// exact f64 and compared with the same formulas computed here in double,
// written from PyTorch's documentation (SGD, AdamW) and the AdaFactor paper
// (Algorithm 4, with fairseq's row/column means): three steps, the state
// and parameters fed back and the learning rate changing each step.
// Tolerance 1e-12 relative (both sides compute in double; the reference
// rounds the hyperparameters to f32, as the graph's constants are).
//
//===----------------------------------------------------------------------===//

#include "frontend/Training.h"
#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/LiftParameters.h"
#include "frontend/GraphBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "gtest/gtest.h"

#include <cmath>
#include <map>

namespace sinter {
namespace {

using reference::HostTensor;
using Named = std::map<std::string, HostTensor>;

HostTensor tensor(DType dtype, std::vector<int64_t> shape,
                  std::vector<double> values) {
  auto t = HostTensor::create(dtype, std::move(shape), std::move(values));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : HostTensor{};
}

HostTensor zeros(std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  return tensor(DType::F32, shape, std::vector<double>(n, 0.0));
}

std::string argName(mlir::func::FuncOp fn, unsigned i) {
  auto name = fn.getArgAttrOfType<mlir::StringAttr>(i, "sinter.name");
  return name ? name.str() : "";
}

/// Runs `fn` on arguments given by name, in exact f64; results by name.
Named run(mlir::func::FuncOp fn, const Named &in) {
  std::vector<HostTensor> args;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto it = in.find(argName(fn, i));
    EXPECT_TRUE(it != in.end()) << "no value for input " << argName(fn, i);
    args.push_back(it != in.end() ? it->second : HostTensor{});
  }
  auto got = reference::evaluate(fn, args, reference::EvaluateOptions{true});
  EXPECT_TRUE(got.ok()) << got.status();
  Named out;
  if (!got.ok()) {
    return out;
  }
  for (unsigned i = 0; i < fn.getNumResults(); ++i) {
    auto name = fn.getResultAttrOfType<mlir::StringAttr>(i, "sinter.name");
    out[name.str()] = (*got)[i];
  }
  return out;
}

void expectNear(const std::vector<double> &got, const std::vector<double> &want,
                const std::string &what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], 1e-12 * (1 + std::abs(want[i])))
        << what << "[" << i << "]";
  }
}

mlir::func::FuncOp mainOf(mlir::ModuleOp m) {
  return m.lookupSymbol<mlir::func::FuncOp>("main");
}

//===----------------------------------------------------------------------===//
// GraphBuilder::grad
//===----------------------------------------------------------------------===//

TEST(BuilderGradTest, GradientsOfInputsAndIntermediatesAreGraphValues) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor h = b.tanh(x);                           // intermediate
  Tensor loss = b.reduceSum(b.mul(h, h), {0, 1}); // sum tanh(x)^2
  std::vector<Tensor> g = b.grad(loss, {x, h});
  ASSERT_EQ(g.size(), 2u) << b.status();
  b.output("loss", loss);
  b.output("dx", g[0]);
  b.output("dh", g[1]);
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();

  std::vector<double> xs = {-1.5, -0.3, 0, 0.2, 0.9, 2.0};
  Named out = run(mainOf(**module), {{"x", tensor(DType::F32, {2, 3}, xs)}});
  std::vector<double> dx, dh;
  for (double v : tensor(DType::F32, {2, 3}, xs).values) {
    double t = std::tanh(v);
    dh.push_back(2 * t);
    dx.push_back(2 * t * (1 - t * t));
  }
  expectNear(out["dx"].values, dx, "dx");
  expectNear(out["dh"].values, dh, "dh");
}

TEST(BuilderGradTest, ErrorsNameTheProblem) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor x = b.input("x", DType::F32, {2, 3});
  std::vector<Tensor> g = b.grad(b.tanh(x), {x}); // not a scalar
  EXPECT_TRUE(g.empty());
  EXPECT_NE(b.status().message().find("the loss must be a scalar"),
            std::string::npos)
      << b.status();

  GraphBuilder c(ctx);
  Tensor ids = c.input("ids", DType::I32, {4});
  Tensor y = c.input("y", DType::F32, {4});
  Tensor l = c.reduceSum(y, {0});
  EXPECT_TRUE(c.grad(l, {ids}).empty());
  EXPECT_NE(c.status().message().find("only float tensors"), std::string::npos)
      << c.status();
}

//===----------------------------------------------------------------------===//
// Trainable mode
//===----------------------------------------------------------------------===//

TEST(TrainableTest, ParametersBecomeNamedArgumentsWithTheirInitialValues) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx, "main", /*seed=*/7);
  b.setTrainable(true);
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor w = b.parameter("w", DType::F32, {3, 4}, ParamInit::normal(0.5));
  Tensor bias = b.parameter("b", DType::F32, {4}, ParamInit::zeros());
  Tensor table = b.parameter("table", DType::I32, {4}, {1, 2, 3, 4});
  b.output("y",
           b.add(b.add(b.matmul(x, w), bias), b.convert(table, DType::F32)));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  mlir::func::FuncOp fn = mainOf(**module);
  ASSERT_EQ(fn.getNumArguments(), 3u);
  EXPECT_EQ(argName(fn, 0), "x");
  EXPECT_EQ(argName(fn, 1), "w");
  EXPECT_EQ(argName(fn, 2), "b");
  EXPECT_FALSE(fn.getArgAttr(0, kParameterAttr));
  EXPECT_TRUE(fn.getArgAttr(1, kParameterAttr));
  EXPECT_TRUE(fn.getArgAttr(2, kParameterAttr));

  const auto &init = b.initialValues();
  ASSERT_EQ(init.size(), 2u); // the integer table stays a constant
  EXPECT_EQ(init[0].name, "w");
  EXPECT_EQ(init[0].argNumber, 1u);
  auto w0 = reference::hostTensorOf(init[0].value);
  ASSERT_TRUE(w0.ok()) << w0.status();
  std::vector<double> want =
      initialParameterValues(ParamInit::normal(0.5), "w", 7, 12);
  for (double &v : want) {
    v = reference::roundToDType(DType::F32, v);
  }
  EXPECT_EQ(w0->values, want);
}

TEST(TrainableTest, GivenValuesReplaceTheInitializers) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  b.setTrainable(true);
  b.setParameterValues({{"w", {{2, 2}, {1, 2, 3, 4}}}});
  Tensor x = b.input("x", DType::F32, {2});
  b.output("y", b.mul(x, b.reduceSum(b.parameter("w", DType::F32, {2, 2},
                                                 ParamInit::normal(1.0)),
                                     {0})));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  auto w = reference::hostTensorOf(b.initialValues().at(0).value);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->values, (std::vector<double>{1, 2, 3, 4}));

  GraphBuilder wrong(ctx);
  wrong.setParameterValues({{"w", {{4}, {1, 2, 3, 4}}}, {"extra", {{1}, {0}}}});
  wrong.parameter("w", DType::F32, {2, 2}, ParamInit::zeros());
  EXPECT_NE(wrong.status().message().find(
                "the given values have shape [4] but the model needs [2, 2]"),
            std::string::npos)
      << wrong.status();

  GraphBuilder unused(ctx);
  unused.setParameterValues({{"extra", {{1}, {0}}}});
  unused.output("y", unused.input("x", DType::F32, {1}));
  auto m = unused.build();
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("parameters the model does not have: "
                                      "extra"),
            std::string::npos)
      << m.status();
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

/// loss = mse(W, t1) + mse(v, t2): d/dW = 2 (W - t1) / 15, d/dv = 2 (v -
/// t2) / 4, so the reference needs no autodiff of its own.
struct QuadraticStep {
  mlir::MLIRContext ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;

  explicit QuadraticStep(const TrainingStepConfig &config) {
    GraphBuilder b(ctx);
    b.setTrainable(true);
    Tensor t1 = b.input("t1", DType::F32, {3, 5});
    Tensor t2 = b.input("t2", DType::F32, {4});
    Tensor w = b.parameter("W", DType::F32, {3, 5}, ParamInit::normal(1.0));
    Tensor v = b.parameter("v", DType::F32, {4}, ParamInit::normal(1.0));
    Tensor loss = b.add(b.meanSquaredError(w, t1), b.meanSquaredError(v, t2));
    absl::Status s = addTrainingStep(b, loss, config);
    EXPECT_TRUE(s.ok()) << s;
    auto m = b.build();
    EXPECT_TRUE(m.ok()) << m.status();
    if (m.ok()) {
      module = std::move(*m);
    }
  }
};

/// One parameter's reference state.
struct RefParam {
  std::vector<double> p, target;
  std::vector<std::vector<double>> state; // per suffix
  int64_t rows, cols;                     // cols = 1 for a vector
  std::vector<double> grad() const {
    std::vector<double> g(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      g[i] = 2 * (p[i] - target[i]) / double(p.size());
    }
    return g;
  }
};

double rmsOf(const std::vector<double> &x) {
  double s = 0;
  for (double v : x) {
    s += v * v;
  }
  return std::sqrt(s / x.size());
}

/// The graph holds its hyperparameters as f32 constants.
double f32(double x) { return static_cast<float>(x); }

OptimizerConfig roundedToF32(OptimizerConfig o) {
  for (double *x : {&o.momentum, &o.beta1, &o.beta2, &o.epsilon, &o.weightDecay,
                    &o.decayRate, &o.epsilon1, &o.epsilon2, &o.clipThreshold}) {
    *x = f32(*x);
  }
  return o;
}

void referenceUpdate(const OptimizerConfig &o, RefParam &r,
                     std::vector<double> g, double lr, int t, bool matrix) {
  std::vector<double> &p = r.p;
  size_t n = p.size();
  switch (o.kind) {
  case OptimizerKind::kSgd:
    for (size_t i = 0; i < n; ++i) {
      double gi = g[i] + o.weightDecay * p[i];
      r.state[0][i] = o.momentum * r.state[0][i] + gi;
      p[i] -= lr * r.state[0][i];
    }
    return;
  case OptimizerKind::kAdamW: {
    double bc1 = 1 - std::pow(o.beta1, t), bc2 = 1 - std::pow(o.beta2, t);
    for (size_t i = 0; i < n; ++i) {
      p[i] *= 1 - lr * o.weightDecay;
      double &m = r.state[0][i], &v = r.state[1][i];
      m = o.beta1 * m + (1 - o.beta1) * g[i];
      v = o.beta2 * v + (1 - o.beta2) * g[i] * g[i];
      p[i] -= lr / bc1 * m / (std::sqrt(v) / std::sqrt(bc2) + o.epsilon);
    }
    return;
  }
  case OptimizerKind::kAdaFactor: {
    double beta2t = 1 - std::pow(double(t), o.decayRate);
    std::vector<double> u(n);
    if (matrix) {
      std::vector<double> &row = r.state[0], &col = r.state[1];
      for (int64_t i = 0; i < r.rows; ++i) {
        double mean = 0;
        for (int64_t j = 0; j < r.cols; ++j) {
          mean += g[i * r.cols + j] * g[i * r.cols + j] + o.epsilon1;
        }
        row[i] = beta2t * row[i] + (1 - beta2t) * mean / r.cols;
      }
      for (int64_t j = 0; j < r.cols; ++j) {
        double mean = 0;
        for (int64_t i = 0; i < r.rows; ++i) {
          mean += g[i * r.cols + j] * g[i * r.cols + j] + o.epsilon1;
        }
        col[j] = beta2t * col[j] + (1 - beta2t) * mean / r.rows;
      }
      double rowMean = 0;
      for (double v : row) {
        rowMean += v / r.rows;
      }
      for (int64_t i = 0; i < r.rows; ++i) {
        for (int64_t j = 0; j < r.cols; ++j) {
          u[i * r.cols + j] = g[i * r.cols + j] / std::sqrt(row[i] / rowMean) /
                              std::sqrt(col[j]);
        }
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        double &v = r.state[0][i];
        v = beta2t * v + (1 - beta2t) * (g[i] * g[i] + o.epsilon1);
        u[i] = g[i] / std::sqrt(v);
      }
    }
    double clip = std::max(1.0, rmsOf(u) / o.clipThreshold);
    double alpha = lr * std::max(o.epsilon2, rmsOf(p));
    for (size_t i = 0; i < n; ++i) {
      p[i] -= o.weightDecay * alpha * p[i];
      p[i] -= alpha * u[i] / clip;
    }
    return;
  }
  }
}

void checkOptimizer(TrainingStepConfig config) {
  QuadraticStep step(config);
  ASSERT_TRUE(step.module);
  mlir::func::FuncOp fn = mainOf(*step.module);
  const OptimizerConfig o = roundedToF32(config.optimizer);

  RefParam w{{}, {}, {}, 3, 5}, v{{}, {}, {}, 4, 1};
  Named in;
  in["W"] = HostTensor::random(DType::F32, {3, 5}, 1);
  in["v"] = HostTensor::random(DType::F32, {4}, 2);
  in["t1"] = HostTensor::random(DType::F32, {3, 5}, 3);
  in["t2"] = HostTensor::random(DType::F32, {4}, 4);
  in["step"] = tensor(DType::I32, {}, {0});
  w.p = in["W"].values, w.target = in["t1"].values;
  v.p = in["v"].values, v.target = in["t2"].values;
  for (auto [name, ref, shape, matrix] :
       {std::make_tuple("W", &w, std::vector<int64_t>{3, 5}, true),
        std::make_tuple("v", &v, std::vector<int64_t>{4}, false)}) {
    for (const std::string &suffix :
         optimizerStateSuffixes(o.kind, shape.size())) {
      std::vector<int64_t> s = shape;
      if (suffix == "exp_avg_sq_row") {
        s = {3};
      } else if (suffix == "exp_avg_sq_col") {
        s = {5};
      }
      in[std::string(name) + "." + suffix] = zeros(s);
      ref->state.push_back(zeros(s).values);
    }
  }

  const double lrs[] = {0.1, 0.05, 0.02};
  for (int t = 1; t <= 3; ++t) {
    in["lr"] = tensor(DType::F32, {}, {lrs[t - 1]});
    Named out = run(fn, in);
    ASSERT_FALSE(out.empty());
    // The reference: clip, then update.
    std::vector<double> gw = w.grad(), gv = v.grad();
    if (config.maxGradNorm > 0) {
      double total = 0;
      for (double x : gw) {
        total += x * x;
      }
      for (double x : gv) {
        total += x * x;
      }
      double coef = std::min(1.0, f32(config.maxGradNorm) /
                                      (std::sqrt(total) + f32(1e-6)));
      EXPECT_LT(coef, 1.0) << "the test's clip norm should clip";
      for (double &x : gw) {
        x *= coef;
      }
      for (double &x : gv) {
        x *= coef;
      }
    }
    referenceUpdate(o, w, gw, in["lr"].values[0], t, true);
    referenceUpdate(o, v, gv, in["lr"].values[0], t, false);
    std::string step = "step " + std::to_string(t) + ": ";
    expectNear(out["next.W"].values, w.p, step + "W");
    expectNear(out["next.v"].values, v.p, step + "v");
    EXPECT_EQ(out["next.step"].values, std::vector<double>{double(t)});
    for (auto [name, ref, rank] :
         {std::make_tuple("W", &w, 2), std::make_tuple("v", &v, 1)}) {
      auto suffixes = optimizerStateSuffixes(o.kind, rank);
      for (size_t k = 0; k < suffixes.size(); ++k) {
        std::string key = std::string(name) + "." + suffixes[k];
        expectNear(out["next." + key].values, ref->state[k], step + key);
        in[key] = out["next." + key];
      }
    }
    in["W"] = out["next.W"];
    in["v"] = out["next.v"];
    in["step"] = out["next.step"];
  }
}

TEST(OptimizerTest, SgdWithMomentumAndWeightDecayMatchesPyTorch) {
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kSgd);
  c.optimizer.weightDecay = 0.1;
  checkOptimizer(c);
}

TEST(OptimizerTest, AdamWMatchesPyTorch) {
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kAdamW);
  checkOptimizer(c);
}

TEST(OptimizerTest, AdaFactorMatchesThePaper) {
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kAdaFactor);
  c.optimizer.weightDecay = 0.05;
  checkOptimizer(c);
}

TEST(OptimizerTest, GlobalNormClippingScalesEveryGradient) {
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kSgd);
  c.maxGradNorm = 0.05;
  checkOptimizer(c);
}

TEST(OptimizerTest, AdaFactorStateOfAMatrixIsItsRowsPlusColumns) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  b.setTrainable(true);
  Tensor x = b.input("x", DType::F32, {2, 768});
  Tensor w = b.parameter("w", DType::F32, {768, 3072}, ParamInit::zeros());
  Tensor loss = b.reduceSum(b.matmul(x, w), {0, 1});
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kAdaFactor);
  ASSERT_TRUE(addTrainingStep(b, loss, c).ok()) << b.status();
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  mlir::func::FuncOp fn = mainOf(**module);
  int64_t stateFloats = 0;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    if (llvm::StringRef(argName(fn, i)).starts_with("w.")) {
      stateFloats +=
          mlir::cast<mlir::RankedTensorType>(fn.getArgument(i).getType())
              .getNumElements();
    }
  }
  EXPECT_EQ(stateFloats, 768 + 3072);
}

//===----------------------------------------------------------------------===//
// Gradient accumulation
//===----------------------------------------------------------------------===//

/// loss = mse(x W, y) over a batch of `batch` rows.
mlir::OwningOpRef<mlir::ModuleOp> regressionStep(mlir::MLIRContext &ctx,
                                                 int64_t batch,
                                                 AccumulationPhase phase,
                                                 int64_t k) {
  GraphBuilder b(ctx);
  b.setTrainable(true);
  Tensor x = b.input("x", DType::F32, {batch, 3});
  Tensor y = b.input("y", DType::F32, {batch, 2});
  Tensor w = b.parameter("w", DType::F32, {3, 2}, ParamInit::normal(1.0));
  Tensor loss = b.meanSquaredError(b.matmul(x, w), y);
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kAdamW);
  c.phase = phase;
  c.accumulationSteps = k;
  EXPECT_TRUE(addTrainingStep(b, loss, c).ok()) << b.status();
  auto m = b.build();
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(*m) : nullptr;
}

TEST(AccumulationTest, TwoMicroBatchesEqualOneStepOnTheirUnion) {
  mlir::MLIRContext ctx;
  auto whole = regressionStep(ctx, 8, AccumulationPhase::kNone, 1);
  auto acc = regressionStep(ctx, 4, AccumulationPhase::kAccumulate, 2);
  auto apply = regressionStep(ctx, 4, AccumulationPhase::kApply, 2);
  ASSERT_TRUE(whole && acc && apply);

  HostTensor x = HostTensor::random(DType::F32, {8, 3}, 11);
  HostTensor y = HostTensor::random(DType::F32, {8, 2}, 12);
  auto half = [](const HostTensor &t, int part) {
    int64_t cols = t.shape[1];
    std::vector<double> v(t.values.begin() + part * 4 * cols,
                          t.values.begin() + (part + 1) * 4 * cols);
    return tensor(DType::F32, {4, cols}, v);
  };
  Named common = {{"w", HostTensor::random(DType::F32, {3, 2}, 13)},
                  {"lr", tensor(DType::F32, {}, {0.01})},
                  {"step", tensor(DType::I32, {}, {0})},
                  {"w.exp_avg", zeros({3, 2})},
                  {"w.exp_avg_sq", zeros({3, 2})}};

  Named in = common;
  in["x"] = x, in["y"] = y;
  Named want = run(mainOf(*whole), in);

  in = common;
  in["x"] = half(x, 0), in["y"] = half(y, 0), in["w.grad_sum"] = zeros({3, 2});
  Named first = run(mainOf(*acc), in);
  EXPECT_EQ(first.count("next.w"), 0u) << "accumulating must not update";
  in["x"] = half(x, 1), in["y"] = half(y, 1);
  in["w.grad_sum"] = first["next.w.grad_sum"];
  Named got = run(mainOf(*apply), in);
  for (const char *key : {"next.w", "next.w.exp_avg", "next.w.exp_avg_sq"}) {
    expectNear(got[key].values, want[key].values, key);
  }
}

//===----------------------------------------------------------------------===//
// Adversarial training (FGM)
//===----------------------------------------------------------------------===//

/// e = x W1 (the "embedding"), loss = mean((e W2 - y)^2). With FGM the
/// gradient is that of loss(e) + loss(e + r), r = eps g / ||g||, g = d
/// loss / d e, r held constant. SGD with lr 1 and no momentum makes the
/// update the gradient itself: g = p - next.p.
TEST(FgmTest, TheGradientIsTheCleanPlusThePerturbedLosses) {
  const double eps = 0.25;
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  b.setTrainable(true);
  Tensor x = b.input("x", DType::F32, {4, 3});
  Tensor y = b.input("y", DType::F32, {4, 2});
  Tensor w1 = b.parameter("W1", DType::F32, {3, 2}, ParamInit::normal(1.0));
  Tensor w2 = b.parameter("W2", DType::F32, {2, 2}, ParamInit::normal(1.0));
  Tensor e = b.matmul(x, w1);
  Tensor loss = b.meanSquaredError(b.matmul(e, w2), y);
  TrainingStepConfig c;
  c.optimizer = defaultOptimizerConfig(OptimizerKind::kSgd);
  c.optimizer.momentum = 0;
  c.fgmEpsilon = eps;
  ASSERT_TRUE(addTrainingStep(b, loss, c, e).ok()) << b.status();
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();

  Named in = {{"x", HostTensor::random(DType::F32, {4, 3}, 21)},
              {"y", HostTensor::random(DType::F32, {4, 2}, 22)},
              {"W1", HostTensor::random(DType::F32, {3, 2}, 23)},
              {"W2", HostTensor::random(DType::F32, {2, 2}, 24)},
              {"W1.momentum_buffer", zeros({3, 2})},
              {"W2.momentum_buffer", zeros({2, 2})},
              {"lr", tensor(DType::F32, {}, {1.0})},
              {"step", tensor(DType::I32, {}, {0})}};
  Named out = run(mainOf(**module), in);
  ASSERT_FALSE(out.empty());

  // The same in double.
  const auto &X = in["x"].values, &Y = in["y"].values, &A = in["W1"].values,
             &B = in["W2"].values;
  auto matmul = [](const std::vector<double> &p, const std::vector<double> &q,
                   int n, int k, int m, bool tp, bool tq) {
    std::vector<double> r(n * m, 0.0);
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < m; ++j) {
        for (int l = 0; l < k; ++l) {
          r[i * m + j] += (tp ? p[l * n + i] : p[i * k + l]) *
                          (tq ? q[j * k + l] : q[l * m + j]);
        }
      }
    }
    return r;
  };
  std::vector<double> E = matmul(X, A, 4, 3, 2, false, false);
  // Gradients of mean((e W2 - y)^2) at embeddings `emb`: dz, de.
  auto backward = [&](const std::vector<double> &emb, double &value) {
    std::vector<double> z = matmul(emb, B, 4, 2, 2, false, false);
    value = 0;
    for (int i = 0; i < 8; ++i) {
      z[i] -= Y[i];
      value += z[i] * z[i] / 8;
      z[i] *= 2.0 / 8;
    }
    return z; // dL/dz
  };
  double clean, adversarial;
  std::vector<double> dz = backward(E, clean);
  std::vector<double> de = matmul(dz, B, 4, 2, 2, false, true);
  double norm = 0;
  for (double v : de) {
    norm += v * v;
  }
  norm = std::sqrt(norm);
  std::vector<double> E2 = E;
  for (int i = 0; i < 8; ++i) {
    E2[i] += f32(eps) * de[i] / norm;
  }
  std::vector<double> dz2 = backward(E2, adversarial);
  std::vector<double> de2 = matmul(dz2, B, 4, 2, 2, false, true);
  std::vector<double> gB = matmul(E, dz, 2, 4, 2, true, false);
  std::vector<double> gB2 = matmul(E2, dz2, 2, 4, 2, true, false);
  std::vector<double> gA = matmul(X, de, 3, 4, 2, true, false);
  std::vector<double> gA2 = matmul(X, de2, 3, 4, 2, true, false);
  std::vector<double> wantA(6), wantB(4);
  for (int i = 0; i < 6; ++i) {
    wantA[i] = A[i] - (gA[i] + gA2[i]);
  }
  for (int i = 0; i < 4; ++i) {
    wantB[i] = B[i] - (gB[i] + gB2[i]);
  }
  expectNear(out["loss"].values, {clean}, "loss");
  expectNear(out["adversarial_loss"].values, {adversarial}, "adversarial");
  EXPECT_GT(adversarial, clean) << "the perturbation ascends the loss";
  expectNear(out["next.W1"].values, wantA, "W1");
  expectNear(out["next.W2"].values, wantB, "W2");
}

TEST(FgmTest, NeedsTheEmbedding) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  b.setTrainable(true);
  Tensor x = b.input("x", DType::F32, {2});
  Tensor w = b.parameter("w", DType::F32, {2}, ParamInit::ones());
  TrainingStepConfig c;
  c.fgmEpsilon = 0.1;
  absl::Status s = addTrainingStep(b, b.reduceSum(b.mul(x, w), {0}), c);
  EXPECT_NE(s.message().find("FGM (fgmEpsilon > 0) needs the embedding"),
            std::string::npos)
      << s;
}

TEST(TrainingStepTest, RefusesABuilderNotInTrainableMode) {
  mlir::MLIRContext ctx;
  GraphBuilder b(ctx);
  Tensor x = b.input("x", DType::F32, {2});
  absl::Status s = addTrainingStep(b, b.reduceSum(x, {0}), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("trainable"), std::string::npos) << s;
}

} // namespace
} // namespace sinter
