//===- CompileAndCheck.cpp - Compiled code against the interpreter -------===//

#include "test/e2e/CompileAndCheck.h"

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Reference/Tolerance.h"
#include "compiler/Target/CPU/CPUCompiler.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "sinter/runtime.hpp"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "absl/strings/str_cat.h"

namespace sinter::e2e {

std::unique_ptr<mlir::MLIRContext> makeContext() {
  mlir::DialectRegistry registry;
  registerCPUCompilerDialects(registry);
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

} // namespace

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

  TempDir dir;
  std::string soPath = (dir.path + "/model.so").str();
  cpu::CompileOptions compileOptions;
  compileOptions.target.cpu = options.cpu;
  compileOptions.fusion = options.fusion;
  absl::StatusOr<cpu::CompileResult> compiled = cpu::compileModule(
      module, compileOptions, cpu::EmitKind::SharedObject, soPath);
  if (!compiled.ok()) {
    return absl::StrCat("compile: ", compiled.status().message(), "\n",
                        diagnostics);
  }

  rt::Runtime runtime;
  rt::Status s = rt::Runtime::create(options.threads, &runtime);
  if (!s.ok()) {
    return "runtime: " + s.toString();
  }
  rt::Model model;
  if (!(s = rt::Model::loadFile(runtime, soPath, &model)).ok()) {
    return "load: " + s.toString();
  }
  rt::Context context;
  if (!(s = rt::Context::create(model, &context)).ok()) {
    return "context: " + s.toString();
  }
  std::vector<std::vector<uint8_t>> inBytes, outBytes;
  std::vector<sinter_tensor_view_t> inViews, outViews;
  for (size_t i = 0; i < inputs.size(); ++i) {
    inBytes.push_back(reference::encodeTensor(inputs[i]));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    sinter_tensor_info_t info;
    if (!(s = model.inputInfo(i, &info)).ok()) {
      return s.toString();
    }
    inViews.push_back(rt::makeView(inBytes[i].data(), info));
  }
  for (size_t i = 0; i < model.numOutputs(); ++i) {
    sinter_tensor_info_t info;
    if (!(s = model.outputInfo(i, &info)).ok()) {
      return s.toString();
    }
    // Poison the outputs so a kernel that skips elements cannot pass.
    outBytes.emplace_back(info.byte_size, 0xA5);
  }
  for (size_t i = 0; i < model.numOutputs(); ++i) {
    sinter_tensor_info_t info;
    (void)model.outputInfo(i, &info);
    outViews.push_back(rt::makeView(outBytes[i].data(), info));
  }
  if (!(s = context.run(inViews, outViews)).ok()) {
    return "run: " + s.toString();
  }
  if (want->size() != outViews.size()) {
    return absl::StrCat("the artifact has ", outViews.size(),
                        " outputs, the interpreter gave ", want->size());
  }
  std::string failures;
  for (size_t i = 0; i < want->size(); ++i) {
    const reference::HostTensor &w = (*want)[i];
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
