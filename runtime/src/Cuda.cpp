//===- Cuda.cpp - Running a model's GPU program with the driver -*- C++ -*-===//
//
// Every driver call runs with the device's primary context pushed on the
// calling thread (ScopedContext), so applications and the runtime's other
// threads never see a context change. Every CUresult becomes a status that
// says what the runtime was doing and what the driver answered.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Cuda.h"

#include "runtime/src/Status.h"
#include "runtime/src/Validate.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string_view>

namespace sinter::runtime::cuda {

namespace {

/// "cuda:0 'NVIDIA H100 80GB HBM3' (sm_90)".
std::string describeDevice(const Device &device) {
  return "cuda:" + std::to_string(device.ordinal()) + " " +
         quoted(device.name().c_str()) + " (" + device.arch() + ")";
}

std::string hexAddress(const void *pointer) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%p", pointer);
  return buffer;
}

/// Errors after which the CUDA context is unusable: every later call in the
/// process fails the same way.
bool isSticky(CUresult result) {
  return result == 700 || (result >= 714 && result <= 719);
}

} // namespace

//===----------------------------------------------------------------------===//
// Device
//===----------------------------------------------------------------------===//

sinter_status_t Device::open(int ordinal, std::unique_ptr<Device> *outDevice) {
  const Driver *driver = nullptr;
  if (sinter_status_t status = loadDriver(&driver)) {
    return status;
  }
  const Driver &d = *driver;
  CUresult result = d.cuInit(0);
  if (result == CUDA_ERROR_NO_DEVICE) {
    return makeStatus(SINTER_STATUS_UNAVAILABLE,
                      "no CUDA device (" + d.describe("cuInit", result) + ")");
  }
  if (sinter_status_t status =
          d.check(result, "cuInit", "cannot initialise the CUDA driver: ")) {
    return status;
  }
  int count = 0;
  if (sinter_status_t status =
          d.check(d.cuDeviceGetCount(&count), "cuDeviceGetCount")) {
    return status;
  }
  if (count <= 0) {
    return makeStatus(SINTER_STATUS_UNAVAILABLE,
                      "no CUDA device (the driver '" + d.path +
                          "' reports 0 devices)");
  }
  if (ordinal < 0 || ordinal >= count) {
    return makeStatus(SINTER_STATUS_OUT_OF_RANGE,
                      "CUDA device ordinal " + std::to_string(ordinal) +
                          " is out of range: there " +
                          (count == 1 ? "is 1 CUDA device (ordinal 0)"
                                      : "are " + std::to_string(count) +
                                            " CUDA devices (ordinals 0 to " +
                                            std::to_string(count - 1) + ")"));
  }
  std::unique_ptr<Device> device(new Device(d, ordinal));
  std::string where = "CUDA device " + std::to_string(ordinal) + ": ";
  if (sinter_status_t status = d.check(d.cuDeviceGet(&device->device_, ordinal),
                                       "cuDeviceGet", where)) {
    return status;
  }
  char name[256] = {};
  if (sinter_status_t status =
          d.check(d.cuDeviceGetName(name, sizeof(name) - 1, device->device_),
                  "cuDeviceGetName", where)) {
    return status;
  }
  device->name_ = name;
  if (sinter_status_t status = d.check(
          d.cuDeviceGetAttribute(&device->major_,
                                 CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                 device->device_),
          "cuDeviceGetAttribute", where)) {
    return status;
  }
  if (sinter_status_t status = d.check(
          d.cuDeviceGetAttribute(&device->minor_,
                                 CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                 device->device_),
          "cuDeviceGetAttribute", where)) {
    return status;
  }
  device->arch_ =
      "sm_" + std::to_string(device->major_) + std::to_string(device->minor_);
  int optin = 0;
  device->maxDynamicShared_ =
      d.cuDeviceGetAttribute(
          &optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
          device->device_) == CUDA_SUCCESS &&
              optin > 0
          ? static_cast<uint64_t>(optin)
          : kDefaultDynamicSharedBytes;
  if (sinter_status_t status = d.check(
          d.cuDevicePrimaryCtxRetain(&device->context_, device->device_),
          "cuDevicePrimaryCtxRetain", where)) {
    device->context_ = nullptr;
    return status;
  }
  *outDevice = std::move(device);
  return nullptr;
}

Device::~Device() {
  if (context_) {
    (void)driver_.cuDevicePrimaryCtxRelease(device_);
  }
}

sinter_status_t Device::allocate(uint64_t bytes,
                                 CUdeviceptr *outPointer) const {
  *outPointer = 0;
  if (bytes == 0) {
    return nullptr;
  }
  ScopedContext scope(driver_, context_);
  if (sinter_status_t status = scope.status()) {
    return status;
  }
  return annotate(
      driver_.check(driver_.cuMemAlloc(outPointer, bytes), "cuMemAlloc"),
      "cannot allocate " + std::to_string(bytes) + " bytes on " +
          describeDevice(*this) + ": ");
}

void Device::free(CUdeviceptr pointer) const {
  if (!pointer) {
    return;
  }
  ScopedContext scope(driver_, context_);
  if (sinter_status_t status = scope.status()) {
    sinter_status_free(status);
    return;
  }
  (void)driver_.cuMemFree(pointer);
}

sinter_status_t Device::copyToDevice(CUdeviceptr destination,
                                     const void *source, uint64_t bytes) const {
  if (bytes == 0) {
    return nullptr;
  }
  ScopedContext scope(driver_, context_);
  if (sinter_status_t status = scope.status()) {
    return status;
  }
  return driver_.check(driver_.cuMemcpyHtoD(destination, source, bytes),
                       "cuMemcpyHtoD");
}

sinter_status_t Device::copyToHost(void *destination, CUdeviceptr source,
                                   uint64_t bytes) const {
  if (bytes == 0) {
    return nullptr;
  }
  ScopedContext scope(driver_, context_);
  if (sinter_status_t status = scope.status()) {
    return status;
  }
  return driver_.check(driver_.cuMemcpyDtoH(destination, source, bytes),
                       "cuMemcpyDtoH");
}

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

sinter_status_t Program::load(const Device &device,
                              const sinter_abi_model_t &descriptor,
                              const std::string &origin,
                              std::unique_ptr<Program> *outProgram) {
  const Driver &d = device.driver();
  const sinter_abi_gpu_program_t &g = *descriptor.gpu;
  ScopedContext scope(d, device.context());
  if (sinter_status_t status = scope.status()) {
    return annotate(status, origin + ": ");
  }
  std::unique_ptr<Program> program(new Program(device));

  // The cubin only runs on the architecture it was built for; the PTX is
  // JIT-compiled for whatever device this is.
  int major = 0;
  int minor = 0;
  (void)parseCudaArch(g.arch, &major, &minor); // validated
  std::string cubinError;
  if (g.cubin && major == device.computeCapabilityMajor() &&
      minor == device.computeCapabilityMinor()) {
    CUresult result = d.cuModuleLoadData(&program->module_, g.cubin);
    if (result == CUDA_SUCCESS) {
      program->image_ = "cubin";
    } else {
      program->module_ = nullptr;
      cubinError = d.describe("cuModuleLoadData", result);
    }
  }
  if (!program->module_) {
    char log[4096] = {};
    CUresult result;
    const char *call;
    if (d.cuModuleLoadDataEx) {
      CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                                CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
      // Option values are passed as pointers; the size is an integer.
      void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
      call = "cuModuleLoadDataEx";
      result =
          d.cuModuleLoadDataEx(&program->module_, g.ptx, 2, options, values);
    } else {
      call = "cuModuleLoadData";
      result = d.cuModuleLoadData(&program->module_, g.ptx);
    }
    if (result != CUDA_SUCCESS) {
      program->module_ = nullptr;
      std::string message = origin + ": cannot load its GPU program (PTX for " +
                            g.arch + ") on " + describeDevice(device) + ": " +
                            d.describe(call, result);
      if (log[0]) {
        message += "; JIT log: " + std::string(log);
      }
      if (!cubinError.empty()) {
        message += "; the " + std::string(g.arch) +
                   " cubin was refused too: " + cubinError;
      }
      return makeStatus(statusCode(result), message);
    }
    program->image_ = "ptx";
  }

  std::map<std::string_view, CUfunction> functions;
  std::map<CUfunction, uint32_t> dynamicShared;
  program->functions_.resize(g.num_launches);
  for (uint32_t i = 0; i < g.num_launches; ++i) {
    const sinter_abi_gpu_launch_t &launch = g.launches[i];
    std::string where = origin + ": launch " + std::to_string(i) + " (" +
                        quoted(launch.kernel) + "): ";
    auto [it, inserted] = functions.emplace(launch.kernel, nullptr);
    if (inserted) {
      if (sinter_status_t status =
              d.check(d.cuModuleGetFunction(&it->second, program->module_,
                                            launch.kernel),
                      "cuModuleGetFunction",
                      where + "the GPU program has no such kernel: ")) {
        return status;
      }
    }
    program->functions_[i] = it->second;
    if (launch.dynamic_shared_bytes > device.maxDynamicSharedBytes()) {
      return makeStatus(SINTER_STATUS_FAILED_PRECONDITION,
                        where + "needs " +
                            std::to_string(launch.dynamic_shared_bytes) +
                            " bytes of dynamic shared memory but " +
                            describeDevice(device) + " allows at most " +
                            std::to_string(device.maxDynamicSharedBytes()));
    }
    uint32_t &most = dynamicShared[it->second];
    most = std::max(most, launch.dynamic_shared_bytes);
  }
  // Above 48 KiB a kernel must opt in, once per function; every launch of it
  // may then use up to that much.
  for (uint32_t i = 0; i < g.num_launches; ++i) {
    CUfunction function = program->functions_[i];
    auto it = dynamicShared.find(function);
    if (it == dynamicShared.end()) {
      continue; // already set for an earlier launch
    }
    if (it->second > kDefaultDynamicSharedBytes) {
      if (sinter_status_t status = d.check(
              d.cuFuncSetAttribute(
                  function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                  static_cast<int>(it->second)),
              "cuFuncSetAttribute",
              origin + ": launch " + std::to_string(i) + " (" +
                  quoted(g.launches[i].kernel) + "): cannot allow " +
                  std::to_string(it->second) +
                  " bytes of dynamic shared memory: ")) {
        return status;
      }
    }
    dynamicShared.erase(it);
  }
  // The weights, once per model; every context's launches read them.
  if (g.constants_size > 0) {
    if (sinter_status_t status =
            device.allocate(g.constants_size, &program->constants_)) {
      return annotate(status, origin + ": the GPU program's " +
                                  std::to_string(g.constants_size) +
                                  " bytes of constants: ");
    }
    if (sinter_status_t status = device.copyToDevice(
            program->constants_, g.constants, g.constants_size)) {
      return annotate(status, origin + ": uploading the constants: ");
    }
  }
  *outProgram = std::move(program);
  return nullptr;
}

Program::~Program() {
  if (constants_) {
    device_.free(constants_);
  }
  if (!module_) {
    return;
  }
  ScopedContext scope(device_.driver(), device_.context());
  if (sinter_status_t status = scope.status()) {
    sinter_status_free(status);
    return;
  }
  (void)device_.driver().cuModuleUnload(module_);
}

//===----------------------------------------------------------------------===//
// Executor
//===----------------------------------------------------------------------===//

sinter_status_t Executor::create(const Program &program,
                                 const sinter_abi_model_t &descriptor,
                                 std::unique_ptr<Executor> *outExecutor) {
  const Device &device = program.device();
  const Driver &d = device.driver();
  std::string where = std::string("model '") + descriptor.name + "': ";
  std::unique_ptr<Executor> executor(new Executor(program, descriptor));
  {
    ScopedContext scope(d, device.context());
    if (sinter_status_t status = scope.status()) {
      return annotate(status, where);
    }
    // A blocking stream: it waits for the synchronous copies the buffer API
    // makes on the legacy default stream.
    if (sinter_status_t status =
            d.check(d.cuStreamCreate(&executor->stream_, 0), "cuStreamCreate",
                    where + "cannot create a stream: ")) {
      executor->stream_ = nullptr;
      return status;
    }
  }
  // cuMemAlloc aligns to at least 256 bytes; a larger alignment costs
  // padding.
  uint64_t alignment = descriptor.workspace_alignment;
  uint64_t padding = alignment > 256 ? alignment - 1 : 0;
  if (descriptor.workspace_bytes > 0) {
    if (sinter_status_t status =
            device.allocate(descriptor.workspace_bytes + padding,
                            &executor->workspaceAllocation_)) {
      return annotate(status, where + "workspace: ");
    }
    executor->workspace_ =
        (executor->workspaceAllocation_ + padding) & ~(CUdeviceptr{padding});
  }

  const sinter_abi_gpu_program_t &g = *descriptor.gpu;
  size_t total = 0;
  for (uint32_t i = 0; i < g.num_launches; ++i) {
    executor->firstParam_.push_back(total);
    total += g.launches[i].num_args;
  }
  executor->values_.assign(total, 0);
  executor->params_.resize(total);
  for (size_t k = 0; k < total; ++k) {
    executor->params_[k] = &executor->values_[k];
  }
  *outExecutor = std::move(executor);
  return nullptr;
}

Executor::~Executor() {
  const Device &device = program_.device();
  device.free(workspaceAllocation_);
  if (!stream_) {
    return;
  }
  ScopedContext scope(device.driver(), device.context());
  if (sinter_status_t status = scope.status()) {
    sinter_status_free(status);
    return;
  }
  (void)device.driver().cuStreamDestroy(stream_);
}

sinter_status_t Executor::run(void *const *inputs, void *const *outputs,
                              const void *const *copyFrom) {
  const Driver &d = program_.device().driver();
  const sinter_abi_gpu_program_t &g = *descriptor_.gpu;
  std::string model = std::string("model '") + descriptor_.name + "': ";
  ScopedContext scope(d, program_.device().context());
  if (sinter_status_t status = scope.status()) {
    return annotate(status, model);
  }
  auto deviceHint = [](CUresult result) {
    return isSticky(result)
               ? std::string(" (the CUDA context is now unusable: every "
                             "later CUDA call in this process fails)")
               : std::string();
  };
  // A host pointer handed to a kernel faults on the device and leaves the
  // context unusable; refuse what the driver does not know before that.
  for (bool isInput : {true, false}) {
    uint32_t count = isInput ? descriptor_.num_inputs : descriptor_.num_outputs;
    for (uint32_t i = 0; i < count; ++i) {
      const sinter_abi_tensor_t &t =
          (isInput ? descriptor_.inputs : descriptor_.outputs)[i];
      void *data = (isInput ? inputs : outputs)[i];
      unsigned memoryType = 0;
      CUresult result = t.byte_size == 0
                            ? CUDA_SUCCESS
                            : d.cuPointerGetAttribute(
                                  &memoryType, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                  reinterpret_cast<CUdeviceptr>(data));
      if (result != CUDA_SUCCESS) {
        return makeStatus(
            SINTER_STATUS_INVALID_ARGUMENT,
            model + (isInput ? "input " : "output ") + std::to_string(i) +
                " (" + quoted(t.name) + "): " + hexAddress(data) +
                " is not memory the CUDA driver knows (a host pointer?); "
                "pass sinter_buffer_device_pointer() of a buffer of this "
                "runtime (" +
                d.describe("cuPointerGetAttribute", result) + ")");
      }
    }
  }
  for (uint32_t i = 0; i < descriptor_.num_inputs; ++i) {
    if (!copyFrom[i]) {
      continue;
    }
    const sinter_abi_tensor_t &t = descriptor_.inputs[i];
    unsigned memoryType = 0;
    CUresult result =
        d.cuPointerGetAttribute(&memoryType, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                reinterpret_cast<CUdeviceptr>(copyFrom[i]));
    if (result == CUDA_SUCCESS) {
      result = d.cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(inputs[i]),
                                   reinterpret_cast<CUdeviceptr>(copyFrom[i]),
                                   t.byte_size, stream_);
    }
    if (result != CUDA_SUCCESS) {
      (void)d.cuStreamSynchronize(stream_);
      return makeStatus(
          SINTER_STATUS_INVALID_ARGUMENT,
          model + "input " + std::to_string(i) + " (" + quoted(t.name) +
              "): cannot copy it into the buffer of the output that "
              "overwrites it in place: " +
              d.describe("cuMemcpyDtoDAsync", result));
    }
  }
  for (uint32_t i = 0; i < g.num_launches; ++i) {
    const sinter_abi_gpu_launch_t &launch = g.launches[i];
    size_t first = firstParam_[i];
    for (uint32_t a = 0; a < launch.num_args; ++a) {
      const sinter_abi_gpu_arg_t &arg = launch.args[a];
      CUdeviceptr base = arg.kind == SINTER_ABI_GPU_ARG_INPUT
                             ? reinterpret_cast<CUdeviceptr>(inputs[arg.index])
                         : arg.kind == SINTER_ABI_GPU_ARG_OUTPUT
                             ? reinterpret_cast<CUdeviceptr>(outputs[arg.index])
                         : arg.kind == SINTER_ABI_GPU_ARG_CONSTANTS
                             ? program_.constants()
                             : workspace_;
      values_[first + a] = base + arg.byte_offset;
    }
    CUresult result = d.cuLaunchKernel(
        program_.function(i), launch.grid[0], launch.grid[1], launch.grid[2],
        launch.block[0], launch.block[1], launch.block[2],
        launch.dynamic_shared_bytes, stream_,
        launch.num_args ? params_.data() + first : nullptr, nullptr);
    if (result != CUDA_SUCCESS) {
      // Earlier launches may still read the caller's buffers: let them
      // finish before handing the buffers back.
      (void)d.cuStreamSynchronize(stream_);
      return annotate(d.check(result, "cuLaunchKernel"),
                      model + "launch " + std::to_string(i) + " (" +
                          quoted(launch.kernel) + "): ");
    }
  }
  CUresult result = d.cuStreamSynchronize(stream_);
  if (result != CUDA_SUCCESS) {
    return makeStatus(statusCode(result),
                      model + "a kernel failed on the device: " +
                          d.describe("cuStreamSynchronize", result) +
                          deviceHint(result));
  }
  return nullptr;
}

} // namespace sinter::runtime::cuda
