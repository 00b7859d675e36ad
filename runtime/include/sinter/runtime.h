/*===- runtime.h - The Sinter runtime's C API ---------------------*- C -*-===//
 *
 * Loads a compiled Sinter artifact (a shared object from sinter-compile, or a
 * descriptor linked into the application), validates it against the ABI in
 * sinter/abi.h, and runs it on caller-owned buffers with a CPU thread pool.
 * The API follows IREE's runtime/src/iree/runtime/session.h: opaque handles,
 * `*_options_initialize`, create/retain/release, out-parameters last and
 * named `out_*`, and a status from every call that can fail.
 *
 * Objects and their lifetimes:
 *
 *   sinter_runtime_t   the thread pool. Reference counted.
 *   sinter_model_t     one validated artifact; keeps its runtime alive and,
 *                      when loaded from a file, the shared object loaded.
 *                      Immutable. Reference counted.
 *   sinter_context_t   an execution context: the model's workspace, allocated
 *                      once at creation, so a run allocates nothing. Keeps
 *                      its model alive.
 *
 * Thread-safety: runtimes and models are immutable after creation and may be
 * shared by any number of threads. A context is used by one thread at a time
 * (a concurrent second run on the same context fails with
 * SINTER_STATUS_FAILED_PRECONDITION rather than corrupting the workspace);
 * several contexts, of one model or of several, may run concurrently from
 * different threads. Retain/release are thread-safe.
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
   * everything inline on the caller's thread. Must be in [0, 1024]. */
  int32_t num_threads;
} sinter_runtime_options_t;

/* Sets the defaults (num_threads = 0). */
void sinter_runtime_options_initialize(sinter_runtime_options_t *out_options);

/* Owns the CPU thread pool. Thread-safe; reference counted. */
typedef struct sinter_runtime_t sinter_runtime_t;

/* Creates a runtime and starts its worker threads. `options` may be NULL for
 * the defaults. The caller owns one reference to *out_runtime. */
sinter_status_t sinter_runtime_create(const sinter_runtime_options_t *options,
                                      sinter_runtime_t **out_runtime);

/* Adds a reference. NULL is allowed. */
void sinter_runtime_retain(sinter_runtime_t *runtime);

/* Drops a reference; the last one joins the workers. Models and contexts
 * hold their own references, so releasing the runtime while they live is
 * allowed. NULL is allowed. */
void sinter_runtime_release(sinter_runtime_t *runtime);

/* The number of threads parallel loops use, counting the caller (>= 1). */
int32_t sinter_runtime_num_threads(const sinter_runtime_t *runtime);

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
} sinter_tensor_info_t;

/* A validated artifact. Immutable; may be shared by any number of threads.
 * Reference counted. */
typedef struct sinter_model_t sinter_model_t;

/* Loads the shared object at `path` (dlopen with RTLD_NOW | RTLD_LOCAL),
 * calls its SINTER_ABI_DESCRIPTOR_SYMBOL function and validates the
 * descriptor (see docs/runtime.md, "Validation"). On any failure the object
 * is unloaded and the status names `path`. The model keeps the object loaded
 * and holds a reference to `runtime`. The caller owns one reference to
 * *out_model. */
sinter_status_t sinter_model_load_file(sinter_runtime_t *runtime,
                                       const char *path,
                                       sinter_model_t **out_model);

/* Wraps a descriptor linked into the application (no dlopen), after the
 * same validation. `descriptor` and everything it points to must outlive the
 * model. The caller owns one reference to *out_model. */
sinter_status_t
sinter_model_create_from_descriptor(sinter_runtime_t *runtime,
                                    const sinter_abi_model_t *descriptor,
                                    sinter_model_t **out_model);

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

/*===----------------------------------------------------------------------===*
 * Context
 *===----------------------------------------------------------------------===*/

/* A caller-owned buffer passed to a run: dense, row-major. The runtime
 * neither keeps nor frees it. */
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

/* Allocates the model's workspace (aligned to max(64, workspace_alignment))
 * once. Holds a reference to `model`. The caller owns *out_context. */
sinter_status_t sinter_context_create(sinter_model_t *model,
                                      sinter_context_t **out_context);

/* Frees the workspace and drops the model reference. NULL is allowed. Must
 * not be called while a run on the context is in progress. */
void sinter_context_release(sinter_context_t *context);

/* The model the context runs (borrowed). */
sinter_model_t *sinter_context_model(const sinter_context_t *context);

/* Runs the model once: checks the counts and every view (data, dtype, rank,
 * each extent, byte size; outputs must overlap neither inputs nor each
 * other), then calls the entry point with the runtime's thread pool, and
 * returns when the outputs are written. On a failed check nothing is run and
 * the message names the tensor by index and name with the expected and the
 * given value, e.g. "input 0 ('tokens'): expected shape [32] but got [31]".
 * Allocates nothing. */
sinter_status_t sinter_context_run(sinter_context_t *context,
                                   const sinter_tensor_view_t *inputs,
                                   size_t num_inputs,
                                   const sinter_tensor_view_t *outputs,
                                   size_t num_outputs);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SINTER_RUNTIME_H */
