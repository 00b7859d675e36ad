//===- CPUCompiler.cpp - Compile a sinter module to a CPU artifact -------===//

#include "compiler/Target/CPU/CPUCompiler.h"

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Transforms/FusionLog.h"

#include "absl/strings/str_cat.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace sinter::cpu {

/// The verifier lets a dense_resource without data pass (printed IR elides
/// blobs), but an artifact needs the bytes; MLIR's translation to LLVM IR
/// would fail later with "resource does not exist", naming neither the
/// resource nor the op.
static absl::Status checkResourcesHaveData(func::FuncOp fn) {
  absl::Status status = absl::OkStatus();
  fn.walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs()) {
      auto resource = dyn_cast<DenseResourceElementsAttr>(attr.getValue());
      if (!resource || resource.getRawHandle().getBlob()) {
        continue;
      }
      std::string where;
      if (auto loc = dyn_cast<FileLineColLoc>(op->getLoc())) {
        where = absl::StrCat(loc.getFilename().str(), ":", loc.getLine(), ":",
                             loc.getColumn(), ": ");
      }
      status = absl::InvalidArgumentError(absl::StrCat(
          where, "'", op->getName().getStringRef().str(),
          "' reads dense_resource '", resource.getRawHandle().getKey().str(),
          "', which has no data: the file's {-# dialect_resources: { "
          "builtin: ... } #-} section defines no blob of that name"));
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return status;
}

absl::StatusOr<func::FuncOp> selectEntry(ModuleOp module,
                                         llvm::StringRef name) {
  SmallVector<func::FuncOp> publics;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isPublic() && !fn.isExternal()) {
      publics.push_back(fn);
    }
  }
  func::FuncOp entry;
  if (!name.empty()) {
    entry = module.lookupSymbol<func::FuncOp>(name);
    if (!entry || entry.isExternal()) {
      return absl::NotFoundError(
          absl::StrCat("no function named '", name.str(), "' to compile"));
    }
  } else if (publics.size() == 1) {
    entry = publics.front();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("the module has ", publics.size(),
                     " public functions; pick the entry point with --entry"));
  }
  // One artifact, one entry: the other functions are not compiled.
  for (func::FuncOp fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (fn == entry) {
      continue;
    }
    if (!SymbolTable::symbolKnownUseEmpty(fn, module)) {
      return absl::UnimplementedError(absl::StrCat(
          "function '", fn.getName().str(),
          "' is called; calls between functions are not supported yet"));
    }
    fn.erase();
  }
  entry.setPublic();
  if (absl::Status status = checkResourcesHaveData(entry); !status.ok()) {
    return status;
  }
  return entry;
}

void instrument(PassManager &pm, const CompileOptions &options) {
  if (options.printIRAfterAll) {
    pm.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  if (options.timePasses) {
    pm.enableTiming();
  }
}

absl::StatusOr<CompileResult>
compileModule(ModuleOp module, const CompileOptions &options, EmitKind emit,
              llvm::StringRef outputPath, llvm::StringRef headerPath,
              llvm::StringRef sourceName) {
  if (!headerPath.empty() && emit != EmitKind::Object) {
    return absl::InvalidArgumentError("a header goes with --emit=obj");
  }
  if (emit == EmitKind::Ptx) {
    return absl::InvalidArgumentError(
        "--emit=ptx needs a GPU target (--target=nvptx)");
  }
  if (failed(verify(module))) {
    return absl::InvalidArgumentError(
        absl::StrCat(sourceName.str(), " does not verify"));
  }
  absl::StatusOr<func::FuncOp> entry = selectEntry(module, options.entry);
  if (!entry.ok()) {
    return entry.status();
  }
  FailureOr<ModelSignature> signature = getModelSignature(*entry);
  if (failed(signature)) {
    return absl::InvalidArgumentError(
        "the entry function's signature cannot be compiled");
  }
  absl::StatusOr<ResolvedTarget> target = resolveTarget(options.target);
  if (!target.ok()) {
    return target.status();
  }

  MLIRContext *ctx = module.getContext();
  PassManager pm(ctx);
  instrument(pm, options);
  if (emit == EmitKind::Dot) {
    FusionPipelineOptions fusion;
    fusion.fusion = options.fusion;
    fusion.log = options.fusionLog;
    buildFusionPipeline(pm, fusion);
    if (failed(pm.run(module))) {
      return absl::InvalidArgumentError(
          absl::StrCat("fusing ", sourceName.str(), " failed"));
    }
    std::string error;
    auto output = openOutputFile(outputPath, &error);
    if (!output) {
      return absl::UnavailableError(error);
    }
    writeFusionDot(module, output->os());
    output->keep();
    CompileResult result;
    result.signature = *signature;
    result.prefix = toCIdentifier(options.prefix.empty() ? signature->entry
                                                         : options.prefix);
    return result;
  }
  CPUPipelineOptions pipeline;
  pipeline.fusion = options.fusion;
  pipeline.fusionLog = options.fusionLog;
  pipeline.vectorWidth = target->vectorWidth;
  pipeline.matmulVectors = target->matmulVectors;
  pipeline.minParallelWork = options.minParallelWork;
  buildCPUPipeline(pm, pipeline);
  if (failed(pm.run(module))) {
    return absl::InternalError(
        absl::StrCat("lowering ", sourceName.str(), " failed"));
  }

  CompileResult result;
  result.signature = *signature;
  result.prefix =
      toCIdentifier(options.prefix.empty() ? signature->entry : options.prefix);
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
      module, *signature, *target, llvmContext, result.prefix,
      /*exportRuntimeSymbol=*/emit == EmitKind::SharedObject, result.info);
  if (!llvmModule.ok()) {
    return llvmModule.status();
  }
  switch (emit) {
  case EmitKind::Dot:
    break; // written above
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
    header->os() << generateHeader(*signature, result.prefix, result.info,
                                   sourceName);
    header->keep();
  }
  output->keep();
  return result;
}

} // namespace sinter::cpu
