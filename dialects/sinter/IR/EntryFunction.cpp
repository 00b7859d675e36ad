//===- EntryFunction.cpp - How a model's entry function names its buffers -===//

#include "dialects/sinter/IR/EntryFunction.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace sinter {

std::string entryInputName(FunctionOpInterface fn, unsigned i) {
  if (auto name = fn.getArgAttrOfType<StringAttr>(i, kEntryNameAttr)) {
    return name.str();
  }
  return "input" + std::to_string(i);
}

std::string entryOutputName(FunctionOpInterface fn, unsigned i) {
  if (auto name = fn.getResultAttrOfType<StringAttr>(i, kEntryNameAttr)) {
    return name.str();
  }
  return "output" + std::to_string(i);
}

/// The arguments named `name`.
static SmallVector<unsigned> inputsNamed(FunctionOpInterface fn,
                                         StringRef name) {
  SmallVector<unsigned> found;
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
    if (entryInputName(fn, i) == name) {
      found.push_back(i);
    }
  }
  return found;
}

std::optional<unsigned> aliasedInput(FunctionOpInterface fn, unsigned result) {
  auto name = fn.getResultAttrOfType<StringAttr>(result, kAliasesInputAttr);
  if (!name) {
    return std::nullopt;
  }
  SmallVector<unsigned> found = inputsNamed(fn, name.getValue());
  if (found.size() != 1) {
    return std::nullopt;
  }
  return found.front();
}

LogicalResult verifyAliasesInput(FunctionOpInterface fn, unsigned result,
                                 Attribute value) {
  auto error = [&]() {
    return fn.emitOpError()
           << "result " << result << " ('" << entryOutputName(fn, result)
           << "'): " << kAliasesInputAttr << " ";
  };
  auto name = dyn_cast<StringAttr>(value);
  if (!name) {
    return error() << "must name an input with a string, not " << value;
  }
  SmallVector<unsigned> found = inputsNamed(fn, name.getValue());
  if (found.empty()) {
    return error() << "names '" << name.getValue()
                   << "', which is not an input of the function";
  }
  if (found.size() > 1) {
    return error() << "names '" << name.getValue() << "', which "
                   << found.size() << " inputs are called";
  }
  // Shapes and element types: bufferization makes either side a memref.
  Type argType = fn.getArgumentTypes()[found.front()];
  Type resultType = fn.getResultTypes()[result];
  auto arg = dyn_cast<ShapedType>(argType);
  auto res = dyn_cast<ShapedType>(resultType);
  if (!arg || !res || !arg.hasRank() || !res.hasRank() ||
      arg.getShape() != res.getShape() ||
      arg.getElementType() != res.getElementType()) {
    return error() << "names input " << found.front() << " ('"
                   << name.getValue() << "') of type " << argType
                   << ", but the result has type " << resultType
                   << "; an output overwrites an input of its own type";
  }
  // The later of two results naming one input reports it.
  for (unsigned r = 0; r < result; ++r) {
    auto other = fn.getResultAttrOfType<StringAttr>(r, kAliasesInputAttr);
    if (other == name) {
      return error() << "names input '" << name.getValue() << "', which result "
                     << r << " ('" << entryOutputName(fn, r)
                     << "') aliases too; an input is overwritten by one "
                        "output at most";
    }
  }
  return success();
}

} // namespace sinter
