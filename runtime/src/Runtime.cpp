//===- Runtime.cpp - Runtimes, models and execution contexts ----*- C++ -*-===//
//
// The C API's runtimes, models and contexts. A model wraps a validated
// descriptor (and the shared object it came from); a context owns the
// model's workspace and the pointer arrays handed to the entry point, all
// allocated at creation, so a run only checks the caller's views and calls
// the entry point. For CUDA the same objects hand the device work to
// cuda::Device, cuda::Program and cuda::Executor (Cuda.cpp).
//
//===----------------------------------------------------------------------===//

#include "sinter/runtime.h"

#include "runtime/src/Objects.h"
#include "runtime/src/Status.h"
#include "runtime/src/Validate.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <new>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using sinter::runtime::formatShape;
using sinter::runtime::makeStatus;
using sinter::runtime::quoted;
using sinter::runtime::ThreadPool;

namespace cuda = sinter::runtime::cuda;

namespace {

constexpr int32_t kMaxThreads = 1024;

sinter_status_t invalidArgument(const std::string &message) {
  return makeStatus(SINTER_STATUS_INVALID_ARGUMENT, message);
}

/// dlerror() as a string, "unknown error" when it has none.
std::string dlError() {
  const char *error = dlerror();
  return error ? error : "unknown error";
}

const char *deviceName(uint32_t device) {
  return device == SINTER_ABI_DEVICE_CUDA ? "CUDA" : "the CPU";
}

/// The CPU's brand string ("Intel(R) Xeon(R) ..."), "cpu" where it has none.
std::string cpuName() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[12] = {};
  unsigned maxLeaf = __get_cpuid_max(0x80000000u, nullptr);
  if (maxLeaf >= 0x80000004u) {
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1],
                  &regs[4 * i + 2], &regs[4 * i + 3]);
    }
    std::string name(reinterpret_cast<const char *>(regs), sizeof(regs));
    name = name.c_str(); // up to the NUL
    size_t begin = name.find_first_not_of(' ');
    size_t end = name.find_last_not_of(' ');
    if (begin != std::string::npos) {
      return name.substr(begin, end - begin + 1);
    }
  }
#endif
  return "cpu";
}

/// Wraps a validated descriptor in a model of `runtime`: the artifact must
/// be for the runtime's device, and a GPU program is loaded into it. Takes
/// over `library` only on success.
sinter_status_t newModel(sinter_runtime_t *runtime,
                         const sinter_abi_model_t *descriptor, void *library,
                         const std::string &origin,
                         sinter_model_t **out_model) {
  if (descriptor->device != runtime->device) {
    std::string compiledFor = deviceName(descriptor->device);
    if (descriptor->device == SINTER_ABI_DEVICE_CUDA) {
      compiledFor += std::string(" (") + descriptor->gpu->arch + ")";
    } else if (descriptor->target && descriptor->target[0]) {
      compiledFor += std::string(" (") + descriptor->target + ")";
    }
    return makeStatus(SINTER_STATUS_FAILED_PRECONDITION,
                      origin + ": the artifact was compiled for " +
                          compiledFor + " but the runtime runs on " +
                          deviceName(runtime->device) +
                          "; create the runtime with device = " +
                          (descriptor->device == SINTER_ABI_DEVICE_CUDA
                               ? "SINTER_ABI_DEVICE_CUDA"
                               : "SINTER_ABI_DEVICE_CPU"));
  }
  std::unique_ptr<cuda::Program> program;
  if (runtime->cuda) {
    if (sinter_status_t status = cuda::Program::load(
            *runtime->cuda, *descriptor, origin, &program)) {
      return status;
    }
  }
  auto *model = new (std::nothrow) sinter_model_t;
  if (!model) {
    return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                      "out of memory allocating a model");
  }
  sinter_runtime_retain(runtime);
  model->runtime = runtime;
  model->descriptor = descriptor;
  model->library = library;
  model->program = std::move(program);
  *out_model = model;
  return nullptr;
}

/// Validates `descriptor` and, unless `runtime` is NULL or skips it, hashes
/// its constants on the runtime's threads.
sinter_status_t checkDescriptor(const sinter_abi_model_t *descriptor,
                                const std::string &origin,
                                sinter_runtime_t *runtime) {
  if (sinter_status_t status =
          sinter::runtime::validateDescriptor(descriptor, origin)) {
    return status;
  }
  if (runtime && runtime->verifyConstants) {
    return sinter::runtime::verifyConstants(*descriptor, origin, runtime->pool);
  }
  return nullptr;
}

/// Loads and validates the artifact at `path` (hashing its constants on
/// `runtime`'s threads, unless it is NULL); on success the caller owns the
/// dlopen handle.
sinter_status_t openArtifact(const char *path, sinter_runtime_t *runtime,
                             void **out_library,
                             const sinter_abi_model_t **out_descriptor) {
  std::string origin = quoted(path);
  struct stat info;
  if (stat(path, &info) != 0) {
    return makeStatus(SINTER_STATUS_NOT_FOUND, "cannot load model " + origin +
                                                   ": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) {
    return invalidArgument("cannot load model " + origin +
                           ": not a regular file");
  }
  std::string elfProblem = sinter::runtime::checkElfFile(path);
  if (!elfProblem.empty()) {
    return invalidArgument("cannot load model " + origin +
                           ": not a valid shared object: " + elfProblem);
  }
  // dlopen only looks a path up in the library search path when it has no
  // slash; a model path always means the file.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  dlerror();
  void *library = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    return invalidArgument(
        "cannot load model " + origin +
        " (not a valid shared object, or truncated): " + dlError());
  }
  dlerror();
  void *symbol = dlsym(library, SINTER_ABI_DESCRIPTOR_SYMBOL);
  if (!symbol) {
    std::string error = dlError();
    dlclose(library);
    return makeStatus(SINTER_STATUS_NOT_FOUND,
                      "cannot load model " + origin + ": it does not export " +
                          SINTER_ABI_DESCRIPTOR_SYMBOL +
                          " (not a Sinter artifact?): " + error);
  }
  auto describe = reinterpret_cast<sinter_abi_descriptor_fn>(symbol);
  const sinter_abi_model_t *descriptor = describe();
  if (sinter_status_t status = checkDescriptor(descriptor, origin, runtime)) {
    dlclose(library);
    return status;
  }
  *out_library = library;
  *out_descriptor = descriptor;
  return nullptr;
}

/// Checks one caller view against the descriptor's tensor. `kind` is
/// "input" or "output".
sinter_status_t checkView(const char *kind, size_t index,
                          const sinter_abi_tensor_t &want,
                          const sinter_tensor_view_t &view) {
  auto where = [&] {
    return std::string(kind) + " " + std::to_string(index) + " (" +
           quoted(want.name) + "): ";
  };
  if (view.dtype != want.dtype) {
    return invalidArgument(where() + "expected dtype " +
                           sinter_dtype_name(want.dtype) + " but got " +
                           sinter_dtype_name(view.dtype) + " (" +
                           std::to_string(view.dtype) + ")");
  }
  if (view.rank > 0 && !view.shape) {
    return invalidArgument(where() + "the view has rank " +
                           std::to_string(view.rank) + " but a NULL shape");
  }
  bool sameShape = view.rank == want.rank;
  for (uint32_t k = 0; sameShape && k < want.rank; ++k) {
    sameShape = view.shape[k] == want.shape[k];
  }
  if (!sameShape) {
    // Rank and extents in one message: "expected shape [32] but got [31]".
    if (view.rank > SINTER_ABI_MAX_RANK) {
      return invalidArgument(where() + "expected rank " +
                             std::to_string(want.rank) + " shape " +
                             formatShape(want.shape, want.rank) +
                             " but got rank " + std::to_string(view.rank));
    }
    std::string message = where() + "expected shape " +
                          formatShape(want.shape, want.rank) + " but got " +
                          formatShape(view.shape, view.rank);
    if (view.rank != want.rank) {
      message += " (rank " + std::to_string(view.rank) + " instead of " +
                 std::to_string(want.rank) + ")";
    }
    return invalidArgument(message);
  }
  if (view.byte_size != want.byte_size) {
    return invalidArgument(where() + "expected " +
                           std::to_string(want.byte_size) + " bytes but got " +
                           std::to_string(view.byte_size));
  }
  if (!view.data && view.byte_size != 0) {
    return invalidArgument(where() + "data is NULL but the tensor has " +
                           std::to_string(view.byte_size) + " bytes");
  }
  return nullptr;
}

bool overlaps(const sinter_tensor_view_t &a, const sinter_tensor_view_t &b) {
  if (a.byte_size == 0 || b.byte_size == 0) {
    return false;
  }
  auto aBegin = reinterpret_cast<uintptr_t>(a.data);
  auto bBegin = reinterpret_cast<uintptr_t>(b.data);
  return aBegin < bBegin + b.byte_size && bBegin < aBegin + a.byte_size;
}

sinter_status_t tensorInfo(const sinter_model_t *model, bool isInput,
                           size_t index, sinter_tensor_info_t *out_info) {
  const char *kind = isInput ? "input" : "output";
  if (!model || !out_info) {
    return invalidArgument(std::string("sinter_model_") + kind +
                           "_info: model and out_info must not be NULL");
  }
  const sinter_abi_model_t *d = model->descriptor;
  size_t count = isInput ? d->num_inputs : d->num_outputs;
  if (index >= count) {
    return makeStatus(SINTER_STATUS_OUT_OF_RANGE,
                      std::string(kind) + " index " + std::to_string(index) +
                          " is out of range: the model '" + d->name + "' has " +
                          std::to_string(count) + " " + kind + "s");
  }
  const sinter_abi_tensor_t &t = (isInput ? d->inputs : d->outputs)[index];
  *out_info = {t.name, t.dtype, t.rank, t.shape, t.byte_size, t.in_place_of};
  return nullptr;
}

sinter_status_t findTensor(const sinter_model_t *model, bool isInput,
                           const char *name, size_t *out_index) {
  const char *kind = isInput ? "input" : "output";
  if (!model || !name || !out_index) {
    return invalidArgument(std::string("sinter_model_find_") + kind +
                           ": model, name and out_index must not be NULL");
  }
  const sinter_abi_model_t *d = model->descriptor;
  size_t count = isInput ? d->num_inputs : d->num_outputs;
  const sinter_abi_tensor_t *tensors = isInput ? d->inputs : d->outputs;
  std::string names;
  for (size_t i = 0; i < count; ++i) {
    if (std::strcmp(tensors[i].name, name) == 0) {
      *out_index = i;
      return nullptr;
    }
    names += (i ? ", " : "") + quoted(tensors[i].name);
  }
  return makeStatus(SINTER_STATUS_NOT_FOUND,
                    std::string("the model '") + d->name + "' has no " + kind +
                        " named " + quoted(name) + " (its " + kind +
                        "s: " + (names.empty() ? "none" : names) + ")");
}

} // namespace

extern "C" {

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

const char *sinter_dtype_name(uint32_t dtype) {
  switch (dtype) {
  case SINTER_ABI_DTYPE_F32:
    return "f32";
  case SINTER_ABI_DTYPE_F16:
    return "f16";
  case SINTER_ABI_DTYPE_BF16:
    return "bf16";
  case SINTER_ABI_DTYPE_I1:
    return "i1";
  case SINTER_ABI_DTYPE_I32:
    return "i32";
  case SINTER_ABI_DTYPE_I64:
    return "i64";
  default:
    return "invalid";
  }
}

uint64_t sinter_dtype_element_size(uint32_t dtype) {
  switch (dtype) {
  case SINTER_ABI_DTYPE_F32:
  case SINTER_ABI_DTYPE_I32:
    return 4;
  case SINTER_ABI_DTYPE_F16:
  case SINTER_ABI_DTYPE_BF16:
    return 2;
  case SINTER_ABI_DTYPE_I1:
    return 1;
  case SINTER_ABI_DTYPE_I64:
    return 8;
  default:
    return 0;
  }
}

//===----------------------------------------------------------------------===//
// Runtime
//===----------------------------------------------------------------------===//

void sinter_runtime_options_initialize(sinter_runtime_options_t *out_options) {
  if (out_options) {
    out_options->num_threads = 0;
    out_options->device = SINTER_ABI_DEVICE_CPU;
    out_options->device_ordinal = 0;
    out_options->skip_constants_verification = 0;
  }
}

sinter_status_t sinter_runtime_create(const sinter_runtime_options_t *options,
                                      sinter_runtime_t **out_runtime) {
  if (!out_runtime) {
    return invalidArgument("sinter_runtime_create: out_runtime is NULL");
  }
  *out_runtime = nullptr;
  sinter_runtime_options_t defaults;
  sinter_runtime_options_initialize(&defaults);
  if (!options) {
    options = &defaults;
  }
  int32_t numThreads = options->num_threads;
  if (numThreads < 0 || numThreads > kMaxThreads) {
    return invalidArgument("sinter_runtime_create: num_threads must be in "
                           "[0, " +
                           std::to_string(kMaxThreads) + "], got " +
                           std::to_string(numThreads));
  }
  if (options->device != SINTER_ABI_DEVICE_CPU &&
      options->device != SINTER_ABI_DEVICE_CUDA) {
    return invalidArgument("sinter_runtime_create: device must be "
                           "SINTER_ABI_DEVICE_CPU (0) or "
                           "SINTER_ABI_DEVICE_CUDA (1), got " +
                           std::to_string(options->device));
  }
  bool isCuda = options->device == SINTER_ABI_DEVICE_CUDA;
  if (options->device_ordinal < 0 ||
      (!isCuda && options->device_ordinal != 0)) {
    return invalidArgument("sinter_runtime_create: device_ordinal must be " +
                           std::string(isCuda ? ">= 0" : "0 for the CPU") +
                           ", got " + std::to_string(options->device_ordinal));
  }
  std::unique_ptr<cuda::Device> device;
  if (isCuda) {
    if (sinter_status_t status =
            cuda::Device::open(options->device_ordinal, &device)) {
      return status;
    }
    numThreads = 1; // no CPU loops to run
  }
  if (numThreads == 0) {
    unsigned hardware = std::thread::hardware_concurrency();
    numThreads = hardware == 0 ? 1
                 : hardware > static_cast<unsigned>(kMaxThreads)
                     ? kMaxThreads
                     : static_cast<int32_t>(hardware);
  }
  auto *runtime = new (std::nothrow) sinter_runtime_t(numThreads);
  if (!runtime) {
    return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                      "out of memory allocating a runtime");
  }
  if (device) {
    runtime->device = SINTER_ABI_DEVICE_CUDA;
    runtime->deviceName = device->name();
    runtime->cuda = std::move(device);
  } else {
    runtime->deviceName = cpuName();
  }
  runtime->verifyConstants = options->skip_constants_verification == 0;
  *out_runtime = runtime;
  return nullptr;
}

void sinter_runtime_retain(sinter_runtime_t *runtime) {
  if (runtime) {
    runtime->refs.fetch_add(1, std::memory_order_relaxed);
  }
}

void sinter_runtime_release(sinter_runtime_t *runtime) {
  if (runtime && runtime->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    delete runtime;
  }
}

int32_t sinter_runtime_num_threads(const sinter_runtime_t *runtime) {
  return runtime ? runtime->pool.numThreads() : 0;
}

sinter_abi_device_t sinter_runtime_device(const sinter_runtime_t *runtime) {
  return runtime ? runtime->device : SINTER_ABI_DEVICE_CPU;
}

sinter_status_t sinter_runtime_device_info(const sinter_runtime_t *runtime,
                                           sinter_device_info_t *out_info) {
  if (!runtime || !out_info) {
    return invalidArgument(
        "sinter_runtime_device_info: runtime and out_info must not be NULL");
  }
  *out_info = {};
  out_info->device = runtime->device;
  out_info->name = runtime->deviceName.c_str();
  out_info->arch = "";
  if (const cuda::Device *device = runtime->cuda.get()) {
    out_info->ordinal = device->ordinal();
    out_info->arch = device->arch().c_str();
    out_info->compute_capability_major = device->computeCapabilityMajor();
    out_info->compute_capability_minor = device->computeCapabilityMinor();
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

sinter_status_t sinter_model_load_file(sinter_runtime_t *runtime,
                                       const char *path,
                                       sinter_model_t **out_model) {
  if (!out_model) {
    return invalidArgument("sinter_model_load_file: out_model is NULL");
  }
  *out_model = nullptr;
  if (!runtime || !path) {
    return invalidArgument(
        "sinter_model_load_file: runtime and path must not be NULL");
  }
  void *library = nullptr;
  const sinter_abi_model_t *descriptor = nullptr;
  if (sinter_status_t status =
          openArtifact(path, runtime, &library, &descriptor)) {
    return status;
  }
  sinter_status_t status =
      newModel(runtime, descriptor, library, quoted(path), out_model);
  if (status) {
    dlclose(library);
  }
  return status;
}

sinter_status_t
sinter_model_create_from_descriptor(sinter_runtime_t *runtime,
                                    const sinter_abi_model_t *descriptor,
                                    sinter_model_t **out_model) {
  if (!out_model) {
    return invalidArgument(
        "sinter_model_create_from_descriptor: out_model is NULL");
  }
  *out_model = nullptr;
  if (!runtime) {
    return invalidArgument(
        "sinter_model_create_from_descriptor: runtime is NULL");
  }
  if (sinter_status_t status =
          checkDescriptor(descriptor, "model descriptor", runtime)) {
    return status;
  }
  return newModel(runtime, descriptor, nullptr, "model descriptor", out_model);
}

sinter_status_t sinter_model_file_device(const char *path,
                                         sinter_abi_device_t *out_device) {
  if (!path || !out_device) {
    return invalidArgument(
        "sinter_model_file_device: path and out_device must not be NULL");
  }
  void *library = nullptr;
  const sinter_abi_model_t *descriptor = nullptr;
  // Only the device is read; the load that follows hashes the constants.
  if (sinter_status_t status =
          openArtifact(path, /*runtime=*/nullptr, &library, &descriptor)) {
    return status;
  }
  *out_device = static_cast<sinter_abi_device_t>(descriptor->device);
  dlclose(library);
  return nullptr;
}

void sinter_model_retain(sinter_model_t *model) {
  if (model) {
    model->refs.fetch_add(1, std::memory_order_relaxed);
  }
}

void sinter_model_release(sinter_model_t *model) {
  if (!model || model->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  model->program.reset(); // before the runtime's device goes
  if (model->library) {
    dlclose(model->library);
  }
  sinter_runtime_release(model->runtime);
  delete model;
}

const sinter_abi_model_t *sinter_model_descriptor(const sinter_model_t *model) {
  return model ? model->descriptor : nullptr;
}

const char *sinter_model_name(const sinter_model_t *model) {
  return model ? model->descriptor->name : "";
}

const char *sinter_model_target(const sinter_model_t *model) {
  return model && model->descriptor->target ? model->descriptor->target : "";
}

size_t sinter_model_num_inputs(const sinter_model_t *model) {
  return model ? model->descriptor->num_inputs : 0;
}

size_t sinter_model_num_outputs(const sinter_model_t *model) {
  return model ? model->descriptor->num_outputs : 0;
}

sinter_status_t sinter_model_input_info(const sinter_model_t *model,
                                        size_t index,
                                        sinter_tensor_info_t *out_info) {
  return tensorInfo(model, /*isInput=*/true, index, out_info);
}

sinter_status_t sinter_model_output_info(const sinter_model_t *model,
                                         size_t index,
                                         sinter_tensor_info_t *out_info) {
  return tensorInfo(model, /*isInput=*/false, index, out_info);
}

sinter_status_t sinter_model_find_input(const sinter_model_t *model,
                                        const char *name, size_t *out_index) {
  return findTensor(model, /*isInput=*/true, name, out_index);
}

sinter_status_t sinter_model_find_output(const sinter_model_t *model,
                                         const char *name, size_t *out_index) {
  return findTensor(model, /*isInput=*/false, name, out_index);
}

uint64_t sinter_model_workspace_size(const sinter_model_t *model) {
  return model ? model->descriptor->workspace_bytes : 0;
}

sinter_abi_device_t sinter_model_device(const sinter_model_t *model) {
  return model ? static_cast<sinter_abi_device_t>(model->descriptor->device)
               : SINTER_ABI_DEVICE_CPU;
}

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

sinter_status_t sinter_context_create(sinter_model_t *model,
                                      sinter_context_t **out_context) {
  if (!out_context) {
    return invalidArgument("sinter_context_create: out_context is NULL");
  }
  *out_context = nullptr;
  if (!model) {
    return invalidArgument("sinter_context_create: model is NULL");
  }
  const sinter_abi_model_t *d = model->descriptor;
  auto *context = new (std::nothrow) sinter_context_t;
  if (!context) {
    return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                      "out of memory allocating a context");
  }
  if (model->program) {
    if (sinter_status_t status =
            cuda::Executor::create(*model->program, *d, &context->executor)) {
      delete context;
      return status;
    }
  } else if (d->workspace_bytes > 0) {
    uint64_t alignment =
        d->workspace_alignment < 64 ? 64 : d->workspace_alignment;
    // Round the size up so the tail of the last cache line is ours too.
    uint64_t size = (d->workspace_bytes + alignment - 1) & ~(alignment - 1);
    if (size < d->workspace_bytes ||
        posix_memalign(&context->workspace, alignment, size) != 0) {
      delete context;
      return makeStatus(SINTER_STATUS_RESOURCE_EXHAUSTED,
                        "cannot allocate the workspace of model '" +
                            std::string(d->name) +
                            "': " + std::to_string(d->workspace_bytes) +
                            " bytes aligned to " + std::to_string(alignment));
    }
  }
  context->inputs.resize(d->num_inputs);
  context->copyFrom.resize(d->num_inputs);
  context->outputs.resize(d->num_outputs);
  sinter_model_retain(model);
  context->model = model;
  context->environment.pool = &model->runtime->pool;
  context->environment.parallel_for = &ThreadPool::parallelForThunk;
  *out_context = context;
  return nullptr;
}

void sinter_context_release(sinter_context_t *context) {
  if (!context) {
    return;
  }
  std::free(context->workspace);
  context->executor.reset(); // before the model's program goes
  sinter_model_release(context->model);
  delete context;
}

sinter_model_t *sinter_context_model(const sinter_context_t *context) {
  return context ? context->model : nullptr;
}

sinter_status_t sinter_context_run(sinter_context_t *context,
                                   const sinter_tensor_view_t *inputs,
                                   size_t num_inputs,
                                   const sinter_tensor_view_t *outputs,
                                   size_t num_outputs) {
  if (!context) {
    return invalidArgument("sinter_context_run: context is NULL");
  }
  const sinter_abi_model_t *d = context->model->descriptor;
  std::string model = std::string("model '") + d->name + "': ";
  if (num_inputs != d->num_inputs) {
    return invalidArgument(model + "expected " + std::to_string(d->num_inputs) +
                           " inputs but got " + std::to_string(num_inputs));
  }
  if (num_outputs != d->num_outputs) {
    return invalidArgument(model + "expected " +
                           std::to_string(d->num_outputs) +
                           " outputs but got " + std::to_string(num_outputs));
  }
  if ((num_inputs > 0 && !inputs) || (num_outputs > 0 && !outputs)) {
    return invalidArgument(model + "the inputs or outputs array is NULL");
  }
  for (size_t i = 0; i < num_inputs; ++i) {
    if (sinter_status_t status =
            checkView("input", i, d->inputs[i], inputs[i])) {
      return status;
    }
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    if (sinter_status_t status =
            checkView("output", i, d->outputs[i], outputs[i])) {
      return status;
    }
  }
  // An output with in_place_of is written into its input's buffer. Given
  // that very buffer, the model updates it in place; given a disjoint one,
  // the input is copied there first and the model works on the copy, so the
  // input is left as it was. Anything in between is refused, and so is
  // another input sharing the memory written in place (it overlaps that
  // output).
  auto name = [&](const char *kind, size_t i) {
    const sinter_abi_tensor_t &t = (*kind == 'i' ? d->inputs : d->outputs)[i];
    return std::string(kind) + " " + std::to_string(i) + " (" + quoted(t.name) +
           ")";
  };
  for (size_t i = 0; i < num_outputs; ++i) {
    uint32_t target = d->outputs[i].in_place_of; // 1 + input, or 0
    for (size_t j = 0; j < num_inputs; ++j) {
      if (target == j + 1 && outputs[i].data == inputs[j].data) {
        continue; // the one buffer an in-place update is given
      }
      if (overlaps(outputs[i], inputs[j])) {
        return invalidArgument(
            name("output", i) + " overlaps " + name("input", j) +
            (target == j + 1
                 ? ", which it overwrites in place: pass exactly the input's "
                   "buffer (an in-place update) or a disjoint one"
                 : ": outputs must not alias inputs"));
      }
    }
    for (size_t j = 0; j < i; ++j) {
      if (overlaps(outputs[i], outputs[j])) {
        return invalidArgument(name("output", i) + " overlaps " +
                               name("output", j) +
                               ": outputs must not alias each other");
      }
    }
  }
  if (context->running.exchange(true, std::memory_order_acquire)) {
    return makeStatus(SINTER_STATUS_FAILED_PRECONDITION,
                      model + "the context is already running on another "
                              "thread; use one context per thread");
  }
  std::vector<void *> &bound = context->inputs;
  std::vector<const void *> &copyFrom = context->copyFrom;
  for (size_t i = 0; i < num_inputs; ++i) {
    bound[i] = inputs[i].data;
    copyFrom[i] = nullptr;
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    context->outputs[i] = outputs[i].data;
    if (uint32_t target = d->outputs[i].in_place_of) {
      size_t j = target - 1;
      if (outputs[i].data != inputs[j].data && outputs[i].byte_size != 0) {
        copyFrom[j] = inputs[j].data;
      }
      bound[j] = outputs[i].data;
    }
  }
  sinter_status_t status = nullptr;
  if (context->executor) {
    status = context->executor->run(bound.data(), context->outputs.data(),
                                    copyFrom.data());
  } else {
    for (size_t i = 0; i < num_inputs; ++i) {
      if (copyFrom[i]) {
        std::memcpy(bound[i], copyFrom[i], inputs[i].byte_size);
      }
    }
    d->entry(bound.data(), context->outputs.data(), context->workspace,
             &context->environment);
  }
  context->running.store(false, std::memory_order_release);
  return status;
}

} // extern "C"
