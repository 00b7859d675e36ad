//===- sinter-run.cpp - Run a compiled Sinter artifact ----------*- C++ -*-===//
//
// Loads a model with the runtime (sinter/runtime.hpp) on the CPU or a CUDA
// device (--device; by default the artifact's), prints its signature, runs
// it once on inputs from .npy files or seeded random values (for CUDA copied
// into device buffers and the outputs copied back),
// writes the outputs asked for, optionally benchmarks it (--bench) and
// compares every output with the reference interpreter evaluating the
// model's MLIR on the same inputs (--check). Random inputs are
// HostTensor::random(dtype, shape, seed + input index), so a check and a
// rerun see the same values. Every error is a message and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Reference/Tolerance.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "sinter/runtime.hpp"
#include "tools/common/GuardedParse.h"
#include "tools/common/Npy.h"
#include "tools/common/ThreadsOption.h"
#include "tools/sinter-run/BisectNumerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = sinter::rt;
using sinter::reference::HostTensor;

static cl::opt<std::string> modelPath(cl::Positional, cl::desc("<model.so>"),
                                      cl::Required);
static cl::list<std::string>
    inputFiles("input", cl::desc("read input <name> from a .npy file"),
               cl::value_desc("name=file.npy"));
static cl::list<std::string>
    outputFiles("output", cl::desc("write output <name> to a .npy file"),
                cl::value_desc("name=file.npy"));
static cl::opt<int> benchRuns("bench",
                              cl::desc("timed runs after warm-up (0: none)"),
                              cl::init(0));
static cl::opt<int>
    warmupRuns("warmup", cl::desc("untimed runs before --bench"), cl::init(3));
static cl::opt<uint64_t>
    seed("seed", cl::desc("seed of the random inputs (input i uses seed + i)"),
         cl::init(0));
static cl::opt<bool> check("check",
                           cl::desc("compare the outputs with the reference "
                                    "interpreter evaluating --mlir"),
                           cl::init(false));
static cl::opt<bool> bisectNumerics(
    "bisect-numerics",
    cl::desc("after --check, compile and run each kernel of the fused --mlir "
             "alone on the interpreter's values of its operands, name the "
             "first that diverges and write it as a standalone .mlir with its "
             "inputs (implies --check)"),
    cl::init(false));
static cl::opt<std::string>
    bisectFusion("bisect-fusion",
                 cl::desc("fusion kinds the model was compiled with, as "
                          "sinter-compile --fusion (default all)"),
                 cl::init("all"));
static cl::opt<std::string>
    bisectOut("bisect-out",
              cl::desc("folder for --bisect-numerics' reproducer (default .)"),
              cl::value_desc("dir"), cl::init("."));
static cl::opt<std::string> mlirPath("mlir",
                                     cl::desc("the model's MLIR, for --check"),
                                     cl::value_desc("file"), cl::init(""));
static cl::opt<std::string>
    entryName("entry",
              cl::desc("function of --mlir to evaluate (default: the "
                       "module's only public function)"),
              cl::init(""));
static cl::opt<double>
    atolOption("atol",
               cl::desc("absolute tolerance of --check (default: per dtype)"),
               cl::init(-1));
static cl::opt<double>
    rtolOption("rtol",
               cl::desc("relative tolerance of --check (default: per dtype)"),
               cl::init(-1));
static cl::opt<std::string>
    deviceOption("device",
                 cl::desc("cpu or cuda (default: the artifact's device)"),
                 cl::value_desc("cpu|cuda"), cl::init(""));
static cl::opt<int> deviceOrdinal("device-ordinal",
                                  cl::desc("which CUDA device (default 0)"),
                                  cl::init(0));
static cl::opt<bool> noVerifyConstants(
    "no-verify-constants",
    cl::desc("load without hashing the artifact's constants against the "
             "hash the compiler recorded (a corrupt weight then goes "
             "unnoticed)"),
    cl::init(false));
static cl::opt<int> printCount("print",
                               cl::desc("values of each output to print"),
                               cl::init(6));

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "sinter-run: " << message << "\n";
  return 1;
}

std::vector<int64_t> shapeOf(const sinter_tensor_info_t &info) {
  return std::vector<int64_t>(info.shape, info.shape + info.rank);
}

std::string signature(const sinter_tensor_info_t &info) {
  std::string s = sinter_dtype_name(info.dtype);
  s += "[";
  for (uint32_t i = 0; i < info.rank; ++i) {
    s += (i ? ", " : "") + std::to_string(info.shape[i]);
  }
  return s + "]";
}

sinter::DType toDType(uint32_t dtype) {
  return static_cast<sinter::DType>(dtype); // the ABI values are DType's
}

/// Raw buffer -> HostTensor (exact: every stored value is a double).
HostTensor decode(const sinter_tensor_info_t &info, const uint8_t *data) {
  return sinter::reference::decodeTensor(toDType(info.dtype), shapeOf(info),
                                         data);
}

/// HostTensor -> raw buffer in the dtype's storage format.
std::vector<uint8_t> encode(const HostTensor &t) {
  return sinter::reference::encodeTensor(t);
}

/// Splits "name=file" options; fails on a missing '=' or a repeated name.
std::optional<std::map<std::string, std::string>>
parseAssignments(const cl::list<std::string> &options, const char *flag,
                 std::string &error) {
  std::map<std::string, std::string> result;
  for (const std::string &option : options) {
    size_t eq = option.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == option.size()) {
      error = std::string("--") + flag + " expects name=file.npy, got '" +
              option + "'";
      return std::nullopt;
    }
    std::string name = option.substr(0, eq);
    if (!result.emplace(name, option.substr(eq + 1)).second) {
      error = std::string("--") + flag + " names '" + name + "' twice";
      return std::nullopt;
    }
  }
  return result;
}

void printValues(const HostTensor &t) {
  int64_t n = t.numElements();
  for (int64_t k = 0; k < std::min<int64_t>(printCount, n); ++k) {
    llvm::outs() << " " << llvm::format("%.6g", t.values[k]);
  }
  if (n > printCount) {
    llvm::outs() << " ...";
  }
}

/// "cuda:0 'NVIDIA H100 80GB HBM3' (sm_90)", or the CPU's name.
std::string describeDevice(const rt::Runtime &runtime) {
  sinter_device_info_t info = runtime.deviceInfo();
  if (info.device != SINTER_ABI_DEVICE_CUDA) {
    return std::string("'") + info.name + "'";
  }
  return "cuda:" + std::to_string(info.ordinal) + " '" + info.name + "' (" +
         info.arch + ")";
}

double percentile(const std::vector<double> &sorted, double p) {
  size_t index = static_cast<size_t>(p * (sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

/// Parses the --mlir file into `module`; returns "" or one line: the first
/// error with its location (a parse error would otherwise print on its own
/// line before sinter-run's), or what the guards refused.
std::string parseMlir(const std::string &path, MLIRContext *context,
                      OwningOpRef<ModuleOp> &module) {
  std::string firstError;
  ScopedDiagnosticHandler diagnostics(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && firstError.empty()) {
      if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation())) {
        firstError =
            (loc.getFilename().getValue() + ":" + llvm::Twine(loc.getLine()) +
             ":" + llvm::Twine(loc.getColumn()) + ": ")
                .str();
      }
      firstError += diag.str();
    }
    return success();
  });
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &error);
  if (!file) {
    return error;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  std::string hazard;
  module = sinter::tools::parseModuleGuarded(sourceMgr, context, hazard);
  if (!hazard.empty()) {
    return hazard;
  }
  if (!module) {
    return firstError.empty() ? "'" + path + "'" : firstError;
  }
  return "";
}

} // namespace

/// What sinter-run does after parsing its options.
static int runTool(int numThreads);

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::opt<int> &numThreads = sinter::tools::threadsOption();
  cl::ParseCommandLineOptions(argc, argv,
                              "Runs a compiled Sinter artifact and checks it "
                              "against the reference interpreter\n");
  // Parsing, verifying and evaluating deeply nested --mlir recurse.
  int threads = numThreads;
  return sinter::tools::runWithLargeStack([=] { return runTool(threads); });
}

static int runTool(int numThreads) {
  if (bisectNumerics) {
    check = true;
  }
  if (check && mlirPath.empty()) {
    return fail("--check needs --mlir <model.mlir> to evaluate");
  }
  if (!check && (!mlirPath.empty() || !entryName.empty())) {
    return fail("--mlir and --entry only apply with --check");
  }
  if (benchRuns < 0 || warmupRuns < 0 || numThreads < 0 || deviceOrdinal < 0) {
    return fail("--bench, --warmup, --threads and --device-ordinal must not "
                "be negative");
  }

  // The device: as asked, else the one the artifact was compiled for.
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  options.num_threads = numThreads;
  options.skip_constants_verification = noVerifyConstants ? 1 : 0;
  if (deviceOption == "cuda") {
    options.device = SINTER_ABI_DEVICE_CUDA;
  } else if (deviceOption.empty()) {
    sinter_abi_device_t device;
    if (rt::Status s = rt::Model::fileDevice(modelPath, &device); !s.ok()) {
      return fail(s.message());
    }
    options.device = device;
  } else if (deviceOption != "cpu") {
    return fail("--device must be cpu or cuda, got '" + deviceOption + "'");
  }
  bool isCuda = options.device == SINTER_ABI_DEVICE_CUDA;
  if (isCuda) {
    options.device_ordinal = deviceOrdinal;
  } else if (deviceOrdinal != 0) {
    return fail("--device-ordinal only applies to --device=cuda");
  }
  rt::Runtime runtime;
  rt::Status status = rt::Runtime::create(options, &runtime);
  if (!status.ok()) {
    return fail(status.message());
  }
  rt::Model model;
  status = rt::Model::loadFile(runtime, modelPath, &model);
  if (!status.ok()) {
    return fail(status.message());
  }

  size_t numInputs = model.numInputs();
  size_t numOutputs = model.numOutputs();
  std::vector<sinter_tensor_info_t> inputInfo(numInputs),
      outputInfo(numOutputs);
  for (size_t i = 0; i < numInputs; ++i) {
    (void)model.inputInfo(i, &inputInfo[i]);
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    (void)model.outputInfo(i, &outputInfo[i]);
  }
  const sinter_abi_model_t *descriptor = sinter_model_descriptor(model.get());
  llvm::outs() << "model " << model.name() << " (" << model.target() << ")\n";
  if (isCuda) {
    llvm::outs() << "  device: " << describeDevice(runtime);
  } else {
    llvm::outs() << "  threads: " << runtime.numThreads();
  }
  llvm::outs() << ", workspace: " << model.workspaceSize()
               << " bytes, constants: " << descriptor->constant_bytes
               << " bytes\n";
  for (size_t i = 0; i < numInputs; ++i) {
    llvm::outs() << "  input " << i << " '" << inputInfo[i].name
                 << "': " << signature(inputInfo[i]) << "\n";
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    llvm::outs() << "  output " << i << " '" << outputInfo[i].name
                 << "': " << signature(outputInfo[i]) << "\n";
  }

  // Inputs: from files where given, seeded random values otherwise.
  std::string error;
  auto inputAssignments = parseAssignments(inputFiles, "input", error);
  if (!inputAssignments) {
    return fail(error);
  }
  // A tensor that cannot fit in memory is refused by name before anything
  // is allocated: a failed allocation aborts under LLVM's out-of-memory
  // handler. Random inputs and --check also hold an f64 copy of a tensor.
  uint64_t memory = sinter::reference::hostMemoryBytes();
  for (bool isInput : {true, false}) {
    const auto &infos = isInput ? inputInfo : outputInfo;
    for (size_t i = 0; i < infos.size(); ++i) {
      const sinter_tensor_info_t &info = infos[i];
      uint64_t elements =
          info.byte_size /
          std::max<uint64_t>(1, sinter_dtype_element_size(info.dtype));
      bool random = isInput && !inputAssignments->count(info.name);
      uint64_t copyBytes = 0; // the f64 HostTensor
      bool overflow =
          (random || check) && __builtin_mul_overflow(elements, 8, &copyBytes);
      uint64_t total = 0;
      overflow |= __builtin_add_overflow(info.byte_size, copyBytes, &total);
      if (!overflow && total <= memory) {
        continue;
      }
      std::string more =
          copyBytes == 0 && !overflow
              ? ""
              : ", and " +
                    (overflow ? std::string("more than 2^64")
                              : std::to_string(copyBytes)) +
                    " more for its f64 " +
                    (random ? "random values" : "copy for --check");
      return fail(std::string(isInput ? "input " : "output ") +
                  std::to_string(i) + " '" + info.name + "' " +
                  signature(info) + " needs " + std::to_string(info.byte_size) +
                  " bytes" + more + ": more than this machine's " +
                  std::to_string(memory) + " bytes of memory");
    }
  }
  auto outputAssignments = parseAssignments(outputFiles, "output", error);
  if (!outputAssignments) {
    return fail(error);
  }
  for (const auto &[name, file] : *inputAssignments) {
    size_t index;
    if (rt::Status s = model.findInput(name, &index); !s.ok()) {
      return fail("--input: " + std::string(s.message()));
    }
  }
  std::vector<std::pair<size_t, std::string>> outputsToWrite;
  for (const auto &[name, file] : *outputAssignments) {
    size_t index;
    if (rt::Status s = model.findOutput(name, &index); !s.ok()) {
      return fail("--output: " + std::string(s.message()));
    }
    outputsToWrite.emplace_back(index, file);
  }
  std::vector<std::vector<uint8_t>> inputData(numInputs);
  for (size_t i = 0; i < numInputs; ++i) {
    const sinter_tensor_info_t &info = inputInfo[i];
    auto it = inputAssignments->find(info.name);
    if (it != inputAssignments->end()) {
      auto data =
          sinter::npy::readTensor(it->second, info.dtype, shapeOf(info));
      if (!data.ok()) {
        return fail("input " + llvm::Twine(i) + " '" + info.name +
                    "': " + std::string(data.status().message()));
      }
      inputData[i] = std::move(*data);
    } else {
      inputData[i] = encode(
          HostTensor::random(toDType(info.dtype), shapeOf(info), seed + i));
    }
  }
  std::vector<std::vector<uint8_t>> outputData(numOutputs);
  std::vector<sinter_tensor_view_t> inputs, outputs;
  for (size_t i = 0; i < numOutputs; ++i) {
    outputData[i].resize(outputInfo[i].byte_size);
  }
  // CUDA runs read and write device buffers: inputs are copied in once, and
  // outputs copied back after the first run.
  std::vector<rt::Buffer> inputBuffers(isCuda ? numInputs : 0);
  std::vector<rt::Buffer> outputBuffers(isCuda ? numOutputs : 0);
  for (size_t i = 0; i < numInputs; ++i) {
    if (!isCuda) {
      inputs.push_back(rt::makeView(inputData[i].data(), inputInfo[i]));
      continue;
    }
    status =
        rt::Buffer::allocate(runtime, inputInfo[i].byte_size, &inputBuffers[i]);
    if (status.ok()) {
      status = inputBuffers[i].copyFromHost(inputData[i].data(),
                                            inputInfo[i].byte_size);
    }
    if (!status.ok()) {
      return fail("input " + llvm::Twine(i) + " '" + inputInfo[i].name +
                  "': " + status.message());
    }
    inputs.push_back(rt::makeView(inputBuffers[i], inputInfo[i]));
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    if (!isCuda) {
      outputs.push_back(rt::makeView(outputData[i].data(), outputInfo[i]));
      continue;
    }
    status = rt::Buffer::allocate(runtime, outputInfo[i].byte_size,
                                  &outputBuffers[i]);
    if (!status.ok()) {
      return fail("output " + llvm::Twine(i) + " '" + outputInfo[i].name +
                  "': " + status.message());
    }
    outputs.push_back(rt::makeView(outputBuffers[i], outputInfo[i]));
  }

  rt::Context context;
  status = rt::Context::create(model, &context);
  if (!status.ok()) {
    return fail(status.message());
  }
  auto runOnce = [&]() -> rt::Status { return context.run(inputs, outputs); };
  auto start = std::chrono::steady_clock::now();
  status = runOnce();
  double firstMs = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (!status.ok()) {
    return fail(status.message());
  }
  llvm::outs() << "ran in " << llvm::format("%.3f", firstMs) << " ms\n";
  for (size_t i = 0; i < outputBuffers.size(); ++i) {
    status = outputBuffers[i].copyToHost(outputData[i].data(),
                                         outputInfo[i].byte_size);
    if (!status.ok()) {
      return fail("output " + llvm::Twine(i) + " '" + outputInfo[i].name +
                  "': " + status.message());
    }
  }
  std::vector<HostTensor> results;
  for (size_t i = 0; i < numOutputs; ++i) {
    results.push_back(decode(outputInfo[i], outputData[i].data()));
    llvm::outs() << "  " << outputInfo[i].name << " "
                 << signature(outputInfo[i]) << ":";
    printValues(results.back());
    llvm::outs() << "\n";
  }
  for (const auto &[index, file] : outputsToWrite) {
    const sinter_tensor_info_t &info = outputInfo[index];
    absl::Status written =
        sinter::npy::writeTensor(file, info.dtype, shapeOf(info),
                                 outputData[index].data(), info.byte_size);
    if (!written.ok()) {
      return fail(std::string(written.message()));
    }
    llvm::outs() << "  wrote " << info.name << " to " << file << "\n";
  }

  if (benchRuns > 0) {
    for (int i = 0; i < warmupRuns; ++i) {
      if (rt::Status s = runOnce(); !s.ok()) {
        return fail(s.message());
      }
    }
    std::vector<double> times;
    times.reserve(benchRuns);
    for (int i = 0; i < benchRuns; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      rt::Status s = runOnce();
      auto t1 = std::chrono::steady_clock::now();
      if (!s.ok()) {
        return fail(s.message());
      }
      times.push_back(
          std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(times.begin(), times.end());
    auto ms = [](double v) { return llvm::format("%.4f", v); };
    // A CUDA run returns when its kernels have finished, so the time of the
    // call is the device time plus the launch overhead.
    llvm::outs() << "bench: " << benchRuns << " runs after " << warmupRuns
                 << " warm-up";
    if (isCuda) {
      llvm::outs() << " on " << describeDevice(runtime) << "\n";
    } else {
      llvm::outs() << ", " << runtime.numThreads() << " threads on "
                   << describeDevice(runtime) << "\n";
    }
    llvm::outs() << "  median " << ms(percentile(times, 0.5)) << " ms, min "
                 << ms(times.front()) << " ms, max " << ms(times.back())
                 << " ms, p10 " << ms(percentile(times, 0.1)) << " ms, p90 "
                 << ms(percentile(times, 0.9)) << " ms\n";
  }

  if (!check) {
    return 0;
  }
  MLIRContext mlirContext;
  mlirContext.loadDialect<sinter::SinterDialect, func::FuncDialect>();
  OwningOpRef<ModuleOp> module;
  if (std::string error = parseMlir(mlirPath, &mlirContext, module);
      !error.empty()) {
    return fail("cannot parse --mlir: " + error);
  }
  // Inputs are matched by position; where the function names its
  // arguments and results (sinter.name), the names must be the model's, so
  // a reordered signature is an error rather than a silent mismatch.
  func::FuncOp fn;
  for (auto candidate : module->getOps<func::FuncOp>()) {
    if (entryName.empty() ? candidate.isPublic()
                          : candidate.getSymName() == entryName) {
      fn = fn && entryName.empty() ? func::FuncOp() : candidate;
    }
  }
  if (fn) {
    for (size_t i = 0; i < numInputs && i < fn.getNumArguments(); ++i) {
      auto name = fn.getArgAttrOfType<StringAttr>(i, "sinter.name");
      if (name && name.getValue() != inputInfo[i].name) {
        return fail("--mlir argument " + llvm::Twine(i) + " is named '" +
                    name.getValue() + "' but model input " + llvm::Twine(i) +
                    " is '" + inputInfo[i].name + "'");
      }
    }
    for (size_t i = 0; i < numOutputs && i < fn.getNumResults(); ++i) {
      auto name = fn.getResultAttrOfType<StringAttr>(i, "sinter.name");
      if (name && name.getValue() != outputInfo[i].name) {
        return fail("--mlir result " + llvm::Twine(i) + " is named '" +
                    name.getValue() + "' but model output " + llvm::Twine(i) +
                    " is '" + outputInfo[i].name + "'");
      }
    }
  }
  std::vector<HostTensor> args;
  for (size_t i = 0; i < numInputs; ++i) {
    args.push_back(decode(inputInfo[i], inputData[i].data()));
  }
  auto want = sinter::reference::evaluate(*module, args, entryName);
  if (!want.ok()) {
    return fail("reference evaluation of '" + mlirPath +
                "' failed: " + std::string(want.status().message()));
  }
  if (want->size() != numOutputs) {
    return fail("--mlir function has " + llvm::Twine(want->size()) +
                " results but the model has " + llvm::Twine(numOutputs) +
                " outputs");
  }
  bool allOk = true;
  llvm::outs() << "check against the reference interpreter (" << mlirPath
               << "):\n";
  for (size_t i = 0; i < numOutputs; ++i) {
    sinter::reference::Tolerance tolerance =
        sinter::reference::defaultTolerance(toDType(outputInfo[i].dtype));
    if (atolOption >= 0) {
      tolerance.atol = atolOption;
    }
    if (rtolOption >= 0) {
      tolerance.rtol = rtolOption;
    }
    sinter::reference::Comparison c =
        sinter::reference::compare(results[i], (*want)[i], tolerance);
    llvm::outs() << "  " << outputInfo[i].name << ": max abs error "
                 << llvm::format("%.3g", c.maxAbsError) << ", max rel error "
                 << llvm::format("%.3g", c.maxRelError) << " (atol "
                 << llvm::format("%g", tolerance.atol) << ", rtol "
                 << llvm::format("%g", tolerance.rtol)
                 << "): " << (c.ok ? "ok" : "MISMATCH") << "\n";
    if (!c.ok) {
      allOk = false;
      llvm::errs() << "sinter-run: output " << i << " '" << outputInfo[i].name
                   << "': " << c.message << "\n";
    }
  }
  if (bisectNumerics) {
    if (isCuda) {
      return fail("--bisect-numerics compiles each kernel for this CPU; run it "
                  "with --device=cpu on a CPU artifact");
    }
    sinter::tools::BisectOptions bisect;
    bisect.entry = entryName;
    bisect.fusion = bisectFusion;
    bisect.outputDir = bisectOut;
    if (atolOption >= 0) {
      bisect.atol = atolOption;
    }
    if (rtolOption >= 0) {
      bisect.rtol = rtolOption;
    }
    absl::StatusOr<sinter::tools::BisectResult> found =
        sinter::tools::bisectNumerics(*module, args, bisect);
    if (!found.ok()) {
      return fail("--bisect-numerics: " +
                  std::string(found.status().message()));
    }
    if (found->diverging < 0) {
      llvm::outs() << "bisect: all " << found->kernels
                   << " kernels match the interpreter alone on its values\n";
    } else {
      llvm::outs() << "bisect: first diverging " << found->description << "\n"
                   << found->message << "  reproducer: " << found->reproducer
                   << "\n  " << found->command << "\n";
      return fail("bisect: " + found->description + " diverges");
    }
  }
  if (!allOk) {
    return fail("check failed: outputs differ from the reference interpreter");
  }
  llvm::outs() << "check passed\n";
  return 0;
}
