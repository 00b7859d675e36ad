//===- SinterOps.cpp - Operations of the sinter dialect ---------*- C++ -*-===//
//
// Result type inference (delegating to TypeInference.cpp), verifiers, the
// custom type directive used by elementwise ops, folders and canonicalization
// patterns. Folds never change float semantics: no -0.0 or NaN surprises.
//
//===----------------------------------------------------------------------===//

#include "dialects/sinter/IR/SinterOps.h"

#include "dialects/sinter/IR/ElementTypes.h"
#include "dialects/sinter/IR/TypeInference.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace sinter;

//===----------------------------------------------------------------------===//
// custom<SameOrFunctionalType>: `: T` when every type is T, otherwise
// `: (T1, T2) -> R` (or `: T1 -> R` with one operand, `: T1, T2` with no
// result). Keeps the common case short and mismatches printable.
//===----------------------------------------------------------------------===//

static ParseResult parseSameOrFunctionalType(OpAsmParser &parser,
                                             ArrayRef<Type *> operands,
                                             Type *result) {
  if (succeeded(parser.parseOptionalLParen())) {
    for (auto [i, t] : llvm::enumerate(operands)) {
      if ((i > 0 && parser.parseComma()) || parser.parseType(*t)) {
        return failure();
      }
    }
    if (parser.parseRParen()) {
      return failure();
    }
    if (!result) {
      return success();
    }
    return failure(parser.parseArrow() || parser.parseType(*result));
  }
  Type first;
  if (parser.parseType(first)) {
    return failure();
  }
  for (Type *t : operands) {
    *t = first;
  }
  if (result) {
    *result = first;
    if (succeeded(parser.parseOptionalArrow())) {
      return parser.parseType(*result);
    }
  }
  return success();
}

static void printSameOrFunctionalType(OpAsmPrinter &p, ArrayRef<Type> operands,
                                      Type result) {
  bool same = llvm::all_equal(operands) && (!result || result == operands[0]);
  if (same) {
    p << operands[0];
    return;
  }
  p << "(";
  llvm::interleaveComma(operands, p);
  p << ")";
  if (result) {
    p << " -> " << result;
  }
}

static ParseResult parseSameOrFunctionalType(OpAsmParser &parser, Type &a,
                                             Type &r) {
  return parseSameOrFunctionalType(parser, {&a}, &r);
}
static ParseResult parseSameOrFunctionalType(OpAsmParser &parser, Type &a,
                                             Type &b, Type &r) {
  return parseSameOrFunctionalType(parser, {&a, &b}, &r);
}
static void printSameOrFunctionalType(OpAsmPrinter &p, Operation *, Type a,
                                      Type r) {
  printSameOrFunctionalType(p, ArrayRef<Type>{a}, r);
}
static void printSameOrFunctionalType(OpAsmPrinter &p, Operation *, Type a,
                                      Type b, Type r) {
  printSameOrFunctionalType(p, ArrayRef<Type>{a, b}, r);
}

// compare: operand types only; the i1 result is inferred.
static ParseResult parseSameOrFunctionalTypeNoResult(OpAsmParser &parser,
                                                     Type &a, Type &b) {
  return parseSameOrFunctionalType(parser, {&a, &b}, nullptr);
}
static void printSameOrFunctionalTypeNoResult(OpAsmPrinter &p, Operation *,
                                              Type a, Type b) {
  printSameOrFunctionalType(p, ArrayRef<Type>{a, b}, Type());
}

//===----------------------------------------------------------------------===//
// custom<OperandsThenComma>: `%a, %b,` before a keyword (concatenate's
// `%a, %b, dim = 1`). The generic `$inputs `,` `dim`` form cannot parse: the
// variadic operand list consumes the comma and then expects another operand.
//===----------------------------------------------------------------------===//

static ParseResult
parseOperandsThenComma(OpAsmParser &parser,
                       SmallVectorImpl<OpAsmParser::UnresolvedOperand> &ops) {
  OpAsmParser::UnresolvedOperand operand;
  OptionalParseResult next = parser.parseOptionalOperand(operand);
  while (next.has_value()) {
    if (failed(*next) || parser.parseComma()) {
      return failure();
    }
    ops.push_back(operand);
    next = parser.parseOptionalOperand(operand);
  }
  return success();
}

static void printOperandsThenComma(OpAsmPrinter &p, Operation *,
                                   OperandRange ops) {
  llvm::interleave(ops, p, [&](Value v) { p << v << ","; }, " ");
}

LogicalResult sinter::inferSameTypeElementwise(std::optional<Location> loc,
                                               StringRef opName,
                                               ValueRange operands,
                                               SmallVectorImpl<Type> &types) {
  FailureOr<Type> t = inferElementwise(loc, opName, operands.getTypes());
  if (failed(t)) {
    return failure();
  }
  types.push_back(*t);
  return success();
}

/// Pushes `t` into `types` when inference succeeded.
static LogicalResult push(FailureOr<Type> t, SmallVectorImpl<Type> &types) {
  if (failed(t)) {
    return failure();
  }
  types.push_back(*t);
  return success();
}

static Type typeOrNull(Value v) { return v ? v.getType() : Type(); }

#define GET_OP_CLASSES
#include "dialects/sinter/IR/SinterOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// True if `attr` is a splat whose every element equals `value` exactly.
static bool isSplatOf(Attribute attr, double value) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat) {
    return false;
  }
  Type elem = splat.getElementType();
  if (isa<FloatType>(elem)) {
    APFloat v = splat.getSplatValue<APFloat>();
    bool ignored;
    APFloat want(value);
    want.convert(v.getSemantics(), APFloat::rmNearestTiesToEven, &ignored);
    return v.bitwiseIsEqual(want);
  }
  if (elem.isSignlessInteger() && elem.getIntOrFloatBitWidth() > 1) {
    return splat.getSplatValue<APInt>().getSExtValue() ==
           static_cast<int64_t>(value);
  }
  return false;
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + 0 == x for integers; for floats only x + (-0.0) == x (0 would turn -0
  // into +0).
  Type elem = getType().getElementType();
  if (isa<FloatType>(elem) ? isSplatOf(adaptor.getRhs(), -0.0)
                           : isSplatOf(adaptor.getRhs(), 0.0)) {
    return getLhs();
  }
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1.0)) { // exact for every element type
    return getLhs();
  }
  return {};
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getOperand().getDefiningOp<NegOp>()) {
    return inner.getOperand();
  }
  return {};
}

OpFoldResult AbsOp::fold(FoldAdaptor) {
  if (auto inner = getOperand().getDefiningOp<AbsOp>()) {
    return getOperand();
  }
  return {};
}

LogicalResult CompareOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return push(
      inferCompare(loc, adaptor.getLhs().getType(), adaptor.getRhs().getType()),
      types);
}

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return push(inferSelect(loc, adaptor.getPred().getType(),
                          adaptor.getOnTrue().getType(),
                          adaptor.getOnFalse().getType()),
              types);
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getOnTrue() == getOnFalse()) {
    return getOnTrue();
  }
  if (auto pred = dyn_cast_or_null<SplatElementsAttr>(adaptor.getPred())) {
    return pred.getSplatValue<bool>() ? getOnTrue() : getOnFalse();
  }
  return {};
}

LogicalResult ConvertOp::verifyShapes() {
  if (getOperand().getType().getShape() != getType().getShape()) {
    return emitOpError() << "(C1) result " << getType()
                         << " must have the shape of the operand "
                         << getOperand().getType();
  }
  return success();
}

OpFoldResult ConvertOp::fold(FoldAdaptor) {
  if (getOperand().getType() == getType()) {
    return getOperand();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

LogicalResult BroadcastInDimOp::verify() {
  return verifyBroadcastInDim(getLoc(), getOperand().getType(), getType(),
                              getBroadcastDimensions());
}

OpFoldResult BroadcastInDimOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType()) {
    return getOperand(); // dims are then the identity (strictly increasing)
  }
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getOperand())) {
    return SplatElementsAttr::get(getType(), splat.getSplatValue<Attribute>());
  }
  return {};
}

LogicalResult ReshapeOp::verify() {
  return verifyReshape(getLoc(), getOperand().getType(), getType());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType()) {
    return getOperand();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getOperand())) {
    return dense.reshape(getType());
  }
  return {};
}

namespace {
/// reshape(reshape(x)) -> reshape(x): only the final shape matters.
struct FoldReshapeChain : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern<ReshapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getOperand().getDefiningOp<ReshapeOp>();
    if (!inner) {
      return rewriter.notifyMatchFailure(op, "operand is not a reshape");
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(),
                                           inner.getOperand());
    return success();
  }
};

/// transpose(transpose(x, p1), p2) -> transpose(x, p1[p2]).
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern<TransposeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getOperand().getDefiningOp<TransposeOp>();
    if (!inner) {
      return rewriter.notifyMatchFailure(op, "operand is not a transpose");
    }
    SmallVector<int64_t> perm;
    for (int64_t p : op.getPermutation()) {
      perm.push_back(inner.getPermutation()[p]);
    }
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(),
                                             inner.getOperand(), perm);
    return success();
  }
};
} // namespace

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<FoldReshapeChain>(context);
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return push(inferTranspose(loc, adaptor.getOperand().getType(),
                             adaptor.getPermutation()),
              types);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPermutation())) {
    if (static_cast<int64_t>(i) != p) {
      return {};
    }
  }
  return getOperand();
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<ComposeTransposes>(context);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  return push(inferSlice(loc, adaptor.getOperand().getType(),
                         adaptor.getStartIndices(), adaptor.getLimitIndices(),
                         adaptor.getStrides()),
              types);
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  // Same type means start 0, unit strides, full extent: the identity.
  if (getOperand().getType() == getType() &&
      llvm::all_of(getStartIndices(), [](int64_t s) { return s == 0; }) &&
      llvm::all_of(getStrides(), [](int64_t s) { return s == 1; })) {
    return getOperand();
  }
  return {};
}

LogicalResult ConcatenateOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return push(inferConcatenate(loc, adaptor.getInputs().getTypes(),
                               static_cast<int64_t>(adaptor.getDimension())),
              types);
}

OpFoldResult ConcatenateOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1) {
    return getInputs().front();
  }
  return {};
}

LogicalResult ScatterAddOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return push(inferScatterAdd(loc, adaptor.getUpdates().getType(),
                              adaptor.getIndices().getType(),
                              adaptor.getRows()),
              types);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return push(inferGather(loc, adaptor.getTable().getType(),
                          adaptor.getIndices().getType()),
              types);
}

LogicalResult IotaOp::verify() {
  return verifyIota(getLoc(), getType(), static_cast<int64_t>(getDimension()));
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return push(inferReduce(loc, adaptor.getOperand().getType(),
                          adaptor.getKind(), adaptor.getDimensions()),
              types);
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return push(inferMatmul(loc, adaptor.getLhs().getType(),
                          adaptor.getRhs().getType(), adaptor.getTransposeLhs(),
                          adaptor.getTransposeRhs(),
                          adaptor.getAccumulationType().value_or(Type())),
              types);
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

/// softmax and log_softmax keep their operand's type; logsumexp `reduces`
/// the axis away.
template <typename AdaptorT>
static LogicalResult inferAxisComposite(std::optional<Location> loc,
                                        StringRef name, AdaptorT adaptor,
                                        bool reduces,
                                        SmallVectorImpl<Type> &types) {
  return push(inferAxisOp(loc, name, adaptor.getOperand().getType(),
                          static_cast<int64_t>(adaptor.getAxis()), reduces),
              types);
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferAxisComposite(loc, getOperationName(), adaptor, /*reduces=*/false,
                            types);
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferAxisComposite(loc, getOperationName(), adaptor, /*reduces=*/false,
                            types);
}

LogicalResult LogSumExpOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferAxisComposite(loc, getOperationName(), adaptor, /*reduces=*/true,
                            types);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return push(
      inferNorm(loc, getOperationName(), adaptor.getOperand().getType(),
                {typeOrNull(adaptor.getGamma()), typeOrNull(adaptor.getBeta())},
                static_cast<int64_t>(adaptor.getAxis()),
                adaptor.getEpsilon().convertToDouble()),
      types);
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return push(inferNorm(loc, getOperationName(), adaptor.getOperand().getType(),
                        {typeOrNull(adaptor.getGamma())},
                        static_cast<int64_t>(adaptor.getAxis()),
                        adaptor.getEpsilon().convertToDouble()),
              types);
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return push(inferAttention(
                  loc, adaptor.getQuery().getType(), adaptor.getKey().getType(),
                  adaptor.getValue().getType(), typeOrNull(adaptor.getBias())),
              types);
}

LogicalResult AttentionBackwardOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  FailureOr<Type> out = inferAttention(
      loc, adaptor.getQuery().getType(), adaptor.getKey().getType(),
      adaptor.getValue().getType(), typeOrNull(adaptor.getBias()));
  if (failed(out)) {
    return failure();
  }
  for (Value v : {adaptor.getOut(), adaptor.getDout()}) {
    if (v.getType() != *out) {
      if (loc) {
        mlir::emitError(*loc) << "'sinter.attention_backward' op out and dout must "
                           "have the attention's result type "
                        << *out << ", got " << v.getType();
      }
      return failure();
    }
  }
  types.push_back(adaptor.getQuery().getType());
  types.push_back(adaptor.getKey().getType());
  types.push_back(adaptor.getValue().getType());
  return success();
}

LogicalResult
RotaryEmbeddingOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  return push(inferRotaryEmbedding(loc, adaptor.getOperand().getType(),
                                   adaptor.getCos().getType(),
                                   adaptor.getSin().getType()),
              types);
}

//===----------------------------------------------------------------------===//
// Constants and fusion regions
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto value = dyn_cast_or_null<ElementsAttr>(adaptor.getValue());
  auto type = value ? dyn_cast<RankedTensorType>(value.getType()) : nullptr;
  if (!type || !type.hasStaticShape() ||
      !isSinterElementType(type.getElementType())) {
    return emitOptionalError(
        loc,
        "'sinter.constant' op (C1) value must be a statically shaped "
        "tensor of f32, f16, bf16, i1, i32 or i64, got ",
        value ? value.getType() : Type());
  }
  types.push_back(type);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult ConstantOp::verify() {
  // A truncated or padded weight blob (a broken model file) must be caught
  // here, not read past its end by whoever evaluates or lowers it.
  auto resource = dyn_cast<DenseResourceElementsAttr>(getValue());
  if (!resource) {
    return success();
  }
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob) {
    return success(); // elided or not yet attached: nothing to check
  }
  std::optional<DType> dtype = dtypeOf(getType().getElementType());
  if (!dtype) {
    return success(); // (C1) reports the element type
  }
  // getNumElements() would wrap for shapes near int64's limit and name a
  // bogus size; no blob can hold such a tensor.
  int64_t expected = dtypeByteSize(*dtype);
  for (int64_t dim : getType().getShape()) {
    if (llvm::MulOverflow(expected, dim, expected)) {
      return emitOpError() << "(C2) dense_resource blob '"
                           << resource.getRawHandle().getKey()
                           << "' cannot hold " << getType()
                           << ": its size in bytes overflows int64";
    }
  }
  int64_t actual = static_cast<int64_t>(blob->getData().size());
  if (actual != expected) {
    return emitOpError() << "(C2) dense_resource blob '"
                         << resource.getRawHandle().getKey() << "' holds "
                         << actual << " bytes but " << getType() << " needs "
                         << expected;
  }
  return success();
}

LogicalResult FusionOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size()) {
    return emitOpError() << "(C1) region has " << body.getNumArguments()
                         << " arguments but the fusion has "
                         << getInputs().size() << " inputs";
  }
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(body.getArgumentTypes(), getInputs()))) {
    auto [argType, input] = pair;
    if (argType != input.getType()) {
      return emitOpError() << "(C1) region argument " << i << " has type "
                           << argType << " but input " << i << " has type "
                           << input.getType();
    }
  }
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield) {
    return emitOpError() << "region must end in sinter.yield";
  }
  if (yield.getValues().getTypes() != getResultTypes()) {
    auto diag = emitOpError() << "(C2) yields (";
    llvm::interleaveComma(yield.getValues().getTypes(), diag);
    diag << ") but the results are (";
    llvm::interleaveComma(getResultTypes(), diag);
    return diag << ")";
  }
  return success();
}
