//===- TypeInferenceTest.cpp - Shape functions from C++ ---------*- C++ -*-===//
//
// The shape functions are called from C++ (the graph builder, later the
// importers) as well as by the verifier. From C++ they must fail cleanly
// without a location, report through the diagnostic engine with one, and
// never hand back a type for invalid input. Also: DType conversions.
//
//===----------------------------------------------------------------------===//

#include "dialects/sinter/IR/TypeInference.h"
#include "dialects/sinter/IR/ElementTypes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <string>

using namespace mlir;
using namespace sinter;

namespace {

class TypeInferenceTest : public ::testing::Test {
protected:
  TypeInferenceTest() : builder(&context) {
    context.loadDialect<SinterDialect>();
  }
  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elem = {}) {
    return RankedTensorType::get(shape, elem ? elem : builder.getF32Type());
  }
  /// Runs `infer` with a location and returns the single error message.
  template <typename Fn> std::string diagnosticOf(Fn infer) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    EXPECT_TRUE(failed(infer(OptLoc(builder.getUnknownLoc()))));
    return message;
  }

  MLIRContext context;
  Builder builder;
};

TEST_F(TypeInferenceTest, DTypeRoundTrips) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I1, DType::I32,
                  DType::I64}) {
    EXPECT_EQ(parseDType(dtypeName(d)), d);
    EXPECT_EQ(dtypeOf(getMlirType(&context, d)), d);
    EXPECT_GT(dtypeByteSize(d), 0);
  }
  EXPECT_FALSE(parseDType("f64").has_value());
  EXPECT_FALSE(dtypeOf(builder.getF64Type()).has_value());
  EXPECT_FALSE(dtypeOf(builder.getIndexType()).has_value());
  EXPECT_TRUE(isFloat(DType::BF16));
  EXPECT_FALSE(isFloat(DType::I1));
  EXPECT_EQ(dtypeByteSize(DType::I1), 1);
}

TEST_F(TypeInferenceTest, ValidInputsGiveTypes) {
  auto mm = inferMatmul(std::nullopt, tensor({2, 3, 4}), tensor({4, 5}), false,
                        false, Type());
  ASSERT_TRUE(succeeded(mm));
  EXPECT_EQ(*mm, tensor({2, 3, 5}));
  auto red =
      inferReduce(std::nullopt, tensor({2, 3, 4}), ReduceKind::sum, {0, 2});
  ASSERT_TRUE(succeeded(red));
  EXPECT_EQ(*red, tensor({3}));
  auto att =
      inferAttention(std::nullopt, tensor({1, 2, 5, 8}), tensor({1, 2, 7, 8}),
                     tensor({1, 2, 7, 4}), tensor({1, 1, 5, 7}));
  ASSERT_TRUE(succeeded(att));
  EXPECT_EQ(*att, tensor({1, 2, 5, 4}));
}

TEST_F(TypeInferenceTest, InvalidInputsFailWithoutLocation) {
  // No location: no diagnostic, just failure (and no crash).
  EXPECT_TRUE(failed(inferMatmul(std::nullopt, tensor({2, 3}), tensor({4, 5}),
                                 false, false, Type())));
  EXPECT_TRUE(failed(inferTranspose(std::nullopt, tensor({2, 3}), {0, 0})));
  EXPECT_TRUE(failed(inferElementwise(std::nullopt, "sinter.add",
                                      TypeRange{tensor({2}), tensor({3})})));
  EXPECT_TRUE(failed(inferElementwise(std::nullopt, "sinter.add", {})));
  EXPECT_TRUE(failed(inferSlice(std::nullopt, tensor({4}), {0}, {5}, {1})));
  EXPECT_TRUE(failed(inferConcatenate(std::nullopt, {}, 0)));
  // Not a tensor at all, and a dynamic shape.
  EXPECT_TRUE(failed(inferAxisOp(std::nullopt, "sinter.softmax",
                                 builder.getF32Type(), 0, false)));
  EXPECT_TRUE(failed(inferAxisOp(
      std::nullopt, "sinter.softmax",
      RankedTensorType::get({ShapedType::kDynamic}, builder.getF32Type()), 0,
      false)));
}

TEST_F(TypeInferenceTest, MessagesNameTheShapesAndConstraint) {
  std::string m = diagnosticOf([&](OptLoc loc) {
    return inferMatmul(loc, tensor({2, 3}), tensor({4, 5}), false, true,
                       Type());
  });
  EXPECT_NE(m.find("'sinter.matmul' op (C2)"), std::string::npos) << m;
  EXPECT_NE(m.find("tensor<2x3xf32>"), std::string::npos) << m;
  EXPECT_NE(m.find("tensor<4x5xf32>"), std::string::npos) << m;

  m = diagnosticOf([&](OptLoc loc) {
    return verifyBroadcastInDim(loc, tensor({3}), tensor({2, 4}), {1});
  });
  EXPECT_NE(m.find("(C3)"), std::string::npos) << m;
  EXPECT_NE(m.find("size 3"), std::string::npos) << m;

  m = diagnosticOf([&](OptLoc loc) {
    return inferElementwise(loc, "sinter.add",
                            TypeRange{tensor({2}), tensor({3})});
  });
  EXPECT_NE(m.find("tensor<2xf32>"), std::string::npos) << m;
  EXPECT_NE(m.find("tensor<3xf32>"), std::string::npos) << m;

  m = diagnosticOf([&](OptLoc loc) {
    return inferNorm(loc, "sinter.layer_norm", tensor({4, 8}), {tensor({4})}, 1,
                     1e-5);
  });
  EXPECT_NE(m.find("(C2)"), std::string::npos) << m;
  EXPECT_NE(m.find("[8]"), std::string::npos) << m;
}

} // namespace
