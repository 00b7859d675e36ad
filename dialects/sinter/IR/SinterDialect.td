//===- SinterDialect.td - The sinter dialect ----------------*- tablegen -*-===//
//
// The `sinter` dialect: static-shape tensor ops for ahead-of-time compilation
// of transformer-style graphs. Value semantics until bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_DIALECT_TD
#define SINTER_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Sinter_Dialect : Dialect {
  let name = "sinter";
  let cppNamespace = "::sinter";
  let summary = "Static tensor graphs for ahead-of-time compilation";
  let description = [{
    The `sinter` dialect describes a model as a graph of tensor operations on
    statically shaped, ranked tensors of `f32`, `f16`, `bf16`, `i1`, `i32` or
    `i64`. Elementwise ops take operands of one shape: broadcasting is always
    explicit (`sinter.broadcast_in_dim`), as in HLO. Composite ops (softmax,
    norms, GELU, attention, rotary embedding) are what the fusion passes
    produce from their primitive forms and what the graph builder may emit
    directly. `sinter.fusion` holds a region that becomes one kernel.

    Each op's example starts with a comment giving the types of the values
    it uses, `// %x: tensor<4x768xf32>`; `test/Dialect/sinter/doc-examples.test`
    parses every example of this reference as a function taking them.
  }];
  let useDefaultAttributePrinterParser = 1;
  // `sinter.aliases_input` on a function result (EntryFunction.h).
  let hasRegionResultAttrVerify = 1;
  let hasConstantMaterializer = 1;
}

class Sinter_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sinter_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def Sinter_Float : AnyTypeOf<[F32, F16, BF16]>;
def Sinter_Int : AnyTypeOf<[I32, I64]>;
def Sinter_Element : AnyTypeOf<[F32, F16, BF16, I1, I32, I64]>;

// Static shapes whose element count fits in int64 (the builtin tensor type
// accepts 2^62 x 4, whose count would wrap in every size computation).
class Sinter_StaticTensorOf<list<Type> allowed> :
    Type<And<[TensorOf<allowed>.predicate, HasStaticShapePred,
              CPred<"::sinter::hasRepresentableElementCount("
                    "::llvm::cast<::mlir::ShapedType>($_self))">]>,
         "statically shaped (under 2^63 elements) " # TensorOf<allowed>.summary,
         "::mlir::RankedTensorType">;

def Sinter_Tensor : Sinter_StaticTensorOf<[F32, F16, BF16, I1, I32, I64]>;
def Sinter_FloatTensor : Sinter_StaticTensorOf<[F32, F16, BF16]>;
// Arithmetic on numbers: floats and i32/i64 (not i1).
def Sinter_NumericTensor : Sinter_StaticTensorOf<[F32, F16, BF16, I32, I64]>;
def Sinter_IntTensor : Sinter_StaticTensorOf<[I32, I64]>;
def Sinter_BoolTensor : Sinter_StaticTensorOf<[I1]>;

#endif // SINTER_DIALECT_TD
