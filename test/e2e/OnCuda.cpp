//===- OnCuda.cpp - Run an end-to-end test binary on the GPU
//---------------===//
//
// Linked into the `gpu`-labelled copies of the end-to-end tests
// (SinterE2E*GPUTests): every compileRunAndCompare then compiles for CUDA
// device 0's architecture and runs there. Without a CUDA driver or device
// every test is skipped with the reason printed.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "gtest/gtest.h"

#include <cstdio>

namespace sinter::e2e {
namespace {

class OnCudaEnvironment : public testing::Environment {
public:
  void SetUp() override {
    std::string reason = cudaUnavailableReason();
    if (!reason.empty()) {
      // Why skipping is right: these tests need a GPU, and this machine has
      // none; the same suites run on the emulator (emugpu.*) everywhere.
      GTEST_SKIP() << "skipped: no CUDA device (" << reason << ")";
    }
    setDefaultDevice(CheckOptions::Device::Cuda);
  }
};

const testing::Environment *const kOnCuda =
    testing::AddGlobalTestEnvironment(new OnCudaEnvironment);

} // namespace
} // namespace sinter::e2e
