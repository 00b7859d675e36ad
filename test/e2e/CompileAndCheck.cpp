//===- CompileAndCheck.cpp - Compiled code against the interpreter -------===//

#include "test/e2e/CompileAndCheck.h"
#include "test/e2e/GPUEmulator.h"

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Reference/Tolerance.h"
#include "compiler/Target/Compiler.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "sinter/runtime.hpp"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

namespace sinter::e2e {

FusionKinds fusionKinds(llvm::StringRef text) {
  std::string error;
  mlir::FailureOr<FusionKinds> kinds = FusionKinds::parse(text, error);
  if (mlir::failed(kinds)) {
    llvm::report_fatal_error(llvm::Twine("a test's fusion kinds: ") + error);
  }
  return *kinds;
}

std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registerCPUCompilerDialects(registry);
  registerGPUCompilerDialects(registry);
  auto ctx = std::make_unique<mlir::MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
  return ctx;
}

namespace {

/// A temporary directory removed on destruction.
struct TempDir {
  llvm::SmallString<128> path;
  TempDir() { (void)llvm::sys::fs::createUniqueDirectory("sinter-e2e", path); }
  ~TempDir() { (void)llvm::sys::fs::remove_directories(path); }
};

/// Every output against the interpreter's, under the dtype's tolerance.
std::string compareOutputs(const std::vector<reference::HostTensor> &want,
                           const std::vector<std::vector<uint8_t>> &outBytes,
                           const CheckOptions &options) {
  if (want.size() != outBytes.size()) {
    return absl::StrCat("the artifact has ", outBytes.size(),
                        " outputs, the interpreter gave ", want.size());
  }
  std::string failures;
  for (size_t i = 0; i < want.size(); ++i) {
    const reference::HostTensor &w = want[i];
    reference::HostTensor got =
        reference::decodeTensor(w.dtype, w.shape, outBytes[i].data());
    reference::Tolerance tol = reference::defaultTolerance(w.dtype);
    tol.atol *= options.toleranceScale;
    tol.rtol *= options.toleranceScale;
    reference::Comparison c = reference::compare(got, w, tol);
    if (!c.ok) {
      absl::StrAppend(&failures, "output ", i, ": ", c.message, "\n");
    }
  }
  return failures;
}

} // namespace

static CheckOptions::Device defaultDevice = CheckOptions::Device::Cpu;

void setDefaultDevice(CheckOptions::Device device) { defaultDevice = device; }

std::string cudaUnavailableReason() {
  rt::Runtime runtime;
  rt::Status s = rt::Runtime::createCuda(0, &runtime);
  return s.ok() ? "" : s.toString();
}

std::string compileRunAndCompare(mlir::ModuleOp module,
                                 const CheckOptions &options) {
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(
      module.getContext(), [&](mlir::Diagnostic &d) {
        llvm::raw_string_ostream os(diagnostics);
        os << d << "\n";
        return mlir::success();
      });
  // The interpreter evaluates the source; the compiler lowers a clone.
  mlir::OwningOpRef<mlir::ModuleOp> source = module.clone();
  mlir::func::FuncOp entry;
  for (auto fn : source->getOps<mlir::func::FuncOp>()) {
    if (fn.isPublic()) {
      entry = fn;
    }
  }
  if (!entry) {
    return "no public function";
  }
  std::vector<reference::HostTensor> inputs = options.inputs;
  if (inputs.empty()) {
    inputs = reference::randomArguments(entry, options.seed);
  }

  absl::StatusOr<std::vector<reference::HostTensor>> want =
      reference::evaluate(entry, inputs);
  if (!want.ok()) {
    return absl::StrCat("interpreter: ", want.status().message());
  }

  CheckOptions::Device device = options.device == CheckOptions::Device::Default
                                    ? defaultDevice
                                    : options.device;
  std::vector<std::vector<uint8_t>> outBytes;
  if (device == CheckOptions::Device::Emulated) {
    std::vector<std::vector<uint8_t>> inBytes;
    for (const reference::HostTensor &t : inputs) {
      inBytes.push_back(reference::encodeTensor(t));
    }
    std::string error = emulateGPU(module, options.fusion, inBytes, outBytes);
    if (!error.empty()) {
      return "emulated GPU: " + error + "\n" + diagnostics;
    }
    return compareOutputs(*want, outBytes, options);
  }
  TempDir dir;
  std::string soPath = (dir.path + "/model.so").str();
  bool cuda = device == CheckOptions::Device::Cuda;
  rt::Runtime runtime;
  rt::Status s = cuda ? rt::Runtime::createCuda(0, &runtime)
                      : rt::Runtime::create(options.threads, &runtime);
  if (!s.ok()) {
    return "runtime: " + s.toString();
  }
  target::CompileOptions compileOptions;
  compileOptions.cpu.cpu = options.cpu;
  compileOptions.fusion = fusionKinds(options.fusion);
  if (cuda) {
    compileOptions.target = target::Target::NVPTX;
    compileOptions.gpuArch = runtime.deviceInfo().arch;
  }
  absl::StatusOr<target::CompileResult> compiled = compileModule(
      module, compileOptions, target::EmitKind::SharedObject, soPath);
  if (!compiled.ok()) {
    return absl::StrCat("compile: ", compiled.status().message(), "\n",
                        diagnostics);
  }

  rt::Model model;
  if (!(s = rt::Model::loadFile(runtime, soPath, &model)).ok()) {
    return "load: " + s.toString();
  }
  rt::Context context;
  if (!(s = rt::Context::create(model, &context)).ok()) {
    return "context: " + s.toString();
  }
  // Every tensor goes through a runtime buffer: host memory on the CPU,
  // device memory on CUDA.
  std::vector<rt::Buffer> inBuffers, outBuffers;
  std::vector<sinter_tensor_view_t> inViews, outViews;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<uint8_t> bytes = reference::encodeTensor(inputs[i]);
    sinter_tensor_info_t info;
    if (!(s = model.inputInfo(i, &info)).ok()) {
      return s.toString();
    }
    rt::Buffer buffer;
    if (!(s = rt::Buffer::allocate(runtime, info.byte_size, &buffer)).ok() ||
        !(s = buffer.copyFromHost(bytes.data(), bytes.size())).ok()) {
      return "input " + std::to_string(i) + ": " + s.toString();
    }
    inViews.push_back(rt::makeView(buffer, info));
    inBuffers.push_back(std::move(buffer));
  }
  for (size_t i = 0; i < model.numOutputs(); ++i) {
    sinter_tensor_info_t info;
    if (!(s = model.outputInfo(i, &info)).ok()) {
      return s.toString();
    }
    // Poison the outputs so a kernel that skips elements cannot pass.
    outBytes.emplace_back(info.byte_size, 0xA5);
    rt::Buffer buffer;
    if (!(s = rt::Buffer::allocate(runtime, info.byte_size, &buffer)).ok() ||
        !(s = buffer.copyFromHost(outBytes[i].data(), info.byte_size)).ok()) {
      return "output " + std::to_string(i) + ": " + s.toString();
    }
    outViews.push_back(rt::makeView(buffer, info));
    outBuffers.push_back(std::move(buffer));
  }
  if (!(s = context.run(inViews, outViews)).ok()) {
    return "run: " + s.toString();
  }
  for (size_t i = 0; i < outBuffers.size(); ++i) {
    if (!(s = outBuffers[i].copyToHost(outBytes[i].data(), outBytes[i].size()))
             .ok()) {
      return "output " + std::to_string(i) + ": " + s.toString();
    }
  }
  return compareOutputs(*want, outBytes, options);
}

std::string compileRunAndCompare(const std::string &mlirText,
                                 const CheckOptions &options) {
  auto ctx = makeContext();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(ctx.get(), [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagnostics);
    os << d << "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(mlirText, ctx.get());
  if (!module) {
    return "parse: " + diagnostics + "\n" + mlirText;
  }
  return compileRunAndCompare(*module, options);
}

} // namespace sinter::e2e
