//===- InPlaceStepTest.cpp - Training steps updating their state in place -===//
//
// A compiled training step's `next.<name>` outputs overwrite its `<name>`
// inputs (sinter.aliases_input, the descriptor's in_place_of). Run through
// the runtime for several steps two ways: each in-place output given its
// input's buffer (the state is updated where it lies), and each given a
// buffer of its own (the runtime copies the input there first) with the
// state copied back by the caller. Both must agree bit for bit, and the
// second must leave its inputs untouched. CompileAndCheck's comparison with
// the interpreter runs the second way; this adds the first.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Target/Compiler.h"
#include "frontend/models/Models.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "sinter/runtime.hpp"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <cstring>
#include <map>

namespace sinter::e2e {
namespace {

using Bytes = std::vector<uint8_t>;

/// One training step as an artifact, loaded with its info.
struct LoadedStep {
  rt::Runtime runtime;
  rt::Model model;
  rt::Context context;
  std::vector<sinter_tensor_info_t> inputs, outputs;
};

/// Runs `steps` steps from `state` (every input, in order), in place or
/// through outputs of their own; returns the final state and the losses.
std::string runSteps(LoadedStep &s, std::vector<Bytes> &state, int steps,
                     bool inPlace, std::vector<float> &losses) {
  for (int t = 0; t < steps; ++t) {
    std::vector<Bytes> results(s.outputs.size());
    std::vector<Bytes> before = state;
    std::vector<sinter_tensor_view_t> in, out;
    for (size_t i = 0; i < s.inputs.size(); ++i) {
      in.push_back(rt::makeView(state[i].data(), s.inputs[i]));
    }
    for (size_t i = 0; i < s.outputs.size(); ++i) {
      const sinter_tensor_info_t &info = s.outputs[i];
      results[i].assign(info.byte_size, 0xA5);
      out.push_back(inPlace && info.in_place_of
                        ? in[info.in_place_of - 1]
                        : rt::makeView(results[i].data(), info));
    }
    if (rt::Status st = s.context.run(in, out); !st.ok()) {
      return st.message();
    }
    if (!inPlace && state != before) {
      return "a run given outputs of their own modified its inputs";
    }
    for (size_t i = 0; i < s.outputs.size(); ++i) {
      const sinter_tensor_info_t &info = s.outputs[i];
      if (std::string(info.name) == "loss") {
        float loss;
        std::memcpy(&loss, results[i].data(), sizeof loss);
        losses.push_back(loss);
      } else if (!inPlace && info.in_place_of) {
        state[info.in_place_of - 1] = results[i];
      }
    }
  }
  return "";
}

TEST(InPlaceStepTest, InPlaceAndSeparateBuffersAgreeBitwise) {
  std::unique_ptr<mlir::MLIRContext> context = makeContext();
  models::MlpConfig mlp;
  mlp.batch = 8, mlp.inFeatures = 32, mlp.hidden = 64, mlp.outFeatures = 16;
  TrainingStepConfig step;
  step.optimizer = defaultOptimizerConfig(OptimizerKind::kAdamW);
  step.maxGradNorm = 1.0;
  auto built = models::buildMlpTrainingStep(*context, mlp, step);
  ASSERT_TRUE(built.ok()) << built.status();
  mlir::ModuleOp m = *built->module;
  auto fn = m.lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<reference::HostTensor> initial =
      reference::randomArguments(fn, 7);

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("in-place-step", "so", path));
  target::CompileOptions options;
  auto compiled =
      compileModule(m, options, target::EmitKind::SharedObject, path);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  LoadedStep s;
  ASSERT_TRUE(rt::Runtime::create(2, &s.runtime).ok());
  rt::Status st = rt::Model::loadFile(s.runtime, path.str().str(), &s.model);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(rt::Context::create(s.model, &s.context).ok());
  s.inputs.resize(s.model.numInputs());
  s.outputs.resize(s.model.numOutputs());
  std::map<std::string, unsigned> inputIndex;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    ASSERT_TRUE(s.model.inputInfo(i, &s.inputs[i]).ok());
    inputIndex[s.inputs[i].name] = i;
  }
  // Every next.<name> overwrites <name>: parameters, moments, the step.
  int inPlaceOutputs = 0;
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    ASSERT_TRUE(s.model.outputInfo(i, &s.outputs[i]).ok());
    llvm::StringRef name = s.outputs[i].name;
    if (name.consume_front("next.")) {
      ASSERT_EQ(s.outputs[i].in_place_of, inputIndex.at(name.str()) + 1)
          << s.outputs[i].name;
      ++inPlaceOutputs;
    } else {
      EXPECT_EQ(s.outputs[i].in_place_of, 0u) << s.outputs[i].name;
    }
  }
  EXPECT_EQ(inPlaceOutputs, 4 * 3 + 1); // 4 tensors x (p, m, v), and step

  std::vector<Bytes> start;
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    reference::HostTensor t = initial[i];
    std::string name = s.inputs[i].name;
    if (name == "lr") {
      t.values = {0.01};
    } else if (name == "step") {
      t.values = {0};
    } else if (llvm::StringRef(name).contains(".exp_avg")) {
      std::fill(t.values.begin(), t.values.end(), 0.0);
    }
    start.push_back(reference::encodeTensor(t));
  }
  std::vector<Bytes> inPlace = start, separate = start;
  std::vector<float> inPlaceLosses, separateLosses;
  ASSERT_EQ(runSteps(s, inPlace, 4, true, inPlaceLosses), "");
  ASSERT_EQ(runSteps(s, separate, 4, false, separateLosses), "");
  EXPECT_EQ(inPlaceLosses, separateLosses);
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    EXPECT_TRUE(inPlace[i] == separate[i]) << s.inputs[i].name;
  }
  // Four steps moved the parameters and counted to 4.
  size_t stepIndex = inputIndex.at("step");
  int32_t steps;
  std::memcpy(&steps, inPlace[stepIndex].data(), sizeof steps);
  EXPECT_EQ(steps, 4);
  EXPECT_FALSE(inPlace[inputIndex.at("fc1.weight")] ==
               start[inputIndex.at("fc1.weight")]);
}

/// Outputs written in place in the corners bufferization must get right,
/// compiled and run (separate buffers: the runtime copies the inputs in)
/// against the interpreter: one value returned in place over two inputs
/// and as two ordinary outputs (one a reshape of it); an input read after
/// its new value is computed; an in-place output that is another input.
TEST(InPlaceOutputsTest, CornerCasesMatchTheInterpreter) {
  const char *text = R"(
func.func @main(%w: tensor<4x8xf32> {sinter.name = "w"}, %g: tensor<4x8xf32> {sinter.name = "g"},
                %x: tensor<8x4xf32> {sinter.name = "x"}, %m: tensor<4x8xf32> {sinter.name = "m"})
    -> (tensor<4x8xf32> {sinter.name = "next.w", sinter.aliases_input = "w"},
        tensor<4x8xf32> {sinter.name = "copy"},
        tensor<4x8xf32> {sinter.name = "next.g", sinter.aliases_input = "g"},
        tensor<8x4xf32> {sinter.name = "flat"},
        tensor<4x4xf32> {sinter.name = "y"},
        tensor<4x8xf32> {sinter.name = "next.m", sinter.aliases_input = "m"}) {
  %n = sinter.sub %w, %g : tensor<4x8xf32>
  %f = sinter.reshape %n : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %y = sinter.matmul %w, %x : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %n, %n, %n, %f, %y, %w : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8x4xf32>, tensor<4x4xf32>, tensor<4x8xf32>
})";
  for (std::string fusion : {"all", "none"}) {
    CheckOptions options;
    options.device = CheckOptions::Device::Cpu;
    options.fusion = fusion;
    EXPECT_EQ(compileRunAndCompare(text, options), "") << "fusion=" << fusion;
  }
}

} // namespace
} // namespace sinter::e2e
