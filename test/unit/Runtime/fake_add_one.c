/*===- fake_add_one.c - A hand-written artifact for runtime tests -*- C -*-===//
 *
 * What sinter-compile would emit for
 *
 *   func @add_one(%x: tensor<2x3xf32> {sinter.name = "x"},
 *                 %n: tensor<4xi32> {sinter.name = "n"})
 *       -> (tensor<2x3xf32> {sinter.name = "y"}, tensor<4xi32> {sinter.name =
 *"m"}) y = x + 1, m = n + n
 *
 * (fake_add_one.mlir), written by hand so the runtime's tests do not depend
 * on the compiler. The entry point stages y in its 24-byte workspace, runs
 * its loop through env->parallel_for when it has one, and poisons y with
 * NaN if the workspace is not 64-byte aligned. Compile definitions build the
 * broken variants the runtime must refuse:
 *
 *   FAKE_ABI_VERSION=n       declares ABI version n
 *   FAKE_BAD_MAGIC           a wrong magic number
 *   FAKE_BAD_CHECKSUM        a checksum off by one
 *   FAKE_CPU_FEATURES=bits   requires these SINTER_ABI_CPU_* bits
 *   FAKE_NO_DESCRIPTOR       exports no descriptor function
 *   FAKE_NULL_DESCRIPTOR     the descriptor function returns NULL
 *   FAKE_WRONG_RESULT        computes y = x + 1.5 (for sinter-run --check)
 *   FAKE_SYMBOL=name         names the descriptor function (for linking it
 *                            into a test binary)
 *   FAKE_IN_PLACE            y overwrites x in place (in_place_of): the
 *                            entry writes y into inputs[0], as compiled
 *                            code does for `sinter.aliases_input = "x"`
 *
 *===----------------------------------------------------------------------===*/

#include "sinter/abi.h"

#include <stdint.h>

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION SINTER_ABI_VERSION
#endif
#ifndef FAKE_CPU_FEATURES
#define FAKE_CPU_FEATURES 0
#endif
#ifndef FAKE_SYMBOL
#define FAKE_SYMBOL sinter_model_descriptor
#endif
#ifdef FAKE_WRONG_RESULT
#define FAKE_ADDEND 1.5f
#else
#define FAKE_ADDEND 1.0f
#endif

static const int64_t kXShape[] = {2, 3};
static const int64_t kNShape[] = {4};

static const sinter_abi_tensor_t kInputs[] = {
    {"x", SINTER_ABI_DTYPE_F32, 2, kXShape, 6 * sizeof(float)},
    {"n", SINTER_ABI_DTYPE_I32, 1, kNShape, 4 * sizeof(int32_t)},
};
#ifdef FAKE_IN_PLACE
#define FAKE_Y_IN_PLACE_OF 1 /* 1 + the index of x */
#else
#define FAKE_Y_IN_PLACE_OF 0
#endif
static const sinter_abi_tensor_t kOutputs[] = {
    {"y", SINTER_ABI_DTYPE_F32, 2, kXShape, 6 * sizeof(float),
     FAKE_Y_IN_PLACE_OF, 0},
    {"m", SINTER_ABI_DTYPE_I32, 1, kNShape, 4 * sizeof(int32_t)},
};

typedef struct {
  const float *x;
  float *staged;
} add_one_task_t;

static void add_one_task(void *context, int64_t begin, int64_t end) {
  add_one_task_t *task = (add_one_task_t *)context;
  for (int64_t i = begin; i < end; ++i) {
    task->staged[i] = task->x[i] + FAKE_ADDEND;
  }
}

static void add_one_entry(void *const *inputs, void *const *outputs,
                          void *workspace,
                          const sinter_abi_environment_t *env) {
  const float *x = (const float *)inputs[0];
  const int32_t *n = (const int32_t *)inputs[1];
#ifdef FAKE_IN_PLACE
  float *y = (float *)inputs[0]; /* outputs[0] is not touched */
#else
  float *y = (float *)outputs[0];
#endif
  int32_t *m = (int32_t *)outputs[1];
  add_one_task_t task = {x, (float *)workspace};
  if (env && env->parallel_for) {
    env->parallel_for(env->pool, add_one_task, &task, 6);
  } else {
    add_one_task(&task, 0, 6);
  }
  int aligned = ((uintptr_t)workspace % 64) == 0;
  for (int i = 0; i < 6; ++i) {
    y[i] = aligned ? task.staged[i] : __builtin_nanf("");
  }
  for (int i = 0; i < 4; ++i) {
    m[i] = n[i] + n[i];
  }
}

static sinter_abi_model_t kModel __attribute__((unused)) = {
#ifdef FAKE_BAD_MAGIC
    0x46464f4eu,
#else
    SINTER_ABI_MAGIC,
#endif
    FAKE_ABI_VERSION,
    sizeof(sinter_abi_model_t),
    "add_one",
    "x86_64 cpu=generic (hand-written test artifact)",
    FAKE_CPU_FEATURES,
    2,
    2,
    kInputs,
    kOutputs,
    /*workspace_bytes=*/6 * sizeof(float),
    /*workspace_alignment=*/64,
    /*constant_bytes=*/0,
    add_one_entry,
    /*device=*/SINTER_ABI_DEVICE_CPU,
    /*reserved=*/0,
    /*gpu=*/0,
    /*constants=*/0,
    /*constants_hash=*/0,
    /*checksum=*/0,
};

#ifndef FAKE_NO_DESCRIPTOR
__attribute__((visibility("default"))) const sinter_abi_model_t *
FAKE_SYMBOL(void) {
#ifdef FAKE_NULL_DESCRIPTOR
  return 0;
#else
  static int initialized = 0;
  if (!initialized) {
    kModel.checksum = sinter_abi_signature_checksum(&kModel);
#ifdef FAKE_BAD_CHECKSUM
    kModel.checksum += 1;
#endif
    initialized = 1;
  }
  return &kModel;
#endif
}
#else
/* Something exported, so the object is a valid shared object. */
__attribute__((visibility("default"))) int fake_not_a_model(void) { return 0; }
#endif
