//===- CudaTest.cpp - The runtime's CUDA path on a fake driver --*- C++ -*-===//
//
// Validation of CUDA descriptors (fake_cuda_add_one.c and corrupt copies of
// it), device selection and its refusals, and the whole CUDA path through
// the C API (runtime, model, buffers, context, launches) on
// fake_cuda_driver.c, which runs the artifact's kernels on the host and
// logs every module load, attribute and launch. SINTER_CUDA_DRIVER points
// the runtime at it; FAKE_CUDA_* variables shape the fake device.
//
//===----------------------------------------------------------------------===//

#include "sinter/runtime.h"
#include "sinter/runtime.hpp"
#include "test/unit/Runtime/AddOneData.h"
#include "test/unit/Runtime/StatusMatchers.h"

#include "gtest/gtest.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <thread>
#include <vector>

extern "C" const sinter_abi_model_t *fake_embedded_descriptor(void);
extern "C" const sinter_abi_model_t *fake_embedded_cuda_descriptor(void);

namespace {

using sinter::test::expectError;

/// The fake driver's test hooks (the same library the runtime dlopen's).
struct FakeDriver {
  const char *(*log)() = nullptr;
  void (*resetLog)() = nullptr;
  int (*liveObjects)() = nullptr;

  static FakeDriver &get() {
    static FakeDriver hooks = [] {
      FakeDriver h;
      void *library = dlopen(FAKE_CUDA_DRIVER_PATH, RTLD_NOW | RTLD_LOCAL);
      if (library) {
        h.log = reinterpret_cast<const char *(*)()>(
            dlsym(library, "fake_cuda_log"));
        h.resetLog =
            reinterpret_cast<void (*)()>(dlsym(library, "fake_cuda_reset_log"));
        h.liveObjects = reinterpret_cast<int (*)()>(
            dlsym(library, "fake_cuda_live_objects"));
      }
      return h;
    }();
    return hooks;
  }
};

const char *kFakeVariables[] = {"FAKE_CUDA_NO_DEVICE", "FAKE_CUDA_DEVICE_COUNT",
                                "FAKE_CUDA_ARCH", "FAKE_CUDA_REFUSE_CUBIN",
                                "FAKE_CUDA_MEMORY_LIMIT"};

sinter_runtime_options_t cudaOptions(int32_t ordinal = 0) {
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  options.device = SINTER_ABI_DEVICE_CUDA;
  options.device_ordinal = ordinal;
  return options;
}

using sinter::test::AddOneData;

/// Device buffers for add_one; copies in on construction.
struct AddOneBuffers {
  sinter_buffer_t *x = nullptr, *n = nullptr, *y = nullptr, *m = nullptr;
  sinter_status_t status = nullptr;

  AddOneBuffers(sinter_runtime_t *runtime, const AddOneData &data) {
    for (auto [buffer, bytes] :
         {std::pair{&x, sizeof(data.x)}, std::pair{&n, sizeof(data.n)},
          std::pair{&y, sizeof(data.y)}, std::pair{&m, sizeof(data.m)}}) {
      if (!status) {
        status = sinter_buffer_allocate(runtime, bytes, buffer);
      }
    }
    if (!status) {
      status = sinter_buffer_copy_from_host(x, data.x, sizeof(data.x));
    }
    if (!status) {
      status = sinter_buffer_copy_from_host(n, data.n, sizeof(data.n));
    }
  }
  ~AddOneBuffers() {
    sinter_status_free(status);
    for (sinter_buffer_t *buffer : {x, n, y, m}) {
      sinter_buffer_release(buffer);
    }
  }
  std::vector<sinter_tensor_view_t> inputs(AddOneData &data) {
    return {{sinter_buffer_device_pointer(x), sizeof(data.x),
             SINTER_ABI_DTYPE_F32, 2, data.xShape},
            {sinter_buffer_device_pointer(n), sizeof(data.n),
             SINTER_ABI_DTYPE_I32, 1, data.nShape}};
  }
  std::vector<sinter_tensor_view_t> outputs(AddOneData &data) {
    return {{sinter_buffer_device_pointer(y), sizeof(data.y),
             SINTER_ABI_DTYPE_F32, 2, data.xShape},
            {sinter_buffer_device_pointer(m), sizeof(data.m),
             SINTER_ABI_DTYPE_I32, 1, data.nShape}};
  }
  sinter_status_t copyBack(AddOneData &data) {
    sinter_status_t s = sinter_buffer_copy_to_host(y, data.y, sizeof(data.y));
    return s ? s : sinter_buffer_copy_to_host(m, data.m, sizeof(data.m));
  }
};

/// A mutable copy of the embedded CUDA descriptor, its program, launches
/// and arguments; `finish()` recomputes the checksum as the compiler would.
struct MutableCudaDescriptor {
  sinter_abi_model_t model;
  sinter_abi_gpu_program_t program;
  sinter_abi_gpu_launch_t launches[4];
  sinter_abi_gpu_arg_t args[4][2];
  std::string ptx;

  MutableCudaDescriptor() {
    model = *fake_embedded_cuda_descriptor();
    program = *model.gpu;
    std::memcpy(launches, program.launches, sizeof(launches));
    for (int i = 0; i < 4; ++i) {
      std::memcpy(args[i], launches[i].args, sizeof(args[i]));
      launches[i].args = args[i];
    }
    program.launches = launches;
    model.gpu = &program;
  }
  void setPtx(std::string text) {
    ptx = std::move(text);
    program.ptx = ptx.c_str();
    program.ptx_size = ptx.size();
  }
  const sinter_abi_model_t *finish() {
    model.checksum = sinter_abi_signature_checksum(&model);
    return &model;
  }
};

/// Every test starts with SINTER_CUDA_DRIVER at the fake driver, the fake
/// in its default shape (one sm_90 device) and an empty log; and ends
/// having released everything, which the fake checks.
class CudaTest : public ::testing::Test {
protected:
  void SetUp() override {
    setenv("SINTER_CUDA_DRIVER", FAKE_CUDA_DRIVER_PATH, 1);
    for (const char *variable : kFakeVariables) {
      unsetenv(variable);
    }
    ASSERT_NE(FakeDriver::get().log, nullptr) << FAKE_CUDA_DRIVER_PATH;
    FakeDriver::get().resetLog();
  }
  void TearDown() override {
    sinter_context_release(context);
    sinter_model_release(model);
    sinter_runtime_release(runtime);
    EXPECT_EQ(FakeDriver::get().liveObjects(), 0)
        << "device objects leaked (allocations, modules, streams, contexts)";
    unsetenv("SINTER_CUDA_DRIVER");
  }
  std::string log() const { return FakeDriver::get().log(); }
  sinter_status_t createRuntime(int32_t ordinal = 0) {
    sinter_runtime_options_t options = cudaOptions(ordinal);
    return sinter_runtime_create(&options, &runtime);
  }
  sinter_status_t run(AddOneBuffers &buffers, AddOneData &data) {
    auto in = buffers.inputs(data);
    auto out = buffers.outputs(data);
    return sinter_context_run(context, in.data(), in.size(), out.data(),
                              out.size());
  }

  sinter_runtime_t *runtime = nullptr;
  sinter_model_t *model = nullptr;
  sinter_context_t *context = nullptr;
};

//===----------------------------------------------------------------------===//
// Validation of CUDA descriptors (no driver needed)
//===----------------------------------------------------------------------===//

TEST(CudaValidationTest, RefusesCorruptGpuPrograms) {
  sinter_runtime_t *runtime = nullptr;
  ASSERT_OK(sinter_runtime_create(nullptr, &runtime));
  sinter_model_t *model = nullptr;
  auto create = [&](const sinter_abi_model_t *descriptor) {
    return sinter_model_create_from_descriptor(runtime, descriptor, &model);
  };
  auto refused = [&](auto mutate, std::initializer_list<std::string> words,
                     bool rechecksum = true) {
    MutableCudaDescriptor d;
    mutate(d);
    expectError(create(rechecksum ? d.finish() : &d.model),
                SINTER_STATUS_INVALID_ARGUMENT, words);
    EXPECT_EQ(model, nullptr);
  };
  using D = MutableCudaDescriptor;
  // Before the checksum: what it would follow.
  refused([](D &d) { d.model.device = 7; }, {"unknown device 7"}, false);
  refused([](D &d) { d.model.gpu = nullptr; },
          {"for CUDA but its gpu program is NULL"}, false);
  refused([](D &d) { d.program.ptx = nullptr; }, {"ptx is NULL"}, false);
  refused([](D &d) { d.program.ptx_size -= 1; },
          {"not a NUL-terminated string of ptx_size"}, false);
  refused([](D &d) { d.setPtx(std::string("ab\0cd", 5)); },
          {"not a NUL-terminated string of ptx_size 5"}, false);
  refused([](D &d) { d.program.ptx_size = uint64_t{1} << 40; },
          {"1099511627776 bytes of PTX", "corrupt descriptor"}, false);
  refused([](D &d) { d.program.arch = nullptr; }, {"arch is NULL"}, false);
  refused([](D &d) { d.program.cubin_size = 10; },
          {"cubin_size is 10 but its cubin is NULL"}, false);
  refused(
      [](D &d) {
        d.program.cubin = "x";
        d.program.cubin_size = 0;
      },
      {"cubin of 0 bytes"}, false);
  refused([](D &d) { d.program.launches = nullptr; },
          {"declares 4 launches but its launches pointer is NULL"}, false);
  refused([](D &d) { d.program.num_launches = 1u << 30; },
          {"1073741824 launches"}, false);
  refused([](D &d) { d.launches[1].kernel = nullptr; },
          {"launch 1 has a NULL kernel name"}, false);
  refused([](D &d) { d.launches[1].kernel = ""; },
          {"launch 1 has an empty kernel name"}, false);
  refused([](D &d) { d.launches[2].args = nullptr; },
          {"launch 2 ('twice_i32') declares 2 arguments but its args pointer "
           "is NULL"},
          false);
  // The checksum covers the program.
  refused([](D &d) { d.launches[0].grid[0] = 2; }, {"checksum mismatch"},
          false);
  // After the checksum: values.
  refused([](D &d) { d.program.arch = "compute_90"; },
          {"arch 'compute_90' is not of the form sm_"});
  refused([](D &d) { d.launches[0].grid[1] = 0; },
          {"launch 0 ('add_one_f32')", "grid (1, 0, 1)",
           "at least 1 in every dimension"});
  refused([](D &d) { d.launches[1].block[0] = 1025; },
          {"launch 1 ('copy_f32')", "block (1025, 1, 1) has 1025 threads",
           "at most 1024"});
  refused(
      [](D &d) {
        d.launches[1].block[0] = 32;
        d.launches[1].block[1] = 32;
        d.launches[1].block[2] = 2;
      },
      {"block (32, 32, 2) has 2048 threads"});
  refused([](D &d) { d.launches[1].grid[2] = 70000; },
          {"grid (2, 1, 70000) exceeds CUDA's limits"});
  refused([](D &d) { d.args[1][1].kind = 5; },
          {"launch 1 ('copy_f32'): argument 1 has invalid kind 5"});
  refused([](D &d) { d.args[3][0].index = 5; },
          {"launch 3 ('twice_i32'): argument 0 points at input 5 but the "
           "model has 2 inputs"});
  refused([](D &d) { d.args[3][1].index = 2; },
          {"argument 1 points at output 2 but the model has 2 outputs"});
  refused([](D &d) { d.args[3][1].byte_offset = 16; },
          {"launch 3 ('twice_i32'): argument 1 points at byte 16 of output 1 "
           "('m'), which has 16 bytes"});
  refused([](D &d) { d.args[0][1].byte_offset = 24; },
          {"points at byte 24 of the workspace, which has 24 bytes"});
  refused([](D &d) { d.args[0][1].index = 1; },
          {"argument 1 points at workspace 1"});
  refused([](D &d) { d.program.constants_size = 8; },
          {"constants_size is 8 but its constants are NULL"}, false);
  refused(
      [](D &d) {
        static const float weights[2] = {1, 2};
        d.program.constants = weights;
        d.program.constants_size = sizeof(weights);
        d.model.constants = weights;
        d.model.constant_bytes = sizeof(weights);
        d.model.constants_hash =
            sinter_abi_constants_hash(weights, sizeof(weights));
        d.args[0][1].kind = SINTER_ABI_GPU_ARG_CONSTANTS;
        d.args[0][1].byte_offset = 8;
      },
      {"argument 1 points at byte 8 of the constants, which has 8 bytes"});
  refused([](D &d) { d.model.entry = fake_embedded_descriptor()->entry; },
          {"for CUDA but has a CPU entry point"});
  {
    // A CPU descriptor must not carry a program.
    sinter_abi_model_t cpu = *fake_embedded_descriptor();
    cpu.gpu = fake_embedded_cuda_descriptor()->gpu;
    cpu.checksum = sinter_abi_signature_checksum(&cpu);
    expectError(create(&cpu), SINTER_STATUS_INVALID_ARGUMENT,
                {"for the CPU but has a gpu program"});
  }
  sinter_runtime_release(runtime);
}

TEST(CudaValidationTest, EmptyBuffersMayBePassed) {
  // An argument at offset 0 of an empty workspace is its (NULL) base.
  MutableCudaDescriptor d;
  d.model.workspace_bytes = 0;
  d.args[0][1] = {SINTER_ABI_GPU_ARG_WORKSPACE, 0, 0};
  sinter_runtime_t *runtime = nullptr;
  ASSERT_OK(sinter_runtime_create(nullptr, &runtime));
  sinter_model_t *model = nullptr;
  // Valid; refused only because the runtime is the CPU's.
  expectError(sinter_model_create_from_descriptor(runtime, d.finish(), &model),
              SINTER_STATUS_FAILED_PRECONDITION, {"compiled for CUDA"});
  sinter_runtime_release(runtime);
}

//===----------------------------------------------------------------------===//
// Device selection without a driver
//===----------------------------------------------------------------------===//

TEST(CudaNoDriverTest, CreatingACudaRuntimeIsUnavailable) {
  setenv("SINTER_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
  sinter_runtime_options_t options = cudaOptions();
  sinter_runtime_t *runtime = nullptr;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_UNAVAILABLE,
              {"no CUDA driver: /nonexistent/libcuda.so.1 could not be loaded",
               "No such file"});
  EXPECT_EQ(runtime, nullptr);
  // A library that is no driver.
  setenv("SINTER_CUDA_DRIVER", FAKE_ADD_ONE_PATH, 1);
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_UNAVAILABLE,
              {"no usable CUDA driver", "does not export cuInit"});
  unsetenv("SINTER_CUDA_DRIVER");
}

TEST(CudaNoDriverTest, CudaArtifactOnCpuRuntimeSaysHowToFix) {
  sinter_runtime_t *runtime = nullptr;
  ASSERT_OK(sinter_runtime_create(nullptr, &runtime));
  EXPECT_EQ(sinter_runtime_device(runtime), SINTER_ABI_DEVICE_CPU);
  sinter_model_t *model = nullptr;
  expectError(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model),
              SINTER_STATUS_FAILED_PRECONDITION,
              {FAKE_CUDA_ADD_ONE_PATH, "compiled for CUDA (sm_90)",
               "runs on the CPU",
               "create the runtime with device = SINTER_ABI_DEVICE_CUDA"});
  EXPECT_EQ(model, nullptr);
  sinter_runtime_release(runtime);
}

TEST(CudaNoDriverTest, FileDevice) {
  sinter_abi_device_t device = SINTER_ABI_DEVICE_COUNT;
  ASSERT_OK(sinter_model_file_device(FAKE_CUDA_ADD_ONE_PATH, &device));
  EXPECT_EQ(device, SINTER_ABI_DEVICE_CUDA);
  ASSERT_OK(sinter_model_file_device(FAKE_ADD_ONE_PATH, &device));
  EXPECT_EQ(device, SINTER_ABI_DEVICE_CPU);
  expectError(sinter_model_file_device("/nonexistent.so", &device),
              SINTER_STATUS_NOT_FOUND, {"'/nonexistent.so'"});
  expectError(sinter_model_file_device(FAKE_BAD_MAGIC_PATH, &device),
              SINTER_STATUS_INVALID_ARGUMENT, {"magic"});
}

TEST(CudaNoDriverTest, BadOptions) {
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  EXPECT_EQ(options.device, SINTER_ABI_DEVICE_CPU);
  EXPECT_EQ(options.device_ordinal, 0);
  sinter_runtime_t *runtime = nullptr;
  options.device = 5;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_INVALID_ARGUMENT, {"device must be", "got 5"});
  options.device = SINTER_ABI_DEVICE_CPU;
  options.device_ordinal = 1;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"device_ordinal must be 0 for the CPU, got 1"});
  options.device = SINTER_ABI_DEVICE_CUDA;
  options.device_ordinal = -1;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"device_ordinal must be >= 0, got -1"});
}

TEST(CudaNoDriverTest, CpuDeviceInfoAndHostBuffers) {
  sinter_runtime_t *runtime = nullptr;
  ASSERT_OK(sinter_runtime_create(nullptr, &runtime));
  sinter_device_info_t info;
  ASSERT_OK(sinter_runtime_device_info(runtime, &info));
  EXPECT_EQ(info.device, SINTER_ABI_DEVICE_CPU);
  EXPECT_GT(std::strlen(info.name), 0u);
  EXPECT_STREQ(info.arch, "");
  EXPECT_EQ(info.compute_capability_major, 0);

  // Buffers work the same on the CPU: application code can be
  // device-agnostic.
  sinter_model_t *model = nullptr;
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_ADD_ONE_PATH, &model));
  EXPECT_EQ(sinter_model_device(model), SINTER_ABI_DEVICE_CPU);
  sinter_context_t *context = nullptr;
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneData data;
  {
    AddOneBuffers buffers(runtime, data);
    ASSERT_OK(buffers.status);
    buffers.status = nullptr;
    EXPECT_EQ(
        reinterpret_cast<uintptr_t>(sinter_buffer_device_pointer(buffers.x)) %
            64,
        0u);
    auto in = buffers.inputs(data);
    auto out = buffers.outputs(data);
    ASSERT_OK(sinter_context_run(context, in.data(), 2, out.data(), 2));
    ASSERT_OK(buffers.copyBack(data));
    data.expectCorrect();
    expectError(sinter_buffer_copy_to_host(buffers.y, data.y, 25),
                SINTER_STATUS_INVALID_ARGUMENT,
                {"25 bytes do not fit in a buffer of 24 bytes"});
  }
  sinter_buffer_t *empty = nullptr;
  ASSERT_OK(sinter_buffer_allocate(runtime, 0, &empty));
  EXPECT_EQ(sinter_buffer_device_pointer(empty), nullptr);
  EXPECT_OK(sinter_buffer_copy_from_host(empty, nullptr, 0));
  sinter_buffer_release(empty);
  sinter_context_release(context);
  sinter_model_release(model);
  sinter_runtime_release(runtime);
}

//===----------------------------------------------------------------------===//
// The fake driver
//===----------------------------------------------------------------------===//

TEST_F(CudaTest, CreatesRuntimeAndDescribesDevice) {
  ASSERT_OK(createRuntime());
  EXPECT_EQ(sinter_runtime_device(runtime), SINTER_ABI_DEVICE_CUDA);
  EXPECT_EQ(sinter_runtime_num_threads(runtime), 1);
  sinter_device_info_t info;
  ASSERT_OK(sinter_runtime_device_info(runtime, &info));
  EXPECT_EQ(info.device, SINTER_ABI_DEVICE_CUDA);
  EXPECT_EQ(info.ordinal, 0);
  EXPECT_STREQ(info.name, "Fake CUDA Device 0");
  EXPECT_STREQ(info.arch, "sm_90");
  EXPECT_EQ(info.compute_capability_major, 9);
  EXPECT_EQ(info.compute_capability_minor, 0);
  expectError(sinter_runtime_device_info(runtime, nullptr),
              SINTER_STATUS_INVALID_ARGUMENT, {"out_info"});
}

TEST_F(CudaTest, SelectsDeviceByOrdinal) {
  setenv("FAKE_CUDA_DEVICE_COUNT", "3", 1);
  setenv("FAKE_CUDA_ARCH", "86", 1);
  ASSERT_OK(createRuntime(2));
  sinter_device_info_t info;
  ASSERT_OK(sinter_runtime_device_info(runtime, &info));
  EXPECT_EQ(info.ordinal, 2);
  EXPECT_STREQ(info.name, "Fake CUDA Device 2");
  EXPECT_STREQ(info.arch, "sm_86");
  sinter_runtime_t *other = nullptr;
  sinter_runtime_options_t options = cudaOptions(3);
  expectError(sinter_runtime_create(&options, &other),
              SINTER_STATUS_OUT_OF_RANGE,
              {"CUDA device ordinal 3 is out of range",
               "3 CUDA devices (ordinals 0 to 2)"});
  unsetenv("FAKE_CUDA_DEVICE_COUNT");
  options = cudaOptions(1);
  expectError(sinter_runtime_create(&options, &other),
              SINTER_STATUS_OUT_OF_RANGE, {"there is 1 CUDA device"});
}

TEST_F(CudaTest, NoDeviceIsUnavailable) {
  setenv("FAKE_CUDA_NO_DEVICE", "1", 1);
  expectError(createRuntime(), SINTER_STATUS_UNAVAILABLE,
              {"no CUDA device",
               "cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is "
               "detected)"});
  unsetenv("FAKE_CUDA_NO_DEVICE");
  setenv("FAKE_CUDA_DEVICE_COUNT", "0", 1);
  expectError(createRuntime(), SINTER_STATUS_UNAVAILABLE,
              {"no CUDA device", "reports 0 devices"});
  EXPECT_EQ(runtime, nullptr);
}

TEST_F(CudaTest, CpuArtifactOnCudaRuntimeSaysHowToFix) {
  ASSERT_OK(createRuntime());
  expectError(sinter_model_load_file(runtime, FAKE_ADD_ONE_PATH, &model),
              SINTER_STATUS_FAILED_PRECONDITION,
              {FAKE_ADD_ONE_PATH, "compiled for the CPU (x86_64",
               "runs on CUDA",
               "create the runtime with device = SINTER_ABI_DEVICE_CPU"});
  EXPECT_EQ(model, nullptr);
}

TEST_F(CudaTest, RunsEndToEnd) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model));
  EXPECT_EQ(sinter_model_device(model), SINTER_ABI_DEVICE_CUDA);
  // No cubin in this artifact: the PTX, JIT-compiled.
  EXPECT_EQ(log(), "load ptx\n");
  ASSERT_OK(sinter_context_create(model, &context));
  // The model and context hold the runtime.
  sinter_runtime_t *ownRuntime = runtime;
  sinter_runtime_retain(ownRuntime);
  for (float base : {0.5f, -7.0f}) {
    FakeDriver::get().resetLog();
    AddOneData data(base);
    AddOneBuffers buffers(ownRuntime, data);
    ASSERT_OK(buffers.status);
    buffers.status = nullptr;
    ASSERT_OK(run(buffers, data));
    ASSERT_OK(buffers.copyBack(data));
    // y went through the workspace (launches 0 and 1, in that order); m's
    // halves through byte offsets 0 and 8 (launches 2 and 3).
    data.expectCorrect();
    EXPECT_EQ(log(), "launch add_one_f32 grid 1 1 1 block 6 1 1 shared 0\n"
                     "launch copy_f32 grid 2 1 1 block 3 1 1 shared 0\n"
                     "launch twice_i32 grid 2 1 1 block 1 1 1 shared 0\n"
                     "launch twice_i32 grid 1 1 1 block 2 1 1 shared 0\n");
  }
  sinter_runtime_release(ownRuntime);
}

TEST_F(CudaTest, OutputWrittenInPlaceOverItsInput) {
  // m = n + n computed in n's buffer: the twice_i32 launches write input 1.
  MutableCudaDescriptor d;
  sinter_abi_tensor_t outputs[2];
  std::memcpy(outputs, fake_embedded_cuda_descriptor()->outputs,
              sizeof(outputs));
  outputs[1].in_place_of = 2; // 1 + n's index
  d.model.outputs = outputs;
  for (int l : {2, 3}) {
    d.args[l][1].kind = SINTER_ABI_GPU_ARG_INPUT;
  }
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, d.finish(), &model));
  ASSERT_OK(sinter_context_create(model, &context));

  // m in its own buffer: n is copied there on the stream first, and n
  // itself is left as it was.
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  FakeDriver::get().resetLog();
  ASSERT_OK(run(buffers, data));
  EXPECT_EQ(log(), "copy 16 bytes\n"
                   "launch add_one_f32 grid 1 1 1 block 6 1 1 shared 0\n"
                   "launch copy_f32 grid 2 1 1 block 3 1 1 shared 0\n"
                   "launch twice_i32 grid 2 1 1 block 1 1 1 shared 0\n"
                   "launch twice_i32 grid 1 1 1 block 2 1 1 shared 0\n");
  ASSERT_OK(buffers.copyBack(data));
  data.expectCorrect();
  int32_t n[4];
  ASSERT_OK(sinter_buffer_copy_to_host(buffers.n, n, sizeof(n)));
  EXPECT_EQ(std::memcmp(n, data.n, sizeof(n)), 0) << "n was modified";

  // m given n's buffer: no copy, n doubles in place.
  auto in = buffers.inputs(data);
  auto out = buffers.outputs(data);
  out[1].data = in[1].data;
  FakeDriver::get().resetLog();
  ASSERT_OK(sinter_context_run(context, in.data(), in.size(), out.data(),
                               out.size()));
  EXPECT_EQ(log().find("copy 16 bytes"), std::string::npos) << log();
  ASSERT_OK(sinter_buffer_copy_to_host(buffers.n, n, sizeof(n)));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(n[i], 2 * data.n[i]) << "n[" << i << "]";
  }
}

TEST_F(CudaTest, UploadsConstantsOncePerModel) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_CONSTANTS_PATH,
                                   &model));
  // Two contexts share the model's one copy of the constants.
  sinter_context_t *second = nullptr;
  ASSERT_OK(sinter_context_create(model, &context));
  ASSERT_OK(sinter_context_create(model, &second));
  for (sinter_context_t *c : {context, second}) {
    AddOneData data(2.0f);
    AddOneBuffers buffers(runtime, data);
    ASSERT_OK(buffers.status);
    buffers.status = nullptr;
    auto in = buffers.inputs(data);
    auto out = buffers.outputs(data);
    ASSERT_OK(
        sinter_context_run(c, in.data(), in.size(), out.data(), out.size()));
    ASSERT_OK(buffers.copyBack(data));
    // m[0:2] from n, m[2:4] from the constants' last two weights.
    EXPECT_EQ(data.m[0], 2 * data.n[0]);
    EXPECT_EQ(data.m[1], 2 * data.n[1]);
    EXPECT_EQ(data.m[2], 600);
    EXPECT_EQ(data.m[3], 800);
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(data.y[i], data.x[i] + 1.0f);
    }
  }
  sinter_context_release(second);
}

TEST_F(CudaTest, ModelOutlivesReleasedRuntime) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  sinter_runtime_release(runtime);
  runtime = nullptr;
  sinter_model_release(model);
  model = nullptr;
  ASSERT_OK(run(buffers, data));
  ASSERT_OK(buffers.copyBack(data));
  data.expectCorrect();
}

TEST_F(CudaTest, LoadsTheCubinOnlyForItsArchitecture) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(
      sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_CUBIN_PATH, &model));
  EXPECT_EQ(log(), "load cubin\n");
  sinter_model_release(model);
  model = nullptr;
  sinter_runtime_release(runtime);
  runtime = nullptr;

  // An sm_80 device: the sm_90 cubin cannot run there; the PTX can.
  setenv("FAKE_CUDA_ARCH", "80", 1);
  FakeDriver::get().resetLog();
  ASSERT_OK(createRuntime());
  ASSERT_OK(
      sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_CUBIN_PATH, &model));
  EXPECT_EQ(log(), "load ptx\n");
  sinter_model_release(model);
  model = nullptr;

  // A cubin the driver refuses: fall back to the PTX, and run.
  sinter_runtime_release(runtime);
  runtime = nullptr;
  setenv("FAKE_CUDA_ARCH", "90", 1);
  setenv("FAKE_CUDA_REFUSE_CUBIN", "1", 1);
  ASSERT_OK(createRuntime());
  FakeDriver::get().resetLog();
  ASSERT_OK(
      sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_CUBIN_PATH, &model));
  EXPECT_EQ(log(), "load cubin\nload ptx\n");
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  ASSERT_OK(run(buffers, data));
  ASSERT_OK(buffers.copyBack(data));
  data.expectCorrect();
}

TEST_F(CudaTest, PtxThatDoesNotCompileCarriesTheJitLog) {
  ASSERT_OK(createRuntime());
  MutableCudaDescriptor d;
  d.setPtx(std::string(d.program.ptx) + "// FAKE_SYNTAX_ERROR\n");
  expectError(
      sinter_model_create_from_descriptor(runtime, d.finish(), &model),
      SINTER_STATUS_FAILED_PRECONDITION,
      {"model descriptor: cannot load its GPU program (PTX for sm_90) on "
       "cuda:0 'Fake CUDA Device 0' (sm_90)",
       "cuModuleLoadDataEx: CUDA_ERROR_INVALID_PTX (a PTX JIT compilation "
       "failed)",
       "JIT log: ptxas application ptx input, line 1; error   : "
       "FAKE_SYNTAX_ERROR"});
  EXPECT_EQ(model, nullptr);
}

TEST_F(CudaTest, MissingKernelIsRefusedAtLoad) {
  ASSERT_OK(createRuntime());
  MutableCudaDescriptor d;
  d.launches[2].kernel = "fusion_2";
  expectError(sinter_model_create_from_descriptor(runtime, d.finish(), &model),
              SINTER_STATUS_FAILED_PRECONDITION,
              {"launch 2 ('fusion_2'): the GPU program has no such kernel",
               "cuModuleGetFunction: CUDA_ERROR_NOT_FOUND (named symbol not "
               "found)"});
  EXPECT_EQ(model, nullptr);
}

TEST_F(CudaTest, LaunchErrorNamesTheLaunchAndCarriesTheDriverMessage) {
  ASSERT_OK(createRuntime());
  MutableCudaDescriptor d;
  // A kernel the module has but the fake cannot run.
  d.setPtx(std::string(d.program.ptx) +
           ".visible .entry mystery(\n .param .u64 a,\n .param .u64 b\n)\n"
           "{\n ret;\n}\n");
  d.launches[1].kernel = "mystery";
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, d.finish(), &model));
  ASSERT_OK(sinter_context_create(model, &context));
  FakeDriver::get().resetLog();
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  expectError(run(buffers, data), SINTER_STATUS_INTERNAL,
              {"model 'add_one': launch 1 ('mystery'): cuLaunchKernel: "
               "CUDA_ERROR_NOT_SUPPORTED (operation not supported)"});
  // Launch 0 ran, nothing after the failed one did.
  EXPECT_EQ(log(), "launch add_one_f32 grid 1 1 1 block 6 1 1 shared 0\n"
                   "launch mystery grid 2 1 1 block 3 1 1 shared 0\n");
}

TEST_F(CudaTest, DeviceFaultIsReportedAtSynchronize) {
  ASSERT_OK(createRuntime());
  MutableCudaDescriptor d;
  // Two threads from byte 12 of the 16-byte n: the second reads past it.
  d.args[3][0].byte_offset = 12;
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, d.finish(), &model));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  expectError(run(buffers, data), SINTER_STATUS_INTERNAL,
              {"model 'add_one': a kernel failed on the device: "
               "cuStreamSynchronize: CUDA_ERROR_ILLEGAL_ADDRESS (an illegal "
               "memory access was encountered)",
               "the CUDA context is now unusable"});
}

TEST_F(CudaTest, OptsKernelsIntoLargeDynamicSharedMemory) {
  ASSERT_OK(createRuntime());
  MutableCudaDescriptor d;
  d.launches[2].dynamic_shared_bytes = 40000;  // under 48 KiB: no opt-in
  d.launches[3].dynamic_shared_bytes = 100000; // same kernel: opt in once
  d.launches[1].dynamic_shared_bytes = 1024;
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, d.finish(), &model));
  EXPECT_EQ(log(), "load ptx\nattribute twice_i32 max_dynamic_shared 100000\n");
  ASSERT_OK(sinter_context_create(model, &context));
  FakeDriver::get().resetLog();
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  ASSERT_OK(run(buffers, data));
  EXPECT_NE(log().find("launch twice_i32 grid 1 1 1 block 2 1 1 shared 100000"),
            std::string::npos)
      << log();

  MutableCudaDescriptor tooMuch;
  tooMuch.launches[0].dynamic_shared_bytes = 300000;
  sinter_model_t *refused = nullptr;
  expectError(
      sinter_model_create_from_descriptor(runtime, tooMuch.finish(), &refused),
      SINTER_STATUS_FAILED_PRECONDITION,
      {"launch 0 ('add_one_f32'): needs 300000 bytes of dynamic shared "
       "memory but cuda:0 'Fake CUDA Device 0' (sm_90) allows at most "
       "232448"});
}

TEST_F(CudaTest, ChecksEveryRun) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneData data;
  AddOneBuffers buffers(runtime, data);
  ASSERT_OK(buffers.status);
  buffers.status = nullptr;
  FakeDriver::get().resetLog();
  auto in = buffers.inputs(data);
  auto out = buffers.outputs(data);
  auto runWith = [&](std::vector<sinter_tensor_view_t> i,
                     std::vector<sinter_tensor_view_t> o) {
    return sinter_context_run(context, i.data(), i.size(), o.data(), o.size());
  };
  auto bad = in;
  bad[1].byte_size = 12;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 1 ('n'): expected 16 bytes but got 12"});
  int64_t transposed[2] = {3, 2};
  bad = in;
  bad[0].shape = transposed;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 0 ('x'): expected shape [2, 3] but got [3, 2]"});
  auto badOut = out;
  badOut[0].data = in[0].data;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 0 ('y') overlaps input 0 ('x')"});
  // Host memory where device memory belongs: refused before any launch,
  // instead of a fault that would leave the CUDA context unusable.
  bad = in;
  bad[0].data = data.x;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"model 'add_one': input 0 ('x'): ",
               "is not memory the CUDA driver knows (a host pointer?)",
               "sinter_buffer_device_pointer",
               "cuPointerGetAttribute: CUDA_ERROR_INVALID_VALUE"});
  badOut = out;
  badOut[1].data = data.m;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 1 ('m')", "is not memory the CUDA driver knows"});
  EXPECT_EQ(log(), "") << "nothing may be launched after a failed check";
}

TEST_F(CudaTest, Buffers) {
  ASSERT_OK(createRuntime());
  sinter_buffer_t *buffer = nullptr;
  ASSERT_OK(sinter_buffer_allocate(runtime, 24, &buffer));
  EXPECT_EQ(sinter_buffer_byte_size(buffer), 24u);
  EXPECT_NE(sinter_buffer_device_pointer(buffer), nullptr);
  float in[6] = {1, 2, 3, 4, 5, 6};
  float out[6] = {};
  ASSERT_OK(sinter_buffer_copy_from_host(buffer, in, sizeof(in)));
  ASSERT_OK(sinter_buffer_copy_to_host(buffer, out, sizeof(out)));
  EXPECT_EQ(std::memcmp(in, out, sizeof(in)), 0);
  // A prefix is allowed; more than the buffer is not.
  float half[3] = {};
  ASSERT_OK(sinter_buffer_copy_to_host(buffer, half, sizeof(half)));
  EXPECT_EQ(half[2], 3.0f);
  expectError(sinter_buffer_copy_from_host(buffer, in, 25),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"sinter_buffer_copy_from_host: 25 bytes do not fit in a buffer "
               "of 24 bytes"});
  expectError(sinter_buffer_copy_to_host(buffer, nullptr, 4),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"host is NULL but byte_size is 4"});
  expectError(sinter_buffer_copy_to_host(nullptr, out, 4),
              SINTER_STATUS_INVALID_ARGUMENT, {"buffer is NULL"});
  sinter_buffer_release(buffer);

  sinter_buffer_t *empty = nullptr;
  ASSERT_OK(sinter_buffer_allocate(runtime, 0, &empty));
  EXPECT_EQ(sinter_buffer_device_pointer(empty), nullptr);
  EXPECT_OK(sinter_buffer_copy_to_host(empty, nullptr, 0));
  sinter_buffer_release(empty);

  setenv("FAKE_CUDA_MEMORY_LIMIT", "100", 1);
  expectError(sinter_buffer_allocate(runtime, 1000, &buffer),
              SINTER_STATUS_RESOURCE_EXHAUSTED,
              {"sinter_buffer_allocate: cannot allocate 1000 bytes on cuda:0 "
               "'Fake CUDA Device 0' (sm_90): cuMemAlloc: "
               "CUDA_ERROR_OUT_OF_MEMORY (out of memory)"});
  EXPECT_EQ(buffer, nullptr);
  expectError(sinter_buffer_allocate(nullptr, 4, &buffer),
              SINTER_STATUS_INVALID_ARGUMENT, {"runtime is NULL"});
}

TEST_F(CudaTest, WorkspaceAllocationFailureIsAStatus) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model));
  setenv("FAKE_CUDA_MEMORY_LIMIT", "8", 1);
  expectError(sinter_context_create(model, &context),
              SINTER_STATUS_RESOURCE_EXHAUSTED,
              {"model 'add_one': workspace: cannot allocate 24 bytes",
               "CUDA_ERROR_OUT_OF_MEMORY"});
  EXPECT_EQ(context, nullptr);
}

TEST_F(CudaTest, ConcurrentContextsEachHaveAStream) {
  ASSERT_OK(createRuntime());
  ASSERT_OK(sinter_model_load_file(runtime, FAKE_CUDA_ADD_ONE_PATH, &model));
  constexpr int kThreads = 4;
  constexpr int kRuns = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      sinter_context_t *own = nullptr;
      if (sinter_status_t status = sinter_context_create(model, &own)) {
        sinter_status_free(status);
        failures.fetch_add(1);
        return;
      }
      for (int r = 0; r < kRuns; ++r) {
        AddOneData data(static_cast<float>(t * 100 + r));
        AddOneBuffers buffers(runtime, data);
        auto in = buffers.inputs(data);
        auto out = buffers.outputs(data);
        sinter_status_t status = buffers.status;
        buffers.status = nullptr;
        if (!status) {
          status = sinter_context_run(own, in.data(), 2, out.data(), 2);
        }
        if (!status) {
          status = buffers.copyBack(data);
        }
        if (status) {
          ADD_FAILURE() << sinter_status_message(status);
          sinter_status_free(status);
          failures.fetch_add(1);
          continue;
        }
        data.expectCorrect();
      }
      sinter_context_release(own);
    });
  }
  for (std::thread &thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(CudaTest, CppWrapper) {
  namespace rt = sinter::rt;
  rt::Runtime runtime;
  rt::Status status = rt::Runtime::createCuda(0, &runtime);
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_EQ(runtime.device(), SINTER_ABI_DEVICE_CUDA);
  EXPECT_STREQ(runtime.deviceInfo().arch, "sm_90");
  sinter_abi_device_t device;
  ASSERT_TRUE(rt::Model::fileDevice(FAKE_CUDA_ADD_ONE_PATH, &device).ok());
  EXPECT_EQ(device, SINTER_ABI_DEVICE_CUDA);
  rt::Model model;
  status = rt::Model::loadFile(runtime, FAKE_CUDA_ADD_ONE_PATH, &model);
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_EQ(model.device(), SINTER_ABI_DEVICE_CUDA);
  rt::Context context;
  ASSERT_TRUE(rt::Context::create(model, &context).ok());

  AddOneData data;
  std::vector<rt::Buffer> buffers(4);
  std::vector<sinter_tensor_view_t> inputs, outputs;
  const void *hostInputs[] = {data.x, data.n};
  for (size_t i = 0; i < 2; ++i) {
    sinter_tensor_info_t info;
    ASSERT_TRUE(model.inputInfo(i, &info).ok());
    ASSERT_TRUE(
        rt::Buffer::allocate(runtime, info.byte_size, &buffers[i]).ok());
    ASSERT_TRUE(buffers[i].copyFromHost(hostInputs[i], info.byte_size).ok());
    inputs.push_back(rt::makeView(buffers[i], info));
    ASSERT_TRUE(model.outputInfo(i, &info).ok());
    ASSERT_TRUE(
        rt::Buffer::allocate(runtime, info.byte_size, &buffers[2 + i]).ok());
    outputs.push_back(rt::makeView(buffers[2 + i], info));
  }
  status = context.run(inputs, outputs);
  ASSERT_TRUE(status.ok()) << status.toString();
  ASSERT_TRUE(buffers[2].copyToHost(data.y, sizeof(data.y)).ok());
  ASSERT_TRUE(buffers[3].copyToHost(data.m, sizeof(data.m)).ok());
  data.expectCorrect();
  rt::Buffer moved = std::move(buffers[0]);
  EXPECT_EQ(buffers[0].get(), nullptr);
  EXPECT_EQ(moved.byteSize(), 24u);
}

} // namespace
