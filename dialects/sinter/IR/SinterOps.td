//===- SinterOps.td - Operations of the sinter dialect -------*- tablegen -*-===//
//
// Every op: summary, description with the maths, numbered constraints (cited
// as "(Cn)" by the verifier and in test/Dialect/sinter/invalid.mlir), and a
// readable assembly format. Result types are inferred (InferTypeOpInterface)
// wherever the operands determine them.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_OPS_TD
#define SINTER_OPS_TD

include "dialects/sinter/IR/SinterDialect.td"
include "dialects/sinter/IR/SinterAttrs.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Traits verify in the order listed, after the operand/result type
// constraints. InferTypeOpInterface checks the inferred types only with the
// regions, after every trait: Elementwise's "all non-scalar operands/results
// must have the same shape" (which names no shape) would win, and a failing
// shape function would be followed by a second, empty "failed to infer
// returned types". Sinter_InferTypeOpAdaptor runs the shape function first,
// so its message (constraint number and shapes) is the one reported.
def Sinter_VerifyInferredTypesFirst : NativeOpTrait<"VerifyInferredTypesFirst"> {
  let cppNamespace = "::sinter";
}
def Sinter_InferTypeOpAdaptor
    : TraitList<[Sinter_VerifyInferredTypesFirst, InferTypeOpAdaptor]>;
// Same ordering for ops whose result type is not inferred: calls the op's
// `verifyShapes()` ahead of the traits listed after it.
def Sinter_VerifyShapesFirst : NativeOpTrait<"VerifyShapesFirst"> {
  let cppNamespace = "::sinter";
}

// Shared inference: one shape and element type for all operands and result.
class Sinter_ElementwiseOp<string mnemonic, list<Trait> traits = []>
    : Sinter_Op<mnemonic, !listconcat(traits, [Pure, Sinter_InferTypeOpAdaptor,
                                               Elementwise])>;

class Sinter_BinaryOp<string mnemonic, Type operandType, string formula,
                      list<Trait> traits = []>
    : Sinter_ElementwiseOp<mnemonic, traits> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes `result[i] = }] # formula # [{` for every index `i`.

    Constraints:
    (C1) `lhs` and `rhs` have the same type; `result` has that type too.

    ```mlir
    // %a: tensor<4x8xf32>, %b: tensor<4x8xf32>
    %r = sinter.}] # mnemonic # [{ %a, %b : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:`
    custom<SameOrFunctionalType>(type($lhs), type($rhs), type($result))
  }];
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return inferSameTypeElementwise(loc, getOperationName(),
                                      adaptor.getOperands(), types);
    }
  }];
}

def Sinter_AddOp : Sinter_BinaryOp<"add", Sinter_NumericTensor, "lhs[i] + rhs[i]",
                                   [Commutative]> {
  let hasFolder = 1;
}
def Sinter_SubOp : Sinter_BinaryOp<"sub", Sinter_NumericTensor, "lhs[i] - rhs[i]">;
def Sinter_MulOp : Sinter_BinaryOp<"mul", Sinter_NumericTensor, "lhs[i] * rhs[i]",
                                   [Commutative]> {
  let hasFolder = 1;
}
def Sinter_DivOp : Sinter_BinaryOp<"div", Sinter_NumericTensor,
    "lhs[i] / rhs[i] (integers truncate toward zero; division by zero gives 0)">;
def Sinter_MaxOp : Sinter_BinaryOp<"max", Sinter_NumericTensor,
    "max(lhs[i], rhs[i]) (NaN if either is NaN)", [Commutative]>;
def Sinter_MinOp : Sinter_BinaryOp<"min", Sinter_NumericTensor,
    "min(lhs[i], rhs[i]) (NaN if either is NaN)", [Commutative]>;
def Sinter_PowOp : Sinter_BinaryOp<"pow", Sinter_FloatTensor, "lhs[i] ^ rhs[i]">;

class Sinter_UnaryOp<string mnemonic, Type operandType, string formula,
                     list<Trait> traits = []>
    : Sinter_ElementwiseOp<mnemonic, traits> {
  let summary = "elementwise " # formula;
  let description = [{
    Computes `result[i] = }] # formula # [{` for every index `i`.

    Constraints:
    (C1) `result` has the type of `operand`.

    ```mlir
    // %x: tensor<4x8xf32>
    %r = sinter.}] # mnemonic # [{ %x : tensor<4x8xf32>
    ```
  }];
  let arguments = (ins operandType:$operand);
  let results = (outs operandType:$result);
  let assemblyFormat = [{
    $operand attr-dict `:`
    custom<SameOrFunctionalType>(type($operand), type($result))
  }];
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return inferSameTypeElementwise(loc, getOperationName(),
                                      adaptor.getOperands(), types);
    }
  }];
}

def Sinter_NegOp : Sinter_UnaryOp<"neg", Sinter_NumericTensor, "-x[i]"> {
  let hasFolder = 1;
}
def Sinter_AbsOp : Sinter_UnaryOp<"abs", Sinter_NumericTensor, "|x[i]|"> {
  let hasFolder = 1;
}
def Sinter_ExpOp : Sinter_UnaryOp<"exp", Sinter_FloatTensor, "e^x[i]">;
def Sinter_LogOp : Sinter_UnaryOp<"log", Sinter_FloatTensor, "ln(x[i])">;
def Sinter_SqrtOp : Sinter_UnaryOp<"sqrt", Sinter_FloatTensor, "sqrt(x[i])">;
def Sinter_RsqrtOp : Sinter_UnaryOp<"rsqrt", Sinter_FloatTensor, "1 / sqrt(x[i])">;
def Sinter_TanhOp : Sinter_UnaryOp<"tanh", Sinter_FloatTensor, "tanh(x[i])">;
def Sinter_ErfOp : Sinter_UnaryOp<"erf", Sinter_FloatTensor, "erf(x[i])">;
def Sinter_SigmoidOp : Sinter_UnaryOp<"sigmoid", Sinter_FloatTensor,
                                      "1 / (1 + e^-x[i])">;
def Sinter_ReluOp : Sinter_UnaryOp<"relu", Sinter_NumericTensor, "max(x[i], 0)">;
def Sinter_SiluOp : Sinter_UnaryOp<"silu", Sinter_FloatTensor,
                                   "x[i] * sigmoid(x[i])">;

def Sinter_GeluOp : Sinter_ElementwiseOp<"gelu"> {
  let summary = "Gaussian error linear unit, exact or approximated";
  let description = [{
    `none`:    `gelu(x) = 0.5 x (1 + erf(x / sqrt(2)))`
    `tanh`:    `gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`
    `sigmoid`: `gelu(x) = x * sigmoid(1.702 x)`

    Constraints:
    (C1) `result` has the type of `operand`.

    ```mlir
    // %x: tensor<4x3072xf32>
    %r = sinter.gelu tanh %x : tensor<4x3072xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$operand,
                       Sinter_GeluApproximationAttr:$approximate);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    `` $approximate $operand attr-dict `:`
    custom<SameOrFunctionalType>(type($operand), type($result))
  }];
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return inferSameTypeElementwise(loc, getOperationName(),
                                      adaptor.getOperands(), types);
    }
  }];
}

def Sinter_CompareOp : Sinter_ElementwiseOp<"compare"> {
  let summary = "elementwise comparison giving i1";
  let description = [{
    `result[i] = lhs[i] <predicate> rhs[i]`. Float comparisons are ordered:
    every predicate but `ne` is false when either side is NaN.

    Constraints:
    (C1) `lhs` and `rhs` have the same type.
    (C2) `result` has their shape with element type `i1`.

    ```mlir
    // %a: tensor<4xf32>, %b: tensor<4xf32>
    %m = sinter.compare lt, %a, %b : tensor<4xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$lhs, Sinter_Tensor:$rhs,
                       Sinter_ComparePredicateAttr:$predicate);
  let results = (outs Sinter_BoolTensor:$result);
  let assemblyFormat = [{
    `` $predicate `,` $lhs `,` $rhs attr-dict `:`
    custom<SameOrFunctionalTypeNoResult>(type($lhs), type($rhs))
  }];
}

def Sinter_SelectOp : Sinter_ElementwiseOp<"select"> {
  let summary = "elementwise choice: pred[i] ? on_true[i] : on_false[i]";
  let description = [{
    Constraints:
    (C1) `on_true` and `on_false` have the same type; `result` has it too.
    (C2) `pred` has their shape.

    ```mlir
    // %m: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>
    %r = sinter.select %m, %a, %b : tensor<4xi1>, tensor<4xf32>
    ```
  }];
  let arguments = (ins Sinter_BoolTensor:$pred, Sinter_Tensor:$on_true,
                       Sinter_Tensor:$on_false);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    $pred `,` $on_true `,` $on_false attr-dict `:` type($pred) `,`
    custom<SameOrFunctionalType>(type($on_true), type($on_false), type($result))
  }];
  let hasFolder = 1;
}

def Sinter_ConvertOp : Sinter_Op<"convert",
    [Pure, Sinter_VerifyShapesFirst, Elementwise]> {
  let summary = "elementwise element type conversion";
  let description = [{
    Converts each element to the result's element type: floats round to
    nearest even; float to integer truncates toward zero (saturating); to
    `i1` gives `x != 0`.

    Constraints:
    (C1) `result` has the shape of `operand`.

    ```mlir
    // %x: tensor<4xf32>
    %r = sinter.convert %x : tensor<4xf32> -> tensor<4xbf16>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$operand);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  // (C1), run by Sinter_VerifyShapesFirst ahead of Elementwise's check.
  let extraClassDeclaration = [{
    ::mlir::LogicalResult verifyShapes();
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

def Sinter_BroadcastInDimOp : Sinter_Op<"broadcast_in_dim", [Pure]> {
  let summary = "broadcast by mapping operand dimensions to result dimensions";
  let description = [{
    `result[i0..in] = operand[j0..jm]` where `jk = i[dims[k]]` if
    `operand.shape[k] == result.shape[dims[k]]` and `jk = 0` if the operand
    dimension is 1.

    Constraints:
    (C1) `size(dims) = rank(operand)`.
    (C2) each `dims[k]` is in `[0, rank(result))`, strictly increasing.
    (C3) `operand.shape[k]` is 1 or `result.shape[dims[k]]`.
    (C4) element types of operand and result match.

    ```mlir
    // %b: tensor<768xf32>
    %r = sinter.broadcast_in_dim %b, dims = [1] : (tensor<768xf32>) -> tensor<4x768xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$operand,
                       DenseI64ArrayAttr:$broadcast_dimensions);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `dims` `=` $broadcast_dimensions attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sinter_ReshapeOp : Sinter_Op<"reshape", [Pure]> {
  let summary = "reinterpret the row-major elements with a new shape";
  let description = [{
    Constraints:
    (C1) element counts match. (C2) element types match.

    ```mlir
    // %x: tensor<4x768xf32>
    %r = sinter.reshape %x : (tensor<4x768xf32>) -> tensor<4x12x64xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$operand);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = "$operand attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Sinter_TransposeOp : Sinter_Op<"transpose", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "permute dimensions";
  let description = [{
    `result.shape[i] = operand.shape[perm[i]]`.

    Constraints:
    (C1) `perm` is a permutation of `[0, rank(operand))`.

    ```mlir
    // %x: tensor<1x4x12x64xf32>
    %r = sinter.transpose %x, perm = [0, 2, 1, 3] : (tensor<1x4x12x64xf32>) -> tensor<1x12x4x64xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$operand, DenseI64ArrayAttr:$permutation);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `perm` `=` $permutation attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Sinter_SliceOp : Sinter_Op<"slice", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "static strided slice";
  let description = [{
    `result[i] = operand[start + i * strides]`, with
    `result.shape[d] = ceil((limit[d] - start[d]) / strides[d])`.

    Constraints:
    (C1) `start`, `limit`, `strides` each have `rank(operand)` entries.
    (C2) `0 <= start[d] <= limit[d] <= operand.shape[d]`.
    (C3) `strides[d] > 0`.

    ```mlir
    // %x: tensor<4x2304xf32>
    %r = sinter.slice %x, start = [0, 768], limit = [4, 1536], strides = [1, 1] : (tensor<4x2304xf32>) -> tensor<4x768xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$operand, DenseI64ArrayAttr:$start_indices,
                       DenseI64ArrayAttr:$limit_indices,
                       DenseI64ArrayAttr:$strides);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    $operand `,` `start` `=` $start_indices `,` `limit` `=` $limit_indices `,`
    `strides` `=` $strides attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Sinter_ConcatenateOp : Sinter_Op<"concatenate", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "join tensors along one dimension";
  let description = [{
    Constraints:
    (C1) at least one input. (C2) `0 <= dimension < rank`.
    (C3) all inputs have one element type and rank, and equal sizes except
    along `dimension`.

    ```mlir
    // %a: tensor<2x3xf32>, %b: tensor<2x5xf32>
    %r = sinter.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
    ```
  }];
  let arguments = (ins Variadic<Sinter_Tensor>:$inputs, I64Attr:$dimension);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    custom<OperandsThenComma>($inputs) `dim` `=` $dimension attr-dict `:`
    functional-type($inputs, results)
  }];
  let hasFolder = 1;
}

def Sinter_GatherOp : Sinter_Op<"gather", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "gather rows of a table (embedding lookup)";
  let description = [{
    `result[n..., d...] = table[clamp(indices[n...], 0, rows - 1), d...]`.
    Out-of-range indices are clamped, as in XLA, so a bad token id cannot
    read outside the table.

    Constraints:
    (C1) `rank(table) >= 1`.

    ```mlir
    // %wte: tensor<50257x768xf32>, %ids: tensor<1x128xi32>
    %e = sinter.gather %wte[%ids] : (tensor<50257x768xf32>, tensor<1x128xi32>) -> tensor<1x128x768xf32>
    ```
  }];
  let arguments = (ins Sinter_Tensor:$table, Sinter_IntTensor:$indices);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = [{
    $table `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Sinter_ScatterAddOp
    : Sinter_Op<"scatter_add", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "sum rows into a table (the transpose of gather)";
  let description = [{
    `result[r, d...] = sum of updates[n..., d...] over the n... with
    clamp(indices[n...], 0, rows - 1) == r`, zero for a row no index names.
    Indices are clamped exactly as `sinter.gather` clamps them, so
    `scatter_add` is gather's transpose: the gradient of an embedding
    lookup. The sum runs in a fixed order (row-major over n... in the
    reference interpreter; compiled code uses no atomics), so a run repeats
    bit for bit.

    Constraints:
    (C1) `rows >= 0`.
    (C2) `shape(updates)` starts with `shape(indices)`.

    ```mlir
    // %dy: tensor<1x128x768xf32>, %ids: tensor<1x128xi32>
    %g = sinter.scatter_add %dy[%ids] rows = 50257 : (tensor<1x128x768xf32>, tensor<1x128xi32>) -> tensor<50257x768xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$updates, Sinter_IntTensor:$indices,
                       I64Attr:$rows);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $updates `[` $indices `]` `rows` `=` $rows attr-dict `:` functional-type(operands, results)
  }];
}

def Sinter_IotaOp : Sinter_Op<"iota", [Pure]> {
  let summary = "indices along one dimension";
  let description = [{
    `result[i0..in] = i[dimension]`.

    Constraints:
    (C1) `0 <= dimension < rank(result)`.

    ```mlir
    %i = sinter.iota dim = 1 : tensor<128x128xi32>
    ```
  }];
  let arguments = (ins I64Attr:$dimension);
  let results = (outs Sinter_NumericTensor:$result);
  let assemblyFormat = "`dim` `=` $dimension attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

def Sinter_ReduceOp : Sinter_Op<"reduce", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "sum, max, min or mean over a set of dimensions";
  let description = [{
    Reduces `operand` over `dimensions`; those dimensions are removed from
    the result. Float sums accumulate in at least f32. `max`/`min` propagate
    NaN. Reducing over no dimensions is the identity.

    Constraints:
    (C1) each dimension is in `[0, rank(operand))`, strictly increasing.
    (C2) `mean` needs a float operand.

    ```mlir
    // %x: tensor<4x768xf32>
    %s = sinter.reduce sum %x, dims = [1] : (tensor<4x768xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Sinter_NumericTensor:$operand,
                       Sinter_ReduceKindAttr:$kind,
                       DenseI64ArrayAttr:$dimensions);
  let results = (outs Sinter_NumericTensor:$result);
  let assemblyFormat = [{
    `` $kind $operand `,` `dims` `=` $dimensions attr-dict `:`
    functional-type(operands, results)
  }];
}

def Sinter_MatmulOp : Sinter_Op<"matmul", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "batched matrix product";
  let description = [{
    `result[b..., m, n] = sum_k lhs[b..., m, k] * rhs[b..., k, n]`, with
    `lhs` read as `[..., K, M]` when `transpose_lhs` is set and `rhs` as
    `[..., N, K]` when `transpose_rhs` is set. A rank-2 operand is shared by
    every batch of the other (a weight matrix). Products accumulate in
    `accumulation_type` (default: f32 for floats, i64 for i64, i32 for i32).

    Constraints:
    (C1) both operands have rank >= 2 and one element type.
    (C2) the contracting sizes `K` match.
    (C3) batch dimensions are equal, or one operand has rank 2.
    (C4) `accumulation_type`, if present, is f32 for float operands and an
         integer type at least as wide for integer operands.

    ```mlir
    // %x: tensor<4x128x768xf32>, %w: tensor<768x3072xf32>, %q: tensor<1x12x128x64xf32>, %k: tensor<1x12x128x64xf32>
    %y = sinter.matmul %x, %w : (tensor<4x128x768xf32>, tensor<768x3072xf32>) -> tensor<4x128x3072xf32>
    %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x128x128xf32>
    ```
  }];
  let arguments = (ins Sinter_NumericTensor:$lhs, Sinter_NumericTensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs,
                       OptionalAttr<TypeAttr>:$accumulation_type);
  let results = (outs Sinter_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

class Sinter_AxisOp<string mnemonic>
    : Sinter_Op<mnemonic, [Pure, Sinter_InferTypeOpAdaptor]> {
  let arguments = (ins Sinter_FloatTensor:$operand, I64Attr:$axis);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $operand `,` `axis` `=` $axis attr-dict `:` functional-type(operands, results)
  }];
}

def Sinter_SoftmaxOp : Sinter_AxisOp<"softmax"> {
  let summary = "softmax along one axis (numerically stable)";
  let description = [{
    `softmax(x)[i] = exp(x[i] - max(x)) / sum_j exp(x[j] - max(x))` along
    `axis`. The max is subtracted first, so logits of 1e4 do not overflow. A
    row that is entirely `-inf` (fully masked) gives zeros, not NaN.

    Constraints:
    (C1) `0 <= axis < rank(operand)`.

    ```mlir
    // %x: tensor<4x768xf32>
    %p = sinter.softmax %x, axis = 1 : (tensor<4x768xf32>) -> tensor<4x768xf32>
    ```
  }];
}

def Sinter_LogSoftmaxOp : Sinter_AxisOp<"log_softmax"> {
  let summary = "log of softmax along one axis (numerically stable)";
  let description = [{
    `log_softmax(x)[i] = x[i] - max(x) - log(sum_j exp(x[j] - max(x)))`.
    A fully `-inf` row gives `-inf`.

    Constraints:
    (C1) `0 <= axis < rank(operand)`.

    ```mlir
    // %x: tensor<4x768xf32>
    %p = sinter.log_softmax %x, axis = 1 : (tensor<4x768xf32>) -> tensor<4x768xf32>
    ```
  }];
}

def Sinter_LogSumExpOp : Sinter_AxisOp<"logsumexp"> {
  let summary = "log(sum(exp(x))) along one axis, which is removed";
  let description = [{
    `logsumexp(x) = max(x) + log(sum_j exp(x[j] - max(x)))`; the result lies
    in `[max, max + log n]`. A fully `-inf` row gives `-inf`.

    Constraints:
    (C1) `0 <= axis < rank(operand)`.

    ```mlir
    // %x: tensor<4x768xf32>
    %l = sinter.logsumexp %x, axis = 1 : (tensor<4x768xf32>) -> tensor<4xf32>
    ```
  }];
}

def Sinter_LayerNormOp : Sinter_Op<"layer_norm",
    [Pure, AttrSizedOperandSegments, Sinter_InferTypeOpAdaptor]> {
  let summary = "layer normalization over the trailing dimensions from axis";
  let description = [{
    With `N` the dimensions `[axis, rank)`:
    `y = (x - mean_N(x)) / sqrt(var_N(x) + epsilon) * gamma + beta`, where
    `var` is the biased (population) variance. Statistics accumulate in f32
    or better. `gamma` and `beta` are optional (no affine part).

    Numerics: compiled code scales the row by a power of two (exact) where
    its squares would overflow (or, with `epsilon < 2^-100`, underflow),
    centers it as `(x - K) - mean(x - K)` with `K` the row's mean as first
    computed, then takes the variance in a second pass over the centered
    row. A constant row (of up to about 16k elements) gives exactly `beta`
    (for `epsilon > 0`); the centering error is about
    `n * 2^-24` times the row's range (max - min), not its magnitude, so
    the output's error is about `n * 2^-24 * range / sqrt(var + epsilon)`
    plus a few ulps; no finite row overflows.

    Constraints:
    (C1) `0 <= axis < rank(operand)`.
    (C2) `gamma` and `beta` have shape `operand.shape[axis:]` and the
         operand's element type.
    (C3) `epsilon >= 0`.

    ```mlir
    // %x: tensor<4x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>
    %y = sinter.layer_norm %x scale(%g : tensor<768xf32>) offset(%b : tensor<768xf32>) axis = 1 epsilon = 1.000000e-05 : tensor<4x768xf32> -> tensor<4x768xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$operand,
                       Optional<Sinter_FloatTensor>:$gamma,
                       Optional<Sinter_FloatTensor>:$beta,
                       I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $operand (`scale` `(` $gamma^ `:` type($gamma) `)`)?
    (`offset` `(` $beta^ `:` type($beta) `)`)?
    `axis` `=` $axis `epsilon` `=` $epsilon attr-dict `:`
    type($operand) `->` type($result)
  }];
}

def Sinter_RmsNormOp : Sinter_Op<"rms_norm",
    [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "root-mean-square normalization over the trailing dimensions";
  let description = [{
    With `N` the dimensions `[axis, rank)`:
    `y = x / sqrt(mean_N(x^2) + epsilon) * gamma`. Accumulates in f32 or
    better. `gamma` is optional. Compiled code scales the row by a power of
    two (exact) where its squares would overflow (or, with
    `epsilon < 2^-100`, underflow): a row of 3e38 gives 1, and the error is
    a few ulps plus `n * 2^-24` relative.

    Constraints:
    (C1) `0 <= axis < rank(operand)`.
    (C2) `gamma` has shape `operand.shape[axis:]` and the operand's element
         type.
    (C3) `epsilon >= 0`.

    ```mlir
    // %x: tensor<4x768xf32>, %g: tensor<768xf32>
    %y = sinter.rms_norm %x scale(%g : tensor<768xf32>) axis = 1 epsilon = 1.000000e-06 : tensor<4x768xf32> -> tensor<4x768xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$operand,
                       Optional<Sinter_FloatTensor>:$gamma,
                       I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $operand (`scale` `(` $gamma^ `:` type($gamma) `)`)?
    `axis` `=` $axis `epsilon` `=` $epsilon attr-dict `:`
    type($operand) `->` type($result)
  }];
}

def Sinter_AttentionOp : Sinter_Op<"attention", [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "scaled dot-product attention";
  let description = [{
    `attention(Q, K, V) = softmax(Q @ K.T * scale + bias [+ causal mask]) @ V`
    with `Q: [B, H, S, D]`, `K: [B, H, T, D]`, `V: [B, H, T, Dv]`, result
    `[B, H, S, Dv]`. The optional additive `bias` has shape
    `[B|1, H|1, S, T]` (broadcast over batch and heads). With `causal`,
    query `s` sees keys `t <= s + (T - S)` (the last query sees every key).
    A row whose scores are all `-inf` gives zeros. Softmax is computed
    stably; fused lowerings may use an online (streaming) softmax, which
    changes the reduction order but not the maths.

    Constraints:
    (C1) `Q`, `K`, `V` have rank 4 and one element type.
    (C2) `B`, `H` agree; `K` and `V` agree on `T`; `Q` and `K` agree on `D`.
    (C3) `bias`, if present, is `[B|1, H|1, S, T]` with the same element type.

    ```mlir
    // %q: tensor<1x12x128x64xf32>, %k: tensor<1x12x128x64xf32>, %v: tensor<1x12x128x64xf32>
    %o = sinter.attention %q, %k, %v scale = 1.250000e-01 causal : tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32> -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$query, Sinter_FloatTensor:$key,
                       Sinter_FloatTensor:$value,
                       Optional<Sinter_FloatTensor>:$bias,
                       F64Attr:$scale, UnitAttr:$causal);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` `(` $bias^ `:` type($bias) `)`)?
    `scale` `=` $scale (`causal` $causal^)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) `->` type($result)
  }];
}

def Sinter_AttentionBackwardOp : Sinter_Op<"attention_backward",
    [Pure, Sinter_InferTypeOpAdaptor, AllTypesMatch<["out", "dout"]>]> {
  let summary = "gradients of scaled dot-product attention";
  let description = [{
    For `out = attention(Q, K, V, bias)` (same scale and causal flag) and the
    adjoint `dout` of `out`, returns `(dQ, dK, dV)`:
    `P = softmax(Q K^T scale + bias [+ causal mask])`,
    `dV = P^T dout`, `dS = P * (dout V^T - rowsum(dout * out))`,
    `dQ = dS K scale`, `dK = dS^T Q scale`. Masked keys (causal, or a
    `-inf` bias) take no part: their `dS` is 0, and a row that sees no key
    gets zeros. The bias gets no gradient here (a mask, not a learned
    parameter). This is what `sinter-autodiff` writes for `sinter.attention`:
    lowerings recompute `P` tile by tile (FlashAttention-2's backward), so
    the memory beyond the operands grows with `S`, not `S x T`.

    Constraints: those of `sinter.attention` on `Q`, `K`, `V` and `bias`;
    `out` and `dout` have its result type.

    ```mlir
    // %q: tensor<1x12x128x64xf32>, %k: tensor<1x12x128x64xf32>, %v: tensor<1x12x128x64xf32>, %o: tensor<1x12x128x64xf32>, %do: tensor<1x12x128x64xf32>
    %dq, %dk, %dv = sinter.attention_backward %q, %k, %v, %o, %do scale = 1.250000e-01 causal : tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32> -> tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$query, Sinter_FloatTensor:$key,
                       Sinter_FloatTensor:$value, Sinter_FloatTensor:$out,
                       Sinter_FloatTensor:$dout,
                       Optional<Sinter_FloatTensor>:$bias,
                       F64Attr:$scale, UnitAttr:$causal);
  let results = (outs Sinter_FloatTensor:$dquery, Sinter_FloatTensor:$dkey,
                      Sinter_FloatTensor:$dvalue);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $out `,` $dout
    (`bias` `(` $bias^ `:` type($bias) `)`)?
    `scale` `=` $scale (`causal` $causal^)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) `,` type($out) `->`
    type($dquery) `,` type($dkey) `,` type($dvalue)
  }];
}

def Sinter_RotaryEmbeddingOp : Sinter_Op<"rotary_embedding",
    [Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "rotary position embedding (RoPE)";
  let description = [{
    For `x: [..., S, D]` and tables `cos, sin: [S, D/2]`, rotates each pair
    `(a, b)` of features at position `s` and pair index `i`:
    `a' = a cos[s,i] - b sin[s,i]`, `b' = b cos[s,i] + a sin[s,i]`.
    Pairs are `(x[2i], x[2i+1])` when `interleaved` (GPT-J style), and
    `(x[i], x[i + D/2])` otherwise (GPT-NeoX / LLaMA "rotate half").

    Constraints:
    (C1) `rank(x) >= 2`, `D` is even.
    (C2) `cos` and `sin` have shape `[S, D/2]` and the element type of `x`.

    ```mlir
    // %x: tensor<1x12x128x64xf32>, %cos: tensor<128x32xf32>, %sin: tensor<128x32xf32>
    %r = sinter.rotary_embedding %x, %cos, %sin : (tensor<1x12x128x64xf32>, tensor<128x32xf32>, tensor<128x32xf32>) -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins Sinter_FloatTensor:$operand, Sinter_FloatTensor:$cos,
                       Sinter_FloatTensor:$sin, UnitAttr:$interleaved);
  let results = (outs Sinter_FloatTensor:$result);
  let assemblyFormat = [{
    $operand `,` $cos `,` $sin (`interleaved` $interleaved^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Constants and fusion regions
//===----------------------------------------------------------------------===//

def Sinter_ConstantOp : Sinter_Op<"constant",
    [ConstantLike, Pure, Sinter_InferTypeOpAdaptor]> {
  let summary = "a constant tensor";
  let description = [{
    Holds `dense<...>` values or, for large weights, a `dense_resource` blob
    (not uniqued in the context, cheap to carry). The graph builder tags
    parameters with a discardable `sinter.name` attribute.

    Constraints:
    (C1) the value is a statically shaped tensor of a sinter element type.
    (C2) a `dense_resource` blob, when its data is present, holds exactly
         `numElements * bytes(element type)` bytes (i1: one byte each).

    ```mlir
    %c = sinter.constant dense<1.0> : tensor<4xf32>
    %w = sinter.constant dense_resource<wte> : tensor<50257x768xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Sinter_Tensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Sinter_FusionOp : Sinter_Op<"fusion", [IsolatedFromAbove,
    RecursiveMemoryEffects, SingleBlock]> {
  let summary = "a group of ops compiled as one kernel";
  let description = [{
    The region computes the results from the block arguments (one per
    input, of the same types) and ends in `sinter.yield`. Like XLA's fusion
    computation, the region is isolated from above: all it reads comes in
    through `inputs`. `kind` says which code generation strategy applies
    (`sinter-form-fusions` creates them; see docs/fusion.md).

    Numerics contract, per kind (what the fused kernel may change relative
    to running the region's ops one by one, and what the tests hold it to):
    - `loop`: nothing; a producer recomputed inside the loop gives the bits
      it would have stored. Held to the per-dtype tolerances of the
      reference interpreter, fused and unfused.
    - `reduction`: the order of the row sums and maxima (vectorized and
      reassociated), and a division by a per-row value done as a
      multiplication by its reciprocal (within about 1.5 ulp). Same
      tolerances.
    - `epilogue`: nothing beyond the matmul's own accumulation order; the
      epilogue's scalar ops run per element on the final accumulator.
    - `attention`: an online (streaming) softmax over key tiles, whose
      rescaled partial sums replace the two-pass softmax, and the order of
      the dot products; rows with no visible key give zeros. Held to
      atol 1e-4 / rtol 1e-3 in f32 and the bf16 tolerance for bf16 inputs,
      for S from 1 to 4096, causal and not, with and without a bias.

    Constraints:
    (C1) the block has one argument per input, of the input's type.
    (C2) the yielded values have the result types.

    ```mlir
    // %a: tensor<4xf32>, %b: tensor<4xf32>
    %r = sinter.fusion loop (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
      %s = sinter.add %x, %y : tensor<4xf32>
      %e = sinter.exp %s : tensor<4xf32>
      sinter.yield %e : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Sinter_Tensor>:$inputs, Sinter_FusionKindAttr:$kind);
  let results = (outs Variadic<Sinter_Tensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `` $kind `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
    $body
  }];
  let hasRegionVerifier = 1;
}

def Sinter_YieldOp : Sinter_Op<"yield", [Pure, Terminator, ReturnLike,
    HasParent<"FusionOp">]> {
  let summary = "ends a fusion region, giving its results";
  let description = [{
    ```mlir
    // %a: tensor<4xf32>
    %r = sinter.fusion loop (%a) : (tensor<4xf32>) -> tensor<4xf32> {
    ^bb0(%x: tensor<4xf32>):
      %e = sinter.exp %x : tensor<4xf32>
      sinter.yield %e : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Sinter_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

#endif // SINTER_OPS_TD
