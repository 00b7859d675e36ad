/*===- main.c - An application with a model linked in -------------------===//
 *
 * The model (a GELU MLP from the graph builder) was compiled ahead of time by
 * sinter_add_model into an object and the header mlp.h. This program runs it
 * twice with no MLIR, no LLVM and no dlopen:
 *   1. through the typed entry point alone (no runtime at all, one thread);
 *   2. through the runtime's C API with the embedded descriptor and a thread
 *      pool, which also checks the buffers it is given.
 * Both must give bitwise the same result (each output element is computed by
 * the same code on whichever thread).
 *
 *===--------------------------------------------------------------------===*/

#include "mlp.h"
#include "sinter/runtime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_IN (8 * 128)
#define N_OUT (8 * 128)

static int check(sinter_status_t status, const char *what) {
  if (status) {
    fprintf(stderr, "embed: %s: %s\n", what, sinter_status_message(status));
    sinter_status_free(status);
    return 0;
  }
  return 1;
}

int main(void) {
  static float x[N_IN], y_direct[N_OUT], y_runtime[N_OUT];
  for (int i = 0; i < N_IN; ++i) {
    x[i] = (float)sin(0.37 * i);
  }

  /* 1. The typed entry point: caller-provided workspace, no environment. */
  void *workspace = NULL;
  if (MLP_WORKSPACE_BYTES > 0 &&
      posix_memalign(&workspace, MLP_WORKSPACE_ALIGNMENT,
                     MLP_WORKSPACE_BYTES) != 0) {
    fprintf(stderr, "embed: cannot allocate the workspace\n");
    return 1;
  }
  mlp_run(x, y_direct, workspace, NULL);
  free(workspace);

  /* 2. The runtime, with the descriptor linked into this binary. */
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  options.num_threads = 2;
  sinter_runtime_t *runtime = NULL;
  sinter_model_t *model = NULL;
  sinter_context_t *context = NULL;
  if (!check(sinter_runtime_create(&options, &runtime), "runtime") ||
      !check(sinter_model_create_from_descriptor(runtime, mlp_descriptor(),
                                                 &model),
             "model") ||
      !check(sinter_context_create(model, &context), "context")) {
    return 1;
  }
  sinter_tensor_info_t in_info, out_info;
  if (!check(sinter_model_input_info(model, 0, &in_info), "input info") ||
      !check(sinter_model_output_info(model, 0, &out_info), "output info")) {
    return 1;
  }
  sinter_tensor_view_t in = {x, in_info.byte_size, in_info.dtype,
                             in_info.rank, in_info.shape};
  sinter_tensor_view_t out = {y_runtime, out_info.byte_size, out_info.dtype,
                              out_info.rank, out_info.shape};
  if (!check(sinter_context_run(context, &in, 1, &out, 1), "run")) {
    return 1;
  }
  /* A wrong buffer is refused with a message, not a crash. */
  sinter_tensor_view_t bad = in;
  bad.byte_size -= 4;
  sinter_status_t refused = sinter_context_run(context, &bad, 1, &out, 1);
  printf("embed: a short input buffer is refused: %s\n",
         refused ? sinter_status_message(refused) : "(accepted!)");
  int refusedOk = refused != NULL;
  sinter_status_free(refused);

  sinter_context_release(context);
  sinter_model_release(model);
  sinter_runtime_release(runtime);

  double sum = 0;
  for (int i = 0; i < N_OUT; ++i) {
    if (!isfinite(y_direct[i])) {
      fprintf(stderr, "embed: output %d is not finite\n", i);
      return 1;
    }
    sum += y_direct[i];
  }
  if (memcmp(y_direct, y_runtime, sizeof y_direct) != 0) {
    fprintf(stderr, "embed: the runtime and the direct call disagree\n");
    return 1;
  }
  printf("embed: model '%s', %s input %s, workspace %llu bytes\n",
         mlp_descriptor()->name, sinter_dtype_name(in_info.dtype),
         in_info.name, (unsigned long long)MLP_WORKSPACE_BYTES);
  printf("embed: y[0..3] = %.6f %.6f %.6f %.6f, sum %.6f\n", y_direct[0],
         y_direct[1], y_direct[2], y_direct[3], sum);
  if (!refusedOk) {
    return 1;
  }
  printf("embed: ok\n");
  return 0;
}
