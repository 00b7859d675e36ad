//===- sinter-model.cpp - Build an example model, report, evaluate -*- C++
//-*-===//
//
// Builds one of the example models with the graph builder, prints its size
// (ops, parameters, bytes), optionally evaluates it in the reference
// interpreter on a deterministic input and prints the first outputs, and
// writes its MLIR. With --train it builds the model's training step instead
// (forward, backward and an optimizer, docs/training.md).
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "frontend/ModelStats.h"
#include "frontend/models/Models.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "tools/common/Npy.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string>
    modelName("model", cl::desc("gpt | gpt2-block | bert-block | mlp"),
              cl::init("gpt"));
static cl::opt<std::string> dtypeName("dtype", cl::desc("f32 | bf16 | f16"),
                                      cl::init("f32"));
static cl::opt<bool>
    decomposed("decomposed",
               cl::desc("emit composites as their primitive decomposition"),
               cl::init(false));
static cl::opt<bool>
    gpt2Small("gpt2-small",
              cl::desc("GPT-2-small sizes (d=768, 12 heads, MLP 3072)"),
              cl::init(false));
static cl::opt<int64_t>
    seqLen("seq", cl::desc("sequence length (0: the model's default)"),
           cl::init(0));
static cl::opt<uint64_t> seed("seed", cl::desc("weight and input seed"),
                              cl::init(0));
static cl::opt<bool> evaluate("evaluate",
                              cl::desc("run the reference interpreter"),
                              cl::init(false));
static cl::opt<int> printCount("print", cl::desc("output values to print"),
                               cl::init(8));
static cl::opt<std::string>
    trainOptimizer("train",
                   cl::desc("build the model's training step with this "
                            "optimizer (sgd | adamw | adafactor) instead of "
                            "the model"),
                   cl::init(""));
static cl::opt<double> maxGradNorm(
    "max-grad-norm",
    cl::desc("with --train: clip the gradients to this global norm (0: off)"),
    cl::init(0.0));
static cl::opt<std::string> weightsDir(
    "weights",
    cl::desc("build the model with the parameters in this folder, one "
             "<name>.npy (f32) each, as sinter-train --save writes them"),
    cl::init(""));
static cl::opt<std::string> outputPath("o", cl::desc("write the MLIR here"),
                                       cl::value_desc("file"), cl::init(""));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "sinter-model: " << message << "\n";
  return 1;
}

/// Every <name>.npy of `dir` (f32), by parameter name.
static absl::StatusOr<
    std::map<std::string, ::sinter::GraphBuilder::ParameterValues>>
readWeights(const std::string &dir) {
  std::map<std::string, ::sinter::GraphBuilder::ParameterValues> weights;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef file = llvm::sys::path::filename(it->path());
    if (!file.consume_back(".npy")) {
      continue;
    }
    auto buffer = llvm::MemoryBuffer::getFile(it->path());
    if (!buffer) {
      return absl::NotFoundError("cannot read " + it->path() + ": " +
                                 buffer.getError().message());
    }
    auto array = ::sinter::npy::parse((*buffer)->getBuffer().str(), it->path());
    if (!array.ok()) {
      return array.status();
    }
    if (array->descr != "<f4") {
      return absl::InvalidArgumentError(
          it->path() + ": weights must be float32 ('<f4'), not '" +
          array->descr + "'");
    }
    ::sinter::GraphBuilder::ParameterValues v;
    v.shape = array->shape;
    size_t n = array->data.size() / sizeof(float);
    v.values.resize(n);
    for (size_t i = 0; i < n; ++i) {
      float f;
      std::memcpy(&f, array->data.data() + i * sizeof(float), sizeof f);
      v.values[i] = f;
    }
    weights[file.str()] = std::move(v);
  }
  if (ec) {
    return absl::NotFoundError("cannot list --weights folder '" + dir +
                               "': " + ec.message());
  }
  if (weights.empty()) {
    return absl::NotFoundError("--weights folder '" + dir +
                               "' holds no .npy file");
  }
  return weights;
}

/// A deterministic input for argument `index`: token ids spread over the
/// vocabulary for integer inputs, seeded random values otherwise.
static sinter::reference::HostTensor makeInput(BlockArgument arg,
                                               int64_t vocab) {
  auto type = cast<RankedTensorType>(arg.getType());
  auto dtype = *sinter::dtypeOf(type.getElementType());
  std::vector<int64_t> shape(type.getShape());
  if (dtype == sinter::DType::I32 || dtype == sinter::DType::I64) {
    sinter::reference::HostTensor t{dtype, shape, {}};
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      t.values.push_back(static_cast<double>((i * 7919 + seed) % vocab));
    }
    return t;
  }
  return sinter::reference::HostTensor::random(dtype, shape,
                                               seed + 1 + arg.getArgNumber());
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Sinter example model builder\n");

  auto dtype = sinter::parseDType(dtypeName);
  if (!dtype || !sinter::isFloat(*dtype)) {
    return fail("--dtype must be f32, bf16 or f16, got '" + dtypeName + "'");
  }
  // Refuse flags the chosen model would silently ignore.
  if (seqLen < 0) {
    return fail("--seq must be positive, got " + llvm::Twine(seqLen));
  }
  if (modelName == "mlp" && seqLen > 0) {
    return fail("--seq does not apply to --model=mlp");
  }
  std::optional<::sinter::OptimizerKind> optimizer;
  if (!trainOptimizer.empty()) {
    optimizer = ::sinter::parseOptimizerKind(trainOptimizer);
    if (!optimizer) {
      return fail("unknown --train optimizer '" + trainOptimizer +
                  "' (expected sgd, adamw or adafactor)");
    }
  } else if (maxGradNorm != 0) {
    return fail("--max-grad-norm applies to --train");
  }
  if (!(maxGradNorm >= 0)) {
    return fail("--max-grad-norm must be >= 0");
  }
  if ((modelName == "mlp" || modelName == "bert-block") && gpt2Small) {
    return fail("--gpt2-small applies to --model=gpt and --model=gpt2-block");
  }
  MLIRContext context;
  context.loadDialect<sinter::SinterDialect, func::FuncDialect>();

  std::optional<::sinter::models::Weights> weights;
  if (!weightsDir.empty()) {
    auto read = readWeights(weightsDir);
    if (!read.ok()) {
      return fail(std::string(read.status().message()));
    }
    weights = std::move(*read);
  }
  const ::sinter::models::Weights *weightsPtr = weights ? &*weights : nullptr;

  auto mode = decomposed ? ::sinter::CompositeMode::kDecomposed
                         : ::sinter::CompositeMode::kComposite;
  namespace models = ::sinter::models;
  models::ModuleOrError module = absl::UnknownError("no model built");
  int64_t vocab = 1;
  // --train: the step's configuration, and the step's module (its initial
  // values are not needed: the written step takes the parameters as
  // inputs).
  auto stepConfig = [&] {
    ::sinter::TrainingStepConfig step;
    step.optimizer = ::sinter::defaultOptimizerConfig(*optimizer);
    step.maxGradNorm = maxGradNorm;
    return step;
  };
  auto stepModule = [](absl::StatusOr<models::TrainingStepModule> built)
      -> models::ModuleOrError {
    if (!built.ok()) {
      return built.status();
    }
    return std::move(built->module);
  };
  // One config drives the GPT and the GPT-2 block: the small default, or the
  // GPT-2-small sizes.
  models::GptConfig gpt =
      gpt2Small ? models::gpt2SmallConfig() : models::defaultSmallGptConfig();
  if (gpt2Small && seqLen == 0) {
    gpt.seq = 64; // GPT-2 small's 1024 positions make the interpreter slow
  }
  gpt.dtype = *dtype;
  gpt.seed = seed;
  gpt.mode = mode;
  gpt.weights = weightsPtr;
  if (seqLen > 0) {
    gpt.seq = seqLen;
  }
  if (modelName == "gpt") {
    vocab = gpt.vocab;
    if (optimizer) {
      module =
          stepModule(models::buildGptTrainingStep(context, gpt, stepConfig()));
    } else {
      module = models::buildGpt(context, gpt);
    }
  } else if (modelName == "gpt2-block") {
    if (optimizer) {
      module = stepModule(
          models::buildGpt2BlockTrainingStep(context, gpt, stepConfig()));
    } else {
      module = models::buildGpt2Block(context, gpt);
    }
  } else if (modelName == "bert-block") {
    models::BertConfig config;
    config.dtype = *dtype;
    config.seed = seed;
    config.mode = mode;
    config.weights = weightsPtr;
    if (seqLen > 0) {
      config.seq = seqLen;
    }
    if (optimizer) {
      module = stepModule(
          models::buildBertBlockTrainingStep(context, config, stepConfig()));
    } else {
      module = models::buildBertBlock(context, config);
    }
  } else if (modelName == "mlp") {
    models::MlpConfig config;
    config.dtype = *dtype;
    config.seed = seed;
    config.mode = mode;
    config.weights = weightsPtr;
    if (optimizer) {
      module = stepModule(
          models::buildMlpTrainingStep(context, config, stepConfig()));
    } else {
      module = models::buildMlp(context, config);
    }
  } else {
    return fail("unknown --model '" + modelName +
                "' (expected gpt, gpt2-block, bert-block or mlp)");
  }
  if (!module.ok()) {
    return fail("building " + modelName +
                " failed: " + std::string(module.status().message()));
  }

  ::sinter::ModelStats stats = ::sinter::computeModelStats(**module);
  llvm::outs() << "model " << modelName << " (" << dtypeName << ", "
               << (decomposed ? "decomposed" : "composite") << ")";
  if (optimizer) {
    llvm::outs() << ", training step with " << trainOptimizer;
  }
  llvm::outs() << "\n  ops:        " << stats.numOps << "\n"
               << "  parameters: " << stats.numParameters << "\n"
               << "  bytes:      " << stats.parameterBytes << "\n";

  if (!outputPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(outputPath, ec, llvm::sys::fs::OF_Text);
    if (ec) {
      return fail("cannot write '" + outputPath + "': " + ec.message());
    }
    (*module)->print(os);
    llvm::outs() << "  mlir:       " << outputPath << "\n";
  }

  if (!evaluate) {
    return 0;
  }
  auto fn = *(*module)->getOps<func::FuncOp>().begin();
  std::vector<::sinter::reference::HostTensor> inputs;
  for (BlockArgument arg : fn.getArguments()) {
    inputs.push_back(makeInput(arg, vocab));
  }
  auto start = std::chrono::steady_clock::now();
  auto results = ::sinter::reference::evaluate(fn, inputs);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!results.ok()) {
    return fail("reference evaluation failed: " +
                std::string(results.status().message()));
  }
  llvm::outs() << "reference interpreter: " << llvm::format("%.2f", seconds)
               << " s\n";
  for (auto [i, result] : llvm::enumerate(*results)) {
    auto name = fn.getResultAttrOfType<StringAttr>(i, "sinter.name");
    llvm::outs() << "  " << (name ? name.getValue() : "result") << " "
                 << result.shapeString() << ":";
    for (int64_t k = 0; k < std::min<int64_t>(printCount, result.numElements());
         ++k) {
      llvm::outs() << " " << llvm::format("%.6g", result.values[k]);
    }
    llvm::outs() << "\n";
  }
  return 0;
}
