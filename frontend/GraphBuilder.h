//===- GraphBuilder.h - Build sinter graphs from C++ ------------*- C++ -*-===//
//
// An XlaBuilder-style API that builds a func.func of `sinter` ops: named
// inputs (function arguments), parameters (named constants), outputs
// (function results), and one method per op of the dialect plus numpy-style
// conveniences (implicit broadcasting, negative axes, scalars).
//
// Errors are sticky: a method given bad input records the first error (an
// absl::Status whose message names the op and the offending shapes, axis or
// dtype) and returns an invalid Tensor; every later call returns an invalid
// Tensor and leaves that first error in place. `build()` returns it, or the
// verified module. Nothing here asserts or aborts on user input: result types
// are computed with the dialect's shape functions (TypeInference.h) before an
// op is created, because the ODS builders of ops with inferred types abort
// when inference fails.
//
// Composite ops (softmax, log_softmax, logsumexp, layer_norm, rms_norm, gelu,
// attention, rotary_embedding) are emitted either as the composite op or as
// the primitive decomposition a model author would write; the fusion passes
// must recognise the latter (docs/frontend.md lists each form).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_FRONTEND_GRAPHBUILDER_H
#define SINTER_FRONTEND_GRAPHBUILDER_H

#include "dialects/sinter/IR/ElementTypes.h"
#include "dialects/sinter/IR/SinterDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OwningOpRef.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sinter {

/// A cheap handle on one value of the graph being built. Default-constructed
/// (or returned by a failed call) it is invalid.
struct Tensor {
  mlir::Value value;

  Tensor() = default;
  explicit Tensor(mlir::Value v) : value(v) {}

  bool valid() const { return static_cast<bool>(value); }
  explicit operator bool() const { return valid(); }
  /// Null when invalid.
  mlir::RankedTensorType type() const {
    return valid() ? mlir::dyn_cast<mlir::RankedTensorType>(value.getType())
                   : mlir::RankedTensorType();
  }
  /// Empty when invalid.
  llvm::ArrayRef<int64_t> shape() const {
    return valid() ? type().getShape() : llvm::ArrayRef<int64_t>();
  }
  int64_t rank() const { return valid() ? type().getRank() : -1; }
  int64_t dim(int64_t i) const; // Python-style negative i; -1 if out of range
  std::optional<DType> dtype() const {
    return valid() ? sinter::dtypeOf(type().getElementType()) : std::nullopt;
  }
};

/// Whether composite helpers emit the composite op or its primitive form.
enum class CompositeMode { kComposite, kDecomposed };

/// How `parameter()` fills a parameter. Normal and uniform draw from a
/// deterministic generator seeded by the builder's seed and a hash of the
/// parameter's name, so values are the same on every machine and do not
/// depend on the order parameters are declared in.
struct ParamInit {
  enum class Kind { kNormal, kUniform, kZeros, kOnes };
  Kind kind = Kind::kNormal;
  /// Standard deviation (normal) or half-width (uniform: [-scale, scale)).
  double scale = 0.02;

  static ParamInit normal(double stddev = 0.02) {
    return {Kind::kNormal, stddev};
  }
  static ParamInit uniform(double halfWidth) {
    return {Kind::kUniform, halfWidth};
  }
  static ParamInit zeros() { return {Kind::kZeros, 0.0}; }
  static ParamInit ones() { return {Kind::kOnes, 0.0}; }
};

/// The attribute naming inputs, outputs (arg/result attributes) and
/// parameters (a discardable attribute on sinter.constant).
inline constexpr llvm::StringLiteral kNameAttr = "sinter.name";

/// Unnamed constants with at most this many elements (or splat) are stored
/// as dense attributes; larger ones as dense_resource blobs. Named
/// parameters are always blobs, whatever their size: trainable weights keep
/// their identity, so the folders' constant uniquing cannot merge two equal
/// parameters (two LayerNorm gammas of ones) and no pattern folds
/// `mul(x, <ones parameter>)` away.
inline constexpr int64_t kMaxDenseConstantElements = 16;
/// The former name, kept for source compatibility; it no longer applies to
/// parameters (always blobs).
inline constexpr int64_t kMaxDenseParameterElements = kMaxDenseConstantElements;

/// Default of `GraphBuilder::setMaxConstantBytes`: 16 GiB of parameter and
/// constant data per graph, well above GPT-2 XL in f32 (6.2 GB) yet below
/// what a typo in a size (seq = 100000000) would try to allocate.
inline constexpr int64_t kDefaultMaxConstantBytes = int64_t(16) << 30;

/// The values `ParamInit` gives a parameter named `name` of `numElements`
/// elements under builder seed `seed` (exposed for tests and tools).
std::vector<double> initialParameterValues(const ParamInit &init,
                                           llvm::StringRef name, uint64_t seed,
                                           int64_t numElements);

class GraphBuilder {
public:
  /// Loads the sinter and func dialects into `ctx`, which must outlive the
  /// builder and the module it builds.
  explicit GraphBuilder(mlir::MLIRContext &ctx, std::string funcName = "main",
                        uint64_t seed = 0);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder &) = delete;
  GraphBuilder &operator=(const GraphBuilder &) = delete;

  mlir::MLIRContext &getContext() { return ctx; }
  uint64_t getSeed() const { return seed; }

  /// The first error, or OK.
  const absl::Status &status() const { return firstError; }
  bool ok() const { return firstError.ok(); }

  void setCompositeMode(CompositeMode mode) { compositeMode = mode; }

  /// Trainable mode: `build()` turns every float parameter into a function
  /// argument (after the inputs, in the order they were declared) named
  /// after it and marked `sinter.parameter` (sinter-lift-parameters), so a
  /// training step can take and update them. Parameters are built as
  /// constants either way, so a model reads the same in both modes.
  void setTrainable(bool on) { trainable = on; }
  bool isTrainable() const { return trainable; }

  /// Values to build named parameters with instead of their initializers
  /// (trained weights): `parameter(name, ...)` takes `values[name]`, which
  /// must have the parameter's shape (an error naming both shapes
  /// otherwise); `build()` fails naming any entry no parameter used.
  struct ParameterValues {
    std::vector<int64_t> shape;
    std::vector<double> values;
  };
  void setParameterValues(std::map<std::string, ParameterValues> values) {
    parameterValues = std::move(values);
  }

  /// Limit on the bytes of parameter and constant data the whole graph may
  /// hold (element size times elements; a splat constant counts one
  /// element). Checked before anything is allocated, so an oversized
  /// parameter is a status naming it, its shape and its byte count rather
  /// than an out-of-memory abort. Building needs transiently about
  /// 8 bytes per element more (initial values are generated as doubles).
  void setMaxConstantBytes(int64_t bytes) { maxConstantBytes = bytes; }
  int64_t getMaxConstantBytes() const { return maxConstantBytes; }
  /// Bytes of parameter and constant data created so far.
  int64_t getConstantBytes() const { return constantBytes; }
  CompositeMode getCompositeMode() const { return compositeMode; }

  /// Ops created while a scope is alive get NameLoc "outer/inner" locations,
  /// so diagnostics and dumps say which layer an op belongs to.
  class Scope {
  public:
    Scope(GraphBuilder &b, llvm::StringRef name);
    ~Scope();
    Scope(const Scope &) = delete;
    Scope &operator=(const Scope &) = delete;

  private:
    GraphBuilder &builder;
  };

  //===--------------------------------------------------------------------===//
  // Graph interface: inputs, parameters, constants, outputs
  //===--------------------------------------------------------------------===//

  /// A function argument with arg attribute `sinter.name = name`.
  Tensor input(llvm::StringRef name, DType dtype,
               llvm::ArrayRef<int64_t> shape);
  /// A named constant (`sinter.constant {sinter.name = name}`) holding
  /// `values` (one per element, row-major, or a single value for all).
  Tensor parameter(llvm::StringRef name, DType dtype,
                   llvm::ArrayRef<int64_t> shape, std::vector<double> values);
  Tensor parameter(llvm::StringRef name, DType dtype,
                   llvm::ArrayRef<int64_t> shape, ParamInit init);
  /// An unnamed constant: one value per element, or a single value (a splat).
  Tensor constant(DType dtype, llvm::ArrayRef<int64_t> shape,
                  llvm::ArrayRef<double> values);
  /// A rank-0 constant.
  Tensor scalar(DType dtype, double value);
  /// A splat constant with the type of `like`.
  Tensor fullLike(Tensor like, double value);
  /// A function result with result attribute `sinter.name = name`. With
  /// `overwrites`, the name of an input of the same type (a parameter, in
  /// trainable mode), the output may be written in place over that input's
  /// buffer (`sinter.aliases_input`; see dialects/sinter/IR/EntryFunction.h).
  void output(llvm::StringRef name, Tensor value,
              llvm::StringRef overwrites = {});

  /// Returns the first error, or the verified module (once; the builder is
  /// spent afterwards). Fails if no output was declared.
  absl::StatusOr<mlir::OwningOpRef<mlir::ModuleOp>> build();

  /// A named value of the graph.
  struct NamedTensor {
    std::string name;
    Tensor tensor;
  };
  /// The float parameters declared so far, in declaration order: what a
  /// training step differentiates and updates.
  std::vector<NamedTensor> floatParameters() const;
  /// After `build()` in trainable mode: each parameter's initial value (a
  /// blob owned by the context) and the argument it became.
  struct InitialValue {
    std::string name;
    mlir::ElementsAttr value;
    unsigned argNumber;
  };
  const std::vector<InitialValue> &initialValues() const {
    return liftedParameters;
  }

  //===--------------------------------------------------------------------===//
  // Elementwise (binary ops, compare and select broadcast numpy-style)
  //===--------------------------------------------------------------------===//

  Tensor add(Tensor lhs, Tensor rhs);
  Tensor sub(Tensor lhs, Tensor rhs);
  Tensor mul(Tensor lhs, Tensor rhs);
  Tensor div(Tensor lhs, Tensor rhs);
  Tensor max(Tensor lhs, Tensor rhs);
  Tensor min(Tensor lhs, Tensor rhs);
  Tensor pow(Tensor lhs, Tensor rhs);
  /// `rhs` as a splat of lhs's type.
  Tensor add(Tensor lhs, double rhs);
  Tensor sub(Tensor lhs, double rhs);
  Tensor mul(Tensor lhs, double rhs);
  Tensor div(Tensor lhs, double rhs);

  Tensor neg(Tensor x);
  Tensor abs(Tensor x);
  Tensor exp(Tensor x);
  Tensor log(Tensor x);
  Tensor sqrt(Tensor x);
  Tensor rsqrt(Tensor x);
  Tensor tanh(Tensor x);
  Tensor erf(Tensor x);
  Tensor sigmoid(Tensor x);
  Tensor relu(Tensor x);
  Tensor silu(Tensor x);
  Tensor gelu(Tensor x, GeluApproximation approx = GeluApproximation::none,
              std::optional<CompositeMode> mode = std::nullopt);

  Tensor compare(ComparePredicate pred, Tensor lhs, Tensor rhs);
  Tensor select(Tensor pred, Tensor onTrue, Tensor onFalse);
  Tensor convert(Tensor x, DType dtype);

  //===--------------------------------------------------------------------===//
  // Shape
  //===--------------------------------------------------------------------===//

  /// `sinter.broadcast_in_dim` as is: operand dim k maps to result dim
  /// dims[k].
  Tensor broadcastInDim(Tensor x, llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<int64_t> dims);
  /// numpy broadcasting of `x` to `shape` (dimensions right-aligned); the
  /// identity when the shapes already agree.
  Tensor broadcastTo(Tensor x, llvm::ArrayRef<int64_t> shape);
  /// One entry of `shape` may be -1 (inferred).
  Tensor reshape(Tensor x, llvm::ArrayRef<int64_t> shape);
  Tensor transpose(Tensor x, llvm::ArrayRef<int64_t> perm);
  /// `strides` empty means all ones.
  Tensor slice(Tensor x, llvm::ArrayRef<int64_t> start,
               llvm::ArrayRef<int64_t> limit,
               llvm::ArrayRef<int64_t> strides = {});
  /// Slice [start, limit) with `stride` along one axis, everything else whole.
  Tensor sliceAxis(Tensor x, int64_t axis, int64_t start, int64_t limit,
                   int64_t stride = 1);
  Tensor concatenate(llvm::ArrayRef<Tensor> inputs, int64_t axis);
  Tensor gather(Tensor table, Tensor indices);
  Tensor iota(DType dtype, llvm::ArrayRef<int64_t> shape, int64_t dim);

  //===--------------------------------------------------------------------===//
  // Reductions and contractions
  //===--------------------------------------------------------------------===//

  /// Reduces over `dims` (any order, negative allowed, no repeats); with
  /// `keepDims` the reduced dimensions stay as size 1.
  Tensor reduce(ReduceKind kind, Tensor x, llvm::ArrayRef<int64_t> dims,
                bool keepDims = false);
  Tensor reduceSum(Tensor x, llvm::ArrayRef<int64_t> dims,
                   bool keepDims = false);
  Tensor reduceMax(Tensor x, llvm::ArrayRef<int64_t> dims,
                   bool keepDims = false);
  Tensor reduceMin(Tensor x, llvm::ArrayRef<int64_t> dims,
                   bool keepDims = false);
  Tensor reduceMean(Tensor x, llvm::ArrayRef<int64_t> dims,
                    bool keepDims = false);
  /// `accumulationType` sets the op's `accumulation_type` (C4: f32 for
  /// float operands; an integer at least as wide for integer operands).
  Tensor matmul(Tensor lhs, Tensor rhs, bool transposeLhs = false,
                bool transposeRhs = false,
                std::optional<DType> accumulationType = std::nullopt);

  //===--------------------------------------------------------------------===//
  // Composites (each honours the composite mode)
  //===--------------------------------------------------------------------===//

  Tensor softmax(Tensor x, int64_t axis = -1,
                 std::optional<CompositeMode> mode = std::nullopt);
  Tensor logSoftmax(Tensor x, int64_t axis = -1,
                    std::optional<CompositeMode> mode = std::nullopt);
  /// Drops `axis`.
  Tensor logSumExp(Tensor x, int64_t axis = -1,
                   std::optional<CompositeMode> mode = std::nullopt);
  /// Normalizes over dimensions [axis, rank); gamma/beta have that shape.
  Tensor layerNorm(Tensor x, std::optional<Tensor> gamma,
                   std::optional<Tensor> beta, int64_t axis = -1,
                   double epsilon = 1e-5,
                   std::optional<CompositeMode> mode = std::nullopt);
  Tensor rmsNorm(Tensor x, std::optional<Tensor> gamma, int64_t axis = -1,
                 double epsilon = 1e-6,
                 std::optional<CompositeMode> mode = std::nullopt);
  /// q [B,H,S,D], k [B,H,T,D], v [B,H,T,Dv]; `bias` is anything numpy-
  /// broadcastable to [B,H,S,T] (e.g. a [B,1,1,T] padding mask): it is
  /// broadcast to [B|1, H|1, S, T] as the op requires.
  Tensor attention(Tensor q, Tensor k, Tensor v, std::optional<Tensor> bias,
                   double scale, bool causal,
                   std::optional<CompositeMode> mode = std::nullopt);
  /// x [..., S, D], cos/sin [S, D/2].
  Tensor rotaryEmbedding(Tensor x, Tensor cos, Tensor sin,
                         bool interleaved = false,
                         std::optional<CompositeMode> mode = std::nullopt);

  //===--------------------------------------------------------------------===//
  // Losses (Losses.cpp): scalar tensor<f32> results, for sinter-autodiff
  //===--------------------------------------------------------------------===//

  /// The mean over tokens of -log softmax(logits)[label], computed stably
  /// as logsumexp(logits) - logits[label], in f32. logits [..., C] (float),
  /// labels [...] (i32 or i64): the logits' shape without the classes. A
  /// token whose label is `ignoreLabel` counts for nothing (the mean is over
  /// the others; 0 when none is left); a label outside [0, C) picks no
  /// logit.
  Tensor softmaxCrossEntropy(Tensor logits, Tensor labels,
                             std::optional<int64_t> ignoreLabel = std::nullopt);
  /// mean((prediction - target)^2) over every element, in f32.
  Tensor meanSquaredError(Tensor prediction, Tensor target);
  /// The multi-label loss of ZLPR (Su et al., arXiv 2208.02955), in its soft
  /// form, per row of C classes (docs/training.md gives the derivation):
  ///   log(1 + sum_i (1 - t_i) e^{s_i}) + log(1 + sum_i t_i e^{-s_i})
  /// with s = logits [..., C] (float) and t = targets of the same shape in
  /// [0, 1] (float, or i1 for hard labels); the mean over rows, in f32. For
  /// 0/1 targets it is log(1 + sum_neg e^s) + log(1 + sum_pos e^-s); soft
  /// targets give label smoothing and mixup. Each log(1 + sum) is a
  /// logsumexp with a zero logit appended, so any logits are finite; a term
  /// whose weight (1 - t or t) is 0 is left out, not computed as e^s * 0.
  Tensor multiLabelLoss(Tensor logits, Tensor targets);

  //===--------------------------------------------------------------------===//
  // Gradients (sinter-autodiff's rules, compiler/Transforms/Autodiff.h)
  //===--------------------------------------------------------------------===//

  /// d loss / d x for each x in `wrt`: inputs, parameters or any float value
  /// built so far (an embedding's output, for adversarial training). The
  /// backward ops are appended to the graph, so later calls can use the
  /// gradients (an optimizer's update). `loss` must be a scalar f32; an op
  /// the gradient must pass through without a rule is an error naming it.
  /// Returns one Tensor per `wrt` entry (zeros where none flows), or an
  /// empty vector after an error.
  /// The values in `stopGradient` are treated as constants (nothing flows
  /// into or through them), as jax.lax.stop_gradient.
  std::vector<Tensor> grad(Tensor loss, llvm::ArrayRef<Tensor> wrt,
                           llvm::ArrayRef<Tensor> stopGradient = {});
  /// `result` computed again with `from` replaced by `replacement` (same
  /// type): the ops between them are cloned, everything else (parameters,
  /// other inputs) is shared. Returns `result` itself when it does not
  /// depend on `from`. For adversarial training: the loss at perturbed
  /// embeddings.
  Tensor recompute(Tensor result, Tensor from, Tensor replacement);

private:
  friend class Scope;

  /// Records `status` if it is the first error; returns an invalid Tensor.
  Tensor fail(absl::Status status);
  Tensor fail(const llvm::Twine &message);
  /// OK to proceed: no earlier error, the builder is not spent, and every
  /// operand is a valid Tensor of this builder. Records an error otherwise.
  bool check(llvm::StringRef op, llvm::ArrayRef<Tensor> operands);
  bool checkDType(llvm::StringRef op, DType dtype);
  bool checkShape(llvm::StringRef op, llvm::ArrayRef<int64_t> shape);
  bool checkNewName(llvm::StringRef op, llvm::StringRef name);
  /// Reserves `numElements` elements of `dtype` against the constant-data
  /// limit (`dtype` must be valid); records an error naming `op` (which
  /// names the parameter), the shape and the byte count if over.
  bool reserveConstantBytes(llvm::StringRef op, DType dtype,
                            llvm::ArrayRef<int64_t> shape, int64_t numElements);
  /// Requires `x`'s element type to be float (or numeric, i.e. not i1).
  bool requireFloat(llvm::StringRef op, Tensor x);
  bool requireNumeric(llvm::StringRef op, Tensor x);
  /// Python-style axis normalization; records an error naming the axis and
  /// rank when out of range.
  std::optional<int64_t> normalizeAxis(llvm::StringRef op, int64_t axis,
                                       int64_t rank);

  mlir::Location loc();
  mlir::RankedTensorType tensorType(llvm::ArrayRef<int64_t> shape,
                                    mlir::Type elementType);
  /// Makes the elements attribute for `values`: a dense_resource blob when
  /// `resourceName` is set (a named parameter: blobs keep parameters distinct
  /// from each other, since folders unique constants by value), dense for
  /// splats and small unnamed constants (or whenever `allowResource` is
  /// false), a blob for larger unnamed ones. Reserves the bytes it stores.
  mlir::ElementsAttr makeElements(llvm::StringRef op, DType dtype,
                                  llvm::ArrayRef<int64_t> shape,
                                  llvm::ArrayRef<double> values,
                                  llvm::StringRef resourceName,
                                  bool allowResource);

  /// Broadcasts all operands to their common numpy shape.
  bool broadcastOperands(llvm::StringRef op,
                         llvm::MutableArrayRef<Tensor> operands,
                         bool sameElementType);
  template <typename OpT>
  Tensor binary(llvm::StringRef op, Tensor lhs, Tensor rhs, bool floatOnly);
  template <typename OpT>
  Tensor unary(llvm::StringRef op, Tensor x, bool floatOnly);
  /// Broadcasts a reduced tensor back over the reduced `dims` to `shape`.
  Tensor unreduce(Tensor reduced, llvm::ArrayRef<int64_t> shape,
                  llvm::ArrayRef<int64_t> dims);
  CompositeMode modeOr(std::optional<CompositeMode> mode) const {
    return mode.value_or(compositeMode);
  }

  mlir::MLIRContext &ctx;
  std::string funcName;
  uint64_t seed;
  CompositeMode compositeMode = CompositeMode::kComposite;
  absl::Status firstError;
  bool built = false;
  int64_t maxConstantBytes = kDefaultMaxConstantBytes;
  int64_t constantBytes = 0;
  bool trainable = false;
  std::map<std::string, ParameterValues> parameterValues;
  std::set<std::string, std::less<>> usedParameterValues;
  std::vector<NamedTensor> parameters;
  std::vector<InitialValue> liftedParameters;

  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp func;
  mlir::Block *body = nullptr;
  mlir::OpBuilder builder;
  std::vector<std::string> scopes;
  std::set<std::string, std::less<>> names;
  struct Output {
    std::string name;
    mlir::Value value;
    std::string overwrites; // an input's name, or empty
  };
  std::vector<Output> outputs;
};

} // namespace sinter

#endif // SINTER_FRONTEND_GRAPHBUILDER_H
