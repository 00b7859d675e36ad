// RUN: sinter-opt %s -split-input-file -sinter-cpu-matmul-to-vector="vector-width=16 mr=6 nr=4 rows-per-task=48" | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-cpu-matmul-to-vector="vector-width=4 mr=2 nr=1 rows-per-task=2" | FileCheck %s --check-prefix=SMALL
// RUN: not sinter-opt %s -sinter-cpu-matmul-to-vector="vector-width=0" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: sinter-cpu-matmul-to-vector: every tile size must be positive

// 64 x 64 x 64 with 16 lanes, 6 x 4 registers: the row tasks of 48 rows are
// an scf.parallel of 2; each full kernel keeps 6 x 4 vectors of C in
// iter_args while K is walked, loading 4 vectors of B (from B or its packed
// panel, see @packed_b) and broadcasting one element of A per row; the 4
// leftover rows (64 = 10 * 6 + 4) get their own 4 x 4 kernel, run only by
// the last task.
// CHECK-LABEL: func.func @matmul_64
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<64x64xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<64x64xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<64x64xf32>)
// CHECK-NOT: linalg.matmul
// CHECK: %[[TASKS:.*]] = arith.constant 2 : index
// CHECK: scf.parallel (%[[T:[a-zA-Z0-9_]+]]) = (%{{.*}}) to (%[[TASKS]]) step (%{{.*}}) {
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: %[[C0:.*]] = vector.load %[[C]][%{{.*}}, %{{.*}}] : memref<64x64xf32>, vector<16xf32>
// CHECK: %[[ACC:.*]]:24 = scf.for %[[K:[a-zA-Z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC0:[a-zA-Z0-9_]+]] = %[[C0]],
// CHECK: %[[B0:.*]] = vector.load %{{[a-zA-Z0-9_]+}}[{{.*}}%[[K]], %{{.*}}] : memref<{{.*}}xf32>, vector<16xf32>
// CHECK: %[[A0:.*]] = memref.load %[[A]][%{{.*}}, %[[K]]] : memref<64x64xf32>
// CHECK: %[[S0:.*]] = vector.broadcast %[[A0]] : f32 to vector<16xf32>
// CHECK: %[[F0:.*]] = vector.fma %[[S0]], %[[B0]], %[[ACC0]] : vector<16xf32>
// CHECK: scf.yield %[[F0]],
// CHECK: vector.store %[[ACC]]#0, %[[C]][%{{.*}}, %{{.*}}] : memref<64x64xf32>, vector<16xf32>
// CHECK: scf.if %[[LAST]] {
// CHECK: %{{.*}}:16 = scf.for
// CHECK: vector.fma
// CHECK-NOT: vector.maskedload
// CHECK: return
func.func @matmul_64(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  linalg.matmul ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  return
}

// -----

// With enough rows (M >= 2 mr) the full-width column tiles of B are first
// copied into a contiguous [tile][k][nr * vw] panel, which the kernel then
// streams.
// SMALL-LABEL: func.func @packed_b
// SMALL-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4x3xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<3x8xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<4x8xf32>)
// SMALL: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x3x4xf32>
// SMALL: scf.parallel (%{{[a-zA-Z0-9_]+}}, %[[TILE:[a-zA-Z0-9_]+]]) =
// SMALL: scf.for %[[PK:[a-zA-Z0-9_]+]] =
// SMALL: %[[V:.*]] = vector.load %[[B]][%[[PK]], %{{.*}}] : memref<3x8xf32>, vector<4xf32>
// SMALL: vector.store %[[V]], %[[P]][%[[TILE]], %[[PK]], %{{.*}}] : memref<2x3x4xf32>, vector<4xf32>
// SMALL: scf.parallel
// SMALL: scf.for %[[K:[a-zA-Z0-9_]+]] = {{.*}} iter_args
// SMALL: %[[BV:.*]] = vector.load %[[P]][%{{.*}}, %[[K]], %{{.*}}] : memref<2x3x4xf32>, vector<4xf32>
// SMALL: vector.fma %{{.*}}, %[[BV]], %{{.*}} : vector<4xf32>
func.func @packed_b(%a: memref<4x3xf32>, %b: memref<3x8xf32>, %c: memref<4x8xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x8xf32>) outs(%c : memref<4x8xf32>)
  return
}

// -----

// N = 6 with 4 lanes: one full vector, then a last vector of 2 lanes read and
// written under a constant mask (no scalar tail).
// SMALL-LABEL: func.func @masked_tail
// SMALL-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4x3xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<3x6xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<4x6xf32>)
// SMALL: vector.load %[[C]]
// SMALL: vector.store
// SMALL: %[[M:.*]] = vector.constant_mask [2] : vector<4xi1>
// SMALL: %[[PASS:.*]] = arith.constant dense<0.000000e+00> : vector<4xf32>
// SMALL: %[[CV:.*]] = vector.maskedload %[[C]][%{{.*}}, %{{.*}}], %[[M]], %[[PASS]] : memref<4x6xf32>, vector<4xi1>, vector<4xf32> into vector<4xf32>
// SMALL: scf.for
// SMALL: vector.maskedload %[[B]][%{{.*}}, %{{.*}}], %{{.*}}, %{{.*}} : memref<3x6xf32>, vector<4xi1>, vector<4xf32> into vector<4xf32>
// SMALL: vector.fma
// SMALL: %[[SM:.*]] = vector.constant_mask [2] : vector<4xi1>
// SMALL: vector.maskedstore %[[C]][%{{.*}}, %{{.*}}], %[[SM]], %{{.*}} : memref<4x6xf32>, vector<4xi1>, vector<4xf32>
// SMALL-NOT: linalg.matmul
func.func @masked_tail(%a: memref<4x3xf32>, %b: memref<3x6xf32>, %c: memref<4x6xf32>) {
  linalg.matmul ins(%a, %b : memref<4x3xf32>, memref<3x6xf32>) outs(%c : memref<4x6xf32>)
  return
}

// -----

// batch_matmul: the tasks cover batches x row blocks x column blocks (3 x 2
// blocks of 2 rows for M = 3, one column block); the batch is
// (task / column tasks) / row tasks and indexes every access. Too few rows
// to pack B.
// SMALL-LABEL: func.func @batched
// SMALL-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<3x3x2xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<3x2x8xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<3x3x8xf32>)
// SMALL-NOT: memref.alloc
// SMALL: %[[N:.*]] = arith.constant 6 : index
// SMALL: scf.parallel (%[[T:[a-zA-Z0-9_]+]]) = (%{{.*}}) to (%[[N]])
// SMALL: %[[REST:.*]] = arith.divui %[[T]], %{{.*}} : index
// SMALL: %[[RT:.*]] = arith.constant 2 : index
// SMALL: %[[BATCH:.*]] = arith.divui %[[REST]], %[[RT]] : index
// SMALL: vector.load %[[C]][%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x3x8xf32>, vector<4xf32>
// SMALL: scf.for
// SMALL: vector.load %[[B]][%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x2x8xf32>, vector<4xf32>
// SMALL: memref.load %[[A]][%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x3x2xf32>
// SMALL: vector.store %{{.*}}, %[[C]][%[[BATCH]], %{{.*}}, %{{.*}}]
// SMALL-NOT: linalg.batch_matmul
func.func @batched(%a: memref<3x3x2xf32>, %b: memref<3x2x8xf32>, %c: memref<3x3x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x3x2xf32>, memref<3x2x8xf32>) outs(%c : memref<3x3x8xf32>)
  return
}

// -----

// bf16 inputs widen as they are loaded: vectors of B and scalars of A.
// SMALL-LABEL: func.func @bf16_inputs
// SMALL: scf.for
// SMALL: %[[BV:.*]] = vector.load %{{.*}} : memref<2x4xbf16>, vector<4xbf16>
// SMALL: %[[BW:.*]] = arith.extf %[[BV]] : vector<4xbf16> to vector<4xf32>
// SMALL: %[[AS:.*]] = memref.load %{{.*}} : memref<2x2xbf16>
// SMALL: %[[AW:.*]] = arith.extf %[[AS]] : bf16 to f32
// SMALL: %[[AB:.*]] = vector.broadcast %[[AW]] : f32 to vector<4xf32>
// SMALL: vector.fma %[[AB]], %[[BW]], %{{.*}} : vector<4xf32>
func.func @bf16_inputs(%a: memref<2x2xbf16>, %b: memref<2x4xbf16>, %c: memref<2x4xf32>) {
  linalg.matmul ins(%a, %b : memref<2x2xbf16>, memref<2x4xbf16>) outs(%c : memref<2x4xf32>)
  return
}

// -----

// Integer products keep the generic loop lowering.
// CHECK-LABEL: func.func @negative_integer
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<8x8xi32>, memref<8x8xi32>) outs(%{{.*}} : memref<8x8xi32>)
// CHECK-NOT: vector.
func.func @negative_integer(%a: memref<8x8xi32>, %b: memref<8x8xi32>, %c: memref<8x8xi32>) {
  linalg.matmul ins(%a, %b : memref<8x8xi32>, memref<8x8xi32>) outs(%c : memref<8x8xi32>)
  return
}

// -----

// A B whose rows are not contiguous cannot be loaded as vectors.
// CHECK-LABEL: func.func @negative_strided_b
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<8x8xf32>, memref<8x8xf32, strided<[1, 8]>>)
// CHECK-NOT: vector.
func.func @negative_strided_b(%a: memref<8x8xf32>, %b: memref<8x8xf32, strided<[1, 8]>>, %c: memref<8x8xf32>) {
  linalg.matmul ins(%a, %b : memref<8x8xf32>, memref<8x8xf32, strided<[1, 8]>>) outs(%c : memref<8x8xf32>)
  return
}

// -----

// Only bufferized matmuls: on tensors the pass does nothing.
// CHECK-LABEL: func.func @negative_tensors
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x8xf32>)
// CHECK-NOT: vector.
func.func @negative_tensors(%a: tensor<8x8xf32>, %b: tensor<8x8xf32>, %c: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<8x8xf32>, tensor<8x8xf32>) outs(%c : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

// A small matmul_transpose_b (B stored [N, K], K < 128: q k^T in
// attention): dot-product kernels of 4 x 4 blocks accumulate vectors along
// K and reduce each once; K = 37 leaves a masked tail of 5 lanes. No
// packing, no transpose.
// CHECK-LABEL: func.func @transpose_b
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<8x37xf32>, %[[BT:[a-zA-Z0-9_]+]]: memref<12x37xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<8x12xf32>)
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel
// CHECK: %{{.*}}:16 = scf.for
// CHECK: vector.load %[[A]][%{{.*}}, %{{.*}}] : memref<8x37xf32>, vector<16xf32>
// CHECK: vector.load %[[BT]][%{{.*}}, %{{.*}}] : memref<12x37xf32>, vector<16xf32>
// CHECK: vector.fma
// CHECK: vector.constant_mask [5] : vector<16xi1>
// CHECK: vector.maskedload %[[BT]]
// CHECK: vector.reduction <add>, %{{.*}} fastmath<reassoc,contract> : vector<16xf32> into f32
// CHECK: memref.load %[[C]]
// CHECK: memref.store %{{.*}}, %[[C]]
// CHECK-NOT: linalg.matmul_transpose_b
func.func @transpose_b(%a: memref<8x37xf32>, %bt: memref<12x37xf32>, %c: memref<8x12xf32>) {
  linalg.matmul_transpose_b ins(%a, %bt : memref<8x37xf32>, memref<12x37xf32>) outs(%c : memref<8x12xf32>)
  return
}

// -----

// A large transposed B (K >= 128, N a multiple of the 64-wide tile, enough
// rows: dY W^T in a backward pass) is transposed into the packed panels and
// runs the broadcast kernel: no dot products, no reductions.
// CHECK-LABEL: func.func @transpose_b_packed
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<12x128xf32>, %[[BT:[a-zA-Z0-9_]+]]: memref<64x128xf32>, %[[C:[a-zA-Z0-9_]+]]: memref<12x64xf32>)
// CHECK: %[[P:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x128x64xf32>
// CHECK: scf.parallel
// CHECK: %[[E:.*]] = memref.load %[[BT]][%{{.*}}, %{{.*}}] : memref<64x128xf32>
// CHECK: memref.store %[[E]], %[[P]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x128x64xf32>
// CHECK: vector.load %[[P]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x128x64xf32>, vector<16xf32>
// CHECK-NOT: vector.reduction
// CHECK-NOT: linalg.matmul_transpose_b
func.func @transpose_b_packed(%a: memref<12x128xf32>, %bt: memref<64x128xf32>, %c: memref<12x64xf32>) {
  linalg.matmul_transpose_b ins(%a, %bt : memref<12x128xf32>, memref<64x128xf32>) outs(%c : memref<12x64xf32>)
  return
}

// -----

// A constant B (a weight) is packed at compile time into a new constant
// global of [tiles, K, 64]: no packing loop, no allocation.
// CHECK: memref.global "private" constant @[[PACKED:.*]] : memref<1x2x64xf32> = dense_resource<{{.*}}> {alignment = 64 : i64}
// CHECK-LABEL: func.func @constant_weight
// CHECK-NOT: memref.alloc
// CHECK: %[[P:.*]] = memref.get_global @[[PACKED]] : memref<1x2x64xf32>
// CHECK: scf.parallel
// CHECK: vector.load %[[P]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<1x2x64xf32>, vector<16xf32>
memref.global "private" constant @weight : memref<2x64xf32> = dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0], [64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0]]> {alignment = 64 : i64}
func.func @constant_weight(%a: memref<16x2xf32>, %c: memref<16x64xf32>) {
  %w = memref.get_global @weight : memref<2x64xf32>
  linalg.matmul ins(%a, %w : memref<16x2xf32>, memref<2x64xf32>) outs(%c : memref<16x64xf32>)
  return
}

// -----

// An epilogue marked by fusion (bias + relu) is applied by each task to its
// block of C right after the K loop, on vectors (the last one masked), and
// written to the generic's output: the generic is gone.
// CHECK-LABEL: func.func @epilogue
// CHECK: scf.parallel
// CHECK: vector.fma
// CHECK: vector.create_mask
// CHECK: vector.maskedload %{{.*}}[%{{.*}}, %{{.*}}], {{.*}} : memref<32x128xf32>
// CHECK: vector.maskedload %{{.*}}[%{{.*}}], {{.*}} : memref<128xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.maskedstore %arg3
// CHECK-NOT: linalg.generic
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @epilogue(%a: memref<32x64xf32>, %b: memref<64x128xf32>, %bias: memref<128xf32>, %out: memref<32x128xf32>) {
  %c = memref.alloc() {alignment = 64 : i64} : memref<32x128xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<32x128xf32>)
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x128xf32>) outs(%c : memref<32x128xf32>)
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<32x128xf32>, memref<128xf32>) outs(%out : memref<32x128xf32>) attrs = {sinter.matmul_epilogue} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}
