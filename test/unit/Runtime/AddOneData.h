//===- AddOneData.h - Host data for one run of add_one ----------*- C++ -*-===//
//
// The hand-written add_one artifacts (fake_add_one.c, fake_cuda_add_one.c)
// take x f32[2,3] and n i32[4] and give y = x + 1 and m = n + n. The host
// and CUDA runtime tests run them on this data.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_TEST_UNIT_RUNTIME_ADDONEDATA_H
#define SINTER_TEST_UNIT_RUNTIME_ADDONEDATA_H

#include "sinter/runtime.h"

#include "gtest/gtest.h"

#include <vector>

namespace sinter::test {

struct AddOneData {
  int64_t xShape[2] = {2, 3};
  int64_t nShape[1] = {4};
  float x[6];
  int32_t n[4];
  float y[6];
  int32_t m[4];

  /// Inputs that differ with `base`; outputs poisoned with -1.
  explicit AddOneData(float base = 0.5f) {
    for (int i = 0; i < 6; ++i) {
      x[i] = base + 0.25f * i;
      y[i] = -1;
    }
    for (int i = 0; i < 4; ++i) {
      n[i] = 3 * i - 2 + static_cast<int>(base);
      m[i] = -1;
    }
  }
  /// Views of the host arrays, for a run on the CPU.
  std::vector<sinter_tensor_view_t> inputs() {
    return {{x, sizeof(x), SINTER_ABI_DTYPE_F32, 2, xShape},
            {n, sizeof(n), SINTER_ABI_DTYPE_I32, 1, nShape}};
  }
  std::vector<sinter_tensor_view_t> outputs() {
    return {{y, sizeof(y), SINTER_ABI_DTYPE_F32, 2, xShape},
            {m, sizeof(m), SINTER_ABI_DTYPE_I32, 1, nShape}};
  }
  void expectCorrect() const {
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(y[i], x[i] + 1.0f) << "y[" << i << "]";
    }
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(m[i], 2 * n[i]) << "m[" << i << "]";
    }
  }
};

} // namespace sinter::test

#endif // SINTER_TEST_UNIT_RUNTIME_ADDONEDATA_H
