//===- RecognizeGelu.cpp - Primitive GELU graphs to sinter.gelu ----------===//
//
// Finds the three GELU formulas models write by hand and replaces each by
// `sinter.gelu` with the matching approximation:
//
//   none:    0.5 * x * (1 + erf(x / sqrt(2)))
//   tanh:    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
//            (also the "fast" spelling x * sqrt(2/pi) * (1 + 0.044715 x^2))
//   sigmoid: x * sigmoid(1.702 * x)
//
// Models associate the products every way (`x * 0.5 * (...)`,
// `0.5 * x * (...)`, `(x * 0.5) * (...)`) and scale by dividing
// (`x / sqrt(2)`, `x / 2`), so each product is flattened into its factors
// and the constants multiplied together before they are compared with the
// formula's, within a tolerance fitting the element type. A different
// constant (x * sigmoid(x) is SiLU, not GELU) never matches, and every
// intermediate must be read only inside the formula.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"
#include "compiler/Transforms/RecognizeUtils.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

#define DEBUG_TYPE "sinter-recognize-gelu"

namespace sinter {
#define GEN_PASS_DEF_RECOGNIZEGELUPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;
using namespace sinter::recognize;

namespace {

/// A product flattened into its non-constant factors and the product of its
/// constant ones.
struct Product {
  SmallVector<Value> factors;
  double scale = 1.0;
};

/// Flattens the product `v`: looks through muls, and divisions by a
/// constant, that only the product reads (the outermost, `root`, may have
/// any users).
void flatten(Value v, Product &p, MatchedOps &matched, bool root = false) {
  Operation *def = v.getDefiningOp();
  bool inner = def && (root || v.hasOneUse());
  if (std::optional<double> c = getSplatValue(v)) {
    p.scale *= *c;
  } else if (auto mul = dyn_cast_or_null<MulOp>(def); mul && inner) {
    matched.add(mul);
    flatten(mul.getLhs(), p, matched);
    flatten(mul.getRhs(), p, matched);
  } else if (auto div = dyn_cast_or_null<DivOp>(def);
             div && inner && getSplatValue(div.getRhs())) {
    matched.add(div);
    p.scale /= *getSplatValue(div.getRhs());
    flatten(div.getLhs(), p, matched);
  } else {
    p.factors.push_back(v);
  }
}

/// A matcher for one GELU formula around the value `x`.
struct GeluMatcher {
  Value x;
  MatchedOps &matched;
  double tol;

  bool near(double got, double want) const {
    return std::abs(got - want) <= tol * std::abs(want);
  }

  /// `v` is the product `want * x^power` (x appearing as factors or as
  /// `pow(x, power)`).
  bool isScaledPower(Value v, double want, int power) {
    Product p;
    flatten(v, p, matched, /*root=*/true);
    if (!near(p.scale, want)) {
      return false;
    }
    if (p.factors.size() == 1 && power > 1) {
      auto pow = p.factors[0].getDefiningOp<PowOp>();
      if (pow && pow.getLhs() == x && pow->hasOneUse() &&
          getSplatValue(pow.getRhs()) == static_cast<double>(power)) {
        matched.add(pow);
        return true;
      }
    }
    return static_cast<int>(p.factors.size()) == power &&
           llvm::all_of(p.factors, [&](Value f) { return f == x; });
  }

  /// `v` is `1 + f(arg)` (either order) with `f` of type `UnaryOp`; returns
  /// `arg`.
  template <typename UnaryOp> Value onePlus(Value v) {
    auto add = v.getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse()) {
      return nullptr;
    }
    Value arg;
    eitherOrder(add, matched, [&](Value a, Value one) {
      auto f = a.getDefiningOp<UnaryOp>();
      if (!f || !f->hasOneUse() || !isSplatNear(one, 1.0)) {
        return false;
      }
      matched.add(f);
      arg = f.getOperand();
      return true;
    });
    if (arg) {
      matched.add(add);
    }
    return arg;
  }

  /// erf argument: x / sqrt(2).
  bool isErfArgument(Value arg) { return isScaledPower(arg, M_SQRT1_2, 1); }

  /// tanh argument: sqrt(2/pi) * (x + 0.044715 x^3), or the "fast" form
  /// sqrt(2/pi) * x * (1 + 0.044715 x^2).
  bool isTanhArgument(Value arg) {
    const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
    Product p;
    flatten(arg, p, matched, /*root=*/true);
    if (!near(p.scale, k)) {
      return false;
    }
    if (p.factors.size() == 1) {
      auto add = p.factors[0].getDefiningOp<AddOp>();
      if (!add || !add->hasOneUse()) {
        return false;
      }
      matched.add(add);
      return eitherOrder(add, matched, [&](Value a, Value cube) {
        return a == x && isScaledPower(cube, c, 3);
      });
    }
    if (p.factors.size() != 2) {
      return false;
    }
    // The fast form: x times (1 + c x^2).
    for (int i = 0; i < 2; ++i) {
      auto add = p.factors[1 - i].getDefiningOp<AddOp>();
      if (p.factors[i] != x || !add || !add->hasOneUse()) {
        continue;
      }
      if (eitherOrder(add, matched, [&](Value one, Value square) {
            return isSplatNear(one, 1.0) && isScaledPower(square, c, 2);
          })) {
        matched.add(add);
        return true;
      }
    }
    return false;
  }
};

struct RecognizeGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(root.getType());
    if (!isa<FloatType>(type.getElementType())) {
      return rewriter.notifyMatchFailure(root, "not a float product");
    }
    double tol = relativeTolerance(type.getElementType());
    MatchedOps matched;
    Product p;
    flatten(root.getResult(), p, matched, /*root=*/true);
    if (p.factors.size() != 2) {
      return rewriter.notifyMatchFailure(root, "not a product of two values");
    }
    for (int i = 0; i < 2; ++i) {
      Value x = p.factors[i], other = p.factors[1 - i];
      if (x.getType() != type) {
        continue;
      }
      size_t start = matched.size();
      GeluMatcher m{x, matched, tol};
      std::optional<GeluApproximation> approx;
      if (auto sigmoid = other.getDefiningOp<SigmoidOp>();
          sigmoid && sigmoid->hasOneUse() && m.near(p.scale, 1.0)) {
        matched.add(sigmoid);
        if (m.isScaledPower(sigmoid.getOperand(), 1.702, 1)) {
          approx = GeluApproximation::sigmoid;
        }
      } else if (m.near(p.scale, 0.5)) {
        if (Value arg = m.onePlus<ErfOp>(other); arg && m.isErfArgument(arg)) {
          approx = GeluApproximation::none;
        } else if (Value arg = m.onePlus<TanhOp>(other);
                   arg && m.isTanhArgument(arg)) {
          approx = GeluApproximation::tanh;
        }
      }
      if (!approx) {
        matched.truncate(start);
        continue;
      }
      if (!matched.isClosed(root)) {
        return rewriter.notifyMatchFailure(
            root, "an intermediate of the GELU is used elsewhere");
      }
      rewriter.replaceOpWithNewOp<GeluOp>(root, type, x, *approx);
      return success();
    }
    return rewriter.notifyMatchFailure(root, "not a GELU formula");
  }
};

struct RecognizeGeluPass
    : sinter::impl::RecognizeGeluPassBase<RecognizeGeluPass> {
  void runOnOperation() override {
    if (failed(recognize::runRecognizers(
            getOperation(), {populateRecognizeGeluPatterns}, "GELU"))) {
      signalPassFailure();
    }
  }
};

} // namespace

void sinter::populateRecognizeGeluPatterns(RewritePatternSet &patterns) {
  patterns.add<RecognizeGelu>(patterns.getContext());
}
