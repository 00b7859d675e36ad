//===- FuzzNpy.cpp - The .npy reader on arbitrary bytes -------------------===//
//
// libFuzzer target: npy::parse must refuse any malformed file with a
// status, never crash, hang or read past the bytes it was given.
//
//===----------------------------------------------------------------------===//

#include "tools/common/Npy.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string bytes(reinterpret_cast<const char *>(data), size);
  absl::StatusOr<sinter::npy::Array> array =
      sinter::npy::parse(bytes, "fuzz.npy");
  if (array.ok()) {
    // What parses serializes again, and that parses to the same array.
    absl::StatusOr<sinter::npy::Array> again =
        sinter::npy::parse(sinter::npy::serialize(*array), "again.npy");
    if (!again.ok() || again->shape != array->shape ||
        again->data != array->data || again->descr != array->descr) {
      __builtin_trap();
    }
  }
  return 0;
}
