//===- LoweringUtils.cpp - Helpers shared by the sinter-to-linalg patterns ===//

#include "compiler/Conversion/SinterToLinalg/LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace sinter {

Type computeTypeOf(Type elementType) {
  if (elementType.isF16() || elementType.isBF16()) {
    return Float32Type::get(elementType.getContext());
  }
  return elementType;
}

Value widenScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to) {
    return v;
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    return b.create<arith::ExtFOp>(loc, to, v);
  }
  return v;
}

Value narrowScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to) {
    return v;
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    return b.create<arith::TruncFOp>(loc, to, v);
  }
  if (isa<IntegerType>(from) && isa<IntegerType>(to)) {
    return b.create<arith::TruncIOp>(loc, to, v);
  }
  return v;
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value) {
  Value empty = emptyTensor(b, loc, type);
  return b.create<linalg::FillOp>(loc, value, empty).getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto ft = dyn_cast<FloatType>(type)) {
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(ft, value));
  }
  return b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

arith::FastMathFlagsAttr reductionFastMath(MLIRContext *ctx) {
  return arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc |
                                                arith::FastMathFlags::contract);
}

Value buildElementwiseGeneric(OpBuilder &b, Location loc,
                              RankedTensorType resultType, ValueRange inputs,
                              ScalarBodyFn body, bool widenInputs) {
  int64_t rank = resultType.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size() + 1, id);
  Value init = emptyTensor(b, loc, resultType);
  Type resultElement = resultType.getElementType();
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      parallelIterators(rank),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> scalars;
        for (Value a : args.drop_back()) {
          scalars.push_back(
              widenInputs ? widenScalar(nb, nloc, a, computeTypeOf(a.getType()))
                          : a);
        }
        Value r = body(nb, nloc, scalars);
        nb.create<linalg::YieldOp>(nloc,
                                   narrowScalar(nb, nloc, r, resultElement));
      });
  return generic.getResult(0);
}

} // namespace sinter
