//===- Buffer.cpp - Memory on a runtime's device ----------------*- C++ -*-===//
//
// sinter_buffer_t: device memory for a CUDA runtime, aligned host memory for
// a CPU runtime, so an application moves its data the same way for either.
// Copies are synchronous and check their size against the buffer's.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Objects.h"
#include "runtime/src/Status.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace cuda = sinter::runtime::cuda;
using sinter::runtime::annotate;
using sinter::runtime::makeStatus;

namespace {

constexpr uint64_t kHostAlignment = 64;

sinter_status_t invalidArgument(const std::string &message) {
  return makeStatus(SINTER_STATUS_INVALID_ARGUMENT, message);
}

/// The checks both copy directions make; "" when the copy may go ahead.
std::string copyProblem(const char *function, const sinter_buffer_t *buffer,
                        const void *host, uint64_t byteSize) {
  if (!buffer) {
    return std::string(function) + ": buffer is NULL";
  }
  if (byteSize > buffer->byteSize) {
    return std::string(function) + ": " + std::to_string(byteSize) +
           " bytes do not fit in a buffer of " +
           std::to_string(buffer->byteSize) + " bytes";
  }
  if (!host && byteSize > 0) {
    return std::string(function) + ": host is NULL but byte_size is " +
           std::to_string(byteSize);
  }
  return "";
}

cuda::CUdeviceptr devicePointer(const sinter_buffer_t *buffer) {
  return reinterpret_cast<cuda::CUdeviceptr>(buffer->data);
}

} // namespace

extern "C" {

sinter_status_t sinter_buffer_allocate(sinter_runtime_t *runtime,
                                       uint64_t byte_size,
                                       sinter_buffer_t **out_buffer) {
  if (!out_buffer) {
    return invalidArgument("sinter_buffer_allocate: out_buffer is NULL");
  }
  *out_buffer = nullptr;
  if (!runtime) {
    return invalidArgument("sinter_buffer_allocate: runtime is NULL");
  }
  auto *buffer = new (std::nothrow) sinter_buffer_t;
  if (!buffer) {
    return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                      "out of memory allocating a buffer");
  }
  if (runtime->cuda) {
    cuda::CUdeviceptr pointer = 0;
    if (sinter_status_t status = runtime->cuda->allocate(byte_size, &pointer)) {
      delete buffer;
      return annotate(status, "sinter_buffer_allocate: ");
    }
    buffer->data = reinterpret_cast<void *>(pointer);
  } else if (byte_size > 0) {
    // Round up so the size is a multiple of the alignment, as
    // aligned_alloc requires.
    uint64_t size = (byte_size + kHostAlignment - 1) & ~(kHostAlignment - 1);
    buffer->data =
        size < byte_size ? nullptr : std::aligned_alloc(kHostAlignment, size);
    if (!buffer->data) {
      delete buffer;
      return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                        "sinter_buffer_allocate: cannot allocate " +
                            std::to_string(byte_size) +
                            " bytes of host memory");
    }
  }
  buffer->byteSize = byte_size;
  sinter_runtime_retain(runtime);
  buffer->runtime = runtime;
  *out_buffer = buffer;
  return nullptr;
}

void sinter_buffer_release(sinter_buffer_t *buffer) {
  if (!buffer) {
    return;
  }
  if (buffer->runtime->cuda) {
    buffer->runtime->cuda->free(devicePointer(buffer));
  } else {
    std::free(buffer->data);
  }
  sinter_runtime_release(buffer->runtime);
  delete buffer;
}

void *sinter_buffer_device_pointer(const sinter_buffer_t *buffer) {
  return buffer ? buffer->data : nullptr;
}

uint64_t sinter_buffer_byte_size(const sinter_buffer_t *buffer) {
  return buffer ? buffer->byteSize : 0;
}

sinter_status_t sinter_buffer_copy_from_host(sinter_buffer_t *buffer,
                                             const void *host,
                                             uint64_t byte_size) {
  std::string problem =
      copyProblem("sinter_buffer_copy_from_host", buffer, host, byte_size);
  if (!problem.empty()) {
    return invalidArgument(problem);
  }
  if (buffer->runtime->cuda) {
    return annotate(buffer->runtime->cuda->copyToDevice(devicePointer(buffer),
                                                        host, byte_size),
                    "sinter_buffer_copy_from_host: ");
  }
  if (byte_size > 0) {
    std::memcpy(buffer->data, host, byte_size);
  }
  return nullptr;
}

sinter_status_t sinter_buffer_copy_to_host(const sinter_buffer_t *buffer,
                                           void *host, uint64_t byte_size) {
  std::string problem =
      copyProblem("sinter_buffer_copy_to_host", buffer, host, byte_size);
  if (!problem.empty()) {
    return invalidArgument(problem);
  }
  if (buffer->runtime->cuda) {
    return annotate(buffer->runtime->cuda->copyToHost(
                        host, devicePointer(buffer), byte_size),
                    "sinter_buffer_copy_to_host: ");
  }
  if (byte_size > 0) {
    std::memcpy(host, buffer->data, byte_size);
  }
  return nullptr;
}

} // extern "C"
