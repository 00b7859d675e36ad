/*===- abi.h - The ABI between compiled artifacts and the runtime -*- C -*-===//
 *
 * The one contract between what sinter-compile emits and what the runtime (or
 * an application linking a model directly) calls. It is dependency-free C so
 * that the compiler's artifact writer (compiler/Target/CPU) and the runtime
 * (runtime/src) include the same definitions, as IREE's
 * hal/local/executable_library.h is shared with its LibraryBuilder.
 *
 * Versioning: any change to a struct below or to the entry-point convention
 * bumps SINTER_ABI_VERSION. The runtime refuses a descriptor whose magic,
 * version, struct size or checksum does not match.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SINTER_ABI_H
#define SINTER_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "SNTR" in little-endian byte order. */
#define SINTER_ABI_MAGIC 0x52544e53u
#define SINTER_ABI_VERSION 4u

/* A shared-object artifact exports this function; it returns the descriptor. */
#define SINTER_ABI_DESCRIPTOR_SYMBOL "sinter_model_descriptor"

/* Element types. Values are part of the ABI. */
typedef enum sinter_abi_dtype_e {
  SINTER_ABI_DTYPE_F32 = 0,
  SINTER_ABI_DTYPE_F16 = 1,
  SINTER_ABI_DTYPE_BF16 = 2,
  SINTER_ABI_DTYPE_I1 = 3, /* one byte per element, 0 or 1 */
  SINTER_ABI_DTYPE_I32 = 4,
  SINTER_ABI_DTYPE_I64 = 5,
  SINTER_ABI_DTYPE_COUNT = 6
} sinter_abi_dtype_t;

/* CPU features the artifact's code requires (bit set). The runtime refuses to
 * run an artifact on a CPU that lacks one, instead of dying with SIGILL. */
enum {
  SINTER_ABI_CPU_SSE42 = 1u << 0,
  SINTER_ABI_CPU_AVX = 1u << 1,
  SINTER_ABI_CPU_AVX2 = 1u << 2,
  SINTER_ABI_CPU_FMA = 1u << 3,
  SINTER_ABI_CPU_F16C = 1u << 4,
  SINTER_ABI_CPU_AVX512F = 1u << 5,
  SINTER_ABI_CPU_AVX512BW = 1u << 6,
  SINTER_ABI_CPU_AVX512DQ = 1u << 7,
  SINTER_ABI_CPU_AVX512VL = 1u << 8,
  SINTER_ABI_CPU_AVX512BF16 = 1u << 9,
  SINTER_ABI_CPU_AVX512FP16 = 1u << 10
};

/* Where an artifact's code runs. */
typedef enum sinter_abi_device_e {
  SINTER_ABI_DEVICE_CPU = 0,  /* `entry` runs on the calling thread's CPU */
  SINTER_ABI_DEVICE_CUDA = 1, /* `gpu` is a list of CUDA kernel launches */
  SINTER_ABI_DEVICE_COUNT = 2
} sinter_abi_device_t;

/* Which buffer a GPU kernel argument points into. */
typedef enum sinter_abi_gpu_arg_kind_e {
  SINTER_ABI_GPU_ARG_INPUT = 0,     /* inputs[index] */
  SINTER_ABI_GPU_ARG_OUTPUT = 1,    /* outputs[index] */
  SINTER_ABI_GPU_ARG_WORKSPACE = 2, /* the workspace; index is 0 */
  SINTER_ABI_GPU_ARG_CONSTANTS = 3, /* the program's constants; index is 0 */
  SINTER_ABI_GPU_ARG_KIND_COUNT = 4
} sinter_abi_gpu_arg_kind_t;

/* One kernel parameter: a device pointer, `byte_offset` bytes into a buffer.
 * Kernels take nothing but pointers (shapes are static and compiled in). */
typedef struct sinter_abi_gpu_arg_t {
  uint32_t kind;  /* a sinter_abi_gpu_arg_kind_t */
  uint32_t index; /* the input/output index; 0 for the workspace */
  uint64_t byte_offset;
} sinter_abi_gpu_arg_t;

/* One kernel launch. The runtime issues them in order on one stream. */
typedef struct sinter_abi_gpu_launch_t {
  const char *kernel; /* the entry's name in the module */
  uint32_t grid[3];   /* blocks, each >= 1 */
  uint32_t block[3];  /* threads per block, each >= 1, product <= 1024 */
  uint32_t dynamic_shared_bytes;
  uint32_t num_args;
  const sinter_abi_gpu_arg_t *args;
} sinter_abi_gpu_launch_t;

/* The GPU code of a CUDA artifact: one module as PTX (always) and as a cubin
 * for `arch` (when ptxas was installed at compile time). The runtime loads
 * the cubin when the device's compute capability is `arch`, the PTX
 * (JIT-compiled by the driver) otherwise. */
typedef struct sinter_abi_gpu_program_t {
  const char *arch;    /* "sm_80", "sm_90", ... */
  const char *ptx;     /* NUL-terminated PTX text */
  uint64_t ptx_size;   /* bytes, without the NUL */
  const void *cubin;   /* may be NULL */
  uint64_t cubin_size; /* 0 when cubin is NULL */
  uint32_t num_launches;
  uint32_t reserved;
  const sinter_abi_gpu_launch_t *launches;
  /* The constants (weights) the kernels read, laid out by the compiler; the
   * runtime uploads them once per model into one device allocation (aligned
   * to 256 bytes) that SINTER_ABI_GPU_ARG_CONSTANTS arguments point into. */
  const void *constants; /* may be NULL when constants_size is 0 */
  uint64_t constants_size;
} sinter_abi_gpu_program_t;

/* Largest rank an artifact may declare. */
#define SINTER_ABI_MAX_RANK 16u

/* One input or output of the entry point. Buffers are dense, row-major. */
typedef struct sinter_abi_tensor_t {
  const char *name;     /* NUL-terminated, unique among inputs/outputs */
  uint32_t dtype;       /* a sinter_abi_dtype_t */
  uint32_t rank;        /* <= SINTER_ABI_MAX_RANK */
  const int64_t *shape; /* rank extents, each >= 0 */
  uint64_t byte_size;   /* product(shape) * element size */
  /* Outputs: 1 + the index of the input this output overwrites in place
   * (of the same dtype and shape; one output per input at most), or 0 (so
   * a zero-initialized tensor is an ordinary one). The entry point writes
   * such an output into that input's buffer and never touches outputs[i];
   * the runtime passes it the output's buffer there (see
   * sinter_context_run). Inputs: 0. */
  uint32_t in_place_of;
  uint32_t reserved; /* 0 */
} sinter_abi_tensor_t;

/* Parallel loops in generated code call back into the runtime's thread pool.
 * `task` is called with disjoint [begin, end) ranges covering [0, count);
 * parallel_for returns when all of them have finished. */
typedef void (*sinter_abi_task_fn)(void *task_context, int64_t begin,
                                   int64_t end);
typedef void (*sinter_abi_parallel_for_fn)(void *pool, sinter_abi_task_fn task,
                                           void *task_context, int64_t count);

/* What the caller of an entry point provides besides buffers. A NULL
 * environment, or a NULL parallel_for, runs every loop on the calling thread.
 */
typedef struct sinter_abi_environment_t {
  void *pool;
  sinter_abi_parallel_for_fn parallel_for;
} sinter_abi_environment_t;

/* The entry point. inputs[i] / outputs[i] point at caller-owned buffers laid
 * out as the descriptor says; workspace points at workspace_bytes bytes
 * aligned to workspace_alignment (may be NULL when workspace_bytes is 0).
 * Outputs must not alias inputs or each other, except that an output with
 * in_place_of is written into that input's buffer (which the entry
 * point reads before overwriting); such an input must not overlap any
 * other buffer. */
typedef void (*sinter_abi_entry_fn)(void *const *inputs, void *const *outputs,
                                    void *workspace,
                                    const sinter_abi_environment_t *env);

/* The model descriptor. All pointers point into the artifact's read-only
 * data and live as long as the artifact is loaded. */
typedef struct sinter_abi_model_t {
  uint32_t magic;                 /* SINTER_ABI_MAGIC */
  uint32_t abi_version;           /* SINTER_ABI_VERSION */
  uint64_t struct_size;           /* sizeof(sinter_abi_model_t) */
  const char *name;               /* the entry function's name */
  const char *target;             /* e.g. "x86_64 cpu=sapphirerapids" */
  uint64_t required_cpu_features; /* SINTER_ABI_CPU_* bits */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const sinter_abi_tensor_t *inputs;
  const sinter_abi_tensor_t *outputs;
  uint64_t workspace_bytes;
  uint64_t workspace_alignment; /* a power of two */
  uint64_t constant_bytes;      /* size of the weights baked into the code */
  sinter_abi_entry_fn entry;    /* NULL for a CUDA artifact */
  uint32_t device;              /* a sinter_abi_device_t */
  uint32_t reserved;
  const sinter_abi_gpu_program_t *gpu; /* CUDA artifacts only, else NULL */
  /* The constant_bytes bytes of every constant the code reads (weights and
   * lookup tables, laid out by the compiler in one block; for CUDA the same
   * block as gpu->constants). NULL when constant_bytes is 0. */
  const void *constants;
  /* sinter_abi_constants_hash(constants, constant_bytes), computed by the
   * compiler; the runtime recomputes it at load (unless told not to), on all
   * its threads, so a corrupt weight is refused instead of giving wrong
   * answers. */
  uint64_t constants_hash;
  /* sinter_abi_signature_checksum() of everything above except the name,
   * target, entry, the constants pointer and this field, computed by the
   * compiler; a mismatch means a corrupt artifact. */
  uint64_t checksum;
} sinter_abi_model_t;

typedef const sinter_abi_model_t *(*sinter_abi_descriptor_fn)(void);

/* The constants' hash: XXH64 (seed 0) of each SINTER_ABI_CONSTANTS_CHUNK
 * bytes (the last chunk may be shorter), folded in order into one 64-bit
 * value, so that a loader can hash the chunks on all its threads. XXH64 runs
 * four independent lanes of multiply-rotate over 32-byte stripes (about 13
 * GB/s on one core); byte order: little-endian words, as the artifact's
 * own. */
#define SINTER_ABI_CONSTANTS_CHUNK ((size_t)1 << 18) /* 256 KiB */
#define SINTER_ABI_XXH_P1 0x9E3779B185EBCA87ull
#define SINTER_ABI_XXH_P2 0xC2B2AE3D27D4EB4Full
#define SINTER_ABI_XXH_P3 0x165667B19E3779F9ull
#define SINTER_ABI_XXH_P4 0x85EBCA77C2B2AE63ull
#define SINTER_ABI_XXH_P5 0x27D4EB2F165667C5ull

static inline uint64_t sinter_abi_rotl64(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t sinter_abi_read64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static inline uint64_t sinter_abi_xxh64_round(uint64_t acc, uint64_t input) {
  acc += input * SINTER_ABI_XXH_P2;
  acc = sinter_abi_rotl64(acc, 31);
  return acc * SINTER_ABI_XXH_P1;
}

static inline uint64_t sinter_abi_xxh64_merge(uint64_t acc, uint64_t lane) {
  acc ^= sinter_abi_xxh64_round(0, lane);
  return acc * SINTER_ABI_XXH_P1 + SINTER_ABI_XXH_P4;
}

/* XXH64 with seed 0 (the published algorithm: "abc" hashes to
 * 0x44BC2CF5AD770999). */
/* XXH64's final avalanche: every input bit reaches every output bit. */
static inline uint64_t sinter_abi_xxh64_avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= SINTER_ABI_XXH_P2;
  h ^= h >> 29;
  h *= SINTER_ABI_XXH_P3;
  h ^= h >> 32;
  return h;
}

static inline uint64_t sinter_abi_xxh64(const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  const unsigned char *end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = SINTER_ABI_XXH_P1 + SINTER_ABI_XXH_P2;
    uint64_t v2 = SINTER_ABI_XXH_P2;
    uint64_t v3 = 0;
    uint64_t v4 = 0 - SINTER_ABI_XXH_P1;
    for (; end - p >= 32; p += 32) {
      v1 = sinter_abi_xxh64_round(v1, sinter_abi_read64(p));
      v2 = sinter_abi_xxh64_round(v2, sinter_abi_read64(p + 8));
      v3 = sinter_abi_xxh64_round(v3, sinter_abi_read64(p + 16));
      v4 = sinter_abi_xxh64_round(v4, sinter_abi_read64(p + 24));
    }
    h = sinter_abi_rotl64(v1, 1) + sinter_abi_rotl64(v2, 7) +
        sinter_abi_rotl64(v3, 12) + sinter_abi_rotl64(v4, 18);
    h = sinter_abi_xxh64_merge(h, v1);
    h = sinter_abi_xxh64_merge(h, v2);
    h = sinter_abi_xxh64_merge(h, v3);
    h = sinter_abi_xxh64_merge(h, v4);
  } else {
    h = SINTER_ABI_XXH_P5;
  }
  h += (uint64_t)n;
  for (; end - p >= 8; p += 8) {
    h ^= sinter_abi_xxh64_round(0, sinter_abi_read64(p));
    h = sinter_abi_rotl64(h, 27) * SINTER_ABI_XXH_P1 + SINTER_ABI_XXH_P4;
  }
  if (end - p >= 4) {
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    h ^= (uint64_t)w * SINTER_ABI_XXH_P1;
    h = sinter_abi_rotl64(h, 23) * SINTER_ABI_XXH_P2 + SINTER_ABI_XXH_P3;
    p += 4;
  }
  for (; p < end; ++p) {
    h ^= (uint64_t)*p * SINTER_ABI_XXH_P5;
    h = sinter_abi_rotl64(h, 11) * SINTER_ABI_XXH_P1;
  }
  return sinter_abi_xxh64_avalanche(h);
}

/* The fold of the chunk hashes: start with the total size, fold each
 * chunk's XXH64 in order (XXH64's 8-byte tail step), finish with XXH64's
 * avalanche. */
static inline uint64_t sinter_abi_constants_hash_start(uint64_t total_bytes) {
  return SINTER_ABI_XXH_P5 + total_bytes;
}

static inline uint64_t sinter_abi_constants_hash_fold(uint64_t h,
                                                      uint64_t chunk_hash) {
  h ^= sinter_abi_xxh64_round(0, chunk_hash);
  return sinter_abi_rotl64(h, 27) * SINTER_ABI_XXH_P1 + SINTER_ABI_XXH_P4;
}

static inline uint64_t sinter_abi_constants_hash_finish(uint64_t h) {
  return sinter_abi_xxh64_avalanche(h);
}

/* The hash the descriptor's constants_hash records, computed on one thread
 * (the runtime hashes the chunks in parallel and folds them the same way). */
static inline uint64_t sinter_abi_constants_hash(const void *data, size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t h = sinter_abi_constants_hash_start(n);
  for (size_t at = 0; at < n; at += SINTER_ABI_CONSTANTS_CHUNK) {
    size_t len = n - at < SINTER_ABI_CONSTANTS_CHUNK
                     ? n - at
                     : SINTER_ABI_CONSTANTS_CHUNK;
    h = sinter_abi_constants_hash_fold(h, sinter_abi_xxh64(p + at, len));
  }
  return sinter_abi_constants_hash_finish(h);
}

/* FNV-1a over the signature: names, dtypes, ranks, shapes, byte sizes, the
 * workspace size/alignment, the constants' size and hash, and required
 * features (bytewise: the signature is small, so its speed does not matter).
 * Both the
 * compiler and the runtime compute it with this one function. */
static inline uint64_t sinter_abi_fnv1a(uint64_t h, const void *data,
                                        size_t n) {
  const unsigned char *p = (const unsigned char *)data;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

static inline uint64_t
sinter_abi_tensor_checksum(uint64_t h, const sinter_abi_tensor_t *t) {
  size_t len = 0;
  while (t->name[len]) {
    ++len;
  }
  h = sinter_abi_fnv1a(h, t->name, len + 1);
  h = sinter_abi_fnv1a(h, &t->dtype, sizeof(t->dtype));
  h = sinter_abi_fnv1a(h, &t->rank, sizeof(t->rank));
  h = sinter_abi_fnv1a(h, t->shape, sizeof(int64_t) * t->rank);
  h = sinter_abi_fnv1a(h, &t->byte_size, sizeof(t->byte_size));
  h = sinter_abi_fnv1a(h, &t->in_place_of, sizeof(t->in_place_of));
  return h;
}

/* The launch table and both binaries of a GPU program. The caller must
 * have checked its pointers (see sinter_abi_signature_checksum). */
static inline uint64_t
sinter_abi_gpu_program_checksum(uint64_t h, const sinter_abi_gpu_program_t *g) {
  h = sinter_abi_fnv1a(h, &g->ptx_size, sizeof(g->ptx_size));
  h = sinter_abi_fnv1a(h, g->ptx, (size_t)g->ptx_size);
  h = sinter_abi_fnv1a(h, &g->cubin_size, sizeof(g->cubin_size));
  if (g->cubin_size) {
    h = sinter_abi_fnv1a(h, g->cubin, (size_t)g->cubin_size);
  }
  /* The constants' size; their bytes are the descriptor's constants_hash. */
  h = sinter_abi_fnv1a(h, &g->constants_size, sizeof(g->constants_size));
  h = sinter_abi_fnv1a(h, &g->num_launches, sizeof(g->num_launches));
  for (uint32_t i = 0; i < g->num_launches; ++i) {
    const sinter_abi_gpu_launch_t *l = &g->launches[i];
    size_t len = 0;
    while (l->kernel[len]) {
      ++len;
    }
    h = sinter_abi_fnv1a(h, l->kernel, len + 1);
    h = sinter_abi_fnv1a(h, l->grid, sizeof(l->grid));
    h = sinter_abi_fnv1a(h, l->block, sizeof(l->block));
    h = sinter_abi_fnv1a(h, &l->dynamic_shared_bytes,
                         sizeof(l->dynamic_shared_bytes));
    h = sinter_abi_fnv1a(h, &l->num_args, sizeof(l->num_args));
    for (uint32_t a = 0; a < l->num_args; ++a) {
      h = sinter_abi_fnv1a(h, &l->args[a].kind, sizeof(l->args[a].kind));
      h = sinter_abi_fnv1a(h, &l->args[a].index, sizeof(l->args[a].index));
      h = sinter_abi_fnv1a(h, &l->args[a].byte_offset,
                           sizeof(l->args[a].byte_offset));
    }
  }
  return h;
}

/* The caller must have checked that every pointer in `m` is non-NULL, that
 * ranks are <= SINTER_ABI_MAX_RANK and, for a CUDA artifact, that `gpu`, its
 * ptx, launches, kernel names and args are non-NULL before calling this. */
static inline uint64_t
sinter_abi_signature_checksum(const sinter_abi_model_t *m) {
  uint64_t h = 0xcbf29ce484222325ull;
  h = sinter_abi_fnv1a(h, &m->abi_version, sizeof(m->abi_version));
  h = sinter_abi_fnv1a(h, &m->required_cpu_features,
                       sizeof(m->required_cpu_features));
  h = sinter_abi_fnv1a(h, &m->num_inputs, sizeof(m->num_inputs));
  h = sinter_abi_fnv1a(h, &m->num_outputs, sizeof(m->num_outputs));
  for (uint32_t i = 0; i < m->num_inputs; ++i) {
    h = sinter_abi_tensor_checksum(h, &m->inputs[i]);
  }
  for (uint32_t i = 0; i < m->num_outputs; ++i) {
    h = sinter_abi_tensor_checksum(h, &m->outputs[i]);
  }
  h = sinter_abi_fnv1a(h, &m->workspace_bytes, sizeof(m->workspace_bytes));
  h = sinter_abi_fnv1a(h, &m->workspace_alignment,
                       sizeof(m->workspace_alignment));
  h = sinter_abi_fnv1a(h, &m->constant_bytes, sizeof(m->constant_bytes));
  h = sinter_abi_fnv1a(h, &m->constants_hash, sizeof(m->constants_hash));
  h = sinter_abi_fnv1a(h, &m->device, sizeof(m->device));
  if (m->device == SINTER_ABI_DEVICE_CUDA) {
    h = sinter_abi_gpu_program_checksum(h, m->gpu);
  }
  return h;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SINTER_ABI_H */
