// RUN: sinter-opt %s -split-input-file -sinter-convert-sinter-to-linalg | FileCheck %s

// Data movement lowers to tensor ops that bufferize to views where they can
// (reshape, slice) and to generics/linalg named ops where data moves.

// A size-1 operand dimension broadcast to a larger one reads index 0; the
// others follow the dimension they map to.
// CHECK-DAG: #[[BMAP:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @broadcast_in_dim
// CHECK-SAME: (%[[B:[a-zA-Z0-9_]+]]: tensor<1x3xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<f32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x5x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[BMAP]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[B]] : tensor<1x3xf32>) outs(%[[E]] : tensor<2x5x3xf32>)
// CHECK-NEXT: ^bb0(%[[IN:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: %[[R2:.*]] = linalg.generic {indexing_maps = [#[[SCALAR]], #{{.*}}]
// CHECK-SAME: ins(%[[S]] : tensor<f32>)
// CHECK: return %[[R]], %[[R2]]
func.func @broadcast_in_dim(%b: tensor<1x3xf32>, %s: tensor<f32>) -> (tensor<2x5x3xf32>, tensor<2x2xf32>) {
  %0 = sinter.broadcast_in_dim %b, dims = [1, 2] : (tensor<1x3xf32>) -> tensor<2x5x3xf32>
  %1 = sinter.broadcast_in_dim %s, dims = [] : (tensor<f32>) -> tensor<2x2xf32>
  return %0, %1 : tensor<2x5x3xf32>, tensor<2x2xf32>
}

// -----

// A size-1 dimension that stays size 1 is not a broadcast: it keeps its
// dimension expression.
// CHECK: #[[KEEP:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @no_broadcast_of_unit_dim
// CHECK: linalg.generic {indexing_maps = [#[[KEEP]], #{{.*}}]
func.func @no_broadcast_of_unit_dim(%b: tensor<1x3xf32>) -> tensor<1x3x5xf32> {
  %0 = sinter.broadcast_in_dim %b, dims = [0, 1] : (tensor<1x3xf32>) -> tensor<1x3x5xf32>
  return %0 : tensor<1x3x5xf32>
}

// -----

// Row-major reshape: collapse to one dimension, then expand.
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<4x768xf16>, %[[V:[a-zA-Z0-9_]+]]: tensor<6xf32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1]] : tensor<4x768xf16> into tensor<3072xf16>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1, 2]] output_shape [4, 12, 64] : tensor<3072xf16> into tensor<4x12x64xf16>
// A rank-1 source needs no collapse, a rank-1 result no expand.
// CHECK-NOT: tensor.collapse_shape %[[V]]
// CHECK: %[[R2:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1]] output_shape [2, 3] : tensor<6xf32> into tensor<2x3xf32>
// CHECK: %[[R3:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1]] : tensor<4x768xf16> into tensor<3072xf16>
// CHECK-NOT: tensor.expand_shape %[[R3]]
// CHECK: return %[[R]], %[[R2]], %[[R3]]
func.func @reshape(%x: tensor<4x768xf16>, %v: tensor<6xf32>) -> (tensor<4x12x64xf16>, tensor<2x3xf32>, tensor<3072xf16>) {
  %0 = sinter.reshape %x : (tensor<4x768xf16>) -> tensor<4x12x64xf16>
  %1 = sinter.reshape %v : (tensor<6xf32>) -> tensor<2x3xf32>
  %2 = sinter.reshape %x : (tensor<4x768xf16>) -> tensor<3072xf16>
  return %0, %1, %2 : tensor<4x12x64xf16>, tensor<2x3xf32>, tensor<3072xf16>
}

// -----

// Rank 0 on either side: an empty reassociation.
// CHECK-LABEL: func.func @reshape_rank0
// CHECK-SAME: (%[[S:[a-zA-Z0-9_]+]]: tensor<1x1xi64>, %[[T:[a-zA-Z0-9_]+]]: tensor<i32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[S]] [] : tensor<1x1xi64> into tensor<i64>
// CHECK: %[[E:.*]] = tensor.expand_shape %[[T]] [] output_shape [1, 1, 1] : tensor<i32> into tensor<1x1x1xi32>
// CHECK: return %[[C]], %[[E]]
func.func @reshape_rank0(%s: tensor<1x1xi64>, %t: tensor<i32>) -> (tensor<i64>, tensor<1x1x1xi32>) {
  %0 = sinter.reshape %s : (tensor<1x1xi64>) -> tensor<i64>
  %1 = sinter.reshape %t : (tensor<i32>) -> tensor<1x1x1xi32>
  return %0, %1 : tensor<i64>, tensor<1x1x1xi32>
}

// -----

// A reshape to the same type is the operand itself.
// CHECK-LABEL: func.func @no_reshape_same_type
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[X]]
func.func @no_reshape_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = sinter.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x12x64xbf16>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x12x4x64xbf16>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<1x4x12x64xbf16>) outs(%[[E]] : tensor<1x12x4x64xbf16>) permutation = [0, 2, 1, 3]
// CHECK: return %[[T]]
func.func @transpose(%x: tensor<1x4x12x64xbf16>) -> tensor<1x12x4x64xbf16> {
  %0 = sinter.transpose %x, perm = [0, 2, 1, 3] : (tensor<1x4x12x64xbf16>) -> tensor<1x12x4x64xbf16>
  return %0 : tensor<1x12x4x64xbf16>
}

// -----

// offsets = start, sizes = the result's shape, strides as given.
// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<4x2304xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<10xi32>)
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[X]][0, 768] [4, 768] [1, 1] : tensor<4x2304xf32> to tensor<4x768xf32>
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[I]][1] [3] [3] : tensor<10xi32> to tensor<3xi32>
// CHECK: return %[[S0]], %[[S1]]
func.func @slice(%x: tensor<4x2304xf32>, %i: tensor<10xi32>) -> (tensor<4x768xf32>, tensor<3xi32>) {
  %0 = sinter.slice %x, start = [0, 768], limit = [4, 1536], strides = [1, 1] : (tensor<4x2304xf32>) -> tensor<4x768xf32>
  %1 = sinter.slice %i, start = [1], limit = [10], strides = [3] : (tensor<10xi32>) -> tensor<3xi32>
  return %0, %1 : tensor<4x768xf32>, tensor<3xi32>
}

// -----

// Each input lands at the running offset along the concatenated dimension.
// CHECK-LABEL: func.func @concatenate
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<2x3xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<2x5xf32>, %[[C:[a-zA-Z0-9_]+]]: tensor<2x1xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x9xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x9xf32>
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][0, 3] [2, 5] [1, 1] : tensor<2x5xf32> into tensor<2x9xf32>
// CHECK: %[[I2:.*]] = tensor.insert_slice %[[C]] into %[[I1]][0, 8] [2, 1] [1, 1] : tensor<2x1xf32> into tensor<2x9xf32>
// CHECK: return %[[I2]]
func.func @concatenate(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<2x1xf32>) -> tensor<2x9xf32> {
  %0 = sinter.concatenate %a, %b, %c, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x1xf32>) -> tensor<2x9xf32>
  return %0 : tensor<2x9xf32>
}

// -----

// CHECK-LABEL: func.func @concatenate_dim0
// CHECK: %[[I0:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [1, 2, 2] [1, 1, 1]
// CHECK: %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[I0]][1, 0, 0] [3, 2, 2] [1, 1, 1]
// CHECK: return %[[I1]]
func.func @concatenate_dim0(%a: tensor<1x2x2xi1>, %b: tensor<3x2x2xi1>) -> tensor<4x2x2xi1> {
  %0 = sinter.concatenate %a, %b, dim = 0 : (tensor<1x2x2xi1>, tensor<3x2x2xi1>) -> tensor<4x2x2xi1>
  return %0 : tensor<4x2x2xi1>
}

// -----

// Indices are clamped into [0, rows - 1]; the trailing table dimensions come
// from the loop indices.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK-SAME: (%[[T:[a-zA-Z0-9_]+]]: tensor<100x16xf32>, %[[IDS:[a-zA-Z0-9_]+]]: tensor<2x8xi32>)
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[IDS]] : tensor<2x8xi32>) outs(%{{.*}} : tensor<2x8x16xf32>)
// CHECK-NEXT: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-DAG: %[[LO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[HI:.*]] = arith.constant 99 : i32
// CHECK: %[[C1:.*]] = arith.maxsi %[[I]], %[[LO]] : i32
// CHECK: %[[C2:.*]] = arith.minsi %[[C1]], %[[HI]] : i32
// CHECK: %[[ROW:.*]] = arith.index_cast %[[C2]] : i32 to index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[V:.*]] = tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<100x16xf32>
// CHECK: linalg.yield %[[V]] : f32
func.func @gather(%wte: tensor<100x16xf32>, %ids: tensor<2x8xi32>) -> tensor<2x8x16xf32> {
  %0 = sinter.gather %wte[%ids] : (tensor<100x16xf32>, tensor<2x8xi32>) -> tensor<2x8x16xf32>
  return %0 : tensor<2x8x16xf32>
}

// -----

// An empty table has nothing to clamp into: the result is zeros.
// CHECK-LABEL: func.func @gather_empty_table
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<3x4xf32>)
// CHECK-NOT: tensor.extract
// CHECK: return %[[F]]
func.func @gather_empty_table(%t: tensor<0x4xf32>, %ids: tensor<3xi64>) -> tensor<3x4xf32> {
  %0 = sinter.gather %t[%ids] : (tensor<0x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @iota
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<4x8xi32>)
// CHECK-NEXT: ^bb0(%{{[a-zA-Z0-9_]+}}: i32):
// CHECK-NEXT: %[[I:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[W:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT: %[[N:.*]] = arith.trunci %[[W]] : i64 to i32
// CHECK-NEXT: linalg.yield %[[N]] : i32
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<2x4xf16>)
// CHECK-NEXT: ^bb0(%{{[a-zA-Z0-9_]+}}: f16):
// CHECK-NEXT: %[[J:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[JW:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK-NEXT: %[[JF:.*]] = arith.sitofp %[[JW]] : i64 to f32
// CHECK-NEXT: %[[JN:.*]] = arith.truncf %[[JF]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[JN]] : f16
func.func @iota() -> (tensor<4x8xi32>, tensor<2x4xf16>) {
  %0 = sinter.iota dim = 1 : tensor<4x8xi32>
  %1 = sinter.iota dim = 0 : tensor<2x4xf16>
  return %0, %1 : tensor<4x8xi32>, tensor<2x4xf16>
}

// -----

// A splat is a fill (no constant bytes); anything else stays a dense constant.
// CHECK-LABEL: func.func @constants
// CHECK: %[[C:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[C]] : f32) outs(%{{.*}} : tensor<4xf32>) -> tensor<4xf32>
// CHECK: %[[D:.*]] = arith.constant dense<[1, 2, 3]> : tensor<3xi32>
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[FB:.*]] = linalg.fill ins(%[[T]] : i1) outs(%{{.*}} : tensor<3xi1>) -> tensor<3xi1>
// CHECK: return %[[F]], %[[D]], %[[FB]]
func.func @constants() -> (tensor<4xf32>, tensor<3xi32>, tensor<3xi1>) {
  %0 = sinter.constant dense<1.5> : tensor<4xf32>
  %1 = sinter.constant dense<[1, 2, 3]> : tensor<3xi32>
  %2 = sinter.constant dense<true> : tensor<3xi1>
  return %0, %1, %2 : tensor<4xf32>, tensor<3xi32>, tensor<3xi1>
}
