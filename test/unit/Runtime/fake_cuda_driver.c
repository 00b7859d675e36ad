/*===- fake_cuda_driver.c - A CUDA driver backed by host memory -*- C -*-===//
 *
 * Exports the driver entry points the runtime resolves from libcuda.so.1,
 * so the runtime's CUDA path runs end to end on machines without a GPU
 * (point SINTER_CUDA_DRIVER at this library). Device memory is host memory;
 * a module is the image it was loaded from; a kernel is one of a few
 * built-in host functions chosen by name (those of fake_cuda_add_one.c),
 * run over the launch's grid and block when it is launched. It is strict
 * where the runtime could be sloppy: every call but the device queries
 * needs a current context, copies and kernel pointers must lie inside a
 * live allocation (a kernel touching anything else "faults" with
 * CUDA_ERROR_ILLEGAL_ADDRESS at the next cuStreamSynchronize, as a real
 * one would), and every object is counted so tests can check for leaks.
 *
 * Environment, read at each call so one test process can switch:
 *
 *   FAKE_CUDA_NO_DEVICE      cuInit fails with CUDA_ERROR_NO_DEVICE
 *   FAKE_CUDA_DEVICE_COUNT   how many devices (default 1; 0 is allowed)
 *   FAKE_CUDA_ARCH           compute capability as digits (default "90")
 *   FAKE_CUDA_REFUSE_CUBIN   cubins are refused (CUDA_ERROR_INVALID_IMAGE)
 *   FAKE_CUDA_MEMORY_LIMIT   bytes of device memory (default unlimited)
 *
 * PTX containing "FAKE_SYNTAX_ERROR" fails to JIT with a log. Test hooks:
 * fake_cuda_log() (one line per module load, attribute and launch),
 * fake_cuda_reset_log() and fake_cuda_live_objects().
 *
 *===----------------------------------------------------------------------===*/

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_NOT_SUPPORTED = 801,
};

struct fake_function;

typedef struct fake_module {
  int isCubin;
  const char *image;
  struct fake_function *functions; /* freed with the module */
} fake_module;

typedef struct fake_function {
  fake_module *module;
  char name[128];
  struct fake_function *next;
} fake_function;

typedef struct fake_allocation {
  unsigned char *begin;
  size_t size;
} fake_allocation;

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static int primaryRefs;
static int contextObject; /* the primary context's address is its handle */
static int liveModules, liveStreams;
static fake_allocation allocations[4096];
static size_t numAllocations, allocatedBytes;
static CUresult pendingError; /* an asynchronous "fault" */
static char logText[1 << 16];

/* The calling thread's context stack. */
static __thread void *contextStack[16];
static __thread int contextDepth;

static void logLine(const char *line) {
  size_t used = strlen(logText);
  snprintf(logText + used, sizeof(logText) - used, "%s\n", line);
}

static CUresult needContext(void) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  return contextDepth > 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

static int deviceCount(void) {
  const char *count = getenv("FAKE_CUDA_DEVICE_COUNT");
  return count ? atoi(count) : 1;
}

static int archDigits(void) {
  const char *arch = getenv("FAKE_CUDA_ARCH");
  return arch ? atoi(arch) : 90;
}

/* The allocation holding [pointer, pointer + size), or NULL. Locked. */
static fake_allocation *findAllocation(CUdeviceptr pointer, size_t size) {
  unsigned char *p = (unsigned char *)(uintptr_t)pointer;
  for (size_t i = 0; i < numAllocations; ++i) {
    fake_allocation *a = &allocations[i];
    if (p >= a->begin && p <= a->begin + a->size &&
        size <= (size_t)(a->begin + a->size - p)) {
      return a;
    }
  }
  return NULL;
}

/*===--- Test hooks ------------------------------------------------------===*/

EXPORT const char *fake_cuda_log(void) { return logText; }

EXPORT void fake_cuda_reset_log(void) {
  pthread_mutex_lock(&mutex);
  logText[0] = '\0';
  pthread_mutex_unlock(&mutex);
}

/* Allocations, modules, streams and primary-context references still
 * alive. */
EXPORT int fake_cuda_live_objects(void) {
  pthread_mutex_lock(&mutex);
  int live = (int)numAllocations + liveModules + liveStreams + primaryRefs;
  pthread_mutex_unlock(&mutex);
  return live;
}

/*===--- Errors ----------------------------------------------------------===*/

EXPORT CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
#define NAME(code)                                                             \
  case code:                                                                   \
    *name = #code;                                                             \
    return CUDA_SUCCESS;
    NAME(CUDA_SUCCESS)
    NAME(CUDA_ERROR_INVALID_VALUE)
    NAME(CUDA_ERROR_OUT_OF_MEMORY)
    NAME(CUDA_ERROR_NOT_INITIALIZED)
    NAME(CUDA_ERROR_NO_DEVICE)
    NAME(CUDA_ERROR_INVALID_DEVICE)
    NAME(CUDA_ERROR_INVALID_IMAGE)
    NAME(CUDA_ERROR_INVALID_CONTEXT)
    NAME(CUDA_ERROR_INVALID_PTX)
    NAME(CUDA_ERROR_INVALID_HANDLE)
    NAME(CUDA_ERROR_NOT_FOUND)
    NAME(CUDA_ERROR_ILLEGAL_ADDRESS)
    NAME(CUDA_ERROR_NOT_SUPPORTED)
#undef NAME
  default:
    *name = NULL;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

EXPORT CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case CUDA_SUCCESS:
    *text = "no error";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_VALUE:
    *text = "invalid argument";
    return CUDA_SUCCESS;
  case CUDA_ERROR_OUT_OF_MEMORY:
    *text = "out of memory";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_INITIALIZED:
    *text = "initialization error";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NO_DEVICE:
    *text = "no CUDA-capable device is detected";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_DEVICE:
    *text = "invalid device ordinal";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_IMAGE:
    *text = "device kernel image is invalid";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_CONTEXT:
    *text = "invalid device context";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_PTX:
    *text = "a PTX JIT compilation failed";
    return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_HANDLE:
    *text = "invalid resource handle";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_FOUND:
    *text = "named symbol not found";
    return CUDA_SUCCESS;
  case CUDA_ERROR_ILLEGAL_ADDRESS:
    *text = "an illegal memory access was encountered";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_SUPPORTED:
    *text = "operation not supported";
    return CUDA_SUCCESS;
  default:
    *text = NULL;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

/*===--- Initialisation and devices --------------------------------------===*/

EXPORT CUresult cuInit(unsigned flags) {
  if (flags != 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  if (getenv("FAKE_CUDA_NO_DEVICE")) {
    return CUDA_ERROR_NO_DEVICE;
  }
  initialized = 1;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int *version) {
  *version = 12040;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  *count = deviceCount();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (ordinal < 0 || ordinal >= deviceCount()) {
    return CUDA_ERROR_INVALID_DEVICE;
  }
  *device = ordinal;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute,
                                     CUdevice device) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  switch (attribute) {
  case 75: /* compute capability major */
    *value = archDigits() / 10;
    return CUDA_SUCCESS;
  case 76: /* minor */
    *value = archDigits() % 10;
    return CUDA_SUCCESS;
  case 97: /* max shared memory per block, opt-in */
    *value = 227 * 1024;
    return CUDA_SUCCESS;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}

EXPORT CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  snprintf(name, (size_t)length, "Fake CUDA Device %d", device);
  return CUDA_SUCCESS;
}

/*===--- Contexts --------------------------------------------------------===*/

EXPORT CUresult cuDevicePrimaryCtxRetain(void **context, CUdevice device) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  pthread_mutex_lock(&mutex);
  ++primaryRefs;
  pthread_mutex_unlock(&mutex);
  *context = &contextObject;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  pthread_mutex_lock(&mutex);
  CUresult result = primaryRefs > 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
  primaryRefs -= primaryRefs > 0;
  pthread_mutex_unlock(&mutex);
  return result;
}

EXPORT CUresult cuCtxPushCurrent_v2(void *context) {
  if (context != &contextObject ||
      contextDepth == (int)(sizeof(contextStack) / sizeof(contextStack[0]))) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  contextStack[contextDepth++] = context;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxPopCurrent_v2(void **context) {
  if (contextDepth == 0) {
    return CUDA_ERROR_INVALID_CONTEXT;
  }
  void *top = contextStack[--contextDepth];
  if (context) {
    *context = top;
  }
  return CUDA_SUCCESS;
}

/*===--- Modules ---------------------------------------------------------===*/

static CUresult loadModule(fake_module **module, const void *image, char *log,
                           size_t logSize) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  const char *text = (const char *)image;
  int isCubin = strncmp(text, "FAKECUBIN", 9) == 0;
  char line[64];
  snprintf(line, sizeof(line), "load %s", isCubin ? "cubin" : "ptx");
  pthread_mutex_lock(&mutex);
  logLine(line);
  pthread_mutex_unlock(&mutex);
  if (isCubin && getenv("FAKE_CUDA_REFUSE_CUBIN")) {
    return CUDA_ERROR_INVALID_IMAGE;
  }
  if (!isCubin && strstr(text, "FAKE_SYNTAX_ERROR")) {
    if (log && logSize) {
      snprintf(log, logSize,
               "ptxas application ptx input, line 1; error   : "
               "FAKE_SYNTAX_ERROR");
    }
    return CUDA_ERROR_INVALID_PTX;
  }
  fake_module *m = (fake_module *)calloc(1, sizeof(fake_module));
  m->isCubin = isCubin;
  m->image = text;
  pthread_mutex_lock(&mutex);
  ++liveModules;
  pthread_mutex_unlock(&mutex);
  *module = m;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleLoadData(fake_module **module, const void *image) {
  return loadModule(module, image, NULL, 0);
}

EXPORT CUresult cuModuleLoadDataEx(fake_module **module, const void *image,
                                   unsigned numOptions, int *options,
                                   void **values) {
  char *log = NULL;
  size_t logSize = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == 5) { /* CU_JIT_ERROR_LOG_BUFFER */
      log = (char *)values[i];
    } else if (options[i] == 6) { /* CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES */
      logSize = (size_t)(uintptr_t)values[i];
    }
  }
  return loadModule(module, image, log, logSize);
}

EXPORT CUresult cuModuleUnload(fake_module *module) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (!module) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  while (module->functions) {
    fake_function *next = module->functions->next;
    free(module->functions);
    module->functions = next;
  }
  free(module);
  pthread_mutex_lock(&mutex);
  --liveModules;
  pthread_mutex_unlock(&mutex);
  return CUDA_SUCCESS;
}

/* Function handles belong to their module, as in a real driver: freed
 * when it is unloaded (the runtime never frees them itself). */
EXPORT CUresult cuModuleGetFunction(fake_function **function,
                                    fake_module *module, const char *name) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (!module) {
    return CUDA_ERROR_INVALID_HANDLE;
  }
  /* PTX declares ".entry name("; the fake cubin lists the names. */
  char pattern[160];
  snprintf(pattern, sizeof(pattern), module->isCubin ? " %s" : ".entry %s(",
           name);
  if (strlen(name) >= sizeof(((fake_function *)0)->name) ||
      !strstr(module->image, pattern)) {
    return CUDA_ERROR_NOT_FOUND;
  }
  fake_function *f = (fake_function *)calloc(1, sizeof(fake_function));
  f->module = module;
  strcpy(f->name, name);
  f->next = module->functions;
  module->functions = f;
  *function = f;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncSetAttribute(fake_function *function, int attribute,
                                   int value) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (attribute != 8 || value < 0 || value > 227 * 1024) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  char line[200];
  snprintf(line, sizeof(line), "attribute %s max_dynamic_shared %d",
           function->name, value);
  pthread_mutex_lock(&mutex);
  logLine(line);
  pthread_mutex_unlock(&mutex);
  return CUDA_SUCCESS;
}

/*===--- Memory ----------------------------------------------------------===*/

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (bytes == 0) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  const char *limit = getenv("FAKE_CUDA_MEMORY_LIMIT");
  pthread_mutex_lock(&mutex);
  if ((limit && allocatedBytes + bytes > strtoull(limit, NULL, 10)) ||
      numAllocations == sizeof(allocations) / sizeof(allocations[0])) {
    pthread_mutex_unlock(&mutex);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  /* 256-byte aligned, as cuMemAlloc guarantees. */
  size_t rounded = (bytes + 255) & ~(size_t)255;
  unsigned char *memory = (unsigned char *)aligned_alloc(256, rounded);
  allocations[numAllocations].begin = memory;
  allocations[numAllocations].size = bytes;
  ++numAllocations;
  allocatedBytes += bytes;
  pthread_mutex_unlock(&mutex);
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr pointer) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  pthread_mutex_lock(&mutex);
  for (size_t i = 0; i < numAllocations; ++i) {
    if (allocations[i].begin == (unsigned char *)(uintptr_t)pointer) {
      free(allocations[i].begin);
      allocatedBytes -= allocations[i].size;
      allocations[i] = allocations[--numAllocations];
      pthread_mutex_unlock(&mutex);
      return CUDA_SUCCESS;
    }
  }
  pthread_mutex_unlock(&mutex);
  return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr destination, const void *source,
                                size_t bytes) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  pthread_mutex_lock(&mutex);
  int inside = findAllocation(destination, bytes) != NULL;
  pthread_mutex_unlock(&mutex);
  if (!inside) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  memcpy((void *)(uintptr_t)destination, source, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoH_v2(void *destination, CUdeviceptr source,
                                size_t bytes) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  pthread_mutex_lock(&mutex);
  int inside = findAllocation(source, bytes) != NULL;
  pthread_mutex_unlock(&mutex);
  if (!inside) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  memcpy(destination, (const void *)(uintptr_t)source, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr destination,
                                     CUdeviceptr source, size_t bytes,
                                     void *stream) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (!stream) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&mutex);
  int inside = findAllocation(destination, bytes) != NULL &&
               findAllocation(source, bytes) != NULL;
  pthread_mutex_unlock(&mutex);
  if (!inside) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  /* The fake's streams run each call at once. */
  memmove((void *)(uintptr_t)destination, (const void *)(uintptr_t)source,
          bytes);
  char line[128];
  snprintf(line, sizeof(line), "copy %zu bytes", bytes);
  logLine(line);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuPointerGetAttribute(void *data, int attribute,
                                      CUdeviceptr pointer) {
  if (!initialized) {
    return CUDA_ERROR_NOT_INITIALIZED;
  }
  if (attribute != 2) { /* CU_POINTER_ATTRIBUTE_MEMORY_TYPE */
    return CUDA_ERROR_INVALID_VALUE;
  }
  pthread_mutex_lock(&mutex);
  int inside = findAllocation(pointer, 0) != NULL;
  pthread_mutex_unlock(&mutex);
  if (!inside) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  *(unsigned *)data = 2; /* CU_MEMORYTYPE_DEVICE */
  return CUDA_SUCCESS;
}

/*===--- Streams and launches --------------------------------------------===*/

EXPORT CUresult cuStreamCreate(void **stream, unsigned flags) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  *stream = malloc(1);
  pthread_mutex_lock(&mutex);
  ++liveStreams;
  pthread_mutex_unlock(&mutex);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(void *stream) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  free(stream);
  pthread_mutex_lock(&mutex);
  --liveStreams;
  pthread_mutex_unlock(&mutex);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamSynchronize(void *stream) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  /* Unlike a real fault, not sticky: later tests in the process go on. */
  pthread_mutex_lock(&mutex);
  result = pendingError;
  pendingError = CUDA_SUCCESS;
  pthread_mutex_unlock(&mutex);
  return result;
}

EXPORT CUresult cuLaunchKernel(fake_function *function, unsigned gridX,
                               unsigned gridY, unsigned gridZ, unsigned blockX,
                               unsigned blockY, unsigned blockZ,
                               unsigned sharedBytes, void *stream,
                               void **params, void **extra) {
  CUresult result = needContext();
  if (result != CUDA_SUCCESS) {
    return result;
  }
  if (!function || !stream || extra) {
    return CUDA_ERROR_INVALID_VALUE;
  }
  char line[256];
  snprintf(line, sizeof(line),
           "launch %s grid %u %u %u block %u %u %u shared %u", function->name,
           gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes);
  pthread_mutex_lock(&mutex);
  logLine(line);
  pthread_mutex_unlock(&mutex);

  int isAddOne = strcmp(function->name, "add_one_f32") == 0;
  int isCopy = strcmp(function->name, "copy_f32") == 0;
  int isTwice = strcmp(function->name, "twice_i32") == 0;
  if (!isAddOne && !isCopy && !isTwice) {
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  /* Each thread reads in[i] and writes out[i], 4 bytes each. */
  size_t threads = (size_t)gridX * gridY * gridZ * blockX * blockY * blockZ;
  CUdeviceptr in = *(CUdeviceptr *)params[0];
  CUdeviceptr out = *(CUdeviceptr *)params[1];
  pthread_mutex_lock(&mutex);
  int inside = findAllocation(in, 4 * threads) != NULL &&
               findAllocation(out, 4 * threads) != NULL;
  if (!inside) {
    pendingError = CUDA_ERROR_ILLEGAL_ADDRESS;
  }
  pthread_mutex_unlock(&mutex);
  if (!inside) {
    return CUDA_SUCCESS; /* faults asynchronously */
  }
  for (size_t i = 0; i < threads; ++i) {
    if (isAddOne) {
      ((float *)(uintptr_t)out)[i] = ((const float *)(uintptr_t)in)[i] + 1.0f;
    } else if (isCopy) {
      ((float *)(uintptr_t)out)[i] = ((const float *)(uintptr_t)in)[i];
    } else {
      int32_t v = ((const int32_t *)(uintptr_t)in)[i];
      ((int32_t *)(uintptr_t)out)[i] = v + v;
    }
  }
  return CUDA_SUCCESS;
}
