//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -*- C++ -*-===//
//
// dlopen's the driver library once per path and resolves each entry point
// by the symbol libcuda exports for the current API version (several are
// "_v2" symbols: the plain names keep the CUDA 3.x ABI with 32-bit sizes).
//
//===----------------------------------------------------------------------===//

#include "runtime/src/CudaDriver.h"

#include "runtime/src/Status.h"

#include <cstdlib>
#include <dlfcn.h>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>

namespace sinter::runtime::cuda {

namespace {

constexpr const char *kDefaultDriver = "libcuda.so.1";

/// Resolves the first of `names` the library exports into `function`;
/// returns the first name when none is there (for the message).
template <typename Function>
const char *bind(void *library, Function &function,
                 std::initializer_list<const char *> names) {
  for (const char *name : names) {
    if (void *address = dlsym(library, name)) {
      // POSIX guarantees dlsym's object pointers convert to function ones.
      function = reinterpret_cast<Function>(address);
      return nullptr;
    }
  }
  function = nullptr;
  return *names.begin();
}

sinter_status_t resolve(void *library, Driver &d) {
  const char *missing = nullptr;
  auto need = [&](auto &function, std::initializer_list<const char *> names) {
    const char *absent = bind(library, function, names);
    missing = missing ? missing : absent;
  };
  need(d.cuInit, {"cuInit"});
  need(d.cuDriverGetVersion, {"cuDriverGetVersion"});
  need(d.cuDeviceGetCount, {"cuDeviceGetCount"});
  need(d.cuDeviceGet, {"cuDeviceGet"});
  need(d.cuDeviceGetAttribute, {"cuDeviceGetAttribute"});
  need(d.cuDeviceGetName, {"cuDeviceGetName"});
  need(d.cuDevicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"});
  need(d.cuDevicePrimaryCtxRelease,
       {"cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease"});
  need(d.cuCtxPushCurrent, {"cuCtxPushCurrent_v2"});
  need(d.cuCtxPopCurrent, {"cuCtxPopCurrent_v2"});
  need(d.cuModuleLoadData, {"cuModuleLoadData"});
  need(d.cuModuleGetFunction, {"cuModuleGetFunction"});
  need(d.cuModuleUnload, {"cuModuleUnload"});
  need(d.cuFuncSetAttribute, {"cuFuncSetAttribute"});
  need(d.cuMemAlloc, {"cuMemAlloc_v2"});
  need(d.cuMemFree, {"cuMemFree_v2"});
  need(d.cuMemcpyHtoD, {"cuMemcpyHtoD_v2"});
  need(d.cuMemcpyDtoH, {"cuMemcpyDtoH_v2"});
  need(d.cuMemcpyDtoDAsync, {"cuMemcpyDtoDAsync_v2"});
  need(d.cuPointerGetAttribute, {"cuPointerGetAttribute"});
  need(d.cuStreamCreate, {"cuStreamCreate"});
  need(d.cuStreamDestroy, {"cuStreamDestroy_v2", "cuStreamDestroy"});
  need(d.cuStreamSynchronize, {"cuStreamSynchronize"});
  need(d.cuLaunchKernel, {"cuLaunchKernel"});
  need(d.cuGetErrorName, {"cuGetErrorName"});
  need(d.cuGetErrorString, {"cuGetErrorString"});
  // Optional: only improves messages.
  (void)bind(library, d.cuModuleLoadDataEx, {"cuModuleLoadDataEx"});
  if (missing) {
    return makeStatus(SINTER_STATUS_UNAVAILABLE,
                      "no usable CUDA driver: '" + d.path +
                          "' does not export " + missing +
                          " (a driver older than CUDA 11?)");
  }
  return nullptr;
}

} // namespace

sinter_status_code_t statusCode(CUresult result) {
  switch (result) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return SINTER_STATUS_RESOURCE_EXHAUSTED;
  case CUDA_ERROR_NO_DEVICE:
  case 3:   // CUDA_ERROR_NOT_INITIALIZED
  case 4:   // CUDA_ERROR_DEINITIALIZED
  case 35:  // CUDA_ERROR_INSUFFICIENT_DRIVER
  case 101: // CUDA_ERROR_INVALID_DEVICE
  case 999: // CUDA_ERROR_UNKNOWN, e.g. a driver/kernel-module mismatch
    return SINTER_STATUS_UNAVAILABLE;
  case 200: // CUDA_ERROR_INVALID_IMAGE
  case 209: // CUDA_ERROR_NO_BINARY_FOR_GPU
  case 218: // CUDA_ERROR_INVALID_PTX
  case 222: // CUDA_ERROR_UNSUPPORTED_PTX_VERSION
  case 500: // CUDA_ERROR_NOT_FOUND
    return SINTER_STATUS_FAILED_PRECONDITION;
  default:
    return SINTER_STATUS_INTERNAL;
  }
}

std::string Driver::describe(const char *call, CUresult result) const {
  const char *name = nullptr;
  const char *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name) {
    name = nullptr;
  }
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS || !text) {
    text = nullptr;
  }
  std::string message = std::string(call) + ": ";
  message += name ? name : "CUresult " + std::to_string(result);
  if (text) {
    message += std::string(" (") + text + ")";
  }
  return message;
}

sinter_status_t Driver::check(CUresult result, const char *call,
                              const std::string &prefix) const {
  if (result == CUDA_SUCCESS) {
    return nullptr;
  }
  return makeStatus(statusCode(result), prefix + describe(call, result));
}

sinter_status_t loadDriver(const Driver **outDriver) {
  *outDriver = nullptr;
  const char *override = std::getenv("SINTER_CUDA_DRIVER");
  std::string path = override && *override ? override : kDefaultDriver;

  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Driver>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.find(path); it != loaded.end()) {
    *outDriver = it->second.get();
    return nullptr;
  }
  dlerror();
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *error = dlerror();
    return makeStatus(SINTER_STATUS_UNAVAILABLE,
                      "no CUDA driver: " + path + " could not be loaded (" +
                          (error ? error : "unknown error") + ")");
  }
  auto driver = std::make_unique<Driver>();
  driver->path = path;
  if (sinter_status_t status = resolve(library, *driver)) {
    dlclose(library);
    return status;
  }
  *outDriver = driver.get();
  loaded.emplace(path, std::move(driver));
  return nullptr;
}

ScopedContext::ScopedContext(const Driver &driver, CUcontext context)
    : driver_(driver) {
  status_ = driver.check(driver.cuCtxPushCurrent(context), "cuCtxPushCurrent");
  pushed_ = status_ == nullptr;
}

ScopedContext::~ScopedContext() {
  if (pushed_) {
    CUcontext previous = nullptr;
    (void)driver_.cuCtxPopCurrent(&previous);
  }
  sinter_status_free(status_);
}

} // namespace sinter::runtime::cuda
