//===- RecognizeSoftmaxTest.cpp - Recognised softmax == primitive graph ---===//
//
// sinter-recognize-softmax must not change what a graph computes: the
// primitive graph and the sinter.softmax it becomes are evaluated in the
// reference interpreter on seeded inputs and compared.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace mlir;
using ::sinter::reference::HostTensor;

namespace {

/// The stable softmax of a `type` tensor along `axis`, written out in
/// primitive ops; `keep` is the broadcast dimensions (all but `axis`) and
/// `reduced` the type of a reduction.
std::string primitiveSoftmax(const std::string &type,
                             const std::string &reduced, int axis,
                             const std::string &keep) {
  std::string a = std::to_string(axis);
  return "func.func @f(%x: " + type + ") -> " + type + " {\n" +
         "  %m = sinter.reduce max %x, dims = [" + a + "] : (" + type +
         ") -> " + reduced + "\n" +
         "  %mb = sinter.broadcast_in_dim %m, dims = [" + keep + "] : (" +
         reduced + ") -> " + type + "\n" +
         "  %d = sinter.sub %x, %mb : " + type + "\n" +
         "  %e = sinter.exp %d : " + type + "\n" +
         "  %s = sinter.reduce sum %e, dims = [" + a + "] : (" + type +
         ") -> " + reduced + "\n" +
         "  %sb = sinter.broadcast_in_dim %s, dims = [" + keep + "] : (" +
         reduced + ") -> " + type + "\n" +
         "  %p = sinter.div %e, %sb : " + type + "\n" +
         "  return %p : " + type + "\n}\n";
}

void expectRecognisedAndEqual(const std::string &ir, double tolerance) {
  MLIRContext context;
  context.loadDialect<sinter::SinterDialect, func::FuncDialect>();
  auto module = parseSourceString<ModuleOp>(ir, &context);
  ASSERT_TRUE(module);
  auto fn = *module->getOps<func::FuncOp>().begin();
  std::vector<HostTensor> inputs = ::sinter::reference::randomArguments(fn, 7);
  auto primitive = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(primitive.ok()) << primitive.status();

  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(sinter::createRecognizeSoftmaxPass());
  ASSERT_TRUE(succeeded(pm.run(*module)));
  fn = *module->getOps<func::FuncOp>().begin();
  int softmaxes = 0, others = 0;
  fn.walk([&](Operation *op) {
    if (isa<sinter::SoftmaxOp>(op)) {
      ++softmaxes;
    } else if (op->getDialect()->getNamespace() == "sinter") {
      ++others;
    }
  });
  EXPECT_EQ(softmaxes, 1);
  EXPECT_EQ(others, 0) << "primitive ops left behind";

  auto recognised = ::sinter::reference::evaluate(fn, inputs);
  ASSERT_TRUE(recognised.ok()) << recognised.status();
  const HostTensor &a = (*primitive)[0], &b = (*recognised)[0];
  ASSERT_EQ(a.shape, b.shape);
  for (size_t i = 0; i < a.values.size(); ++i) {
    ASSERT_LE(std::abs(a.values[i] - b.values[i]), tolerance)
        << "element " << i << ": primitive " << a.values[i] << " vs recognised "
        << b.values[i];
  }
}

TEST(RecognizeSoftmaxTest, LastAxisF32) {
  expectRecognisedAndEqual(
      primitiveSoftmax("tensor<3x17xf32>", "tensor<3xf32>", 1, "0"), 1e-6);
}

// bf16 rounds each primitive intermediate; the composite rounds once, so the
// two agree to a few bf16 ulps of values in [0, 1].
TEST(RecognizeSoftmaxTest, LeadingAxisBF16) {
  expectRecognisedAndEqual(
      primitiveSoftmax("tensor<5x3x7xbf16>", "tensor<3x7xbf16>", 0, "1, 2"),
      2e-2);
}

} // namespace
