//===- ModelStats.cpp - Size summary of a built sinter module ---*- C++ -*-===//

#include "frontend/ModelStats.h"

#include "compiler/Transforms/LiftParameters.h"

#include "dialects/sinter/IR/ElementTypes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "frontend/GraphBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "absl/strings/str_format.h"

using namespace mlir;

namespace sinter {

ModelStats computeModelStats(ModuleOp module) {
  ModelStats stats;
  module.walk([&](Operation *op) {
    if (auto fn = dyn_cast<func::FuncOp>(op)) {
      if (fn.isPublic()) {
        stats.numInputs += fn.getNumArguments();
        stats.numOutputs += fn.getNumResults();
      }
      // Parameters lifted into arguments (trainable state) count as
      // parameters too.
      for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
        auto type = dyn_cast<RankedTensorType>(fn.getArgument(i).getType());
        if (!type || !fn.getArgAttr(i, kParameterAttr)) {
          continue;
        }
        std::optional<DType> dtype = sinter::dtypeOf(type.getElementType());
        ++stats.numParameterTensors;
        stats.numParameters += type.getNumElements();
        stats.parameterBytes +=
            type.getNumElements() * (dtype ? sinter::dtypeByteSize(*dtype) : 0);
      }
      return;
    }
    if (!isa_and_nonnull<sinter::SinterDialect>(op->getDialect())) {
      return;
    }
    ++stats.numOps;
    ++stats.opCounts[op->getName().getStringRef().str()];
    auto constant = dyn_cast<sinter::ConstantOp>(op);
    if (!constant || !constant->hasAttr(kNameAttr)) {
      return;
    }
    auto type = cast<RankedTensorType>(constant.getType());
    std::optional<DType> dtype = sinter::dtypeOf(type.getElementType());
    ++stats.numParameterTensors;
    stats.numParameters += type.getNumElements();
    stats.parameterBytes +=
        type.getNumElements() * (dtype ? sinter::dtypeByteSize(*dtype) : 0);
  });
  return stats;
}

std::string ModelStats::toString() const {
  return absl::StrFormat(
      "ops=%d params=%d in %d tensors (%.2f MiB) inputs=%d outputs=%d", numOps,
      numParameters, numParameterTensors,
      static_cast<double>(parameterBytes) / (1024.0 * 1024.0), numInputs,
      numOutputs);
}

} // namespace sinter
