//===- LiftParameters.h - Parameters become arguments -----------*- C++ -*-===//
//
// The core of sinter-lift-parameters, for the GraphBuilder's trainable mode
// and the training tools, which need the initial values it takes out of
// the IR.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_LIFTPARAMETERS_H
#define SINTER_COMPILER_TRANSFORMS_LIFTPARAMETERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"

#include <string>
#include <vector>

namespace sinter {

/// The argument attribute that marks a lifted parameter.
inline constexpr llvm::StringLiteral kParameterAttr = "sinter.parameter";

/// One parameter taken out of the IR: its name, its initial value (the
/// constant's elements; a dense_resource blob stays owned by the context)
/// and the argument it became.
struct LiftedParameter {
  std::string name;
  mlir::ElementsAttr initialValue;
  unsigned argNumber;
};

/// Turns each named float `sinter.constant` of `fn` (all of them, or those
/// in `names` when it is not empty) into an argument appended to `fn`, in
/// program order, named after it and marked `sinter.parameter`. Fails with
/// an error on `fn` for a name in `names` that is not a parameter, or a
/// parameter whose name an argument already has; `fn` is unchanged then.
mlir::FailureOr<std::vector<LiftedParameter>>
liftParameters(mlir::func::FuncOp fn, llvm::ArrayRef<std::string> names = {});

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_LIFTPARAMETERS_H
