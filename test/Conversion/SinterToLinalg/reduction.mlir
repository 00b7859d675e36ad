// RUN: sinter-opt %s -split-input-file -sinter-convert-sinter-to-linalg | FileCheck %s

// sinter.reduce is one generic with reduction iterators over an accumulator
// filled with the kind's identity; mean divides and f16/bf16 narrow in a
// second, elementwise generic.

// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @sum_f32
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<4xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<4x8xf32>) outs(%[[INIT]] : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[V]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// An f32 sum needs no second generic.
// CHECK-NOT: linalg.generic
// CHECK: return %[[R]]
func.func @sum_f32(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %0 = sinter.reduce sum %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// max starts at -inf and propagates NaN.
// CHECK: #[[OUT:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @max_f32
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[OUT]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<8xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[ACC]], %[[V]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
func.func @max_f32(%x: tensor<4x8xf32>) -> tensor<8xf32> {
  %0 = sinter.reduce max %x, dims = [0] : (tensor<4x8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @min_f32
// CHECK: %[[PINF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: linalg.fill ins(%[[PINF]] : f32)
// CHECK: ^bb0(%[[V:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK-NEXT: arith.minimumf %[[ACC]], %[[V]] : f32
func.func @min_f32(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %0 = sinter.reduce min %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// mean = the sum of x * 2^-k (2^k >= n, so no partial sum passes max |x|),
// then a second generic dividing by n * 2^-k: for n = 8, 1/8 then 1.
// CHECK-LABEL: func.func @mean_f32
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: %[[K:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %{{.*}}, %[[K]] : f32
// CHECK-NEXT: arith.addf %{{.*}}, %[[XS]]
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel"]
// CHECK-SAME: ins(%[[SUM]] : tensor<4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[S:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: %[[N:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[D:.*]] = arith.divf %[[S]], %[[N]] : f32
// CHECK-NEXT: linalg.yield %[[D]] : f32
// CHECK: return %[[R]]
func.func @mean_f32(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %0 = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// The count is the product of every reduced extent: 12, scaled by 1/16.
// CHECK-LABEL: func.func @mean_two_dims
// CHECK: iterator_types = ["reduction", "parallel", "reduction"]
// CHECK: arith.constant 6.250000e-02 : f32
// CHECK: arith.constant 7.500000e-01 : f32
// CHECK: arith.divf
func.func @mean_two_dims(%x: tensor<3x5x4xf32>) -> tensor<5xf32> {
  %0 = sinter.reduce mean %x, dims = [0, 2] : (tensor<3x5x4xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// bf16 accumulates in an f32 tensor and narrows once at the end.
// CHECK-LABEL: func.func @sum_bf16
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<2x8xbf16>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<2xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<2x8xbf16>) outs(%[[INIT]] : tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-zA-Z0-9_]+]]: bf16, %[[A:[a-zA-Z0-9_]+]]: f32):
// CHECK-NEXT: %[[VW:.*]] = arith.extf %[[V]] : bf16 to f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[A]], %[[VW]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: ins(%[[ACC]] : tensor<2xf32>) outs(%{{.*}} : tensor<2xbf16>)
// CHECK-NEXT: ^bb0(%[[T:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[T]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[N]] : bf16
// CHECK: return %[[R]]
func.func @sum_bf16(%h: tensor<2x8xbf16>) -> tensor<2xbf16> {
  %0 = sinter.reduce sum %h, dims = [1] : (tensor<2x8xbf16>) -> tensor<2xbf16>
  return %0 : tensor<2xbf16>
}

// -----

// An f16 mean divides in f32, then narrows, in the same second generic.
// CHECK-LABEL: func.func @mean_f16
// CHECK: outs(%{{.*}} : tensor<2xf32>)
// CHECK: ^bb0(%[[T:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f16):
// CHECK-NEXT: %[[N:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[D:.*]] = arith.divf %[[T]], %[[N]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.truncf %[[D]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[R]] : f16
func.func @mean_f16(%h: tensor<2x8xf16>) -> tensor<2xf16> {
  %0 = sinter.reduce mean %h, dims = [1] : (tensor<2x8xf16>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

// Reducing every dimension gives a rank-0 accumulator.
// CHECK: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @sum_all
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]]], iterator_types = ["reduction", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<f32>)
func.func @sum_all(%x: tensor<4x8xf32>) -> tensor<f32> {
  %0 = sinter.reduce sum %x, dims = [0, 1] : (tensor<4x8xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Integers accumulate in their own type: sum with addi from 0, max with maxsi
// from INT_MIN, and no narrowing generic.
// CHECK-LABEL: func.func @integer_sum_max
// CHECK: %[[Z:.*]] = arith.constant 0 : i32
// CHECK: linalg.fill ins(%[[Z]] : i32)
// CHECK: %[[S:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "parallel", "reduction"]
// CHECK-NEXT: ^bb0(%[[V:[a-zA-Z0-9_]+]]: i32, %[[A:[a-zA-Z0-9_]+]]: i32):
// CHECK-NEXT: arith.addi %[[A]], %[[V]] : i32
// CHECK: %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[MIN]] : i32)
// CHECK: %[[M:.*]] = linalg.generic
// CHECK-NEXT: ^bb0(%[[V2:[a-zA-Z0-9_]+]]: i32, %[[A2:[a-zA-Z0-9_]+]]: i32):
// CHECK-NEXT: arith.maxsi %[[A2]], %[[V2]] : i32
// CHECK-NOT: linalg.generic
// CHECK: return %[[S]], %[[M]]
func.func @integer_sum_max(%i: tensor<2x3x4xi32>) -> (tensor<3xi32>, tensor<3xi32>) {
  %0 = sinter.reduce sum %i, dims = [0, 2] : (tensor<2x3x4xi32>) -> tensor<3xi32>
  %1 = sinter.reduce max %i, dims = [0, 2] : (tensor<2x3x4xi32>) -> tensor<3xi32>
  return %0, %1 : tensor<3xi32>, tensor<3xi32>
}

// -----

// dims = [] is the identity: no generic, the operand itself.
// CHECK-LABEL: func.func @no_reduction_dims
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xi32>)
// CHECK-NOT: linalg
// CHECK: return %[[X]]
func.func @no_reduction_dims(%i: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = sinter.reduce min %i, dims = [] : (tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
