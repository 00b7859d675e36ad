//===- Interpreter.cpp - The reference interpreter --------------*- C++ -*-===//
//
// Walks a func.func op by op: reads each op's operands from an environment of
// HostTensors, calls the op family's kernel (Kernels.cpp) in f64, and rounds
// the results to the declared element types. The function is verified first,
// so the kernels may rely on the dialect's shape constraints; every failure
// a caller can cause (bad arguments, invalid IR, ops it does not know, enum
// attributes holding values outside their enum) comes back as a status,
// never a crash or a silent result.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/Interpreter.h"

#include "compiler/Reference/Kernels.h"
#include "dialects/sinter/IR/SinterOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cstring>
#include <optional>
#include <unistd.h>

using namespace mlir;
using namespace sinter;

namespace sinter::reference {

namespace {

using Results = absl::StatusOr<std::vector<HostTensor>>;
using Env = llvm::DenseMap<Value, HostTensor>;

std::string toString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return os.str();
}

/// Static ranked tensor of a sinter element type, or nullopt.
std::optional<std::pair<DType, std::vector<int64_t>>> tensorInfo(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape()) {
    return std::nullopt;
  }
  std::optional<DType> dtype = dtypeOf(tensor.getElementType());
  if (!dtype) {
    return std::nullopt;
  }
  return std::make_pair(*dtype, std::vector<int64_t>(tensor.getShape().begin(),
                                                     tensor.getShape().end()));
}

/// Builds the tensor for `result` from unrounded values: this is where every
/// op's results are rounded to the declared element type.
absl::StatusOr<HostTensor> makeResult(Value result, std::vector<double> values,
                                      Operation *op, bool round) {
  auto info = tensorInfo(result.getType());
  if (!info) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", op->getName().getStringRef().str(),
        "' has a result of unsupported type ", toString(result.getType())));
  }
  HostTensor t;
  t.dtype = info->first;
  t.shape = std::move(info->second);
  if (static_cast<int64_t>(values.size()) != t.numElements()) {
    // A kernel and the dialect's shape function disagree: a bug, but one to
    // report rather than to crash on.
    return absl::InternalError(
        absl::StrCat("'", op->getName().getStringRef().str(), "' computed ",
                     values.size(), " values for ", t.shapeString()));
  }
  if (round) {
    for (double &v : values) {
      v = roundToDType(t.dtype, v);
    }
  }
  t.values = std::move(values);
  return t;
}

double apFloatToDouble(llvm::APFloat value) {
  bool losesInfo = false;
  value.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo); // exact: every sinter float widens to f64
  return value.convertToDouble();
}

/// Decodes a dense_resource blob: little-endian elements of `dtype`, i1 as
/// one byte each.
absl::StatusOr<std::vector<double>>
decodeResource(DenseResourceElementsAttr attr, DType dtype, int64_t count) {
  AsmResourceBlob *blob = attr.getRawHandle().getBlob();
  std::string key = attr.getRawHandle().getKey().str();
  if (!blob) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sinter.constant: dense_resource '", key, "' has no data"));
  }
  ArrayRef<char> bytes = blob->getData();
  int64_t width = dtypeByteSize(dtype);
  if (static_cast<int64_t>(bytes.size()) != count * width) {
    return absl::InvalidArgumentError(
        absl::StrCat("sinter.constant: dense_resource '", key, "' holds ",
                     bytes.size(), " bytes but ", count, " elements of ",
                     dtypeName(dtype).str(), " need ", count * width));
  }
  std::vector<double> values(count);
  const char *p = bytes.data();
  for (int64_t i = 0; i < count; ++i, p += width) {
    switch (dtype) {
    case DType::F32: {
      float f;
      std::memcpy(&f, p, sizeof f);
      values[i] = f;
      break;
    }
    case DType::F16:
    case DType::BF16: {
      uint16_t bits;
      std::memcpy(&bits, p, sizeof bits);
      values[i] = apFloatToDouble(
          llvm::APFloat(floatSemantics(dtype), llvm::APInt(16, bits)));
      break;
    }
    case DType::I1:
      values[i] = *p != 0 ? 1.0 : 0.0;
      break;
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, p, sizeof v);
      values[i] = v;
      break;
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, p, sizeof v);
      values[i] = int64ToDouble(v);
      break;
    }
    }
  }
  return values;
}

absl::StatusOr<std::vector<double>> elementsValues(Attribute value, Type type) {
  auto info = tensorInfo(type);
  if (!info) {
    return absl::InvalidArgumentError(
        absl::StrCat("sinter.constant: unsupported type ", toString(type)));
  }
  DType dtype = info->first;
  int64_t count = numElementsOf(info->second);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    return decodeResource(resource, dtype, count);
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sinter.constant: unsupported attribute kind ", toString(type),
        " (expected dense or "
        "dense_resource)"));
  }
  // getValues iterates a splat as `count` copies.
  std::vector<double> values;
  values.reserve(count);
  if (isFloat(dtype)) {
    for (const llvm::APFloat &f : dense.getValues<llvm::APFloat>()) {
      values.push_back(apFloatToDouble(f));
    }
  } else {
    for (const llvm::APInt &i : dense.getValues<llvm::APInt>()) {
      // i1 must not be sign-extended (that would read true as -1).
      values.push_back(dtype == DType::I1 ? (i.isZero() ? 0.0 : 1.0)
                                          : int64ToDouble(i.getSExtValue()));
    }
  }
  return values;
}

absl::StatusOr<std::vector<double>> constantValues(ConstantOp op) {
  return elementsValues(op.getValue(), op.getType());
}

std::optional<BinaryFn> binaryFnOf(Operation *op) {
  if (isa<AddOp>(op)) {
    return BinaryFn::Add;
  }
  if (isa<SubOp>(op)) {
    return BinaryFn::Sub;
  }
  if (isa<MulOp>(op)) {
    return BinaryFn::Mul;
  }
  if (isa<DivOp>(op)) {
    return BinaryFn::Div;
  }
  if (isa<MaxOp>(op)) {
    return BinaryFn::Max;
  }
  if (isa<MinOp>(op)) {
    return BinaryFn::Min;
  }
  if (isa<PowOp>(op)) {
    return BinaryFn::Pow;
  }
  return std::nullopt;
}

/// The status of a kernel failure, with the op's name in front.
absl::Status withOpName(Operation *op, const absl::Status &status) {
  return absl::Status(status.code(),
                      absl::StrCat("'", op->getName().getStringRef().str(),
                                   "': ", status.message()));
}

absl::StatusOr<UnaryFn> geluFnOf(GeluOp op) {
  // Every case returns: an out-of-range value falls out of the switch.
  switch (op.getApproximate()) {
  case GeluApproximation::none:
    return UnaryFn::GeluErf;
  case GeluApproximation::tanh:
    return UnaryFn::GeluTanh;
  case GeluApproximation::sigmoid:
    return UnaryFn::GeluSigmoid;
  }
  return withOpName(op, absl::InternalError(absl::StrCat(
                            "invalid GeluApproximation value ",
                            static_cast<int64_t>(op.getApproximate()))));
}

/// The function of an elementwise unary op other than gelu, or nullopt.
std::optional<UnaryFn> unaryFnOf(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<UnaryFn>>(op)
      .Case<NegOp>([](auto) { return UnaryFn::Neg; })
      .Case<AbsOp>([](auto) { return UnaryFn::Abs; })
      .Case<ExpOp>([](auto) { return UnaryFn::Exp; })
      .Case<LogOp>([](auto) { return UnaryFn::Log; })
      .Case<SqrtOp>([](auto) { return UnaryFn::Sqrt; })
      .Case<RsqrtOp>([](auto) { return UnaryFn::Rsqrt; })
      .Case<TanhOp>([](auto) { return UnaryFn::Tanh; })
      .Case<ErfOp>([](auto) { return UnaryFn::Erf; })
      .Case<SigmoidOp>([](auto) { return UnaryFn::Sigmoid; })
      .Case<ReluOp>([](auto) { return UnaryFn::Relu; })
      .Case<SiluOp>([](auto) { return UnaryFn::Silu; })
      .Default([](Operation *) { return std::nullopt; });
}

class Evaluator {
public:
  explicit Evaluator(bool round = true) : round(round) {}

  /// Evaluates `block` with its arguments bound to `args`; returns the
  /// operands of its terminator (func.return or sinter.yield).
  Results evalBlock(Block &block, llvm::ArrayRef<HostTensor> args);

private:
  absl::StatusOr<const HostTensor *> lookup(Env &env, Value value,
                                            Operation *user);
  /// The unrounded values of `op`'s single result.
  /// The op's operands, in order.
  absl::StatusOr<std::vector<const HostTensor *>> operands(Operation *op,
                                                           Env &env);
  absl::StatusOr<std::vector<double>> evalSingle(Operation *op, Env &env);
  Results evalOp(Operation *op, Env &env);

  bool round; // every result to its element type (off: exact f64)
};

absl::StatusOr<const HostTensor *> Evaluator::lookup(Env &env, Value value,
                                                     Operation *user) {
  auto it = env.find(value);
  if (it == env.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", user->getName().getStringRef().str(),
                     "' reads a value that has not been evaluated"));
  }
  return &it->second;
}

Results Evaluator::evalBlock(Block &block, llvm::ArrayRef<HostTensor> args) {
  // A fresh environment per block: fusion regions are isolated from above.
  Env env;
  for (auto [arg, tensor] : llvm::zip(block.getArguments(), args)) {
    env[arg] = tensor;
  }
  for (Operation &op : block) {
    if (isa<func::ReturnOp, YieldOp>(op)) {
      std::vector<HostTensor> results;
      for (Value v : op.getOperands()) {
        absl::StatusOr<const HostTensor *> t = lookup(env, v, &op);
        if (!t.ok()) {
          return t.status();
        }
        results.push_back(**t);
      }
      return results;
    }
    Results results = evalOp(&op, env);
    if (!results.ok()) {
      return results.status();
    }
    for (auto [value, tensor] : llvm::zip(op.getResults(), *results)) {
      env[value] = std::move(tensor);
    }
  }
  return absl::InvalidArgumentError(
      "block ends without func.return or sinter.yield");
}

Results Evaluator::evalOp(Operation *op, Env &env) {
  if (auto fusion = dyn_cast<FusionOp>(op)) {
    std::vector<HostTensor> inputs;
    for (Value v : fusion.getInputs()) {
      absl::StatusOr<const HostTensor *> t = lookup(env, v, op);
      if (!t.ok()) {
        return t.status();
      }
      inputs.push_back(**t);
    }
    return evalBlock(fusion.getBody().front(), inputs);
  }
  if (auto a = dyn_cast<AttentionBackwardOp>(op)) {
    absl::StatusOr<std::vector<const HostTensor *>> operandsOr =
        operands(op, env);
    if (!operandsOr.ok()) {
      return operandsOr.status();
    }
    const std::vector<const HostTensor *> &in = *operandsOr;
    std::vector<std::vector<double>> grads = attentionBackward(
        *in[0], *in[1], *in[2], *in[3], *in[4], a.getBias() ? in[5] : nullptr,
        a.getScale().convertToDouble(), a.getCausal());
    std::vector<HostTensor> results;
    for (unsigned i = 0; i < 3; ++i) {
      absl::StatusOr<HostTensor> r =
          makeResult(op->getResult(i), std::move(grads[i]), op, round);
      if (!r.ok()) {
        return r.status();
      }
      results.push_back(std::move(*r));
    }
    return results;
  }
  if (op->getNumResults() != 1) {
    return absl::UnimplementedError(
        absl::StrCat("reference interpreter: unsupported op '",
                     op->getName().getStringRef().str(), "'"));
  }
  absl::StatusOr<std::vector<double>> values = evalSingle(op, env);
  if (!values.ok()) {
    return values.status();
  }
  absl::StatusOr<HostTensor> result =
      makeResult(op->getResult(0), std::move(*values), op, round);
  if (!result.ok()) {
    return result.status();
  }
  return std::vector<HostTensor>{std::move(*result)};
}

absl::StatusOr<std::vector<const HostTensor *>>
Evaluator::operands(Operation *op, Env &env) {
  std::vector<const HostTensor *> in;
  for (Value v : op->getOperands()) {
    absl::StatusOr<const HostTensor *> t = lookup(env, v, op);
    if (!t.ok()) {
      return t.status();
    }
    in.push_back(*t);
  }
  return in;
}

absl::StatusOr<std::vector<double>> Evaluator::evalSingle(Operation *op,
                                                          Env &env) {
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    return constantValues(constant);
  }
  if (auto iotaOp = dyn_cast<IotaOp>(op)) {
    return iota(iotaOp.getType().getShape(),
                static_cast<int64_t>(iotaOp.getDimension()));
  }

  // Every other op reads its operands; absent optional operands stay null.
  absl::StatusOr<std::vector<const HostTensor *>> operandsOr =
      operands(op, env);
  if (!operandsOr.ok()) {
    return operandsOr.status();
  }
  const std::vector<const HostTensor *> &in = *operandsOr;
  // Only now is the result known to be a ranked tensor: an op from another
  // dialect may produce anything (a function, an index, a token).
  auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType) {
    return absl::UnimplementedError(absl::StrCat(
        "reference interpreter: unsupported op '",
        op->getName().getStringRef().str(), "' (its result has type ",
        toString(op->getResult(0).getType()), ", not a ranked tensor)"));
  }
  ArrayRef<int64_t> resultShape = resultType.getShape();

  if (std::optional<BinaryFn> fn = binaryFnOf(op)) {
    const HostTensor &lhs = *in[0], &rhs = *in[1];
    std::vector<double> out(lhs.values.size());
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = applyBinary(*fn, lhs.dtype, lhs.values[i], rhs.values[i]);
    }
    return out;
  }
  std::optional<UnaryFn> unaryFn = unaryFnOf(op);
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    absl::StatusOr<UnaryFn> fn = geluFnOf(gelu);
    if (!fn.ok()) {
      return fn.status();
    }
    unaryFn = *fn;
  }
  if (std::optional<UnaryFn> fn = unaryFn) {
    const HostTensor &x = *in[0];
    std::vector<double> out(x.values.size());
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = applyUnary(*fn, x.dtype, x.values[i]);
    }
    return out;
  }
  if (auto compare = dyn_cast<CompareOp>(op)) {
    std::vector<double> out(in[0]->values.size());
    ComparePredicate predicate = compare.getPredicate();
    // Checked once up front, so an empty tensor reports a bad predicate too.
    if (absl::StatusOr<bool> probe = applyCompare(predicate, 0.0, 0.0);
        !probe.ok()) {
      return withOpName(op, probe.status());
    }
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = *applyCompare(predicate, in[0]->values[i], in[1]->values[i])
                   ? 1.0
                   : 0.0;
    }
    return out;
  }
  if (isa<SelectOp>(op)) {
    std::vector<double> out(in[0]->values.size());
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = in[0]->values[i] != 0 ? in[1]->values[i] : in[2]->values[i];
    }
    return out;
  }
  if (auto convert = dyn_cast<ConvertOp>(op)) {
    DType to = *dtypeOf(convert.getType().getElementType());
    std::vector<double> out(in[0]->values.size());
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = applyConvert(in[0]->dtype, to, in[0]->values[i]);
    }
    return out;
  }
  if (auto b = dyn_cast<BroadcastInDimOp>(op)) {
    return broadcastInDim(*in[0], b.getBroadcastDimensions(), resultShape);
  }
  if (isa<ReshapeOp>(op)) {
    return in[0]->values; // row-major order is unchanged
  }
  if (auto t = dyn_cast<TransposeOp>(op)) {
    return transpose(*in[0], t.getPermutation());
  }
  if (auto s = dyn_cast<SliceOp>(op)) {
    return slice(*in[0], s.getStartIndices(), s.getStrides(), resultShape);
  }
  if (auto c = dyn_cast<ConcatenateOp>(op)) {
    return concatenate(in, static_cast<int64_t>(c.getDimension()));
  }
  if (isa<GatherOp>(op)) {
    return gather(*in[0], *in[1]);
  }
  if (auto s = dyn_cast<ScatterAddOp>(op)) {
    return scatterAdd(*in[0], *in[1], s.getRows());
  }
  if (auto r = dyn_cast<ReduceOp>(op)) {
    absl::StatusOr<std::vector<double>> out =
        reduce(*in[0], r.getKind(), r.getDimensions());
    if (!out.ok()) {
      return withOpName(op, out.status());
    }
    return out;
  }
  if (auto m = dyn_cast<MatmulOp>(op)) {
    return matmul(*in[0], *in[1], m.getTransposeLhs(), m.getTransposeRhs(),
                  resultShape);
  }
  if (auto s = dyn_cast<SoftmaxOp>(op)) {
    return softmaxFamily(*in[0], static_cast<int64_t>(s.getAxis()),
                         AxisFn::Softmax);
  }
  if (auto s = dyn_cast<LogSoftmaxOp>(op)) {
    return softmaxFamily(*in[0], static_cast<int64_t>(s.getAxis()),
                         AxisFn::LogSoftmax);
  }
  if (auto s = dyn_cast<LogSumExpOp>(op)) {
    return softmaxFamily(*in[0], static_cast<int64_t>(s.getAxis()),
                         AxisFn::LogSumExp);
  }
  // Optional operands are looked up by accessor, not position.
  auto optional = [&](Value v) -> const HostTensor * {
    return v ? &env.find(v)->second : nullptr;
  };
  if (auto n = dyn_cast<LayerNormOp>(op)) {
    return layerNorm(*in[0], optional(n.getGamma()), optional(n.getBeta()),
                     static_cast<int64_t>(n.getAxis()),
                     n.getEpsilon().convertToDouble());
  }
  if (auto n = dyn_cast<RmsNormOp>(op)) {
    return rmsNorm(*in[0], optional(n.getGamma()),
                   static_cast<int64_t>(n.getAxis()),
                   n.getEpsilon().convertToDouble());
  }
  if (auto a = dyn_cast<AttentionOp>(op)) {
    return attention(*in[0], *in[1], *in[2], optional(a.getBias()),
                     a.getScale().convertToDouble(), a.getCausal());
  }
  if (auto r = dyn_cast<RotaryEmbeddingOp>(op)) {
    return rotaryEmbedding(*in[0], *in[1], *in[2], r.getInterleaved());
  }
  return absl::UnimplementedError(
      absl::StrCat("reference interpreter: unsupported op '",
                   op->getName().getStringRef().str(), "'"));
}

/// Runs the verifier, collecting its diagnostics into the status message
/// instead of printing them.
absl::Status verifyForEvaluation(Operation *op) {
  std::vector<std::string> messages;
  ScopedDiagnosticHandler handler(op->getContext(), [&](Diagnostic &diag) {
    messages.push_back(diag.str());
    return success();
  });
  if (failed(mlir::verify(op))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "function does not verify: ", absl::StrJoin(messages, "; ")));
  }
  return absl::OkStatus();
}

std::string typeString(DType dtype, llvm::ArrayRef<int64_t> shape) {
  HostTensor t;
  t.dtype = dtype;
  t.shape.assign(shape.begin(), shape.end());
  return t.shapeString();
}

} // namespace

absl::StatusOr<HostTensor> hostTensorOf(mlir::ElementsAttr value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  auto info = type ? tensorInfo(type) : std::nullopt;
  if (!info) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported constant type ", toString(value.getType())));
  }
  absl::StatusOr<std::vector<double>> values = elementsValues(value, type);
  if (!values.ok()) {
    return values.status();
  }
  return HostTensor{info->first, info->second, std::move(*values)};
}

std::vector<HostTensor> randomArguments(mlir::func::FuncOp fn, uint64_t seed) {
  std::vector<HostTensor> args;
  for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
    auto t = mlir::dyn_cast<mlir::RankedTensorType>(type);
    std::optional<DType> dtype = t ? dtypeOf(t.getElementType()) : std::nullopt;
    if (!dtype) {
      args.emplace_back();
      continue;
    }
    args.push_back(HostTensor::random(
        *dtype, std::vector<int64_t>(t.getShape().begin(), t.getShape().end()),
        seed + i));
  }
  return args;
}

uint64_t hostMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0) {
    return UINT64_MAX; // unknown: let the allocator decide
  }
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize);
}

/// Every value is held as one double per element; one that cannot fit in
/// memory is refused by name before anything is allocated (an allocation
/// that fails aborts the process under LLVM's out-of-memory handler).
static absl::Status checkValueSizes(func::FuncOp fn) {
  uint64_t memory = hostMemoryBytes();
  absl::Status status = absl::OkStatus();
  auto check = [&](Value value, llvm::StringRef what) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.hasStaticShape() || !status.ok()) {
      return;
    }
    uint64_t bytes = sizeof(double);
    bool overflow = false;
    for (int64_t d : type.getShape()) {
      overflow |=
          __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes);
    }
    if (overflow || bytes > memory) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          what.str(), " of type ", toString(type), " needs ",
          overflow ? std::string("more than 2^64") : std::to_string(bytes),
          " bytes as f64 values in the reference interpreter, more than this "
          "machine's ",
          memory, " bytes of memory"));
    }
  };
  for (auto [i, arg] : llvm::enumerate(fn.getArguments())) {
    check(arg, absl::StrCat("argument ", i));
  }
  fn.walk([&](Operation *op) {
    for (Value result : op->getResults()) {
      check(result, absl::StrCat("the result of '",
                                 op->getName().getStringRef().str(), "'"));
    }
  });
  return status;
}

absl::StatusOr<std::vector<HostTensor>>
evaluate(func::FuncOp fn, const std::vector<HostTensor> &args) {
  return evaluate(fn, args, EvaluateOptions{});
}

absl::StatusOr<std::vector<HostTensor>>
evaluate(func::FuncOp fn, const std::vector<HostTensor> &args,
         const EvaluateOptions &options) {
  if (!fn) {
    return absl::InvalidArgumentError("evaluate: null function");
  }
  std::string name = fn.getSymName().str();
  if (fn.isExternal()) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name, "' has no body"));
  }
  if (absl::Status s = verifyForEvaluation(fn); !s.ok()) {
    return s;
  }
  if (absl::Status s = checkValueSizes(fn); !s.ok()) {
    return s;
  }
  auto argTypes = fn.getArgumentTypes();
  if (args.size() != argTypes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("function '", name, "' expects ", argTypes.size(),
                     " arguments, got ", args.size()));
  }
  std::vector<HostTensor> inputs;
  for (auto [i, type] : llvm::enumerate(argTypes)) {
    auto info = tensorInfo(type);
    if (!info) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument ", i, " of '", name, "' has unsupported type ",
                       toString(type)));
    }
    const HostTensor &given = args[i];
    if (given.dtype != info->first || given.shape != info->second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "argument ", i, ": expected ", typeString(info->first, info->second),
          ", got ", given.shapeString()));
    }
    if (static_cast<int64_t>(given.values.size()) != given.numElements()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "argument ", i, ": ", given.shapeString(), " needs ",
          given.numElements(), " values, got ", given.values.size()));
    }
    // Arguments are rounded on entry so hand-filled values obey the rule
    // that every value is exact in its dtype.
    HostTensor rounded = given;
    if (!options.exactF64) {
      for (double &v : rounded.values) {
        v = roundToDType(rounded.dtype, v);
      }
    }
    inputs.push_back(std::move(rounded));
  }
  Evaluator evaluator(/*round=*/!options.exactF64);
  return evaluator.evalBlock(fn.getBody().front(), inputs);
}

absl::StatusOr<std::vector<HostTensor>>
evaluate(ModuleOp module, const std::vector<HostTensor> &args,
         llvm::StringRef entry) {
  if (!module) {
    return absl::InvalidArgumentError("evaluate: null module");
  }
  if (!entry.empty()) {
    auto fn = module.lookupSymbol<func::FuncOp>(entry);
    if (!fn) {
      return absl::NotFoundError(
          absl::StrCat("module has no func.func named '", entry.str(), "'"));
    }
    return evaluate(fn, args);
  }
  std::vector<func::FuncOp> candidates;
  std::vector<std::string> names;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isPublic() && !fn.isExternal()) {
      candidates.push_back(fn);
      names.push_back(fn.getSymName().str());
    }
  }
  if (candidates.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "module has ", candidates.size(), " public functions with bodies (",
        absl::StrJoin(names, ", "), "); name the entry function"));
  }
  return evaluate(candidates.front(), args);
}

} // namespace sinter::reference
