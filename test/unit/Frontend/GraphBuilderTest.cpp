//===- GraphBuilderTest.cpp - GraphBuilder on good, bad input ---*- C++ -*-===//
//
// Good input: each method creates the expected op with the expected result
// type. Bad input: each returns an invalid Tensor and a status whose message
// names the problem, and never crashes; the first error sticks.
//
//===----------------------------------------------------------------------===//

#include "frontend/GraphBuilder.h"

#include "dialects/sinter/IR/EntryFunction.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

using namespace sinter;
using ::testing::AllOf;
using ::testing::HasSubstr;
namespace ms = ::sinter;

namespace {

class GraphBuilderTest : public ::testing::Test {
protected:
  mlir::MLIRContext ctx;
  GraphBuilder b{ctx};

  std::string typeStr(Tensor t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << t.value.getType();
    return s;
  }
  template <typename OpT> OpT def(Tensor t) {
    return t.valid() ? t.value.getDefiningOp<OpT>() : OpT();
  }
  std::string error() { return std::string(b.status().message()); }
  /// The raw bytes of a parameter's dense_resource blob (empty if it is not
  /// a blob-backed constant).
  llvm::ArrayRef<char> blobBytes(Tensor t) {
    auto c = def<ms::ConstantOp>(t);
    if (!c) {
      return {};
    }
    auto res = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(c.getValue());
    if (!res || !res.getRawHandle().getBlob()) {
      return {};
    }
    return res.getRawHandle().getBlob()->getData();
  }
  /// Runs `body` on a fresh builder and expects it to fail: an invalid
  /// Tensor, an InvalidArgument status containing every substring.
  void expectRejected(const std::function<Tensor(GraphBuilder &)> &body,
                      std::vector<std::string> substrings) {
    GraphBuilder g(ctx);
    Tensor t = body(g);
    EXPECT_FALSE(t.valid());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(g.status().message());
    for (const std::string &sub : substrings) {
      EXPECT_THAT(message, HasSubstr(sub));
    }
  }
  /// Runs the canonicalizer on `module`; false if it failed.
  bool canonicalize(mlir::ModuleOp module) {
    mlir::PassManager pm(module->getContext());
    pm.addPass(mlir::createCanonicalizerPass());
    return mlir::succeeded(pm.run(module));
  }
  /// The module prints and parses back (dense_resource blobs included).
  void expectRoundTrip(mlir::ModuleOp module) {
    std::string text;
    llvm::raw_string_ostream os(text);
    module.print(os);
    mlir::MLIRContext other;
    other.loadDialect<ms::SinterDialect, mlir::func::FuncDialect>();
    auto parsed = mlir::parseSourceString<mlir::ModuleOp>(text, &other);
    EXPECT_TRUE(parsed) << text;
  }
};

//===----------------------------------------------------------------------===//
// Inputs, parameters, constants, outputs, build
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, InputOutputBuild) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  ASSERT_TRUE(x.valid());
  EXPECT_EQ(typeStr(x), "tensor<2x3xf32>");
  EXPECT_EQ(x.dtype(), DType::F32);
  EXPECT_EQ(x.rank(), 2);
  EXPECT_EQ(x.dim(-1), 3);
  Tensor y = b.input("y", DType::BF16, {4});
  EXPECT_EQ(typeStr(y), "tensor<4xbf16>");
  b.output("out", b.exp(x));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  auto fn = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn.getNumArguments(), 2u);
  EXPECT_EQ(fn.getNumResults(), 1u);
  EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(0, kNameAttr).getValue(),
            "x");
  EXPECT_EQ(fn.getArgAttrOfType<mlir::StringAttr>(1, kNameAttr).getValue(),
            "y");
  EXPECT_EQ(fn.getResultAttrOfType<mlir::StringAttr>(0, kNameAttr).getValue(),
            "out");
  // Spent after build.
  EXPECT_FALSE(b.input("z", DType::F32, {1}).valid());
}

TEST_F(GraphBuilderTest, OutputOverwritingAnInput) {
  Tensor w = b.input("w", DType::F32, {4});
  Tensor g = b.input("g", DType::F32, {4});
  b.output("next.w", b.sub(w, g), "w");
  b.output("g2", b.mul(g, g));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  auto fn = (*module)->lookupSymbol<mlir::func::FuncOp>("main");
  EXPECT_EQ(aliasedInput(fn, 0), std::optional<unsigned>(0));
  EXPECT_EQ(aliasedInput(fn, 1), std::nullopt);

  // An input that does not exist, or of another type, fails the build.
  GraphBuilder c(ctx);
  Tensor x = c.input("x", DType::F32, {4});
  c.output("next.y", c.exp(x), "y");
  auto bad = c.build();
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("result 0 ('next.y'): sinter.aliases_input names "
                        "'y', which is not an input of the function"));
  GraphBuilder d(ctx);
  Tensor h = d.input("h", DType::F16, {4});
  d.output("next.h", d.exp(d.input("f", DType::F32, {4})), "h");
  auto other = d.build();
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("an output overwrites an input of its own type"));
  (void)h;
}

TEST_F(GraphBuilderTest, CustomFunctionName) {
  GraphBuilder g(ctx, "forward");
  g.output("y", g.input("x", DType::F32, {1}));
  auto module = g.build();
  ASSERT_TRUE(module.ok());
  EXPECT_TRUE((*module)->lookupSymbol<mlir::func::FuncOp>("forward"));
}

TEST_F(GraphBuilderTest, SmallParameterIsResourceBlob) {
  // Named parameters are blobs whatever their size (trainable weights keep
  // their identity); only unnamed constants may be dense.
  Tensor p = b.parameter("p", DType::F32, {2, 2}, {1, 2, 3, 4});
  auto c = def<ms::ConstantOp>(p);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->getAttrOfType<mlir::StringAttr>(kNameAttr).getValue(), "p");
  EXPECT_FALSE(mlir::isa<mlir::DenseElementsAttr>(c.getValue()));
  llvm::ArrayRef<char> bytes = blobBytes(p);
  ASSERT_EQ(bytes.size(), 16u);
  float f;
  std::memcpy(&f, bytes.data() + 4 * 3, 4);
  EXPECT_EQ(f, 4.0f);
  // A one-element splat and an empty parameter are blobs too, and the
  // module round-trips.
  Tensor one = b.parameter("one", DType::BF16, {1}, ParamInit::ones());
  EXPECT_EQ(blobBytes(one).size(), 2u);
  Tensor empty = b.parameter("empty", DType::F32, {0, 4}, ParamInit::zeros());
  ASSERT_TRUE(empty.valid()) << b.status();
  EXPECT_TRUE(mlir::isa<mlir::DenseResourceElementsAttr>(
      def<ms::ConstantOp>(empty).getValue()));
  // Unnamed small constants stay dense.
  EXPECT_TRUE(mlir::isa<mlir::DenseElementsAttr>(
      def<ms::ConstantOp>(b.constant(DType::F32, {2}, {1, 2})).getValue()));
  b.output("p_out", p);
  b.output("one_out", one);
  b.output("empty_out", empty);
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  expectRoundTrip(**module);
}

TEST_F(GraphBuilderTest, EqualSmallParametersSurviveCanonicalize) {
  // Two LayerNorm-style gammas of ones: the canonicalizer's constant
  // uniquing must not merge them, and mul by a ones parameter must not fold.
  Tensor x = b.input("x", DType::F32, {2, 4});
  Tensor g1 = b.parameter("ln_1.weight", DType::F32, {4}, ParamInit::ones());
  Tensor g2 = b.parameter("ln_2.weight", DType::F32, {4}, ParamInit::ones());
  Tensor one = b.parameter("scale", DType::F32, {2, 4}, ParamInit::ones());
  b.output("y1", b.mul(x, g1));
  b.output("y2", b.mul(x, g2));
  b.output("y3", b.mul(x, one)); // same shape: no broadcast in between
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  ASSERT_TRUE(canonicalize(**module));
  std::vector<std::string> names;
  int muls = 0;
  (*module)->walk([&](mlir::Operation *op) {
    if (auto c = mlir::dyn_cast<ms::ConstantOp>(op)) {
      if (auto n = c->getAttrOfType<mlir::StringAttr>(kNameAttr)) {
        names.push_back(n.str());
      }
    }
    muls += mlir::isa<ms::MulOp>(op);
  });
  llvm::sort(names);
  EXPECT_EQ(names,
            (std::vector<std::string>{"ln_1.weight", "ln_2.weight", "scale"}));
  EXPECT_EQ(muls, 3);

  // Control: the same graph with an unnamed ones constant does fold, so the
  // check above would notice parameters losing their identity.
  GraphBuilder g(ctx);
  Tensor gx = g.input("x", DType::F32, {2, 4});
  g.output("y", g.mul(gx, g.constant(DType::F32, {2, 4}, {1.0})));
  auto control = g.build();
  ASSERT_TRUE(control.ok()) << control.status();
  ASSERT_TRUE(canonicalize(**control));
  int controlMuls = 0;
  (*control)->walk([&](ms::MulOp) { ++controlMuls; });
  EXPECT_EQ(controlMuls, 0);
}

TEST_F(GraphBuilderTest, LargeParameterIsResourceBlob) {
  std::vector<double> values(32);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<double>(i) * 0.5;
  }
  Tensor p = b.parameter("w.0", DType::F32, {4, 8}, values);
  auto c = def<ms::ConstantOp>(p);
  ASSERT_TRUE(c);
  auto res = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(c.getValue());
  ASSERT_TRUE(res);
  mlir::AsmResourceBlob *blob = res.getRawHandle().getBlob();
  ASSERT_TRUE(blob);
  ASSERT_EQ(blob->getData().size(), 32u * 4);
  float f;
  std::memcpy(&f, blob->getData().data() + 4 * 5, 4);
  EXPECT_EQ(f, 2.5f);
  b.output("y", p);
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  expectRoundTrip(**module);
}

TEST_F(GraphBuilderTest, LowPrecisionAndIntegerBlobs) {
  std::vector<double> values(20, 1.0);
  values[1] = 1.00390625; // 1 + 2^-8: halfway between bf16 1 and 1+2^-7
  auto bf = def<ms::ConstantOp>(b.parameter("bf", DType::BF16, {20}, values));
  ASSERT_TRUE(bf);
  auto bytes = mlir::cast<mlir::DenseResourceElementsAttr>(bf.getValue())
                   .getRawHandle()
                   .getBlob()
                   ->getData();
  ASSERT_EQ(bytes.size(), 40u);
  // bf16(1.0) = 0x3F80; the tie rounds to even (0x3F80).
  EXPECT_EQ(static_cast<uint8_t>(bytes[2]), 0x80);
  EXPECT_EQ(static_cast<uint8_t>(bytes[3]), 0x3F);
  auto h = def<ms::ConstantOp>(b.parameter("h", DType::F16, {20}, values));
  auto hb = mlir::cast<mlir::DenseResourceElementsAttr>(h.getValue())
                .getRawHandle()
                .getBlob()
                ->getData();
  EXPECT_EQ(static_cast<uint8_t>(hb[1]), 0x3C); // f16(1.0) = 0x3C00
  std::vector<double> ints(17);
  for (size_t i = 0; i < ints.size(); ++i) {
    ints[i] = -static_cast<double>(i);
  }
  auto i64 = def<ms::ConstantOp>(b.parameter("i", DType::I64, {17}, ints));
  auto ib = mlir::cast<mlir::DenseResourceElementsAttr>(i64.getValue())
                .getRawHandle()
                .getBlob()
                ->getData();
  ASSERT_EQ(ib.size(), 17u * 8);
  int64_t v;
  std::memcpy(&v, ib.data() + 8 * 3, 8);
  EXPECT_EQ(v, -3);
  auto i1 = def<ms::ConstantOp>(
      b.parameter("m", DType::I1, {17}, std::vector<double>(17, 1.0)));
  EXPECT_EQ(mlir::cast<mlir::DenseResourceElementsAttr>(i1.getValue())
                .getRawHandle()
                .getBlob()
                ->getData()
                .size(),
            17u);
}

TEST_F(GraphBuilderTest, ParamInitIsDeterministicAndOrderIndependent) {
  auto a = initialParameterValues(ParamInit::normal(0.02), "w", 7, 1000);
  auto again = initialParameterValues(ParamInit::normal(0.02), "w", 7, 1000);
  auto other = initialParameterValues(ParamInit::normal(0.02), "v", 7, 1000);
  auto seeded = initialParameterValues(ParamInit::normal(0.02), "w", 8, 1000);
  EXPECT_EQ(a, again);
  EXPECT_NE(a, other);
  EXPECT_NE(a, seeded);
  double mean = 0, var = 0;
  for (double v : a) {
    mean += v;
  }
  mean /= a.size();
  for (double v : a) {
    var += (v - mean) * (v - mean);
  }
  var /= a.size();
  EXPECT_NEAR(mean, 0.0, 0.003);
  EXPECT_NEAR(std::sqrt(var), 0.02, 0.002);
  auto u = initialParameterValues(ParamInit::uniform(0.5), "u", 0, 1000);
  for (double v : u) {
    EXPECT_GE(v, -0.5);
    EXPECT_LT(v, 0.5);
  }
  EXPECT_EQ(initialParameterValues(ParamInit::ones(), "o", 0, 3),
            std::vector<double>(3, 1.0));
  EXPECT_EQ(initialParameterValues(ParamInit::zeros(), "z", 0, 3),
            std::vector<double>(3, 0.0));

  // Same name and seed give the same values whatever was declared first.
  mlir::MLIRContext ctx2;
  GraphBuilder g1(ctx, "main", 3), g2(ctx2, "main", 3);
  g1.parameter("first", DType::F32, {4}, ParamInit::normal());
  Tensor w1 = g1.parameter("w", DType::F32, {4}, ParamInit::normal());
  Tensor w2 = g2.parameter("w", DType::F32, {4}, ParamInit::normal());
  ASSERT_EQ(blobBytes(w1).size(), 16u);
  EXPECT_EQ(llvm::to_vector(blobBytes(w1)), llvm::to_vector(blobBytes(w2)));
}

TEST_F(GraphBuilderTest, LargeSplatParametersStayDistinct) {
  Tensor g1 = b.parameter("ln1.weight", DType::F32, {64}, ParamInit::ones());
  Tensor g2 = b.parameter("ln2.weight", DType::F32, {64}, ParamInit::ones());
  auto c1 = def<ms::ConstantOp>(g1), c2 = def<ms::ConstantOp>(g2);
  ASSERT_TRUE(c1 && c2);
  EXPECT_TRUE(mlir::isa<mlir::DenseResourceElementsAttr>(c1.getValue()));
  EXPECT_NE(c1.getValue(), c2.getValue());
}

TEST_F(GraphBuilderTest, ConstantsAndScalars) {
  Tensor s = b.scalar(DType::F32, 2.5);
  EXPECT_EQ(typeStr(s), "tensor<f32>");
  Tensor splat = b.constant(DType::I32, {100}, {7});
  auto c = def<ms::ConstantOp>(splat);
  ASSERT_TRUE(c);
  EXPECT_TRUE(mlir::cast<mlir::DenseElementsAttr>(c.getValue()).isSplat());
  Tensor big = b.constant(DType::F32, {17}, std::vector<double>(17, 0.0));
  EXPECT_TRUE(big.valid());
  Tensor f = b.fullLike(b.input("x", DType::BF16, {2, 3}), -INFINITY);
  EXPECT_EQ(typeStr(f), "tensor<2x3xbf16>");
  Tensor bools = b.constant(DType::I1, {3}, {1, 0, 1});
  EXPECT_EQ(typeStr(bools), "tensor<3xi1>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, ScopesSetLocations) {
  Tensor x = b.input("x", DType::F32, {2});
  Tensor y;
  {
    GraphBuilder::Scope outer(b, "h.0");
    GraphBuilder::Scope inner(b, "attn");
    y = b.exp(x);
  }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << y.value.getLoc();
  EXPECT_THAT(s, HasSubstr("h.0/attn"));
}

//===----------------------------------------------------------------------===//
// Elementwise and broadcasting
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, BinaryOpsSameShape) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor y = b.input("y", DType::F32, {2, 3});
  EXPECT_TRUE(def<ms::AddOp>(b.add(x, y)));
  EXPECT_TRUE(def<ms::SubOp>(b.sub(x, y)));
  EXPECT_TRUE(def<ms::MulOp>(b.mul(x, y)));
  EXPECT_TRUE(def<ms::DivOp>(b.div(x, y)));
  EXPECT_TRUE(def<ms::MaxOp>(b.max(x, y)));
  EXPECT_TRUE(def<ms::MinOp>(b.min(x, y)));
  Tensor p = b.pow(x, y);
  EXPECT_TRUE(def<ms::PowOp>(p));
  EXPECT_EQ(typeStr(p), "tensor<2x3xf32>");
  Tensor i = b.input("i", DType::I32, {4});
  EXPECT_TRUE(def<ms::AddOp>(b.add(i, i)));
  EXPECT_TRUE(def<ms::MulOp>(b.mul(x, 2.0)));
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, BinaryBroadcastsRightAligned) {
  Tensor x = b.input("x", DType::F32, {4, 1, 3});
  Tensor y = b.input("y", DType::F32, {5, 1});
  Tensor z = b.add(x, y);
  ASSERT_TRUE(z.valid()) << b.status();
  EXPECT_EQ(typeStr(z), "tensor<4x5x3xf32>");
  auto add = def<ms::AddOp>(z);
  auto bl = add.getLhs().getDefiningOp<ms::BroadcastInDimOp>();
  auto br = add.getRhs().getDefiningOp<ms::BroadcastInDimOp>();
  ASSERT_TRUE(bl && br);
  EXPECT_EQ(bl.getBroadcastDimensions(), llvm::ArrayRef<int64_t>({0, 1, 2}));
  EXPECT_EQ(br.getBroadcastDimensions(), llvm::ArrayRef<int64_t>({1, 2}));
  // A scalar broadcasts to anything; an operand of the result shape is used
  // as is.
  Tensor s = b.mul(z, b.scalar(DType::F32, 2.0));
  auto mul = def<ms::MulOp>(s);
  ASSERT_TRUE(mul);
  EXPECT_EQ(mul.getLhs(), z.value);
  EXPECT_TRUE(mul.getRhs().getDefiningOp<ms::BroadcastInDimOp>());
}

TEST_F(GraphBuilderTest, IncompatibleBroadcast) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor y = b.input("y", DType::F32, {4});
  EXPECT_FALSE(b.add(x, y).valid());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error(),
              AllOf(HasSubstr("add"), HasSubstr("[2, 3]"), HasSubstr("[4]")));
}

TEST_F(GraphBuilderTest, MixedElementTypesAreRejected) {
  Tensor x = b.input("x", DType::F32, {2});
  Tensor y = b.input("y", DType::BF16, {2});
  EXPECT_FALSE(b.mul(x, y).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("mul"), HasSubstr("f32"),
                             HasSubstr("bf16"), HasSubstr("convert")));
}

TEST_F(GraphBuilderTest, UnaryOps) {
  Tensor x = b.input("x", DType::F16, {3});
  EXPECT_TRUE(def<ms::NegOp>(b.neg(x)));
  EXPECT_TRUE(def<ms::AbsOp>(b.abs(x)));
  EXPECT_TRUE(def<ms::ExpOp>(b.exp(x)));
  EXPECT_TRUE(def<ms::LogOp>(b.log(x)));
  EXPECT_TRUE(def<ms::SqrtOp>(b.sqrt(x)));
  EXPECT_TRUE(def<ms::RsqrtOp>(b.rsqrt(x)));
  EXPECT_TRUE(def<ms::TanhOp>(b.tanh(x)));
  EXPECT_TRUE(def<ms::ErfOp>(b.erf(x)));
  EXPECT_TRUE(def<ms::SigmoidOp>(b.sigmoid(x)));
  EXPECT_TRUE(def<ms::ReluOp>(b.relu(x)));
  Tensor s = b.silu(x);
  EXPECT_TRUE(def<ms::SiluOp>(s));
  EXPECT_EQ(typeStr(s), "tensor<3xf16>");
  Tensor i = b.input("i", DType::I64, {3});
  EXPECT_TRUE(def<ms::NegOp>(b.neg(i)));
  EXPECT_TRUE(def<ms::ReluOp>(b.relu(i)));
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, FloatOnlyOpOnIntegers) {
  Tensor i = b.input("i", DType::I32, {3});
  EXPECT_FALSE(b.exp(i).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("exp"), HasSubstr("float"),
                             HasSubstr("tensor<3xi32>")));
}

TEST_F(GraphBuilderTest, ArithmeticOnI1IsRejected) {
  Tensor m = b.input("m", DType::I1, {3});
  EXPECT_FALSE(b.add(m, m).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("add"), HasSubstr("i1")));
}

TEST_F(GraphBuilderTest, GeluComposite) {
  Tensor x = b.input("x", DType::F32, {2, 8});
  for (auto approx : {GeluApproximation::none, GeluApproximation::tanh,
                      GeluApproximation::sigmoid}) {
    auto g = def<ms::GeluOp>(b.gelu(x, approx));
    ASSERT_TRUE(g);
    EXPECT_EQ(g.getApproximate(), approx);
  }
}

TEST_F(GraphBuilderTest, GeluDecomposed) {
  b.setCompositeMode(CompositeMode::kDecomposed);
  Tensor x = b.input("x", DType::F32, {2, 8});
  // erf form ends in mul(mul(x, 0.5), 1 + erf(x / sqrt2)).
  auto exact = def<ms::MulOp>(b.gelu(x, GeluApproximation::none));
  ASSERT_TRUE(exact);
  auto plus = exact.getRhs().getDefiningOp<ms::AddOp>();
  ASSERT_TRUE(plus);
  EXPECT_TRUE(plus.getLhs().getDefiningOp<ms::ErfOp>());
  auto tanhForm = def<ms::MulOp>(b.gelu(x, GeluApproximation::tanh));
  ASSERT_TRUE(tanhForm);
  auto plusTanh = tanhForm.getRhs().getDefiningOp<ms::AddOp>();
  ASSERT_TRUE(plusTanh);
  EXPECT_TRUE(plusTanh.getLhs().getDefiningOp<ms::TanhOp>());
  auto sig = def<ms::MulOp>(b.gelu(x, GeluApproximation::sigmoid));
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig.getLhs(), x.value);
  EXPECT_TRUE(sig.getRhs().getDefiningOp<ms::SigmoidOp>());
  // The per-call mode overrides the builder's.
  EXPECT_TRUE(def<ms::GeluOp>(
      b.gelu(x, GeluApproximation::none, CompositeMode::kComposite)));
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, CompareAndSelect) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor t = b.input("t", DType::F32, {3});
  Tensor m = b.compare(ComparePredicate::lt, x, t);
  auto cmp = def<ms::CompareOp>(m);
  ASSERT_TRUE(cmp);
  EXPECT_EQ(cmp.getPredicate(), ComparePredicate::lt);
  EXPECT_EQ(typeStr(m), "tensor<2x3xi1>");
  Tensor s = b.select(m, x, b.scalar(DType::F32, 0.0));
  EXPECT_TRUE(def<ms::SelectOp>(s));
  EXPECT_EQ(typeStr(s), "tensor<2x3xf32>");
  // A smaller predicate broadcasts too.
  Tensor row = b.compare(ComparePredicate::ge, t, b.scalar(DType::F32, 0.0));
  EXPECT_EQ(typeStr(b.select(row, x, x)), "tensor<2x3xf32>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, SelectNeedsI1Predicate) {
  Tensor x = b.input("x", DType::F32, {2});
  EXPECT_FALSE(b.select(x, x, x).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("select"), HasSubstr("i1")));
}

TEST_F(GraphBuilderTest, SelectBranchTypesMustMatch) {
  Tensor m = b.input("m", DType::I1, {2});
  Tensor x = b.input("x", DType::F32, {2});
  Tensor y = b.input("y", DType::I32, {2});
  EXPECT_FALSE(b.select(m, x, y).valid());
  EXPECT_THAT(error(),
              AllOf(HasSubstr("select"), HasSubstr("f32"), HasSubstr("i32")));
}

TEST_F(GraphBuilderTest, Convert) {
  Tensor x = b.input("x", DType::F32, {2});
  Tensor y = b.convert(x, DType::BF16);
  EXPECT_TRUE(def<ms::ConvertOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<2xbf16>");
  EXPECT_EQ(b.convert(x, DType::F32).value, x.value); // identity: no op
  EXPECT_FALSE(b.convert(x, static_cast<DType>(99)).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("convert"), HasSubstr("dtype")));
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, BroadcastInDim) {
  Tensor x = b.input("x", DType::F32, {3});
  Tensor y = b.broadcastInDim(x, {2, 3}, {1});
  auto op = def<ms::BroadcastInDimOp>(y);
  ASSERT_TRUE(op);
  EXPECT_EQ(typeStr(y), "tensor<2x3xf32>");
  EXPECT_FALSE(b.broadcastInDim(x, {3, 2}, {1}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("broadcast_in_dim"), HasSubstr("(C3)")));
}

TEST_F(GraphBuilderTest, BroadcastTo) {
  Tensor x = b.input("x", DType::F32, {3, 1});
  EXPECT_EQ(typeStr(b.broadcastTo(x, {2, 3, 4})), "tensor<2x3x4xf32>");
  EXPECT_EQ(b.broadcastTo(x, {3, 1}).value, x.value);
  EXPECT_FALSE(b.broadcastTo(x, {2, 4}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("[3, 1]"), HasSubstr("[2, 4]")));
}

TEST_F(GraphBuilderTest, Reshape) {
  Tensor x = b.input("x", DType::F32, {2, 6});
  Tensor y = b.reshape(x, {3, -1});
  EXPECT_TRUE(def<ms::ReshapeOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<3x4xf32>");
  EXPECT_FALSE(b.reshape(x, {5, 2}).valid());
  EXPECT_THAT(error(),
              AllOf(HasSubstr("reshape"), HasSubstr("12"), HasSubstr("10")));
}

TEST_F(GraphBuilderTest, ReshapeCannotInfer) {
  Tensor x = b.input("x", DType::F32, {2, 6});
  EXPECT_FALSE(b.reshape(x, {5, -1}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("reshape"), HasSubstr("-1")));
}

TEST_F(GraphBuilderTest, Transpose) {
  Tensor x = b.input("x", DType::F32, {1, 4, 12, 64});
  Tensor y = b.transpose(x, {0, 2, 1, -1});
  auto op = def<ms::TransposeOp>(y);
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getPermutation(), llvm::ArrayRef<int64_t>({0, 2, 1, 3}));
  EXPECT_EQ(typeStr(y), "tensor<1x12x4x64xf32>");
}

TEST_F(GraphBuilderTest, BadPermutation) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  EXPECT_FALSE(b.transpose(x, {0, 0}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("transpose"), HasSubstr("[0, 0]"),
                             HasSubstr("permutation")));
}

TEST_F(GraphBuilderTest, Slice) {
  Tensor x = b.input("x", DType::F32, {4, 2304});
  Tensor y = b.slice(x, {0, 768}, {4, 1536});
  EXPECT_TRUE(def<ms::SliceOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<4x768xf32>");
  EXPECT_EQ(typeStr(b.sliceAxis(x, -1, 1, 2304, 2)), "tensor<4x1152xf32>");
  EXPECT_FALSE(b.slice(x, {0, 0}, {5, 10}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("slice"), HasSubstr("limit (5)"),
                             HasSubstr("size (4)")));
}

TEST_F(GraphBuilderTest, Concatenate) {
  Tensor a = b.input("a", DType::F32, {2, 3});
  Tensor c = b.input("c", DType::F32, {2, 5});
  Tensor y = b.concatenate({a, c}, -1);
  EXPECT_TRUE(def<ms::ConcatenateOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<2x8xf32>");
  EXPECT_FALSE(b.concatenate({a, c}, 0).valid());
  EXPECT_THAT(error(),
              AllOf(HasSubstr("concatenate"), HasSubstr("tensor<2x5xf32>")));
}

TEST_F(GraphBuilderTest, ConcatenateNeedsInputs) {
  EXPECT_FALSE(b.concatenate({}, 0).valid());
  EXPECT_THAT(error(), HasSubstr("at least one input"));
}

TEST_F(GraphBuilderTest, Gather) {
  Tensor table = b.parameter("wte", DType::F32, {50, 8}, ParamInit::normal());
  Tensor ids = b.input("ids", DType::I32, {2, 4});
  Tensor y = b.gather(table, ids);
  EXPECT_TRUE(def<ms::GatherOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<2x4x8xf32>");
  Tensor fid = b.input("fid", DType::F32, {2});
  EXPECT_FALSE(b.gather(table, fid).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("gather"), HasSubstr("i32 or i64")));
}

TEST_F(GraphBuilderTest, Iota) {
  Tensor y = b.iota(DType::I32, {4, 5}, -1);
  auto op = def<ms::IotaOp>(y);
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getDimension(), 1u);
  EXPECT_EQ(typeStr(y), "tensor<4x5xi32>");
  EXPECT_FALSE(b.iota(DType::I32, {4}, 1).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("iota"), HasSubstr("axis 1"),
                             HasSubstr("rank 1")));
}

//===----------------------------------------------------------------------===//
// Reductions and matmul
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, Reduce) {
  Tensor x = b.input("x", DType::F32, {2, 3, 4});
  Tensor s = b.reduceSum(x, {-1, 0});
  auto op = def<ms::ReduceOp>(s);
  ASSERT_TRUE(op);
  EXPECT_EQ(op.getKind(), ReduceKind::sum);
  EXPECT_EQ(op.getDimensions(), llvm::ArrayRef<int64_t>({0, 2}));
  EXPECT_EQ(typeStr(s), "tensor<3xf32>");
  EXPECT_EQ(typeStr(b.reduceMax(x, {1}, /*keepDims=*/true)),
            "tensor<2x1x4xf32>");
  EXPECT_EQ(def<ms::ReduceOp>(b.reduceMean(x, {1})).getKind(),
            ReduceKind::mean);
  EXPECT_EQ(def<ms::ReduceOp>(b.reduceMin(x, {1})).getKind(), ReduceKind::min);
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, ReduceBadAxis) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  EXPECT_FALSE(b.reduceSum(x, {2}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("reduce"), HasSubstr("axis 2"),
                             HasSubstr("rank 2")));
}

TEST_F(GraphBuilderTest, ReduceRepeatedAxis) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  EXPECT_FALSE(b.reduceSum(x, {1, -1}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("reduce"), HasSubstr("twice")));
}

TEST_F(GraphBuilderTest, ReduceMeanOfIntegers) {
  Tensor x = b.input("x", DType::I32, {2, 3});
  EXPECT_FALSE(b.reduceMean(x, {1}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("mean"), HasSubstr("float")));
}

TEST_F(GraphBuilderTest, Matmul) {
  Tensor x = b.input("x", DType::F32, {4, 128, 768});
  Tensor w = b.parameter("w", DType::F32, {768, 64}, ParamInit::normal());
  Tensor y = b.matmul(x, w);
  EXPECT_TRUE(def<ms::MatmulOp>(y));
  EXPECT_EQ(typeStr(y), "tensor<4x128x64xf32>");
  Tensor q = b.input("q", DType::F32, {1, 2, 8, 16});
  auto s = def<ms::MatmulOp>(b.matmul(q, q, false, true));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s.getTransposeRhs());
  EXPECT_FALSE(s.getTransposeLhs());
  EXPECT_EQ(typeStr(Tensor(s.getResult())), "tensor<1x2x8x8xf32>");
}

TEST_F(GraphBuilderTest, MatmulBadK) {
  Tensor x = b.input("x", DType::F32, {4, 3});
  Tensor w = b.input("w", DType::F32, {5, 2});
  EXPECT_FALSE(b.matmul(x, w).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("matmul"), HasSubstr("(C2)"),
                             HasSubstr("K=3"), HasSubstr("K=5")));
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, SoftmaxFamilyComposite) {
  Tensor x = b.input("x", DType::F32, {4, 10});
  auto sm = def<ms::SoftmaxOp>(b.softmax(x, -1));
  ASSERT_TRUE(sm);
  EXPECT_EQ(sm.getAxis(), 1u);
  EXPECT_TRUE(def<ms::LogSoftmaxOp>(b.logSoftmax(x, 0)));
  Tensor l = b.logSumExp(x, 1);
  EXPECT_TRUE(def<ms::LogSumExpOp>(l));
  EXPECT_EQ(typeStr(l), "tensor<4xf32>");
}

TEST_F(GraphBuilderTest, SoftmaxDecomposed) {
  Tensor x = b.input("x", DType::F32, {4, 10});
  Tensor y = b.softmax(x, 1, CompositeMode::kDecomposed);
  EXPECT_EQ(typeStr(y), "tensor<4x10xf32>");
  // div(exp(x - bcast(max)), bcast(sum(exp)))
  auto div = def<ms::DivOp>(y);
  ASSERT_TRUE(div);
  auto e = div.getLhs().getDefiningOp<ms::ExpOp>();
  ASSERT_TRUE(e);
  auto s = e.getOperand().getDefiningOp<ms::SubOp>();
  ASSERT_TRUE(s);
  auto bm = s.getRhs().getDefiningOp<ms::BroadcastInDimOp>();
  ASSERT_TRUE(bm);
  auto m = bm.getOperand().getDefiningOp<ms::ReduceOp>();
  ASSERT_TRUE(m);
  EXPECT_EQ(m.getKind(), ReduceKind::max);
  auto bs = div.getRhs().getDefiningOp<ms::BroadcastInDimOp>();
  ASSERT_TRUE(bs);
  auto sum = bs.getOperand().getDefiningOp<ms::ReduceOp>();
  ASSERT_TRUE(sum);
  EXPECT_EQ(sum.getKind(), ReduceKind::sum);
  EXPECT_EQ(sum.getOperand(), e.getResult());
  EXPECT_EQ(typeStr(b.logSoftmax(x, 1, CompositeMode::kDecomposed)),
            "tensor<4x10xf32>");
  EXPECT_EQ(typeStr(b.logSumExp(x, 1, CompositeMode::kDecomposed)),
            "tensor<4xf32>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, SoftmaxBadAxis) {
  Tensor x = b.input("x", DType::F32, {4, 10});
  EXPECT_FALSE(b.softmax(x, 2).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("softmax"), HasSubstr("axis 2"),
                             HasSubstr("rank 2")));
}

TEST_F(GraphBuilderTest, NegativeAxisTooSmall) {
  Tensor x = b.input("x", DType::F32, {4, 10});
  EXPECT_FALSE(b.logSoftmax(x, -3).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("axis -3"), HasSubstr("rank 2")));
}

TEST_F(GraphBuilderTest, LayerNorm) {
  Tensor x = b.input("x", DType::F32, {2, 4, 8});
  Tensor g = b.parameter("g", DType::F32, {8}, ParamInit::ones());
  Tensor be = b.parameter("b", DType::F32, {8}, ParamInit::zeros());
  auto ln = def<ms::LayerNormOp>(b.layerNorm(x, g, be, -1, 1e-5));
  ASSERT_TRUE(ln);
  EXPECT_EQ(ln.getAxis(), 2u);
  EXPECT_EQ(ln.getGamma(), g.value);
  EXPECT_EQ(ln.getBeta(), be.value);
  EXPECT_DOUBLE_EQ(ln.getEpsilon().convertToDouble(), 1e-5);
  auto plain = def<ms::LayerNormOp>(b.layerNorm(x, std::nullopt, std::nullopt));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain.getGamma());
  Tensor d = b.layerNorm(x, g, be, -1, 1e-5, CompositeMode::kDecomposed);
  EXPECT_TRUE(def<ms::AddOp>(d)); // ... * gamma + beta
  EXPECT_EQ(typeStr(d), "tensor<2x4x8xf32>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, LayerNormBadGamma) {
  Tensor x = b.input("x", DType::F32, {2, 8});
  Tensor g = b.input("g", DType::F32, {4});
  EXPECT_FALSE(b.layerNorm(x, g, std::nullopt).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("layer_norm"), HasSubstr("(C2)"),
                             HasSubstr("tensor<4xf32>"), HasSubstr("[8]")));
}

TEST_F(GraphBuilderTest, LayerNormBadEpsilonInBothModes) {
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    GraphBuilder g(ctx);
    Tensor x = g.input("x", DType::F32, {2, 8});
    EXPECT_FALSE(
        g.layerNorm(x, std::nullopt, std::nullopt, -1, -1.0, mode).valid());
    EXPECT_THAT(std::string(g.status().message()),
                AllOf(HasSubstr("epsilon"), HasSubstr("(C3)")));
  }
}

TEST_F(GraphBuilderTest, RmsNorm) {
  Tensor x = b.input("x", DType::BF16, {2, 8});
  Tensor g = b.parameter("g", DType::BF16, {8}, ParamInit::ones());
  auto r = def<ms::RmsNormOp>(b.rmsNorm(x, g));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.getAxis(), 1u);
  Tensor d = b.rmsNorm(x, g, -1, 1e-6, CompositeMode::kDecomposed);
  EXPECT_TRUE(def<ms::MulOp>(d));
  EXPECT_EQ(typeStr(d), "tensor<2x8xbf16>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, AttentionComposite) {
  Tensor q = b.input("q", DType::F32, {2, 4, 8, 16});
  Tensor k = b.input("k", DType::F32, {2, 4, 10, 16});
  Tensor v = b.input("v", DType::F32, {2, 4, 10, 32});
  Tensor mask = b.input("mask", DType::F32, {2, 1, 1, 10});
  Tensor y = b.attention(q, k, v, mask, 0.25, /*causal=*/true);
  auto op = def<ms::AttentionOp>(y);
  ASSERT_TRUE(op);
  EXPECT_TRUE(op.getCausal());
  EXPECT_DOUBLE_EQ(op.getScale().convertToDouble(), 0.25);
  EXPECT_EQ(typeStr(y), "tensor<2x4x8x32xf32>");
  // The [B,1,1,T] mask is broadcast to [B,1,S,T], keeping the head dim 1.
  ASSERT_TRUE(op.getBias());
  EXPECT_EQ(typeStr(Tensor(op.getBias())), "tensor<2x1x8x10xf32>");
}

TEST_F(GraphBuilderTest, AttentionDecomposed) {
  Tensor q = b.input("q", DType::F32, {1, 2, 4, 8});
  Tensor y = b.attention(q, q, q, std::nullopt, 0.125, true,
                         CompositeMode::kDecomposed);
  EXPECT_EQ(typeStr(y), "tensor<1x2x4x8xf32>");
  auto pv = def<ms::MatmulOp>(y);
  ASSERT_TRUE(pv);
  EXPECT_TRUE(pv.getLhs().getDefiningOp<ms::DivOp>()); // the softmax
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, AttentionBadHeadSize) {
  Tensor q = b.input("q", DType::F32, {1, 2, 4, 8});
  Tensor k = b.input("k", DType::F32, {1, 2, 4, 16});
  EXPECT_FALSE(b.attention(q, k, k, std::nullopt, 1.0, false).valid());
  EXPECT_THAT(error(),
              AllOf(HasSubstr("attention"), HasSubstr("(C2)"),
                    HasSubstr("[1, 2, 4, 8]"), HasSubstr("[1, 2, 4, 16]")));
}

TEST_F(GraphBuilderTest, AttentionBadBias) {
  Tensor q = b.input("q", DType::F32, {1, 2, 4, 8});
  Tensor bias = b.input("bias", DType::F32, {1, 1, 3, 4});
  EXPECT_FALSE(b.attention(q, q, q, bias, 1.0, false).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("attention"), HasSubstr("bias"),
                             HasSubstr("[1, 2, 4, 4]")));
}

TEST_F(GraphBuilderTest, RotaryEmbedding) {
  Tensor x = b.input("x", DType::F32, {1, 2, 6, 8});
  Tensor cos = b.input("cos", DType::F32, {6, 4});
  Tensor sin = b.input("sin", DType::F32, {6, 4});
  auto r = def<ms::RotaryEmbeddingOp>(b.rotaryEmbedding(x, cos, sin, true));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.getInterleaved());
  for (bool interleaved : {false, true}) {
    Tensor d =
        b.rotaryEmbedding(x, cos, sin, interleaved, CompositeMode::kDecomposed);
    EXPECT_EQ(typeStr(d), "tensor<1x2x6x8xf32>");
  }
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, RotaryEmbeddingBadTables) {
  Tensor x = b.input("x", DType::F32, {1, 2, 6, 8});
  Tensor cos = b.input("cos", DType::F32, {6, 8});
  EXPECT_FALSE(b.rotaryEmbedding(x, cos, cos).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("rotary_embedding"),
                             HasSubstr("tensor<6x8xf32>"), HasSubstr("6x4")));
}

//===----------------------------------------------------------------------===//
// Misuse of the builder itself
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, DuplicateNames) {
  b.input("x", DType::F32, {2});
  EXPECT_FALSE(b.parameter("x", DType::F32, {2}, ParamInit::zeros()).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("'x'"), HasSubstr("already used")));
}

TEST_F(GraphBuilderTest, DuplicateOutputName) {
  Tensor x = b.input("x", DType::F32, {2});
  b.output("y", x);
  b.output("y", x);
  EXPECT_THAT(error(), AllOf(HasSubstr("'y'"), HasSubstr("already used")));
  EXPECT_FALSE(b.build().ok());
}

TEST_F(GraphBuilderTest, EmptyName) {
  EXPECT_FALSE(b.input("", DType::F32, {2}).valid());
  EXPECT_THAT(error(), HasSubstr("name is empty"));
}

TEST_F(GraphBuilderTest, EmptyFunctionName) {
  GraphBuilder g(ctx, "");
  EXPECT_FALSE(g.ok());
  EXPECT_FALSE(g.build().ok());
}

TEST_F(GraphBuilderTest, BadDType) {
  EXPECT_FALSE(b.input("x", static_cast<DType>(42), {2}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("input 'x'"), HasSubstr("dtype"),
                             HasSubstr("42")));
}

TEST_F(GraphBuilderTest, NegativeDimension) {
  EXPECT_FALSE(b.input("x", DType::F32, {2, -3}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("[2, -3]"), HasSubstr("negative")));
}

TEST_F(GraphBuilderTest, WrongValueCount) {
  EXPECT_FALSE(b.constant(DType::F32, {2, 2}, {1, 2, 3}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("3 values"), HasSubstr("[2, 2]")));
}

TEST_F(GraphBuilderTest, IntegerValueOutOfRange) {
  EXPECT_FALSE(b.constant(DType::I32, {1}, {1e12}).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("not representable"), HasSubstr("i32")));
}

TEST_F(GraphBuilderTest, InvalidTensorChaining) {
  Tensor x = b.input("x", DType::F32, {2, 3});
  Tensor bad = b.transpose(x, {0, 5}); // first error
  ASSERT_FALSE(bad.valid());
  std::string first = error();
  // Every later call returns invalid and keeps the first error.
  Tensor y = b.exp(bad);
  Tensor z = b.add(y, x);
  Tensor w = b.softmax(z, 9);
  b.output("w", w);
  EXPECT_FALSE(y.valid());
  EXPECT_FALSE(z.valid());
  EXPECT_FALSE(w.valid());
  EXPECT_EQ(error(), first);
  auto module = b.build();
  ASSERT_FALSE(module.ok());
  EXPECT_EQ(std::string(module.status().message()), first);
  EXPECT_THAT(first, HasSubstr("transpose"));
}

TEST_F(GraphBuilderTest, DefaultConstructedTensor) {
  EXPECT_FALSE(b.exp(Tensor()).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("exp"), HasSubstr("invalid Tensor")));
}

TEST_F(GraphBuilderTest, TensorFromAnotherBuilder) {
  GraphBuilder other(ctx);
  Tensor foreign = other.input("x", DType::F32, {2});
  Tensor mine = b.input("x", DType::F32, {2});
  EXPECT_FALSE(b.add(mine, foreign).valid());
  EXPECT_THAT(error(), AllOf(HasSubstr("add"), HasSubstr("operand 1"),
                             HasSubstr("another GraphBuilder")));
}

TEST_F(GraphBuilderTest, BuildWithoutOutputs) {
  b.input("x", DType::F32, {2});
  auto module = b.build();
  ASSERT_FALSE(module.ok());
  EXPECT_THAT(std::string(module.status().message()), HasSubstr("no outputs"));
}

TEST_F(GraphBuilderTest, BuildTwice) {
  b.output("y", b.input("x", DType::F32, {2}));
  ASSERT_TRUE(b.build().ok());
  auto again = b.build();
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("already"));
}

//===----------------------------------------------------------------------===//
// Limit on parameter and constant data
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, ConstantBytesLimitCountsTheWholeGraph) {
  EXPECT_EQ(b.getMaxConstantBytes(), kDefaultMaxConstantBytes);
  b.setMaxConstantBytes(1000);
  EXPECT_TRUE(b.parameter("a", DType::F32, {10, 10}, ParamInit::normal()));
  EXPECT_TRUE(b.parameter("b", DType::F16, {200}, ParamInit::zeros()));
  EXPECT_EQ(b.getConstantBytes(), 800);
  // An unnamed splat counts one element, however large its shape.
  EXPECT_TRUE(b.constant(DType::F32, {1000, 1000}, {0.5}));
  EXPECT_EQ(b.getConstantBytes(), 804);
  EXPECT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(b.parameter("c", DType::F32, {7, 8}, ParamInit::normal()));
  EXPECT_THAT(error(),
              AllOf(HasSubstr("parameter 'c'"), HasSubstr("[7, 8]"),
                    HasSubstr("f32"), HasSubstr("224 bytes"),
                    HasSubstr("limit of 1000"), HasSubstr("804 already used"),
                    HasSubstr("setMaxConstantBytes")));
}

TEST_F(GraphBuilderTest, ConstantBytesLimitOnEveryConstantPath) {
  // Explicit values, unnamed non-splat constants and fullLike are counted.
  expectRejected(
      [](GraphBuilder &g) {
        g.setMaxConstantBytes(15);
        return g.parameter("w", DType::F32, {4}, {1, 2, 3, 4});
      },
      {"parameter 'w'", "[4]", "16 bytes", "limit of 15"});
  expectRejected(
      [](GraphBuilder &g) {
        g.setMaxConstantBytes(100);
        std::vector<double> ramp(13);
        std::iota(ramp.begin(), ramp.end(), 0.0);
        return g.constant(DType::I64, {13}, ramp);
      },
      {"constant", "[13]", "104 bytes"});
  expectRejected(
      [](GraphBuilder &g) {
        g.setMaxConstantBytes(0);
        return g.fullLike(g.input("x", DType::F32, {2}), 1.0);
      },
      {"fullLike", "4 bytes", "limit of 0"});
}

TEST_F(GraphBuilderTest, HugeParameterFailsBeforeAllocating) {
  // 10^8 x 768 f32 is 307 GB: under the default limit this must be a status
  // naming the parameter, not an out-of-memory abort while generating it.
  Tensor p =
      b.parameter("wpe", DType::F32, {100000000, 768}, ParamInit::normal());
  EXPECT_FALSE(p.valid());
  EXPECT_THAT(error(),
              AllOf(HasSubstr("parameter 'wpe'"), HasSubstr("[100000000, 768]"),
                    HasSubstr("307200000000 bytes")));
  EXPECT_EQ(b.getConstantBytes(), 0);
}

//===----------------------------------------------------------------------===//
// Out-of-range enum values
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, InvalidReduceKind) {
  expectRejected(
      [](GraphBuilder &g) {
        return g.reduce(static_cast<ReduceKind>(77),
                        g.input("x", DType::F32, {2, 3}), {0});
      },
      {"reduce", "ReduceKind", "77", "sum"});
}

TEST_F(GraphBuilderTest, InvalidComparePredicate) {
  expectRejected(
      [](GraphBuilder &g) {
        Tensor x = g.input("x", DType::F32, {2});
        return g.compare(static_cast<ComparePredicate>(42), x, x);
      },
      {"compare", "ComparePredicate", "42", "eq, ne, lt, le, gt, ge"});
}

TEST_F(GraphBuilderTest, InvalidGeluApproximationInBothModes) {
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.gelu(g.input("x", DType::F32, {2}),
                        static_cast<GeluApproximation>(9), mode);
        },
        {"gelu", "GeluApproximation", "9", "tanh"});
  }
}

//===----------------------------------------------------------------------===//
// Bad input for the calls not covered above (every call has both)
//===----------------------------------------------------------------------===//

TEST_F(GraphBuilderTest, ParameterInitBadInput) {
  expectRejected(
      [](GraphBuilder &g) {
        return g.parameter("w", DType::F32, {2},
                           ParamInit::normal(std::nan("")));
      },
      {"parameter 'w'", "scale must be finite"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.parameter("w", static_cast<DType>(13), {2},
                           ParamInit::zeros());
      },
      {"parameter 'w'", "invalid dtype", "13"});
  expectRejected(
      [](GraphBuilder &g) { return g.parameter("w", DType::I32, {2}, {0.5}); },
      {"parameter 'w'", "0.5", "not representable in i32"});
}

TEST_F(GraphBuilderTest, ScalarBadInput) {
  EXPECT_EQ(typeStr(b.scalar(DType::I64, -3)), "tensor<i64>");
  EXPECT_TRUE(b.ok()) << b.status();
  expectRejected(
      [](GraphBuilder &g) { return g.scalar(static_cast<DType>(42), 1.0); },
      {"scalar", "invalid dtype", "42"});
  for (double v : {std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    expectRejected([v](GraphBuilder &g) { return g.scalar(DType::I32, v); },
                   {"not representable in i32"});
  }
}

TEST_F(GraphBuilderTest, FullLikeBadInput) {
  Tensor i = b.input("i", DType::I64, {2, 2});
  EXPECT_EQ(typeStr(b.fullLike(i, -7)), "tensor<2x2xi64>");
  EXPECT_TRUE(b.ok()) << b.status();
  expectRejected(
      [](GraphBuilder &g) {
        return g.fullLike(g.input("i", DType::I32, {2}), INFINITY);
      },
      {"fullLike", "inf", "not representable in i32"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.fullLike(g.input("i", DType::I64, {2}), std::nan(""));
      },
      {"fullLike", "not representable in i64"});
  expectRejected([](GraphBuilder &g) { return g.fullLike(Tensor(), 1.0); },
                 {"fullLike", "invalid Tensor"});
}

TEST_F(GraphBuilderTest, EveryBinaryOpRejectsIncompatibleShapes) {
  using BinaryFn = Tensor (GraphBuilder::*)(Tensor, Tensor);
  std::pair<const char *, BinaryFn> ops[] = {
      {"add", &GraphBuilder::add}, {"sub", &GraphBuilder::sub},
      {"mul", &GraphBuilder::mul}, {"div", &GraphBuilder::div},
      {"max", &GraphBuilder::max}, {"min", &GraphBuilder::min},
      {"pow", &GraphBuilder::pow}};
  for (auto [name, fn] : ops) {
    SCOPED_TRACE(name);
    expectRejected(
        [fn = fn](GraphBuilder &g) {
          return (g.*fn)(g.input("x", DType::F32, {2, 3}),
                         g.input("y", DType::F32, {2}));
        },
        {name, "cannot broadcast", "[2, 3]", "[2]"});
  }
}

TEST_F(GraphBuilderTest, PowBadInput) {
  expectRejected(
      [](GraphBuilder &g) {
        Tensor i = g.input("i", DType::I32, {3});
        return g.pow(i, i);
      },
      {"pow", "float", "tensor<3xi32>"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.pow(g.input("x", DType::F32, {3}),
                     g.input("y", DType::F16, {3}));
      },
      {"pow", "element types differ", "f32", "f16"});
}

TEST_F(GraphBuilderTest, EveryScalarOperandOverloadRejectsBadInput) {
  using ScalarFn = Tensor (GraphBuilder::*)(Tensor, double);
  std::pair<const char *, ScalarFn> ops[] = {{"add", &GraphBuilder::add},
                                             {"sub", &GraphBuilder::sub},
                                             {"mul", &GraphBuilder::mul},
                                             {"div", &GraphBuilder::div}};
  for (auto [name, fn] : ops) {
    SCOPED_TRACE(name);
    Tensor good =
        (b.*fn)(b.input(std::string("x_") + name, DType::F32, {2}), 2.0);
    EXPECT_EQ(typeStr(good), "tensor<2xf32>");
    // 0.5 does not fit the integer operand's type.
    expectRejected(
        [fn = fn](GraphBuilder &g) {
          return (g.*fn)(g.input("i", DType::I32, {2}), 0.5);
        },
        {"fullLike", "0.5", "i32"});
  }
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, EveryUnaryOpRejectsBadInput) {
  using UnaryFn = Tensor (GraphBuilder::*)(Tensor);
  std::pair<const char *, UnaryFn> floatOnly[] = {
      {"exp", &GraphBuilder::exp},         {"log", &GraphBuilder::log},
      {"sqrt", &GraphBuilder::sqrt},       {"rsqrt", &GraphBuilder::rsqrt},
      {"tanh", &GraphBuilder::tanh},       {"erf", &GraphBuilder::erf},
      {"sigmoid", &GraphBuilder::sigmoid}, {"silu", &GraphBuilder::silu}};
  for (auto [name, fn] : floatOnly) {
    SCOPED_TRACE(name);
    expectRejected(
        [fn = fn](GraphBuilder &g) {
          return (g.*fn)(g.input("i", DType::I64, {3}));
        },
        {name, "float", "tensor<3xi64>"});
  }
  std::pair<const char *, UnaryFn> numeric[] = {{"neg", &GraphBuilder::neg},
                                                {"abs", &GraphBuilder::abs},
                                                {"relu", &GraphBuilder::relu}};
  for (auto [name, fn] : numeric) {
    SCOPED_TRACE(name);
    expectRejected(
        [fn = fn](GraphBuilder &g) {
          return (g.*fn)(g.input("m", DType::I1, {3}));
        },
        {name, "numeric", "i1"});
  }
}

TEST_F(GraphBuilderTest, GeluBadInput) {
  expectRejected(
      [](GraphBuilder &g) { return g.gelu(g.input("i", DType::I32, {3})); },
      {"gelu", "float", "tensor<3xi32>"});
}

TEST_F(GraphBuilderTest, CompareBadInput) {
  expectRejected(
      [](GraphBuilder &g) {
        return g.compare(ComparePredicate::eq, g.input("x", DType::F32, {2, 3}),
                         g.input("y", DType::F32, {4}));
      },
      {"compare", "cannot broadcast", "[2, 3]", "[4]"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.compare(ComparePredicate::lt, g.input("x", DType::F32, {2}),
                         g.input("y", DType::I32, {2}));
      },
      {"compare", "element types differ", "f32", "i32"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.compare(ComparePredicate::ne, Tensor(),
                         g.input("y", DType::I32, {2}));
      },
      {"compare", "operand 0", "invalid Tensor"});
}

TEST_F(GraphBuilderTest, SliceAxisBadInput) {
  Tensor x = b.input("x", DType::F32, {4, 6});
  auto s = def<ms::SliceOp>(b.sliceAxis(x, 0, 1, 3));
  ASSERT_TRUE(s);
  EXPECT_EQ(s.getStartIndices(), llvm::ArrayRef<int64_t>({1, 0}));
  EXPECT_EQ(s.getLimitIndices(), llvm::ArrayRef<int64_t>({3, 6}));
  expectRejected(
      [](GraphBuilder &g) {
        return g.sliceAxis(g.input("x", DType::F32, {4, 6}), 2, 0, 1);
      },
      {"sliceAxis", "axis 2", "rank 2"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.sliceAxis(g.input("x", DType::F32, {4, 6}), -1, 0, 7);
      },
      {"slice", "limit (7)", "size (6)"});
  expectRejected(
      [](GraphBuilder &g) {
        return g.sliceAxis(g.input("x", DType::F32, {4, 6}), 0, 0, 4, 0);
      },
      {"slice"});
}

TEST_F(GraphBuilderTest, IotaBadInput) {
  // i1 cannot hold indices: rejected by the builder with its own message,
  // not left to the dialect's verifier at build().
  expectRejected([](GraphBuilder &g) { return g.iota(DType::I1, {4}, 0); },
                 {"iota", "i1", "numeric"});
  expectRejected(
      [](GraphBuilder &g) { return g.iota(static_cast<DType>(50), {4}, 0); },
      {"iota", "invalid dtype", "50"});
  expectRejected([](GraphBuilder &g) { return g.iota(DType::I32, {-4}, 0); },
                 {"iota", "negative"});
  EXPECT_EQ(typeStr(b.iota(DType::F16, {3}, 0)), "tensor<3xf16>");
  EXPECT_TRUE(b.ok()) << b.status();
}

TEST_F(GraphBuilderTest, EveryReduceHelperRejectsBadAxes) {
  using ReduceFn =
      Tensor (GraphBuilder::*)(Tensor, llvm::ArrayRef<int64_t>, bool);
  std::pair<const char *, ReduceFn> ops[] = {
      {"sum", &GraphBuilder::reduceSum},
      {"max", &GraphBuilder::reduceMax},
      {"min", &GraphBuilder::reduceMin},
      {"mean", &GraphBuilder::reduceMean}};
  for (auto [name, fn] : ops) {
    SCOPED_TRACE(name);
    expectRejected(
        [fn = fn](GraphBuilder &g) {
          return (g.*fn)(g.input("x", DType::F32, {2, 3}), {-3}, false);
        },
        {"reduce", "axis -3", "rank 2"});
  }
  expectRejected(
      [](GraphBuilder &g) {
        return g.reduceSum(g.input("m", DType::I1, {2}), {0});
      },
      {"reduce", "numeric", "i1"});
}

TEST_F(GraphBuilderTest, MatmulAccumulationType) {
  Tensor x = b.input("x", DType::BF16, {4, 8});
  Tensor w = b.input("w", DType::BF16, {8, 2});
  auto mm = def<ms::MatmulOp>(b.matmul(x, w, false, false, DType::F32));
  ASSERT_TRUE(mm);
  ASSERT_TRUE(mm.getAccumulationType());
  EXPECT_TRUE(mm.getAccumulationType()->isF32());
  EXPECT_EQ(typeStr(Tensor(mm.getResult())), "tensor<4x2xbf16>");
  EXPECT_FALSE(def<ms::MatmulOp>(b.matmul(x, w)).getAccumulationType());
  Tensor i = b.input("i", DType::I32, {2, 2});
  EXPECT_TRUE(def<ms::MatmulOp>(b.matmul(i, i, false, false, DType::I64)));
  b.output("y", Tensor(mm.getResult()));
  auto module = b.build();
  ASSERT_TRUE(module.ok()) << module.status();
  expectRoundTrip(**module);

  // (C4): f32 operands accumulate in f32, integers in at least their width.
  expectRejected(
      [](GraphBuilder &g) {
        Tensor a = g.input("a", DType::F32, {2, 2});
        return g.matmul(a, a, false, false, DType::F16);
      },
      {"matmul", "(C4)", "accumulation_type", "f16", "f32"});
  expectRejected(
      [](GraphBuilder &g) {
        Tensor a = g.input("a", DType::I64, {2, 2});
        return g.matmul(a, a, false, false, DType::I32);
      },
      {"matmul", "(C4)", "i32", "i64"});
  expectRejected(
      [](GraphBuilder &g) {
        Tensor a = g.input("a", DType::F32, {2, 2});
        return g.matmul(a, a, false, false, static_cast<DType>(99));
      },
      {"matmul accumulation_type", "invalid dtype", "99"});
}

TEST_F(GraphBuilderTest, LogSumExpBadInput) {
  EXPECT_EQ(typeStr(b.logSumExp(b.input("x", DType::F16, {2, 3}), -2)),
            "tensor<3xf16>");
  EXPECT_TRUE(b.ok()) << b.status();
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.logSumExp(g.input("x", DType::F32, {2, 3}), 2, mode);
        },
        {"logSumExp", "axis 2", "rank 2"});
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.logSumExp(g.input("i", DType::I32, {2, 3}), -1, mode);
        },
        {"logSumExp", "float", "tensor<2x3xi32>"});
  }
}

TEST_F(GraphBuilderTest, RmsNormBadInput) {
  for (auto mode : {CompositeMode::kComposite, CompositeMode::kDecomposed}) {
    expectRejected(
        [mode](GraphBuilder &g) {
          Tensor x = g.input("x", DType::F32, {2, 8});
          return g.rmsNorm(x, g.input("g", DType::F32, {4}), -1, 1e-6, mode);
        },
        {"rmsNorm", "(C2)", "tensor<4xf32>", "[8]"});
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.rmsNorm(g.input("x", DType::F32, {2, 8}), std::nullopt, -1,
                           -1.0, mode);
        },
        {"rmsNorm", "epsilon", "(C3)"});
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.rmsNorm(g.input("x", DType::F32, {2, 8}), std::nullopt, 2,
                           1e-6, mode);
        },
        {"rmsNorm", "axis 2", "rank 2"});
    expectRejected(
        [mode](GraphBuilder &g) {
          return g.rmsNorm(g.input("i", DType::I32, {2, 8}), std::nullopt, -1,
                           1e-6, mode);
        },
        {"rmsNorm", "float"});
  }
}

} // namespace
