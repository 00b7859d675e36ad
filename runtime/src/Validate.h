//===- Validate.h - Checking a descriptor before trusting it ----*- C++ -*-===//
//
// A descriptor comes from a file the runtime did not write; everything in it
// is checked before the runtime follows a pointer or calls the entry point.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_VALIDATE_H
#define SINTER_RUNTIME_SRC_VALIDATE_H

#include "sinter/runtime.h"

#include "runtime/src/ThreadPool.h"

#include <cstdint>
#include <string>

namespace sinter::runtime {

/// NULL if `descriptor` is well formed, matches this runtime's ABI and can
/// run on this CPU; otherwise a status whose message starts with `origin`
/// (e.g. "'model.so'").
sinter_status_t validateDescriptor(const sinter_abi_model_t *descriptor,
                                   const std::string &origin);

/// NULL if the constants of a validated descriptor hash to its
/// constants_hash; the chunks are hashed on `pool`'s threads.
sinter_status_t verifyConstants(const sinter_abi_model_t &descriptor,
                                const std::string &origin, ThreadPool &pool);

/// Checks the ELF headers of the file at `path` before dlopen maps it:
/// glibc maps segments without checking them against the file size, so a
/// truncated shared object would load and then die with SIGBUS on first
/// touch. Returns "" if the file is a plausible shared object for this host
/// (or is no ELF file at all: dlopen then refuses it safely with its own
/// message), and otherwise why not.
std::string checkElfFile(const char *path);

/// The SINTER_ABI_CPU_* bits of `required` this CPU lacks; bits the runtime
/// does not know count as lacking.
uint64_t missingCpuFeatures(uint64_t required);

/// "avx512f, avx512bw, unknown bit 20" for a bit set.
std::string cpuFeatureNames(uint64_t features);

/// Splits a CUDA architecture name, "sm_90" -> 9.0, "sm_86" -> 8.6, "sm_100"
/// -> 10.0 ("sm_90a" -> 9.0); false if `arch` is not of that form.
bool parseCudaArch(const char *arch, int *outMajor, int *outMinor);

} // namespace sinter::runtime

#endif // SINTER_RUNTIME_SRC_VALIDATE_H
