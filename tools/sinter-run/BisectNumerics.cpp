//===- BisectNumerics.cpp - Find the first kernel that diverges -----------===//
//
// The fused function is evaluated once by the interpreter with every
// kernel's results added to its returns, so that each kernel's operands and
// expected results are at hand; then the kernels are cut out one by one
// (constants they read are copied in, everything else becomes an argument),
// compiled with fusion off (a sinter.fusion lowers as the one kernel it is;
// an op alone as itself) and run through the runtime.
//
//===----------------------------------------------------------------------===//

#include "tools/sinter-run/BisectNumerics.h"

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Target/Compiler.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "sinter/runtime.hpp"
#include "tools/common/Npy.h"

#include "absl/strings/str_cat.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>

namespace sinter::tools {
namespace {

using namespace mlir;
using reference::HostTensor;

func::FuncOp entryOf(ModuleOp module, const std::string &name) {
  func::FuncOp found;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (name.empty() ? fn.isPublic() : fn.getSymName() == name) {
      if (found && name.empty()) {
        return nullptr; // ambiguous
      }
      found = fn;
    }
  }
  return found;
}

/// The kernels of a fused function: its top-level ops but constants and
/// the return.
SmallVector<Operation *> kernelsOf(func::FuncOp fn) {
  SmallVector<Operation *> kernels;
  for (Operation &op : fn.getBody().front()) {
    if (!isa<ConstantOp, func::ReturnOp>(op)) {
      kernels.push_back(&op);
    }
  }
  return kernels;
}

/// `kernel` alone as func.func @kernel in a new module: constants it reads
/// are copied in, its other operands are arguments (in `operands`).
OwningOpRef<ModuleOp> standalone(Operation *kernel,
                                 SmallVector<Value> &operands) {
  OpBuilder b(kernel->getContext());
  OwningOpRef<ModuleOp> module = ModuleOp::create(kernel->getLoc());
  b.setInsertionPointToEnd(module->getBody());
  for (Value v : kernel->getOperands()) {
    if (!v.getDefiningOp<ConstantOp>() && !llvm::is_contained(operands, v)) {
      operands.push_back(v);
    }
  }
  SmallVector<Type> argTypes, resultTypes(kernel->getResultTypes());
  for (Value v : operands) {
    argTypes.push_back(v.getType());
  }
  auto fn = b.create<func::FuncOp>(kernel->getLoc(), "kernel",
                                   b.getFunctionType(argTypes, resultTypes));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);
  IRMapping map;
  for (auto [v, arg] : llvm::zip(operands, body->getArguments())) {
    map.map(v, arg);
  }
  for (Value v : kernel->getOperands()) {
    if (auto c = v.getDefiningOp<ConstantOp>(); c && !map.contains(v)) {
      b.clone(*c, map);
    }
  }
  Operation *copy = b.clone(*kernel, map);
  b.create<func::ReturnOp>(kernel->getLoc(), copy->getResults());
  return module;
}

/// Compiles `module` for this CPU and runs it on `inputs`.
absl::StatusOr<std::vector<HostTensor>>
compileAndRun(ModuleOp module, const std::vector<HostTensor> &inputs,
              const std::vector<HostTensor> &likeOutputs,
              const std::string &soPath) {
  target::CompileOptions options;
  options.fusion = FusionKinds::none();
  absl::StatusOr<target::CompileResult> compiled =
      compileModule(module, options, target::EmitKind::SharedObject, soPath);
  if (!compiled.ok()) {
    return compiled.status();
  }
  rt::Runtime runtime;
  rt::Status s = rt::Runtime::create(0, &runtime);
  rt::Model model;
  rt::Context context;
  if (s.ok()) {
    s = rt::Model::loadFile(runtime, soPath, &model);
  }
  if (s.ok()) {
    s = rt::Context::create(model, &context);
  }
  std::vector<std::vector<uint8_t>> inBytes, outBytes;
  std::vector<sinter_tensor_view_t> in, out;
  for (size_t i = 0; s.ok() && i < inputs.size(); ++i) {
    sinter_tensor_info_t info;
    s = model.inputInfo(i, &info);
    inBytes.push_back(reference::encodeTensor(inputs[i]));
    in.push_back(rt::makeView(inBytes.back().data(), info));
  }
  for (size_t i = 0; s.ok() && i < likeOutputs.size(); ++i) {
    sinter_tensor_info_t info;
    s = model.outputInfo(i, &info);
    outBytes.emplace_back(info.byte_size);
    out.push_back(rt::makeView(outBytes.back().data(), info));
  }
  if (s.ok()) {
    s = context.run(in, out);
  }
  if (!s.ok()) {
    return absl::InternalError(s.message());
  }
  std::vector<HostTensor> results;
  for (size_t i = 0; i < likeOutputs.size(); ++i) {
    results.push_back(reference::decodeTensor(
        likeOutputs[i].dtype, likeOutputs[i].shape, outBytes[i].data()));
  }
  return results;
}

std::string describe(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  if (auto fusion = dyn_cast<FusionOp>(op)) {
    text += " kind = " + stringifyFusionKind(fusion.getKind()).str() + " (";
    int n = 0;
    fusion.getBody().walk([&](Operation *inner) {
      if (!isa<YieldOp>(inner) && inner != fusion) {
        text += (n++ ? ", " : "") + inner->getName().getStringRef().str();
      }
    });
    text += ")";
  }
  std::string loc;
  llvm::raw_string_ostream os(loc);
  op->getLoc().print(os);
  return text + " at " + os.str();
}

} // namespace

absl::StatusOr<BisectResult>
bisectNumerics(ModuleOp source, const std::vector<HostTensor> &inputs,
               const BisectOptions &options) {
  // A context with everything the CPU compiler needs.
  DialectRegistry registry;
  registerCPUCompilerDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  // Through text into a context of its own, locations kept: they name the
  // kernel in the report.
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    source.print(os, OpPrintingFlags().enableDebugInfo());
  }
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module) {
    return absl::InvalidArgumentError("the --mlir module does not reparse");
  }

  // Fused as sinter-compile fuses it.
  PassManager pm(&ctx);
  buildFusionPipeline(pm, options.fusion, /*remarks=*/false, "cpu");
  if (failed(pm.run(*module))) {
    return absl::InvalidArgumentError("fusing the --mlir module failed");
  }
  func::FuncOp fn = entryOf(*module, options.entry);
  if (!fn) {
    return absl::InvalidArgumentError("no single entry function in --mlir");
  }
  SmallVector<Operation *> kernels = kernelsOf(fn);

  // One evaluation of a copy that also returns every kernel's results.
  func::FuncOp probe = cast<func::FuncOp>(fn->clone());
  probe.setSymName("sinter_bisect_probe");
  module->push_back(probe);
  auto ret = cast<func::ReturnOp>(probe.getBody().front().getTerminator());
  SmallVector<Value> returned(ret.getOperands());
  size_t numOriginal = returned.size();
  SmallVector<Operation *> probeKernels = kernelsOf(probe);
  for (Operation *k : probeKernels) {
    returned.append(k->result_begin(), k->result_end());
  }
  ret->setOperands(returned);
  probe.setType(FunctionType::get(&ctx, probe.getArgumentTypes(),
                                  ValueRange(returned).getTypes()));
  absl::StatusOr<std::vector<HostTensor>> all =
      reference::evaluate(probe, inputs);
  if (!all.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the interpreter: ", all.status().message()));
  }
  probe.erase();

  // Values by kernel result and argument, from the evaluation.
  llvm::DenseMap<Value, const HostTensor *> values;
  for (auto [arg, in] : llvm::zip(fn.getArguments(), inputs)) {
    values[arg] = &in;
  }
  size_t at = numOriginal;
  for (Operation *k : kernels) {
    for (Value r : k->getResults()) {
      values[r] = &(*all)[at++];
    }
  }

  BisectResult result;
  result.kernels = int(kernels.size());
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("sinter-bisect", dir)) {
    return absl::InternalError("cannot create a temporary directory");
  }
  for (auto [index, kernel] : llvm::enumerate(kernels)) {
    SmallVector<Value> operands;
    OwningOpRef<ModuleOp> unit = standalone(kernel, operands);
    std::vector<HostTensor> unitInputs, want;
    for (Value v : operands) {
      unitInputs.push_back(*values.lookup(v));
    }
    for (Value r : kernel->getResults()) {
      want.push_back(*values.lookup(r));
    }
    // Compiling lowers the module in place: keep its text first.
    std::string unitText;
    {
      llvm::raw_string_ostream os(unitText);
      unit->print(os);
    }
    absl::StatusOr<std::vector<HostTensor>> got =
        compileAndRun(*unit, unitInputs, want, (dir + "/kernel.so").str());
    if (!got.ok()) {
      (void)llvm::sys::fs::remove_directories(dir);
      return absl::InternalError(absl::StrCat("kernel ", index, " (",
                                              describe(kernel),
                                              "): ", got.status().message()));
    }
    std::string message;
    for (size_t i = 0; i < want.size(); ++i) {
      reference::Tolerance tol = reference::defaultTolerance(want[i].dtype);
      tol.atol = options.atol.value_or(tol.atol);
      tol.rtol = options.rtol.value_or(tol.rtol);
      reference::Comparison c = reference::compare((*got)[i], want[i], tol);
      if (!c.ok) {
        message += absl::StrCat("result ", i, ": ", c.message, "\n");
      }
    }
    if (message.empty()) {
      continue;
    }
    // The reproducer: the kernel as a module, and its inputs.
    result.diverging = int(index);
    result.description = absl::StrCat("kernel ", index, " of ", kernels.size(),
                                      ": ", describe(kernel));
    result.message = message;
    std::string base =
        options.outputDir + "/bisect-kernel" + std::to_string(index);
    result.reproducer = base + ".mlir";
    result.command = "sinter-compile " + result.reproducer +
                     " --fusion=none -o " + base + ".so && sinter-run " + base +
                     ".so --check --mlir " + result.reproducer;
    for (size_t i = 0; i < unitInputs.size(); ++i) {
      std::string path = base + ".input" + std::to_string(i) + ".npy";
      std::vector<uint8_t> bytes = reference::encodeTensor(unitInputs[i]);
      // DType and the ABI's dtype codes are in the same order.
      absl::Status written =
          npy::writeTensor(path, uint32_t(unitInputs[i].dtype),
                           unitInputs[i].shape, bytes.data(), bytes.size());
      if (!written.ok()) {
        (void)llvm::sys::fs::remove_directories(dir);
        return written;
      }
      result.command += " --input input" + std::to_string(i) + "=" + path;
    }
    std::ofstream out(result.reproducer);
    out << "// " << result.description << "\n// " << result.command << "\n"
        << unitText;
    if (!out) {
      (void)llvm::sys::fs::remove_directories(dir);
      return absl::InternalError("cannot write " + result.reproducer);
    }
    break;
  }
  (void)llvm::sys::fs::remove_directories(dir);
  return result;
}

} // namespace sinter::tools
