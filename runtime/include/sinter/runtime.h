/*===- runtime.h - The Sinter runtime's C API ---------------------*- C -*-===//
 *
 * Loads a compiled Sinter artifact (a shared object from sinter-compile, or a
 * descriptor linked into the application), validates it against the ABI in
 * sinter/abi.h, and runs it on caller-owned buffers: on the CPU with a thread
 * pool, or on a CUDA GPU through the driver API (libcuda, loaded at run time;
 * the runtime never links it).
 * The API follows IREE's runtime/src/iree/runtime/session.h: opaque handles,
 * `*_options_initialize`, create/retain/release, out-parameters last and
 * named `out_*`, and a status from every call that can fail.
 *
 * Objects and their lifetimes:
 *
 *   sinter_runtime_t   the device: the CPU thread pool, or the CUDA driver,
 *                      device and its primary context. Reference counted.
 *   sinter_model_t     one validated artifact; keeps its runtime alive and,
 *                      when loaded from a file, the shared object loaded.
 *                      Immutable. Reference counted.
 *   sinter_context_t   an execution context: the model's workspace, allocated
 *                      once at creation (and for CUDA a stream), so a run
 *                      allocates nothing. Keeps its model alive.
 *   sinter_buffer_t    memory on the runtime's device (device memory for
 *                      CUDA, host memory for the CPU), for a run's inputs
 *                      and outputs. One owner; keeps its runtime alive.
 *
 * Thread-safety: runtimes and models are immutable after creation and may be
 * shared by any number of threads. A context is used by one thread at a time
 * (a concurrent second run on the same context fails with
 * SINTER_STATUS_FAILED_PRECONDITION rather than corrupting the workspace);
 * several contexts, of one model or of several, may run concurrently from
 * different threads. Retain/release are thread-safe. Buffers may be used
 * from any thread; concurrent copies into one buffer, or a copy into a
 * buffer a run is using, race as they would on plain memory.
 *
 * Errors: a `sinter_status_t` is NULL on success. A non-NULL status is owned
 * by the caller, who must pass it to sinter_status_free(). Messages name what
 * was wrong and where (the file, the input by index and name, the expected
 * and the given value).
 *
 * Documentation: docs/runtime.md.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SINTER_RUNTIME_H
#define SINTER_RUNTIME_H

#include "sinter/abi.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*
 * Status
 *===----------------------------------------------------------------------===*/

/* Status codes, a subset of absl/IREE's canonical codes. */
typedef enum sinter_status_code_e {
  SINTER_STATUS_OK = 0,
  /* A caller-provided value is wrong: a buffer's shape, a corrupt artifact. */
  SINTER_STATUS_INVALID_ARGUMENT = 1,
  /* A file, symbol or tensor name does not exist. */
  SINTER_STATUS_NOT_FOUND = 2,
  /* The system is not in the state the call needs: an artifact built for
   * another ABI version or for CPU features this machine lacks, a context
   * already running on another thread. */
  SINTER_STATUS_FAILED_PRECONDITION = 3,
  /* An index past the end. */
  SINTER_STATUS_OUT_OF_RANGE = 4,
  /* Out of memory. */
  SINTER_STATUS_RESOURCE_EXHAUSTED = 5,
  SINTER_STATUS_UNIMPLEMENTED = 6,
  SINTER_STATUS_UNAVAILABLE = 7,
  /* A bug in the runtime. */
  SINTER_STATUS_INTERNAL = 8
} sinter_status_code_t;

/* NULL means OK. Owned by whoever received it; free with sinter_status_free.
 * A status is not shared between threads by the runtime; the caller may hand
 * it to another thread. */
typedef struct sinter_status_s *sinter_status_t;

/* SINTER_STATUS_OK for a NULL status. */
sinter_status_code_t sinter_status_code(sinter_status_t status);

/* The message; "OK" for a NULL status. Never NULL. Valid until the status is
 * freed. */
const char *sinter_status_message(sinter_status_t status);

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for a value outside the enum. */
const char *sinter_status_code_name(sinter_status_code_t code);

/* Frees a status; NULL is allowed and does nothing. */
void sinter_status_free(sinter_status_t status);

/*===----------------------------------------------------------------------===*
 * Element types
 *===----------------------------------------------------------------------===*/

/* "f32", "f16", "bf16", "i1", "i32", "i64" for the sinter_abi_dtype_t
 * values; "invalid" for anything else. Static storage. */
const char *sinter_dtype_name(uint32_t dtype);

/* Bytes per element (i1 is one byte); 0 for an invalid dtype. */
uint64_t sinter_dtype_element_size(uint32_t dtype);

/*===----------------------------------------------------------------------===*
 * Runtime
 *===----------------------------------------------------------------------===*/

typedef struct sinter_runtime_options_t {
  /* Threads that run parallel loops, counting the calling thread: the pool
   * starts num_threads - 1 workers. 0 means the hardware concurrency; 1 runs
   * everything inline on the caller's thread. Must be in [0, 1024]. A CUDA
   * runtime checks the value but runs no CPU loops (it reports 1 thread). */
  int32_t num_threads;
  /* Where models run: a sinter_abi_device_t. SINTER_ABI_DEVICE_CUDA loads
   * the CUDA driver (libcuda.so.1, or the library named by the environment
   * variable SINTER_CUDA_DRIVER). */
  int32_t device;
  /* Which CUDA device (the driver's ordinal, as in CUDA_VISIBLE_DEVICES
   * order). Must be 0 for the CPU. */
  int32_t device_ordinal;
  /* Nonzero: models load without hashing their constants (weights) against
   * the descriptor's constants_hash. The hash reads each weight once at load
   * (about 13 GB/s per thread, on the pool's threads) and catches an
   * artifact changed after compilation, which would otherwise run and give
   * wrong answers; skip it only for artifacts whose integrity is checked
   * otherwise. */
  int32_t skip_constants_verification;
} sinter_runtime_options_t;

/* Sets the defaults: num_threads = 0, device = SINTER_ABI_DEVICE_CPU,
 * device_ordinal = 0, skip_constants_verification = 0. */
void sinter_runtime_options_initialize(sinter_runtime_options_t *out_options);

/* Owns the CPU thread pool, or for CUDA the driver, the device and a
 * reference to its primary context. Thread-safe; reference counted. */
typedef struct sinter_runtime_t sinter_runtime_t;

/* Creates a runtime: starts the worker threads, or for CUDA loads and
 * initialises the driver, checks the ordinal and retains the device's
 * primary context. `options` may be NULL for the defaults. Errors:
 * INVALID_ARGUMENT for bad options; for CUDA, UNAVAILABLE when there is no
 * driver ("no CUDA driver: ...") or no device ("no CUDA device ..."),
 * OUT_OF_RANGE for an ordinal past the device count, and any other driver
 * error with the driver's name and string for it. The caller owns one
 * reference to *out_runtime. */
sinter_status_t sinter_runtime_create(const sinter_runtime_options_t *options,
                                      sinter_runtime_t **out_runtime);

/* Adds a reference. NULL is allowed. */
void sinter_runtime_retain(sinter_runtime_t *runtime);

/* Drops a reference; the last one joins the workers. Models and contexts
 * hold their own references, so releasing the runtime while they live is
 * allowed. NULL is allowed. */
void sinter_runtime_release(sinter_runtime_t *runtime);

/* The number of threads parallel loops use, counting the caller (>= 1;
 * 1 for a CUDA runtime). */
int32_t sinter_runtime_num_threads(const sinter_runtime_t *runtime);

/* The runtime's device; SINTER_ABI_DEVICE_CPU for NULL. */
sinter_abi_device_t sinter_runtime_device(const sinter_runtime_t *runtime);

/* What a runtime runs on. Strings point into the runtime and stay valid
 * while it lives. */
typedef struct sinter_device_info_t {
  int32_t device;   /* a sinter_abi_device_t */
  int32_t ordinal;  /* the CUDA device ordinal; 0 for the CPU */
  const char *name; /* "NVIDIA H100 80GB HBM3"; the CPU's brand string */
  const char *arch; /* "sm_90"; "" for the CPU */
  int32_t compute_capability_major; /* 9 for sm_90; 0 for the CPU */
  int32_t compute_capability_minor; /* 0 for sm_90; 0 for the CPU */
} sinter_device_info_t;

/* Describes the runtime's device. */
sinter_status_t sinter_runtime_device_info(const sinter_runtime_t *runtime,
                                           sinter_device_info_t *out_info);

/*===----------------------------------------------------------------------===*
 * Model
 *===----------------------------------------------------------------------===*/

/* A model's input or output. Pointers point into the model and stay valid
 * while the model lives. */
typedef struct sinter_tensor_info_t {
  const char *name;
  uint32_t dtype; /* a sinter_abi_dtype_t */
  uint32_t rank;
  const int64_t *shape; /* rank extents; may be NULL when rank is 0 */
  uint64_t byte_size;
  /* Outputs: 1 + the index of the input this output overwrites in place,
   * or 0. Give such an output the input's own buffer to update it in place
   * (a training step's parameters), or a disjoint one to leave the input as
   * it was (it is copied first). Inputs: 0. */
  uint32_t in_place_of;
} sinter_tensor_info_t;

/* A validated artifact. Immutable; may be shared by any number of threads.
 * Reference counted. */
typedef struct sinter_model_t sinter_model_t;

/* Loads the shared object at `path` (dlopen with RTLD_NOW | RTLD_LOCAL),
 * calls its SINTER_ABI_DESCRIPTOR_SYMBOL function and validates the
 * descriptor (see docs/runtime.md, "Validation"). The artifact's device must
 * be the runtime's (FAILED_PRECONDITION otherwise, saying which device to
 * create the runtime with). For CUDA the GPU program is loaded into the
 * device's primary context (the cubin when the device is the cubin's
 * architecture, else the PTX, JIT-compiled by the driver) and every kernel
 * is resolved. On any failure the object is unloaded and the status names
 * `path`. The model keeps the object loaded and holds a reference to
 * `runtime`. The caller owns one reference to *out_model. */
sinter_status_t sinter_model_load_file(sinter_runtime_t *runtime,
                                       const char *path,
                                       sinter_model_t **out_model);

/* Wraps a descriptor linked into the application (no dlopen), after the
 * same validation and loading. `descriptor` and everything it points to
 * must outlive the model. The caller owns one reference to *out_model. */
sinter_status_t
sinter_model_create_from_descriptor(sinter_runtime_t *runtime,
                                    const sinter_abi_model_t *descriptor,
                                    sinter_model_t **out_model);

/* The device the artifact at `path` was compiled for, to pick the runtime
 * to load it with: loads and validates it as sinter_model_load_file does
 * (the same errors, except that it does not hash the constants), reads its
 * device and unloads it. */
sinter_status_t sinter_model_file_device(const char *path,
                                         sinter_abi_device_t *out_device);

/* Adds a reference. NULL is allowed. */
void sinter_model_retain(sinter_model_t *model);

/* Drops a reference; the last one unloads the shared object. NULL is
 * allowed. */
void sinter_model_release(sinter_model_t *model);

/* The validated descriptor (points into the artifact). */
const sinter_abi_model_t *sinter_model_descriptor(const sinter_model_t *model);

/* The entry function's name and the target string ("" when the artifact
 * gives none). Valid while the model lives. */
const char *sinter_model_name(const sinter_model_t *model);
const char *sinter_model_target(const sinter_model_t *model);

size_t sinter_model_num_inputs(const sinter_model_t *model);
size_t sinter_model_num_outputs(const sinter_model_t *model);

/* Describes input/output `index`; SINTER_STATUS_OUT_OF_RANGE past the end. */
sinter_status_t sinter_model_input_info(const sinter_model_t *model,
                                        size_t index,
                                        sinter_tensor_info_t *out_info);
sinter_status_t sinter_model_output_info(const sinter_model_t *model,
                                         size_t index,
                                         sinter_tensor_info_t *out_info);

/* The index of the input/output called `name`; SINTER_STATUS_NOT_FOUND (the
 * message lists the names there are) otherwise. */
sinter_status_t sinter_model_find_input(const sinter_model_t *model,
                                        const char *name, size_t *out_index);
sinter_status_t sinter_model_find_output(const sinter_model_t *model,
                                         const char *name, size_t *out_index);

/* Bytes of scratch memory each context allocates for this model. */
uint64_t sinter_model_workspace_size(const sinter_model_t *model);

/* The device the model runs on (the artifact's and its runtime's). */
sinter_abi_device_t sinter_model_device(const sinter_model_t *model);

/*===----------------------------------------------------------------------===*
 * Buffers
 *===----------------------------------------------------------------------===*/

/* Memory on a runtime's device: device memory (cuMemAlloc) for a CUDA
 * runtime, 64-byte aligned host memory for a CPU runtime, so application
 * code can move data the same way on either. Holds a reference to its
 * runtime. One owner; not reference counted. */
typedef struct sinter_buffer_t sinter_buffer_t;

/* Allocates `byte_size` bytes (uninitialised). 0 bytes is allowed: the
 * buffer then has a NULL device pointer. RESOURCE_EXHAUSTED when the device
 * is out of memory. The caller owns *out_buffer. */
sinter_status_t sinter_buffer_allocate(sinter_runtime_t *runtime,
                                       uint64_t byte_size,
                                       sinter_buffer_t **out_buffer);

/* Frees the memory and drops the runtime reference. NULL is allowed. Must
 * not be called while a run uses the buffer. */
void sinter_buffer_release(sinter_buffer_t *buffer);

/* The memory's address on the device, for sinter_tensor_view_t.data (the
 * host address for a CPU runtime). Valid until the buffer is released; NULL
 * for NULL or an empty buffer. */
void *sinter_buffer_device_pointer(const sinter_buffer_t *buffer);

/* The size given to sinter_buffer_allocate; 0 for NULL. */
uint64_t sinter_buffer_byte_size(const sinter_buffer_t *buffer);

/* Copies `byte_size` bytes between host memory and the start of the
 * buffer; `byte_size` must not exceed the buffer's size. Synchronous:
 * returns when the copy is complete. */
sinter_status_t sinter_buffer_copy_from_host(sinter_buffer_t *buffer,
                                             const void *host,
                                             uint64_t byte_size);
sinter_status_t sinter_buffer_copy_to_host(const sinter_buffer_t *buffer,
                                           void *host, uint64_t byte_size);

/*===----------------------------------------------------------------------===*
 * Context
 *===----------------------------------------------------------------------===*/

/* A caller-owned buffer passed to a run: dense, row-major. The runtime
 * neither keeps nor frees it. For a CUDA model `data` is a device address
 * (sinter_buffer_device_pointer, or any memory the CUDA driver knows). */
typedef struct sinter_tensor_view_t {
  void *data;         /* may be NULL only when byte_size is 0 */
  uint64_t byte_size; /* must equal the model's byte size for the tensor */
  uint32_t dtype;     /* a sinter_abi_dtype_t */
  uint32_t rank;
  const int64_t *shape; /* rank extents; may be NULL when rank is 0 */
} sinter_tensor_view_t;

/* An execution context: the workspace of one model. Used by one thread at a
 * time; not reference counted (one owner). */
typedef struct sinter_context_t sinter_context_t;

/* Allocates the model's workspace (aligned to max(64, workspace_alignment);
 * device memory for CUDA) once, and for CUDA creates the context's stream.
 * Holds a reference to `model`. The caller owns *out_context. */
sinter_status_t sinter_context_create(sinter_model_t *model,
                                      sinter_context_t **out_context);

/* Frees the workspace and drops the model reference. NULL is allowed. Must
 * not be called while a run on the context is in progress. */
void sinter_context_release(sinter_context_t *context);

/* The model the context runs (borrowed). */
sinter_model_t *sinter_context_model(const sinter_context_t *context);

/* Runs the model once: checks the counts and every view (data, dtype, rank,
 * each extent, byte size; outputs must overlap neither inputs nor each
 * other, except that an output with in_place_of may be given exactly the
 * buffer of the input it overwrites, which it then updates in place; given
 * a disjoint buffer instead, that input is copied into it first and left
 * as it was), then calls the entry point with the runtime's thread pool, or for
 * CUDA issues the model's kernel launches in order on the context's stream
 * and waits for them, and returns when the outputs are written. On a failed
 * check nothing is run and the message names the tensor by index and name
 * with the expected and the given value, e.g. "input 0 ('tokens'): expected
 * shape [32] but got [31]". A CUDA error names the launch and its kernel and
 * carries the driver's message. Allocates nothing. */
sinter_status_t sinter_context_run(sinter_context_t *context,
                                   const sinter_tensor_view_t *inputs,
                                   size_t num_inputs,
                                   const sinter_tensor_view_t *outputs,
                                   size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SINTER_RUNTIME_H */
