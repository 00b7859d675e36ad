//===- Passes.td - Sinter's passes on the sinter dialect ----*- tablegen -*-===//

#ifndef SINTER_TRANSFORMS_PASSES_TD
#define SINTER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeCompositesPass : Pass<"sinter-decompose-composites", "mlir::func::FuncOp"> {
  let summary = "Rewrite composite ops into their primitive sinter forms";
  let description = [{
    Replaces `softmax`, `log_softmax`, `logsumexp`, `layer_norm`, `rms_norm`,
    `gelu`, `attention` and `rotary_embedding` by the primitive graphs models
    write by hand (the forms the fusion passes must recognise). The graph
    builder's decomposed mode spells some of them the way PyTorch code does
    (`x / sqrt(2)`, `pow(x, 3)`, an i32 causal mask); this pass spells them
    with multiplications by constants and an i64 mask. Recognition must
    accept both, so the two spellings are kept deliberately.

    Before:
    ```mlir
    %p = sinter.softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
    ```
    After:
    ```mlir
    %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %d = sinter.sub %x, %mb : tensor<4x8xf32>
    %e = sinter.exp %d : tensor<4x8xf32>
    %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %p = sinter.div %e, %sb : tensor<4x8xf32>
    ```

    Numerics: the decompositions subtract the max like the composites, but a
    row that is entirely `-inf` gives NaN where the composite softmax and
    attention give zeros (as the same code gives NaN in PyTorch); recognising
    a decomposed form may therefore turn such NaNs into zeros, never the
    reverse. Norms on f16/bf16 are computed in f32 (a `convert`
    in and out), as mixed-precision models write them.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "composite mnemonics to decompose (softmax, log_softmax, "
               "logsumexp, layer_norm, rms_norm, gelu, attention, "
               "rotary_embedding); all when empty">
  ];
  let dependentDialects = ["sinter::SinterDialect"];
}

def RecognizeSoftmaxPass : Pass<"sinter-recognize-softmax", "mlir::func::FuncOp"> {
  let summary = "Rewrite the primitive stable-softmax graph into sinter.softmax";
  let description = [{
    Recognises `exp(x - max(x)) / sum(exp(x - max(x)))` along one axis, as
    models (and `sinter-decompose-composites`) write it, and replaces it by
    one `sinter.softmax`.

    A match never changes semantics. Every intermediate (the max, the
    shifted values, the exps, the sum and both broadcasts) must be read only
    inside the pattern, so an exp that is also returned or reused blocks it.
    Both reductions must be over the same single axis, and both broadcasts
    must restore exactly that axis. The composite and the primitive graph
    compute the same values (both subtract the max), except that a row that
    is all `-inf` gives zeros instead of NaN (see `sinter.softmax`).

    Before:
    ```mlir
    %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %d = sinter.sub %x, %mb : tensor<4x8xf32>
    %e = sinter.exp %d : tensor<4x8xf32>
    %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %p = sinter.div %e, %sb : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %p = sinter.softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["sinter::SinterDialect"];
}

def FormFusionsPass : Pass<"sinter-form-fusions", "mlir::ModuleOp"> {
  let summary = "Group ops into sinter.fusion regions, one per kernel";
  let description = [{
    XLA-style fusion. Groups grow from each consumer toward its producers;
    a producer joins only when all of its users are in the group, so a
    fused value is computed once and no op is ever duplicated into two
    kernels. Kinds (each can be switched off with `kinds`):

    - `loop`: elementwise ops, broadcasts, reshapes and transposes: one
      loop nest, no intermediate buffers.
    - `reduction`: row reductions (`reduce` over the innermost dimensions,
      `softmax`, `log_softmax`, `logsumexp`, `layer_norm`, `rms_norm`) with
      their elementwise producers and consumers: one kernel walking rows.
      All reductions of one fusion reduce rows of one shape; transposes
      never join (strided rows).
    - `epilogue`: a matmul with the elementwise ops on its result (bias,
      activation, residual add). Producers of the matmul's operands never
      join.
    - `attention`: `sinter.attention`, lowered flash-style (tiles over keys
      with an online softmax; the S x T scores never exist).
    - `sibling`: independent loop fusions of one iteration shape that read
      a common input of at least that size become one multi-output fusion.

    A lone composite (softmax, a norm, attention) becomes a fusion of its
    own; any other lone op stays as it is. Splat constants are copied into
    the regions. Every producer -> consumer edge left between two kernels
    gets a reason; with `remarks` the pass reports each fusion and each
    refused edge as an MLIR remark (for lit tests), and `sinter-compile
    --report=fusion` prints the same decisions.
  }];
  let options = [
    ListOption<"kinds", "kinds", "std::string",
               "fusion kinds to form (loop, reduction, epilogue, attention, "
               "sibling); all when empty">,
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"64",
           "the most ops one fusion may hold">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "report every fusion and refused edge as a remark">
  ];
  let dependentDialects = ["sinter::SinterDialect"];
}

#endif // SINTER_TRANSFORMS_PASSES_TD
