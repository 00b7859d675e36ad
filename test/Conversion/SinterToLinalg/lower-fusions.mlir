// RUN: sinter-opt %s --sinter-convert-sinter-to-linalg --sinter-lower-fusions | FileCheck %s
// RUN: sinter-opt %s --sinter-cpu-lower-to-linalg | FileCheck %s --check-prefix=CSE
// RUN: sinter-opt %s --sinter-convert-sinter-to-linalg | FileCheck %s --check-prefix=CONVERTED
// RUN: sinter-opt %s --sinter-convert-sinter-to-linalg --sinter-lower-fusions=reciprocal=false | FileCheck %s --check-prefix=DIVIDE

// sinter-convert-sinter-to-linalg converts the ops inside a region and
// leaves the region; sinter-lower-fusions makes it one loop nest.
// CONVERTED-LABEL: func.func @loop
// CONVERTED: sinter.fusion loop
// CONVERTED-COUNT-3: linalg.generic
// CONVERTED: sinter.yield

// A loop fusion becomes one generic: the broadcast and the exp are read
// through its indexing maps and body, no intermediate tensor remains.
// CHECK-LABEL: func.func @loop
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @loop(%a: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %r = sinter.fusion loop (%a, %b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32> {
  ^bb0(%x: tensor<4x8xf32>, %y: tensor<8xf32>):
    %yb = sinter.broadcast_in_dim %y, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
    %s = sinter.add %x, %yb : tensor<4x8xf32>
    %e = sinter.exp %s : tensor<4x8xf32>
    sinter.yield %e : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}

// A reduction fusion is tiled by rows: an scf.forall over the 4 rows, each
// computing the row max, the row of exps (once, into a per-row buffer: exp
// is too expensive to recompute for both readers), their sum and the output
// row. After CSE the max is computed once per row.
// CHECK-LABEL: func.func @softmax
// CHECK: scf.forall (%{{.*}}) in (4)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}tensor<1x8xf32>{{.*}}tensor<1xf32>
// CHECK: scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice {{.*}} : tensor<1x8xf32> into tensor<4x8xf32>
// CSE-LABEL: func.func @softmax
// CSE: scf.forall
// CSE-COUNT-4: linalg.generic
// CSE-NOT: linalg.generic
// CSE: scf.forall.in_parallel
func.func @softmax(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = sinter.fusion reduction (%a) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%x: tensor<4x8xf32>):
    %s = sinter.softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
    sinter.yield %s : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}

// An epilogue fusion keeps the matmul and marks the generic that reads its
// result for the matmul kernel.
// CHECK-LABEL: func.func @epilogue
// CHECK: linalg.matmul
// CHECK: linalg.generic {{.*}} attrs = {sinter.matmul_epilogue}
func.func @epilogue(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %r = sinter.fusion epilogue (%a, %w, %b) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32> {
  ^bb0(%x: tensor<4x8xf32>, %y: tensor<8x16xf32>, %z: tensor<16xf32>):
    %m = sinter.matmul %x, %y : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %zb = sinter.broadcast_in_dim %z, dims = [1] : (tensor<16xf32>) -> tensor<4x16xf32>
    %s = sinter.add %m, %zb : tensor<4x16xf32>
    %g = sinter.relu %s : tensor<4x16xf32>
    sinter.yield %g : tensor<4x16xf32>
  }
  return %r : tensor<4x16xf32>
}

// A multi-output (sibling) loop fusion: the two elementwise chains over x
// become one generic with two results, so x is read once.
// CHECK-LABEL: func.func @siblings
// CHECK: %{{.*}}:2 = linalg.generic {{.*}} ins(%arg0 : tensor<64x64xf32>) outs(%{{.*}}, %{{.*}} : tensor<64x64xf32>, tensor<64x64xf32>)
// CHECK: math.exp
// CHECK: arith.negf
// CHECK: math.tanh
// CHECK: math.absf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @siblings(%x: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %r:2 = sinter.fusion loop (%x) : (tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  ^bb0(%a: tensor<64x64xf32>):
    %e = sinter.exp %a : tensor<64x64xf32>
    %n = sinter.neg %e : tensor<64x64xf32>
    %t = sinter.tanh %a : tensor<64x64xf32>
    %b = sinter.abs %t : tensor<64x64xf32>
    sinter.yield %n, %b : tensor<64x64xf32>, tensor<64x64xf32>
  }
  return %r#0, %r#1 : tensor<64x64xf32>, tensor<64x64xf32>
}

// A row divided by its sum: `x / r` with r constant along the row becomes
// `x * (1 / r)`, one division per row (LLVM hoists it out of the row loop);
// at most about 1.5 ulp from the division. reciprocal=false keeps it.
// CHECK-LABEL: func.func @normalize
// CHECK: scf.forall
// CHECK: arith.addf
// CHECK: ^bb0(%[[X:.*]]: f32, %[[R:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[INV:.*]] = arith.divf %{{.*}}, %[[R]] : f32
// CHECK-NEXT: arith.mulf %[[X]], %[[INV]] : f32
// DIVIDE-LABEL: func.func @normalize
// DIVIDE: ^bb0(%[[X:.*]]: f32, %[[R:.*]]: f32, %{{.*}}: f32):
// DIVIDE-NEXT: arith.divf %[[X]], %[[R]] : f32
// DIVIDE-NOT: arith.mulf
func.func @normalize(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = sinter.fusion reduction (%a) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%x: tensor<4x8xf32>):
    %s = sinter.reduce sum %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
    %b = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
    %d = sinter.div %x, %b : tensor<4x8xf32>
    sinter.yield %d : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}
