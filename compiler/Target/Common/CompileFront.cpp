//===- CompileFront.cpp - The steps every target takes first -------------===//

#include "compiler/Target/Common/CompileFront.h"

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Transforms/FusionLog.h"

#include "absl/strings/str_cat.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/ToolOutputFile.h"

namespace sinter::target {

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

absl::StatusOr<CompileFront> startCompile(ModuleOp module,
                                          const CompileOptions &options,
                                          llvm::StringRef sourceName) {
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
  CompileFront front;
  front.entry = *entry;
  front.signature = *signature;
  front.prefix =
      toCIdentifier(options.prefix.empty() ? signature->entry : options.prefix);
  return front;
}

absl::StatusOr<CompileResult> emitFusionDot(ModuleOp module,
                                            const CompileOptions &options,
                                            const CompileFront &front,
                                            llvm::StringRef outputPath,
                                            llvm::StringRef sourceName) {
  PassManager pm(module.getContext());
  instrument(pm, options);
  FusionPipelineOptions fusion;
  setSharedPipelineOptions(options, fusion);
  buildFusionPipeline(pm, fusion,
                      options.target == Target::NVPTX ? "nvptx" : "cpu");
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
  result.signature = front.signature;
  result.prefix = front.prefix;
  return result;
}

} // namespace sinter::target
