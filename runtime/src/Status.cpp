//===- Status.cpp - The C API's status objects ------------------*- C++ -*-===//
//
// A status is a heap object holding a code and a message; NULL is OK. The
// one allocation that cannot fail is the out-of-memory status, which is
// static.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Status.h"

#include <new>

struct sinter_status_s {
  sinter_status_code_t code;
  bool isStatic;
  std::string message;
};

namespace {
sinter_status_s outOfMemoryStatus{SINTER_STATUS_RESOURCE_EXHAUSTED, true,
                                  "out of memory allocating a status"};
} // namespace

namespace sinter::runtime {

sinter_status_t makeStatus(sinter_status_code_t code, std::string message) {
  auto *status = new (std::nothrow) sinter_status_s{code, false, {}};
  if (!status) {
    return &outOfMemoryStatus;
  }
  status->message = std::move(message);
  return status;
}

sinter_status_t annotate(sinter_status_t status, const std::string &prefix) {
  if (status && !status->isStatic) {
    status->message.insert(0, prefix);
  }
  return status;
}

std::string formatShape(const int64_t *shape, uint32_t rank) {
  std::string s = "[";
  for (uint32_t i = 0; i < rank; ++i) {
    if (i) {
      s += ", ";
    }
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string quoted(const char *name) {
  return std::string("'") + (name ? name : "(null)") + "'";
}

} // namespace sinter::runtime

extern "C" {

sinter_status_code_t sinter_status_code(sinter_status_t status) {
  return status ? status->code : SINTER_STATUS_OK;
}

const char *sinter_status_message(sinter_status_t status) {
  return status ? status->message.c_str() : "OK";
}

const char *sinter_status_code_name(sinter_status_code_t code) {
  switch (code) {
  case SINTER_STATUS_OK:
    return "OK";
  case SINTER_STATUS_INVALID_ARGUMENT:
    return "INVALID_ARGUMENT";
  case SINTER_STATUS_NOT_FOUND:
    return "NOT_FOUND";
  case SINTER_STATUS_FAILED_PRECONDITION:
    return "FAILED_PRECONDITION";
  case SINTER_STATUS_OUT_OF_RANGE:
    return "OUT_OF_RANGE";
  case SINTER_STATUS_RESOURCE_EXHAUSTED:
    return "RESOURCE_EXHAUSTED";
  case SINTER_STATUS_UNIMPLEMENTED:
    return "UNIMPLEMENTED";
  case SINTER_STATUS_UNAVAILABLE:
    return "UNAVAILABLE";
  case SINTER_STATUS_INTERNAL:
    return "INTERNAL";
  }
  return "UNKNOWN";
}

void sinter_status_free(sinter_status_t status) {
  if (status && !status->isStatic) {
    delete status;
  }
}

} // extern "C"
