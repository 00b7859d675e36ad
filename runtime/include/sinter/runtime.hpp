//===- runtime.hpp - RAII C++ wrapper over the runtime's C API --*- C++ -*-===//
//
// Header-only, exception-free C++17 wrappers: Status, Runtime, Model,
// Context and Buffer own one C handle each and release it in their
// destructor. Factory functions return a Status and fill an out-parameter,
// as the C API does. Runtime and Model are copyable (a copy retains the
// handle); Context, Buffer and Status are move-only. Thread-safety is the C
// API's (sinter/runtime.h).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_HPP
#define SINTER_RUNTIME_HPP

#include "sinter/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sinter::rt {

/// Owns a sinter_status_t; default-constructed is OK.
class [[nodiscard]] Status {
public:
  Status() = default;
  /// Takes ownership of `status`.
  explicit Status(sinter_status_t status) : status_(status) {}
  Status(Status &&other) noexcept : status_(other.release()) {}
  Status &operator=(Status &&other) noexcept {
    if (this != &other) {
      sinter_status_free(status_);
      status_ = other.release();
    }
    return *this;
  }
  Status(const Status &) = delete;
  Status &operator=(const Status &) = delete;
  ~Status() { sinter_status_free(status_); }

  bool ok() const { return status_ == nullptr; }
  explicit operator bool() const { return ok(); }
  sinter_status_code_t code() const { return sinter_status_code(status_); }
  const char *message() const { return sinter_status_message(status_); }
  /// "INVALID_ARGUMENT: input 0 ('x'): ..."; "OK" when ok.
  std::string toString() const {
    if (ok()) {
      return "OK";
    }
    return std::string(sinter_status_code_name(code())) + ": " + message();
  }
  /// Gives up ownership.
  sinter_status_t release() { return std::exchange(status_, nullptr); }

private:
  sinter_status_t status_ = nullptr;
};

/// A caller-owned buffer described for a run.
inline sinter_tensor_view_t makeView(void *data, uint64_t byteSize,
                                     uint32_t dtype,
                                     const std::vector<int64_t> &shape) {
  return {data, byteSize, dtype, static_cast<uint32_t>(shape.size()),
          shape.data()};
}

/// A view of a model's input/output described by `info` over `data`, which
/// must hold info.byte_size bytes.
inline sinter_tensor_view_t makeView(void *data,
                                     const sinter_tensor_info_t &info) {
  return {data, info.byte_size, info.dtype, info.rank, info.shape};
}

class Runtime {
public:
  Runtime() = default;
  Runtime(const Runtime &other) : runtime_(other.runtime_) {
    sinter_runtime_retain(runtime_);
  }
  Runtime &operator=(const Runtime &other) {
    sinter_runtime_retain(other.runtime_);
    sinter_runtime_release(runtime_);
    runtime_ = other.runtime_;
    return *this;
  }
  Runtime(Runtime &&other) noexcept
      : runtime_(std::exchange(other.runtime_, nullptr)) {}
  Runtime &operator=(Runtime &&other) noexcept {
    std::swap(runtime_, other.runtime_);
    return *this;
  }
  ~Runtime() { sinter_runtime_release(runtime_); }

  /// numThreads counts the caller; 0 means the hardware concurrency.
  static Status create(int32_t numThreads, Runtime *outRuntime) {
    sinter_runtime_options_t options;
    sinter_runtime_options_initialize(&options);
    options.num_threads = numThreads;
    return create(options, outRuntime);
  }
  static Status create(const sinter_runtime_options_t &options,
                       Runtime *outRuntime) {
    sinter_runtime_t *runtime = nullptr;
    Status status(sinter_runtime_create(&options, &runtime));
    if (status.ok()) {
      *outRuntime = Runtime(runtime);
    }
    return status;
  }

  /// A runtime on CUDA device `ordinal`.
  static Status createCuda(int32_t ordinal, Runtime *outRuntime) {
    sinter_runtime_options_t options;
    sinter_runtime_options_initialize(&options);
    options.device = SINTER_ABI_DEVICE_CUDA;
    options.device_ordinal = ordinal;
    return create(options, outRuntime);
  }

  sinter_runtime_t *get() const { return runtime_; }
  int32_t numThreads() const { return sinter_runtime_num_threads(runtime_); }
  sinter_abi_device_t device() const { return sinter_runtime_device(runtime_); }
  /// Zeroed (NULL strings) for an empty Runtime.
  sinter_device_info_t deviceInfo() const {
    sinter_device_info_t info{};
    sinter_status_free(sinter_runtime_device_info(runtime_, &info));
    return info;
  }

private:
  explicit Runtime(sinter_runtime_t *runtime) : runtime_(runtime) {}
  sinter_runtime_t *runtime_ = nullptr;
};

class Model {
public:
  Model() = default;
  Model(const Model &other) : model_(other.model_) {
    sinter_model_retain(model_);
  }
  Model &operator=(const Model &other) {
    sinter_model_retain(other.model_);
    sinter_model_release(model_);
    model_ = other.model_;
    return *this;
  }
  Model(Model &&other) noexcept
      : model_(std::exchange(other.model_, nullptr)) {}
  Model &operator=(Model &&other) noexcept {
    std::swap(model_, other.model_);
    return *this;
  }
  ~Model() { sinter_model_release(model_); }

  /// Loads a shared-object artifact (sinter_model_load_file).
  static Status loadFile(const Runtime &runtime, const std::string &path,
                         Model *outModel) {
    sinter_model_t *model = nullptr;
    Status status(sinter_model_load_file(runtime.get(), path.c_str(), &model));
    if (status.ok()) {
      *outModel = Model(model);
    }
    return status;
  }
  /// The device the artifact at `path` was compiled for.
  static Status fileDevice(const std::string &path,
                           sinter_abi_device_t *outDevice) {
    return Status(sinter_model_file_device(path.c_str(), outDevice));
  }
  /// Wraps a descriptor linked into the application.
  static Status fromDescriptor(const Runtime &runtime,
                               const sinter_abi_model_t *descriptor,
                               Model *outModel) {
    sinter_model_t *model = nullptr;
    Status status(
        sinter_model_create_from_descriptor(runtime.get(), descriptor, &model));
    if (status.ok()) {
      *outModel = Model(model);
    }
    return status;
  }

  sinter_model_t *get() const { return model_; }
  const char *name() const { return sinter_model_name(model_); }
  const char *target() const { return sinter_model_target(model_); }
  size_t numInputs() const { return sinter_model_num_inputs(model_); }
  size_t numOutputs() const { return sinter_model_num_outputs(model_); }
  uint64_t workspaceSize() const { return sinter_model_workspace_size(model_); }
  sinter_abi_device_t device() const { return sinter_model_device(model_); }
  Status inputInfo(size_t index, sinter_tensor_info_t *outInfo) const {
    return Status(sinter_model_input_info(model_, index, outInfo));
  }
  Status outputInfo(size_t index, sinter_tensor_info_t *outInfo) const {
    return Status(sinter_model_output_info(model_, index, outInfo));
  }
  Status findInput(const std::string &name, size_t *outIndex) const {
    return Status(sinter_model_find_input(model_, name.c_str(), outIndex));
  }
  Status findOutput(const std::string &name, size_t *outIndex) const {
    return Status(sinter_model_find_output(model_, name.c_str(), outIndex));
  }

private:
  explicit Model(sinter_model_t *model) : model_(model) {}
  sinter_model_t *model_ = nullptr;
};

class Context {
public:
  Context() = default;
  Context(Context &&other) noexcept
      : context_(std::exchange(other.context_, nullptr)) {}
  Context &operator=(Context &&other) noexcept {
    std::swap(context_, other.context_);
    return *this;
  }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;
  ~Context() { sinter_context_release(context_); }

  static Status create(const Model &model, Context *outContext) {
    sinter_context_t *context = nullptr;
    Status status(sinter_context_create(model.get(), &context));
    if (status.ok()) {
      *outContext = Context(context);
    }
    return status;
  }

  sinter_context_t *get() const { return context_; }

  Status run(const sinter_tensor_view_t *inputs, size_t numInputs,
             const sinter_tensor_view_t *outputs, size_t numOutputs) {
    return Status(
        sinter_context_run(context_, inputs, numInputs, outputs, numOutputs));
  }
  Status run(const std::vector<sinter_tensor_view_t> &inputs,
             const std::vector<sinter_tensor_view_t> &outputs) {
    return run(inputs.data(), inputs.size(), outputs.data(), outputs.size());
  }

private:
  explicit Context(sinter_context_t *context) : context_(context) {}
  sinter_context_t *context_ = nullptr;
};

/// Memory on a runtime's device (sinter_buffer_t).
class Buffer {
public:
  Buffer() = default;
  Buffer(Buffer &&other) noexcept
      : buffer_(std::exchange(other.buffer_, nullptr)) {}
  Buffer &operator=(Buffer &&other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { sinter_buffer_release(buffer_); }

  static Status allocate(const Runtime &runtime, uint64_t byteSize,
                         Buffer *outBuffer) {
    sinter_buffer_t *buffer = nullptr;
    Status status(sinter_buffer_allocate(runtime.get(), byteSize, &buffer));
    if (status.ok()) {
      *outBuffer = Buffer(buffer);
    }
    return status;
  }

  sinter_buffer_t *get() const { return buffer_; }
  void *devicePointer() const { return sinter_buffer_device_pointer(buffer_); }
  uint64_t byteSize() const { return sinter_buffer_byte_size(buffer_); }
  Status copyFromHost(const void *host, uint64_t byteSize) {
    return Status(sinter_buffer_copy_from_host(buffer_, host, byteSize));
  }
  Status copyToHost(void *host, uint64_t byteSize) const {
    return Status(sinter_buffer_copy_to_host(buffer_, host, byteSize));
  }

private:
  explicit Buffer(sinter_buffer_t *buffer) : buffer_(buffer) {}
  sinter_buffer_t *buffer_ = nullptr;
};

/// A view of a model's input/output described by `info` over a buffer of
/// at least info.byte_size bytes.
inline sinter_tensor_view_t makeView(const Buffer &buffer,
                                     const sinter_tensor_info_t &info) {
  return makeView(buffer.devicePointer(), info);
}

} // namespace sinter::rt

#endif // SINTER_RUNTIME_HPP
