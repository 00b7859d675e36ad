// RUN: sinter-opt %s -split-input-file -sinter-recognize-layer-norm | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-layer-norm | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: sinter-opt %s -split-input-file -sinter-recognize-rms-norm -sinter-recognize-layer-norm | FileCheck %s

// The two-pass form with gamma and beta, as the graph builder writes it.
// CHECK-LABEL: func.func @affine
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = sinter.layer_norm %[[X]] scale(%[[G]] : tensor<8xf32>) offset(%[[B]] : tensor<8xf32>) axis = 1 epsilon = 9.9999997473787516E-6 : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @affine(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %eps = sinter.constant dense<1.000000e-05> : tensor<4xf32>
  %m = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %c = sinter.sub %x, %mb : tensor<4x8xf32>
  %sq = sinter.mul %c, %c : tensor<4x8xf32>
  %var = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %var, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %n = sinter.mul %c, %rb : tensor<4x8xf32>
  %gb = sinter.broadcast_in_dim %g, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %ng = sinter.mul %n, %gb : tensor<4x8xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %y = sinter.add %bb, %ng : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// PyTorch-style by hand: keepdim statistics, means as sum / N,
// pow(c, 2), division by sqrt; no affine part.
// CHECK-LABEL: func.func @keepdim_sqrt_pow
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x16xf32>)
// CHECK-NEXT: %[[Y:.*]] = sinter.layer_norm %[[X]] axis = 2 epsilon = {{.*}} : tensor<2x3x16xf32> -> tensor<2x3x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @keepdim_sqrt_pow(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %two = sinter.constant dense<2.000000e+00> : tensor<2x3x16xf32>
  %n = sinter.constant dense<1.600000e+01> : tensor<2x3x1xf32>
  %eps = sinter.constant dense<1.000000e-05> : tensor<2x3x1xf32>
  %s0 = sinter.reduce sum %x, dims = [2] : (tensor<2x3x16xf32>) -> tensor<2x3xf32>
  %s = sinter.reshape %s0 : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  %m = sinter.div %s, %n : tensor<2x3x1xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0, 1, 2] : (tensor<2x3x1xf32>) -> tensor<2x3x16xf32>
  %c = sinter.sub %x, %mb : tensor<2x3x16xf32>
  %sq = sinter.pow %c, %two : tensor<2x3x16xf32>
  %vs0 = sinter.reduce sum %sq, dims = [2] : (tensor<2x3x16xf32>) -> tensor<2x3xf32>
  %vs = sinter.reshape %vs0 : (tensor<2x3xf32>) -> tensor<2x3x1xf32>
  %var = sinter.div %vs, %n : tensor<2x3x1xf32>
  %v = sinter.add %var, %eps : tensor<2x3x1xf32>
  %sd = sinter.sqrt %v : tensor<2x3x1xf32>
  %sdb = sinter.broadcast_in_dim %sd, dims = [0, 1, 2] : (tensor<2x3x1xf32>) -> tensor<2x3x16xf32>
  %y = sinter.div %c, %sdb : tensor<2x3x16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// The one-pass variance E[x^2] - E[x]^2 with means as sum * (1/N), over
// the last two dimensions, with gamma only.
// CHECK-LABEL: func.func @one_pass_variance
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[G:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = sinter.layer_norm %[[X]] scale(%[[G]] : tensor<4x8xf32>) axis = 1 epsilon = {{.*}} : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @one_pass_variance(%x: tensor<2x4x8xf32>, %g: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  %inv = sinter.constant dense<3.125000e-02> : tensor<2xf32>
  %eps = sinter.constant dense<1.000000e-05> : tensor<2xf32>
  %s = sinter.reduce sum %x, dims = [1, 2] : (tensor<2x4x8xf32>) -> tensor<2xf32>
  %m = sinter.mul %s, %inv : tensor<2xf32>
  %x2 = sinter.mul %x, %x : tensor<2x4x8xf32>
  %s2 = sinter.reduce sum %x2, dims = [1, 2] : (tensor<2x4x8xf32>) -> tensor<2xf32>
  %m2 = sinter.mul %inv, %s2 : tensor<2xf32>
  %mm = sinter.mul %m, %m : tensor<2xf32>
  %var = sinter.sub %m2, %mm : tensor<2xf32>
  %v = sinter.add %var, %eps : tensor<2xf32>
  %r = sinter.rsqrt %v : tensor<2xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<2xf32>) -> tensor<2x4x8xf32>
  %c = sinter.sub %x, %mb : tensor<2x4x8xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<2xf32>) -> tensor<2x4x8xf32>
  %n = sinter.mul %rb, %c : tensor<2x4x8xf32>
  %gb = sinter.broadcast_in_dim %g, dims = [1, 2] : (tensor<4x8xf32>) -> tensor<2x4x8xf32>
  %y = sinter.mul %n, %gb : tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// epsilon is an argument: no match.
// CHECK-LABEL: func.func @negative_epsilon_not_constant
// CHECK-NOT: sinter.layer_norm
func.func @negative_epsilon_not_constant(%x: tensor<4x8xf32>, %eps: tensor<4xf32>) -> tensor<4x8xf32> {
  %m = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %c = sinter.sub %x, %mb : tensor<4x8xf32>
  %sq = sinter.mul %c, %c : tensor<4x8xf32>
  %var = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %var, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %c, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The centred value is also returned: no match (the RMS-norm pass must
// not take it either).
// CHECK-LABEL: func.func @negative_centred_used_elsewhere
// CHECK-NOT: sinter.layer_norm
// CHECK-NOT: sinter.rms_norm
func.func @negative_centred_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %eps = sinter.constant dense<1.000000e-05> : tensor<4xf32>
  %m = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %c = sinter.sub %x, %mb : tensor<4x8xf32>
  %sq = sinter.mul %c, %c : tensor<4x8xf32>
  %var = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %var, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %c, %rb : tensor<4x8xf32>
  return %y, %c : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// The mean over dimension 1 but the variance over dimensions [1, 2]: no
// match.
// CHECK-LABEL: func.func @negative_statistics_over_different_dims
// CHECK-NOT: sinter.layer_norm
func.func @negative_statistics_over_different_dims(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %eps = sinter.constant dense<1.000000e-05> : tensor<2xf32>
  %m = sinter.reduce mean %x, dims = [1, 2] : (tensor<2x4x8xf32>) -> tensor<2xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<2xf32>) -> tensor<2x4x8xf32>
  %c = sinter.sub %x, %mb : tensor<2x4x8xf32>
  %sq = sinter.mul %c, %c : tensor<2x4x8xf32>
  %var = sinter.reduce mean %sq, dims = [2] : (tensor<2x4x8xf32>) -> tensor<2x4xf32>
  %v0 = sinter.reduce mean %var, dims = [1] : (tensor<2x4xf32>) -> tensor<2xf32>
  %v = sinter.add %v0, %eps : tensor<2xf32>
  %r = sinter.rsqrt %v : tensor<2xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<2xf32>) -> tensor<2x4x8xf32>
  %y = sinter.mul %c, %rb : tensor<2x4x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// The variance of another tensor: no match.
// CHECK-LABEL: func.func @negative_variance_of_other_tensor
// CHECK-NOT: sinter.layer_norm
func.func @negative_variance_of_other_tensor(%x: tensor<4x8xf32>, %z: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %eps = sinter.constant dense<1.000000e-05> : tensor<4xf32>
  %m = sinter.reduce mean %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %c = sinter.sub %x, %mb : tensor<4x8xf32>
  %sq = sinter.mul %z, %z : tensor<4x8xf32>
  %var = sinter.reduce mean %sq, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %v = sinter.add %var, %eps : tensor<4xf32>
  %r = sinter.rsqrt %v : tensor<4xf32>
  %rb = sinter.broadcast_in_dim %r, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %y = sinter.mul %c, %rb : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Round trip: f32 with and without affine, bf16 (computed in f32 between
// converts) with both.
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-SAME: (%[[X:.*]]: tensor<2x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>, %[[XB:.*]]: tensor<2x3x16xbf16>, %[[GB:.*]]: tensor<16xbf16>, %[[BB:.*]]: tensor<16xbf16>)
// ROUNDTRIP-NEXT: sinter.layer_norm %[[X]] scale(%[[G]] : tensor<16xf32>) offset(%[[B]] : tensor<16xf32>) axis = 1 epsilon = {{.*}} : tensor<2x16xf32> -> tensor<2x16xf32>
// ROUNDTRIP-NEXT: sinter.layer_norm %[[X]] axis = 1 epsilon = {{.*}} : tensor<2x16xf32> -> tensor<2x16xf32>
// ROUNDTRIP-NEXT: sinter.layer_norm %[[XB]] scale(%[[GB]] : tensor<16xbf16>) offset(%[[BB]] : tensor<16xbf16>) axis = 2 epsilon = {{.*}} : tensor<2x3x16xbf16> -> tensor<2x3x16xbf16>
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%x: tensor<2x16xf32>, %g: tensor<16xf32>, %b: tensor<16xf32>, %xb: tensor<2x3x16xbf16>, %gb: tensor<16xbf16>, %bb: tensor<16xbf16>) -> (tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x3x16xbf16>) {
  %0 = sinter.layer_norm %x scale(%g : tensor<16xf32>) offset(%b : tensor<16xf32>) axis = 1 epsilon = 1.000000e-05 : tensor<2x16xf32> -> tensor<2x16xf32>
  %1 = sinter.layer_norm %x axis = 1 epsilon = 1.000000e-05 : tensor<2x16xf32> -> tensor<2x16xf32>
  %2 = sinter.layer_norm %xb scale(%gb : tensor<16xbf16>) offset(%bb : tensor<16xbf16>) axis = 2 epsilon = 1.000000e-05 : tensor<2x3x16xbf16> -> tensor<2x3x16xbf16>
  return %0, %1, %2 : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x3x16xbf16>
}
