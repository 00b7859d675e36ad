//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime never links libcuda: it builds and runs on machines without
// one, and finds the driver with dlopen when a CUDA runtime is created. This
// header declares the few driver types and entry points the runtime calls,
// with the driver's own (C ABI) signatures, and turns every CUresult into a
// status carrying the driver's error name and string.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_CUDADRIVER_H
#define SINTER_RUNTIME_SRC_CUDADRIVER_H

#include "sinter/runtime.h"

#include <cstddef>
#include <string>
#include <utility>

namespace sinter::runtime::cuda {

// The driver's types, as cuda.h declares them.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUjit_option = int;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;

// cuDeviceGetAttribute attributes.
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

// cuPointerGetAttribute: the memory type (an unsigned int).
constexpr int CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2;

// cuFuncSetAttribute: dynamic shared memory above the default 48 KiB must be
// opted into per kernel.
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr unsigned kDefaultDynamicSharedBytes = 48 * 1024;

// cuModuleLoadDataEx options: where the PTX JIT writes its error log.
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr CUjit_option CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;

/// The loaded driver: one function pointer per entry point. Immutable once
/// loaded and shared by every runtime, so any thread may call through it.
struct Driver {
  std::string path; // what was dlopen'ed

  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxPushCurrent)(CUcontext context);
  CUresult (*cuCtxPopCurrent)(CUcontext *context);
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  // Optional: the PTX JIT's error log goes into messages when present.
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image,
                                 unsigned numOptions, CUjit_option *options,
                                 void **optionValues);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuFuncSetAttribute)(CUfunction function, int attribute, int value);
  CUresult (*cuMemAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr pointer);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr destination, const void *source,
                           size_t bytes);
  CUresult (*cuMemcpyDtoH)(void *destination, CUdeviceptr source, size_t bytes);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr destination, CUdeviceptr source,
                                size_t bytes, CUstream stream);
  // Whether the driver knows an address (device, managed or registered
  // host memory): a run refuses anything else instead of faulting.
  CUresult (*cuPointerGetAttribute)(void *data, int attribute,
                                    CUdeviceptr pointer);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedBytes, CUstream stream,
                             void **kernelParams, void **extra);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuGetErrorString)(CUresult error, const char **text);

  /// "cuModuleLoadData: CUDA_ERROR_NO_BINARY_FOR_GPU (no kernel image is
  /// available for execution on the device)".
  std::string describe(const char *call, CUresult result) const;

  /// NULL for CUDA_SUCCESS; otherwise a status "<prefix><describe(...)>"
  /// whose code follows the error (out of memory, no device, ...).
  sinter_status_t check(CUresult result, const char *call,
                        const std::string &prefix = "") const;
};

/// The status code for a driver error: RESOURCE_EXHAUSTED for out of
/// memory, UNAVAILABLE for no (usable) device, FAILED_PRECONDITION for code
/// the device cannot run, INTERNAL otherwise.
sinter_status_code_t statusCode(CUresult result);

/// The driver library at $SINTER_CUDA_DRIVER, or libcuda.so.1. Each path is
/// loaded once and kept loaded for the life of the process (drivers do not
/// support unloading); thread-safe. A library that cannot be loaded, or
/// lacks an entry point, is an UNAVAILABLE status ("no CUDA driver: ...").
sinter_status_t loadDriver(const Driver **outDriver);

/// Makes `context` current on the calling thread for the scope's lifetime
/// and restores the previous one after. Driver calls that allocate, copy,
/// load or launch need a current context; the runtime pushes its primary
/// context around each of them, so applications never manage contexts.
class ScopedContext {
public:
  ScopedContext(const Driver &driver, CUcontext context);
  ~ScopedContext();
  ScopedContext(const ScopedContext &) = delete;
  ScopedContext &operator=(const ScopedContext &) = delete;

  /// NULL if the push succeeded, otherwise why not (the caller must not
  /// make driver calls then).
  sinter_status_t status() { return std::exchange(status_, nullptr); }

private:
  const Driver &driver_;
  bool pushed_ = false;
  sinter_status_t status_ = nullptr;
};

} // namespace sinter::runtime::cuda

#endif // SINTER_RUNTIME_SRC_CUDADRIVER_H
