//===- FuzzElfCheck.cpp - The artifact's ELF check on arbitrary bytes -----===//
//
// libFuzzer target: the runtime's check of an artifact file before dlopen
// (runtime/src/Validate.h) on arbitrary bytes. It must give a reason or ""
// and never crash or read out of bounds. (dlopen itself is not fuzzed: an
// artifact is code, and loading one runs its initialisers.)
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Validate.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // An in-memory file, reached by path as the runtime reaches an artifact.
  static int fd = memfd_create("sinter-fuzz-elf", 0);
  static std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ftruncate(fd, 0) != 0 ||
      pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
    return 0;
  }
  (void)sinter::runtime::checkElfFile(path.c_str());
  return 0;
}
