//===- ArtifactWriter.h - Descriptors, objects, shared objects, headers -===//
//
// The last step of every target: the host side of an artifact, as LLVM IR
// with the model descriptor of runtime/include/sinter/abi.h (the compiler's
// mirror of the runtime's ABI, like IREE's LibraryBuilder), emitted for the
// host CPU as an object, a shared object or assembly, and a C header for
// embedding. A CPU artifact's host side is the lowered module itself, given
// the ABI entry point and optimized for the target CPU; a GPU artifact's is
// data only (the descriptor, the PTX and cubin, the launch table).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TARGET_COMMON_ARTIFACTWRITER_H
#define SINTER_COMPILER_TARGET_COMMON_ARTIFACTWRITER_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dialects/sinter/IR/ElementTypes.h"
#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinter::target {

/// One input or output as the ABI describes it.
struct TensorSignature {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// An output written in place over this input (`sinter.aliases_input`).
  std::optional<unsigned> aliasedInput;
};

/// What the descriptor says about the entry point, read from the sinter
/// function before lowering (the lowered one has lost the names).
struct ModelSignature {
  std::string entry;
  std::vector<TensorSignature> inputs, outputs;

  /// The outputs the lowered entry takes a buffer for, in order: those not
  /// written in place over an input.
  std::vector<unsigned> bufferedOutputs() const;
};

/// Names come from `sinter.name` argument/result attributes, else
/// `input<i>`/`output<i>`; `sinter.aliases_input` gives aliasedInput.
/// Fails (with a diagnostic) on a non-tensor or unsupported element type,
/// or duplicate names.
FailureOr<ModelSignature> getModelSignature(func::FuncOp fn);

struct TargetOptions {
  std::string cpu = "native"; // or an LLVM CPU name: x86-64-v3, znver4, ...
  std::string features;       // extra LLVM features, e.g. "-avx512f"
  int optLevel = 3;
};

struct ResolvedTarget {
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string triple, cpu, features;
  uint64_t abiFeatures = 0;  // SINTER_ABI_CPU_* bits the code may use
  int64_t vectorWidth = 4;   // f32 lanes of the widest vector unit
  int64_t matmulVectors = 2; // vectors per row of the matmul kernel
};

/// Resolves `native` to the host, checks the CPU name is known.
absl::StatusOr<ResolvedTarget> resolveTarget(const TargetOptions &options);

struct ArtifactInfo {
  uint64_t workspaceBytes = 0;
  /// The size of the one block every constant of the code lives in (with
  /// the padding that aligns each), and sinter_abi_constants_hash of it.
  uint64_t constantBytes = 0;
  uint64_t constantsHash = 0;
};

/// Translates `lowered` (LLVM dialect) and adds, with `prefix` as the symbol
/// prefix: `<prefix>_entry` (sinter_abi_entry_fn), `<prefix>_run` (typed),
/// `<prefix>_descriptor()`, and when `exportRuntimeSymbol` the shared
/// object's `sinter_model_descriptor()`. Then runs LLVM's O3 pipeline.
absl::StatusOr<std::unique_ptr<llvm::Module>>
buildArtifactModule(ModuleOp lowered, const ModelSignature &signature,
                    const ResolvedTarget &target, llvm::LLVMContext &context,
                    llvm::StringRef prefix, bool exportRuntimeSymbol,
                    ArtifactInfo &info);

/// The GPU code of a CUDA artifact (sinter_abi_gpu_program_t).
struct GPUKernelArg {
  uint32_t kind = 0; // a sinter_abi_gpu_arg_kind_t
  uint32_t index = 0;
  uint64_t byteOffset = 0;
};
struct GPULaunch {
  std::string kernel;
  std::array<uint32_t, 3> grid = {1, 1, 1}, block = {1, 1, 1};
  uint32_t dynamicSharedBytes = 0;
  std::vector<GPUKernelArg> args;
};
struct GPUProgram {
  std::string arch;  // sm_90
  std::string ptx;   // always
  std::string cubin; // empty when ptxas was not available
  std::vector<GPULaunch> launches;
  std::string constants; // the weights kernels read (uploaded at load)
};

/// An artifact with no host code: the descriptor (device CUDA, no entry
/// point) and `program`, for the CPU `host` only so it can be loaded.
absl::StatusOr<std::unique_ptr<llvm::Module>>
buildGPUArtifactModule(const ModelSignature &signature,
                       const GPUProgram &program, uint64_t workspaceBytes,
                       const ResolvedTarget &host, llvm::LLVMContext &context,
                       llvm::StringRef prefix, bool exportRuntimeSymbol,
                       ArtifactInfo &info);

/// Sets every function's target CPU and features, verifies, runs LLVM's O3
/// pipeline and legalizes bf16 for CPUs without AVX512-BF16 (what
/// buildArtifactModule does after the glue).
absl::Status optimizeForCPU(llvm::Module &module, const ResolvedTarget &target);

/// Emits an object file or assembly for `module`.
absl::Status emitMachineCode(llvm::Module &module, const ResolvedTarget &target,
                             bool assembly, llvm::raw_pwrite_stream &os);

/// Emits `module` as an object into a temporary file and links it into
/// the shared object at `path`.
absl::Status writeSharedObject(llvm::Module &module,
                               const ResolvedTarget &target,
                               llvm::StringRef path);

/// Links an object into a shared object with the system C compiler driver.
absl::Status linkSharedObject(llvm::StringRef objectPath,
                              llvm::StringRef sharedObjectPath);

/// A C header declaring the typed entry point and the descriptor.
std::string generateHeader(const ModelSignature &signature,
                           llvm::StringRef prefix, const ArtifactInfo &info,
                           llvm::StringRef source);

/// A C identifier made from `name` (model names become symbol prefixes).
std::string toCIdentifier(llvm::StringRef name);

/// What follows the two pointers of an identity-layout memref descriptor as
/// MLIR's LLVM lowering passes it to a function: the offset (0), the sizes
/// and the row-major strides.
std::vector<int64_t> memrefDescriptorScalars(llvm::ArrayRef<int64_t> shape);

} // namespace sinter::target

#endif // SINTER_COMPILER_TARGET_COMMON_ARTIFACTWRITER_H
