// RUN: sinter-opt %s --sinter-autodiff -split-input-file -verify-diagnostics | FileCheck %s

// A loss through exp and a sum: the seed 1 is spread over the sum's
// dimension and multiplied by the exp's result.
// CHECK-LABEL: func.func @exp_sum_grad
// CHECK-SAME: -> (tensor<f32> {sinter.name = "loss"}, tensor<4xf32> {sinter.name = "grad_x"})
// CHECK: %[[E:.*]] = sinter.exp %arg0
// CHECK: %[[L:.*]] = sinter.reduce sum %[[E]]
// CHECK: %[[ONE:.*]] = sinter.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[G:.*]] = sinter.broadcast_in_dim %[[ONE]], dims = [] : (tensor<f32>) -> tensor<4xf32>
// CHECK: %[[DX:.*]] = sinter.mul %[[G]], %[[E]]
// CHECK: return %[[L]], %[[DX]]
func.func @exp_sum(%x: tensor<4xf32> {sinter.name = "x"}) -> (tensor<f32> {sinter.name = "loss"}) {
  %e = sinter.exp %x : tensor<4xf32>
  %l = sinter.reduce sum %e, dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A matmul with a shared weight and a bias: the weight's gradient is
// x^T g, the input's g w^T, the bias's g summed over the rows it was
// broadcast to (autodiff-wrt.mlir: only the weight's).
// CHECK-LABEL: func.func @two_grad
// CHECK-DAG: sinter.reduce sum %{{.*}}, dims = [0] : (tensor<4x16xf32>) -> tensor<16xf32>
// CHECK-DAG: sinter.matmul %{{.*}}, %arg1 {transpose_rhs} : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
// CHECK-DAG: sinter.matmul %arg0, %{{.*}} {transpose_lhs} : (tensor<4x8xf32>, tensor<4x16xf32>) -> tensor<8x16xf32>
func.func @two(%x: tensor<4x8xf32> {sinter.name = "x"}, %w: tensor<8x16xf32> {sinter.name = "w"}, %b: tensor<16xf32> {sinter.name = "b"}) -> tensor<f32> {
  %m = sinter.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<16xf32>) -> tensor<4x16xf32>
  %s = sinter.add %m, %bb : tensor<4x16xf32>
  %r = sinter.relu %s : tensor<4x16xf32>
  %l = sinter.reduce mean %r, dims = [0, 1] : (tensor<4x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Integer arguments get no gradient: with no wrt, only the float ones.
// CHECK-LABEL: func.func @mixed_grad
// CHECK-SAME: -> (tensor<f32>, tensor<4xf32> {sinter.name = "grad_arg0"})
func.func @mixed(%x: tensor<4xf32>, %n: tensor<4xi32>) -> tensor<f32> {
  %c = sinter.convert %n : tensor<4xi32> -> tensor<4xf32>
  %y = sinter.mul %x, %c : tensor<4xf32>
  %l = sinter.reduce sum %y, dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{the loss must be the one result, a scalar tensor<f32>; @vector_loss returns (tensor<4xf32>)}}
func.func @vector_loss(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

func.func @no_rule(%x: tensor<1x1x4x8xf32>) -> tensor<f32> {
  // expected-error @+1 {{no second derivative of attention}}
  %dq, %dk, %dv = sinter.attention_backward %x, %x, %x, %x, %x scale = 0.25 : tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32> -> tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>
  %l = sinter.reduce sum %dq, dims = [0, 1, 2, 3] : (tensor<1x1x4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Attention differentiates as a composite: one attention_backward reading
// the forward's result, with the mask passed through.
// CHECK-LABEL: func.func @attention_grad
// CHECK: %[[M:.*]] = sinter.constant
// CHECK: %[[O:.*]] = sinter.attention %arg0, %arg1, %arg2 bias(%[[M]] : tensor<1x1x4x6xf32>) scale = 2.500000e-01 causal
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = sinter.attention_backward %arg0, %arg1, %arg2, %[[O]], %{{.*}} bias(%[[M]] : tensor<1x1x4x6xf32>) scale = 2.500000e-01 causal
// CHECK-NOT: sinter.attention
// CHECK: return
func.func @attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<f32> {
  %mask = sinter.constant dense<-1.0> : tensor<1x1x4x6xf32>
  %a = sinter.attention %q, %k, %v bias(%mask : tensor<1x1x4x6xf32>) scale = 0.25 causal : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  %l = sinter.reduce sum %a, dims = [0, 1, 2, 3] : (tensor<1x2x4x8xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A slice's gradient is g put back in place: zeros before and after along
// each sliced dimension.
// CHECK-LABEL: func.func @slice_grad
// CHECK: %[[Z:.*]] = sinter.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK: sinter.concatenate %[[Z]], %{{.*}}, %{{.*}}, dim = 1 : (tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
func.func @slice(%x: tensor<2x4xf32>) -> tensor<f32> {
  %p = sinter.slice %x, start = [0, 1], limit = [2, 3], strides = [1, 1] : (tensor<2x4xf32>) -> tensor<2x2xf32>
  %l = sinter.reduce sum %p, dims = [0, 1] : (tensor<2x2xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A softmax differentiates as a softmax: the backward reads its result,
// y (g - sum(g y)), and never decomposes the forward op.
// CHECK-LABEL: func.func @softmax_grad
// CHECK: %[[Y:.*]] = sinter.softmax %arg0, axis = 1
// CHECK: %[[S:.*]] = sinter.reduce sum %{{.*}}, dims = [1] : (tensor<2x4xf32>) -> tensor<2xf32>
// CHECK: %[[SB:.*]] = sinter.broadcast_in_dim %[[S]], dims = [0]
// CHECK: %[[D:.*]] = sinter.sub %{{.*}}, %[[SB]]
// CHECK: sinter.mul %[[Y]], %[[D]]
// CHECK-NOT: sinter.exp
func.func @softmax(%x: tensor<2x4xf32>, %w: tensor<2x4xf32>) -> tensor<f32> {
  %p = sinter.softmax %x, axis = 1 : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %m = sinter.mul %p, %w : tensor<2x4xf32>
  %l = sinter.reduce sum %m, dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
