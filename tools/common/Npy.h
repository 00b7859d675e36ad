//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The subset of the .npy format (version 1.0 to 3.0) the tools need:
// little-endian '<f4' '<f2' '<i4' '<i8' '|b1' and '<u2' (raw bf16 bits), C
// order only. Tensors are the runtime's dense row-major buffers, typed by
// the ABI's dtype values. bf16 travels as f32 ('<f4'), since NumPy has no
// bf16: reading rounds to nearest even, writing widens exactly.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TOOLS_COMMON_NPY_H
#define SINTER_TOOLS_COMMON_NPY_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinter::npy {

/// A parsed .npy file: its dtype descriptor, shape and raw data.
struct Array {
  std::string descr; // e.g. "<f4"
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

/// Parses the bytes of a .npy file. `what` names it in messages. Refuses
/// Fortran order, a malformed header, an unsupported descr and data that is
/// shorter or longer than the shape says.
absl::StatusOr<Array> parse(const std::string &bytes, const std::string &what);

/// The bytes of a version 1.0 .npy file (header padded to 64 bytes).
std::string serialize(const Array &array);

/// Reads `path` as a tensor of ABI dtype `dtype` and shape `shape`,
/// converting f32 to bf16 when `dtype` is bf16. Messages name the file and
/// the expected and found dtype or shape.
absl::StatusOr<std::vector<uint8_t>>
readTensor(const std::string &path, uint32_t dtype,
           const std::vector<int64_t> &shape);

/// Writes a tensor of ABI dtype `dtype` (bf16 widened to '<f4').
absl::Status writeTensor(const std::string &path, uint32_t dtype,
                         const std::vector<int64_t> &shape, const void *data,
                         uint64_t byteSize);

/// bf16 <-> f32 bit conversions (round to nearest even; NaN stays NaN).
uint16_t floatToBF16(float value);
float bf16ToFloat(uint16_t bits);

} // namespace sinter::npy

#endif // SINTER_TOOLS_COMMON_NPY_H
