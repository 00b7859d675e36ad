//===- Status.h - Building sinter_status_t values ---------------*- C++ -*-===//
//
// Internal helpers for the C API's statuses: make one from a code and a
// message, and format shapes and values the way every message does.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_STATUS_H
#define SINTER_RUNTIME_SRC_STATUS_H

#include "sinter/runtime.h"

#include <cstdint>
#include <string>

namespace sinter::runtime {

/// A heap status with `message`. Never returns NULL: if the status itself
/// cannot be allocated, a static RESOURCE_EXHAUSTED status is returned
/// (sinter_status_free ignores it).
sinter_status_t makeStatus(sinter_status_code_t code, std::string message);

/// Prepends `prefix` to the message of `status` (in place) and returns it;
/// NULL stays NULL.
sinter_status_t annotate(sinter_status_t status, const std::string &prefix);

/// "[2, 3]"; "[]" for rank 0.
std::string formatShape(const int64_t *shape, uint32_t rank);

/// "'name'" quoted for messages.
std::string quoted(const char *name);

} // namespace sinter::runtime

#endif // SINTER_RUNTIME_SRC_STATUS_H
