//===- CompileAndCheck.h - Compiled code against the interpreter -*- C++
//-*-===//
//
// The end-to-end oracle: compile a module for this CPU (or the CUDA device)
// into a shared object, load it with the runtime, run it on deterministic
// inputs and compare every output with the reference interpreter under the
// per-dtype tolerances of compiler/Reference/Tolerance.h.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TEST_E2E_COMPILEANDCHECK_H
#define SINTER_TEST_E2E_COMPILEANDCHECK_H

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/FusionKinds.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace sinter::e2e {

/// A context with every dialect the CPU path needs.
std::unique_ptr<mlir::MLIRContext> makeContext();

struct CheckOptions {
  uint64_t seed = 1;
  int threads = 2;
  /// Inputs to use instead of random ones (one per argument), if not empty.
  std::vector<reference::HostTensor> inputs;
  /// Scales the default tolerance (e.g. for deep models in bf16).
  double toleranceScale = 1.0;
  /// Target CPU for the compiler ("native", "x86-64-v3", ...).
  std::string cpu = "native";
  /// Fusion kinds, as sinter-compile --fusion ("all", "none", a list).
  std::string fusion = "all";
  /// Where to run: this CPU, or CUDA device 0 (compiled for its
  /// architecture, inputs and outputs through device buffers); Default is
  /// what setDefaultDevice chose (the CPU unless a test binary is built to
  /// run on the GPU, see OnCuda.cpp).
  /// Emulated: the GPU kernels, compiled for this CPU and run by the
  /// emulator of GPUEmulator.h.
  enum class Device { Default, Cpu, Cuda, Emulated } device = Device::Default;
};

/// `text` ("all", "none", a list) as sinter-compile --fusion reads it; a
/// kind the test misspells stops the test binary, naming it.
FusionKinds fusionKinds(llvm::StringRef text);

/// The device of CheckOptions::Device::Default.
void setDefaultDevice(CheckOptions::Device device);

/// Why CUDA device 0 cannot run tests ("no CUDA driver ...", "no CUDA
/// device ..."); empty when it can.
std::string cudaUnavailableReason();

/// Returns an empty string when every output matches, else what differs (or
/// which step failed).
std::string compileRunAndCompare(mlir::ModuleOp module,
                                 const CheckOptions &options = {});
std::string compileRunAndCompare(const std::string &mlirText,
                                 const CheckOptions &options = {});

} // namespace sinter::e2e

#endif // SINTER_TEST_E2E_COMPILEANDCHECK_H
