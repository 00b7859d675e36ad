//===- TrainingStepTest.cpp - Compiled training steps vs the interpreter --===//
//
// A whole training step (forward, backward, optimizer) of the MLP, built by
// models::buildMlpTrainingStep for each optimizer, with and without
// gradient clipping and accumulation, compiled like any model (fused and
// unfused; on the GPU emulator and CUDA in the `emugpu.` and `gpu.` builds)
// and checked output by output against the reference interpreter. The
// inputs are a state a real run reaches: second moments are positive, the
// learning rate is small and the step count is a few steps in.
// TrainingTest (unit) checks the optimizers' formulas themselves.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Reference/Interpreter.h"
#include "frontend/models/Models.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "gtest/gtest.h"

#include <cmath>

namespace sinter::e2e {
namespace {

using reference::HostTensor;

struct StepCase {
  std::string name;
  OptimizerKind optimizer;
  double maxGradNorm = 0;
  AccumulationPhase phase = AccumulationPhase::kNone;
};

/// Inputs a run reaches after a few steps: random parameters and data,
/// positive second moments, lr 1e-2, step 3.
std::vector<HostTensor> stepInputs(mlir::func::FuncOp fn) {
  std::vector<HostTensor> inputs = reference::randomArguments(fn, 5);
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    auto name = fn.getArgAttrOfType<mlir::StringAttr>(i, "sinter.name");
    llvm::StringRef n = name ? name.getValue() : "";
    HostTensor &t = inputs[i];
    if (n == "lr") {
      t.values = {0.01};
    } else if (n == "step") {
      t.values = {3};
    } else if (n.contains(".exp_avg_sq")) {
      for (double &v : t.values) {
        v = reference::roundToDType(t.dtype, 1e-3 * (1.5 + v));
      }
    }
  }
  return inputs;
}

class TrainingStepTest
    : public testing::TestWithParam<std::tuple<StepCase, std::string>> {};

TEST_P(TrainingStepTest, CompiledStepMatchesTheInterpreter) {
  auto [c, fusion] = GetParam();
  std::unique_ptr<mlir::MLIRContext> context = makeContext();
  models::MlpConfig mlp;
  mlp.batch = 8, mlp.inFeatures = 32, mlp.hidden = 64, mlp.outFeatures = 16;
  TrainingStepConfig step;
  step.optimizer = defaultOptimizerConfig(c.optimizer);
  step.maxGradNorm = c.maxGradNorm;
  step.phase = c.phase;
  step.accumulationSteps = 4;
  auto module = models::buildMlpTrainingStep(*context, mlp, step);
  ASSERT_TRUE(module.ok()) << module.status();
  mlir::ModuleOp m = *module->module;
  auto fn = m.lookupSymbol<mlir::func::FuncOp>("main");
  CheckOptions options;
  options.fusion = fusion;
  options.inputs = stepInputs(fn);
  EXPECT_EQ(compileRunAndCompare(m, options), "");
}

const StepCase kSteps[] = {
    {"sgd", OptimizerKind::kSgd},
    {"adamw", OptimizerKind::kAdamW},
    {"adafactor", OptimizerKind::kAdaFactor},
    {"adamw_clipped", OptimizerKind::kAdamW, 0.01},
    {"accumulate", OptimizerKind::kAdamW, 0, AccumulationPhase::kAccumulate},
    {"apply", OptimizerKind::kAdaFactor, 1.0, AccumulationPhase::kApply},
};

INSTANTIATE_TEST_SUITE_P(Mlp, TrainingStepTest,
                         testing::Combine(testing::ValuesIn(kSteps),
                                          testing::Values("all", "none")),
                         [](const auto &info) {
                           return std::get<0>(info.param).name + "_" +
                                  std::get<1>(info.param);
                         });

} // namespace
} // namespace sinter::e2e
