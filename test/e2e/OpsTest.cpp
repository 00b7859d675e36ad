//===- OpsTest.cpp - Every op compiled vs the reference interpreter -------===//
//
// Each case is a one-op (or few-op) function in MLIR text, compiled for this
// CPU and checked against the interpreter in f32, bf16 and f16, on shapes
// that are not multiples of the vector width (1, 7, 97, 131) as well as
// larger ones.
//
//===----------------------------------------------------------------------===//

#include "test/e2e/CompileAndCheck.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace sinter::e2e {
namespace {

std::string tensorType(const std::vector<int64_t> &shape,
                       const std::string &dtype) {
  std::string s = "tensor<";
  for (int64_t d : shape) {
    absl::StrAppend(&s, d, "x");
  }
  return s + dtype + ">";
}

/// A function with the given arguments whose body is `body` (which uses
/// %a0, %a1, ... and defines %r of `resultType`).
std::string func(const std::vector<std::string> &argTypes,
                 const std::string &body, const std::string &resultType) {
  std::vector<std::string> args;
  for (size_t i = 0; i < argTypes.size(); ++i) {
    args.push_back(absl::StrCat("%a", i, ": ", argTypes[i]));
  }
  return absl::StrCat("func.func @f(", absl::StrJoin(args, ", "), ") -> ",
                      resultType, " {\n", body, "\n  return %r : ", resultType,
                      "\n}\n");
}

const std::vector<std::string> kFloatTypes = {"f32", "bf16", "f16"};
const std::vector<std::vector<int64_t>> kShapes = {
    {1}, {7}, {97}, {131}, {3, 131}, {2, 7, 97}, {64, 1024}};

std::string shapeName(const std::vector<int64_t> &shape) {
  return absl::StrJoin(shape, "x");
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

struct ElementwiseCase {
  std::string op;
  int arity;
  bool positiveDomain; // take |x| + 0.5 first (log, sqrt, rsqrt, pow)
};

const ElementwiseCase kElementwise[] = {
    {"add", 2, false},         {"sub", 2, false},
    {"mul", 2, false},         {"div", 2, false},
    {"max", 2, false},         {"min", 2, false},
    {"pow", 2, true},          {"neg", 1, false},
    {"abs", 1, false},         {"exp", 1, false},
    {"log", 1, true},          {"sqrt", 1, true},
    {"rsqrt", 1, true},        {"tanh", 1, false},
    {"erf", 1, false},         {"sigmoid", 1, false},
    {"relu", 1, false},        {"silu", 1, false},
    {"gelu none", 1, false},   {"gelu tanh", 1, false},
    {"gelu sigmoid", 1, false}};

using ElementwiseParam =
    std::tuple<ElementwiseCase, std::string, std::vector<int64_t>>;

class ElementwiseTest : public testing::TestWithParam<ElementwiseParam> {};

TEST_P(ElementwiseTest, MatchesReference) {
  auto [c, dtype, shape] = GetParam();
  std::string t = tensorType(shape, dtype);
  std::string body;
  std::vector<std::string> operands;
  for (int i = 0; i < c.arity; ++i) {
    std::string name = absl::StrCat("%a", i);
    if (c.positiveDomain) {
      // |x| + 0.5, via a broadcast constant.
      absl::StrAppend(&body, "  %abs", i, " = sinter.abs ", name, " : ", t,
                      "\n  %half", i, " = sinter.constant dense<5.0e-01> : ", t,
                      "\n  %pos", i, " = sinter.add %abs", i, ", %half", i,
                      " : ", t, "\n");
      name = absl::StrCat("%pos", i);
    }
    operands.push_back(name);
  }
  absl::StrAppend(&body, "  %r = sinter.", c.op, " ",
                  absl::StrJoin(operands, ", "), " : ", t);
  std::vector<std::string> args(c.arity, t);
  EXPECT_EQ(compileRunAndCompare(func(args, body, t)), "");
}

INSTANTIATE_TEST_SUITE_P(
    Ops, ElementwiseTest,
    testing::Combine(testing::ValuesIn(kElementwise),
                     testing::ValuesIn(kFloatTypes),
                     testing::Values(std::vector<int64_t>{1},
                                     std::vector<int64_t>{7},
                                     std::vector<int64_t>{3, 131},
                                     std::vector<int64_t>{2, 7, 97},
                                     // Large enough for the thread pool.
                                     std::vector<int64_t>{64, 1031})),
    [](const testing::TestParamInfo<ElementwiseParam> &info) {
      std::string op =
          absl::StrReplaceAll(std::get<0>(info.param).op, {{" ", "_"}});
      return absl::StrCat(op, "_", std::get<1>(info.param), "_",
                          shapeName(std::get<2>(info.param)));
    });

/// Integer elementwise ops, including the defined division by zero and
/// INT_MIN / -1 (x86's idiv would trap on both).
TEST(IntegerOps, ArithmeticMatchesReference) {
  for (std::string dtype : {"i32", "i64"}) {
    for (std::string op :
         {"add", "sub", "mul", "div", "max", "min", "neg", "abs", "relu"}) {
      bool unary = op == "neg" || op == "abs" || op == "relu";
      std::string t = tensorType({97}, dtype);
      std::string body =
          unary ? absl::StrCat("  %r = sinter.", op, " %a0 : ", t)
                : absl::StrCat("  %r = sinter.", op, " %a0, %a1 : ", t);
      std::vector<std::string> args(unary ? 1 : 2, t);
      EXPECT_EQ(compileRunAndCompare(func(args, body, t)), "")
          << op << " " << dtype;
    }
  }
}

TEST(IntegerOps, DivisionEdgeCases) {
  std::string body = R"(  %r = sinter.div %a0, %a1 : tensor<4xi32>)";
  CheckOptions options;
  auto lhs =
      reference::HostTensor::create(DType::I32, {4}, {7, -2147483648.0, 5, -9});
  auto rhs = reference::HostTensor::create(DType::I32, {4}, {0, -1, 2, -2});
  options.inputs = {*lhs, *rhs};
  EXPECT_EQ(compileRunAndCompare(
                func({"tensor<4xi32>", "tensor<4xi32>"}, body, "tensor<4xi32>"),
                options),
            "");
}

TEST(CompareSelect, AllPredicates) {
  for (std::string dtype : {"f32", "bf16", "i32"}) {
    for (std::string p : {"eq", "ne", "lt", "le", "gt", "ge"}) {
      std::string t = tensorType({131}, dtype);
      std::string body = absl::StrCat(
          "  %m = sinter.compare ", p, ", %a0, %a1 : ", t,
          "\n  %r = sinter.select %m, %a0, %a1 : tensor<131xi1>, ", t);
      EXPECT_EQ(compileRunAndCompare(func({t, t}, body, t)), "")
          << p << " " << dtype;
    }
  }
}

TEST(Convert, EveryPair) {
  const std::vector<std::string> types = {"f32", "bf16", "f16",
                                          "i1",  "i32",  "i64"};
  for (const std::string &from : types) {
    for (const std::string &to : types) {
      std::string in = tensorType({97}, from), out = tensorType({97}, to);
      // Scale floats up so float->int conversion sees values beyond [-1, 1).
      std::string body;
      if (from == "f32" || from == "bf16" || from == "f16") {
        body = absl::StrCat("  %k = sinter.constant dense<3.0e+01> : ", in,
                            "\n  %s = sinter.mul %a0, %k : ", in,
                            "\n  %r = sinter.convert %s : ", in, " -> ", out);
      } else {
        body = absl::StrCat("  %r = sinter.convert %a0 : ", in, " -> ", out);
      }
      EXPECT_EQ(compileRunAndCompare(func({in}, body, out)), "")
          << from << " -> " << to;
    }
  }
}

TEST(Convert, SaturatesAndMapsNaNToZero) {
  std::string body =
      "  %r = sinter.convert %a0 : tensor<6xf32> -> tensor<6xi32>";
  CheckOptions options;
  auto x = reference::HostTensor::create(
      DType::F32, {6}, {1e10, -1e10, std::nan(""), -2.7, 2.7, 2147483520.0});
  options.inputs = {*x};
  EXPECT_EQ(compileRunAndCompare(func({"tensor<6xf32>"}, body, "tensor<6xi32>"),
                                 options),
            "");
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST(ShapeOps, BroadcastInDim) {
  for (std::string dtype : kFloatTypes) {
    std::string body = absl::StrCat(
        "  %r = sinter.broadcast_in_dim %a0, dims = [0, 2] : (",
        tensorType({7, 1}, dtype), ") -> ", tensorType({7, 5, 97}, dtype));
    EXPECT_EQ(compileRunAndCompare(func({tensorType({7, 1}, dtype)}, body,
                                        tensorType({7, 5, 97}, dtype))),
              "");
  }
  // Every result axis receives the operand once.
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<int64_t> out = {3, 7, 131};
    std::string body = absl::StrCat(
        "  %r = sinter.broadcast_in_dim %a0, dims = [", axis, "] : (",
        tensorType({out[axis]}, "f32"), ") -> ", tensorType(out, "f32"));
    EXPECT_EQ(compileRunAndCompare(func({tensorType({out[axis]}, "f32")}, body,
                                        tensorType(out, "f32"))),
              "")
        << "axis " << axis;
  }
}

TEST(ShapeOps, ReshapeTransposeSlice) {
  for (std::string dtype : kFloatTypes) {
    std::string in = tensorType({2, 7, 97}, dtype);
    std::string body = absl::StrCat(
        "  %t = sinter.transpose %a0, perm = [2, 0, 1] : (", in, ") -> ",
        tensorType({97, 2, 7}, dtype),
        "\n  %s = sinter.slice %t, start = [1, 0, 2], limit = [97, 2, 7], "
        "strides = [3, 1, 2] : (",
        tensorType({97, 2, 7}, dtype), ") -> ", tensorType({32, 2, 3}, dtype),
        "\n  %r = sinter.reshape %s : (", tensorType({32, 2, 3}, dtype),
        ") -> ", tensorType({6, 32}, dtype));
    EXPECT_EQ(
        compileRunAndCompare(func({in}, body, tensorType({6, 32}, dtype))), "")
        << dtype;
  }
}

TEST(ShapeOps, ConcatenateEveryAxis) {
  for (int axis = 0; axis < 3; ++axis) {
    std::vector<int64_t> a = {2, 7, 5}, b = {2, 7, 5}, out = {2, 7, 5};
    b[axis] = 3;
    out[axis] = 5 + 3;
    if (axis != 2) {
      a[axis] = 5;
      out[axis] = a[axis] + 3;
    }
    std::string body =
        absl::StrCat("  %r = sinter.concatenate %a0, %a1, dim = ", axis, " : (",
                     tensorType(a, "f32"), ", ", tensorType(b, "f32"), ") -> ",
                     tensorType(out, "f32"));
    EXPECT_EQ(
        compileRunAndCompare(func({tensorType(a, "f32"), tensorType(b, "f32")},
                                  body, tensorType(out, "f32"))),
        "")
        << "axis " << axis;
  }
}

TEST(ShapeOps, GatherClampsIndices) {
  std::string body =
      "  %r = sinter.gather %a0[%a1] : (tensor<10x131xf32>, tensor<2x3xi32>) "
      "-> tensor<2x3x131xf32>";
  CheckOptions options;
  auto table = reference::HostTensor::random(DType::F32, {10, 131}, 3);
  auto ids =
      reference::HostTensor::create(DType::I32, {2, 3}, {0, 9, -5, 100, 4, 7});
  options.inputs = {table, *ids};
  EXPECT_EQ(compileRunAndCompare(func({"tensor<10x131xf32>", "tensor<2x3xi32>"},
                                      body, "tensor<2x3x131xf32>"),
                                 options),
            "");
}

TEST(ShapeOps, Iota) {
  for (std::string dtype : {"f32", "bf16", "i32", "i64"}) {
    std::string t = tensorType({7, 131}, dtype);
    std::string body = absl::StrCat("  %i = sinter.iota dim = 1 : ", t,
                                    "\n  %r = sinter.add %i, %a0 : ", t);
    EXPECT_EQ(compileRunAndCompare(func({t}, body, t)), "") << dtype;
  }
}

//===----------------------------------------------------------------------===//
// Reductions: every kind over every axis (and several at once)
//===----------------------------------------------------------------------===//

TEST(Reduce, EveryKindEveryAxis) {
  std::vector<int64_t> shape = {7, 97, 5};
  for (std::string dtype : kFloatTypes) {
    for (std::string kind : {"sum", "max", "min", "mean"}) {
      for (std::vector<int64_t> dims :
           {std::vector<int64_t>{0}, {1}, {2}, {0, 2}, {0, 1, 2}}) {
        std::vector<int64_t> out;
        for (int64_t d = 0; d < 3; ++d) {
          if (!llvm::is_contained(dims, d)) {
            out.push_back(shape[d]);
          }
        }
        std::string body = absl::StrCat(
            "  %r = sinter.reduce ", kind, " %a0, dims = [",
            absl::StrJoin(dims, ", "), "] : (", tensorType(shape, dtype),
            ") -> ", tensorType(out, dtype));
        EXPECT_EQ(compileRunAndCompare(func({tensorType(shape, dtype)}, body,
                                            tensorType(out, dtype))),
                  "")
            << kind << " " << dtype << " dims " << absl::StrJoin(dims, ",");
      }
    }
  }
}

TEST(Reduce, IntegerSumAndMax) {
  for (std::string kind : {"sum", "max", "min"}) {
    std::string body =
        absl::StrCat("  %r = sinter.reduce ", kind,
                     " %a0, dims = [1] : (tensor<7x131xi32>) -> tensor<7xi32>");
    EXPECT_EQ(compileRunAndCompare(
                  func({"tensor<7x131xi32>"}, body, "tensor<7xi32>")),
              "")
        << kind;
  }
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

struct MatmulCase {
  std::vector<int64_t> lhs, rhs, out;
  std::string attrs;
};

TEST(Matmul, ShapesAndTransposes) {
  const MatmulCase cases[] = {
      {{1, 1}, {1, 1}, {1, 1}, ""},
      {{7, 97}, {97, 131}, {7, 131}, ""},
      {{97, 7}, {131, 97}, {7, 131}, "{transpose_lhs, transpose_rhs}"},
      {{131, 64}, {64, 97}, {131, 97}, ""},
      {{2, 3, 7, 33}, {33, 65}, {2, 3, 7, 65}, ""},
      {{2, 7, 33}, {2, 33, 17}, {2, 7, 17}, ""},
      {{2, 4, 13, 16}, {2, 4, 29, 16}, {2, 4, 13, 29}, "{transpose_rhs}"},
      {{13, 16}, {3, 16, 29}, {3, 13, 29}, ""},
      {{6, 512}, {512, 64}, {6, 64}, ""},
  };
  for (std::string dtype : kFloatTypes) {
    for (const MatmulCase &c : cases) {
      std::string l = tensorType(c.lhs, dtype), r = tensorType(c.rhs, dtype),
                  o = tensorType(c.out, dtype);
      std::string body = absl::StrCat("  %r = sinter.matmul %a0, %a1 ", c.attrs,
                                      " : (", l, ", ", r, ") -> ", o);
      CheckOptions options;
      // Long dot products in bf16/f16 round the result once more than f32.
      options.toleranceScale = 2;
      EXPECT_EQ(compileRunAndCompare(func({l, r}, body, o), options), "")
          << dtype << " " << l << " x " << r << " " << c.attrs;
    }
  }
}

TEST(Matmul, Integer) {
  std::string body = "  %r = sinter.matmul %a0, %a1 : (tensor<7x33xi32>, "
                     "tensor<33x5xi32>) -> tensor<7x5xi32>";
  EXPECT_EQ(compileRunAndCompare(func({"tensor<7x33xi32>", "tensor<33x5xi32>"},
                                      body, "tensor<7x5xi32>")),
            "");
}

TEST(Matmul, Large1024) {
  std::string t = "tensor<1024x1024xf32>";
  std::string body =
      absl::StrCat("  %r = sinter.matmul %a0, %a1 : (", t, ", ", t, ") -> ", t);
  EXPECT_EQ(compileRunAndCompare(func({t, t}, body, t)), "");
}

//===----------------------------------------------------------------------===//
// Composites (lowered through their stable decompositions)
//===----------------------------------------------------------------------===//

TEST(Composites, SoftmaxFamilyEveryAxis) {
  for (std::string dtype : kFloatTypes) {
    for (std::string op : {"softmax", "log_softmax", "logsumexp"}) {
      for (int axis = 0; axis < 2; ++axis) {
        std::vector<int64_t> shape = {7, 131};
        std::vector<int64_t> out = shape;
        if (op == "logsumexp") {
          out.erase(out.begin() + axis);
        }
        std::string body = absl::StrCat(
            "  %r = sinter.", op, " %a0, axis = ", axis, " : (",
            tensorType(shape, dtype), ") -> ", tensorType(out, dtype));
        EXPECT_EQ(compileRunAndCompare(func({tensorType(shape, dtype)}, body,
                                            tensorType(out, dtype))),
                  "")
            << op << " " << dtype << " axis " << axis;
      }
    }
  }
}

TEST(Composites, SoftmaxOfLargeValuesIsStable) {
  // exp(1000) overflows f32: only a max-subtracting lowering survives.
  std::string body =
      "  %k = sinter.constant dense<1.0e+03> : tensor<4x97xf32>\n"
      "  %x = sinter.mul %a0, %k : tensor<4x97xf32>\n"
      "  %r = sinter.softmax %x, axis = 1 : (tensor<4x97xf32>) -> "
      "tensor<4x97xf32>";
  EXPECT_EQ(compileRunAndCompare(
                func({"tensor<4x97xf32>"}, body, "tensor<4x97xf32>")),
            "");
}

TEST(Composites, Norms) {
  for (std::string dtype : kFloatTypes) {
    std::string x = tensorType({7, 131}, dtype), g = tensorType({131}, dtype);
    std::string ln = absl::StrCat(
        "  %r = sinter.layer_norm %a0 scale(%a1 : ", g, ") offset(%a2 : ", g,
        ") axis = 1 epsilon = 1.0e-05 : ", x, " -> ", x);
    std::string rms =
        absl::StrCat("  %r = sinter.rms_norm %a0 scale(%a1 : ", g,
                     ") axis = 1 epsilon = 1.0e-06 : ", x, " -> ", x);
    EXPECT_EQ(compileRunAndCompare(func({x, g, g}, ln, x)), "") << dtype;
    EXPECT_EQ(compileRunAndCompare(func({x, g}, rms, x)), "") << dtype;
  }
}

TEST(Composites, Attention) {
  for (std::string dtype : kFloatTypes) {
    for (std::string causal : {"", " causal"}) {
      std::string q = tensorType({1, 2, 7, 16}, dtype);
      std::string kv = tensorType({1, 2, 13, 16}, dtype);
      std::string body =
          absl::StrCat("  %r = sinter.attention %a0, %a1, %a2 scale = 2.5e-01",
                       causal, " : ", q, ", ", kv, ", ", kv, " -> ", q);
      EXPECT_EQ(compileRunAndCompare(func({q, kv, kv}, body, q)), "")
          << dtype << causal;
    }
  }
}

TEST(Composites, RotaryEmbedding) {
  for (std::string dtype : kFloatTypes) {
    std::string x = tensorType({1, 2, 7, 16}, dtype);
    std::string cs = tensorType({7, 8}, dtype);
    std::string body = absl::StrCat("  %r = sinter.rotary_embedding %a0, %a1, "
                                    "%a2 : (",
                                    x, ", ", cs, ", ", cs, ") -> ", x);
    EXPECT_EQ(compileRunAndCompare(func({x, cs, cs}, body, x)), "") << dtype;
  }
}

/// Chains of large ops: their intermediates live in the planned workspace
/// and their loop nests run as thread-pool tasks (with 1, 2 and 3 threads).
/// This caught kernels that read a workspace view through its base pointer.
TEST(ParallelKernels, ChainsThroughTheWorkspace) {
  std::string t = "tensor<64x3072xf32>";
  std::string body = absl::StrCat(
      "  %c = sinter.constant dense<5.0e-01> : ", t,
      "\n  %d = sinter.constant dense<1.5e+00> : ", t,
      "\n  %m = sinter.mul %a0, %c : ", t, "\n  %n = sinter.mul %m, %d : ", t,
      "\n  %g = sinter.gelu tanh %n : ", t, "\n  %r = sinter.add %g, %c : ", t);
  for (int threads : {1, 2, 3}) {
    CheckOptions options;
    options.threads = threads;
    EXPECT_EQ(compileRunAndCompare(func({t}, body, t), options), "")
        << threads << " threads";
  }
}

TEST(ParallelKernels, ReductionsAndMatmulChains) {
  std::string body =
      "  %h = sinter.matmul %a0, %a1 : (tensor<96x256xf32>, "
      "tensor<256x1536xf32>) -> tensor<96x1536xf32>\n"
      "  %s = sinter.softmax %h, axis = 1 : (tensor<96x1536xf32>) -> "
      "tensor<96x1536xf32>\n"
      "  %r = sinter.reduce sum %s, dims = [0] : (tensor<96x1536xf32>) -> "
      "tensor<1536xf32>";
  for (int threads : {1, 2}) {
    CheckOptions options;
    options.threads = threads;
    EXPECT_EQ(compileRunAndCompare(
                  func({"tensor<96x256xf32>", "tensor<256x1536xf32>"}, body,
                       "tensor<1536xf32>"),
                  options),
              "")
        << threads << " threads";
  }
}

TEST(Constants, DenseAndSplat) {
  std::string body =
      "  %c = sinter.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : "
      "tensor<2x3xf32>\n"
      "  %s = sinter.constant dense<2.5> : tensor<2x3xf32>\n"
      "  %m = sinter.mul %a0, %c : tensor<2x3xf32>\n"
      "  %r = sinter.add %m, %s : tensor<2x3xf32>";
  EXPECT_EQ(
      compileRunAndCompare(func({"tensor<2x3xf32>"}, body, "tensor<2x3xf32>")),
      "");
}

TEST(Signature, SeveralOutputsAndAnOutputThatIsAnInput) {
  std::string text = R"(
func.func @f(%a: tensor<7xf32>, %b: tensor<7xf32>) -> (tensor<7xf32>, tensor<7xf32>, tensor<7xf32>) {
  %s = sinter.add %a, %b : tensor<7xf32>
  return %s, %a, %s : tensor<7xf32>, tensor<7xf32>, tensor<7xf32>
}
)";
  EXPECT_EQ(compileRunAndCompare(text), "");
}

} // namespace
} // namespace sinter::e2e
