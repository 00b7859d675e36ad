// RUN: sinter-opt %s -sinter-decompose-composites -sinter-recognize-composites | FileCheck %s

// The pipeline runs every recognition pass in order: a block decomposed
// into primitive ops comes back as the same composites.
// CHECK-LABEL: func.func @block
// CHECK-NEXT: %[[H:.*]] = sinter.layer_norm
// CHECK-NEXT: %[[A:.*]] = sinter.attention %[[H]], %[[H]], %[[H]] scale = 1.250000e-01 causal
// CHECK-NEXT: %[[G:.*]] = sinter.gelu tanh %[[A]]
// CHECK-NEXT: %[[R:.*]] = sinter.rms_norm %[[G]]
// CHECK-NEXT: %[[P:.*]] = sinter.softmax %[[R]], axis = 3
// CHECK-NEXT: %[[L:.*]] = sinter.log_softmax %[[R]], axis = 2
// CHECK-NEXT: %[[S:.*]] = sinter.logsumexp %[[R]], axis = 1
// CHECK-NEXT: return %[[P]], %[[L]], %[[S]]
func.func @block(%x: tensor<1x2x4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x8xf32>) {
  %h = sinter.layer_norm %x scale(%g : tensor<8xf32>) offset(%b : tensor<8xf32>) axis = 3 epsilon = 1.000000e-05 : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %a = sinter.attention %h, %h, %h scale = 1.250000e-01 causal : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %y = sinter.gelu tanh %a : tensor<1x2x4x8xf32>
  %z = sinter.rms_norm %y scale(%g : tensor<8xf32>) axis = 3 epsilon = 1.000000e-06 : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  %p = sinter.softmax %z, axis = 3 : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %l = sinter.log_softmax %z, axis = 2 : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s = sinter.logsumexp %z, axis = 1 : (tensor<1x2x4x8xf32>) -> tensor<1x4x8xf32>
  return %p, %l, %s : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x4x8xf32>
}
