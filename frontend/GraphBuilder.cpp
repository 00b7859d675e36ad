//===- GraphBuilder.cpp - Build sinter graphs from C++ ----------*- C++ -*-===//
//
// Every op method follows one recipe: check the operands (sticky error,
// validity, ownership), normalize axes, compute the result type with the
// dialect's shape function while capturing its diagnostic, and only then
// create the op with an explicit result type. The ODS builders of ops with
// inferred result types call report_fatal_error when inference fails, so an
// op is never created from unchecked operands.
//
//===----------------------------------------------------------------------===//

#include "frontend/GraphBuilder.h"

#include "compiler/Transforms/Autodiff.h"
#include "compiler/Transforms/LiftParameters.h"

#include "dialects/sinter/IR/EntryFunction.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "dialects/sinter/IR/TypeInference.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace sinter;

namespace sinter {
namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string str(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  return "[" + absl::StrJoin(shape, ", ") + "]";
}

bool isValidDType(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::F16:
  case DType::BF16:
  case DType::I1:
  case DType::I32:
  case DType::I64:
    return true;
  }
  return false;
}

/// An empty string if `value` is a valid enumerant, else "<op>: invalid
/// <enumName> (enum value N; expected a, b, ...)". Enum values cast from
/// arbitrary integers would otherwise reach the IR and print unparseably.
template <typename EnumT>
std::string invalidEnumMessage(StringRef op, StringRef enumName, EnumT value,
                               std::optional<EnumT> (*symbolize)(uint32_t),
                               StringRef (*stringify)(EnumT),
                               unsigned maxValue) {
  auto raw = static_cast<uint32_t>(value);
  if (symbolize(raw)) {
    return "";
  }
  std::vector<std::string> valid;
  for (unsigned i = 0; i <= maxValue; ++i) {
    if (std::optional<EnumT> e = symbolize(i)) {
      valid.push_back(stringify(*e).str());
    }
  }
  return absl::StrCat(op.str(), ": invalid ", enumName.str(), " (enum value ",
                      raw, "; expected ", absl::StrJoin(valid, ", "), ")");
}

/// Captures the first diagnostic emitted while alive, so a shape function's
/// message can become the builder's status instead of reaching stderr.
class DiagCapture {
public:
  explicit DiagCapture(MLIRContext &ctx)
      : handler(&ctx, [this](Diagnostic &diag) {
          if (message.empty()) {
            message = diag.str();
          }
          return success();
        }) {}
  std::string message;

private:
  ScopedDiagnosticHandler handler;
};

/// Resource keys are printed as bare identifiers: keep [A-Za-z0-9_.] and
/// make sure the first character is a letter or '_'.
std::string resourceKey(StringRef name) {
  std::string key;
  for (char c : name) {
    key += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')
               ? c
               : '_';
  }
  if (key.empty() ||
      !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) {
    key = "_" + key;
  }
  return key;
}

uint64_t splitMix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Uniform in (0, 1): never 0, so log() in Box-Muller stays finite.
double uniformOpen01(uint64_t &state) {
  return (static_cast<double>(splitMix64(state) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t fnv1a(StringRef s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// `value` rounded (to nearest even) to a float dtype, as raw bits.
APInt floatBits(DType dtype, double value) {
  APFloat f(value);
  bool losesInfo = false;
  f.convert(floatSemantics(dtype), APFloat::rmNearestTiesToEven, &losesInfo);
  return f.bitcastToAPInt();
}

} // namespace

//===----------------------------------------------------------------------===//
// Tensor and parameter initialisation
//===----------------------------------------------------------------------===//

int64_t Tensor::dim(int64_t i) const {
  int64_t r = rank();
  if (i < 0) {
    i += r;
  }
  if (!valid() || i < 0 || i >= r) {
    return -1;
  }
  return shape()[i];
}

std::vector<double> initialParameterValues(const ParamInit &init,
                                           StringRef name, uint64_t seed,
                                           int64_t numElements) {
  std::vector<double> values(
      static_cast<size_t>(std::max<int64_t>(0, numElements)));
  switch (init.kind) {
  case ParamInit::Kind::kZeros:
    return values;
  case ParamInit::Kind::kOnes:
    std::fill(values.begin(), values.end(), 1.0);
    return values;
  case ParamInit::Kind::kUniform:
  case ParamInit::Kind::kNormal:
    break;
  }
  // The stream depends only on (seed, name): declaration order and the
  // machine do not matter.
  uint64_t state = seed * 0x9e3779b97f4a7c15ULL ^ fnv1a(name);
  if (init.kind == ParamInit::Kind::kUniform) {
    for (double &v : values) {
      v = init.scale * (2.0 * uniformOpen01(state) - 1.0);
    }
    return values;
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  for (size_t i = 0; i < values.size(); i += 2) {
    double r = std::sqrt(-2.0 * std::log(uniformOpen01(state)));
    double theta = kTwoPi * uniformOpen01(state);
    values[i] = init.scale * r * std::cos(theta);
    if (i + 1 < values.size()) {
      values[i + 1] = init.scale * r * std::sin(theta);
    }
  }
  return values;
}

//===----------------------------------------------------------------------===//
// Construction, errors, scopes
//===----------------------------------------------------------------------===//

GraphBuilder::GraphBuilder(MLIRContext &ctx, std::string funcName,
                           uint64_t seed)
    : ctx(ctx), funcName(std::move(funcName)), seed(seed), builder(&ctx) {
  ctx.loadDialect<SinterDialect, func::FuncDialect>();
  Location unknown = UnknownLoc::get(&ctx);
  module = ModuleOp::create(unknown);
  // Both arms StringRef: a "main" : std::string ternary would make a
  // temporary std::string and leave symName dangling.
  StringRef symName =
      this->funcName.empty() ? StringRef("main") : StringRef(this->funcName);
  func =
      func::FuncOp::create(unknown, symName, FunctionType::get(&ctx, {}, {}));
  module->push_back(func);
  body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  if (this->funcName.empty()) {
    fail("GraphBuilder: the function name is empty");
  }
}

GraphBuilder::~GraphBuilder() = default;

GraphBuilder::Scope::Scope(GraphBuilder &b, StringRef name) : builder(b) {
  builder.scopes.push_back(name.str());
}

GraphBuilder::Scope::~Scope() { builder.scopes.pop_back(); }

Tensor GraphBuilder::fail(absl::Status status) {
  if (firstError.ok()) {
    firstError = std::move(status);
  }
  return Tensor();
}

Tensor GraphBuilder::fail(const llvm::Twine &message) {
  return fail(absl::InvalidArgumentError(message.str()));
}

bool GraphBuilder::check(StringRef op, ArrayRef<Tensor> operands) {
  if (!firstError.ok()) {
    return false; // sticky: keep the first error
  }
  if (built) {
    fail(op + ": the builder has already built its module");
    return false;
  }
  for (auto [i, t] : llvm::enumerate(operands)) {
    if (!t.valid()) {
      fail(op + ": operand " + Twine(i) +
           " is an invalid Tensor (default-constructed, or the result of a "
           "failed call)");
      return false;
    }
    if (Value(t.value).getParentBlock() != body) {
      fail(op + ": operand " + Twine(i) + " (" + str(t.value.getType()) +
           ") belongs to another GraphBuilder");
      return false;
    }
  }
  return true;
}

bool GraphBuilder::checkDType(StringRef op, DType dtype) {
  if (!isValidDType(dtype)) {
    fail(op + ": invalid dtype (enum value " + Twine(static_cast<int>(dtype)) +
         "; expected f32, f16, bf16, i1, i32 or i64)");
    return false;
  }
  return true;
}

bool GraphBuilder::checkShape(StringRef op, ArrayRef<int64_t> shape) {
  // Bounded so element counts and byte sizes never overflow int64.
  constexpr int64_t kMaxElements = int64_t(1) << 48;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      fail(op + ": shape " + shapeStr(shape) +
           " has a negative dimension (shapes are static)");
      return false;
    }
    if (d != 0 && n > kMaxElements / d) {
      fail(op + ": shape " + shapeStr(shape) + " has too many elements");
      return false;
    }
    n *= d;
  }
  return true;
}

bool GraphBuilder::checkNewName(StringRef op, StringRef name) {
  if (name.empty()) {
    fail(op + ": the name is empty");
    return false;
  }
  if (names.count(name)) {
    fail(op + ": the name '" + name +
         "' is already used by an input, parameter or output");
    return false;
  }
  return true;
}

bool GraphBuilder::requireFloat(StringRef op, Tensor x) {
  if (!isa<FloatType>(x.type().getElementType())) {
    fail(op + ": needs a float (f32, f16, bf16) operand, got " + str(x.type()));
    return false;
  }
  return true;
}

bool GraphBuilder::requireNumeric(StringRef op, Tensor x) {
  if (x.type().getElementType().isSignlessInteger(1)) {
    fail(op + ": needs a numeric (float, i32, i64) operand, got " +
         str(x.type()) + "; convert i1 first");
    return false;
  }
  return true;
}

std::optional<int64_t> GraphBuilder::normalizeAxis(StringRef op, int64_t axis,
                                                   int64_t rank) {
  if (axis < -rank || axis >= rank) {
    fail(op + ": axis " + Twine(axis) + " is out of range for rank " +
         Twine(rank) + " (valid: [" + Twine(-rank) + ", " + Twine(rank - 1) +
         "])");
    return std::nullopt;
  }
  return axis < 0 ? axis + rank : axis;
}

Location GraphBuilder::loc() {
  if (scopes.empty()) {
    return NameLoc::get(StringAttr::get(&ctx, funcName));
  }
  return NameLoc::get(StringAttr::get(&ctx, absl::StrJoin(scopes, "/")));
}

RankedTensorType GraphBuilder::tensorType(ArrayRef<int64_t> shape,
                                          Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

/// Runs a shape function with diagnostics captured; on failure records
/// "<op>: <diagnostic>" and returns null.
template <typename Fn>
static Type inferOrFail(MLIRContext &ctx, StringRef op, Fn &&fn,
                        llvm::function_ref<void(const std::string &)> onFail) {
  DiagCapture capture(ctx);
  FailureOr<Type> type = fn();
  if (failed(type)) {
    onFail((op + ": " +
            (capture.message.empty() ? std::string("invalid operands")
                                     : capture.message))
               .str());
    return Type();
  }
  return *type;
}

#define SINTER_INFER(OP, EXPR)                                                 \
  inferOrFail(                                                                 \
      ctx, OP, [&]() -> FailureOr<Type> { return EXPR; },                      \
      [&](const std::string &m) { fail(m); })

static LogicalResult checkOrFail(MLIRContext &ctx, StringRef op,
                                 llvm::function_ref<LogicalResult()> fn,
                                 std::string &message) {
  DiagCapture capture(ctx);
  if (failed(fn())) {
    message = (op + ": " +
               (capture.message.empty() ? std::string("invalid operands")
                                        : capture.message))
                  .str();
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Graph interface
//===----------------------------------------------------------------------===//

Tensor GraphBuilder::input(StringRef name, DType dtype,
                           ArrayRef<int64_t> shape) {
  if (!check("input", {}) || !checkNewName("input", name) ||
      !checkDType("input '" + name.str() + "'", dtype) ||
      !checkShape("input '" + name.str() + "'", shape)) {
    return Tensor();
  }
  names.insert(name.str());
  auto type = tensorType(shape, getMlirType(&ctx, dtype));
  BlockArgument arg = body->addArgument(type, loc());
  func.setType(FunctionType::get(&ctx, body->getArgumentTypes(), {}));
  func.setArgAttr(arg.getArgNumber(), kNameAttr, StringAttr::get(&ctx, name));
  return Tensor(arg);
}

bool GraphBuilder::reserveConstantBytes(StringRef op, DType dtype,
                                        ArrayRef<int64_t> shape,
                                        int64_t numElements) {
  // checkShape bounds numElements by 2^48, so this cannot overflow.
  int64_t bytes = numElements * dtypeByteSize(dtype);
  if (bytes > maxConstantBytes - constantBytes) {
    fail(op + ": shape " + shapeStr(shape) + " of " + dtypeName(dtype) +
         " needs " + Twine(bytes) + " bytes, over the builder's limit of " +
         Twine(maxConstantBytes) + " bytes of parameter and constant data (" +
         Twine(constantBytes) +
         " already used; raise it with setMaxConstantBytes)");
    return false;
  }
  constantBytes += bytes;
  return true;
}

ElementsAttr GraphBuilder::makeElements(StringRef op, DType dtype,
                                        ArrayRef<int64_t> shape,
                                        ArrayRef<double> values,
                                        StringRef resourceName,
                                        bool allowResource) {
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  if (static_cast<int64_t>(values.size()) != n && values.size() != 1) {
    fail(op + ": got " + Twine(values.size()) + " values for shape " +
         shapeStr(shape) + " (" + Twine(n) +
         " elements; give one value per element or a single value)");
    return {};
  }
  bool isInt = dtype == DType::I32 || dtype == DType::I64;
  if (isInt) {
    double lo = dtype == DType::I32 ? -2147483648.0 : -9223372036854775808.0;
    double hi = dtype == DType::I32 ? 2147483648.0 : 9223372036854775808.0;
    for (double v : values) {
      if (!(v >= lo && v < hi) || v != std::trunc(v)) {
        fail(op + ": value " + absl::StrCat(v) + " is not representable in " +
             dtypeName(dtype));
        return {};
      }
    }
  }
  Type elementType = getMlirType(&ctx, dtype);
  auto type = tensorType(shape, elementType);
  bool splat = llvm::all_equal(values);
  unsigned width = dtype == DType::I1 ? 1 : dtypeByteSize(dtype) * 8;

  // Named parameters are always blobs, even when small or splat: each
  // blob has its own key, so constant uniquing in the folders cannot merge
  // two equal parameters and no folder sees through a parameter's value
  // (mul by a ones gamma stays). Unnamed constants are dense when splat or
  // small.
  bool dense =
      !allowResource || (resourceName.empty() &&
                         (n <= kMaxDenseConstantElements || (splat && n > 0)));
  if (dense) {
    ArrayRef<double> used = splat ? values.take_front(1) : values;
    if (n == 0) {
      used = {};
    }
    if (!reserveConstantBytes(op, dtype, shape,
                              static_cast<int64_t>(used.size()))) {
      return {};
    }
    if (isFloat(dtype)) {
      SmallVector<APFloat> elems;
      for (double v : used) {
        APFloat f(v);
        bool losesInfo = false;
        f.convert(floatSemantics(dtype), APFloat::rmNearestTiesToEven,
                  &losesInfo);
        elems.push_back(f);
      }
      return DenseElementsAttr::get(type, elems);
    }
    SmallVector<APInt> elems;
    for (double v : used) {
      elems.push_back(dtype == DType::I1
                          ? APInt(1, v != 0.0 ? 1 : 0)
                          : APInt(width, static_cast<int64_t>(v), true));
    }
    return DenseElementsAttr::get(type, elems);
  }

  if (!reserveConstantBytes(op, dtype, shape, n)) {
    return {};
  }
  // Raw little-endian bytes, independent of the host's byte order, written
  // straight into a mutable heap blob (no intermediate copy). Mutable also
  // because MLIR 19's copying helpers go through getMutableData(), which
  // asserts on an immutable blob.
  int64_t bytesPerElem = dtypeByteSize(dtype);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      static_cast<size_t>(n * bytesPerElem), static_cast<size_t>(bytesPerElem),
      /*dataIsMutable=*/true);
  MutableArrayRef<char> bytes = blob.getMutableData();
  for (int64_t i = 0; i < n; ++i) {
    double v = values.size() == 1 ? values[0] : values[i];
    uint64_t bits;
    if (isFloat(dtype)) {
      bits = floatBits(dtype, v).getZExtValue();
    } else if (dtype == DType::I1) {
      bits = v != 0.0 ? 1 : 0;
    } else {
      bits = static_cast<uint64_t>(static_cast<int64_t>(v));
    }
    for (int64_t b = 0; b < bytesPerElem; ++b) {
      bytes[i * bytesPerElem + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
    }
  }
  // The blob manager makes the key unique (suffixing it) if already taken.
  return DenseResourceElementsAttr::get(
      type, resourceKey(resourceName.empty() ? "constant" : resourceName),
      std::move(blob));
}

Tensor GraphBuilder::parameter(StringRef name, DType dtype,
                               ArrayRef<int64_t> shape,
                               std::vector<double> values) {
  std::string op = ("parameter '" + name + "'").str();
  if (!check("parameter", {}) || !checkNewName("parameter", name) ||
      !checkDType(op, dtype) || !checkShape(op, shape)) {
    return Tensor();
  }
  if (auto it = parameterValues.find(name.str()); it != parameterValues.end()) {
    if (ArrayRef<int64_t>(it->second.shape) != shape) {
      return fail(op + ": the given values have shape " +
                  shapeStr(it->second.shape) + " but the model needs " +
                  shapeStr(shape));
    }
    values = it->second.values;
    usedParameterValues.insert(name.str());
  }
  ElementsAttr attr = makeElements(op, dtype, shape, values, name, true);
  if (!attr) {
    return Tensor();
  }
  names.insert(name.str());
  auto c = builder.create<ConstantOp>(loc(), attr.getType(), attr);
  c->setAttr(kNameAttr, StringAttr::get(&ctx, name));
  parameters.push_back({name.str(), Tensor(c.getResult())});
  return Tensor(c.getResult());
}

Tensor GraphBuilder::parameter(StringRef name, DType dtype,
                               ArrayRef<int64_t> shape, ParamInit init) {
  std::string op = ("parameter '" + name + "'").str();
  if (!check("parameter", {}) || !checkNewName("parameter", name) ||
      !checkDType(op, dtype) || !checkShape(op, shape)) {
    return Tensor();
  }
  if (!(std::isfinite(init.scale))) {
    return fail(op + ": init scale must be finite");
  }
  if (parameterValues.count(name.str())) {
    return parameter(name, dtype, shape, std::vector<double>{});
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
  }
  // Check the limit before generating the values: a huge but valid shape
  // must be a status, not an out-of-memory abort in the vector below.
  if (n * dtypeByteSize(dtype) > maxConstantBytes - constantBytes) {
    reserveConstantBytes(op, dtype, shape, n);
    return Tensor();
  }
  return parameter(name, dtype, shape,
                   initialParameterValues(init, name, seed, n));
}

Tensor GraphBuilder::constant(DType dtype, ArrayRef<int64_t> shape,
                              ArrayRef<double> values) {
  if (!check("constant", {}) || !checkDType("constant", dtype) ||
      !checkShape("constant", shape)) {
    return Tensor();
  }
  ElementsAttr attr = makeElements("constant", dtype, shape, values, "", true);
  if (!attr) {
    return Tensor();
  }
  return Tensor(builder.create<ConstantOp>(loc(), attr.getType(), attr));
}

Tensor GraphBuilder::scalar(DType dtype, double value) {
  if (!check("scalar", {}) || !checkDType("scalar", dtype)) {
    return Tensor();
  }
  return constant(dtype, {}, {value});
}

Tensor GraphBuilder::fullLike(Tensor like, double value) {
  if (!check("fullLike", {like})) {
    return Tensor();
  }
  std::optional<DType> dtype = like.dtype();
  ElementsAttr attr =
      makeElements("fullLike", *dtype, like.shape(), {value}, "", false);
  if (!attr) {
    return Tensor();
  }
  return Tensor(builder.create<ConstantOp>(loc(), attr.getType(), attr));
}

void GraphBuilder::output(StringRef name, Tensor value, StringRef overwrites) {
  if (!check("output '" + name.str() + "'", {value}) ||
      !checkNewName("output", name)) {
    return;
  }
  names.insert(name.str());
  outputs.push_back({name.str(), value.value, overwrites.str()});
}

absl::StatusOr<OwningOpRef<ModuleOp>> GraphBuilder::build() {
  if (!check("build", {})) {
    return firstError;
  }
  if (outputs.empty()) {
    fail("build: the graph has no outputs (call output() first)");
    return firstError;
  }
  std::vector<std::string> unused;
  for (const auto &[name, v] : parameterValues) {
    if (!usedParameterValues.count(name)) {
      unused.push_back(name);
    }
  }
  if (!unused.empty()) {
    fail("build: values were given for parameters the model does not have: " +
         absl::StrJoin(unused, ", "));
    return firstError;
  }
  SmallVector<Value> values;
  SmallVector<Type> types;
  for (const Output &out : outputs) {
    values.push_back(out.value);
    types.push_back(out.value.getType());
  }
  builder.create<func::ReturnOp>(loc(), values);
  func.setType(FunctionType::get(&ctx, body->getArgumentTypes(), types));
  for (auto [i, out] : llvm::enumerate(outputs)) {
    func.setResultAttr(i, kNameAttr, StringAttr::get(&ctx, out.name));
    if (!out.overwrites.empty()) {
      // Verified with the function, once parameters are arguments.
      func.setResultAttr(i, kAliasesInputAttr,
                         StringAttr::get(&ctx, out.overwrites));
    }
  }
  built = true;

  std::vector<std::string> messages;
  if (trainable) {
    std::string message;
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    FailureOr<std::vector<LiftedParameter>> lifted = liftParameters(func);
    if (failed(lifted)) {
      fail("build: " + message);
      return firstError;
    }
    for (LiftedParameter &p : *lifted) {
      liftedParameters.push_back(
          {std::move(p.name), p.initialValue, p.argNumber});
    }
  }
  {
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << diag.getLocation() << ": " << diag.str();
      messages.push_back(s);
      return success();
    });
    if (failed(verify(*module))) {
      // The builder checks everything a user can get wrong, so this is a
      // builder or dialect bug; still a status, never a crash.
      fail("build: the module failed verification: " +
           absl::StrJoin(messages, "; "));
      return firstError;
    }
  }
  return std::move(module);
}

std::vector<GraphBuilder::NamedTensor> GraphBuilder::floatParameters() const {
  std::vector<NamedTensor> result;
  for (const NamedTensor &p : parameters) {
    if (isa<FloatType>(p.tensor.type().getElementType())) {
      result.push_back(p);
    }
  }
  return result;
}

std::vector<Tensor> GraphBuilder::grad(Tensor loss, ArrayRef<Tensor> wrt,
                                       ArrayRef<Tensor> stopGradient) {
  if (!check("grad", {loss}) || !check("grad", wrt) ||
      !check("grad", stopGradient)) {
    return {};
  }
  std::string message;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (message.empty()) {
      llvm::raw_string_ostream os(message);
      os << diag.str();
      if (auto name = dyn_cast<NameLoc>(diag.getLocation())) {
        os << " (at " << name.getName() << ")";
      }
    }
    return success();
  });
  SmallVector<Value> values, constants;
  for (Tensor t : wrt) {
    values.push_back(t.value);
  }
  for (Tensor t : stopGradient) {
    constants.push_back(t.value);
  }
  FailureOr<SmallVector<Value>> grads =
      buildGradients(builder, loc(), loss.value, values, constants);
  if (failed(grads)) {
    fail("grad: " + message);
    return {};
  }
  std::vector<Tensor> result;
  for (Value g : *grads) {
    result.push_back(Tensor(g));
  }
  return result;
}

Tensor GraphBuilder::recompute(Tensor result, Tensor from, Tensor replacement) {
  if (!check("recompute", {result, from, replacement})) {
    return Tensor();
  }
  if (from.type() != replacement.type()) {
    return fail("recompute: the replacement " + str(replacement.type()) +
                " must have the type of the value it replaces, " +
                str(from.type()));
  }
  Operation *end = result.value.getDefiningOp();
  if (!end) {
    return Value(result.value) == Value(from.value) ? replacement : result;
  }
  // The ops from `from` to `result`, in program order (a snapshot: the
  // clones are appended to the same block).
  SmallVector<Operation *> ops;
  for (Operation &op : *body) {
    ops.push_back(&op);
    if (&op == end) {
      break;
    }
  }
  IRMapping map;
  map.map(from.value, replacement.value);
  SmallVector<Operation *> clones;
  for (Operation *op : ops) {
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return map.contains(v); })) {
      clones.push_back(builder.clone(*op, map));
    }
  }
  Value recomputed = map.lookupOrDefault(result.value);
  // Clones `result` does not need (other users of `from`) are dead.
  for (Operation *op : llvm::reverse(clones)) {
    if (op->use_empty() && !llvm::is_contained(op->getResults(), recomputed)) {
      op->erase();
    }
  }
  return Tensor(recomputed);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

bool GraphBuilder::broadcastOperands(StringRef op,
                                     MutableArrayRef<Tensor> operands,
                                     bool sameElementType) {
  if (sameElementType) {
    for (const Tensor &t : operands.drop_front()) {
      if (t.type().getElementType() != operands[0].type().getElementType()) {
        std::vector<std::string> typeNames;
        for (const Tensor &o : operands) {
          typeNames.push_back(str(o.type()));
        }
        fail(op + ": element types differ (" + absl::StrJoin(typeNames, ", ") +
             "); insert a convert");
        return false;
      }
    }
  }
  int64_t rank = 0;
  for (const Tensor &t : operands) {
    rank = std::max(rank, t.rank());
  }
  SmallVector<int64_t> shape(rank, 1);
  for (int64_t i = 0; i < rank; ++i) {
    for (const Tensor &t : operands) {
      int64_t k = i - (rank - t.rank());
      if (k < 0) {
        continue;
      }
      int64_t d = t.shape()[k];
      if (d == shape[i] || d == 1) {
        continue;
      }
      if (shape[i] != 1) {
        std::vector<std::string> shapes;
        for (const Tensor &o : operands) {
          shapes.push_back(shapeStr(o.shape()));
        }
        fail(op + ": cannot broadcast shapes " +
             absl::StrJoin(shapes, " and ") + " (dimension " + Twine(i) +
             " of the broadcast result: " + Twine(shape[i]) + " vs " +
             Twine(d) + ")");
        return false;
      }
      shape[i] = d;
    }
  }
  for (Tensor &t : operands) {
    t = broadcastTo(t, shape);
    if (!t.valid()) {
      return false;
    }
  }
  return true;
}

template <typename OpT>
Tensor GraphBuilder::binary(StringRef op, Tensor lhs, Tensor rhs,
                            bool floatOnly) {
  if (!check(op, {lhs, rhs})) {
    return Tensor();
  }
  if (floatOnly ? !requireFloat(op, lhs) || !requireFloat(op, rhs)
                : !requireNumeric(op, lhs) || !requireNumeric(op, rhs)) {
    return Tensor();
  }
  Tensor operands[2] = {lhs, rhs};
  if (!broadcastOperands(op, operands, /*sameElementType=*/true)) {
    return Tensor();
  }
  Type type = SINTER_INFER(
      op, inferElementwise(loc(), OpT::getOperationName(),
                           TypeRange{operands[0].value.getType(),
                                     operands[1].value.getType()}));
  if (!type) {
    return Tensor();
  }
  return Tensor(
      builder.create<OpT>(loc(), type, operands[0].value, operands[1].value));
}

Tensor GraphBuilder::add(Tensor lhs, Tensor rhs) {
  return binary<AddOp>("add", lhs, rhs, false);
}
Tensor GraphBuilder::sub(Tensor lhs, Tensor rhs) {
  return binary<SubOp>("sub", lhs, rhs, false);
}
Tensor GraphBuilder::mul(Tensor lhs, Tensor rhs) {
  return binary<MulOp>("mul", lhs, rhs, false);
}
Tensor GraphBuilder::div(Tensor lhs, Tensor rhs) {
  return binary<DivOp>("div", lhs, rhs, false);
}
Tensor GraphBuilder::max(Tensor lhs, Tensor rhs) {
  return binary<MaxOp>("max", lhs, rhs, false);
}
Tensor GraphBuilder::min(Tensor lhs, Tensor rhs) {
  return binary<MinOp>("min", lhs, rhs, false);
}
Tensor GraphBuilder::pow(Tensor lhs, Tensor rhs) {
  return binary<PowOp>("pow", lhs, rhs, true);
}
Tensor GraphBuilder::add(Tensor lhs, double rhs) {
  return add(lhs, fullLike(lhs, rhs));
}
Tensor GraphBuilder::sub(Tensor lhs, double rhs) {
  return sub(lhs, fullLike(lhs, rhs));
}
Tensor GraphBuilder::mul(Tensor lhs, double rhs) {
  return mul(lhs, fullLike(lhs, rhs));
}
Tensor GraphBuilder::div(Tensor lhs, double rhs) {
  return div(lhs, fullLike(lhs, rhs));
}

template <typename OpT>
Tensor GraphBuilder::unary(StringRef op, Tensor x, bool floatOnly) {
  if (!check(op, {x}) ||
      !(floatOnly ? requireFloat(op, x) : requireNumeric(op, x))) {
    return Tensor();
  }
  return Tensor(builder.create<OpT>(loc(), x.type(), x.value));
}

Tensor GraphBuilder::neg(Tensor x) { return unary<NegOp>("neg", x, false); }
Tensor GraphBuilder::abs(Tensor x) { return unary<AbsOp>("abs", x, false); }
Tensor GraphBuilder::exp(Tensor x) { return unary<ExpOp>("exp", x, true); }
Tensor GraphBuilder::log(Tensor x) { return unary<LogOp>("log", x, true); }
Tensor GraphBuilder::sqrt(Tensor x) { return unary<SqrtOp>("sqrt", x, true); }
Tensor GraphBuilder::rsqrt(Tensor x) {
  return unary<RsqrtOp>("rsqrt", x, true);
}
Tensor GraphBuilder::tanh(Tensor x) { return unary<TanhOp>("tanh", x, true); }
Tensor GraphBuilder::erf(Tensor x) { return unary<ErfOp>("erf", x, true); }
Tensor GraphBuilder::sigmoid(Tensor x) {
  return unary<SigmoidOp>("sigmoid", x, true);
}
Tensor GraphBuilder::relu(Tensor x) { return unary<ReluOp>("relu", x, false); }
Tensor GraphBuilder::silu(Tensor x) { return unary<SiluOp>("silu", x, true); }

Tensor GraphBuilder::gelu(Tensor x, GeluApproximation approx,
                          std::optional<CompositeMode> mode) {
  if (!check("gelu", {x}) || !requireFloat("gelu", x)) {
    return Tensor();
  }
  if (std::string m = invalidEnumMessage(
          "gelu", "GeluApproximation", approx, &symbolizeGeluApproximation,
          &stringifyGeluApproximation, getMaxEnumValForGeluApproximation());
      !m.empty()) {
    return fail(m);
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    return Tensor(builder.create<GeluOp>(loc(), x.type(), x.value, approx));
  }
  switch (approx) {
  case GeluApproximation::none:
    // PyTorch's exact form: x * 0.5 * (1 + erf(x / sqrt(2))).
    return mul(mul(x, 0.5), add(erf(div(x, M_SQRT2)), 1.0));
  case GeluApproximation::tanh: {
    // GPT-2's form: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
    Tensor cube = pow(x, fullLike(x, 3.0));
    Tensor inner = mul(add(x, mul(cube, 0.044715)), std::sqrt(2.0 / M_PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1.0));
  }
  case GeluApproximation::sigmoid:
    return mul(x, sigmoid(mul(x, 1.702)));
  }
  return fail("gelu: unknown approximation " + Twine(static_cast<int>(approx)));
}

Tensor GraphBuilder::compare(ComparePredicate pred, Tensor lhs, Tensor rhs) {
  if (!check("compare", {lhs, rhs})) {
    return Tensor();
  }
  if (std::string m = invalidEnumMessage(
          "compare", "ComparePredicate", pred, &symbolizeComparePredicate,
          &stringifyComparePredicate, getMaxEnumValForComparePredicate());
      !m.empty()) {
    return fail(m);
  }
  Tensor operands[2] = {lhs, rhs};
  if (!broadcastOperands("compare", operands, /*sameElementType=*/true)) {
    return Tensor();
  }
  Type type =
      SINTER_INFER("compare", inferCompare(loc(), operands[0].value.getType(),
                                           operands[1].value.getType()));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<CompareOp>(loc(), type, operands[0].value,
                                          operands[1].value, pred));
}

Tensor GraphBuilder::select(Tensor pred, Tensor onTrue, Tensor onFalse) {
  if (!check("select", {pred, onTrue, onFalse})) {
    return Tensor();
  }
  if (!pred.type().getElementType().isSignlessInteger(1)) {
    return fail("select: pred must have element type i1, got " +
                str(pred.type()));
  }
  if (onTrue.type().getElementType() != onFalse.type().getElementType()) {
    return fail("select: on_true " + str(onTrue.type()) + " and on_false " +
                str(onFalse.type()) + " have different element types");
  }
  Tensor operands[3] = {pred, onTrue, onFalse};
  if (!broadcastOperands("select", operands, /*sameElementType=*/false)) {
    return Tensor();
  }
  Type type =
      SINTER_INFER("select", inferSelect(loc(), operands[0].value.getType(),
                                         operands[1].value.getType(),
                                         operands[2].value.getType()));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<SelectOp>(loc(), type, operands[0].value,
                                         operands[1].value, operands[2].value));
}

Tensor GraphBuilder::convert(Tensor x, DType dtype) {
  if (!check("convert", {x}) || !checkDType("convert", dtype)) {
    return Tensor();
  }
  auto type = tensorType(x.shape(), getMlirType(&ctx, dtype));
  if (type == x.type()) {
    return x; // the identity: no op, as the folder would do
  }
  return Tensor(builder.create<ConvertOp>(loc(), type, x.value));
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

Tensor GraphBuilder::broadcastInDim(Tensor x, ArrayRef<int64_t> shape,
                                    ArrayRef<int64_t> dims) {
  if (!check("broadcastInDim", {x}) || !checkShape("broadcastInDim", shape)) {
    return Tensor();
  }
  auto type = tensorType(shape, x.type().getElementType());
  std::string message;
  if (failed(checkOrFail(
          ctx, "broadcastInDim",
          [&] { return verifyBroadcastInDim(loc(), x.type(), type, dims); },
          message))) {
    return fail(message);
  }
  return Tensor(builder.create<BroadcastInDimOp>(loc(), type, x.value, dims));
}

Tensor GraphBuilder::broadcastTo(Tensor x, ArrayRef<int64_t> shape) {
  if (!check("broadcastTo", {x}) || !checkShape("broadcastTo", shape)) {
    return Tensor();
  }
  int64_t rank = static_cast<int64_t>(shape.size());
  int64_t offset = rank - x.rank();
  bool ok = offset >= 0;
  for (int64_t k = 0; ok && k < x.rank(); ++k) {
    int64_t d = x.shape()[k];
    ok = d == 1 || d == shape[offset + k];
  }
  if (!ok) {
    return fail("broadcastTo: cannot broadcast shape " + shapeStr(x.shape()) +
                " to " + shapeStr(shape) + " (numpy rules, right-aligned)");
  }
  if (x.shape() == shape) {
    return x;
  }
  SmallVector<int64_t> dims;
  for (int64_t k = 0; k < x.rank(); ++k) {
    dims.push_back(offset + k);
  }
  return broadcastInDim(x, shape, dims);
}

Tensor GraphBuilder::reshape(Tensor x, ArrayRef<int64_t> shape) {
  if (!check("reshape", {x})) {
    return Tensor();
  }
  SmallVector<int64_t> resolved(shape);
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (d == -1 && inferred < 0) {
      inferred = i;
      continue;
    }
    if (d < 0) {
      return fail("reshape: invalid target shape " + shapeStr(shape) +
                  " (at most one -1, other sizes >= 0)");
    }
    known *= d;
  }
  int64_t count = x.type().getNumElements();
  if (inferred >= 0) {
    if (known == 0 || count % known != 0) {
      return fail("reshape: cannot infer the -1 in " + shapeStr(shape) +
                  " for " + str(x.type()) + " (" + Twine(count) + " elements)");
    }
    resolved[inferred] = count / known;
  }
  if (!checkShape("reshape", resolved)) {
    return Tensor();
  }
  auto type = tensorType(resolved, x.type().getElementType());
  std::string message;
  if (failed(checkOrFail(
          ctx, "reshape", [&] { return verifyReshape(loc(), x.type(), type); },
          message))) {
    return fail(message);
  }
  return Tensor(builder.create<ReshapeOp>(loc(), type, x.value));
}

Tensor GraphBuilder::transpose(Tensor x, ArrayRef<int64_t> perm) {
  if (!check("transpose", {x})) {
    return Tensor();
  }
  // Negative entries count from the end; anything else out of range is left
  // for the shape function to report with the whole permutation.
  SmallVector<int64_t> normalized;
  for (int64_t p : perm) {
    normalized.push_back(p < 0 && p >= -x.rank() ? p + x.rank() : p);
  }
  Type type =
      SINTER_INFER("transpose", inferTranspose(loc(), x.type(), normalized));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<TransposeOp>(loc(), type, x.value, normalized));
}

Tensor GraphBuilder::slice(Tensor x, ArrayRef<int64_t> start,
                           ArrayRef<int64_t> limit, ArrayRef<int64_t> strides) {
  if (!check("slice", {x})) {
    return Tensor();
  }
  SmallVector<int64_t> s(strides);
  if (s.empty()) {
    s.assign(x.rank(), 1);
  }
  Type type =
      SINTER_INFER("slice", inferSlice(loc(), x.type(), start, limit, s));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<SliceOp>(loc(), type, x.value, start, limit, s));
}

Tensor GraphBuilder::sliceAxis(Tensor x, int64_t axis, int64_t start,
                               int64_t limit, int64_t stride) {
  if (!check("sliceAxis", {x})) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("sliceAxis", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  SmallVector<int64_t> starts(x.rank(), 0), limits(x.shape()),
      strides(x.rank(), 1);
  starts[*a] = start;
  limits[*a] = limit;
  strides[*a] = stride;
  return slice(x, starts, limits, strides);
}

Tensor GraphBuilder::concatenate(ArrayRef<Tensor> inputs, int64_t axis) {
  if (!check("concatenate", inputs)) {
    return Tensor();
  }
  if (inputs.empty()) {
    return fail("concatenate: needs at least one input");
  }
  std::optional<int64_t> a =
      normalizeAxis("concatenate", axis, inputs[0].rank());
  if (!a) {
    return Tensor();
  }
  SmallVector<Value> values;
  SmallVector<Type> types;
  for (const Tensor &t : inputs) {
    values.push_back(t.value);
    types.push_back(t.value.getType());
  }
  Type type = SINTER_INFER("concatenate", inferConcatenate(loc(), types, *a));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<ConcatenateOp>(loc(), type, values,
                                              static_cast<uint64_t>(*a)));
}

Tensor GraphBuilder::gather(Tensor table, Tensor indices) {
  if (!check("gather", {table, indices})) {
    return Tensor();
  }
  Type type =
      SINTER_INFER("gather", inferGather(loc(), table.type(), indices.type()));
  if (!type) {
    return Tensor();
  }
  return Tensor(
      builder.create<GatherOp>(loc(), type, table.value, indices.value));
}

Tensor GraphBuilder::iota(DType dtype, ArrayRef<int64_t> shape, int64_t dim) {
  if (!check("iota", {}) || !checkDType("iota", dtype) ||
      !checkShape("iota", shape)) {
    return Tensor();
  }
  if (dtype == DType::I1) {
    return fail("iota: element type i1 cannot hold indices (iota results "
                "must be numeric: f32, f16, bf16, i32 or i64)");
  }
  std::optional<int64_t> d =
      normalizeAxis("iota", dim, static_cast<int64_t>(shape.size()));
  if (!d) {
    return Tensor();
  }
  auto type = tensorType(shape, getMlirType(&ctx, dtype));
  std::string message;
  if (failed(checkOrFail(
          ctx, "iota", [&] { return verifyIota(loc(), type, *d); }, message))) {
    return fail(message);
  }
  return Tensor(builder.create<IotaOp>(loc(), type, static_cast<uint64_t>(*d)));
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

Tensor GraphBuilder::reduce(ReduceKind kind, Tensor x, ArrayRef<int64_t> dims,
                            bool keepDims) {
  if (!check("reduce", {x}) || !requireNumeric("reduce", x)) {
    return Tensor();
  }
  if (std::string m = invalidEnumMessage(
          "reduce", "ReduceKind", kind, &symbolizeReduceKind,
          &stringifyReduceKind, getMaxEnumValForReduceKind());
      !m.empty()) {
    return fail(m);
  }
  SmallVector<int64_t> sorted;
  for (int64_t d : dims) {
    std::optional<int64_t> a = normalizeAxis("reduce", d, x.rank());
    if (!a) {
      return Tensor();
    }
    if (llvm::is_contained(sorted, *a)) {
      return fail("reduce: dimension " + Twine(*a) + " appears twice in " +
                  shapeStr(dims));
    }
    sorted.push_back(*a);
  }
  llvm::sort(sorted);
  Type type =
      SINTER_INFER("reduce", inferReduce(loc(), x.type(), kind, sorted));
  if (!type) {
    return Tensor();
  }
  Tensor r(builder.create<ReduceOp>(loc(), type, x.value, kind, sorted));
  if (!keepDims) {
    return r;
  }
  SmallVector<int64_t> kept(x.shape());
  for (int64_t d : sorted) {
    kept[d] = 1;
  }
  return reshape(r, kept);
}

Tensor GraphBuilder::reduceSum(Tensor x, ArrayRef<int64_t> dims,
                               bool keepDims) {
  return reduce(ReduceKind::sum, x, dims, keepDims);
}
Tensor GraphBuilder::reduceMax(Tensor x, ArrayRef<int64_t> dims,
                               bool keepDims) {
  return reduce(ReduceKind::max, x, dims, keepDims);
}
Tensor GraphBuilder::reduceMin(Tensor x, ArrayRef<int64_t> dims,
                               bool keepDims) {
  return reduce(ReduceKind::min, x, dims, keepDims);
}
Tensor GraphBuilder::reduceMean(Tensor x, ArrayRef<int64_t> dims,
                                bool keepDims) {
  return reduce(ReduceKind::mean, x, dims, keepDims);
}

Tensor GraphBuilder::matmul(Tensor lhs, Tensor rhs, bool transposeLhs,
                            bool transposeRhs,
                            std::optional<DType> accumulationType) {
  if (!check("matmul", {lhs, rhs}) || !requireNumeric("matmul", lhs) ||
      !requireNumeric("matmul", rhs)) {
    return Tensor();
  }
  if (accumulationType &&
      !checkDType("matmul accumulation_type", *accumulationType)) {
    return Tensor();
  }
  Type accType =
      accumulationType ? getMlirType(&ctx, *accumulationType) : Type();
  Type type =
      SINTER_INFER("matmul", inferMatmul(loc(), lhs.type(), rhs.type(),
                                         transposeLhs, transposeRhs, accType));
  if (!type) {
    return Tensor();
  }
  return Tensor(builder.create<MatmulOp>(
      loc(), type, lhs.value, rhs.value, transposeLhs, transposeRhs,
      accType ? TypeAttr::get(accType) : TypeAttr()));
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

Tensor GraphBuilder::unreduce(Tensor reduced, ArrayRef<int64_t> shape,
                              ArrayRef<int64_t> dims) {
  SmallVector<int64_t> kept;
  for (int64_t k = 0; k < static_cast<int64_t>(shape.size()); ++k) {
    if (!llvm::is_contained(dims, k)) {
      kept.push_back(k);
    }
  }
  return broadcastInDim(reduced, shape, kept);
}

Tensor GraphBuilder::softmax(Tensor x, int64_t axis,
                             std::optional<CompositeMode> mode) {
  if (!check("softmax", {x}) || !requireFloat("softmax", x)) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("softmax", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    Type type = SINTER_INFER(
        "softmax",
        inferAxisOp(loc(), SoftmaxOp::getOperationName(), x.type(), *a, false));
    if (!type) {
      return Tensor();
    }
    return Tensor(builder.create<SoftmaxOp>(loc(), type, x.value,
                                            static_cast<uint64_t>(*a)));
  }
  // exp(x - max) / sum(exp(x - max)), as models write the stable form.
  Tensor m = unreduce(reduceMax(x, {*a}), x.shape(), {*a});
  Tensor e = exp(sub(x, m));
  Tensor s = unreduce(reduceSum(e, {*a}), x.shape(), {*a});
  return div(e, s);
}

Tensor GraphBuilder::logSoftmax(Tensor x, int64_t axis,
                                std::optional<CompositeMode> mode) {
  if (!check("logSoftmax", {x}) || !requireFloat("logSoftmax", x)) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("logSoftmax", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    Type type = SINTER_INFER(
        "logSoftmax", inferAxisOp(loc(), LogSoftmaxOp::getOperationName(),
                                  x.type(), *a, false));
    if (!type) {
      return Tensor();
    }
    return Tensor(builder.create<LogSoftmaxOp>(loc(), type, x.value,
                                               static_cast<uint64_t>(*a)));
  }
  // (x - max) - log(sum(exp(x - max))).
  Tensor shifted = sub(x, unreduce(reduceMax(x, {*a}), x.shape(), {*a}));
  Tensor lse = log(reduceSum(exp(shifted), {*a}));
  return sub(shifted, unreduce(lse, x.shape(), {*a}));
}

Tensor GraphBuilder::logSumExp(Tensor x, int64_t axis,
                               std::optional<CompositeMode> mode) {
  if (!check("logSumExp", {x}) || !requireFloat("logSumExp", x)) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("logSumExp", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    Type type = SINTER_INFER("logSumExp",
                             inferAxisOp(loc(), LogSumExpOp::getOperationName(),
                                         x.type(), *a, true));
    if (!type) {
      return Tensor();
    }
    return Tensor(builder.create<LogSumExpOp>(loc(), type, x.value,
                                              static_cast<uint64_t>(*a)));
  }
  // max + log(sum(exp(x - max))).
  Tensor m = reduceMax(x, {*a});
  Tensor shifted = sub(x, unreduce(m, x.shape(), {*a}));
  return add(m, log(reduceSum(exp(shifted), {*a})));
}

Tensor GraphBuilder::layerNorm(Tensor x, std::optional<Tensor> gamma,
                               std::optional<Tensor> beta, int64_t axis,
                               double epsilon,
                               std::optional<CompositeMode> mode) {
  SmallVector<Tensor> operands{x};
  if (gamma) {
    operands.push_back(*gamma);
  }
  if (beta) {
    operands.push_back(*beta);
  }
  if (!check("layerNorm", operands) || !requireFloat("layerNorm", x)) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("layerNorm", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  // Validate with the op's shape function in both modes so the error is
  // the same whichever form is emitted.
  Type type = SINTER_INFER(
      "layerNorm", inferNorm(loc(), LayerNormOp::getOperationName(), x.type(),
                             {gamma ? gamma->value.getType() : Type(),
                              beta ? beta->value.getType() : Type()},
                             *a, epsilon));
  if (!type) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    return Tensor(builder.create<LayerNormOp>(
        loc(), type, x.value, gamma ? gamma->value : Value(),
        beta ? beta->value : Value(), static_cast<uint64_t>(*a),
        APFloat(epsilon)));
  }
  SmallVector<int64_t> dims;
  for (int64_t k = *a; k < x.rank(); ++k) {
    dims.push_back(k);
  }
  // mean, centre, mean of squares of the centred value, + eps, rsqrt, scale.
  Tensor centred = sub(x, unreduce(reduceMean(x, dims), x.shape(), dims));
  Tensor var = reduceMean(mul(centred, centred), dims);
  Tensor inv = rsqrt(add(var, epsilon));
  Tensor y = mul(centred, unreduce(inv, x.shape(), dims));
  if (gamma) {
    y = mul(y, *gamma);
  }
  if (beta) {
    y = add(y, *beta);
  }
  return y;
}

Tensor GraphBuilder::rmsNorm(Tensor x, std::optional<Tensor> gamma,
                             int64_t axis, double epsilon,
                             std::optional<CompositeMode> mode) {
  SmallVector<Tensor> operands{x};
  if (gamma) {
    operands.push_back(*gamma);
  }
  if (!check("rmsNorm", operands) || !requireFloat("rmsNorm", x)) {
    return Tensor();
  }
  std::optional<int64_t> a = normalizeAxis("rmsNorm", axis, x.rank());
  if (!a) {
    return Tensor();
  }
  Type type = SINTER_INFER(
      "rmsNorm",
      inferNorm(loc(), RmsNormOp::getOperationName(), x.type(),
                {gamma ? gamma->value.getType() : Type()}, *a, epsilon));
  if (!type) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    return Tensor(builder.create<RmsNormOp>(
        loc(), type, x.value, gamma ? gamma->value : Value(),
        static_cast<uint64_t>(*a), APFloat(epsilon)));
  }
  SmallVector<int64_t> dims;
  for (int64_t k = *a; k < x.rank(); ++k) {
    dims.push_back(k);
  }
  // x * rsqrt(mean(x^2) + eps) * gamma.
  Tensor inv = rsqrt(add(reduceMean(mul(x, x), dims), epsilon));
  Tensor y = mul(x, unreduce(inv, x.shape(), dims));
  if (gamma) {
    y = mul(y, *gamma);
  }
  return y;
}

Tensor GraphBuilder::attention(Tensor q, Tensor k, Tensor v,
                               std::optional<Tensor> bias, double scale,
                               bool causal, std::optional<CompositeMode> mode) {
  SmallVector<Tensor> operands{q, k, v};
  if (bias) {
    operands.push_back(*bias);
  }
  if (!check("attention", operands) || !requireFloat("attention", q)) {
    return Tensor();
  }
  if (!std::isfinite(scale)) {
    return fail("attention: scale must be finite, got " + absl::StrCat(scale));
  }
  // A bias only needs to broadcast numpy-style to the scores [B, H, S, T];
  // the op wants [B|1, H|1, S, T], so expand it that far (keeping size-1
  // batch and head dimensions so a shared mask stays small).
  Tensor b = bias ? *bias : Tensor();
  if (bias && q.rank() == 4 && k.rank() == 4 && b.rank() <= 4) {
    int64_t scores[4] = {q.shape()[0], q.shape()[1], q.shape()[2],
                         k.shape()[2]};
    SmallVector<int64_t> target;
    for (int64_t i = 0; i < 4; ++i) {
      int64_t j = i - (4 - b.rank());
      int64_t d = j >= 0 ? b.shape()[j] : 1;
      target.push_back(i < 2 && d == 1 ? 1 : scores[i]);
    }
    for (int64_t j = 0; j < b.rank(); ++j) {
      int64_t d = b.shape()[j], want = scores[j + 4 - b.rank()];
      if (d != 1 && d != want) {
        return fail("attention: bias " + str(b.type()) +
                    " does not broadcast to the scores [" +
                    absl::StrJoin(scores, ", ") + "] (B, H, S, T)");
      }
    }
    b = broadcastTo(b, target);
    if (!b.valid()) {
      return Tensor();
    }
  }
  Type type = SINTER_INFER(
      "attention", inferAttention(loc(), q.type(), k.type(), v.type(),
                                  b.valid() ? b.value.getType() : Type()));
  if (!type) {
    return Tensor();
  }
  CompositeMode m = modeOr(mode);
  if (m == CompositeMode::kComposite) {
    return Tensor(builder.create<AttentionOp>(
        loc(), type, q.value, k.value, v.value, b.valid() ? b.value : Value(),
        APFloat(scale), causal));
  }
  // softmax(q @ k^T * scale + bias, masked) @ v.
  Tensor s = mul(matmul(q, k, false, true), scale);
  if (b.valid()) {
    s = add(s, b);
  }
  if (causal) {
    int64_t sq = q.shape()[2], t = k.shape()[2];
    Tensor rows = iota(DType::I32, {sq, t}, 0);
    if (t != sq) {
      rows = add(rows, fullLike(rows, static_cast<double>(t - sq)));
    }
    Tensor cols = iota(DType::I32, {sq, t}, 1);
    Tensor allowed = compare(ComparePredicate::le, cols, rows);
    s = select(allowed, s,
               fullLike(s, -std::numeric_limits<double>::infinity()));
  }
  return matmul(softmax(s, 3, m), v);
}

Tensor GraphBuilder::rotaryEmbedding(Tensor x, Tensor cos, Tensor sin,
                                     bool interleaved,
                                     std::optional<CompositeMode> mode) {
  if (!check("rotaryEmbedding", {x, cos, sin}) ||
      !requireFloat("rotaryEmbedding", x)) {
    return Tensor();
  }
  Type type = SINTER_INFER(
      "rotaryEmbedding",
      inferRotaryEmbedding(loc(), x.type(), cos.type(), sin.type()));
  if (!type) {
    return Tensor();
  }
  if (modeOr(mode) == CompositeMode::kComposite) {
    return Tensor(builder.create<RotaryEmbeddingOp>(
        loc(), type, x.value, cos.value, sin.value, interleaved));
  }
  int64_t d = x.shape().back(), half = d / 2;
  if (!interleaved) {
    // Rotate half: [x1, x2] -> [x1 cos - x2 sin, x2 cos + x1 sin].
    Tensor x1 = sliceAxis(x, -1, 0, half);
    Tensor x2 = sliceAxis(x, -1, half, d);
    Tensor o1 = sub(mul(x1, cos), mul(x2, sin));
    Tensor o2 = add(mul(x2, cos), mul(x1, sin));
    return concatenate({o1, o2}, -1);
  }
  // Interleaved pairs (x[2i], x[2i+1]): rotate, then re-interleave through a
  // trailing axis of size 2.
  Tensor a = sliceAxis(x, -1, 0, d, 2);
  Tensor b = sliceAxis(x, -1, 1, d, 2);
  Tensor ra = sub(mul(a, cos), mul(b, sin));
  Tensor rb = add(mul(b, cos), mul(a, sin));
  SmallVector<int64_t> pairShape(x.shape().drop_back());
  pairShape.push_back(half);
  pairShape.push_back(1);
  Tensor pairs =
      concatenate({reshape(ra, pairShape), reshape(rb, pairShape)}, -1);
  return reshape(pairs, x.shape());
}

} // namespace sinter
