//===- GpuTest.cpp - The runtime's CUDA path on the real driver -*- C++ -*-===//
//
// Labelled `gpu` in ctest. Uses libcuda.so.1 (whatever SINTER_CUDA_DRIVER
// says is ignored) and skips, saying why, where the driver cannot be loaded
// or there is no device. On a GPU: a buffer round trip, and the
// hand-written CUDA artifact (real PTX, JIT-compiled by the driver) run end
// to end, from the embedded descriptor and from the shared object that
// carries a fake cubin the driver must refuse (the runtime falls back to
// the PTX).
//
//===----------------------------------------------------------------------===//

#include "sinter/runtime.h"
#include "test/unit/Runtime/StatusMatchers.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" const sinter_abi_model_t *fake_embedded_cuda_descriptor(void);

namespace {

class GpuTest : public ::testing::Test {
protected:
  void SetUp() override {
    unsetenv("SINTER_CUDA_DRIVER");
    sinter_runtime_options_t options;
    sinter_runtime_options_initialize(&options);
    options.device = SINTER_ABI_DEVICE_CUDA;
    sinter_status_t status = sinter_runtime_create(&options, &runtime);
    if (sinter_status_code(status) == SINTER_STATUS_UNAVAILABLE) {
      std::string reason = sinter_status_message(status);
      sinter_status_free(status);
      // Why skipping is right: the real driver and a device are what this
      // tests; without them CudaTest covers the same path on a fake driver.
      GTEST_SKIP() << "skipped: no CUDA device (" << reason << ")";
    }
    ASSERT_OK(status);
    sinter_device_info_t info;
    ASSERT_OK(sinter_runtime_device_info(runtime, &info));
    std::printf("device: cuda:%d '%s' (%s)\n", info.ordinal, info.name,
                info.arch);
  }
  void TearDown() override { sinter_runtime_release(runtime); }

  /// Runs add_one on the device and checks y = x + 1, m = n + n.
  void runAddOne(sinter_model_t *model) {
    sinter_context_t *context = nullptr;
    ASSERT_OK(sinter_context_create(model, &context));
    float x[6] = {0.5f, 1, -2, 3.25f, 1e6f, -0.0f};
    int32_t n[4] = {1, -2, 300, 1 << 20};
    int64_t xShape[2] = {2, 3};
    int64_t nShape[1] = {4};
    sinter_buffer_t *buffers[4] = {};
    uint64_t sizes[4] = {sizeof(x), sizeof(n), sizeof(x), sizeof(n)};
    for (int i = 0; i < 4; ++i) {
      ASSERT_OK(sinter_buffer_allocate(runtime, sizes[i], &buffers[i]));
    }
    ASSERT_OK(sinter_buffer_copy_from_host(buffers[0], x, sizeof(x)));
    ASSERT_OK(sinter_buffer_copy_from_host(buffers[1], n, sizeof(n)));
    void *p[4];
    for (int i = 0; i < 4; ++i) {
      p[i] = sinter_buffer_device_pointer(buffers[i]);
    }
    sinter_tensor_view_t in[2] = {
        {p[0], sizeof(x), SINTER_ABI_DTYPE_F32, 2, xShape},
        {p[1], sizeof(n), SINTER_ABI_DTYPE_I32, 1, nShape}};
    sinter_tensor_view_t out[2] = {
        {p[2], sizeof(x), SINTER_ABI_DTYPE_F32, 2, xShape},
        {p[3], sizeof(n), SINTER_ABI_DTYPE_I32, 1, nShape}};
    ASSERT_OK(sinter_context_run(context, in, 2, out, 2));
    float y[6];
    int32_t m[4];
    ASSERT_OK(sinter_buffer_copy_to_host(buffers[2], y, sizeof(y)));
    ASSERT_OK(sinter_buffer_copy_to_host(buffers[3], m, sizeof(m)));
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(y[i], x[i] + 1.0f) << "y[" << i << "]";
    }
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(m[i], n[i] + n[i]) << "m[" << i << "]";
    }
    for (sinter_buffer_t *buffer : buffers) {
      sinter_buffer_release(buffer);
    }
    sinter_context_release(context);
  }

  sinter_runtime_t *runtime = nullptr;
};

TEST_F(GpuTest, BufferRoundTrip) {
  std::vector<uint8_t> host(3 << 20);
  for (size_t i = 0; i < host.size(); ++i) {
    host[i] = static_cast<uint8_t>(i * 131 + 7);
  }
  sinter_buffer_t *buffer = nullptr;
  ASSERT_OK(sinter_buffer_allocate(runtime, host.size(), &buffer));
  ASSERT_OK(sinter_buffer_copy_from_host(buffer, host.data(), host.size()));
  std::vector<uint8_t> back(host.size());
  ASSERT_OK(sinter_buffer_copy_to_host(buffer, back.data(), back.size()));
  EXPECT_EQ(host, back);
  sinter_buffer_release(buffer);
}

TEST_F(GpuTest, RunsTheHandWrittenArtifact) {
  sinter_model_t *model = nullptr;
  ASSERT_OK(sinter_model_create_from_descriptor(
      runtime, fake_embedded_cuda_descriptor(), &model));
  runAddOne(model);
  sinter_model_release(model);
}

TEST_F(GpuTest, FallsBackToPtxWhenTheCubinIsRefused) {
  sinter_model_t *model = nullptr;
  ASSERT_OK(
      sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_CUBIN_PATH, &model));
  runAddOne(model);
  sinter_model_release(model);
}

TEST_F(GpuTest, HostPointerIsRefusedNotFaulted) {
  sinter_model_t *model = nullptr;
  ASSERT_OK(sinter_model_create_from_descriptor(
      runtime, fake_embedded_cuda_descriptor(), &model));
  sinter_context_t *context = nullptr;
  ASSERT_OK(sinter_context_create(model, &context));
  std::vector<uint8_t> host(64);
  int64_t xShape[2] = {2, 3};
  int64_t nShape[1] = {4};
  sinter_tensor_view_t in[2] = {
      {host.data(), 24, SINTER_ABI_DTYPE_F32, 2, xShape},
      {host.data() + 24, 16, SINTER_ABI_DTYPE_I32, 1, nShape}};
  sinter_tensor_view_t out[2] = {
      {host.data() + 40, 24, SINTER_ABI_DTYPE_F32, 2, xShape},
      {nullptr, 16, SINTER_ABI_DTYPE_I32, 1, nShape}};
  sinter::test::expectError(sinter_context_run(context, in, 2, out, 2),
                            SINTER_STATUS_INVALID_ARGUMENT,
                            {"output 1 ('m'): data is NULL"});
  out[1].data = host.data() + 40; // overlaps y
  sinter::test::expectError(sinter_context_run(context, in, 2, out, 2),
                            SINTER_STATUS_INVALID_ARGUMENT, {"overlaps"});
  std::vector<uint8_t> other(16);
  out[1].data = other.data();
  sinter::test::expectError(sinter_context_run(context, in, 2, out, 2),
                            SINTER_STATUS_INVALID_ARGUMENT,
                            {"is not memory the CUDA driver knows"});
  sinter_context_release(context);
  sinter_model_release(model);
}

} // namespace
