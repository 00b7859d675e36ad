//===- CompileOptions.h - What a compilation is asked to do -----*- C++ -*-===//
//
// One set of options for every target, filled once by sinter-compile (or a
// test), and read by the compile front (CompileFront.h) and by the target
// that does the work. An option that crosses the stages (precision, a memory
// budget, training) belongs here, once, and reaches every target's pipeline
// through setSharedPipelineOptions (CompileFront.h). The attributes the
// lowering leaves for the ABI are named beside it, in AbiAttributes.h.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_COMMON_COMPILEOPTIONS_H
#define SINTER_COMPILER_TARGET_COMMON_COMPILEOPTIONS_H

#include "compiler/Target/Common/AbiAttributes.h"
#include "compiler/Target/Common/ArtifactWriter.h"
#include "compiler/Transforms/FusionKinds.h"
#include "compiler/Transforms/FusionLog.h"

#include <cstdint>
#include <string>

namespace sinter::target {

/// Where the model runs.
enum class Target { CPU, NVPTX };

/// What to write. Dot: the graph after fusion as Graphviz (nothing is
/// lowered further). Llvm and Asm: CPU targets only; Ptx: GPU targets only.
enum class EmitKind { SharedObject, Object, Mlir, Llvm, Asm, Dot, Ptx };

struct CompileOptions {
  Target target = Target::CPU;
  /// The CPU the code runs on (CPU targets) or the host CPU the artifact's
  /// glue is built for (GPU targets use any x86-64).
  TargetOptions cpu;
  std::string entry;  // empty: the module's only public function
  std::string prefix; // C symbol prefix; empty: the entry's name
  FusionKinds fusion = FusionKinds::all();
  /// Collect sinter-form-fusions' decisions into CompileResult::fusionLog
  /// (sinter-compile --report=fusion).
  bool reportFusion = false;
  bool printIRAfterAll = false;
  bool timePasses = false;
  // CPU targets.
  int64_t minParallelWork = 32768;
  // GPU targets: the architecture, ptxas to make a cubin with (empty: looked
  // up in the CUDA toolkit and on PATH; "none": PTX only), and the toolkit
  // whose libdevice is linked.
  std::string gpuArch = "sm_90";
  std::string ptxas;
  std::string cudaToolkit = "/usr/local/cuda";
};

struct CompileResult {
  ModelSignature signature;
  ArtifactInfo info;
  std::string prefix;
  FusionLog fusionLog; // with CompileOptions::reportFusion
};

} // namespace sinter::target

#endif // SINTER_COMPILER_TARGET_COMMON_COMPILEOPTIONS_H
