// RUN: sinter-opt %s -split-input-file -verify-diagnostics -sinter-convert-sinter-to-linalg | FileCheck %s

// Composites are decomposed into primitives inside the pass, then lowered:
// no sinter op survives. A fusion region is refused with a message.

// Stable softmax: the row max is reduced and subtracted before exp; a fully
// masked row (max -inf) subtracts 0 instead, and the sum is at least 1, so
// that row gives zeros, not NaN (the edge-safe decomposition).
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK: %[[ONES:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[NINFS:.*]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: %[[MINIT:.*]] = linalg.fill ins(%{{.*}} : f32)
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<4x8xf32>) outs(%[[MINIT]] : tensor<4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[MASKED:.*]] = linalg.generic
// CHECK-SAME: ins(%[[MAX]], %[[NINFS]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: arith.cmpf oeq
// CHECK: %[[PIVOT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[MASKED]], %[[ZEROS]], %[[MAX]] : tensor<4xi1>, tensor<4xf32>, tensor<4xf32>)
// CHECK: arith.select
// CHECK: %[[MAXB:.*]] = linalg.generic
// CHECK-SAME: ins(%[[PIVOT]] : tensor<4xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: %[[SHIFT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[X]], %[[MAXB]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: arith.subf
// CHECK: %[[EXP:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SHIFT]] : tensor<4x8xf32>)
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[EXP]] : tensor<4x8xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc,contract>
// CHECK: %[[CLAMPED:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SUM]], %[[ONES]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUMB:.*]] = linalg.generic
// CHECK-SAME: ins(%[[CLAMPED]] : tensor<4xf32>)
// CHECK: %[[P:.*]] = linalg.generic
// CHECK-SAME: ins(%[[EXP]], %[[SUMB]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK: arith.divf
// CHECK: return %[[P]]
// CHECK-NOT: sinter.
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// log_softmax: max (0 for a fully masked row), subtract, exp, sum, log of
// max(sum, 1), subtract.
// CHECK-LABEL: func.func @log_softmax
// CHECK: arith.maximumf
// CHECK: arith.cmpf oeq
// CHECK: arith.select
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.maximumf
// CHECK: math.log
// CHECK: arith.subf
// CHECK-NOT: sinter.
func.func @log_softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.log_softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Norms compute in f32 whatever the storage type. The row's mean magnitude
// picks a power-of-two scale (2^-96 from 2^32 on), the row is centered as
// (x - K) - mean(x - K) with K its mean, then the variance: sums only.
// CHECK-LABEL: func.func @layer_norm_bf16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK-NOT: arith.maximumf
// CHECK-NOT: arith.minimumf
// CHECK: math.absf
// CHECK: arith.cmpf oge
// CHECK: arith.select
// CHECK: arith.mulf
// CHECK: arith.subf
// CHECK: arith.divf
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.divf
// CHECK: math.sqrt
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: sinter.
func.func @layer_norm_bf16(%x: tensor<2x8xbf16>) -> tensor<2x8xbf16> {
  %0 = sinter.layer_norm %x axis = 1 epsilon = 1.0e-5 : tensor<2x8xbf16> -> tensor<2x8xbf16>
  return %0 : tensor<2x8xbf16>
}
