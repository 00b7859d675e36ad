// RUN: sinter-opt %s -split-input-file -sinter-convert-sinter-to-linalg | FileCheck %s

// sinter.matmul becomes linalg.matmul (a shared rank-2 weight: the batches
// fold into M) or linalg.batch_matmul, accumulating into a zero-filled f32
// (or integer accumulation type) tensor, then reshaped and narrowed.

// [B, S, K] x [K, N]: one [B*S, K] x [K, N] matmul, expanded back.
// CHECK-LABEL: func.func @projection
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<2x3x8xf32>, %[[W:[a-zA-Z0-9_]+]]: tensor<8x16xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x3x8xf32> into tensor<6x8xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<6x16xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[FLAT]], %[[W]] : tensor<6x8xf32>, tensor<8x16xf32>) outs(%[[INIT]] : tensor<6x16xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xf32> into tensor<2x3x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @projection(%x: tensor<2x3x8xf32>, %w: tensor<8x16xf32>) -> tensor<2x3x16xf32> {
  %0 = sinter.matmul %x, %w : (tensor<2x3x8xf32>, tensor<8x16xf32>) -> tensor<2x3x16xf32>
  return %0 : tensor<2x3x16xf32>
}

// -----

// Rank-3 operands with matching batches: batch_matmul directly, no reshape.
// CHECK-LABEL: func.func @batched
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<2x4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<2x8x3xf32>)
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4x3xf32>)
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : tensor<2x4x8xf32>, tensor<2x8x3xf32>) outs(%[[INIT]] : tensor<2x4x3xf32>)
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[P]]
func.func @batched(%a: tensor<2x4x8xf32>, %b: tensor<2x8x3xf32>) -> tensor<2x4x3xf32> {
  %0 = sinter.matmul %a, %b : (tensor<2x4x8xf32>, tensor<2x8x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// transpose_rhs stays a transposed operand (the CPU kernel of
// matmul_transpose_b reads both operands along K): no linalg.transpose, the
// batch dimensions collapse into one.
// CHECK-LABEL: func.func @attention_scores
// CHECK-SAME: (%[[Q:[a-zA-Z0-9_]+]]: tensor<2x4x8x16xf32>, %[[K:[a-zA-Z0-9_]+]]: tensor<2x4x8x16xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-DAG: %[[KB:.*]] = tensor.collapse_shape %[[K]] {{\[}}[0, 1], [2], [3]] : tensor<2x4x8x16xf32> into tensor<8x8x16xf32>
// CHECK-DAG: %[[QB:.*]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1], [2], [3]] : tensor<2x4x8x16xf32> into tensor<8x8x16xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul_transpose_b ins(%[[QB]], %[[KB]] : tensor<8x8x16xf32>, tensor<8x8x16xf32>) outs(%{{.*}} : tensor<8x8x8xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2], [3]] output_shape [2, 4, 8, 8]
// CHECK: return %[[R]]
func.func @attention_scores(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32> {
  %0 = sinter.matmul %q, %k {transpose_rhs} : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x8xf32>
  return %0 : tensor<2x4x8x8xf32>
}

// -----

// Both transposed, f16: the lhs is transposed, the rhs read as [N, K]; an f32
// product, one narrowing.
// CHECK-LABEL: func.func @transpose_both_f16
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<8x4xf16>, %[[B:[a-zA-Z0-9_]+]]: tensor<6x8xf16>)
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<8x4xf16>) outs(%{{.*}} : tensor<4x8xf16>) permutation = [1, 0]
// CHECK-NOT: linalg.transpose
// CHECK: %[[P:.*]] = linalg.matmul_transpose_b ins(%[[AT]], %[[B]] : tensor<4x8xf16>, tensor<6x8xf16>) outs(%{{.*}} : tensor<4x6xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<4x6xf32>) outs(%{{.*}} : tensor<4x6xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @transpose_both_f16(%a: tensor<8x4xf16>, %b: tensor<6x8xf16>) -> tensor<4x6xf16> {
  %0 = sinter.matmul %a, %b {transpose_lhs, transpose_rhs} : (tensor<8x4xf16>, tensor<6x8xf16>) -> tensor<4x6xf16>
  return %0 : tensor<4x6xf16>
}

// -----

// bf16 inputs go straight into linalg.matmul; the accumulator is f32 and the
// result narrows once.
// CHECK-LABEL: func.func @matmul_bf16
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<4x8xbf16>, %[[B:[a-zA-Z0-9_]+]]: tensor<8x3xbf16>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x3xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<4x3xf32>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<4x8xbf16>, tensor<8x3xbf16>) outs(%[[INIT]] : tensor<4x3xf32>) -> tensor<4x3xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<4x3xbf16>)
// CHECK-NEXT: ^bb0(%[[V:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[V]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[N]] : bf16
// CHECK: return %[[R]]
func.func @matmul_bf16(%a: tensor<4x8xbf16>, %b: tensor<8x3xbf16>) -> tensor<4x3xbf16> {
  %0 = sinter.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x3xbf16>) -> tensor<4x3xbf16>
  return %0 : tensor<4x3xbf16>
}

// -----

// A rank-2 lhs against batched weights is broadcast over the batches.
// CHECK-LABEL: func.func @shared_lhs
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<2x3x8x5xf32>)
// CHECK-DAG: %[[BB:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x8x5xf32> into tensor<6x8x5xf32>
// CHECK-DAG: %[[AB:.*]] = linalg.broadcast ins(%[[A]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<6x4x8xf32>) dimensions = [0]
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[AB]], %[[BB]] : tensor<6x4x8xf32>, tensor<6x8x5xf32>) outs(%{{.*}} : tensor<6x4x5xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2], [3]] output_shape [2, 3, 4, 5]
// CHECK: return %[[R]]
func.func @shared_lhs(%a: tensor<4x8xf32>, %b: tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32> {
  %0 = sinter.matmul %a, %b : (tensor<4x8xf32>, tensor<2x3x8x5xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// An integer product accumulates in the requested type and truncates.
// CHECK-LABEL: func.func @integer_accumulation
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i64) outs(%{{.*}} : tensor<4x2xi64>)
// CHECK: %[[P:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xi32>, tensor<8x2xi32>) outs(%[[INIT]] : tensor<4x2xi64>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]] : tensor<4x2xi64>) outs(%{{.*}} : tensor<4x2xi32>)
// CHECK: arith.trunci %{{.*}} : i64 to i32
func.func @integer_accumulation(%i: tensor<4x8xi32>, %j: tensor<8x2xi32>) -> tensor<4x2xi32> {
  %0 = sinter.matmul %i, %j {accumulation_type = i64} : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32>
  return %0 : tensor<4x2xi32>
}

// -----

// K = 0: the product is the zero fill. The rows folded into M are still
// B * S = 6, also when N is 0 as well.
// CHECK-LABEL: func.func @empty_contraction
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x3x0xf32> into tensor<6x0xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x0xf32>, tensor<0x4xf32>) outs(%{{.*}} : tensor<6x4xf32>)
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<2x3x0xf32> into tensor<6x0xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x0xf32>, tensor<0x0xf32>) outs(%{{.*}} : tensor<6x0xf32>)
func.func @empty_contraction(%x: tensor<2x3x0xf32>, %w: tensor<0x4xf32>, %v: tensor<0x0xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x0xf32>) {
  %0 = sinter.matmul %x, %w : (tensor<2x3x0xf32>, tensor<0x4xf32>) -> tensor<2x3x4xf32>
  %1 = sinter.matmul %x, %v : (tensor<2x3x0xf32>, tensor<0x0xf32>) -> tensor<2x3x0xf32>
  return %0, %1 : tensor<2x3x4xf32>, tensor<2x3x0xf32>
}
