//===- Cuda.h - Running a model's GPU program with the driver ---*- C++ -*-===//
//
// The CUDA side of the runtime's objects: a Device per CUDA runtime (the
// driver, the device and its primary context), a Program per model (the
// loaded module and one function per launch) and an Executor per context
// (a stream, the workspace and the kernel parameter arrays, set up once so
// a run only fills in pointers and launches).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_CUDA_H
#define SINTER_RUNTIME_SRC_CUDA_H

#include "runtime/src/CudaDriver.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sinter::runtime::cuda {

/// An opened CUDA device. Immutable after open(); every method may be called
/// from any thread (each pushes the primary context around its driver
/// calls).
class Device {
public:
  /// Loads the driver, initialises it and retains the primary context of
  /// device `ordinal`. UNAVAILABLE without a driver or a device,
  /// OUT_OF_RANGE for an ordinal past the device count.
  static sinter_status_t open(int ordinal, std::unique_ptr<Device> *outDevice);
  ~Device();
  Device(const Device &) = delete;
  Device &operator=(const Device &) = delete;

  const Driver &driver() const { return driver_; }
  CUcontext context() const { return context_; }
  int ordinal() const { return ordinal_; }
  const std::string &name() const { return name_; }
  int computeCapabilityMajor() const { return major_; }
  int computeCapabilityMinor() const { return minor_; }
  /// "sm_90".
  const std::string &arch() const { return arch_; }
  /// The most dynamic shared memory one block may opt into, in bytes.
  uint64_t maxDynamicSharedBytes() const { return maxDynamicShared_; }

  /// Device memory. `allocate` with 0 bytes gives 0 (no allocation).
  sinter_status_t allocate(uint64_t bytes, CUdeviceptr *outPointer) const;
  void free(CUdeviceptr pointer) const;
  sinter_status_t copyToDevice(CUdeviceptr destination, const void *source,
                               uint64_t bytes) const;
  sinter_status_t copyToHost(void *destination, CUdeviceptr source,
                             uint64_t bytes) const;

private:
  Device(const Driver &driver, int ordinal)
      : driver_(driver), ordinal_(ordinal) {}

  const Driver &driver_;
  int ordinal_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  std::string name_;
  int major_ = 0;
  int minor_ = 0;
  std::string arch_;
  uint64_t maxDynamicShared_ = 0;
};

/// A model's GPU program loaded into a device's primary context: the module
/// and the function of every launch, resolved once. Immutable; the device
/// must outlive it.
class Program {
public:
  /// Loads the cubin when the device's compute capability is the program's
  /// arch, else (or when the cubin is refused) the PTX, which the driver
  /// JIT-compiles; resolves every kernel and opts kernels into more than
  /// 48 KiB of dynamic shared memory. Messages start with `origin`.
  static sinter_status_t load(const Device &device,
                              const sinter_abi_model_t &descriptor,
                              const std::string &origin,
                              std::unique_ptr<Program> *outProgram);
  ~Program();
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  const Device &device() const { return device_; }
  /// "cubin" or "ptx": which image the module was loaded from.
  const char *image() const { return image_; }
  CUfunction function(size_t launch) const { return functions_[launch]; }
  /// The device copy of the program's constants (0 when it has none).
  CUdeviceptr constants() const { return constants_; }

private:
  explicit Program(const Device &device) : device_(device) {}

  const Device &device_;
  CUmodule module_ = nullptr;
  const char *image_ = "";
  std::vector<CUfunction> functions_;
  CUdeviceptr constants_ = 0;
};

/// One context's execution state: a stream, the workspace and the kernel
/// parameters. Used by one thread at a time; the program must outlive it.
class Executor {
public:
  static sinter_status_t create(const Program &program,
                                const sinter_abi_model_t &descriptor,
                                std::unique_ptr<Executor> *outExecutor);
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  /// Issues every launch in order on the stream and waits for them.
  /// `inputs`/`outputs` are device pointers, checked by the caller; first,
  /// each input whose `copyFrom` is set (one written in place into an
  /// output's buffer) is copied there from it on the stream.
  sinter_status_t run(void *const *inputs, void *const *outputs,
                      const void *const *copyFrom);

private:
  Executor(const Program &program, const sinter_abi_model_t &descriptor)
      : program_(program), descriptor_(descriptor) {}

  const Program &program_;
  const sinter_abi_model_t &descriptor_;
  CUstream stream_ = nullptr;
  CUdeviceptr workspaceAllocation_ = 0;
  CUdeviceptr workspace_ = 0; // aligned to workspace_alignment
  // One CUdeviceptr per argument of every launch, and per launch an array of
  // pointers to them (cuLaunchKernel's kernelParams).
  std::vector<CUdeviceptr> values_;
  std::vector<void *> params_;
  std::vector<size_t> firstParam_;
};

} // namespace sinter::runtime::cuda

#endif // SINTER_RUNTIME_SRC_CUDA_H
