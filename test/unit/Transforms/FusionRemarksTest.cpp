//===- FusionRemarksTest.cpp - The fusion remarks read back as written ----===//
//
// sinter-compile --report=fusion is built from the remarks sinter-form-fusions
// emits: what the collector reads back must be what was written, for every
// kind of remark, and nothing else may be taken.

#include "compiler/Transforms/FusionLog.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "gtest/gtest.h"

namespace sinter {
namespace {

using namespace mlir;

class FusionRemarksTest : public testing::Test {
protected:
  FusionRemarksTest() {
    context.loadDialect<func::FuncDialect, SinterDialect>();
    OpBuilder b(&context);
    module = ModuleOp::create(b.getUnknownLoc());
    b.setInsertionPointToEnd(module->getBody());
    fn = b.create<func::FuncOp>(b.getUnknownLoc(), "block: one",
                                b.getFunctionType({}, {}));
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp fn;
};

TEST_F(FusionRemarksTest, EveryRemarkReadsBackAsWritten) {
  FusionRecord fusion;
  fusion.kind = "reduction";
  fusion.multiOutput = true;
  fusion.ops = {"add#0", "layer_norm#1", "mul#2"};
  fusion.bytesRead = 16896;
  fusion.bytesWritten = 8192;
  fusion.unfusedBytes = 66048;
  // A reason may hold ": " itself; the function name spaces and a colon.
  RefusedEdge edge{"", "mul#2", "matmul#3",
                   "a reason: with a colon (and parentheses)"};
  FusionSummary summary{8, 3, 1000, 400};

  FusionRemarkCollector collector(&context);
  remarkFusion(fn, fusion);
  remarkRefusedEdge(fn, edge);
  remarkFusionSummary(fn, summary);

  const FusionLog &log = collector.log();
  EXPECT_TRUE(log.ran);
  ASSERT_EQ(log.fusions.size(), 1u);
  const FusionRecord &got = log.fusions[0];
  EXPECT_EQ(got.function, "block: one");
  EXPECT_EQ(got.kind, fusion.kind);
  EXPECT_TRUE(got.multiOutput);
  EXPECT_EQ(got.ops, fusion.ops);
  EXPECT_EQ(got.bytesRead, fusion.bytesRead);
  EXPECT_EQ(got.bytesWritten, fusion.bytesWritten);
  EXPECT_EQ(got.unfusedBytes, fusion.unfusedBytes);
  ASSERT_EQ(log.refused.size(), 1u);
  EXPECT_EQ(log.refused[0].function, "block: one");
  EXPECT_EQ(log.refused[0].producer, "mul#2");
  EXPECT_EQ(log.refused[0].consumer, "matmul#3");
  EXPECT_EQ(log.refused[0].reason, edge.reason);
  EXPECT_EQ(log.kernelsBefore, 8);
  EXPECT_EQ(log.kernelsAfter, 3);
  EXPECT_EQ(log.bytesBefore, 1000);
  EXPECT_EQ(log.bytesAfter, 400);
}

TEST_F(FusionRemarksTest, TotalsAddUpOverFunctions) {
  FusionRemarkCollector collector(&context);
  remarkFusionSummary(fn, {4, 2, 100, 60});
  remarkFusionSummary(fn, {3, 1, 50, 20});
  EXPECT_EQ(collector.log().kernelsBefore, 7);
  EXPECT_EQ(collector.log().kernelsAfter, 3);
  EXPECT_EQ(collector.log().bytesBefore, 150);
  EXPECT_EQ(collector.log().bytesAfter, 80);
}

TEST_F(FusionRemarksTest, OtherDiagnosticsGoOnToTheHandlersBefore) {
  std::vector<std::string> passedOn;
  ScopedDiagnosticHandler outer(&context, [&](Diagnostic &d) {
    passedOn.push_back(d.str());
    return success();
  });
  {
    FusionRemarkCollector collector(&context);
    fn.emitRemark() << "loop fusion of two ops"; // not the fusion form
    fn.emitRemark() << "something else entirely";
    fn.emitWarning()
        << "fusion in @f: 1 kernels unfused -> 1 fused, 0 B -> 0 B";
    fn.emitError() << "an error";
    EXPECT_FALSE(collector.log().ran);
    EXPECT_TRUE(collector.log().fusions.empty());
  }
  ASSERT_EQ(passedOn.size(), 4u);
  EXPECT_EQ(passedOn[0], "loop fusion of two ops");
  // Once the collector is gone, fusion remarks are not taken any more.
  remarkFusionSummary(fn, {1, 1, 0, 0});
  EXPECT_EQ(passedOn.size(), 5u);
}

TEST_F(FusionRemarksTest, NoSummaryMeansFusionDidNotRun) {
  FusionRemarkCollector collector(&context);
  EXPECT_FALSE(collector.log().ran);
}

} // namespace
} // namespace sinter
