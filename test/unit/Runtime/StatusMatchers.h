//===- StatusMatchers.h - gtest helpers for runtime statuses ----*- C++ -*-===//
//
// expectError checks a failed call's code and the words its message must
// hold; EXPECT_OK / ASSERT_OK print the message of an unexpected failure.
// Each frees the status.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TEST_UNIT_RUNTIME_STATUSMATCHERS_H
#define SINTER_TEST_UNIT_RUNTIME_STATUSMATCHERS_H

#include "sinter/runtime.h"

#include "gtest/gtest.h"

#include <initializer_list>
#include <string>

namespace sinter::test {

/// Expects `status` to fail with `code` and a message containing each of
/// `words`; frees it.
inline void expectError(sinter_status_t status, sinter_status_code_t code,
                        std::initializer_list<std::string> words) {
  ASSERT_NE(status, nullptr) << "expected an error, got OK";
  std::string message = sinter_status_message(status);
  EXPECT_EQ(sinter_status_code(status), code)
      << sinter_status_code_name(sinter_status_code(status)) << ": " << message;
  for (const std::string &word : words) {
    EXPECT_NE(message.find(word), std::string::npos)
        << "message '" << message << "' lacks '" << word << "'";
  }
  sinter_status_free(status);
}

} // namespace sinter::test

#define EXPECT_OK(expr)                                                        \
  do {                                                                         \
    sinter_status_t status_ = (expr);                                          \
    EXPECT_EQ(status_, nullptr) << sinter_status_message(status_);             \
    sinter_status_free(status_);                                               \
  } while (0)

#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    sinter_status_t status_ = (expr);                                          \
    std::string message_ = sinter_status_message(status_);                     \
    sinter_status_free(status_);                                               \
    ASSERT_EQ(status_, nullptr) << message_;                                   \
  } while (0)

#endif // SINTER_TEST_UNIT_RUNTIME_STATUSMATCHERS_H
