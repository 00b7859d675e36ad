//===- OnEmulatedGPU.cpp - Run an end-to-end test binary's GPU kernels here
//===//
//
// Linked into the emulated-GPU copies of the end-to-end tests
// (SinterE2E*EmulatedGPUTests): every compileRunAndCompare then compiles the
// model with the GPU pipeline and runs its kernels on this CPU in the
// emulator of GPUEmulator.h. Needs no GPU, so it runs everywhere.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

class OnEmulatedGPUEnvironment : public testing::Environment {
public:
  void SetUp() override { setDefaultDevice(CheckOptions::Device::Emulated); }
};

const testing::Environment *const kOnEmulatedGPU =
    testing::AddGlobalTestEnvironment(new OnEmulatedGPUEnvironment);

} // namespace
} // namespace sinter::e2e
