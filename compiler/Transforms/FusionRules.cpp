//===- FusionRules.cpp - What each target's matmul kernel fuses ----------===//
//
// The CPU's matmul kernel (LinalgToCPU/MatmulToVector.cpp) packs its operands
// into panels and applies an elementwise epilogue to each finished tile of C;
// the GPU's (LinalgToGPU/MatmulKernel.cpp) stages operand tiles through
// shared memory and applies the epilogue generic that reads C element by
// element in C's order. Both take an epilogue only for a matmul whose
// right-hand side is one untransposed matrix, and neither can hold a
// transpose in it (its reads would not follow C's order).
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FusionPlanner.h"

#define DEBUG_TYPE "sinter-form-fusions"

using namespace mlir;

namespace sinter {
namespace {

/// Both matmul kernels take an elementwise epilogue on a matmul whose
/// right-hand side is one untransposed matrix, and no transpose in it (its
/// reads would not follow C's order); they differ in how they read the
/// operands, which keeps the operands' producers out.
class MatmulKernelRules : public FusionRules {
public:
  explicit MatmulKernelRules(llvm::StringLiteral operandReads)
      : operandReads(operandReads) {}

  std::string operandProducerRefusal(MatmulOp) const override {
    return ("a matmul's operands are not fused (the kernel " + operandReads +
            ")")
        .str();
  }
  std::string epilogueRefusal(MatmulOp matmul) const override {
    bool shared =
        !matmul.getTransposeLhs() && !matmul.getTransposeRhs() &&
        cast<RankedTensorType>(matmul.getRhs().getType()).getRank() == 2;
    return shared ? ""
                  : "the matmul kernel takes epilogues only for a shared, "
                    "untransposed right-hand side";
  }
  std::string epilogueOpRefusal(Operation *op) const override {
    return isa<TransposeOp>(op) ? "a matmul epilogue does not fuse a transpose"
                                : "";
  }

private:
  llvm::StringLiteral operandReads;
};

} // namespace

const FusionRules *fusionRulesFor(llvm::StringRef target) {
  static const MatmulKernelRules cpu("reads them in packed panels");
  static const MatmulKernelRules gpu("stages them through shared memory");
  if (target == "cpu") {
    return &cpu;
  }
  if (target == "nvptx") {
    return &gpu;
  }
  return nullptr;
}

} // namespace sinter
