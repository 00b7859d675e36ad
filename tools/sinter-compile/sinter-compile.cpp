//===- sinter-compile.cpp - The ahead-of-time compiler driver ------------===//
//
//   sinter-compile model.mlir -o model.so
//   sinter-compile model.mlir --emit=obj -o model.o --header model.h
//   sinter-compile model.mlir --emit=mlir|llvm|asm -o -
//   sinter-compile model.mlir --target=nvptx --gpu-arch=sm_90 -o model.so
//   sinter-compile model.mlir --target=nvptx --emit=ptx -o model.ptx
//
// Parses and verifies a module of sinter functions, lowers the entry
// function through the CPU or GPU pipeline (compiler/Pipelines) with
// verification after every pass, then writes the artifact
// (compiler/Target/CPU, compiler/Target/GPU).
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "compiler/Target/Compiler.h"
#include "compiler/Transforms/FusionLog.h"
#include "tools/common/GuardedParse.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace sinter;
namespace cl = llvm::cl;

static cl::OptionCategory category("sinter-compile options");
static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string> outputFile("o", cl::desc("output file"),
                                       cl::value_desc("path"), cl::Required,
                                       cl::cat(category));
using target::EmitKind;
static cl::opt<EmitKind>
    emit("emit", cl::desc("what to write"), cl::init(EmitKind::SharedObject),
         cl::values(clEnumValN(EmitKind::SharedObject, "so",
                               "a shared object for sinter-run / the runtime"),
                    clEnumValN(EmitKind::Object, "obj",
                               "an object to link into an application"),
                    clEnumValN(EmitKind::Mlir, "mlir",
                               "stop after the MLIR pipeline (LLVM dialect)"),
                    clEnumValN(EmitKind::Llvm, "llvm", "optimized LLVM IR"),
                    clEnumValN(EmitKind::Asm, "asm", "assembly"),
                    clEnumValN(EmitKind::Dot, "dot",
                               "the graph after fusion, for Graphviz"),
                    clEnumValN(EmitKind::Ptx, "ptx",
                               "the GPU module's PTX (--target=nvptx)")),
         cl::cat(category));
static cl::opt<std::string>
    headerFile("header", cl::desc("also write a C header (with --emit=obj)"),
               cl::value_desc("path"), cl::cat(category));
static cl::opt<std::string> entryName(
    "entry", cl::desc("the function to compile (default: the only public one)"),
    cl::cat(category));
static cl::opt<std::string>
    symbolPrefix("name",
                 cl::desc("C symbol prefix of the artifact's functions "
                          "(default: the entry function's name)"),
                 cl::cat(category));
static cl::opt<target::Target> targetKind(
    "target", cl::desc("where the model runs"), cl::init(target::Target::CPU),
    cl::values(clEnumValN(target::Target::CPU, "cpu", "x86-64 CPUs (default)"),
               clEnumValN(target::Target::NVPTX, "nvptx",
                          "NVIDIA GPUs: PTX, and a cubin when ptxas is "
                          "installed")),
    cl::cat(category));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architecture: sm_80, sm_86, sm_89, "
                     "sm_90 (default)"),
            cl::init("sm_90"), cl::cat(category));
static cl::opt<std::string>
    ptxasPath("ptxas",
              cl::desc("ptxas to assemble the cubin with (default: the CUDA "
                       "toolkit's, else PATH, else PTX only; `none`: PTX "
                       "only)"),
              cl::cat(category));
static cl::opt<std::string>
    cudaToolkit("cuda-toolkit", cl::desc("CUDA toolkit (libdevice, ptxas)"),
                cl::init("/usr/local/cuda"), cl::cat(category));
static cl::opt<std::string>
    cpuName("cpu",
            cl::desc("target CPU: native (default) or an "
                     "LLVM name (x86-64-v3, znver4, ...)"),
            cl::init("native"), cl::cat(category));
static cl::opt<std::string>
    mattr("mattr", cl::desc("extra LLVM target features, e.g. -avx512f"),
          cl::cat(category));
static cl::opt<int> optLevel("O", cl::desc("LLVM optimization level 0-3"),
                             cl::init(3), cl::Prefix, cl::cat(category));
static cl::opt<bool>
    printIRAfterAll("print-ir-after-all",
                    cl::desc("print the IR after every MLIR pass"),
                    cl::cat(category));
static cl::opt<bool> timing("time-passes-mlir",
                            cl::desc("report the time of each MLIR pass"),
                            cl::cat(category));
static cl::opt<int64_t> minParallelWork(
    "min-parallel-work",
    cl::desc("loop nests with fewer innermost iterations run on one thread"),
    cl::init(32768), cl::cat(category));

static cl::opt<std::string> fusionKinds("fusion", cl::desc(FusionKinds::help()),
                                        cl::init("all"), cl::cat(category));
enum class Report { None, Fusion };
static cl::opt<Report> report(
    "report", cl::desc("print a report to stdout"), cl::init(Report::None),
    cl::values(clEnumValN(Report::Fusion, "fusion",
                          "kernels before and after fusion, each fusion's "
                          "ops and bytes, and why each remaining edge was "
                          "not fused")),
    cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "sinter-compile: error: " << message << "\n";
  return 1;
}

static int compile();

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "Sinter ahead-of-time compiler for CPUs and "
                              "NVIDIA GPUs\n");
  if (!headerFile.empty() && emit != EmitKind::Object) {
    return fail("--header needs --emit=obj");
  }
  // Parsing, verifying and printing deeply nested IR recurse.
  return tools::runWithLargeStack(compile);
}

static int compile() {
  DialectRegistry registry;
  registerCPUCompilerDialects(registry);
  registerGPUCompilerDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // A diagnostic on the entry function would print the whole model after it.
  context.printOpOnDiagnostic(false);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file) {
    return fail(error);
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  std::string hazard;
  OwningOpRef<ModuleOp> module =
      tools::parseModuleGuarded(sourceMgr, &context, hazard);
  if (!hazard.empty()) {
    return fail(hazard);
  }
  if (!module) {
    return fail("cannot parse " + inputFile);
  }
  target::CompileOptions options;
  options.target = targetKind;
  options.cpu.cpu = cpuName;
  options.cpu.features = mattr;
  options.cpu.optLevel = optLevel;
  options.entry = entryName;
  options.prefix = symbolPrefix;
  options.minParallelWork = minParallelWork.getValue();
  options.printIRAfterAll = printIRAfterAll;
  options.timePasses = timing;
  std::string fusionError;
  FailureOr<FusionKinds> fusion = FusionKinds::parse(fusionKinds, fusionError);
  if (failed(fusion)) {
    return fail(fusionError);
  }
  options.fusion = *fusion;
  options.reportFusion = report == Report::Fusion;
  options.gpuArch = gpuArch;
  options.ptxas = ptxasPath;
  options.cudaToolkit = cudaToolkit;
  absl::StatusOr<target::CompileResult> result =
      compileModule(*module, options, emit, outputFile, headerFile, inputFile);
  if (!result.ok()) {
    return fail(std::string(result.status().message()));
  }
  if (report == Report::Fusion) {
    // With the artifact on stdout, the report goes to stderr.
    printFusionReport(result->fusionLog,
                      outputFile == "-" ? llvm::errs() : llvm::outs());
  }
  return 0;
}
