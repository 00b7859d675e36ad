//===- TensorBytes.cpp - HostTensor <-> dense row-major bytes ------------===//

#include "compiler/Reference/TensorBytes.h"

#include "llvm/ADT/APFloat.h"

#include <cstring>

namespace sinter::reference {

namespace {

uint16_t halfBits(DType dtype, double value) {
  llvm::APFloat f(value);
  bool lost = false;
  f.convert(floatSemantics(dtype), llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

double fromHalfBits(DType dtype, uint16_t bits) {
  llvm::APFloat f(floatSemantics(dtype), llvm::APInt(16, bits));
  bool lost = false;
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}

} // namespace

std::vector<uint8_t> encodeTensor(const HostTensor &t) {
  int64_t n = t.numElements();
  std::vector<uint8_t> bytes(n * dtypeByteSize(t.dtype));
  uint8_t *p = bytes.data();
  for (int64_t i = 0; i < n; ++i) {
    double v = t.values[i];
    switch (t.dtype) {
    case DType::F32: {
      float f = static_cast<float>(v);
      std::memcpy(p + 4 * i, &f, 4);
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t h = halfBits(t.dtype, v);
      std::memcpy(p + 2 * i, &h, 2);
      break;
    }
    case DType::I1:
      p[i] = v != 0 ? 1 : 0;
      break;
    case DType::I32: {
      int32_t x = static_cast<int32_t>(static_cast<int64_t>(v));
      std::memcpy(p + 4 * i, &x, 4);
      break;
    }
    case DType::I64: {
      int64_t x = static_cast<int64_t>(v);
      std::memcpy(p + 8 * i, &x, 8);
      break;
    }
    }
  }
  return bytes;
}

HostTensor decodeTensor(DType dtype, std::vector<int64_t> shape,
                        const void *data) {
  HostTensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  int64_t n = t.numElements();
  t.values.resize(n);
  const uint8_t *p = static_cast<const uint8_t *>(data);
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p + 4 * i, 4);
      t.values[i] = f;
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      t.values[i] = fromHalfBits(dtype, h);
      break;
    }
    case DType::I1:
      t.values[i] = p[i] != 0 ? 1.0 : 0.0;
      break;
    case DType::I32: {
      int32_t x;
      std::memcpy(&x, p + 4 * i, 4);
      t.values[i] = x;
      break;
    }
    case DType::I64: {
      int64_t x;
      std::memcpy(&x, p + 8 * i, 8);
      t.values[i] = static_cast<double>(x);
      break;
    }
    }
  }
  return t;
}

} // namespace sinter::reference
