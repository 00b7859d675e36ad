//===- Passes.td - Sinter's lowering passes ----------------*- tablegen -*-===//
//
// From the sinter dialect to upstream MLIR (SinterToLinalg/) and from
// bufferized linalg to CPU loops, kernels and the workspace (LinalgToCPU/).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_CONVERSION_PASSES_TD
#define SINTER_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSinterToLinalgPass
    : Pass<"sinter-convert-sinter-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower every sinter op to linalg, tensor, arith and math";
  let description = [{
    Composites other than `gelu` and `attention` are first rewritten into
    primitives (`sinter-decompose-composites{edge-safe}`: stable
    softmax/logsumexp that subtract the max and give zeros/-inf for fully
    masked rows, norms in f32 with statistics that neither cancel nor
    overflow); `gelu` lowers directly to one generic that computes its
    formula in f32, `attention` (fused or not) to a flash-attention loop
    nest whose hidden keys take no part in the products. Then each
    primitive becomes linalg on tensors:
    elementwise ops one `linalg.generic` each, `reduce` a generic with
    reduction iterators accumulating in f32, `matmul` `linalg.matmul` or
    `linalg.batch_matmul` with f32 accumulation, reshapes
    `tensor.collapse_shape`/`expand_shape`, slices `tensor.extract_slice`,
    gather a generic with clamped `tensor.extract`. f16 and bf16 stay the
    storage types; arithmetic widens to f32 inside each body.

    Before:
    ```mlir
    %r = sinter.add %a, %b : tensor<4x8xf32>
    ```
    After:
    ```mlir
    %e = tensor.empty() : tensor<4x8xf32>
    %r = linalg.generic {indexing_maps = [#id, #id, #id], ...}
        ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
      ^bb0(%x: f32, %y: f32, %o: f32):
        %s = arith.addf %x, %y : f32
        linalg.yield %s : f32
    } -> tensor<4x8xf32>
    ```
    Ops inside `sinter.fusion` regions are converted like the rest; the
    regions stay, for `sinter-lower-fusions` to make each one loop nest.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::vector::VectorDialect",
    "sinter::SinterDialect"
  ];
}

def LowerFusionsPass : Pass<"sinter-lower-fusions", "mlir::func::FuncOp"> {
  let summary = "Each sinter.fusion region (converted to linalg) becomes one "
                "loop nest";
  let description = [{
    Runs after `sinter-convert-sinter-to-linalg`, which converts the ops
    inside fusion regions to linalg on tensors like any other op. Per kind:
    - every region but `attention`: each linalg op other than a matmul
      becomes a `linalg.generic`, and producers fuse into their consumers
      (an elementwise chain with its broadcasts and transposes is one
      generic; a softmax or a norm one generic per reduction plus one for
      the output, recomputing their cheap producers);
    - `loop` with several results (`sibling`): one generic with a result per
      sibling, reading their common inputs once;
    - `reduction`: tiled by rows (an `scf.forall`, tile size 1 on every
      parallel loop outside the row) with the producers fused into the tile,
      so a row's reductions and output are computed while it is in cache;
      and, with `reciprocal`, `x / r` with r constant along the row becomes
      `x * (1 / r)`;
    - `epilogue`: the generic reading the matmul is marked
      `sinter.matmul_epilogue`, for the matmul kernel to apply it to its
      accumulators;
    - `attention`: already a flash loop nest; the region is inlined.
    Then each region is inlined into its parent.

    Numerics: fusion moves values from buffers into registers and recomputes
    cheap producers, which gives bitwise the values they would have stored.
    The one formula it changes is the reciprocal rewrite: `x * (1 / r)`
    rounds twice where `x / r` rounds once, at most about 1.5 ulp apart
    (relative error below 2^-23 + 2^-24), inside every reduction kind's
    tolerance; `reciprocal=false` keeps the division (one per element).
  }];
  let options = [
    Option<"rowBuffers", "row-buffers", "bool", "true",
           "in a reduction fusion, compute an expensive value read twice "
           "(the exps of a softmax) once into a per-row buffer; false "
           "recomputes it instead (the GPU, where the buffer would take "
           "shared memory and exp is cheap)">,
    Option<"reciprocal", "reciprocal", "bool", "true",
           "in a reduction fusion, divide by a row constant as a "
           "multiplication by its reciprocal (one division per row)">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect"
  ];
}

def CPULowerAttentionPass
    : Pass<"sinter-cpu-lower-attention", "mlir::func::FuncOp"> {
  let summary = "Each sinter.attention becomes a register-blocked "
                "flash-attention loop nest";
  let description = [{
    Runs before `sinter-convert-sinter-to-linalg` on the CPU path. Every
    `sinter.attention`, in an `attention` fusion or alone, becomes the loop
    nest FlashAttention computes: an `scf.forall` over (batch, head, tile of
    queries) whose key loop keeps an online softmax, so the S x T scores
    never exist. The two tile products keep rows of the result in vector
    registers while the shared dimension is walked. Causal tiles past the
    last visible key are skipped, and a hidden key's value is selected away
    rather than multiplied by 0. Ops around the attention are left as they
    are.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect", "mlir::vector::VectorDialect"
  ];
}

def CPUMatmulToVectorPass
    : Pass<"sinter-cpu-matmul-to-vector", "mlir::ModuleOp"> {
  let summary = "Tile linalg.matmul/batch_matmul on memrefs for the caches "
                "and registers, as vector FMAs";
  let description = [{
    Replaces each bufferized `linalg.matmul` and `linalg.batch_matmul` whose
    accumulator is f32 by a loop nest that keeps an `mr x (nr * vw)` block of
    C in vector registers (vw = the target's f32 vector width) while it walks
    K, broadcasting one element of A and loading contiguous vectors of B per
    step: `mr * nr` `vector.fma` per `nr` loads. Around it, K is blocked by
    `kc` and N by `nc` so the panel of B being reused stays in L2, and the
    outermost loop over row blocks of M is an `scf.parallel` the kernel
    outliner turns into a thread-pool task. Shapes are static, so the edge
    blocks get their own specialised kernels (fewer rows, fewer vectors, a
    masked last vector) rather than a scalar tail. f16/bf16 inputs are
    widened to f32 as they are loaded. When B is a constant (a weight), it
    is packed here, at compile time, into a new constant global (a module
    pass for that reason); otherwise a packing loop runs before the kernel.

    Before:
    ```mlir
    linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>)
                  outs(%c : memref<64x64xf32>)
    ```
    After (abridged):
    ```mlir
    scf.parallel (%mb) = (%c0) to (%c11) step (%c1) {
      scf.for %k = ... iter_args(%acc0 = ..., %acc23 = ...) {
        %b0 = vector.load %b[%k, %n] : memref<64x64xf32>, vector<16xf32>
        %a0 = memref.load %a[%m, %k] : memref<64x64xf32>
        %s0 = vector.broadcast %a0 : f32 to vector<16xf32>
        %f0 = vector.fma %s0, %b0, %acc0 : vector<16xf32>
        ...
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", "16",
           "f32 lanes per vector register (16 for AVX-512, 8 for AVX2)">,
    Option<"rowsPerKernel", "mr", "int64_t", "6",
           "rows of C held in registers">,
    Option<"vectorsPerRow", "nr", "int64_t", "4",
           "vector registers of C per row">,
    Option<"kBlock", "kc", "int64_t", "256", "K block (B panel rows kept in L2)">,
    Option<"nBlock", "nc", "int64_t", "512", "N block (B panel columns)">,
    Option<"rowsPerTask", "rows-per-task", "int64_t", "48",
           "rows of C per parallel task (which also covers one block of nc columns)">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect", "mlir::vector::VectorDialect"
  ];
}

def CPULowerCopiesPass : Pass<"sinter-cpu-lower-copies", "mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy as a linalg.generic copy";
  let description = [{
    `memref.copy` between non-contiguous memrefs lowers to a call into MLIR's
    C runner library, which compiled artifacts do not link. As a generic it
    becomes a loop nest like every other op (and is outlined and vectorized
    with them). A copy of a buffer onto itself (the same value) is dropped.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def CPUPromoteLoopBuffersPass
    : Pass<"sinter-cpu-promote-loop-buffers", "mlir::func::FuncOp"> {
  let summary = "Buffers allocated inside loops go on the stack, per iteration";
  let description = [{
    Fused kernels (row reductions, flash attention) allocate small per-tile
    buffers inside their loops. Planning them into the shared workspace
    would make the iterations of a parallel loop, which run on different
    threads, share one buffer. Each such `memref.alloc` becomes a
    `memref.alloca` marked `sinter.loop_buffer`, which
    `sinter-outline-kernels` hoists to the entry of the kernel function
    that runs the loop (one per call, so one per thread). Buffers of one
    loop nest that add up to more than `max-bytes`, or that are passed on to
    the next iteration, are errors naming the buffer.

    Before:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %t = memref.alloc() : memref<16xf32>
      ...
    }
    ```
    After:
    ```mlir
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %t = memref.alloca() {sinter.loop_buffer} : memref<16xf32>
      ...
    }
    ```
  }];
  let options = [
    Option<"maxBytes", "max-bytes", "int64_t", /*default=*/"1048576",
           "the most bytes of buffers inside one top-level loop nest">
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def PlanWorkspacePass : Pass<"sinter-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Place every buffer in one workspace arena (liveness-based)";
  let description = [{
    After bufferization, each `memref.alloc` in a public function (all static)
    is replaced by a `memref.view` into a new trailing argument
    `memref<Nxi8>`, the workspace the runtime allocates once per execution
    context. A buffer is live from its allocation to the last use of it or of
    any view derived from it, in program order; buffers whose live ranges
    overlap get disjoint, `alignment`-aligned byte ranges, placed greedily
    largest first at the lowest offset that fits (the arena planner of
    TFLite). N is recorded as `sinter.workspace_bytes` on the function.

    Before:
    ```mlir
    func.func @f(%a: memref<64xf32>, %out: memref<64xf32>) {
      %t = memref.alloc() : memref<64xf32>
      ...
    ```
    After:
    ```mlir
    func.func @f(%a: memref<64xf32>, %out: memref<64xf32>, %ws: memref<256xi8>)
        attributes {sinter.workspace_bytes = 256 : i64} {
      %c0 = arith.constant 0 : index
      %t = memref.view %ws[%c0][] : memref<256xi8> to memref<64xf32>
      ...
    ```
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "64",
           "byte alignment of every buffer (a cache line)">
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def CPUOutlineKernelsPass : Pass<"sinter-cpu-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outline each top-level loop nest into a kernel function, "
                "run the large parallel ones on the runtime's thread pool";
  let description = [{
    Every top-level `scf.parallel`/`scf.for` nest of a public function
    becomes a private function `@<fn>_kernel<i>(%begin, %end, buffers...)`
    whose buffer arguments are distinct (so they are marked `noalias` and
    LLVM vectorizes and keeps accumulators in registers). The function gains
    a trailing `!llvm.ptr` argument, the ABI environment
    (`sinter_abi_environment_t`). A parallel nest whose work exceeds
    `min-parallel-work` iterations is launched through the environment's
    `parallel_for` with a task trampoline `@<fn>_kernel<i>_task(ctx, begin,
    end)` that reads the buffers' base pointers from a context array; with
    no environment it runs on the calling thread. The other nests are called
    directly over their whole range.
  }];
  let options = [
    Option<"minParallelWork", "min-parallel-work", "int64_t", "32768",
           "innermost iterations below which a nest runs on one thread">
  ];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect", "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect"
  ];
}

def CPUMarkKernelArgsNoAliasPass
    : Pass<"sinter-cpu-mark-kernel-args-noalias", "mlir::ModuleOp"> {
  let summary = "Put llvm.noalias on the pointer arguments of kernel functions";
  let description = [{
    Runs after conversion to the LLVM dialect: every `llvm.func` carrying
    `sinter.kernel` gets `llvm.noalias` on each pointer argument. The kernel
    outliner guarantees that the buffers passed to a kernel do not overlap.
  }];
}


def PrepareBufferizationPass
    : Pass<"sinter-prepare-bufferization", "mlir::ModuleOp"> {
  let summary = "Make public functions' inputs read-only and results distinct";
  let description = [{
    Inputs of a compiled model are caller-owned and const: one-shot
    bufferization must never write into them in place. This pass makes
    each tensor argument of every public function a memref (identity
    layout), read through a non-writable `bufferization.to_tensor restrict`,
    so bufferization copies where it would otherwise reuse an input's
    buffer. (Not `bufferization.writable = false` on the arguments: one-shot
    bufferization removes that attribute one argument at a time, quadratic
    in the number of arguments.) A public function that another function
    calls is an error. A returned input, or a value returned twice, is copied
    into a fresh tensor (`bufferization.alloc_tensor() copy(...)`), so each
    result becomes its own output buffer.

    A result with `sinter.aliases_input = "x"` overwrites input `x`: that
    input is read through a *writable* `to_tensor`, and the result is
    returned through `bufferization.materialize_in_destination` into it.
    One-shot analysis then computes the result in the input's buffer where
    no later read of the old value conflicts, and copies where one does;
    `sinter-drop-in-place-results` removes the result afterwards.

    ```mlir
    func.func @step(%w: tensor<4xf32> {sinter.name = "w"}, %g: tensor<4xf32>)
        -> (tensor<4xf32> {sinter.aliases_input = "w"}) {
      %n = sinter.sub %w, %g : tensor<4xf32>
      return %n : tensor<4xf32>
    }
    // becomes
    func.func @step(%w: memref<4xf32> {sinter.name = "w"}, %g: memref<4xf32>)
        -> (tensor<4xf32> {sinter.aliases_input = "w"}) {
      %0 = bufferization.to_tensor %w restrict writable : memref<4xf32>
      %1 = bufferization.to_tensor %g restrict : memref<4xf32>
      %n = sinter.sub %0, %1 : tensor<4xf32>
      %r = bufferization.materialize_in_destination %n in %0
          : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      return %r : tensor<4xf32>
    }
    ```

    CSE leaves one `tensor.empty` per type, feeding the `outs` of every op of
    that type; one-shot analysis is cubic in the users of such a value. The
    users of each `tensor.empty` are split, in program order, into runs of at
    most `max-empty-users`, each run after the first with its own copy of
    the empty placed before its first user. Buffer reuse inside a run is
    kept; a graph whose empties have fewer users is unchanged.

    ```mlir
    %e = tensor.empty() : tensor<4xf32>      // 3 users, max-empty-users=2
    %0 = linalg.generic ... outs(%e ...)
    %1 = linalg.generic ... outs(%e ...)
    %e2 = tensor.empty() : tensor<4xf32>     // the third user's own
    %2 = linalg.generic ... outs(%e2 ...)
    ```
  }];
  let options = [
    Option<"maxEmptyUsers", "max-empty-users", "unsigned", "64",
           "the most users one tensor.empty keeps (bounds the cost of "
           "one-shot analysis; the models today have at most 60)">,
  ];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def DropInPlaceResultsPass
    : Pass<"sinter-drop-in-place-results", "mlir::ModuleOp"> {
  let summary = "Remove the results bufferization wrote into their inputs";
  let description = [{
    After one-shot bufferization, a public function's result that carries
    `sinter.aliases_input` is the memref argument of the input it
    overwrites (see `sinter-prepare-bufferization`). This pass removes
    those results, so the remaining ones become out-params and the entry
    takes no buffer for an output written in place. A result with the
    attribute that is anything else is an error (it would be lost). An
    ordinary result that is (a view of) an argument then gets a buffer of
    its own and a copy, as the out-param convention needs.

    ```mlir
    func.func @step(%w: memref<4xf32>, ...) -> (memref<4xf32> {sinter.aliases_input = "w"}) {
      ...
      return %w : memref<4xf32>
    }
    // becomes
    func.func @step(%w: memref<4xf32>, ...) {
      ...
      return
    }
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def CPUApproximateMathPass
    : Pass<"sinter-cpu-approximate-math", "mlir::ModuleOp"> {
  let summary = "Replace transcendental math ops by polynomial approximations";
  let description = [{
    exp, log, tanh, erf (and pow, through exp and log) on f32 scalars and
    vectors become MLIR's polynomial approximations: plain FMAs, compares
    and bit casts that LLVM vectorizes, instead of libm calls that it cannot
    and that an artifact would have to link. Accuracy is a few ulp, inside
    the f32 tolerance the end-to-end tests hold compiled code to. pow is
    expanded first as exp(y log|x|) with C99's special cases (MLIR's own
    expansion squares x, which underflows and overflows), and log scales
    subnormal inputs into the normal range first (MLIR's approximation
    reads the exponent field and would give log(2^-126) for all of them).
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}


def CPULegalizeBF16Pass : Pass<"sinter-cpu-legalize-bf16", "mlir::ModuleOp"> {
  let summary = "bf16 conversions as integer ops; bf16 values selected as "
                "bits; f16 max/min as selects";
  let description = [{
    Turns every bf16 conversion into integer arithmetic (arith's bf16
    expansion, with ceil/floor divisions expanded too; `arith-expand` itself
    is not run, because its compare-and-select form of `maximumf` stops LLVM
    from vectorizing max reductions). The only bf16 computation left is then
    `arith.select` (its NaN fix-up among them). LLVM's x86 backend promotes a bf16 select to f32 on
    CPUs without AVX512-BF16 and calls `__truncsfbf2`, which this
    toolchain's libgcc does not have. Selecting the 16-bit patterns instead
    is exact and needs no library.

    A `maximumf`/`minimumf` of f16 values, or of f16 values widened to f32
    (which LLVM's InstCombine narrows back to f16), becomes compares and
    selects of the bit patterns: LLVM 19's x86 lowering of an f16 maximum
    without AVX512-FP16 gives max(0, NaN) = 0. A NaN operand gives a quiet
    NaN; equal operands give the AND (max) or OR (min) of their bits, so
    +0 > -0 as `maximumf` specifies.

    ```mlir
    %r = arith.select %c, %a, %b : vector<8xbf16>
    // becomes
    %ai = arith.bitcast %a : vector<8xbf16> to vector<8xi16>
    %bi = arith.bitcast %b : vector<8xbf16> to vector<8xi16>
    %ri = arith.select %c, %ai, %bi : vector<8xi1>, vector<8xi16>
    %r = arith.bitcast %ri : vector<8xi16> to vector<8xbf16>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

//===----------------------------------------------------------------------===//
// GPU: sinter/linalg -> gpu.launch kernels (SinterToGPU/, LinalgToGPU/)
//===----------------------------------------------------------------------===//

def GPULowerAttentionPass
    : Pass<"sinter-gpu-lower-attention", "mlir::func::FuncOp"> {
  let summary = "Each attention fusion becomes a flash-attention GPU kernel";
  let description = [{
    Replaces every `sinter.fusion` of kind `attention` by a `gpu.launch` of a
    flash-attention kernel on the buffers of its operands
    (`bufferization.to_memref` in, a fresh buffer wrapped by
    `bufferization.to_tensor restrict writable` out), so that the scores
    never exist in memory: one block per (query tile, head, batch), one
    thread per query row holding its query and its output accumulator in
    registers; for each tile of keys the block stages K and V in shared
    memory, each thread computes its row's scores into shared memory, then
    an online softmax rescales the accumulator once per tile. Causal blocks
    stop at their last visible key, and a hidden key's value is selected
    away rather than multiplied by 0 (a NaN there does not leak). An
    attention outside any fusion (`--fusion` without `attention`) takes the
    same kernel, alone. Head dimensions up to 128 take the kernel (ptxas,
    sm_90: 246 registers and no spills at 96, 80-byte spills at 128, 2 KB
    at 256); above 128, or past 65535 heads or batches (the grid), the
    attention is decomposed here, with a remark: an edge-safe softmax, and
    when causal, P.V as a contraction that selects hidden keys away, so a
    NaN or inf in a future value does not leak there either.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
    "mlir::gpu::GPUDialect", "mlir::linalg::LinalgDialect",
    "mlir::math::MathDialect", "mlir::tensor::TensorDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"
  ];
}

def GPUMapKernelsPass : Pass<"sinter-gpu-map-kernels", "mlir::ModuleOp"> {
  let summary = "Each top-level bufferized loop nest becomes a gpu.launch";
  let description = [{
    Maps the kernels of the bufferized entry function to the GPU:
    all-parallel generics one thread per point (coalesced: the innermost
    loop varies fastest across a warp); generics with reductions one block
    per output with a block reduction (warp shuffles, then shared memory),
    or one thread per output for short or non-associative reductions; the
    `scf.forall` over rows of a reduction fusion one block per row, its
    generics run by the whole block one after the other with barriers
    between, its row buffers in shared memory; matmuls as a shared-memory
    tiled kernel (64x64 tiles of C, 4x4 per thread) that also applies the
    elementwise epilogue marked `sinter.matmul_epilogue` right after it, and
    overwrites C when a zero fill of C (or a copy of a zero-filled buffer)
    precedes it with nothing touching C in between. Copies and other named
    ops are generalized first. An op with no GPU kernel is an error.
  }];
  let dependentDialects = [
    "mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
    "mlir::gpu::GPUDialect", "mlir::math::MathDialect",
    "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"
  ];
}

def GPUSinkIntoLaunchesPass
    : Pass<"sinter-gpu-sink-into-launches", "mlir::ModuleOp"> {
  let summary = "Move views and constants into the launches that use them";
  let description = [{
    A GPU artifact has no host code: kernels get the base pointers of the
    entry function's buffers (inputs, outputs, workspace) and nothing else.
    Constants, views (subviews, reshapes, workspace views) and constant
    globals' addresses a launch uses are cloned into it; a launch that still
    captures anything but an entry argument is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def GPUOutlineKernelsPass
    : Pass<"sinter-gpu-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Launches become kernels of one gpu.module per entry";
  let description = [{
    Each `gpu.launch` becomes a `gpu.func` kernel `<entry>_<i>_<kind>` in the
    module `<entry>_kernels` and a `gpu.launch_func` in its place; the
    constant globals kernels read are copied into the module. One module
    means one PTX image per artifact.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect"];
}

def GPUExtractConstantsPass
    : Pass<"sinter-gpu-extract-constants", "mlir::ModuleOp"> {
  let summary = "Constant globals become views of one constants buffer";
  let description = [{
    Every constant global a public function reads gets an offset (64-byte
    aligned) in one `memref<Nxi8>` buffer the function takes as a new last
    argument; each `memref.get_global` becomes a `memref.view` of it. The
    globals stay in the module with a `sinter.constant_offset` attribute,
    the function gets `sinter.constant_bytes`; the artifact writer copies
    the globals' bytes into the artifact and the runtime uploads them once
    per model, instead of the weights being PTX text.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

#endif // SINTER_CONVERSION_PASSES_TD
