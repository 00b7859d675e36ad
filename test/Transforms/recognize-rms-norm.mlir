// RUN: sinter-opt %s -split-input-file -sinter-recognize-rms-norm | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-rms-norm | FileCheck %s --check-prefix=ROUNDTRIP

// x * rsqrt(mean(x * x) + eps) * gamma, as the graph builder writes it.
// CHECK-LABEL: func.func @rsqrt_gamma
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = sinter.rms_norm %[[X]] scale(%[[G]] : tensor<8xf32>) axis = 1 epsilon = 9.9999999747524271E-7 : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rsqrt_gamma(%x: tensor<4x8xf32>, %g: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = sinter.constant dense<1.000000e-06> : tensor<4xf32>
  %sq = sinter.mul %x, %x : tensor<4x8xf32>
  %ms = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %ms, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %n = sinter.mul %x, %rb : tensor<4x8xf32>
  %gb = sinter.broadcast_in_dim %g, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %gb, %n : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// x / sqrt(sum(pow(x, 2)) / N + eps) with the statistic kept as [2, 3, 1]
// (keepdim=True), over one trailing dimension, no gamma.
// CHECK-LABEL: func.func @sqrt_keepdim_pow
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf32>)
// CHECK-NEXT: %[[Y:.*]] = sinter.rms_norm %[[X]] axis = 2 epsilon = 9.9999997473787516E-6 : tensor<2x3x16xf32> -> tensor<2x3x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @sqrt_keepdim_pow(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %two = sinter.constant dense<2.000000e+00> : tensor<2x3x16xf32>
  %n = sinter.constant dense<1.600000e+01> : tensor<2x3x1xf32>
  %eps = sinter.constant dense<1.000000e-05> : tensor<2x3x1xf32>
  %sq = sinter.pow %x, %two : tensor<2x3x16xf32>
  %s0 = sinter.reduce sum %sq, dims = [2] : (tensor<2x3x16xf32>) -> tensor<2x3xf32>
  %s = sinter.reshape %s0 : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  %ms = sinter.div %s, %n : tensor<2x3x1xf32>
  %v = sinter.add %ms, %eps : tensor<2x3x1xf32>
  %r = sinter.sqrt %v : tensor<2x3x1xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0, 1, 2] : (tensor<2x3x1xf32>) -> tensor<2x3x16xf32>
  %y = sinter.div %x, %rb : tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// Normalised over the last two dimensions, the mean as sum * (1/N).
// CHECK-LABEL: func.func @two_dims_sum_times_inverse
// CHECK-NEXT: sinter.rms_norm %{{.*}} axis = 1 epsilon = {{.*}} : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
// CHECK-NEXT: return
func.func @two_dims_sum_times_inverse(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %inv = sinter.constant dense<3.125000e-02> : tensor<2xf32>
  %eps = sinter.constant dense<1.000000e-06> : tensor<2xf32>
  %sq = sinter.mul %x, %x : tensor<2x4x8xf32>
  %s = sinter.reduce sum %sq, dims = [1, 2] : (tensor<2x4x8xf32>) -> tensor<2xf32>
  %ms = sinter.mul %s, %inv : tensor<2xf32>
  %v = sinter.add %eps, %ms : tensor<2xf32>
  %r = sinter.rsqrt %v : tensor<2xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<2xf32>) -> tensor<2x4x8xf32>
  %y = sinter.mul %rb, %x : tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// epsilon is an argument, not a constant: no match.
// CHECK-LABEL: func.func @negative_epsilon_not_constant
// CHECK-NOT: sinter.rms_norm
func.func @negative_epsilon_not_constant(%x: tensor<4x8xf32>, %eps: tensor<4xf32>) -> tensor<4x8xf32> {
  %sq = sinter.mul %x, %x : tensor<4x8xf32>
  %ms = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %ms, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %x, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The mean of the squares of another tensor scales x: no RMS norm.
// CHECK-LABEL: func.func @negative_other_tensor
// CHECK-NOT: sinter.rms_norm
func.func @negative_other_tensor(%x: tensor<4x8xf32>, %z: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = sinter.constant dense<1.000000e-06> : tensor<4xf32>
  %sq = sinter.mul %z, %z : tensor<4x8xf32>
  %ms = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %ms, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %x, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The inverse RMS is also returned: no match.
// CHECK-LABEL: func.func @negative_inverse_used_elsewhere
// CHECK-NOT: sinter.rms_norm
func.func @negative_inverse_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %eps = sinter.constant dense<1.000000e-06> : tensor<4xf32>
  %sq = sinter.mul %x, %x : tensor<4x8xf32>
  %ms = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %ms, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %x, %rb : tensor<4x8xf32>
  return %y, %r : tensor<4x8xf32>, tensor<4xf32>
}

// -----

// The statistic over the leading dimension: rms_norm only normalises
// trailing dimensions.
// CHECK-LABEL: func.func @negative_leading_dimension
// CHECK-NOT: sinter.rms_norm
func.func @negative_leading_dimension(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = sinter.constant dense<1.000000e-06> : tensor<8xf32>
  %sq = sinter.mul %x, %x : tensor<4x8xf32>
  %ms = sinter.reduce mean %sq, dims = [0] : (tensor<4x8xf32>) -> tensor<8xf32>
  %v = sinter.add %ms, %eps : tensor<8xf32>
  %r = sinter.rsqrt %v : tensor<8xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %x, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// 1/7 is not the mean of 8 elements: no match.
// CHECK-LABEL: func.func @negative_wrong_count
// CHECK-NOT: sinter.rms_norm
func.func @negative_wrong_count(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %inv = sinter.constant dense<0.142857149> : tensor<4xf32>
  %eps = sinter.constant dense<1.000000e-06> : tensor<4xf32>
  %sq = sinter.mul %x, %x : tensor<4x8xf32>
  %s = sinter.reduce sum %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %ms = sinter.mul %s, %inv : tensor<4xf32>
  %v = sinter.add %ms, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %x, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Round trip, f32 and bf16 (decomposed in f32 between converts).
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-SAME: (%[[X:.*]]: tensor<2x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[XB:.*]]: tensor<2x3x16xbf16>, %[[GB:.*]]: tensor<3x16xbf16>)
// ROUNDTRIP-NEXT: sinter.rms_norm %[[X]] scale(%[[G]] : tensor<16xf32>) axis = 1 epsilon = {{.*}} : tensor<2x16xf32> -> tensor<2x16xf32>
// ROUNDTRIP-NEXT: sinter.rms_norm %[[XB]] scale(%[[GB]] : tensor<3x16xbf16>) axis = 1 epsilon = {{.*}} : tensor<2x3x16xbf16> -> tensor<2x3x16xbf16>
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%x: tensor<2x16xf32>, %g: tensor<16xf32>, %xb: tensor<2x3x16xbf16>, %gb: tensor<3x16xbf16>) -> (tensor<2x16xf32>, tensor<2x3x16xbf16>) {
  %0 = sinter.rms_norm %x scale(%g : tensor<16xf32>) axis = 1 epsilon = 1.000000e-06 : tensor<2x16xf32> -> tensor<2x16xf32>
  %1 = sinter.rms_norm %xb scale(%gb : tensor<3x16xbf16>) axis = 1 epsilon = 1.000000e-06 : tensor<2x3x16xbf16> -> tensor<2x3x16xbf16>
  return %0, %1 : tensor<2x16xf32>, tensor<2x3x16xbf16>
}
