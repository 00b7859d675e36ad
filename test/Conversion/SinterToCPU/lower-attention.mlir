// RUN: sinter-opt %s --sinter-cpu-lower-attention --sinter-convert-sinter-to-linalg --sinter-lower-fusions | FileCheck %s
// RUN: sinter-opt %s --sinter-cpu-lower-attention | FileCheck %s --check-prefix=ALONE
// RUN: not sinter-opt %s --sinter-convert-sinter-to-linalg 2>&1 | FileCheck %s --check-prefix=LEFT
// RUN: sinter-opt %s --split-input-file --sinter-cpu-lower-attention | FileCheck %s --check-prefix=BACKWARD

// sinter-cpu-lower-attention rewrites the attention (in its fusion or alone)
// and nothing else; the conversion after it lowers the rest.
// ALONE-LABEL: func.func @attention
// ALONE: sinter.fusion attention
// ALONE: scf.forall
// ALONE-NOT: sinter.attention
// ALONE-LABEL: func.func @alone_with_neighbours
// ALONE: sinter.exp
// ALONE: scf.forall
// ALONE-NOT: sinter.attention
// ALONE: sinter.neg

// An attention the CPU pass did not lower is an error of the conversion,
// naming it (each target lowers attention with its own kernel first).
// LEFT: error: 'sinter.attention' has no lowering here: a target's own flash kernel lowers it before sinter-convert-sinter-to-linalg

// Flash attention: a forall over (batch, head, query tile of 64), a loop
// over key tiles of 64 carrying the running max, sum and accumulator, and
// no S x T tensor anywhere. Causal: the key loop's bound depends on the
// query tile.
// CHECK-LABEL: func.func @attention
// CHECK: scf.forall (%[[B:.*]], %[[H:.*]], %[[T:.*]]) in (1, 2, 2)
// CHECK: arith.minsi
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x16xf32>)
// CHECK-NOT: tensor<128x128xf32>
// CHECK: scf.yield
// CHECK: tensor.parallel_insert_slice {{.*}} : tensor<64x16xf32> into tensor<1x2x128x16xf32>
func.func @attention(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %r = sinter.fusion attention (%q, %k, %v) : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  ^bb0(%x: tensor<1x2x128x16xf32>, %y: tensor<1x2x128x16xf32>, %z: tensor<1x2x128x16xf32>):
    %o = sinter.attention %x, %y, %z scale = 0.25 causal : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32> -> tensor<1x2x128x16xf32>
    sinter.yield %o : tensor<1x2x128x16xf32>
  }
  return %r : tensor<1x2x128x16xf32>
}

// Outside any fusion the attention takes the same loop nest.
// CHECK-LABEL: func.func @alone_with_neighbours
// CHECK: math.exp
// CHECK: scf.forall
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (tensor<64xf32>, tensor<64xf32>, tensor<64x16xf32>)
// CHECK-NOT: sinter.
// CHECK: return
func.func @alone_with_neighbours(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %e = sinter.exp %q : tensor<1x2x128x16xf32>
  %o = sinter.attention %e, %k, %v scale = 0.25 : tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32> -> tensor<1x2x128x16xf32>
  %n = sinter.neg %o : tensor<1x2x128x16xf32>
  return %n : tensor<1x2x128x16xf32>
}

// -----

// The backward: two foralls (query tiles: dQ and the row statistics; key
// tiles: dK and dV), scf.for loops over tiles of 64, and no S x T (here
// 128 x 256) tensor anywhere.
// BACKWARD-LABEL: func.func @attention_backward
// BACKWARD: scf.forall
// BACKWARD: scf.for
// BACKWARD: scf.forall
// BACKWARD: scf.for
// BACKWARD-NOT: 128x256
// BACKWARD-NOT: 256x128
// BACKWARD: return
func.func @attention_backward(%q: tensor<1x2x128x32xf32>, %k: tensor<1x2x256x32xf32>, %v: tensor<1x2x256x16xf32>, %o: tensor<1x2x128x16xf32>, %do: tensor<1x2x128x16xf32>)
    -> (tensor<1x2x128x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x16xf32>) {
  %dq, %dk, %dv = sinter.attention_backward %q, %k, %v, %o, %do scale = 0.125 causal : tensor<1x2x128x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x16xf32>, tensor<1x2x128x16xf32> -> tensor<1x2x128x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x16xf32>
  return %dq, %dk, %dv : tensor<1x2x128x32xf32>, tensor<1x2x256x32xf32>, tensor<1x2x256x16xf32>
}
