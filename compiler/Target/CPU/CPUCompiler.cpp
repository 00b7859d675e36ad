//===- CPUCompiler.cpp - A sinter module to a CPU artifact ---------------===//

#include "compiler/Target/CPU/CPUCompiler.h"

#include "compiler/Pipelines/CPUPipeline.h"

#include "absl/strings/str_cat.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"

namespace sinter::cpu {

using namespace target;

absl::Status checkOptions(const CompileOptions &, EmitKind emit) {
  if (emit == EmitKind::Ptx) {
    return absl::InvalidArgumentError(
        "--emit=ptx needs a GPU target (--target=nvptx)");
  }
  return absl::OkStatus();
}

absl::StatusOr<CompileResult> compile(ModuleOp module,
                                      const CompileFront &front,
                                      const CompileOptions &options,
                                      EmitKind emit, llvm::StringRef outputPath,
                                      llvm::StringRef headerPath,
                                      llvm::StringRef sourceName) {
  absl::StatusOr<ResolvedTarget> target = resolveTarget(options.cpu);
  if (!target.ok()) {
    return target.status();
  }

  MLIRContext *ctx = module.getContext();
  PassManager pm(ctx);
  instrument(pm, options);
  CPUPipelineOptions pipeline;
  setSharedPipelineOptions(options, pipeline);
  pipeline.vectorWidth = target->vectorWidth;
  pipeline.matmulVectors = target->matmulVectors;
  pipeline.minParallelWork = options.minParallelWork;
  buildCPUPipeline(pm, pipeline);
  if (failed(pm.run(module))) {
    return absl::InternalError(
        absl::StrCat("lowering ", sourceName.str(), " failed"));
  }

  CompileResult result;
  result.signature = front.signature;
  result.prefix = front.prefix;
  std::string error;
  // Both files are opened before anything is written, and each is kept only
  // when everything succeeded, so a failure leaves neither behind.
  std::unique_ptr<llvm::ToolOutputFile> header;
  if (!headerPath.empty()) {
    header = openOutputFile(headerPath, &error);
    if (!header) {
      return absl::UnavailableError(error);
    }
  }
  auto output = openOutputFile(outputPath, &error);
  if (!output) {
    return absl::UnavailableError(error);
  }
  if (emit == EmitKind::Mlir) {
    module.print(output->os());
    output->keep();
    return result;
  }

  llvm::LLVMContext llvmContext;
  auto llvmModule = buildArtifactModule(
      module, front.signature, *target, llvmContext, result.prefix,
      /*exportRuntimeSymbol=*/emit == EmitKind::SharedObject, result.info);
  if (!llvmModule.ok()) {
    return llvmModule.status();
  }
  switch (emit) {
  case EmitKind::Dot: // written by the front
  case EmitKind::Llvm:
    (*llvmModule)->print(output->os(), nullptr);
    break;
  case EmitKind::Asm:
  case EmitKind::Object: {
    absl::Status s = emitMachineCode(**llvmModule, *target,
                                     emit == EmitKind::Asm, output->os());
    if (!s.ok()) {
      return s;
    }
    break;
  }
  case EmitKind::SharedObject: {
    output->os().flush();
    absl::Status s = writeSharedObject(**llvmModule, *target, outputPath);
    if (!s.ok()) {
      return s;
    }
    break;
  }
  case EmitKind::Mlir:
  case EmitKind::Ptx:
    break;
  }
  if (header) {
    header->os() << generateHeader(front.signature, result.prefix, result.info,
                                   sourceName);
    header->keep();
  }
  output->keep();
  return result;
}

} // namespace sinter::cpu
