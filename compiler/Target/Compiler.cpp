//===- Compiler.cpp - Compile a sinter module for any target -------------===//

#include "compiler/Target/Compiler.h"

#include "compiler/Target/CPU/CPUCompiler.h"
#include "compiler/Target/Common/CompileFront.h"
#include "compiler/Target/GPU/GPUCompiler.h"

namespace sinter {

using namespace target;

absl::StatusOr<CompileResult>
compileModule(ModuleOp module, const CompileOptions &options, EmitKind emit,
              llvm::StringRef outputPath, llvm::StringRef headerPath,
              llvm::StringRef sourceName) {
  if (!headerPath.empty() && emit != EmitKind::Object) {
    return absl::InvalidArgumentError("a header goes with --emit=obj");
  }
  bool gpu = options.target == Target::NVPTX;
  absl::Status valid = gpu ? gpu::checkOptions(options, emit, headerPath)
                           : cpu::checkOptions(options, emit);
  if (!valid.ok()) {
    return valid;
  }
  absl::StatusOr<CompileFront> front =
      startCompile(module, options, sourceName);
  if (!front.ok()) {
    return front.status();
  }
  // Fusion decisions arrive as remarks, taken off the context while the
  // target compiles.
  std::optional<FusionRemarkCollector> fusionRemarks;
  if (options.reportFusion) {
    fusionRemarks.emplace(module.getContext());
  }
  absl::StatusOr<CompileResult> result =
      emit == EmitKind::Dot
          ? emitFusionDot(module, options, *front, outputPath, sourceName)
      : gpu
          ? gpu::compile(module, *front, options, emit, outputPath, sourceName)
          : cpu::compile(module, *front, options, emit, outputPath, headerPath,
                         sourceName);
  if (result.ok() && fusionRemarks) {
    result->fusionLog = fusionRemarks->log();
  }
  return result;
}

} // namespace sinter
