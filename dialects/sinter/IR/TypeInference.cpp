//===- TypeInference.cpp - Shape functions of sinter ops --------*- C++ -*-===//
//
// Each check cites the constraint number "(Cn)" documented on its op in
// SinterOps.td; test/Dialect/sinter/invalid.mlir has one case per message.
//
//===----------------------------------------------------------------------===//

#include "dialects/sinter/IR/TypeInference.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace sinter;

namespace {

/// Static ranked tensor or null.
RankedTensorType asTensor(Type type) {
  auto t = dyn_cast_or_null<RankedTensorType>(type);
  if (!t || !t.hasStaticShape()) {
    return {};
  }
  return t;
}

/// A diagnostic that may have nowhere to go (no location) but is a failure
/// either way. (An empty InFlightDiagnostic converts to *success*, which
/// would let invalid input through when a caller passes no location.)
class Failure {
public:
  explicit Failure(std::optional<InFlightDiagnostic> diag)
      : diag(std::move(diag)) {}
  template <typename T> Failure &operator<<(T &&arg) & {
    if (diag) {
      *diag << std::forward<T>(arg);
    }
    return *this;
  }
  template <typename T> Failure &&operator<<(T &&arg) && {
    return std::move(*this << std::forward<T>(arg));
  }
  operator LogicalResult() const { return failure(); }
  template <typename T> operator FailureOr<T>() const { return failure(); }

private:
  std::optional<InFlightDiagnostic> diag;
};

/// Emits "'sinter.<op>' op <message>" at `loc` (if any); always a failure.
struct Diag {
  OptLoc loc;
  StringRef opName;
  Failure emit() {
    if (!loc) {
      return Failure(std::nullopt);
    }
    auto diag = emitError(*loc);
    diag << "'" << opName << "' op ";
    return Failure(std::move(diag));
  }
};

/// Number of elements, or nullopt if it does not fit in int64_t (the tensor
/// type allows such shapes; ShapedType::getNumElements would wrap around).
std::optional<int64_t> elementCount(RankedTensorType t) {
  int64_t n = 1;
  for (int64_t d : t.getShape()) {
    if (llvm::MulOverflow(n, d, n)) {
      return std::nullopt;
    }
  }
  return n;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    s += (i ? ", " : "") + std::to_string(d);
  }
  return s + "]";
}

LogicalResult requireTensors(Diag d,
                             ArrayRef<std::pair<StringRef, Type>> args) {
  for (auto [name, type] : args) {
    if (!asTensor(type)) {
      return d.emit() << name
                      << " must be a statically shaped ranked tensor, got "
                      << type;
    }
    if (!isSinterElementType(asTensor(type).getElementType())) {
      return d.emit() << name << " has unsupported element type "
                      << asTensor(type).getElementType()
                      << " (expected f32, f16, bf16, i1, i32 or i64)";
    }
  }
  return success();
}

} // namespace

bool sinter::isSinterElementType(Type type) {
  return type.isF32() || type.isF16() || type.isBF16() ||
         type.isSignlessInteger(1) || type.isSignlessInteger(32) ||
         type.isSignlessInteger(64);
}

FailureOr<Type> sinter::inferElementwise(OptLoc loc, StringRef opName,
                                         TypeRange operands) {
  Diag d{loc, opName};
  if (operands.empty()) {
    return failure();
  }
  for (Type t : operands) {
    if (!asTensor(t)) {
      return d.emit() << "operands must be statically shaped tensors, got "
                      << t;
    }
  }
  for (Type t : operands.drop_front()) {
    if (t != operands.front()) {
      auto diag = d.emit() << "(C1) operand types must match, got ";
      llvm::interleaveComma(operands, diag);
      return diag;
    }
  }
  return operands.front();
}

FailureOr<Type> sinter::inferCompare(OptLoc loc, Type lhs, Type rhs) {
  Diag d{loc, "sinter.compare"};
  if (failed(requireTensors(d, {{"lhs", lhs}, {"rhs", rhs}}))) {
    return failure();
  }
  if (lhs != rhs) {
    return d.emit() << "(C1) operand types must match, got " << lhs << " and "
                    << rhs;
  }
  auto t = asTensor(lhs);
  return Type(
      RankedTensorType::get(t.getShape(), IntegerType::get(t.getContext(), 1)));
}

FailureOr<Type> sinter::inferSelect(OptLoc loc, Type pred, Type onTrue,
                                    Type onFalse) {
  Diag d{loc, "sinter.select"};
  if (failed(requireTensors(
          d, {{"pred", pred}, {"on_true", onTrue}, {"on_false", onFalse}}))) {
    return failure();
  }
  if (onTrue != onFalse) {
    return d.emit() << "(C1) on_true and on_false types must match, got "
                    << onTrue << " and " << onFalse;
  }
  if (asTensor(pred).getShape() != asTensor(onTrue).getShape()) {
    return d.emit() << "(C2) pred shape "
                    << shapeString(asTensor(pred).getShape())
                    << " must match the operand shape "
                    << shapeString(asTensor(onTrue).getShape());
  }
  if (!asTensor(pred).getElementType().isSignlessInteger(1)) {
    return d.emit() << "pred must have element type i1, got " << pred;
  }
  return onTrue;
}

LogicalResult sinter::verifyBroadcastInDim(OptLoc loc, Type operand,
                                           Type result,
                                           ArrayRef<int64_t> dims) {
  Diag d{loc, "sinter.broadcast_in_dim"};
  if (failed(requireTensors(d, {{"operand", operand}, {"result", result}}))) {
    return failure();
  }
  auto in = asTensor(operand), out = asTensor(result);
  if (static_cast<int64_t>(dims.size()) != in.getRank()) {
    return d.emit() << "(C1) broadcast_dimensions has " << dims.size()
                    << " entries but the operand " << operand << " has rank "
                    << in.getRank();
  }
  for (auto [k, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= out.getRank()) {
      return d.emit() << "(C2) broadcast dimension " << dim
                      << " is out of range for result " << result;
    }
    if (k > 0 && dim <= dims[k - 1]) {
      return d.emit() << "(C2) broadcast_dimensions must be strictly "
                         "increasing, got "
                      << shapeString(dims);
    }
    int64_t size = in.getDimSize(k);
    if (size != 1 && size != out.getDimSize(dim)) {
      return d.emit() << "(C3) operand dimension " << k << " of size " << size
                      << " cannot broadcast to result dimension " << dim
                      << " of size " << out.getDimSize(dim) << " (operand "
                      << operand << ", result " << result << ")";
    }
  }
  if (in.getElementType() != out.getElementType()) {
    return d.emit() << "(C4) element types differ: operand " << operand
                    << ", result " << result;
  }
  return success();
}

LogicalResult sinter::verifyReshape(OptLoc loc, Type operand, Type result) {
  Diag d{loc, "sinter.reshape"};
  if (failed(requireTensors(d, {{"operand", operand}, {"result", result}}))) {
    return failure();
  }
  auto in = asTensor(operand), out = asTensor(result);
  std::optional<int64_t> inCount = elementCount(in);
  std::optional<int64_t> outCount = elementCount(out);
  if (!inCount || !outCount) {
    return d.emit() << "(C1) element count of " << (inCount ? result : operand)
                    << " overflows int64";
  }
  if (*inCount != *outCount) {
    return d.emit() << "(C1) element counts differ: operand " << operand
                    << " has " << *inCount << ", result " << result << " has "
                    << *outCount;
  }
  if (in.getElementType() != out.getElementType()) {
    return d.emit() << "(C2) element types differ: operand " << operand
                    << ", result " << result;
  }
  return success();
}

FailureOr<Type> sinter::inferTranspose(OptLoc loc, Type operand,
                                       ArrayRef<int64_t> perm) {
  Diag d{loc, "sinter.transpose"};
  if (failed(requireTensors(d, {{"operand", operand}}))) {
    return failure();
  }
  auto in = asTensor(operand);
  SmallVector<bool> seen(in.getRank(), false);
  bool valid = static_cast<int64_t>(perm.size()) == in.getRank();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= in.getRank() || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid) {
    return d.emit() << "(C1) permutation " << shapeString(perm)
                    << " is not a permutation of the " << in.getRank()
                    << " dimensions of " << operand;
  }
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    shape.push_back(in.getDimSize(p));
  }
  return Type(RankedTensorType::get(shape, in.getElementType()));
}

FailureOr<Type> sinter::inferSlice(OptLoc loc, Type operand,
                                   ArrayRef<int64_t> start,
                                   ArrayRef<int64_t> limit,
                                   ArrayRef<int64_t> strides) {
  Diag d{loc, "sinter.slice"};
  if (failed(requireTensors(d, {{"operand", operand}}))) {
    return failure();
  }
  auto in = asTensor(operand);
  size_t rank = in.getRank();
  if (start.size() != rank || limit.size() != rank || strides.size() != rank) {
    return d.emit() << "(C1) start " << shapeString(start) << ", limit "
                    << shapeString(limit) << " and strides "
                    << shapeString(strides) << " must each have " << rank
                    << " entries for " << operand;
  }
  SmallVector<int64_t> shape;
  for (size_t i = 0; i < rank; ++i) {
    if (start[i] < 0 || start[i] > limit[i] || limit[i] > in.getDimSize(i)) {
      return d.emit() << "(C2) dimension " << i << ": need 0 <= start ("
                      << start[i] << ") <= limit (" << limit[i] << ") <= size ("
                      << in.getDimSize(i) << ") of " << operand;
    }
    if (strides[i] <= 0) {
      return d.emit() << "(C3) dimension " << i << ": stride " << strides[i]
                      << " must be positive (slicing " << operand << ")";
    }
    // ceil((limit - start) / stride), written so a huge stride cannot overflow.
    int64_t extent = limit[i] - start[i];
    shape.push_back(extent == 0 ? 0 : (extent - 1) / strides[i] + 1);
  }
  return Type(RankedTensorType::get(shape, in.getElementType()));
}

FailureOr<Type> sinter::inferConcatenate(OptLoc loc, TypeRange inputs,
                                         int64_t dim) {
  Diag d{loc, "sinter.concatenate"};
  if (inputs.empty()) {
    return d.emit() << "(C1) needs at least one input";
  }
  for (Type t : inputs) {
    if (failed(requireTensors(d, {{"input", t}}))) {
      return failure();
    }
  }
  auto first = asTensor(inputs.front());
  if (dim < 0 || dim >= first.getRank()) {
    return d.emit() << "(C2) dimension " << dim << " is out of range for rank "
                    << first.getRank() << " input " << inputs.front();
  }
  SmallVector<int64_t> shape(first.getShape());
  shape[dim] = 0;
  for (auto [i, t] : llvm::enumerate(inputs)) {
    auto ti = asTensor(t);
    bool ok = ti.getRank() == first.getRank() &&
              ti.getElementType() == first.getElementType();
    for (int64_t k = 0; ok && k < ti.getRank(); ++k) {
      ok = k == dim || ti.getDimSize(k) == first.getDimSize(k);
    }
    if (!ok) {
      return d.emit() << "(C3) input " << i << " " << t
                      << " does not match input 0 " << inputs.front()
                      << " outside dimension " << dim;
    }
    if (llvm::AddOverflow(shape[dim], ti.getDimSize(dim), shape[dim])) {
      return d.emit() << "(C3) result size along dimension " << dim
                      << " overflows int64 (input " << i << " " << t << ")";
    }
  }
  return Type(RankedTensorType::get(shape, first.getElementType()));
}

FailureOr<Type> sinter::inferGather(OptLoc loc, Type table, Type indices) {
  Diag d{loc, "sinter.gather"};
  if (failed(requireTensors(d, {{"table", table}, {"indices", indices}}))) {
    return failure();
  }
  auto t = asTensor(table), idx = asTensor(indices);
  if (t.getRank() < 1) {
    return d.emit() << "(C1) table must have rank >= 1, got " << table;
  }
  if (!idx.getElementType().isSignlessInteger(32) &&
      !idx.getElementType().isSignlessInteger(64)) {
    return d.emit() << "indices must be i32 or i64, got " << indices;
  }
  SmallVector<int64_t> shape(idx.getShape());
  llvm::append_range(shape, t.getShape().drop_front());
  return Type(RankedTensorType::get(shape, t.getElementType()));
}

FailureOr<Type> sinter::inferScatterAdd(OptLoc loc, Type updates, Type indices,
                                        int64_t rows) {
  Diag d{loc, "sinter.scatter_add"};
  if (failed(requireTensors(d, {{"updates", updates}, {"indices", indices}}))) {
    return failure();
  }
  auto u = asTensor(updates), idx = asTensor(indices);
  if (rows < 0) {
    return d.emit() << "(C1) rows must be >= 0, got " << rows;
  }
  if (!idx.getElementType().isSignlessInteger(32) &&
      !idx.getElementType().isSignlessInteger(64)) {
    return d.emit() << "indices must be i32 or i64, got " << indices;
  }
  if (u.getRank() < idx.getRank() ||
      u.getShape().take_front(idx.getRank()) != idx.getShape()) {
    return d.emit() << "(C2) the shape of updates " << updates
                    << " must start with the shape of indices " << indices;
  }
  SmallVector<int64_t> shape{rows};
  llvm::append_range(shape, u.getShape().drop_front(idx.getRank()));
  return Type(RankedTensorType::get(shape, u.getElementType()));
}

LogicalResult sinter::verifyIota(OptLoc loc, Type result, int64_t dim) {
  Diag d{loc, "sinter.iota"};
  if (failed(requireTensors(d, {{"result", result}}))) {
    return failure();
  }
  if (dim < 0 || dim >= asTensor(result).getRank()) {
    return d.emit() << "(C1) dimension " << dim << " is out of range for "
                    << result;
  }
  return success();
}

FailureOr<Type> sinter::inferReduce(OptLoc loc, Type operand, ReduceKind kind,
                                    ArrayRef<int64_t> dims) {
  Diag d{loc, "sinter.reduce"};
  if (failed(requireTensors(d, {{"operand", operand}}))) {
    return failure();
  }
  auto in = asTensor(operand);
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (dim < 0 || dim >= in.getRank() || (i > 0 && dim <= dims[i - 1])) {
      return d.emit() << "(C1) dimensions " << shapeString(dims)
                      << " must be strictly increasing and within the rank of "
                      << operand;
    }
  }
  if (kind == ReduceKind::mean && !isa<FloatType>(in.getElementType())) {
    return d.emit() << "(C2) mean needs a float operand, got " << operand;
  }
  SmallVector<int64_t> shape;
  for (int64_t k = 0; k < in.getRank(); ++k) {
    if (!llvm::is_contained(dims, k)) {
      shape.push_back(in.getDimSize(k));
    }
  }
  return Type(RankedTensorType::get(shape, in.getElementType()));
}

FailureOr<Type> sinter::inferMatmul(OptLoc loc, Type lhs, Type rhs,
                                    bool transposeLhs, bool transposeRhs,
                                    Type accumulationType) {
  Diag d{loc, "sinter.matmul"};
  if (failed(requireTensors(d, {{"lhs", lhs}, {"rhs", rhs}}))) {
    return failure();
  }
  auto l = asTensor(lhs), r = asTensor(rhs);
  if (l.getRank() < 2 || r.getRank() < 2) {
    return d.emit() << "(C1) operands must have rank >= 2, got " << lhs
                    << " and " << rhs;
  }
  if (l.getElementType() != r.getElementType()) {
    return d.emit() << "(C1) element types differ: " << lhs << " and " << rhs;
  }
  int64_t lr = l.getRank(), rr = r.getRank();
  int64_t m = l.getDimSize(transposeLhs ? lr - 1 : lr - 2);
  int64_t kl = l.getDimSize(transposeLhs ? lr - 2 : lr - 1);
  int64_t kr = r.getDimSize(transposeRhs ? rr - 1 : rr - 2);
  int64_t n = r.getDimSize(transposeRhs ? rr - 2 : rr - 1);
  if (kl != kr) {
    return d.emit() << "(C2) contracting sizes differ: lhs " << lhs
                    << " has K=" << kl << (transposeLhs ? " (transposed)" : "")
                    << ", rhs " << rhs << " has K=" << kr
                    << (transposeRhs ? " (transposed)" : "");
  }
  ArrayRef<int64_t> lb = l.getShape().drop_back(2),
                    rb = r.getShape().drop_back(2);
  if (!lb.empty() && !rb.empty() && lb != rb) {
    return d.emit() << "(C3) batch dimensions differ: lhs " << lhs << " has "
                    << shapeString(lb) << ", rhs " << rhs << " has "
                    << shapeString(rb);
  }
  Type elem = l.getElementType();
  if (accumulationType) {
    bool ok = isa<FloatType>(elem)
                  ? accumulationType.isF32()
                  : (accumulationType.isSignlessInteger() &&
                     accumulationType.getIntOrFloatBitWidth() >=
                         elem.getIntOrFloatBitWidth());
    if (!ok) {
      return d.emit() << "(C4) accumulation_type " << accumulationType
                      << " is not valid for " << elem << " operands";
    }
  }
  SmallVector<int64_t> shape(lb.empty() ? rb : lb);
  shape.push_back(m);
  shape.push_back(n);
  return Type(RankedTensorType::get(shape, elem));
}

FailureOr<Type> sinter::inferAxisOp(OptLoc loc, StringRef opName, Type operand,
                                    int64_t axis, bool dropsAxis) {
  Diag d{loc, opName};
  if (failed(requireTensors(d, {{"operand", operand}}))) {
    return failure();
  }
  auto in = asTensor(operand);
  if (axis < 0 || axis >= in.getRank()) {
    return d.emit() << "(C1) axis " << axis << " is out of range for "
                    << operand;
  }
  if (!dropsAxis) {
    return operand;
  }
  SmallVector<int64_t> shape(in.getShape());
  shape.erase(shape.begin() + axis);
  return Type(RankedTensorType::get(shape, in.getElementType()));
}

FailureOr<Type> sinter::inferNorm(OptLoc loc, StringRef opName, Type operand,
                                  ArrayRef<Type> affine, int64_t axis,
                                  double epsilon) {
  Diag d{loc, opName};
  if (failed(requireTensors(d, {{"operand", operand}}))) {
    return failure();
  }
  auto in = asTensor(operand);
  if (axis < 0 || axis >= in.getRank()) {
    return d.emit() << "(C1) axis " << axis << " is out of range for "
                    << operand;
  }
  auto normShape = in.getShape().drop_front(axis);
  for (Type t : affine) {
    if (!t) {
      continue;
    }
    auto ti = asTensor(t);
    if (!ti || ti.getShape() != normShape ||
        ti.getElementType() != in.getElementType()) {
      return d.emit() << "(C2) scale/offset " << t << " must have shape "
                      << shapeString(normShape) << " and element type "
                      << in.getElementType() << " to normalize " << operand
                      << " from axis " << axis;
    }
  }
  if (!(epsilon >= 0.0) || std::isinf(epsilon)) {
    return d.emit() << "(C3) epsilon must be finite and >= 0, got " << epsilon;
  }
  return operand;
}

FailureOr<Type> sinter::inferAttention(OptLoc loc, Type query, Type key,
                                       Type value, Type bias) {
  Diag d{loc, "sinter.attention"};
  if (failed(requireTensors(
          d, {{"query", query}, {"key", key}, {"value", value}}))) {
    return failure();
  }
  auto q = asTensor(query), k = asTensor(key), v = asTensor(value);
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4) {
    return d.emit() << "(C1) query, key and value must be rank 4 [B, H, S, D], "
                       "got "
                    << query << ", " << key << ", " << value;
  }
  if (q.getElementType() != k.getElementType() ||
      q.getElementType() != v.getElementType()) {
    return d.emit() << "(C1) element types differ: " << query << ", " << key
                    << ", " << value;
  }
  auto qs = q.getShape(), ks = k.getShape(), vs = v.getShape();
  if (qs[0] != ks[0] || qs[0] != vs[0] || qs[1] != ks[1] || qs[1] != vs[1]) {
    return d.emit() << "(C2) batch and head sizes differ: query "
                    << shapeString(qs) << ", key " << shapeString(ks)
                    << ", value " << shapeString(vs);
  }
  if (ks[2] != vs[2]) {
    return d.emit() << "(C2) key and value sequence lengths differ: key "
                    << shapeString(ks) << ", value " << shapeString(vs);
  }
  if (qs[3] != ks[3]) {
    return d.emit() << "(C2) query and key head sizes differ: query "
                    << shapeString(qs) << ", key " << shapeString(ks);
  }
  if (bias) {
    auto b = asTensor(bias);
    if (!b || b.getRank() != 4 || b.getElementType() != q.getElementType() ||
        (b.getDimSize(0) != 1 && b.getDimSize(0) != qs[0]) ||
        (b.getDimSize(1) != 1 && b.getDimSize(1) != qs[1]) ||
        b.getDimSize(2) != qs[2] || b.getDimSize(3) != ks[2]) {
      return d.emit() << "(C3) bias " << bias << " must have shape [" << qs[0]
                      << "|1, " << qs[1] << "|1, " << qs[2] << ", " << ks[2]
                      << "] and element type " << q.getElementType();
    }
  }
  SmallVector<int64_t> shape{qs[0], qs[1], qs[2], vs[3]};
  return Type(RankedTensorType::get(shape, q.getElementType()));
}

FailureOr<Type> sinter::inferRotaryEmbedding(OptLoc loc, Type operand, Type cos,
                                             Type sin) {
  Diag d{loc, "sinter.rotary_embedding"};
  if (failed(requireTensors(
          d, {{"operand", operand}, {"cos", cos}, {"sin", sin}}))) {
    return failure();
  }
  auto x = asTensor(operand);
  if (x.getRank() < 2 || x.getShape().back() % 2 != 0) {
    return d.emit() << "(C1) operand must have rank >= 2 and an even last "
                       "dimension, got "
                    << operand;
  }
  int64_t s = x.getDimSize(x.getRank() - 2), half = x.getShape().back() / 2;
  for (Type t : {cos, sin}) {
    auto ti = asTensor(t);
    if (ti.getRank() != 2 || ti.getDimSize(0) != s ||
        ti.getDimSize(1) != half || ti.getElementType() != x.getElementType()) {
      return d.emit() << "(C2) cos/sin " << t << " must be "
                      << RankedTensorType::get({s, half}, x.getElementType())
                      << " for " << operand;
    }
  }
  return operand;
}

bool sinter::hasRepresentableElementCount(ShapedType type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && elementCount(tensor).has_value();
}
