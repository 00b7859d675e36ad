//===- AutodiffTest.cpp - sinter-autodiff against finite differences ------===//
//
// Each case is a loss sum(op(x...) * w) over random inputs; the gradients
// @f_grad computes are checked against central differences of @f, both
// evaluated by the reference interpreter in exact f64 (no f32 rounding to
// drown the steps): step h = 1e-5, so the truncation error is about
// h^2 |f'''| / 6 < 1e-9 here, and the tolerance is 1e-6 + 1e-5 |fd|.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <cmath>

namespace sinter {
namespace {

using namespace mlir;
using reference::HostTensor;

struct Case {
  std::string name;
  std::vector<std::string> args; // types, e.g. "tensor<3x5xf32>"
  std::string body;              // defines %y from %a0, %a1, ...
  std::string yType;             // the type of %y
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::string lossFunction(const Case &c) {
  std::string text = "func.func @f(";
  for (size_t i = 0; i < c.args.size(); ++i) {
    text += (i ? ", " : "") + std::string("%a") + std::to_string(i) + ": " +
            c.args[i];
  }
  text += ", %w: " + c.yType + ") -> tensor<f32> {\n" + c.body + "\n";
  std::string dims;
  auto type = c.yType.substr(7); // after "tensor<"
  int rank = static_cast<int>(std::count(type.begin(), type.end(), 'x'));
  for (int d = 0; d < rank; ++d) {
    dims += (d ? ", " : "") + std::to_string(d);
  }
  text += "  %m = sinter.mul %y, %w : " + c.yType + "\n";
  text += "  %l = sinter.reduce sum %m, dims = [" + dims + "] : (" + c.yType +
          ") -> tensor<f32>\n";
  text += "  return %l : tensor<f32>\n}\n";
  return text;
}

class AutodiffTest : public testing::TestWithParam<Case> {
protected:
  AutodiffTest() { context.loadDialect<func::FuncDialect, SinterDialect>(); }

  /// Parses `text` and runs sinter-autodiff with `options`; the diagnostics
  /// land in `errors`.
  OwningOpRef<ModuleOp> differentiate(const std::string &text,
                                      std::vector<std::string> wrt = {}) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
      errors += d.str() + "\n";
      return success();
    });
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    if (!module) {
      return nullptr;
    }
    PassManager pm(&context);
    AutodiffPassOptions options;
    options.wrt = wrt; // the options hold an ArrayRef into `wrt`
    pm.addPass(createAutodiffPass(options));
    if (failed(pm.run(*module))) {
      return nullptr;
    }
    return module;
  }

  MLIRContext context;
  std::string errors;
};

TEST_P(AutodiffTest, GradientsMatchCentralDifferences) {
  const Case &c = GetParam();
  std::string text = lossFunction(c);
  OwningOpRef<ModuleOp> module = differentiate(text);
  ASSERT_TRUE(module) << errors << text;
  auto f = module->lookupSymbol<func::FuncOp>("f");
  auto grad = module->lookupSymbol<func::FuncOp>("f_grad");
  ASSERT_TRUE(f && grad);

  std::vector<HostTensor> args = reference::randomArguments(f, 17);
  reference::EvaluateOptions exact{/*exactF64=*/true};
  auto got = reference::evaluate(grad, args, exact);
  ASSERT_TRUE(got.ok()) << got.status() << text;
  ASSERT_EQ(got->size(), args.size() + 1);
  auto loss = reference::evaluate(f, args, exact);
  ASSERT_TRUE(loss.ok()) << loss.status();
  EXPECT_DOUBLE_EQ((*got)[0].values[0], (*loss)[0].values[0]);

  const double h = 1e-5;
  for (size_t i = 0; i < args.size(); ++i) {
    const HostTensor &g = (*got)[i + 1];
    ASSERT_EQ(g.shape, args[i].shape) << "gradient " << i;
    for (size_t j = 0; j < args[i].values.size(); ++j) {
      std::vector<HostTensor> plus = args, minus = args;
      plus[i].values[j] += h;
      minus[i].values[j] -= h;
      auto fp = reference::evaluate(f, plus, exact);
      auto fm = reference::evaluate(f, minus, exact);
      ASSERT_TRUE(fp.ok() && fm.ok());
      double fd = ((*fp)[0].values[0] - (*fm)[0].values[0]) / (2 * h);
      EXPECT_NEAR(g.values[j], fd, 1e-6 + 1e-5 * std::abs(fd))
          << c.name << ": d loss / d argument " << i << " [" << j << "]";
    }
  }
}

const char *kM = "tensor<3x5xf32>";

std::vector<Case> cases() {
  auto unary = [](std::string op, std::string pre = "") {
    // pre may define %p from %a0 (a positive input); op reads %p or %a0.
    return Case{op,
                {kM},
                pre + "  %y = sinter." + op + " " +
                    (pre.empty() ? "%a0" : "%p") + " : " + kM,
                kM};
  };
  std::string positive = std::string("  %p = sinter.exp %a0 : ") + kM + "\n";
  auto binary = [](std::string op, std::string rhsPre = "") {
    return Case{op,
                {kM, kM},
                rhsPre + "  %y = sinter." + op + " %a0, " +
                    (rhsPre.empty() ? "%a1" : "%q") + " : " + kM,
                kM};
  };
  std::string positiveRhs = std::string("  %q = sinter.exp %a1 : ") + kM + "\n";
  std::vector<Case> all = {
      binary("add"),
      binary("sub"),
      binary("mul"),
      binary("div", positiveRhs),
      binary("max"),
      binary("min"),
      Case{"pow", {kM, kM}, positive + "  %y = sinter.pow %p, %a1 : " + kM, kM},
      unary("neg"),
      unary("abs"),
      unary("exp"),
      unary("log", positive),
      unary("sqrt", positive),
      unary("rsqrt", positive),
      unary("tanh"),
      unary("erf"),
      unary("sigmoid"),
      unary("relu"),
      unary("silu"),
      Case{"gelu_none",
           {kM},
           std::string("  %y = sinter.gelu none %a0 : ") + kM,
           kM},
      Case{"gelu_tanh",
           {kM},
           std::string("  %y = sinter.gelu tanh %a0 : ") + kM,
           kM},
      Case{"gelu_sigmoid",
           {kM},
           std::string("  %y = sinter.gelu sigmoid %a0 : ") + kM,
           kM},
      Case{"select",
           {kM, kM},
           std::string("  %c = sinter.compare lt, %a0, %a1 : ") + kM +
               "\n  %y = sinter.select %c, %a0, %a1 : tensor<3x5xi1>, " + kM,
           kM},
      // A value read twice: its adjoints are summed.
      Case{"reuse",
           {kM},
           std::string("  %e = sinter.exp %a0 : ") + kM +
               "\n  %y = sinter.mul %e, %a0 : " + kM,
           kM},
      Case{"broadcast",
           {"tensor<1x5xf32>"},
           "  %y = sinter.broadcast_in_dim %a0, dims = [1, 2] : "
           "(tensor<1x5xf32>) -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"reshape",
           {kM},
           std::string("  %y = sinter.reshape %a0 : (") + kM +
               ") -> tensor<5x3xf32>",
           "tensor<5x3xf32>"},
      Case{"transpose",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.transpose %a0, perm = [2, 0, 1] : "
           "(tensor<2x3x5xf32>) -> tensor<5x2x3xf32>",
           "tensor<5x2x3xf32>"},
      Case{"reduce_sum",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.reduce sum %a0, dims = [0, 2] : "
           "(tensor<2x3x5xf32>) -> tensor<3xf32>",
           "tensor<3xf32>"},
      Case{"reduce_mean",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.reduce mean %a0, dims = [1] : "
           "(tensor<2x3x5xf32>) -> tensor<2x5xf32>",
           "tensor<2x5xf32>"},
      Case{"reduce_max",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.reduce max %a0, dims = [2] : "
           "(tensor<2x3x5xf32>) -> tensor<2x3xf32>",
           "tensor<2x3xf32>"},
      Case{"reduce_min",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.reduce min %a0, dims = [0, 1] : "
           "(tensor<2x3x5xf32>) -> tensor<5xf32>",
           "tensor<5xf32>"},
      Case{"matmul",
           {"tensor<3x4xf32>", "tensor<4x5xf32>"},
           "  %y = sinter.matmul %a0, %a1 : (tensor<3x4xf32>, "
           "tensor<4x5xf32>) -> tensor<3x5xf32>",
           kM},
      Case{"matmul_transpose_lhs",
           {"tensor<4x3xf32>", "tensor<4x5xf32>"},
           "  %y = sinter.matmul %a0, %a1 {transpose_lhs} : (tensor<4x3xf32>, "
           "tensor<4x5xf32>) -> tensor<3x5xf32>",
           kM},
      Case{"matmul_transpose_rhs",
           {"tensor<3x4xf32>", "tensor<5x4xf32>"},
           "  %y = sinter.matmul %a0, %a1 {transpose_rhs} : (tensor<3x4xf32>, "
           "tensor<5x4xf32>) -> tensor<3x5xf32>",
           kM},
      Case{"matmul_transpose_both",
           {"tensor<4x3xf32>", "tensor<5x4xf32>"},
           "  %y = sinter.matmul %a0, %a1 {transpose_lhs, transpose_rhs} : "
           "(tensor<4x3xf32>, tensor<5x4xf32>) -> tensor<3x5xf32>",
           kM},
      Case{"matmul_batched",
           {"tensor<2x3x4xf32>", "tensor<2x4x5xf32>"},
           "  %y = sinter.matmul %a0, %a1 : (tensor<2x3x4xf32>, "
           "tensor<2x4x5xf32>) -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"matmul_shared_rhs",
           {"tensor<2x3x4xf32>", "tensor<4x5xf32>"},
           "  %y = sinter.matmul %a0, %a1 : (tensor<2x3x4xf32>, "
           "tensor<4x5xf32>) -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"matmul_shared_lhs_transposed",
           {"tensor<4x3xf32>", "tensor<2x5x4xf32>"},
           "  %y = sinter.matmul %a0, %a1 {transpose_lhs, transpose_rhs} : "
           "(tensor<4x3xf32>, tensor<2x5x4xf32>) -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"slice",
           {"tensor<4x7xf32>"},
           "  %y = sinter.slice %a0, start = [1, 2], limit = [3, 7], strides "
           "= [1, 1] : (tensor<4x7xf32>) -> tensor<2x5xf32>",
           "tensor<2x5xf32>"},
      Case{"slice_strided",
           {"tensor<5x9xf32>"},
           "  %y = sinter.slice %a0, start = [0, 1], limit = [5, 8], strides "
           "= [2, 3] : (tensor<5x9xf32>) -> tensor<3x3xf32>",
           "tensor<3x3xf32>"},
      Case{"concatenate",
           {"tensor<2x3xf32>", "tensor<2x4xf32>"},
           "  %y = sinter.concatenate %a0, %a1, dim = 1 : (tensor<2x3xf32>, "
           "tensor<2x4xf32>) -> tensor<2x7xf32>",
           "tensor<2x7xf32>"},
      Case{"rotary_embedding",
           {"tensor<2x3x4xf32>", "tensor<3x2xf32>", "tensor<3x2xf32>"},
           "  %y = sinter.rotary_embedding %a0, %a1, %a2 : "
           "(tensor<2x3x4xf32>, tensor<3x2xf32>, tensor<3x2xf32>) -> "
           "tensor<2x3x4xf32>",
           "tensor<2x3x4xf32>"},
      Case{"rotary_embedding_interleaved",
           {"tensor<3x6xf32>", "tensor<3x3xf32>", "tensor<3x3xf32>"},
           "  %y = sinter.rotary_embedding %a0, %a1, %a2 interleaved : "
           "(tensor<3x6xf32>, tensor<3x3xf32>, tensor<3x3xf32>) -> "
           "tensor<3x6xf32>",
           "tensor<3x6xf32>"},
      Case{"softmax_last",
           {kM},
           std::string("  %y = sinter.softmax %a0, axis = 1 : (") + kM +
               ") -> " + kM,
           kM},
      Case{"softmax_first",
           {kM},
           std::string("  %y = sinter.softmax %a0, axis = 0 : (") + kM +
               ") -> " + kM,
           kM},
      Case{"log_softmax",
           {kM},
           std::string("  %y = sinter.log_softmax %a0, axis = 1 : (") + kM +
               ") -> " + kM,
           kM},
      Case{"logsumexp",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.logsumexp %a0, axis = 1 : (tensor<2x3x5xf32>) -> "
           "tensor<2x5xf32>",
           "tensor<2x5xf32>"},
      Case{"layer_norm_affine",
           {kM, "tensor<5xf32>", "tensor<5xf32>"},
           std::string("  %y = sinter.layer_norm %a0 scale(%a1 : "
                       "tensor<5xf32>) offset(%a2 : tensor<5xf32>) axis = 1 "
                       "epsilon = 1.0e-05 : ") +
               kM + " -> " + kM,
           kM},
      Case{"layer_norm_two_dims",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.layer_norm %a0 axis = 1 epsilon = 1.0e-03 : "
           "tensor<2x3x5xf32> -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"layer_norm_offset_only",
           {kM, "tensor<5xf32>"},
           std::string("  %y = sinter.layer_norm %a0 offset(%a1 : "
                       "tensor<5xf32>) axis = 1 epsilon = 1.0e-05 : ") +
               kM + " -> " + kM,
           kM},
      // Repeated rows sum; out-of-range indices clamp to the first and last
      // rows, as the lookup itself does.
      Case{"gather",
           {"tensor<4x5xf32>"},
           "  %i = sinter.constant dense<[[0, 2, 2], [5, -1, 1]]> : "
           "tensor<2x3xi32>\n"
           "  %y = sinter.gather %a0[%i] : (tensor<4x5xf32>, tensor<2x3xi32>) "
           "-> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
      Case{"scatter_add",
           {"tensor<2x3x5xf32>"},
           "  %i = sinter.constant dense<[[0, 2, 2], [5, -1, 1]]> : "
           "tensor<2x3xi32>\n"
           "  %y = sinter.scatter_add %a0[%i] rows = 4 : (tensor<2x3x5xf32>, "
           "tensor<2x3xi32>) -> tensor<4x5xf32>",
           "tensor<4x5xf32>"},
      // Attention differentiates as one attention_backward: plain, causal
      // with more keys than queries, and with a constant mask (a -inf
      // entry, broadcast over heads) that takes no gradient.
      Case{"attention",
           {"tensor<1x2x3x4xf32>", "tensor<1x2x5x4xf32>",
            "tensor<1x2x5x3xf32>"},
           "  %y = sinter.attention %a0, %a1, %a2 scale = 0.5 : "
           "tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x3xf32> -> "
           "tensor<1x2x3x3xf32>",
           "tensor<1x2x3x3xf32>"},
      Case{"attention_causal",
           {"tensor<2x1x3x4xf32>", "tensor<2x1x5x4xf32>",
            "tensor<2x1x5x4xf32>"},
           "  %y = sinter.attention %a0, %a1, %a2 scale = 0.7 causal : "
           "tensor<2x1x3x4xf32>, tensor<2x1x5x4xf32>, tensor<2x1x5x4xf32> -> "
           "tensor<2x1x3x4xf32>",
           "tensor<2x1x3x4xf32>"},
      Case{"attention_masked",
           {"tensor<1x2x3x4xf32>", "tensor<1x2x3x4xf32>",
            "tensor<1x2x3x4xf32>"},
           "  %mask = sinter.constant dense<[[[[0.0, 0xFF800000, 0.5], [1.0, "
           "0.0, -2.0], [0xFF800000, 0.25, 0.0]]]]> : tensor<1x1x3x3xf32>\n"
           "  %y = sinter.attention %a0, %a1, %a2 bias(%mask : "
           "tensor<1x1x3x3xf32>) scale = 0.5 : tensor<1x2x3x4xf32>, "
           "tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32> -> tensor<1x2x3x4xf32>",
           "tensor<1x2x3x4xf32>"},
      Case{"rms_norm_scale",
           {kM, "tensor<5xf32>"},
           std::string("  %y = sinter.rms_norm %a0 scale(%a1 : "
                       "tensor<5xf32>) axis = 1 epsilon = 1.0e-06 : ") +
               kM + " -> " + kM,
           kM},
      Case{"rms_norm_all_dims",
           {"tensor<2x3x5xf32>"},
           "  %y = sinter.rms_norm %a0 axis = 0 epsilon = 1.0e-06 : "
           "tensor<2x3x5xf32> -> tensor<2x3x5xf32>",
           "tensor<2x3x5xf32>"},
  };
  return all;
}

INSTANTIATE_TEST_SUITE_P(Ops, AutodiffTest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case> &info) {
                           return info.param.name;
                         });

using AutodiffErrorsTest = AutodiffTest;

TEST_F(AutodiffErrorsTest, ALossThatIsNotAScalarF32IsRefused) {
  EXPECT_FALSE(
      differentiate(R"(func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
})"));
  EXPECT_NE(errors.find("the loss must be the one result, a scalar "
                        "tensor<f32>; @f returns (tensor<4xf32>)"),
            std::string::npos)
      << errors;
}

TEST_F(AutodiffErrorsTest, UnknownAndIntegerArgumentsAreRefusedByName) {
  std::string text =
      R"(func.func @f(%x: tensor<4xf32> {sinter.name = "x"}, %n: tensor<4xi32> {sinter.name = "n"}) -> tensor<f32> {
  %s = sinter.reduce sum %x, dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %s : tensor<f32>
})";
  EXPECT_FALSE(differentiate(text, {"y"}));
  EXPECT_NE(errors.find("@f has no argument named 'y' (its arguments: x, n)"),
            std::string::npos)
      << errors;
  errors.clear();
  EXPECT_FALSE(differentiate(text, {"n"}));
  EXPECT_NE(errors.find("argument 'n' of @f is 'tensor<4xi32>': only float "
                        "arguments have a gradient"),
            std::string::npos)
      << errors;
}

TEST_F(AutodiffErrorsTest, AnOpWithoutARuleOnThePathIsNamed) {
  // attention_backward (a gradient) has no gradient of its own.
  std::string text =
      R"(func.func @f(%x: tensor<2x4xf32>, %c: tensor<2x4xf32>) -> tensor<f32> {
  %c4 = sinter.reshape %c : (tensor<2x4xf32>) -> tensor<1x1x2x4xf32>
  %dq, %dk, %dv = sinter.attention_backward %c4, %c4, %c4, %c4, %c4 scale = 0.5 : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32> -> tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>
  %k = sinter.reshape %dq : (tensor<1x1x2x4xf32>) -> tensor<2x4xf32>
  %y = sinter.mul %x, %k : tensor<2x4xf32>
  %s = sinter.reduce sum %y, dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
})";
  // Off the path to %x: the op over %c needs no rule.
  EXPECT_TRUE(differentiate(text, {"arg0"})) << errors;
  errors.clear();
  EXPECT_FALSE(differentiate(text, {"arg1"}));
  EXPECT_NE(errors.find("no second derivative of attention"),
            std::string::npos)
      << errors;
}

TEST_F(AutodiffErrorsTest, ALearnedAttentionBiasIsRefused) {
  std::string text =
      R"(func.func @f(%q: tensor<1x1x2x4xf32>, %b: tensor<1x1x2x2xf32>) -> tensor<f32> {
  %a = sinter.attention %q, %q, %q bias(%b : tensor<1x1x2x2xf32>) scale = 0.5 : tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32> -> tensor<1x1x2x4xf32>
  %s = sinter.reduce sum %a, dims = [0, 1, 2, 3] : (tensor<1x1x2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
})";
  // The bias as a mask (not differentiated) is fine.
  EXPECT_TRUE(differentiate(text, {"arg0"})) << errors;
  errors.clear();
  EXPECT_FALSE(differentiate(text, {"arg1"}));
  EXPECT_NE(errors.find("no gradient for the bias of 'sinter.attention'"),
            std::string::npos)
      << errors;
}

TEST_F(AutodiffErrorsTest, TiedMaximaShareTheGradientEqually) {
  OwningOpRef<ModuleOp> module =
      differentiate(R"(func.func @f(%x: tensor<4xf32>) -> tensor<f32> {
  %m = sinter.reduce max %x, dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %m : tensor<f32>
})");
  ASSERT_TRUE(module) << errors;
  auto grad = module->lookupSymbol<func::FuncOp>("f_grad");
  auto x = HostTensor::create(DType::F32, {4}, {3.0, 1.0, 3.0, 3.0});
  ASSERT_TRUE(x.ok());
  auto got = reference::evaluate(grad, {*x}, reference::EvaluateOptions{true});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[1].values,
            (std::vector<double>{1.0 / 3, 0.0, 1.0 / 3, 1.0 / 3}));
}

} // namespace
} // namespace sinter
