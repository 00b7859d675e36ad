/*===- fake_cuda_add_one.c - A hand-written CUDA artifact ----*- C -*-===//
 *
 * What sinter-compile would emit for fake_add_one.mlir (y = x + 1 on
 * f32[2,3], m = n + n on i32[4]) compiled for CUDA: no entry point, a GPU
 * program instead. The PTX is real (llc-19 -march=nvptx64 -mcpu=sm_60 from
 * three one-line kernels), so the same artifact runs on a GPU and on the
 * fake driver (fake_cuda_driver.c), which implements the kernels by name.
 * The four launches exercise what the runtime must get right:
 *
 *   0 add_one_f32  x -> workspace            (the workspace)
 *   1 copy_f32     workspace -> y            (launch order)
 *   2 twice_i32    n[0:2] -> m[0:2]
 *   3 twice_i32    n[2:4] -> m[2:4]          (byte offsets 8)
 *
 * Compile definitions:
 *
 *   FAKE_CUDA_CONSTANTS      launch 3 reads weights {100, 200, 300, 400}
 *                            from the constants buffer (byte offset 8)
 *                            instead of n[2:4], so m[2:4] = {600, 800}
 *   FAKE_CUDA_CUBIN          carries a (fake) cubin for sm_90; the fake
 *                            driver loads it, a real one refuses it and the
 *                            runtime falls back to the PTX
 *   FAKE_SYMBOL=name         names the descriptor function (for linking it
 *                            into a test binary)
 *
 *===----------------------------------------------------------------------===*/

#include "sinter/abi.h"

#include <stdint.h>

#ifndef FAKE_SYMBOL
#define FAKE_SYMBOL sinter_model_descriptor
#endif

static const int64_t kXShape[] = {2, 3};
static const int64_t kNShape[] = {4};

static const sinter_abi_tensor_t kInputs[] = {
    {"x", SINTER_ABI_DTYPE_F32, 2, kXShape, 6 * sizeof(float)},
    {"n", SINTER_ABI_DTYPE_I32, 1, kNShape, 4 * sizeof(int32_t)},
};
static const sinter_abi_tensor_t kOutputs[] = {
    {"y", SINTER_ABI_DTYPE_F32, 2, kXShape, 6 * sizeof(float)},
    {"m", SINTER_ABI_DTYPE_I32, 1, kNShape, 4 * sizeof(int32_t)},
};

static const char kPtx[] = ".version 6.0\n"
                           ".target sm_60\n"
                           ".address_size 64\n"
                           ".visible .entry add_one_f32(\n"
                           " .param .u64 add_one_f32_param_0,\n"
                           " .param .u64 add_one_f32_param_1\n"
                           ")\n"
                           "{\n"
                           " .reg .b32 %r<5>;\n"
                           " .reg .f32 %f<3>;\n"
                           " .reg .b64 %rd<6>;\n"
                           " ld.param.u64 %rd1, [add_one_f32_param_0];\n"
                           " ld.param.u64 %rd2, [add_one_f32_param_1];\n"
                           " mov.u32 %r1, %ctaid.x;\n"
                           " mov.u32 %r2, %ntid.x;\n"
                           " mov.u32 %r3, %tid.x;\n"
                           " mad.lo.s32 %r4, %r1, %r2, %r3;\n"
                           " mul.wide.u32 %rd3, %r4, 4;\n"
                           " add.s64 %rd4, %rd1, %rd3;\n"
                           " ld.global.f32 %f1, [%rd4];\n"
                           " add.rn.f32 %f2, %f1, 0f3F800000;\n"
                           " add.s64 %rd5, %rd2, %rd3;\n"
                           " st.global.f32 [%rd5], %f2;\n"
                           " ret;\n"
                           "}\n"
                           ".visible .entry copy_f32(\n"
                           " .param .u64 copy_f32_param_0,\n"
                           " .param .u64 copy_f32_param_1\n"
                           ")\n"
                           "{\n"
                           " .reg .b32 %r<5>;\n"
                           " .reg .f32 %f<2>;\n"
                           " .reg .b64 %rd<6>;\n"
                           " ld.param.u64 %rd1, [copy_f32_param_0];\n"
                           " ld.param.u64 %rd2, [copy_f32_param_1];\n"
                           " mov.u32 %r1, %ctaid.x;\n"
                           " mov.u32 %r2, %ntid.x;\n"
                           " mov.u32 %r3, %tid.x;\n"
                           " mad.lo.s32 %r4, %r1, %r2, %r3;\n"
                           " mul.wide.u32 %rd3, %r4, 4;\n"
                           " add.s64 %rd4, %rd1, %rd3;\n"
                           " ld.global.f32 %f1, [%rd4];\n"
                           " add.s64 %rd5, %rd2, %rd3;\n"
                           " st.global.f32 [%rd5], %f1;\n"
                           " ret;\n"
                           "}\n"
                           ".visible .entry twice_i32(\n"
                           " .param .u64 twice_i32_param_0,\n"
                           " .param .u64 twice_i32_param_1\n"
                           ")\n"
                           "{\n"
                           " .reg .b32 %r<7>;\n"
                           " .reg .b64 %rd<6>;\n"
                           " ld.param.u64 %rd1, [twice_i32_param_0];\n"
                           " ld.param.u64 %rd2, [twice_i32_param_1];\n"
                           " mov.u32 %r1, %ctaid.x;\n"
                           " mov.u32 %r2, %ntid.x;\n"
                           " mov.u32 %r3, %tid.x;\n"
                           " mad.lo.s32 %r4, %r1, %r2, %r3;\n"
                           " mul.wide.u32 %rd3, %r4, 4;\n"
                           " add.s64 %rd4, %rd1, %rd3;\n"
                           " ld.global.u32 %r5, [%rd4];\n"
                           " add.s32 %r6, %r5, %r5;\n"
                           " add.s64 %rd5, %rd2, %rd3;\n"
                           " st.global.u32 [%rd5], %r6;\n"
                           " ret;\n"
                           "}\n";

#ifdef FAKE_CUDA_CUBIN
/* Real cubins are ELF files; the fake driver accepts this marker instead. */
static const char kCubin[] = "FAKECUBIN sm_90 add_one_f32 copy_f32 twice_i32";
#endif

static const sinter_abi_gpu_arg_t kAddOneArgs[] = {
    {SINTER_ABI_GPU_ARG_INPUT, 0, 0},
    {SINTER_ABI_GPU_ARG_WORKSPACE, 0, 0},
};
static const sinter_abi_gpu_arg_t kCopyArgs[] = {
    {SINTER_ABI_GPU_ARG_WORKSPACE, 0, 0},
    {SINTER_ABI_GPU_ARG_OUTPUT, 0, 0},
};
static const sinter_abi_gpu_arg_t kTwiceLowArgs[] = {
    {SINTER_ABI_GPU_ARG_INPUT, 1, 0},
    {SINTER_ABI_GPU_ARG_OUTPUT, 1, 0},
};
#ifdef FAKE_CUDA_CONSTANTS
/* Launch 3 doubles weights from the constants buffer instead of n[2:4]. */
static const int32_t kConstants[] = {100, 200, 300, 400};
static const sinter_abi_gpu_arg_t kTwiceHighArgs[] = {
    {SINTER_ABI_GPU_ARG_CONSTANTS, 0, 8},
    {SINTER_ABI_GPU_ARG_OUTPUT, 1, 8},
};
#else
static const sinter_abi_gpu_arg_t kTwiceHighArgs[] = {
    {SINTER_ABI_GPU_ARG_INPUT, 1, 8},
    {SINTER_ABI_GPU_ARG_OUTPUT, 1, 8},
};
#endif

static const sinter_abi_gpu_launch_t kLaunches[] = {
    {"add_one_f32", {1, 1, 1}, {6, 1, 1}, 0, 2, kAddOneArgs},
    {"copy_f32", {2, 1, 1}, {3, 1, 1}, 0, 2, kCopyArgs},
    {"twice_i32", {2, 1, 1}, {1, 1, 1}, 0, 2, kTwiceLowArgs},
    {"twice_i32", {1, 1, 1}, {2, 1, 1}, 0, 2, kTwiceHighArgs},
};

static const sinter_abi_gpu_program_t kProgram = {
    "sm_90",
    kPtx,
    sizeof(kPtx) - 1,
#ifdef FAKE_CUDA_CUBIN
    kCubin,
    sizeof(kCubin),
#else
    0,
    0,
#endif
    sizeof(kLaunches) / sizeof(kLaunches[0]),
    0,
    kLaunches,
#ifdef FAKE_CUDA_CONSTANTS
    kConstants,
    sizeof(kConstants),
#endif
};

static sinter_abi_model_t kModel = {
    SINTER_ABI_MAGIC,
    SINTER_ABI_VERSION,
    sizeof(sinter_abi_model_t),
    "add_one",
    "nvptx64 sm_90 (hand-written test artifact)",
    /*required_cpu_features=*/0,
    2,
    2,
    kInputs,
    kOutputs,
    /*workspace_bytes=*/6 * sizeof(float),
    /*workspace_alignment=*/256,
#ifdef FAKE_CUDA_CONSTANTS
    /*constant_bytes=*/sizeof(kConstants),
#else
    /*constant_bytes=*/0,
#endif
    /*entry=*/0,
    /*device=*/SINTER_ABI_DEVICE_CUDA,
    /*reserved=*/0,
    &kProgram,
#ifdef FAKE_CUDA_CONSTANTS
    /*constants=*/kConstants,
#else
    /*constants=*/0,
#endif
    /*constants_hash=*/0, /* set below, as the compiler would */
    /*checksum=*/0,
};

__attribute__((visibility("default"))) const sinter_abi_model_t *
FAKE_SYMBOL(void) {
  static int initialized = 0;
  if (!initialized) {
    if (kModel.constant_bytes) {
      kModel.constants_hash =
          sinter_abi_constants_hash(kModel.constants, kModel.constant_bytes);
    }
    kModel.checksum = sinter_abi_signature_checksum(&kModel);
    initialized = 1;
  }
  return &kModel;
}
