//===- Objects.h - The C API's handle types ---------------------*- C++ -*-===//
//
// What the opaque handles of sinter/runtime.h hold, shared by the files
// that implement the API (Runtime.cpp, Buffer.cpp). A CPU runtime has a
// thread pool; a CUDA runtime a cuda::Device, and its models and contexts
// the matching cuda::Program and cuda::Executor.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_OBJECTS_H
#define SINTER_RUNTIME_SRC_OBJECTS_H

#include "sinter/runtime.h"

#include "runtime/src/Cuda.h"
#include "runtime/src/ThreadPool.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

struct sinter_runtime_t {
  explicit sinter_runtime_t(int numThreads) : pool(numThreads) {}
  std::atomic<int64_t> refs{1};
  sinter::runtime::ThreadPool pool;
  sinter_abi_device_t device = SINTER_ABI_DEVICE_CPU;
  bool verifyConstants = true; // !options.skip_constants_verification
  std::string deviceName;      // for sinter_device_info_t
  std::unique_ptr<sinter::runtime::cuda::Device> cuda; // CUDA runtimes only
};

struct sinter_model_t {
  std::atomic<int64_t> refs{1};
  sinter_runtime_t *runtime = nullptr; // one reference
  const sinter_abi_model_t *descriptor = nullptr;
  void *library = nullptr; // dlopen handle, or NULL for a linked descriptor
  std::unique_ptr<sinter::runtime::cuda::Program> program; // CUDA only
};

struct sinter_context_t {
  sinter_model_t *model = nullptr; // one reference
  void *workspace = nullptr;       // CPU only
  // What the entry is given: the caller's inputs, except that an input an
  // output overwrites in place is that output's buffer, copied from the
  // input first where copyFrom is set.
  std::vector<void *> inputs;
  std::vector<const void *> copyFrom;
  std::vector<void *> outputs;
  sinter_abi_environment_t environment{};
  std::unique_ptr<sinter::runtime::cuda::Executor> executor; // CUDA only
  std::atomic<bool> running{false};
};

struct sinter_buffer_t {
  sinter_runtime_t *runtime = nullptr; // one reference
  uint64_t byteSize = 0;
  // Host memory for a CPU runtime, a CUdeviceptr for CUDA; NULL when empty.
  void *data = nullptr;
};

#endif // SINTER_RUNTIME_SRC_OBJECTS_H
