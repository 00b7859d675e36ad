//===- ElementTypes.cpp - The element types sinter tensors hold -*- C++ -*-===//

#include "dialects/sinter/IR/ElementTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace sinter;

StringRef sinter::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I1:
    return "i1";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "unknown";
}

std::optional<DType> sinter::parseDType(StringRef name) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I1, DType::I32,
                  DType::I64}) {
    if (name == dtypeName(d)) {
      return d;
    }
  }
  return std::nullopt;
}

int64_t sinter::dtypeByteSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I1:
    return 1;
  case DType::I64:
    return 8;
  }
  return 0;
}

bool sinter::isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

const llvm::fltSemantics &sinter::floatSemantics(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return llvm::APFloat::IEEEhalf();
  case DType::BF16:
    return llvm::APFloat::BFloat();
  default:
    return llvm::APFloat::IEEEsingle();
  }
}

Type sinter::getMlirType(MLIRContext *ctx, DType dtype) {
  Builder b(ctx);
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::I1:
    return b.getI1Type();
  case DType::I32:
    return b.getI32Type();
  case DType::I64:
    return b.getI64Type();
  }
  return {};
}

std::optional<DType> sinter::dtypeOf(Type type) {
  if (type.isF32()) {
    return DType::F32;
  }
  if (type.isF16()) {
    return DType::F16;
  }
  if (type.isBF16()) {
    return DType::BF16;
  }
  if (type.isSignlessInteger(1)) {
    return DType::I1;
  }
  if (type.isSignlessInteger(32)) {
    return DType::I32;
  }
  if (type.isSignlessInteger(64)) {
    return DType::I64;
  }
  return std::nullopt;
}
