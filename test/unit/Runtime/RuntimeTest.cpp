//===- RuntimeTest.cpp - The runtime's C API and C++ wrapper ----*- C++ -*-===//
//
// Loads the hand-written artifacts built from fake_add_one.c (a good one and
// one per broken variant), checks every validation path's status code and
// message, every check a run makes, the embedded-descriptor path, contexts
// running concurrently, and the C++ wrapper.
//
//===----------------------------------------------------------------------===//

#include "sinter/runtime.h"
#include "sinter/runtime.hpp"
#include "test/unit/Runtime/AddOneData.h"
#include "test/unit/Runtime/StatusMatchers.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" const sinter_abi_model_t *fake_embedded_descriptor(void);
extern "C" const sinter_abi_model_t *fake_embedded_in_place_descriptor(void);

namespace {

using sinter::test::expectError;

using AddOneBuffers = sinter::test::AddOneData;

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    sinter_runtime_options_t options;
    sinter_runtime_options_initialize(&options);
    options.num_threads = 4;
    ASSERT_OK(sinter_runtime_create(&options, &runtime));
  }
  void TearDown() override {
    sinter_context_release(context);
    sinter_model_release(model);
    sinter_runtime_release(runtime);
  }
  sinter_status_t load(const char *path) {
    return sinter_model_load_file(runtime, path, &model);
  }
  sinter_status_t run(AddOneBuffers &b) {
    auto in = b.inputs();
    auto out = b.outputs();
    return sinter_context_run(context, in.data(), in.size(), out.data(),
                              out.size());
  }

  sinter_runtime_t *runtime = nullptr;
  sinter_model_t *model = nullptr;
  sinter_context_t *context = nullptr;
};

/// A temporary directory removed with its files at the end of the test.
struct TempDir {
  std::string path;
  std::vector<std::string> files;
  TempDir() {
    char pattern[] = "/tmp/sinter-runtime-test-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() {
    for (const std::string &file : files) {
      std::remove(file.c_str());
    }
    rmdir(path.c_str());
  }
  std::string write(const std::string &name, const std::string &bytes) {
    std::string file = path + "/" + name;
    std::ofstream(file, std::ios::binary) << bytes;
    files.push_back(file);
    return file;
  }
};

std::string readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

//===----------------------------------------------------------------------===//
// Status and helpers
//===----------------------------------------------------------------------===//

TEST(RuntimeStatusTest, NullIsOk) {
  EXPECT_EQ(sinter_status_code(nullptr), SINTER_STATUS_OK);
  EXPECT_STREQ(sinter_status_message(nullptr), "OK");
  sinter_status_free(nullptr);
  EXPECT_STREQ(sinter_status_code_name(SINTER_STATUS_NOT_FOUND), "NOT_FOUND");
  EXPECT_STREQ(sinter_status_code_name(static_cast<sinter_status_code_t>(99)),
               "UNKNOWN");
}

TEST(RuntimeDTypeTest, NamesAndSizes) {
  EXPECT_STREQ(sinter_dtype_name(SINTER_ABI_DTYPE_F32), "f32");
  EXPECT_STREQ(sinter_dtype_name(SINTER_ABI_DTYPE_BF16), "bf16");
  EXPECT_STREQ(sinter_dtype_name(SINTER_ABI_DTYPE_I1), "i1");
  EXPECT_STREQ(sinter_dtype_name(SINTER_ABI_DTYPE_COUNT), "invalid");
  EXPECT_EQ(sinter_dtype_element_size(SINTER_ABI_DTYPE_F16), 2u);
  EXPECT_EQ(sinter_dtype_element_size(SINTER_ABI_DTYPE_I1), 1u);
  EXPECT_EQ(sinter_dtype_element_size(SINTER_ABI_DTYPE_I64), 8u);
  EXPECT_EQ(sinter_dtype_element_size(SINTER_ABI_DTYPE_I32), 4u);
  EXPECT_EQ(sinter_dtype_element_size(77), 0u);
}

TEST(RuntimeCreateTest, Options) {
  sinter_runtime_options_t options;
  options.num_threads = 123;
  sinter_runtime_options_initialize(&options);
  EXPECT_EQ(options.num_threads, 0);

  sinter_runtime_t *runtime = nullptr;
  ASSERT_OK(sinter_runtime_create(nullptr, &runtime));
  EXPECT_GE(sinter_runtime_num_threads(runtime), 1);
  sinter_runtime_release(runtime);

  options.num_threads = -1;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_INVALID_ARGUMENT, {"num_threads", "-1"});
  EXPECT_EQ(runtime, nullptr);
  options.num_threads = 5000;
  expectError(sinter_runtime_create(&options, &runtime),
              SINTER_STATUS_INVALID_ARGUMENT, {"num_threads", "5000"});
  expectError(sinter_runtime_create(&options, nullptr),
              SINTER_STATUS_INVALID_ARGUMENT, {"out_runtime"});
}

//===----------------------------------------------------------------------===//
// Loading and querying
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, LoadQueryAndRun) {
  ASSERT_OK(load(FAKE_ADD_ONE_PATH));
  EXPECT_STREQ(sinter_model_name(model), "add_one");
  EXPECT_NE(std::string(sinter_model_target(model)).find("x86_64"),
            std::string::npos);
  ASSERT_EQ(sinter_model_num_inputs(model), 2u);
  ASSERT_EQ(sinter_model_num_outputs(model), 2u);
  EXPECT_EQ(sinter_model_workspace_size(model), 24u);
  EXPECT_EQ(sinter_model_descriptor(model)->magic, SINTER_ABI_MAGIC);

  sinter_tensor_info_t info;
  ASSERT_OK(sinter_model_input_info(model, 0, &info));
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, SINTER_ABI_DTYPE_F32);
  ASSERT_EQ(info.rank, 2u);
  EXPECT_EQ(info.shape[0], 2);
  EXPECT_EQ(info.shape[1], 3);
  EXPECT_EQ(info.byte_size, 24u);
  ASSERT_OK(sinter_model_output_info(model, 1, &info));
  EXPECT_STREQ(info.name, "m");
  EXPECT_EQ(info.dtype, SINTER_ABI_DTYPE_I32);
  EXPECT_EQ(info.byte_size, 16u);
  expectError(sinter_model_input_info(model, 2, &info),
              SINTER_STATUS_OUT_OF_RANGE, {"input index 2", "has 2 inputs"});
  expectError(sinter_model_output_info(model, 7, &info),
              SINTER_STATUS_OUT_OF_RANGE, {"output index 7"});

  size_t index = 99;
  ASSERT_OK(sinter_model_find_input(model, "n", &index));
  EXPECT_EQ(index, 1u);
  ASSERT_OK(sinter_model_find_output(model, "y", &index));
  EXPECT_EQ(index, 0u);
  expectError(sinter_model_find_input(model, "tokens", &index),
              SINTER_STATUS_NOT_FOUND, {"no input named 'tokens'", "'x', 'n'"});
  expectError(sinter_model_find_output(model, "x", &index),
              SINTER_STATUS_NOT_FOUND, {"no output named 'x'", "'y', 'm'"});

  ASSERT_OK(sinter_context_create(model, &context));
  EXPECT_EQ(sinter_context_model(context), model);
  AddOneBuffers buffers;
  ASSERT_OK(run(buffers));
  // y would be NaN if the workspace were not 64-byte aligned.
  buffers.expectCorrect();
  // A second run reuses the workspace.
  AddOneBuffers again(-3.0f);
  ASSERT_OK(run(again));
  again.expectCorrect();
}

TEST_F(RuntimeTest, OneThreadRunsInline) {
  sinter_runtime_release(runtime);
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  options.num_threads = 1;
  ASSERT_OK(sinter_runtime_create(&options, &runtime));
  EXPECT_EQ(sinter_runtime_num_threads(runtime), 1);
  ASSERT_OK(load(FAKE_ADD_ONE_PATH));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneBuffers buffers;
  ASSERT_OK(run(buffers));
  buffers.expectCorrect();
}

TEST_F(RuntimeTest, ModelOutlivesReleasedRuntime) {
  ASSERT_OK(load(FAKE_ADD_ONE_PATH));
  ASSERT_OK(sinter_context_create(model, &context));
  // The model and the context hold their own references.
  sinter_runtime_release(runtime);
  runtime = nullptr;
  sinter_model_release(model);
  model = nullptr;
  AddOneBuffers buffers;
  ASSERT_OK(run(buffers));
  buffers.expectCorrect();
}

//===----------------------------------------------------------------------===//
// Refused artifacts
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, RefusesWrongAbiVersion) {
  expectError(load(FAKE_BAD_VERSION_PATH), SINTER_STATUS_FAILED_PRECONDITION,
              {FAKE_BAD_VERSION_PATH, "ABI version 99",
               "implements ABI version " + std::to_string(SINTER_ABI_VERSION)});
  EXPECT_EQ(model, nullptr);
}

TEST_F(RuntimeTest, RefusesBadMagic) {
  expectError(load(FAKE_BAD_MAGIC_PATH), SINTER_STATUS_INVALID_ARGUMENT,
              {FAKE_BAD_MAGIC_PATH, "magic", "0x46464f4e"});
}

TEST_F(RuntimeTest, RefusesBadChecksum) {
  expectError(load(FAKE_BAD_CHECKSUM_PATH), SINTER_STATUS_INVALID_ARGUMENT,
              {FAKE_BAD_CHECKSUM_PATH, "checksum mismatch", "corrupt"});
}

TEST_F(RuntimeTest, RefusesMissingCpuFeature) {
  expectError(load(FAKE_CPU_FEATURE_PATH), SINTER_STATUS_FAILED_PRECONDITION,
              {FAKE_CPU_FEATURE_PATH, "CPU features", "unknown bit 40"});
}

TEST_F(RuntimeTest, RefusesMissingDescriptorSymbol) {
  expectError(
      load(FAKE_NO_DESCRIPTOR_PATH), SINTER_STATUS_NOT_FOUND,
      {FAKE_NO_DESCRIPTOR_PATH, "sinter_model_descriptor", "undefined symbol"});
}

TEST_F(RuntimeTest, RefusesNullDescriptor) {
  expectError(load(FAKE_NULL_DESCRIPTOR_PATH), SINTER_STATUS_INVALID_ARGUMENT,
              {FAKE_NULL_DESCRIPTOR_PATH, "descriptor is NULL"});
}

TEST_F(RuntimeTest, RefusesMissingFile) {
  expectError(load("/nonexistent/model.so"), SINTER_STATUS_NOT_FOUND,
              {"'/nonexistent/model.so'", "No such file"});
  expectError(load("/tmp"), SINTER_STATUS_INVALID_ARGUMENT,
              {"'/tmp'", "not a regular file"});
  expectError(sinter_model_load_file(runtime, nullptr, &model),
              SINTER_STATUS_INVALID_ARGUMENT, {"path"});
}

TEST_F(RuntimeTest, RefusesNonElfFile) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "this is not an ELF file\n";
  }
  std::string path = dir.write("not-elf.so", text);
  // dlopen refuses these itself, safely; the message carries dlerror().
  expectError(
      load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
      {"'" + path + "'", "not a valid shared object", "invalid ELF header"});
  std::string shortPath = dir.write("short.so", "tiny");
  expectError(load(shortPath.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + shortPath + "'", "file too short"});
  std::string emptyPath = dir.write("empty.so", "");
  expectError(load(emptyPath.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + emptyPath + "'", "not a valid shared object"});
}

TEST_F(RuntimeTest, RefusesTruncatedSharedObject) {
  std::string bytes = readFile(FAKE_ADD_ONE_PATH);
  ASSERT_GT(bytes.size(), 4096u);
  TempDir dir;
  // Cut inside the loaded segments, inside the section headers (the last
  // bytes), and inside the program headers. glibc would map the first two
  // and crash with SIGBUS on touching the missing pages.
  for (size_t size : {bytes.size() / 2, bytes.size() - 16, size_t{100}}) {
    std::string path = dir.write("truncated-" + std::to_string(size) + ".so",
                                 bytes.substr(0, size));
    expectError(load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
                {"'" + path + "'", "not a valid shared object",
                 "truncated or corrupt ELF file"});
    EXPECT_EQ(model, nullptr);
  }
  // An ELF header that is not a shared object for this machine.
  std::string relocatable = bytes;
  relocatable[16] = 1; // e_type = ET_REL
  relocatable[17] = 0;
  std::string path = dir.write("relocatable.so", relocatable);
  expectError(load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + path + "'", "not a shared object"});
  std::string foreign = bytes;
  foreign[18] = static_cast<char>(183); // e_machine = EM_AARCH64
  foreign[19] = 0;
  path = dir.write("foreign.so", foreign);
  expectError(load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + path + "'",
               "an ELF file for another architecture: AArch64 (machine 183), "
               "but this runtime runs on x86-64 (machine 62)"});
  // A 32-bit ELF file for x86 (x32 names machine 62 too): the class is what
  // is wrong, not the machine.
  std::string narrow = bytes;
  narrow[4] = 1; // EI_CLASS = ELFCLASS32
  path = dir.write("elf32.so", narrow);
  expectError(load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + path + "'",
               "a 32-bit (ELFCLASS32) ELF file, but this runtime loads 64-bit "
               "(ELFCLASS64) shared objects"});
  std::string bigEndian = bytes;
  bigEndian[5] = 2; // EI_DATA = ELFDATA2MSB
  path = dir.write("big-endian.so", bigEndian);
  expectError(load(path.c_str()), SINTER_STATUS_INVALID_ARGUMENT,
              {"'" + path + "'", "a big-endian ELF file"});
  // The intact copy loads: the failures above are the truncation's.
  path = dir.write("intact.so", bytes);
  ASSERT_OK(load(path.c_str()));
}

//===----------------------------------------------------------------------===//
// Descriptor validation (embedded descriptors)
//===----------------------------------------------------------------------===//

/// A mutable copy of the embedded add_one descriptor; `finish()` recomputes
/// the checksum after a mutation, as the compiler would.
struct MutableDescriptor {
  sinter_abi_model_t model;
  sinter_abi_tensor_t inputs[2];
  sinter_abi_tensor_t outputs[2];
  int64_t shape[SINTER_ABI_MAX_RANK + 1] = {2, 3};

  explicit MutableDescriptor(
      const sinter_abi_model_t *from = fake_embedded_descriptor()) {
    model = *from;
    std::memcpy(inputs, model.inputs, sizeof(inputs));
    std::memcpy(outputs, model.outputs, sizeof(outputs));
    model.inputs = inputs;
    model.outputs = outputs;
  }
  const sinter_abi_model_t *finish() {
    model.checksum = sinter_abi_signature_checksum(&model);
    return &model;
  }
};

TEST_F(RuntimeTest, EmbeddedDescriptorRuns) {
  ASSERT_OK(sinter_model_create_from_descriptor(
      runtime, fake_embedded_descriptor(), &model));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneBuffers buffers;
  ASSERT_OK(run(buffers));
  buffers.expectCorrect();
}

TEST_F(RuntimeTest, RefusesConstantsChangedAfterCompilation) {
  // The weights and the hash the compiler records of them (several chunks,
  // which the runtime's four threads hash in parallel); then one bit of one
  // weight flips (a bad disk, a botched copy, a tampered file).
  std::vector<float> weights(3 * SINTER_ABI_CONSTANTS_CHUNK / sizeof(float) +
                             37);
  for (size_t i = 0; i < weights.size(); ++i) {
    weights[i] = 0.25f * (i % 101) - 3.0f;
  }
  size_t weightBytes = weights.size() * sizeof(float);
  MutableDescriptor d;
  d.model.constants = weights.data();
  d.model.constant_bytes = weightBytes;
  d.model.constants_hash =
      sinter_abi_constants_hash(weights.data(), weightBytes);
  const sinter_abi_model_t *descriptor = d.finish();
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, descriptor, &model));
  sinter_model_release(model);
  model = nullptr;

  reinterpret_cast<unsigned char *>(weights.data())[weightBytes - 77] ^= 0x10;
  expectError(sinter_model_create_from_descriptor(runtime, descriptor, &model),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"model descriptor: the constants (" +
                   std::to_string(weightBytes) +
                   " bytes of weights) hash to 0x",
               "but the descriptor records 0x", "corrupt artifact"});

  // skip_constants_verification loads it anyway (and runs it).
  sinter_runtime_options_t options;
  sinter_runtime_options_initialize(&options);
  EXPECT_EQ(options.skip_constants_verification, 0);
  options.skip_constants_verification = 1;
  sinter_runtime_t *trusting = nullptr;
  ASSERT_OK(sinter_runtime_create(&options, &trusting));
  ASSERT_OK(sinter_model_create_from_descriptor(trusting, descriptor, &model));
  sinter_runtime_release(trusting);
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneBuffers buffers;
  ASSERT_OK(run(buffers));
  buffers.expectCorrect();
  sinter_context_release(context);
  context = nullptr;
  sinter_model_release(model);
  model = nullptr;

  // The hash itself is in the checksum: recording another one is caught
  // there, and a NULL block that claims bytes before it is followed.
  MutableDescriptor e;
  e.model.constants_hash = 1;
  expectError(sinter_model_create_from_descriptor(runtime, &e.model, &model),
              SINTER_STATUS_INVALID_ARGUMENT, {"checksum mismatch"});
  MutableDescriptor f;
  f.model.constant_bytes = 64;
  expectError(sinter_model_create_from_descriptor(runtime, f.finish(), &model),
              SINTER_STATUS_INVALID_ARGUMENT,
              {"64 bytes of constants but its constants pointer is NULL"});
}

TEST(ConstantsHash, IsChunkedXXH64) {
  // Published XXH64 (seed 0) values, so that another implementation (a
  // loader in another language) can check an artifact.
  EXPECT_EQ(sinter_abi_xxh64("", 0), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(sinter_abi_xxh64("abc", 3), 0x44BC2CF5AD770999ull);
  // The constants' hash folds the XXH64 of each chunk, in order.
  std::vector<unsigned char> bytes(2 * SINTER_ABI_CONSTANTS_CHUNK + 100);
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<unsigned char>(i * 131 + 7);
  }
  uint64_t h = sinter_abi_constants_hash_start(bytes.size());
  for (size_t at = 0; at < bytes.size(); at += SINTER_ABI_CONSTANTS_CHUNK) {
    h = sinter_abi_constants_hash_fold(
        h,
        sinter_abi_xxh64(bytes.data() + at, std::min(SINTER_ABI_CONSTANTS_CHUNK,
                                                     bytes.size() - at)));
  }
  EXPECT_EQ(sinter_abi_constants_hash(bytes.data(), bytes.size()),
            sinter_abi_constants_hash_finish(h));
}

TEST_F(RuntimeTest, ValidatesEveryDescriptorField) {
  auto create = [&](const sinter_abi_model_t *descriptor) {
    return sinter_model_create_from_descriptor(runtime, descriptor, &model);
  };
  expectError(create(nullptr), SINTER_STATUS_INVALID_ARGUMENT,
              {"model descriptor", "NULL"});
  {
    MutableDescriptor d;
    d.model.abi_version = 7;
    expectError(create(d.finish()), SINTER_STATUS_FAILED_PRECONDITION,
                {"version 7", "version " + std::to_string(SINTER_ABI_VERSION)});
  }
  {
    MutableDescriptor d;
    d.model.struct_size = 8;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"struct_size is 8"});
  }
  {
    MutableDescriptor d;
    d.model.name = nullptr;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"NULL name"});
  }
  {
    MutableDescriptor d;
    d.model.inputs = nullptr;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"2 inputs", "NULL"});
  }
  {
    MutableDescriptor d;
    d.model.num_outputs = 1u << 30;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"1073741824 outputs"});
  }
  {
    MutableDescriptor d;
    d.outputs[1].name = nullptr;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"output 1 has a NULL name"});
  }
  {
    // Caught before the checksum walks 17 extents.
    MutableDescriptor d;
    d.inputs[0].rank = SINTER_ABI_MAX_RANK + 1;
    d.inputs[0].shape = d.shape;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 0 ('x')", "rank 17", "maximum 16"});
  }
  {
    MutableDescriptor d;
    d.inputs[1].shape = nullptr;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 1 ('n')", "NULL shape"});
  }
  {
    MutableDescriptor d;
    d.model.workspace_bytes += 4; // not re-checksummed
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"checksum mismatch"});
  }
  {
    MutableDescriptor d;
    d.outputs[0].dtype = 9;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"output 0 ('y')", "invalid dtype 9"});
  }
  {
    MutableDescriptor d;
    d.shape[0] = 2;
    d.shape[1] = -3;
    d.inputs[0].shape = d.shape;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 0 ('x')", "negative extent -3", "[2, -3]"});
  }
  {
    MutableDescriptor d;
    d.inputs[0].byte_size = 25;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 0 ('x')", "byte_size 25", "needs 24"});
  }
  {
    MutableDescriptor d;
    d.shape[0] = int64_t{1} << 40;
    d.shape[1] = int64_t{1} << 40;
    d.inputs[0].shape = d.shape;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 0 ('x')", "overflows"});
  }
  {
    MutableDescriptor d;
    d.outputs[1].name = "x";
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"output 1 ('x')", "unique"});
  }
  {
    MutableDescriptor d;
    d.model.workspace_alignment = 48;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"workspace_alignment 48", "power of two"});
  }
  {
    MutableDescriptor d;
    d.model.workspace_alignment = 0;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"workspace_alignment 0"});
  }
  {
    MutableDescriptor d;
    d.model.entry = nullptr;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"entry point is NULL"});
  }
  {
    MutableDescriptor d;
    d.model.required_cpu_features = SINTER_ABI_CPU_AVX2 | (1ull << 63);
    expectError(create(d.finish()), SINTER_STATUS_FAILED_PRECONDITION,
                {"CPU features", "unknown bit 63"});
  }
  EXPECT_EQ(model, nullptr);
  {
    // What a scalar model looks like: rank 0 with a NULL shape is fine, and
    // so is a large alignment.
    MutableDescriptor d;
    d.outputs[1].rank = 0;
    d.outputs[1].shape = nullptr;
    d.outputs[1].byte_size = 4;
    d.model.workspace_alignment = 4096;
    ASSERT_OK(create(d.finish()));
    ASSERT_OK(sinter_context_create(model, &context));
  }
}

//===----------------------------------------------------------------------===//
// Run checks
//===----------------------------------------------------------------------===//

TEST_F(RuntimeTest, ChecksEveryRun) {
  ASSERT_OK(load(FAKE_ADD_ONE_PATH));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneBuffers b;
  auto in = b.inputs();
  auto out = b.outputs();
  auto runWith = [&](std::vector<sinter_tensor_view_t> i,
                     std::vector<sinter_tensor_view_t> o) {
    return sinter_context_run(context, i.data(), i.size(), o.data(), o.size());
  };

  expectError(runWith({in[0]}, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"model 'add_one'", "expected 2 inputs but got 1"});
  expectError(runWith(in, {out[0], out[1], out[1]}),
              SINTER_STATUS_INVALID_ARGUMENT, {"expected 2 outputs but got 3"});
  expectError(sinter_context_run(context, nullptr, 2, out.data(), 2),
              SINTER_STATUS_INVALID_ARGUMENT, {"NULL"});

  auto bad = in;
  bad[1].dtype = SINTER_ABI_DTYPE_I64;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 1 ('n'): expected dtype i32 but got i64"});

  int64_t transposed[2] = {3, 2};
  bad = in;
  bad[0].shape = transposed;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 0 ('x'): expected shape [2, 3] but got [3, 2]"});

  int64_t flat[1] = {6};
  bad = in;
  bad[0].rank = 1;
  bad[0].shape = flat;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 0 ('x'): expected shape [2, 3] but got [6]", "rank 1"});

  int64_t shorter[1] = {3};
  auto badOut = out;
  badOut[1].shape = shorter;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 1 ('m'): expected shape [4] but got [3]"});

  bad = in;
  bad[0].rank = 40;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 0 ('x')", "rank 40"});

  bad = in;
  bad[0].shape = nullptr;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 0 ('x')", "NULL shape"});

  bad = in;
  bad[1].byte_size = 12;
  expectError(runWith(bad, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"input 1 ('n'): expected 16 bytes but got 12"});

  badOut = out;
  badOut[0].data = nullptr;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 0 ('y'): data is NULL"});

  badOut = out;
  badOut[0].data = b.x;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 0 ('y') overlaps input 0 ('x')"});

  // m's 16 bytes over the tail of y's 24.
  badOut = out;
  badOut[1].data = reinterpret_cast<char *>(b.y) + 8;
  expectError(runWith(in, badOut), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 1 ('m') overlaps output 0 ('y')"});

  // Nothing ran.
  for (float v : b.y) {
    EXPECT_EQ(v, -1.0f);
  }
  // Inputs may alias each other (both read-only); the views check out.
  ASSERT_OK(runWith(in, out));
  b.expectCorrect();

  expectError(sinter_context_run(nullptr, in.data(), 2, out.data(), 2),
              SINTER_STATUS_INVALID_ARGUMENT, {"context is NULL"});
}

//===----------------------------------------------------------------------===//
// Outputs written in place over an input (in_place_of)
//===----------------------------------------------------------------------===//

/// add_one whose y overwrites x (embedded_add_one_in_place.c).
class InPlaceTest : public RuntimeTest {
protected:
  void SetUp() override {
    RuntimeTest::SetUp();
    ASSERT_OK(sinter_model_create_from_descriptor(
        runtime, fake_embedded_in_place_descriptor(), &model));
    ASSERT_OK(sinter_context_create(model, &context));
  }
  sinter_status_t runWith(const std::vector<sinter_tensor_view_t> &in,
                          const std::vector<sinter_tensor_view_t> &out) {
    return sinter_context_run(context, in.data(), in.size(), out.data(),
                              out.size());
  }
};

TEST_F(InPlaceTest, GivenTheInputsBufferUpdatesItInPlace) {
  AddOneBuffers b;
  float x0[6];
  std::memcpy(x0, b.x, sizeof(x0));
  auto in = b.inputs();
  auto out = b.outputs();
  out[0].data = b.x; // y is x's buffer: the update happens there
  ASSERT_OK(runWith(in, out));
  ASSERT_OK(runWith(in, out));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(b.x[i], x0[i] + 2.0f) << "x[" << i << "] after two steps";
    EXPECT_EQ(b.y[i], -1.0f) << "y's own buffer is not touched";
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b.m[i], 2 * b.n[i]);
  }
}

TEST_F(InPlaceTest, GivenItsOwnBufferLeavesTheInputAsItWas) {
  AddOneBuffers b;
  float x0[6];
  std::memcpy(x0, b.x, sizeof(x0));
  ASSERT_OK(run(b));
  b.expectCorrect();
  EXPECT_EQ(std::memcmp(b.x, x0, sizeof(x0)), 0) << "x was modified";
}

TEST_F(InPlaceTest, RefusesPartlyOverlappingBuffers) {
  alignas(64) float both[12] = {};
  AddOneBuffers b;
  auto in = b.inputs();
  auto out = b.outputs();
  // y two floats into x: neither the in-place buffer nor a disjoint one.
  in[0].data = both;
  out[0].data = both + 2;
  expectError(runWith(in, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 0 ('y') overlaps input 0 ('x'), which it overwrites "
               "in place: pass exactly the input's buffer"});
  // An input read while x is overwritten in place must not share x's
  // memory; with y in its own buffer, x is only read, so that is fine.
  AddOneBuffers c;
  in = c.inputs();
  out = c.outputs();
  in[1].data = c.x; // n's 16 bytes over x's 24
  out[0].data = c.x;
  expectError(runWith(in, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 0 ('y') overlaps input 1 ('n')"});
  out[0].data = c.y;
  ASSERT_OK(runWith(in, out));
  // Other outputs may not overlap the input written in place either.
  in = c.inputs();
  out = c.outputs();
  out[0].data = c.x;
  out[1].data = c.x;
  expectError(runWith(in, out), SINTER_STATUS_INVALID_ARGUMENT,
              {"output 1 ('m') overlaps input 0 ('x')"});
}

TEST_F(InPlaceTest, DescriptorMustNameAnInputOfTheSameType) {
  sinter_model_release(model);
  sinter_context_release(context);
  model = nullptr;
  context = nullptr;
  // The in-place descriptor, mutated.
  using InPlaceDescriptor = MutableDescriptor;
  auto create = [&](const sinter_abi_model_t *descriptor) {
    return sinter_model_create_from_descriptor(runtime, descriptor, &model);
  };
  {
    InPlaceDescriptor d(fake_embedded_in_place_descriptor());
    d.outputs[0].in_place_of = 3;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"output 0 ('y') is written in place into input 2, but there "
                 "are 2 inputs"});
  }
  {
    InPlaceDescriptor d(fake_embedded_in_place_descriptor());
    d.outputs[0].in_place_of = 2;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 1 ('n'), which has dtype i32 and shape [4] instead "
                 "of f32 [2, 3]"});
  }
  {
    InPlaceDescriptor d(fake_embedded_in_place_descriptor());
    d.inputs[1].in_place_of = 1;
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"input 1 ('n') has in_place_of 1; only outputs overwrite"});
  }
  {
    InPlaceDescriptor d(fake_embedded_in_place_descriptor());
    d.outputs[1] = d.outputs[0];
    d.outputs[1].name = "y2";
    expectError(create(d.finish()), SINTER_STATUS_INVALID_ARGUMENT,
                {"output 1 ('y2') is written in place into input 0 ('x'), "
                 "which output 0 ('y') overwrites too"});
  }
  {
    // The field is in the checksum: flipping it after compilation is caught.
    InPlaceDescriptor d(fake_embedded_in_place_descriptor());
    d.finish();
    d.outputs[0].in_place_of = 0;
    expectError(create(&d.model), SINTER_STATUS_INVALID_ARGUMENT,
                {"checksum mismatch"});
  }
}

/// An entry point that blocks until released, to catch a second run on the
/// same context.
std::atomic<int> blockingEntered{0};
std::atomic<bool> blockingRelease{false};
void blockingEntry(void *const *, void *const *, void *,
                   const sinter_abi_environment_t *) {
  blockingEntered.fetch_add(1);
  while (!blockingRelease.load()) {
    std::this_thread::yield();
  }
}

TEST_F(RuntimeTest, RefusesConcurrentRunsOnOneContext) {
  blockingEntered.store(0);
  blockingRelease.store(false);
  MutableDescriptor d;
  d.model.entry = blockingEntry;
  ASSERT_OK(sinter_model_create_from_descriptor(runtime, d.finish(), &model));
  ASSERT_OK(sinter_context_create(model, &context));
  AddOneBuffers first;
  AddOneBuffers second;
  std::thread thread([&] { EXPECT_OK(run(first)); });
  while (blockingEntered.load() == 0) {
    std::this_thread::yield();
  }
  expectError(run(second), SINTER_STATUS_FAILED_PRECONDITION,
              {"already running", "one context per thread"});
  blockingRelease.store(true);
  thread.join();
  EXPECT_EQ(blockingEntered.load(), 1);
}

TEST_F(RuntimeTest, ConcurrentContextsGiveIdenticalResults) {
  ASSERT_OK(load(FAKE_ADD_ONE_PATH));
  constexpr int kThreads = 4;
  constexpr int kRuns = 100;
  // Baseline from one context on this thread.
  ASSERT_OK(sinter_context_create(model, &context));
  std::vector<AddOneBuffers> baseline;
  for (int t = 0; t < kThreads; ++t) {
    baseline.emplace_back(0.1f * t - 1.0f);
    ASSERT_OK(run(baseline.back()));
    baseline.back().expectCorrect();
  }
  std::atomic<int> mismatches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      sinter_context_t *own = nullptr;
      sinter_status_t status = sinter_context_create(model, &own);
      if (status) {
        sinter_status_free(status);
        failures.fetch_add(1);
        return;
      }
      for (int r = 0; r < kRuns; ++r) {
        AddOneBuffers b(0.1f * t - 1.0f);
        auto in = b.inputs();
        auto out = b.outputs();
        status = sinter_context_run(own, in.data(), 2, out.data(), 2);
        if (status) {
          sinter_status_free(status);
          failures.fetch_add(1);
          continue;
        }
        if (std::memcmp(b.y, baseline[t].y, sizeof(b.y)) != 0 ||
            std::memcmp(b.m, baseline[t].m, sizeof(b.m)) != 0) {
          mismatches.fetch_add(1);
        }
      }
      sinter_context_release(own);
    });
  }
  for (std::thread &thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

//===----------------------------------------------------------------------===//
// C++ wrapper
//===----------------------------------------------------------------------===//

TEST(RuntimeCppTest, WrapperRoundTrip) {
  namespace rt = sinter::rt;
  rt::Runtime runtime;
  rt::Status status = rt::Runtime::create(2, &runtime);
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_EQ(runtime.numThreads(), 2);

  rt::Model model;
  status = rt::Model::loadFile(runtime, FAKE_ADD_ONE_PATH, &model);
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_STREQ(model.name(), "add_one");
  EXPECT_EQ(model.numInputs(), 2u);
  EXPECT_EQ(model.numOutputs(), 2u);
  EXPECT_EQ(model.workspaceSize(), 24u);
  size_t index = 0;
  EXPECT_TRUE(model.findOutput("m", &index).ok());
  EXPECT_EQ(index, 1u);
  rt::Status missing = model.findInput("nope", &index);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), SINTER_STATUS_NOT_FOUND);
  EXPECT_NE(missing.toString().find("NOT_FOUND: "), std::string::npos);

  rt::Model copy = model; // retains
  model = rt::Model();
  runtime = rt::Runtime();

  rt::Context context;
  status = rt::Context::create(copy, &context);
  ASSERT_TRUE(status.ok()) << status.toString();
  AddOneBuffers b;
  sinter_tensor_info_t info;
  ASSERT_TRUE(copy.inputInfo(0, &info).ok());
  std::vector<sinter_tensor_view_t> inputs = {rt::makeView(b.x, info),
                                              b.inputs()[1]};
  status = context.run(inputs, b.outputs());
  ASSERT_TRUE(status.ok()) << status.toString();
  b.expectCorrect();

  rt::Status bad = context.run(inputs, {});
  EXPECT_EQ(bad.code(), SINTER_STATUS_INVALID_ARGUMENT);
  rt::Status moved = std::move(bad);
  EXPECT_TRUE(bad.ok());
  EXPECT_FALSE(moved.ok());

  rt::Model failed;
  ASSERT_TRUE(rt::Runtime::create(1, &runtime).ok());
  status = rt::Model::loadFile(runtime, FAKE_BAD_MAGIC_PATH, &failed);
  EXPECT_NE(std::string(status.message()).find("magic"), std::string::npos);
  EXPECT_EQ(status.code(), SINTER_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(failed.get(), nullptr);
}

} // namespace
