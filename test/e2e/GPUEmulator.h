//===- GPUEmulator.h - Sinter's GPU kernels, run on this CPU -----*- C++
//-*-===//
//
// Checks the GPU code generator's kernels where there is no GPU: a module is
// lowered by sinter-gpu-kernels exactly as for the GPU (the same gpu.func
// kernels, launch table, workspace and constants buffer), then the kernels
// are compiled for this CPU instead of NVVM, with the gpu dialect's thread
// model supplied by a small emulator: each thread of a block is a fiber
// (ucontext) with its own stack; a thread runs until it reaches a barrier or
// a shuffle, and when every thread of the block has, the barrier is passed
// or the shuffle's values are exchanged. Blocks run one after another, so
// shared memory is a global per buffer.
//
// What this checks: the mapping of every kernel (indices, tiles, guards,
// barriers, block reductions, the online softmax) against the reference
// interpreter. What it cannot: NVVM/PTX lowering, ptxas, the driver (the
// ptxas tests and the `gpu` tests on a real device do).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TEST_E2E_GPUEMULATOR_H
#define SINTER_TEST_E2E_GPUEMULATOR_H

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinter::e2e {

/// Compiles `module` (lowered in place) with sinter-gpu-kernels and
/// `fusion`, then runs its launches in the emulator on `inputs` (one byte
/// buffer per input, in the ABI layout). `outputs` is resized to the
/// outputs' byte sizes and filled. Returns what failed, or "".
std::string emulateGPU(mlir::ModuleOp module, const std::string &fusion,
                       const std::vector<std::vector<uint8_t>> &inputs,
                       std::vector<std::vector<uint8_t>> &outputs);

} // namespace sinter::e2e

#endif // SINTER_TEST_E2E_GPUEMULATOR_H
