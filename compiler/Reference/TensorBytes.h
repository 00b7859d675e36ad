//===- TensorBytes.h - HostTensor <-> dense row-major bytes -----*- C++ -*-===//
//
// The storage layout of every dtype in compiled code and the runtime ABI
// (f16/bf16 as their 16-bit patterns, i1 as one byte), so host tensors can
// be handed to and read back from compiled artifacts.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_REFERENCE_TENSORBYTES_H
#define SINTER_COMPILER_REFERENCE_TENSORBYTES_H

#include "compiler/Reference/Interpreter.h"

#include <cstdint>
#include <vector>

namespace sinter::reference {

/// The tensor's values in its dtype's storage format.
std::vector<uint8_t> encodeTensor(const HostTensor &tensor);

/// Reads numElements(shape) values of `dtype` from `data`.
HostTensor decodeTensor(DType dtype, std::vector<int64_t> shape,
                        const void *data);

} // namespace sinter::reference

#endif // SINTER_COMPILER_REFERENCE_TENSORBYTES_H
