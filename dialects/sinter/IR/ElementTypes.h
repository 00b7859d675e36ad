//===- ElementTypes.h - The element types sinter tensors hold ---*- C++ -*-===//
//
// A plain enum for the six element types, shared by the graph builder, the
// reference interpreter and (later) the artifact ABI, with conversions to
// and from MLIR types.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_DIALECTS_SINTER_IR_ELEMENTTYPES_H
#define SINTER_DIALECTS_SINTER_IR_ELEMENTTYPES_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace sinter {

enum class DType : uint8_t { F32, F16, BF16, I1, I32, I64 };

/// "f32", "f16", "bf16", "i1", "i32", "i64".
llvm::StringRef dtypeName(DType dtype);
/// Inverse of dtypeName; nullopt for anything else.
std::optional<DType> parseDType(llvm::StringRef name);
/// Bytes per element in memory (i1 is stored as one byte).
int64_t dtypeByteSize(DType dtype);
bool isFloat(DType dtype);
/// APFloat semantics of a float dtype (f32 for anything that is not a float).
const llvm::fltSemantics &floatSemantics(DType dtype);

Type getMlirType(MLIRContext *ctx, DType dtype);
/// nullopt if `type` is not one of the six element types.
std::optional<DType> dtypeOf(Type type);

} // namespace sinter

#endif // SINTER_DIALECTS_SINTER_IR_ELEMENTTYPES_H
