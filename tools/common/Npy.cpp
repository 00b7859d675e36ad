//===- Npy.cpp - Reading and writing NumPy .npy files -----------*- C++ -*-===//
//
// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// parsed here by a small scanner that accepts exactly that form (keys in any
// order, optional trailing commas and spaces) and nothing else.
//
//===----------------------------------------------------------------------===//

#include "tools/common/Npy.h"

#include "sinter/abi.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sys/stat.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              ".npy I/O copies little-endian data as is");

namespace sinter::npy {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Bytes per element of the descrs this reader accepts; nullopt otherwise.
std::optional<uint64_t> descrSize(const std::string &descr) {
  if (descr == "<f4" || descr == "<i4") {
    return 4;
  }
  if (descr == "<f2" || descr == "<u2") {
    return 2;
  }
  if (descr == "<i8") {
    return 8;
  }
  if (descr == "|b1") {
    return 1;
  }
  return std::nullopt;
}

/// The descr a tensor of `dtype` is stored as.
const char *descrOf(uint32_t dtype) {
  switch (dtype) {
  case SINTER_ABI_DTYPE_F32:
  case SINTER_ABI_DTYPE_BF16:
    return "<f4";
  case SINTER_ABI_DTYPE_F16:
    return "<f2";
  case SINTER_ABI_DTYPE_I1:
    return "|b1";
  case SINTER_ABI_DTYPE_I32:
    return "<i4";
  case SINTER_ABI_DTYPE_I64:
    return "<i8";
  default:
    return "";
  }
}

const char *dtypeName(uint32_t dtype) {
  static const char *names[] = {"f32", "f16", "bf16", "i1", "i32", "i64"};
  return dtype < SINTER_ABI_DTYPE_COUNT ? names[dtype] : "invalid";
}

std::string shapeString(const std::vector<int64_t> &shape) {
  return "[" + absl::StrJoin(shape, ", ") + "]";
}

/// A scanner over the header dict.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text_(text) {}

  bool parse(Array &array, bool &fortranOrder, std::string &error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{')) {
      return fail(error, "expected '{'");
    }
    while (true) {
      skipSpace();
      if (consume('}')) {
        break;
      }
      std::string key;
      if (!parseString(key)) {
        return fail(error, "expected a quoted key");
      }
      skipSpace();
      if (!consume(':')) {
        return fail(error, "expected ':' after '" + key + "'");
      }
      skipSpace();
      if (key == "descr") {
        if (!parseString(array.descr)) {
          return fail(error, "'descr' is not a string");
        }
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("False")) {
          fortranOrder = false;
        } else if (consumeWord("True")) {
          fortranOrder = true;
        } else {
          return fail(error, "'fortran_order' is not True or False");
        }
        haveOrder = true;
      } else if (key == "shape") {
        if (!parseShape(array.shape)) {
          return fail(error, "'shape' is not a tuple of non-negative integers");
        }
        haveShape = true;
      } else {
        return fail(error, "unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(',')) {
        continue;
      }
      skipSpace();
      if (!consume('}')) {
        return fail(error, "expected ',' or '}'");
      }
      break;
    }
    skipSpace();
    if (pos_ != text_.size()) {
      return fail(error, "trailing characters after the dict");
    }
    if (!haveDescr || !haveOrder || !haveShape) {
      return fail(error,
                  "the header lacks 'descr', 'fortran_order' or 'shape'");
    }
    return true;
  }

private:
  bool fail(std::string &error, const std::string &message) {
    error = message + " at offset " + std::to_string(pos_);
    return false;
  }
  void skipSpace() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (text_.compare(pos_, n, word) == 0) {
      pos_ += n;
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return false;
    }
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string::npos) {
      return false;
    }
    out = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape) {
    if (!consume('(')) {
      return false;
    }
    while (true) {
      skipSpace();
      if (consume(')')) {
        return true;
      }
      if (pos_ >= text_.size() ||
          !std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        return false;
      }
      int64_t value = 0;
      while (pos_ < text_.size() &&
             std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, text_[pos_] - '0', &value)) {
          return false;
        }
        ++pos_;
      }
      // numpy writes 'L' suffixes in Python 2 files.
      consume('L');
      shape.push_back(value);
      skipSpace();
      if (!consume(',')) {
        skipSpace();
        return consume(')');
      }
    }
  }

  const std::string &text_;
  size_t pos_ = 0;
};

} // namespace

uint16_t floatToBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<uint16_t>((bits >> 16) | 0x40u); // quiet NaN
  }
  uint32_t lsb = (bits >> 16) & 1u;
  bits += 0x7fffu + lsb;
  return static_cast<uint16_t>(bits >> 16);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

absl::StatusOr<Array> parse(const std::string &bytes, const std::string &what) {
  auto invalid = [&](const std::string &message) {
    return absl::InvalidArgumentError(what + ": " + message);
  };
  if (bytes.size() < kMagicSize + 2 ||
      std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    return invalid("not a .npy file (no \\x93NUMPY magic)");
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerStart;
  uint64_t headerLength;
  if (major == 1) {
    if (bytes.size() < 10) {
      return invalid("truncated header");
    }
    headerStart = 10;
    headerLength = static_cast<unsigned char>(bytes[8]) |
                   static_cast<unsigned char>(bytes[9]) << 8;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      return invalid("truncated header");
    }
    headerStart = 12;
    headerLength = 0;
    for (int i = 3; i >= 0; --i) {
      headerLength =
          headerLength << 8 | static_cast<unsigned char>(bytes[8 + i]);
    }
  } else {
    return invalid("unsupported .npy version " + std::to_string(major));
  }
  if (headerLength > bytes.size() - headerStart) {
    return invalid("truncated header (" + std::to_string(headerLength) +
                   " bytes declared, " +
                   std::to_string(bytes.size() - headerStart) + " present)");
  }
  std::string header = bytes.substr(headerStart, headerLength);
  Array array;
  bool fortranOrder = false;
  std::string error;
  if (!HeaderParser(header).parse(array, fortranOrder, error)) {
    return invalid("malformed header: " + error);
  }
  if (fortranOrder) {
    return invalid("Fortran-order arrays are not supported; save a "
                   "C-contiguous array (numpy.ascontiguousarray)");
  }
  std::optional<uint64_t> elementSize = descrSize(array.descr);
  if (!elementSize) {
    return invalid("unsupported dtype '" + array.descr +
                   "' (supported: '<f4' '<f2' '<i4' '<i8' '|b1' '<u2')");
  }
  uint64_t expected = *elementSize;
  for (int64_t d : array.shape) {
    if (__builtin_mul_overflow(expected, static_cast<uint64_t>(d), &expected)) {
      return invalid("shape " + shapeString(array.shape) + " is too large");
    }
  }
  uint64_t present = bytes.size() - headerStart - headerLength;
  if (present < expected) {
    return invalid("truncated data: shape " + shapeString(array.shape) +
                   " of '" + array.descr + "' needs " +
                   std::to_string(expected) + " bytes but the file has " +
                   std::to_string(present));
  }
  if (present > expected) {
    return invalid(std::to_string(present - expected) +
                   " trailing bytes after the data of shape " +
                   shapeString(array.shape));
  }
  const char *data = bytes.data() + headerStart + headerLength;
  array.data.assign(data, data + expected);
  return array;
}

std::string serialize(const Array &array) {
  std::string shape = "(";
  for (int64_t d : array.shape) {
    absl::StrAppend(&shape, d, ", ");
  }
  if (array.shape.size() > 1) {
    shape.resize(shape.size() - 2); // (2, 3) but (4,)
  } else if (array.shape.size() == 1) {
    shape.resize(shape.size() - 1);
  }
  shape += ")";
  std::string header =
      absl::StrCat("{'descr': '", array.descr,
                   "', 'fortran_order': False, 'shape': ", shape, ", }");
  // Magic (6) + version (2) + length (2) + header + '\n', a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic, kMagicSize);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char *>(array.data.data()),
               array.data.size());
  return bytes;
}

absl::StatusOr<std::vector<uint8_t>>
readTensor(const std::string &path, uint32_t dtype,
           const std::vector<int64_t> &shape) {
  // std::ifstream opens a directory and then throws from the read; stdio
  // reports every failure as errno.
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    return absl::NotFoundError("cannot open '" + path +
                               "': " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError("'" + path +
                                      "' is a directory, not a .npy file");
  }
  std::FILE *file = std::fopen(path.c_str(), "rb");
  if (!file) {
    return absl::NotFoundError("cannot open '" + path +
                               "': " + std::strerror(errno));
  }
  std::string bytes;
  char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0) {
    bytes.append(chunk, got);
  }
  bool readError = std::ferror(file);
  int readErrno = errno;
  std::fclose(file);
  if (readError) {
    return absl::UnavailableError("cannot read '" + path +
                                  "': " + std::strerror(readErrno));
  }
  absl::StatusOr<Array> array = parse(bytes, "'" + path + "'");
  if (!array.ok()) {
    return array.status();
  }
  std::string want = descrOf(dtype);
  bool rawBF16 = dtype == SINTER_ABI_DTYPE_BF16 && array->descr == "<u2";
  if (array->descr != want && !rawBF16) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", path, "': expected dtype ", dtypeName(dtype), " ('", want, "'",
        dtype == SINTER_ABI_DTYPE_BF16 ? " or raw bits '<u2'" : "",
        ") but the file holds '", array->descr, "'"));
  }
  if (array->shape != shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", path, "': expected shape ", shapeString(shape),
                     " but the file holds ", shapeString(array->shape)));
  }
  if (dtype == SINTER_ABI_DTYPE_BF16 && !rawBF16) {
    size_t n = array->data.size() / 4;
    std::vector<uint8_t> out(n * 2);
    for (size_t i = 0; i < n; ++i) {
      float value;
      std::memcpy(&value, array->data.data() + 4 * i, 4);
      uint16_t bits = floatToBF16(value);
      std::memcpy(out.data() + 2 * i, &bits, 2);
    }
    return out;
  }
  if (dtype == SINTER_ABI_DTYPE_I1) {
    for (uint8_t &b : array->data) {
      b = b != 0;
    }
  }
  return std::move(array->data);
}

absl::Status writeTensor(const std::string &path, uint32_t dtype,
                         const std::vector<int64_t> &shape, const void *data,
                         uint64_t byteSize) {
  Array array;
  array.descr = descrOf(dtype);
  if (array.descr.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write dtype ", dtype, " to '", path, "'"));
  }
  array.shape = shape;
  const auto *bytes = static_cast<const uint8_t *>(data);
  if (dtype == SINTER_ABI_DTYPE_BF16) {
    size_t n = byteSize / 2;
    array.data.resize(n * 4);
    for (size_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, bytes + 2 * i, 2);
      float value = bf16ToFloat(bits);
      std::memcpy(array.data.data() + 4 * i, &value, 4);
    }
  } else {
    array.data.assign(bytes, bytes + byteSize);
  }
  std::string out = serialize(array);
  std::ofstream file(path, std::ios::binary);
  if (!file) {
    return absl::UnavailableError("cannot write '" + path +
                                  "': " + std::strerror(errno));
  }
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  file.close();
  if (!file) {
    return absl::UnavailableError("error writing '" + path + "'");
  }
  return absl::OkStatus();
}

} // namespace sinter::npy
