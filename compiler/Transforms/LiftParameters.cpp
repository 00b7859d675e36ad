//===- LiftParameters.cpp - Parameters become function arguments ----------===//
//
// Training updates a model's weights, so they must be inputs of the step,
// not constants compiled into it. The GraphBuilder writes every parameter
// as a named sinter.constant (one path for inference and training); this
// pass, or its C++ entry point in the builder's trainable mode, turns them
// into arguments.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/LiftParameters.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"

#include "llvm/ADT/StringSet.h"

#define DEBUG_TYPE "sinter-lift-parameters"

namespace sinter {
#define GEN_PASS_DEF_LIFTPARAMETERSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

constexpr llvm::StringLiteral kName = "sinter.name";

/// The parameter's name, if `op` is a named float constant.
std::optional<StringRef> parameterName(ConstantOp op) {
  auto name = op->getAttrOfType<StringAttr>(kName);
  auto type = dyn_cast<RankedTensorType>(op.getType());
  if (!name || !type || !isa<FloatType>(type.getElementType())) {
    return std::nullopt;
  }
  return name.getValue();
}

} // namespace

FailureOr<std::vector<LiftedParameter>>
sinter::liftParameters(func::FuncOp fn, ArrayRef<std::string> names) {
  if (fn.isExternal() || !fn.getBody().hasOneBlock()) {
    return fn.emitError() << "sinter-lift-parameters: @" << fn.getSymName()
                          << " has no single-block body";
  }
  Block &body = fn.getBody().front();
  llvm::StringSet<> wanted;
  for (const std::string &n : names) {
    wanted.insert(n);
  }
  llvm::StringSet<> argNames;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
    if (auto n = fn.getArgAttrOfType<StringAttr>(i, kName)) {
      argNames.insert(n.getValue());
    }
  }

  // Check everything before changing anything.
  SmallVector<ConstantOp> lifted;
  llvm::StringSet<> found;
  for (auto op : body.getOps<ConstantOp>()) {
    std::optional<StringRef> name = parameterName(op);
    if (!name || (!wanted.empty() && !wanted.contains(*name))) {
      continue;
    }
    if (argNames.contains(*name)) {
      return fn.emitError()
             << "sinter-lift-parameters: parameter '" << *name << "' of @"
             << fn.getSymName() << " has the name of an argument";
    }
    found.insert(*name);
    lifted.push_back(op);
  }
  for (const std::string &n : names) {
    if (!found.contains(n)) {
      return fn.emitError() << "sinter-lift-parameters: @" << fn.getSymName()
                            << " has no float parameter named '" << n << "'";
    }
  }

  std::vector<LiftedParameter> result;
  MLIRContext *ctx = fn.getContext();
  for (ConstantOp op : lifted) {
    StringRef name = *parameterName(op);
    unsigned argNumber = fn.getNumArguments();
    NamedAttribute attrs[] = {
        NamedAttribute(StringAttr::get(ctx, kName), StringAttr::get(ctx, name)),
        NamedAttribute(StringAttr::get(ctx, kParameterAttr),
                       UnitAttr::get(ctx))};
    fn.insertArgument(argNumber, op.getType(), DictionaryAttr::get(ctx, attrs),
                      op.getLoc());
    result.push_back({name.str(), op.getValue(), argNumber});
    op.getResult().replaceAllUsesWith(fn.getArgument(argNumber));
    op.erase();
  }
  return result;
}

namespace {

struct LiftParametersPass
    : sinter::impl::LiftParametersPassBase<LiftParametersPass> {
  using LiftParametersPassBase::LiftParametersPassBase;

  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isPublic() && !fn.isExternal() &&
          failed(liftParameters(fn, names))) {
        return signalPassFailure();
      }
    }
  }
};

} // namespace
