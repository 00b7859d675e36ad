//===- FuzzCompile.cpp - Parser, verifier and CPU pipeline on mutated IR --===//
//
// libFuzzer target: arbitrary text through what sinter-compile does before
// LLVM: the guarded parse (tools/common/GuardedParse.h), the verifier, then
// sinter-cpu-pipeline (fusion, lowering, bufferization, LLVM dialect) with
// the IR verified after every pass. Every failure must be a diagnostic:
// a crash, an assertion or a hang is a bug. The seed corpus is the lit
// tests' inputs (test/fuzz/corpus/compile, split at `// -----`).
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"
#include "tools/common/GuardedParse.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

namespace {

mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    sinter::registerCPUCompilerDialects(registry);
    auto *c = new mlir::MLIRContext(registry);
    c->loadAllAvailableDialects();
    c->disableMultithreading(); // one input at a time; no pool to fuzz
    return c;
  }();
  return *ctx;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  mlir::MLIRContext &ctx = context();
  // Diagnostics are the expected outcome; keep them off stderr.
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  // As in the tools: on a large stack (the parser, the verifier and the
  // destructors of nested IR recurse; ASan's frames are larger still).
  return sinter::tools::runWithLargeStack([&] {
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.mlir"), llvm::SMLoc());
    std::string hazard; // refused before parsing, with a message
    mlir::OwningOpRef<mlir::ModuleOp> module =
        sinter::tools::parseModuleGuarded(sourceMgr, &ctx, hazard);
    if (!module) {
      return 0;
    }
    mlir::PassManager pm(&ctx);
    pm.enableVerifier(true);
    sinter::CPUPipelineOptions options;
    sinter::buildCPUPipeline(pm, options);
    (void)pm.run(*module);
    return 0;
  });
}
