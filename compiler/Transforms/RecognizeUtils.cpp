//===- RecognizeUtils.cpp - Small matchers the recognition passes share ---===//
//
// See RecognizeUtils.h. Every matcher here only looks at the IR; the passes
// decide what to replace.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/RecognizeUtils.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

using namespace mlir;

namespace sinter::recognize {

bool MatchedOps::isClosed(Operation *root) const {
  for (Operation *op : ops) {
    if (op == root) {
      continue;
    }
    for (Operation *user : op->getUsers()) {
      if (!contains(user)) {
        return false;
      }
    }
  }
  return true;
}

static std::optional<APFloat> getSplatFloat(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (isa<BroadcastInDimOp, ReshapeOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    if (auto convert = dyn_cast<ConvertOp>(def)) {
      // Only float to float: an integer constant converted is not what a
      // model writes for these scalars.
      if (!isa<FloatType>(getElementTypeOrSelf(convert.getOperand()))) {
        return std::nullopt;
      }
      v = convert.getOperand();
      continue;
    }
    break;
  }
  SplatElementsAttr splat;
  if (!matchPattern(v, m_Constant(&splat)) ||
      !isa<FloatType>(splat.getElementType())) {
    return std::nullopt;
  }
  return splat.getSplatValue<APFloat>();
}

std::optional<double> getSplatValue(Value v) {
  std::optional<APFloat> f = getSplatFloat(v);
  if (!f) {
    return std::nullopt;
  }
  return f->convertToDouble();
}

bool isSplatNear(Value v, double want, double relTol) {
  std::optional<APFloat> f = getSplatFloat(v);
  if (!f) {
    return false;
  }
  APFloat rounded(want);
  bool ignored;
  rounded.convert(f->getSemantics(), APFloat::rmNearestTiesToEven, &ignored);
  if (f->bitwiseIsEqual(rounded)) {
    return true;
  }
  double got = f->convertToDouble();
  return std::abs(got - want) <= relTol * std::abs(want);
}

double relativeTolerance(Type elementType) {
  if (elementType.isBF16()) {
    return 8e-3;
  }
  if (elementType.isF16()) {
    return 1e-3;
  }
  return 1e-4;
}

/// `shape` with the entries at `dims` set to 1.
static SmallVector<int64_t> keepDimsShape(ArrayRef<int64_t> shape,
                                          ArrayRef<int64_t> dims) {
  SmallVector<int64_t> kept(shape);
  for (int64_t d : dims) {
    kept[d] = 1;
  }
  return kept;
}

std::optional<Reduction> matchReduce(Value v, ReduceKind kind,
                                     MatchedOps &matched) {
  auto reshape = v.getDefiningOp<ReshapeOp>();
  Value inner = reshape ? reshape.getOperand() : v;
  auto reduce = inner.getDefiningOp<ReduceOp>();
  if (!reduce || reduce.getKind() != kind || reduce.getDimensions().empty()) {
    return std::nullopt;
  }
  Reduction r{reduce.getOperand(), llvm::to_vector(reduce.getDimensions())};
  if (reshape) {
    auto full = cast<RankedTensorType>(r.operand.getType()).getShape();
    if (reshape.getType().getShape() != ArrayRef(keepDimsShape(full, r.dims))) {
      return std::nullopt;
    }
    matched.add(reshape);
  }
  matched.add(reduce);
  return r;
}

/// The number of elements a reduction combines.
static int64_t reducedCount(const Reduction &r) {
  auto shape = cast<RankedTensorType>(r.operand.getType()).getShape();
  int64_t n = 1;
  for (int64_t d : r.dims) {
    n *= shape[d];
  }
  return n;
}

std::optional<Reduction> matchMean(Value v, MatchedOps &matched) {
  size_t start = matched.size();
  // An outer keep-dims reshape around sum * (1/N): look through it and
  // check its shape once the reduction is known.
  auto reshape = v.getDefiningOp<ReshapeOp>();
  Value inner = reshape && !reshape.getOperand().getDefiningOp<ReduceOp>()
                    ? reshape.getOperand()
                    : v;
  std::optional<Reduction> r;
  if ((r = matchReduce(inner, ReduceKind::mean, matched))) {
    // reduce mean, possibly keep-dims reshaped (then inner == v).
  } else if (auto mul = inner.getDefiningOp<MulOp>()) {
    bool ok = eitherOrder(mul, matched, [&](Value a, Value c) {
      r = matchReduce(a, ReduceKind::sum, matched);
      return r && isSplatNear(c, 1.0 / reducedCount(*r), 1e-6);
    });
    if (ok) {
      matched.add(mul);
    } else {
      r.reset();
    }
  } else if (auto div = inner.getDefiningOp<DivOp>()) {
    r = matchReduce(div.getLhs(), ReduceKind::sum, matched);
    if (r && isSplatNear(div.getRhs(), reducedCount(*r), 1e-6)) {
      matched.add(div);
    } else {
      r.reset();
    }
  }
  if (r && inner != v) {
    auto full = cast<RankedTensorType>(r->operand.getType()).getShape();
    if (reshape.getType().getShape() !=
        ArrayRef(keepDimsShape(full, r->dims))) {
      r.reset();
    } else {
      matched.add(reshape);
    }
  }
  if (!r) {
    matched.truncate(start);
  }
  return r;
}

Value matchUnreduce(Value v, ArrayRef<int64_t> dims, MatchedOps &matched) {
  auto bcast = v.getDefiningOp<BroadcastInDimOp>();
  if (!bcast) {
    return nullptr;
  }
  auto type = cast<RankedTensorType>(v.getType());
  auto operandType = cast<RankedTensorType>(bcast.getOperand().getType());
  SmallVector<int64_t> expected;
  if (operandType.getRank() == type.getRank()) {
    // Keep-dims statistic: size 1 at `dims`, every dimension mapped.
    if (operandType.getShape() !=
        ArrayRef(keepDimsShape(type.getShape(), dims))) {
      return nullptr;
    }
    for (int64_t d = 0; d < type.getRank(); ++d) {
      expected.push_back(d);
    }
  } else {
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!llvm::is_contained(dims, d)) {
        expected.push_back(d);
      }
    }
  }
  if (bcast.getBroadcastDimensions() != ArrayRef(expected)) {
    return nullptr;
  }
  matched.add(bcast);
  return bcast.getOperand();
}

std::optional<int64_t> trailingAxis(ArrayRef<int64_t> dims, int64_t rank) {
  if (dims.empty()) {
    return std::nullopt;
  }
  int64_t axis = dims.front();
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d != axis + static_cast<int64_t>(i)) {
      return std::nullopt;
    }
  }
  if (dims.back() != rank - 1) {
    return std::nullopt;
  }
  return axis;
}

bool matchSquare(Value v, Value x, MatchedOps &matched) {
  Operation *def = v.getDefiningOp();
  if (auto mul = dyn_cast_or_null<MulOp>(def);
      mul && mul.getLhs() == x && mul.getRhs() == x) {
    matched.add(mul);
    return true;
  }
  if (auto pow = dyn_cast_or_null<PowOp>(def);
      pow && pow.getLhs() == x && getSplatValue(pow.getRhs()) == 2.0) {
    matched.add(pow);
    return true;
  }
  return false;
}

std::optional<PlusEpsilon> matchPlusEpsilon(Value v, MatchedOps &matched) {
  auto add = v.getDefiningOp<AddOp>();
  if (!add) {
    return std::nullopt;
  }
  for (auto [value, c] : {std::pair(add.getLhs(), add.getRhs()),
                          std::pair(add.getRhs(), add.getLhs())}) {
    std::optional<double> eps = getSplatValue(c);
    if (eps && *eps >= 0 && !getSplatValue(value)) {
      matched.add(add);
      return PlusEpsilon{value, *eps};
    }
  }
  return std::nullopt;
}

/// `v` is a parameter over [axis, rank) of `full`, broadcast over the
/// leading dimensions (or already `full`-shaped with those of size 1).
/// Returns the broadcast's source.
static Value matchParam(Value v, RankedTensorType full, int64_t axis) {
  auto bcast = v.getDefiningOp<BroadcastInDimOp>();
  Value src = bcast ? bcast.getOperand() : v;
  auto srcType = cast<RankedTensorType>(src.getType());
  if (srcType.getElementType() != full.getElementType()) {
    return nullptr;
  }
  SmallVector<int64_t> dims;
  if (bcast) {
    dims = llvm::to_vector(bcast.getBroadcastDimensions());
  } else {
    for (int64_t d = 0; d < full.getRank(); ++d) {
      dims.push_back(d);
    }
  }
  // Every result dimension from axis on comes from the source at full size;
  // the source only has size-1 dimensions before axis.
  for (int64_t d = axis; d < full.getRank(); ++d) {
    auto *it = llvm::find(dims, d);
    if (it == dims.end() ||
        srcType.getDimSize(it - dims.begin()) != full.getDimSize(d)) {
      return nullptr;
    }
  }
  for (auto [k, d] : llvm::enumerate(dims)) {
    if (d < axis && srcType.getDimSize(k) != 1) {
      return nullptr;
    }
  }
  return src;
}

void matchAffineTail(NormMatch &m, bool withGamma, bool withBeta,
                     MatchedOps &matched) {
  auto full = cast<RankedTensorType>(m.root->getResult(0).getType());
  auto next = [&]() -> Operation * {
    Value y = m.root->getResult(0);
    return y.hasOneUse() ? *y.getUsers().begin() : nullptr;
  };
  auto extend = [&](Operation *user, Value &param) {
    Value y = m.root->getResult(0);
    Value other =
        user->getOperand(0) == y ? user->getOperand(1) : user->getOperand(0);
    if (other == y || !(param = matchParam(other, full, m.axis))) {
      return;
    }
    matched.add(user);
    m.root = user;
  };
  if (auto mul = dyn_cast_or_null<MulOp>(next()); mul && withGamma) {
    extend(mul, m.gamma);
  }
  if (auto add = dyn_cast_or_null<AddOp>(next()); add && withBeta) {
    extend(add, m.beta);
  }
}

/// The source of `v` when it is a convert, else null.
static Value convertSource(Value v) {
  auto convert = v ? v.getDefiningOp<ConvertOp>() : ConvertOp();
  return convert ? convert.getOperand() : Value();
}

void replaceNorm(PatternRewriter &rewriter, const NormMatch &m,
                 function_ref<Value(Value, Value, Value, Type)> build) {
  Value x = m.operand, gamma = m.gamma, beta = m.beta;
  Operation *root = m.root;
  Value result = root->getResult(0);
  // Narrow back to T when the f32 computation is wrapped in converts.
  Value narrowX = convertSource(x);
  auto out = result.hasOneUse()
                 ? dyn_cast<ConvertOp>(*result.getUsers().begin())
                 : ConvertOp();
  if (narrowX && out && out.getType() == narrowX.getType()) {
    Type narrow = getElementTypeOrSelf(narrowX);
    auto narrowParam = [&](Value p) -> std::optional<Value> {
      if (!p) {
        return Value();
      }
      Value src = convertSource(p);
      if (!src || getElementTypeOrSelf(src) != narrow) {
        return std::nullopt;
      }
      return src;
    };
    std::optional<Value> g = narrowParam(gamma), b = narrowParam(beta);
    if (g && b) {
      x = narrowX;
      gamma = *g;
      beta = *b;
      root = out;
    }
  }
  auto type = cast<RankedTensorType>(x.getType());
  auto paramType = RankedTensorType::get(type.getShape().drop_front(m.axis),
                                         type.getElementType());
  auto reshape = [&](Value p) -> Value {
    if (!p || p.getType() == paramType) {
      return p;
    }
    return rewriter.create<ReshapeOp>(root->getLoc(), paramType, p);
  };
  rewriter.setInsertionPoint(root);
  rewriter.replaceOp(root, build(x, reshape(gamma), reshape(beta), type));
}

mlir::LogicalResult
runRecognizers(mlir::Operation *op,
               llvm::ArrayRef<void (*)(mlir::RewritePatternSet &)> populate,
               llvm::StringRef what) {
  mlir::RewritePatternSet patterns(op->getContext());
  for (auto add : populate) {
    add(patterns);
  }
  if (failed(mlir::applyPatternsAndFoldGreedily(op, std::move(patterns)))) {
    return op->emitError("recognising ") << what << " did not converge";
  }
  return mlir::success();
}

} // namespace sinter::recognize
