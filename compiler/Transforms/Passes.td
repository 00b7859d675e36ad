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

    Numerics: the textbook decompositions subtract the max like the
    composites, but a row that is entirely `-inf` gives NaN where the
    composite softmax and attention give zeros (as the same code gives NaN in
    PyTorch); recognising a decomposed form may therefore turn such NaNs into
    zeros, never the reverse. Norms on f16/bf16 are computed in f32 (a
    `convert` in and out), as mixed-precision models write them.

    With `edge-safe` (what `sinter-convert-sinter-to-linalg` uses), the forms
    keep the composites' promises instead: the softmax family subtracts 0
    from a fully masked row (`select(max == -inf, 0, max)`) and divides by
    `max(sum, 1)`, so that row gives zeros (softmax) or -inf (log_softmax,
    logsumexp); layer_norm scales its row by a power of two where squares
    would overflow (or, with epsilon < 2^-100, underflow) and centers it as
    `(x - K) - mean(x - K)` with K the row mean as first computed (its
    rounding measured and taken out), so a constant row gives
    exactly beta and the centering error is relative to the row's range;
    rms_norm scales the same way. These forms are not recognised back.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "composite mnemonics to decompose (softmax, log_softmax, "
               "logsumexp, layer_norm, rms_norm, gelu, attention, "
               "rotary_embedding); all when empty">,
    Option<"edgeSafe", "edge-safe", "bool", "false",
           "write the forms the lowering uses (fully masked rows, scaled and "
           "shifted norm statistics), not the textbook forms">
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

def RecognizeGeluPass : Pass<"sinter-recognize-gelu", "mlir::func::FuncOp"> {
  let summary = "Rewrite the primitive GELU formulas into sinter.gelu";
  let description = [{
    Recognises the three GELU formulas and replaces each by one `sinter.gelu`
    with the matching `approximate`:

    - `none`: `0.5 * x * (1 + erf(x / sqrt(2)))`, the scale written as a
      multiplication by `1/sqrt(2)` or a division by `sqrt(2)`;
    - `tanh`: `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`,
      `x^3` as `pow(x, 3)` or `x * x * x`, and the "fast" spelling
      `x * sqrt(2/pi) * (1 + 0.044715 * x * x)` inside the tanh;
    - `sigmoid`: `x * sigmoid(1.702 * x)`.

    Products may be associated in any order (`x * 0.5 * (...)`,
    `(0.5 * x) * (...)`) and halving written `x / 2`: each product is
    flattened into its factors and its constants multiplied. Constants must
    equal the formula's within a relative 1e-4 (or its value rounded to the
    element type; bf16 and f16 products get two units in the last place);
    any other constant blocks the match (`x * sigmoid(x)` is SiLU). Every
    intermediate must be read only inside the formula.

    Before:
    ```mlir
    %c = sinter.constant dense<0.707106769> : tensor<4x8xf32>
    %h = sinter.constant dense<5.000000e-01> : tensor<4x8xf32>
    %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
    %s = sinter.mul %x, %c : tensor<4x8xf32>
    %e = sinter.erf %s : tensor<4x8xf32>
    %a = sinter.add %e, %one : tensor<4x8xf32>
    %xh = sinter.mul %x, %h : tensor<4x8xf32>
    %y = sinter.mul %xh, %a : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %y = sinter.gelu none %x : tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["sinter::SinterDialect"];
}

def RecognizeLogSumExpPass : Pass<"sinter-recognize-logsumexp", "mlir::func::FuncOp"> {
  let summary = "Rewrite primitive logsumexp and log_softmax graphs into composites";
  let description = [{
    Recognises, along one axis with `m = max(x, axis)`,

    - `m + log(sum(exp(x - broadcast(m))))` as `sinter.logsumexp` (the max
      may be kept as a size-1 dimension and reshaped; the composite is then
      reshaped the same way);
    - `(x - broadcast(m)) - broadcast(log(sum(exp(x - broadcast(m)))))` and
      `x - broadcast(sinter.logsumexp(x))` as `sinter.log_softmax`.

    A match never changes semantics. Every intermediate must be read only
    inside the pattern; all reductions must run over the same single axis of
    the same `x`, and every broadcast must restore exactly that axis. A row
    that is all `-inf` gives `-inf` from the composites where the primitive
    graph gives NaN.

    Before:
    ```mlir
    %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %d = sinter.sub %x, %mb : tensor<4x8xf32>
    %e = sinter.exp %d : tensor<4x8xf32>
    %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %l = sinter.log %s : tensor<4xf32>
    %r = sinter.add %m, %l : tensor<4xf32>
    ```
    After:
    ```mlir
    %r = sinter.logsumexp %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4xf32>
    ```
  }];
  let dependentDialects = ["sinter::SinterDialect"];
}

def RecognizeRMSNormPass : Pass<"sinter-recognize-rms-norm", "mlir::func::FuncOp"> {
  let summary = "Rewrite the primitive RMS normalisation into sinter.rms_norm";
  let description = [{
    Recognises `x * rsqrt(mean(x * x) + eps) [* gamma]` and
    `x / sqrt(mean(x * x) + eps) [* gamma]` over the trailing dimensions
    `[axis, rank)` and replaces it by one `sinter.rms_norm`. The mean may be
    `reduce mean`, `reduce sum * (1/N)` or `reduce sum / N`, the square
    `x * x` or `pow(x, 2)`, the statistic reduced or kept as size-1
    dimensions; `gamma` is broadcast over the leading dimensions. An f32
    computation wrapped in converts from and back to a narrow type (and
    gamma converted from it) becomes one composite on the narrow type.

    What blocks a match: epsilon not a non-negative splat constant;
    statistics over other than trailing dimensions, or broadcast back along
    other ones; an intermediate read outside the pattern; an operand that is
    `y - mean(y)` (a layer norm, left to `sinter-recognize-layer-norm`).

    Before:
    ```mlir
    %sq = sinter.mul %x, %x : tensor<4x8xf32>
    %ms = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %v = sinter.add %ms, %eps : tensor<4xf32>
    %r = sinter.rsqrt %v : tensor<4xf32>
    %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %y = sinter.mul %x, %rb : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %y = sinter.rms_norm %x axis = 1 epsilon = 1.000000e-06 : tensor<4x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["sinter::SinterDialect"];
}

def RecognizeLayerNormPass : Pass<"sinter-recognize-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Rewrite the primitive layer normalisation into sinter.layer_norm";
  let description = [{
    Recognises, over the trailing dimensions `[axis, rank)` with
    `c = x - broadcast(mean(x))`,
    `c * rsqrt(var + eps)` or `c / sqrt(var + eps)`, optionally followed by
    `* gamma` and `+ beta` (broadcast over the leading dimensions), and
    replaces it by one `sinter.layer_norm`. The variance may be
    `mean(c * c)`, `mean(pow(c, 2))` or `mean(x * x) - mean(x)^2`; a mean
    `reduce mean`, `reduce sum * (1/N)` or `reduce sum / N`; statistics
    reduced or kept as size-1 dimensions. An f32 computation wrapped in
    converts from and back to a narrow type (gamma and beta converted from
    it), as `sinter-decompose-composites` writes bf16/f16 norms, becomes one
    composite on the narrow type. The `E[x^2] - E[x]^2` form becomes the
    two-pass composite: the same maths without its cancellation.

    What blocks a match: epsilon not a non-negative splat constant; the
    three statistics over different dimensions, other than trailing ones,
    or of different tensors; a broadcast along the wrong dimensions; an
    intermediate read outside the pattern.

    Before:
    ```mlir
    %m = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %c = sinter.sub %x, %mb : tensor<4x8xf32>
    %sq = sinter.mul %c, %c : tensor<4x8xf32>
    %var = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %v = sinter.add %var, %eps : tensor<4xf32>
    %r = sinter.rsqrt %v : tensor<4xf32>
    %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %y = sinter.mul %c, %rb : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %y = sinter.layer_norm %x axis = 1 epsilon = 1.000000e-05 : tensor<4x8xf32> -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["sinter::SinterDialect"];
}

def RecognizeAttentionPass : Pass<"sinter-recognize-attention", "mlir::func::FuncOp"> {
  let summary = "Rewrite primitive scaled dot-product attention into sinter.attention";
  let description = [{
    Recognises `softmax(select(mask, q @ k^T * scale + bias, -inf), axis = 3) @ v`
    on rank-4 `[B, H, S, D]` operands, the bias and the mask optional, and
    replaces it by one `sinter.attention`. This pass also runs the patterns
    of `sinter-recognize-softmax`, so the softmax may be primitive.

    - `k^T` is the matmul's `transpose_rhs` or a transpose op; head
      transposes (`[B, S, H, D] -> [B, H, S, D]`) stay outside the match as
      transpose ops.
    - The scale is any product or quotient of splat constants on the scores,
      on `q` or on `k` (1 when there is none).
    - The bias is any `[B, H, S, T]` addend (another layer's scores too),
      passed as its `[B|1, H|1, S, T]` source when it is broadcast from one.
    - A constant mask (a constant, or iota/compare ops) that is exactly the
      causal one (`t <= s + T - S`) becomes `causal`; another constant mask
      becomes a constant bias of 0 and -inf. The fill must be -inf or at
      most -1e4 (taken as -inf; a finite fill may not mask a whole row).

    What blocks a match: anything but a softmax over the last axis (e.g.
    `relu(s)^2`), an intermediate (scores, probabilities) read elsewhere, a
    mask computed from arguments, a mask together with a bias, a scale after
    the bias. Rows whose scores are all -inf give zeros where the primitive
    graph gives NaN.

    Before:
    ```mlir
    %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x8xf32>
    %ss = sinter.mul %s, %c : tensor<1x2x8x8xf32>
    %p = sinter.softmax %ss, axis = 3 : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
    %o = sinter.matmul %p, %v : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
    ```
    After:
    ```mlir
    %o = sinter.attention %q, %k, %v scale = 5.000000e-01 : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
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
    gets a reason; with `remarks` the pass reports each fusion, each refused
    edge and each function's totals as an MLIR remark (lit tests check them;
    `sinter-compile --report=fusion` collects them into its report). What a
    matmul epilogue may hold is the `target`'s rule (its matmul kernel's).
  }];
  let options = [
    ListOption<"kinds", "kinds", "std::string",
               "fusion kinds to form (those above, as FusionKinds parses "
               "them); all when empty">,
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"64",
           "the most ops one fusion may hold">,
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "report every fusion, refused edge and function's totals as a "
           "remark">,
    Option<"target", "target", "std::string", /*default=*/"\"cpu\"",
           "whose matmul kernel the epilogues are for (cpu, nvptx)">
  ];
  let dependentDialects = ["sinter::SinterDialect"];
}

def AutodiffPass : Pass<"sinter-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation: the loss and its gradients";
  let description = [{
    For a function whose one result is a scalar `tensor<f32>` (the loss),
    adds `@<function>_grad`: the same arguments, and results the loss
    followed by d loss / d argument for each argument in `wrt` (named by
    `sinter.name`, or `arg<N>`; empty: every float argument), named
    `grad_<argument>`. The backward ops are sinter ops after the forward
    ones: each op's vector-Jacobian product, in reverse program order, with
    the adjoints of a value read several times summed. Only ops between an
    argument asked for and the loss are differentiated.

    Rules exist for the elementwise float ops (gelu in its three forms
    included), select, convert, broadcast_in_dim, reshape, transpose, reduce
    (sum, mean, max, min), slice (strided too), concatenate, gather (its
    table's gradient is a `sinter.scatter_add`), rotary_embedding (the inverse rotation, and its tables' gradients), matmul
    (transposed operands, batches, a shared rank-2 operand), and the
    composites softmax, log_softmax, logsumexp,
    layer_norm and rms_norm, which differentiate as composites: their
    backward reads the forward op's result (or recomputes the row
    statistics) in f32 and never decomposes the forward op. Integer and
    comparison results carry no gradient; `max`/`min` split a tie's
    gradient equally between the tied operands; `abs` and `relu` have
    gradient 0 at 0; a fully masked softmax or logsumexp row gets 0. Any
    other op on the gradient's path (attention: a later step of issue 15)
    is an error naming it, as
    are a loss that is not a scalar f32, an unknown argument name and an
    integer argument.

    ```mlir
    func.func @f(%x: tensor<4xf32> {sinter.name = "x"}) -> tensor<f32> {
      %e = sinter.exp %x : tensor<4xf32>
      %l = sinter.reduce sum %e, dims = [0] : (tensor<4xf32>) -> tensor<f32>
      return %l : tensor<f32>
    }
    // gains
    func.func @f_grad(%x: tensor<4xf32> {sinter.name = "x"})
        -> (tensor<f32>, tensor<4xf32> {sinter.name = "grad_x"}) {
      ... // the forward ops
      %one = sinter.constant dense<1.0> : tensor<f32>
      %g = sinter.broadcast_in_dim %one, dims = [] : (tensor<f32>) -> tensor<4xf32>
      %dx = sinter.mul %g, %e : tensor<4xf32>
      return %l, %dx : tensor<f32>, tensor<4xf32>
    }
    ```
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"",
           "the function to differentiate (default: the only public one)">,
    ListOption<"wrt", "wrt", "std::string",
               "the arguments to differentiate with respect to, by name "
               "(default: every float argument)">
  ];
  let dependentDialects = ["sinter::SinterDialect"];
}

def LiftParametersPass : Pass<"sinter-lift-parameters", "mlir::ModuleOp"> {
  let summary = "Named float constants (parameters) become function arguments";
  let description = [{
    Turns a model's weights into trainable state: each `sinter.constant`
    with a `sinter.name` (a parameter, as the GraphBuilder writes them) and
    a float element type, in a public function, becomes an argument
    appended after the existing ones, in program order, with the argument
    attributes `sinter.name = <the parameter's name>` and `sinter.parameter`.
    Integer constants and unnamed constants stay constants. `names` limits
    it to the parameters listed (the rest stay frozen as constants); a name
    listed but not found, or a parameter whose name an argument already
    has, is an error. The initial values leave the IR with the constants;
    the C++ entry point (`liftParameters`, LiftParameters.h) returns them
    for writing out.
  }];
  let options = [
    ListOption<"names", "names", "std::string",
               "the parameters to lift, by name (default: every named float "
               "constant)">
  ];
}

#endif // SINTER_TRANSFORMS_PASSES_TD
