//===- NpyTest.cpp - sinter-run's .npy reader and writer --------*- C++ -*-===//
//
// Round trips, the bf16 conversions (round to nearest even), and each
// refusal of the reader.
//
//===----------------------------------------------------------------------===//

#include "tools/common/Npy.h"

#include "sinter/abi.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace npy = sinter::npy;

namespace {

std::string tempPath(const std::string &name) {
  return "/tmp/sinter-npy-test-" + std::to_string(getpid()) + "-" + name;
}

void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A file with the given header dict and data.
std::string npyBytes(const std::string &dict, const std::string &data) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

TEST(NpyTest, SerializeParseRoundTrip) {
  npy::Array array{"<i8", {2, 1, 3}, std::vector<uint8_t>(48)};
  for (size_t i = 0; i < array.data.size(); ++i) {
    array.data[i] = static_cast<uint8_t>(i * 7);
  }
  std::string bytes = npy::serialize(array);
  EXPECT_EQ(bytes.size() % 64, 48u); // header padded to 64
  EXPECT_NE(bytes.find("'shape': (2, 1, 3)"), std::string::npos);
  auto parsed = npy::parse(bytes, "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->descr, "<i8");
  EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2, 1, 3}));
  EXPECT_EQ(parsed->data, array.data);

  npy::Array vector{"<f4", {4}, std::vector<uint8_t>(16)};
  EXPECT_NE(npy::serialize(vector).find("'shape': (4,)"), std::string::npos);
  npy::Array scalar{"|b1", {}, {1}};
  std::string scalarBytes = npy::serialize(scalar);
  EXPECT_NE(scalarBytes.find("'shape': ()"), std::string::npos);
  auto parsedScalar = npy::parse(scalarBytes, "s");
  ASSERT_TRUE(parsedScalar.ok()) << parsedScalar.status();
  EXPECT_TRUE(parsedScalar->shape.empty());
}

TEST(NpyTest, AcceptsNumpyHeaderVariants) {
  std::string data(8, '\0');
  auto parsed = npy::parse(
      npyBytes(
          "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}",
          data),
      "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2}));
}

TEST(NpyTest, Refusals) {
  auto expectRefused = [](const std::string &bytes, const std::string &word) {
    auto parsed = npy::parse(bytes, "'f.npy'");
    ASSERT_FALSE(parsed.ok());
    std::string message(parsed.status().message());
    EXPECT_NE(message.find("'f.npy'"), std::string::npos) << message;
    EXPECT_NE(message.find(word), std::string::npos) << message;
  };
  std::string data(24, '\0');
  expectRefused("PK\x03\x04 zip file", "not a .npy file");
  expectRefused(npyBytes("{'descr': '<f4', 'fortran_order': True, "
                         "'shape': (2, 3), }",
                         data),
                "Fortran-order");
  expectRefused(npyBytes("{'descr': '>f4', 'fortran_order': False, "
                         "'shape': (2, 3), }",
                         data),
                "unsupported dtype '>f4'");
  expectRefused(npyBytes("{'descr': '<f8', 'fortran_order': False, "
                         "'shape': (3,), }",
                         data),
                "unsupported dtype '<f8'");
  expectRefused(npyBytes("{'descr': '<f4', 'shape': (2, 3), }", data), "lacks");
  expectRefused(npyBytes("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2, -3), }",
                         data),
                "malformed header");
  expectRefused(npyBytes("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2, 3), 'extra': 1}",
                         data),
                "unexpected key 'extra'");
  expectRefused(npyBytes("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2, 3), }",
                         data.substr(0, 20)),
                "truncated data");
  expectRefused(npyBytes("{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (2, 3), }",
                         data + "xx"),
                "2 trailing bytes");
  std::string shortHeader = npyBytes("{'descr': '<f4', 'fortran_order': "
                                     "False, 'shape': (2, 3), }",
                                     "");
  expectRefused(shortHeader.substr(0, 30), "truncated header");
}

TEST(NpyTest, BF16Rounding) {
  EXPECT_EQ(npy::floatToBF16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: ties to even (1).
  EXPECT_EQ(npy::floatToBF16(1.00390625f), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to even (1+2^-6).
  EXPECT_EQ(npy::floatToBF16(1.01171875f), 0x3f82);
  EXPECT_EQ(npy::floatToBF16(1.0040f), 0x3f81); // above halfway: up
  EXPECT_EQ(npy::floatToBF16(-2.0f), 0xc000);
  EXPECT_EQ(npy::floatToBF16(INFINITY), 0x7f80);
  EXPECT_TRUE(std::isnan(npy::bf16ToFloat(npy::floatToBF16(NAN))));
  EXPECT_EQ(npy::bf16ToFloat(0x3f82), 1.015625f);
}

TEST(NpyTest, ReadTensorConvertsAndChecks) {
  std::string path = tempPath("bf16.npy");
  float values[3] = {1.0f, 1.00390625f, -0.5f};
  ASSERT_TRUE(
      npy::writeTensor(path, SINTER_ABI_DTYPE_F32, {3}, values, sizeof(values))
          .ok());
  // An f32 file read as bf16 is rounded.
  auto bf16 = npy::readTensor(path, SINTER_ABI_DTYPE_BF16, {3});
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  ASSERT_EQ(bf16->size(), 6u);
  uint16_t bits[3];
  std::memcpy(bits, bf16->data(), 6);
  EXPECT_EQ(bits[0], 0x3f80);
  EXPECT_EQ(bits[1], 0x3f80);
  EXPECT_EQ(bits[2], 0xbf00);
  // bf16 outputs are written as exact f32.
  std::string out = tempPath("bf16-out.npy");
  ASSERT_TRUE(
      npy::writeTensor(out, SINTER_ABI_DTYPE_BF16, {3}, bits, sizeof(bits))
          .ok());
  auto widened = npy::readTensor(out, SINTER_ABI_DTYPE_F32, {3});
  ASSERT_TRUE(widened.ok()) << widened.status();
  float back[3];
  std::memcpy(back, widened->data(), sizeof(back));
  EXPECT_EQ(back[0], 1.0f);
  EXPECT_EQ(back[1], 1.0f);
  EXPECT_EQ(back[2], -0.5f);

  auto wrongShape = npy::readTensor(path, SINTER_ABI_DTYPE_F32, {1, 3});
  ASSERT_FALSE(wrongShape.ok());
  EXPECT_NE(std::string(wrongShape.status().message())
                .find("expected shape [1, 3] but the file holds [3]"),
            std::string::npos)
      << wrongShape.status();
  auto wrongDtype = npy::readTensor(path, SINTER_ABI_DTYPE_F16, {3});
  ASSERT_FALSE(wrongDtype.ok());
  EXPECT_NE(std::string(wrongDtype.status().message())
                .find("expected dtype f16 ('<f2') but the file holds '<f4'"),
            std::string::npos)
      << wrongDtype.status();

  // Raw bf16 bits ('<u2') pass through; i1 is normalised to 0/1.
  std::string raw = tempPath("raw.npy");
  writeFile(raw, npyBytes("{'descr': '<u2', 'fortran_order': False, "
                          "'shape': (1,), }",
                          std::string("\x82\x3f", 2)));
  auto rawBits = npy::readTensor(raw, SINTER_ABI_DTYPE_BF16, {1});
  ASSERT_TRUE(rawBits.ok()) << rawBits.status();
  EXPECT_EQ((*rawBits)[0], 0x82);
  EXPECT_EQ((*rawBits)[1], 0x3f);
  std::string flags = tempPath("flags.npy");
  writeFile(flags, npyBytes("{'descr': '|b1', 'fortran_order': False, "
                            "'shape': (2,), }",
                            std::string("\x00\x05", 2)));
  auto bools = npy::readTensor(flags, SINTER_ABI_DTYPE_I1, {2});
  ASSERT_TRUE(bools.ok()) << bools.status();
  EXPECT_EQ((*bools)[0], 0);
  EXPECT_EQ((*bools)[1], 1);

  for (const std::string &p : {path, out, raw, flags}) {
    std::remove(p.c_str());
  }
  auto missing = npy::readTensor(tempPath("missing.npy"), 0, {1});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST(NpyTest, ReadTensorRefusesADirectory) {
  // std::ifstream opens a directory, then throws std::ios_base::failure
  // from the first read (sinter-run --input x=DIR aborted).
  std::string dir = tempPath("dir.npy");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  auto read = npy::readTensor(dir, SINTER_ABI_DTYPE_F32, {1});
  rmdir(dir.c_str());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(),
            "'" + dir + "' is a directory, not a .npy file");
}

} // namespace
