//===- sinter-train.cpp - Train a model with a compiled training step -----===//
//
// Builds a model's training step (forward, backward, optimizer:
// frontend/Training.h), compiles it ahead of time in process, and runs it
// with the runtime on a built-in synthetic task; each step updates the
// parameters and optimizer state in place (the `next.<name>` outputs are
// written over the `<name>` inputs: runtime/include/sinter/abi.h's
// in_place_of). Prints a progress line every few steps and a
// summary; --save writes the trained parameters as .npy files named after
// them.
//
// Tasks: `regress` (the MLP): fit y = tanh(x T) for a fixed random teacher
// T [in, out] / sqrt(in), x ~ N(0, 1) drawn fresh each step. Data and
// initial weights come from the seed, so a rerun at the same thread count
// prints the same losses and saves the same bytes.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Target/Compiler.h"
#include "frontend/models/Models.h"
#include "tools/common/Npy.h"
#include "tools/common/ThreadsOption.h"

#include "sinter/runtime.hpp"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = sinter::rt;

static cl::OptionCategory category("sinter-train options");
static cl::opt<std::string> modelName("model", cl::desc("mlp | gpt"),
                                      cl::init("mlp"), cl::cat(category));
static cl::opt<std::string> taskName(
    "task",
    cl::desc("regress (the MLP's; its default) | copy | reverse (the GPT's; "
             "copy is its default)"),
    cl::init(""), cl::cat(category));
static cl::opt<std::string> optimizerName("optimizer",
                                          cl::desc("sgd | adamw | adafactor"),
                                          cl::init("adamw"), cl::cat(category));
static cl::opt<int64_t> numSteps("steps", cl::desc("optimizer steps"),
                                 cl::init(300), cl::cat(category));
static cl::opt<int64_t> batch("batch", cl::desc("examples per micro-batch"),
                              cl::init(32), cl::cat(category));
static cl::opt<double>
    learningRate("lr",
                 cl::desc("learning rate (default: sgd 0.2, adamw 3e-3; "
                          "adafactor: the paper's relative step "
                          "min(1e-2, 1/sqrt(t)))"),
                 cl::init(0.0), cl::cat(category));
static cl::opt<int64_t>
    accumulate("accumulate",
               cl::desc("micro-batches per step (gradient accumulation)"),
               cl::init(1), cl::cat(category));
static cl::opt<double>
    maxGradNorm("max-grad-norm",
                cl::desc("clip the gradients to this global norm (0: off)"),
                cl::init(0.0), cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("weights and data"), cl::init(0),
                              cl::cat(category));
static cl::opt<int64_t> logEvery("log-every",
                                 cl::desc("steps between progress lines "
                                          "(0: a tenth of --steps)"),
                                 cl::init(0), cl::cat(category));
static cl::opt<std::string> adversarial(
    "adversarial",
    cl::desc("fgm:EPS: adversarial training, the embeddings perturbed by "
             "EPS g / ||g|| (the GPT's)"),
    cl::init(""), cl::cat(category));
static cl::opt<double> requireLoss(
    "require-loss",
    cl::desc("fail (exit 1) unless the mean loss of the last ten steps is "
             "below this (0: no requirement)"),
    cl::init(0.0), cl::cat(category));
static cl::opt<std::string>
    saveDir("save", cl::desc("write the trained parameters here as .npy"),
            cl::init(""), cl::cat(category));

/// The GPT tasks draw their symbols from token ids 1 to kSymbols.
constexpr int64_t kSymbols = 16;

static int fail(const llvm::Twine &message) {
  llvm::errs() << "sinter-train: error: " << message << "\n";
  return 1;
}

namespace {

std::string shortNumber(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

/// splitmix64: the same stream on every machine and standard library.
struct Random {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * 0x1.0p-53; } // [0, 1)
  double normal() {                                       // Box-Muller
    double u = 1.0 - uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2 * M_PI * v);
  }
};

/// One named host tensor of the run: its bytes and shape.
struct HostBuffer {
  sinter_tensor_info_t info{};
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// A compiled step loaded with a context.
struct Step {
  rt::Model model;
  rt::Context context;
  std::vector<sinter_tensor_info_t> inputs, outputs;
  std::vector<std::vector<uint8_t>> results;
};

/// A task fills the step's data inputs for each micro-batch.
struct Task {
  virtual ~Task() = default;
  virtual void fill(std::map<std::string, HostBuffer> &state) = 0;
};

/// The regression task: a fixed teacher, fresh inputs each micro-batch.
struct RegressTask : Task {
  int64_t batch, in, out;
  std::vector<float> teacher;
  Random random;

  RegressTask(int64_t batch, int64_t in, int64_t out, uint64_t seed)
      : batch(batch), in(in), out(out), random{seed * 7919 + 1} {
    teacher.resize(in * out);
    for (float &t : teacher) {
      t = float(random.normal() / std::sqrt(double(in)));
    }
  }
  void fill(std::map<std::string, HostBuffer> &state) override {
    std::vector<uint8_t> &xBytes = state["x"].bytes;
    std::vector<uint8_t> &yBytes = state["target"].bytes;
    std::vector<float> x(batch * in), y(batch * out);
    for (float &v : x) {
      v = float(random.normal());
    }
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t j = 0; j < out; ++j) {
        double s = 0;
        for (int64_t i = 0; i < in; ++i) {
          s += double(x[b * in + i]) * teacher[i * out + j];
        }
        y[b * out + j] = float(std::tanh(s));
      }
    }
    std::memcpy(xBytes.data(), x.data(), x.size() * sizeof(float));
    std::memcpy(yBytes.data(), y.data(), y.size() * sizeof(float));
  }
};

/// The GPT's sequence tasks: n = seq / 2 random symbols (from the first
/// `symbols` token ids after 0), then the same symbols again, in order
/// (copy) or reversed. Next-token prediction is scored only where the next
/// token is predictable: at positions n - 1 to 2n - 2 (the second half);
/// every other label is the ignore label.
struct SequenceTask : Task {
  int64_t batch, seq, symbols;
  bool reverse;
  Random random;

  SequenceTask(int64_t batch, int64_t seq, int64_t symbols, bool reverse,
               uint64_t seed)
      : batch(batch), seq(seq), symbols(symbols), reverse(reverse),
        random{seed * 7919 + 3} {}
  void fill(std::map<std::string, HostBuffer> &state) override {
    int64_t n = seq / 2;
    std::vector<int32_t> ids(batch * seq, 0),
        labels(batch * seq, int32_t(sinter::models::kIgnoreLabel));
    for (int64_t b = 0; b < batch; ++b) {
      int32_t *x = &ids[b * seq];
      for (int64_t i = 0; i < n; ++i) {
        x[i] = int32_t(1 + random.next() % uint64_t(symbols));
      }
      for (int64_t i = 0; i < n; ++i) {
        x[n + i] = reverse ? x[n - 1 - i] : x[i];
      }
      for (int64_t i = n - 1; i + 1 < 2 * n; ++i) {
        labels[b * seq + i] = x[i + 1];
      }
    }
    std::memcpy(state["input_ids"].bytes.data(), ids.data(),
                ids.size() * sizeof(int32_t));
    std::memcpy(state["labels"].bytes.data(), labels.data(),
                labels.size() * sizeof(int32_t));
  }
};

} // namespace

static int train(int threads) {
  auto optimizer = sinter::parseOptimizerKind(optimizerName);
  if (!optimizer) {
    return fail("unknown --optimizer '" + optimizerName +
                "' (expected sgd, adamw or adafactor)");
  }
  bool isGpt = modelName == "gpt";
  if (!isGpt && modelName != "mlp") {
    return fail("unknown --model '" + modelName + "' (expected mlp or gpt)");
  }
  std::string task =
      taskName.empty() ? (isGpt ? "copy" : "regress") : taskName.getValue();
  if (isGpt ? (task != "copy" && task != "reverse") : task != "regress") {
    return fail(
        "unknown --task '" + task + "' for --model=" + modelName +
        (isGpt ? " (expected copy or reverse)" : " (expected regress)"));
  }
  int64_t examples = batch;
  if (numSteps < 1 || batch < 1 || accumulate < 1) {
    return fail("--steps, --batch and --accumulate must be positive");
  }
  if (!(learningRate >= 0) || !(maxGradNorm >= 0) || threads < 0) {
    return fail("--lr, --max-grad-norm and --threads must not be negative");
  }

  double fgmEpsilon = 0;
  if (!adversarial.empty()) {
    llvm::StringRef spec = adversarial;
    if (!spec.consume_front("fgm:") || spec.getAsDouble(fgmEpsilon) ||
        !(fgmEpsilon > 0)) {
      return fail("--adversarial must be fgm:EPS with EPS > 0, got '" +
                  adversarial + "'");
    }
    if (!isGpt) {
      return fail("--adversarial perturbs embeddings: --model=gpt only");
    }
  }

  MLIRContext context;
  {
    DialectRegistry registry;
    sinter::registerCPUCompilerDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }
  sinter::models::MlpConfig mlp;
  mlp.batch = examples; // the sizes are sinter-model's, so --weights fits
  mlp.seed = seed;
  sinter::models::GptConfig gpt = sinter::models::defaultSmallGptConfig();
  gpt.batch = examples;
  gpt.seed = seed;

  // One step module per phase: plain, or accumulate then apply.
  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("sinter-train", dir)) {
    return fail("cannot create a temporary folder: " + ec.message());
  }
  std::vector<sinter::AccumulationPhase> phases;
  if (accumulate == 1) {
    phases = {sinter::AccumulationPhase::kNone};
  } else {
    phases = {sinter::AccumulationPhase::kAccumulate,
              sinter::AccumulationPhase::kApply};
  }
  std::vector<std::string> artifacts;
  std::vector<sinter::GraphBuilder::InitialValue> initialValues;
  auto compileStart = std::chrono::steady_clock::now();
  for (auto phase : phases) {
    sinter::TrainingStepConfig config;
    config.optimizer = sinter::defaultOptimizerConfig(*optimizer);
    config.maxGradNorm = maxGradNorm;
    config.phase = phase;
    config.accumulationSteps = accumulate;
    config.fgmEpsilon = fgmEpsilon;
    auto built =
        isGpt ? sinter::models::buildGptTrainingStep(context, gpt, config)
              : sinter::models::buildMlpTrainingStep(context, mlp, config);
    if (!built.ok()) {
      return fail(std::string(built.status().message()));
    }
    initialValues = built->initialValues;
    std::string path =
        (dir + "/step" + llvm::Twine(artifacts.size()) + ".so").str();
    sinter::target::CompileOptions options;
    auto result = sinter::compileModule(
        *built->module, options, sinter::target::EmitKind::SharedObject, path);
    if (!result.ok()) {
      return fail("compiling the training step: " +
                  std::string(result.status().message()));
    }
    artifacts.push_back(path);
  }
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();

  sinter_runtime_options_t runtimeOptions;
  sinter_runtime_options_initialize(&runtimeOptions);
  runtimeOptions.num_threads = threads;
  rt::Runtime runtime;
  if (rt::Status s = rt::Runtime::create(runtimeOptions, &runtime); !s.ok()) {
    return fail(s.message());
  }
  std::vector<Step> steps(artifacts.size());
  for (auto [step, path] : llvm::zip(steps, artifacts)) {
    if (rt::Status s = rt::Model::loadFile(runtime, path, &step.model);
        !s.ok()) {
      return fail(s.message());
    }
    if (rt::Status s = rt::Context::create(step.model, &step.context);
        !s.ok()) {
      return fail(s.message());
    }
    step.inputs.resize(step.model.numInputs());
    step.outputs.resize(step.model.numOutputs());
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      (void)step.model.inputInfo(i, &step.inputs[i]);
    }
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      (void)step.model.outputInfo(i, &step.outputs[i]);
      // Outputs written in place need no buffer of their own.
      step.results.emplace_back(
          step.outputs[i].in_place_of ? 0 : step.outputs[i].byte_size);
    }
  }
  for (size_t k = 0; k < artifacts.size(); ++k) {
    llvm::sys::fs::remove(artifacts[k]);
  }
  llvm::sys::fs::remove(dir);

  // The training state: every input of every step, by name; zeros but for
  // the parameters' initial values.
  std::map<std::string, HostBuffer> state;
  for (Step &step : steps) {
    for (const sinter_tensor_info_t &info : step.inputs) {
      HostBuffer &b = state[info.name];
      b.info = info;
      b.shape.assign(info.shape, info.shape + info.rank);
      b.bytes.assign(info.byte_size, 0);
    }
  }
  for (const auto &init : initialValues) {
    auto tensor = sinter::reference::hostTensorOf(init.value);
    auto it = state.find(init.name);
    if (!tensor.ok() || it == state.end()) {
      return fail("no initial value for parameter '" + init.name + "'");
    }
    it->second.bytes = sinter::reference::encodeTensor(*tensor);
  }

  std::unique_ptr<Task> data;
  if (isGpt) {
    data = std::make_unique<SequenceTask>(examples, gpt.seq, kSymbols,
                                          task == "reverse", seed);
  } else {
    data = std::make_unique<RegressTask>(examples, mlp.inFeatures,
                                         mlp.outFeatures, seed);
  }
  int64_t every = logEvery > 0 ? logEvery : std::max<int64_t>(1, numSteps / 10);
  llvm::outs() << "sinter-train: model " << modelName << ", task " << task
               << ", optimizer " << optimizerName << ", batch " << examples
               << " x " << accumulate << ", " << initialValues.size()
               << " parameter tensors, " << threads
               << " thread(s); compiled in "
               << llvm::format("%.2f", compileSeconds) << " s\n";
  auto start = std::chrono::steady_clock::now();
  std::vector<double> losses;
  double windowLoss = 0;
  int64_t window = 0;
  for (int64_t t = 1; t <= numSteps; ++t) {
    double lr = learningRate;
    if (lr == 0) {
      lr = *optimizer == sinter::OptimizerKind::kSgd ? 0.2
           : *optimizer == sinter::OptimizerKind::kAdamW
               ? 3e-3
               : std::min(1e-2, 1 / std::sqrt(double(t)));
    }
    float lr32 = float(lr);
    if (state.count("lr")) {
      std::memcpy(state["lr"].bytes.data(), &lr32, sizeof lr32);
    }
    double stepLoss = 0;
    for (int64_t micro = 0; micro < accumulate; ++micro) {
      Step &step = steps[micro + 1 < accumulate ? 0 : steps.size() - 1];
      data->fill(state);
      std::vector<sinter_tensor_view_t> in, out;
      for (const sinter_tensor_info_t &info : step.inputs) {
        in.push_back(rt::makeView(state[info.name].bytes.data(), info));
      }
      // next.<name> overwrites <name> in place (in_place_of): given the
      // input's buffer, the step updates the state where it is.
      for (size_t i = 0; i < step.outputs.size(); ++i) {
        const sinter_tensor_info_t &info = step.outputs[i];
        out.push_back(info.in_place_of
                          ? in[info.in_place_of - 1]
                          : rt::makeView(step.results[i].data(), info));
      }
      if (rt::Status s = step.context.run(in, out); !s.ok()) {
        return fail(s.message());
      }
      for (size_t i = 0; i < step.outputs.size(); ++i) {
        llvm::StringRef name = step.outputs[i].name;
        if (name == "loss") {
          float loss;
          std::memcpy(&loss, step.results[i].data(), sizeof loss);
          stepLoss += loss / double(accumulate);
        } else if (name.consume_front("next.") &&
                   !step.outputs[i].in_place_of) {
          std::swap(state[name.str()].bytes, step.results[i]);
        }
      }
    }
    for (auto &[name, buffer] : state) {
      if (llvm::StringRef(name).ends_with(".grad_sum") && steps.size() > 1) {
        std::fill(buffer.bytes.begin(), buffer.bytes.end(), 0);
      }
    }
    losses.push_back(stepLoss);
    windowLoss += stepLoss;
    ++window;
    if (t % every == 0 || t == numSteps) {
      double elapsed = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      llvm::outs() << "step " << t << "  loss "
                   << llvm::format("%.6f", windowLoss / double(window))
                   << "  examples/s "
                   << llvm::format("%.0f",
                                   double(t * examples * accumulate) / elapsed)
                   << "  elapsed " << llvm::format("%.2f", elapsed) << " s\n";
      windowLoss = 0;
      window = 0;
    }
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // The first and last ten steps' mean losses.
  size_t n = std::min<size_t>(10, losses.size());
  double first = 0, last = 0;
  for (size_t i = 0; i < n; ++i) {
    first += losses[i] / double(n);
    last += losses[losses.size() - n + i] / double(n);
  }
  llvm::outs() << "done: " << numSteps << " steps in "
               << llvm::format("%.2f", elapsed) << " s ("
               << llvm::format("%.3f", 1e3 * elapsed / double(numSteps))
               << " ms/step); mean loss of the first " << n << " steps "
               << llvm::format("%.6f", first) << ", of the last " << n << " "
               << llvm::format("%.6f", last) << " ("
               << llvm::format("%.1f", first / last) << "x lower)\n";

  if (requireLoss > 0 && !(last < requireLoss)) {
    return fail("the mean loss of the last " + llvm::Twine(n) + " steps, " +
                shortNumber(last) +
                ", is not below --require-loss=" + shortNumber(requireLoss));
  }
  if (!saveDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(saveDir)) {
      return fail("cannot create '" + saveDir + "': " + ec.message());
    }
    for (const auto &init : initialValues) {
      const HostBuffer &b = state[init.name];
      std::string path = saveDir.getValue() + "/" + init.name + ".npy";
      if (absl::Status s = sinter::npy::writeTensor(
              path, b.info.dtype, b.shape, b.bytes.data(), b.bytes.size());
          !s.ok()) {
        return fail(std::string(s.message()));
      }
    }
    llvm::outs() << "saved " << initialValues.size() << " parameters to "
                 << saveDir << "\n";
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<int> &threads = sinter::tools::threadsOption(1, &category);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Train a model with a training step compiled "
                              "ahead of time\n");
  return train(threads);
}
