// RUN: sinter-opt %s -split-input-file -sinter-recognize-logsumexp | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-logsumexp | FileCheck %s --check-prefix=ROUNDTRIP

// max + log(sum(exp(x - max))), as models and the decomposition write it.
// CHECK-LABEL: func.func @logsumexp
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[L:.*]] = sinter.logsumexp %[[X]], axis = 1 : (tensor<4x8xf32>) -> tensor<4xf32>
// CHECK-NEXT: return %[[L]]
func.func @logsumexp(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %l = sinter.log %s : tensor<4xf32>
  %r = sinter.add %m, %l : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// keepdim=True: the max is reshaped to [4, 1] and broadcast with every
// dimension; the composite is reshaped the same way. The add is written
// log + max.
// CHECK-LABEL: func.func @logsumexp_keepdim
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[L:.*]] = sinter.logsumexp %[[X]], axis = 1 : (tensor<4x8xf32>) -> tensor<4xf32>
// CHECK-NEXT: %[[R:.*]] = sinter.reshape %[[L]] : (tensor<4xf32>) -> tensor<4x1xf32>
// CHECK-NEXT: return %[[R]]
func.func @logsumexp_keepdim(%x: tensor<4x8xf32>) -> tensor<4x1xf32> {
  %m0 = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %m = sinter.reshape %m0 : (tensor<4xf32>) -> tensor<4x1xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0, 1] : (tensor<4x1xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s0 = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %s = sinter.reshape %s0 : (tensor<4xf32>) -> tensor<4x1xf32>
  %l = sinter.log %s : tensor<4x1xf32>
  %r = sinter.add %l, %m : tensor<4x1xf32>
  return %r : tensor<4x1xf32>
}

// -----

// log_softmax as the decomposition writes it: (x - max) - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @log_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<3x5x7xbf16>)
// CHECK-NEXT: %[[L:.*]] = sinter.log_softmax %[[X]], axis = 0 : (tensor<3x5x7xbf16>) -> tensor<3x5x7xbf16>
// CHECK-NEXT: return %[[L]]
func.func @log_softmax(%x: tensor<3x5x7xbf16>) -> tensor<3x5x7xbf16> {
  %m = sinter.reduce max %x, dims = [0] : (tensor<3x5x7xbf16>) -> tensor<5x7xbf16>
  %mb = sinter.broadcast_in_dim %m, dims = [1, 2] : (tensor<5x7xbf16>) -> tensor<3x5x7xbf16>
  %d = sinter.sub %x, %mb : tensor<3x5x7xbf16>
  %e = sinter.exp %d : tensor<3x5x7xbf16>
  %s = sinter.reduce sum %e, dims = [0] : (tensor<3x5x7xbf16>) -> tensor<5x7xbf16>
  %l = sinter.log %s : tensor<5x7xbf16>
  %lb = sinter.broadcast_in_dim %l, dims = [1, 2] : (tensor<5x7xbf16>) -> tensor<3x5x7xbf16>
  %r = sinter.sub %d, %lb : tensor<3x5x7xbf16>
  return %r : tensor<3x5x7xbf16>
}

// -----

// x - broadcast(logsumexp(x)) in primitive ops: the logsumexp is recognised
// first, then the subtraction becomes log_softmax.
// CHECK-LABEL: func.func @log_softmax_via_logsumexp
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[L:.*]] = sinter.log_softmax %[[X]], axis = 1
// CHECK-NEXT: return %[[L]]
func.func @log_softmax_via_logsumexp(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %l = sinter.log %s : tensor<4xf32>
  %lse = sinter.add %m, %l : tensor<4xf32>
  %lb = sinter.broadcast_in_dim %lse, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %r = sinter.sub %x, %lb : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// The logsumexp is also returned: it becomes sinter.logsumexp, but the
// subtraction stays (the logsumexp is used elsewhere).
// CHECK-LABEL: func.func @negative_logsumexp_used_elsewhere
// CHECK: %[[L:.*]] = sinter.logsumexp
// CHECK-NOT: sinter.log_softmax
// CHECK: sinter.sub
func.func @negative_logsumexp_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %lse = sinter.logsumexp %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4xf32>
  %lb = sinter.broadcast_in_dim %lse, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %r = sinter.sub %x, %lb : tensor<4x8xf32>
  return %r, %lse : tensor<4x8xf32>, tensor<4xf32>
}

// -----

// The shifted logits are also returned: no match.
// CHECK-LABEL: func.func @negative_shifted_used_elsewhere
// CHECK-NOT: sinter.logsumexp
func.func @negative_shifted_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4xf32>, tensor<4x8xf32>) {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %l = sinter.log %s : tensor<4xf32>
  %r = sinter.add %m, %l : tensor<4xf32>
  return %r, %d : tensor<4xf32>, tensor<4x8xf32>
}

// -----

// The max and the sum over different axes of a square tensor.
// CHECK-LABEL: func.func @negative_different_axes
// CHECK-NOT: sinter.logsumexp
// CHECK-NOT: sinter.log_softmax
func.func @negative_different_axes(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<8x8xf32>) -> tensor<8xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<8xf32>) -> tensor<8x8xf32>
  %d = sinter.sub %x, %mb : tensor<8x8xf32>
  %e = sinter.exp %d : tensor<8x8xf32>
  %s = sinter.reduce sum %e, dims = [0] : (tensor<8x8xf32>) -> tensor<8xf32>
  %l = sinter.log %s : tensor<8xf32>
  %lb = sinter.broadcast_in_dim %l, dims = [1] : (tensor<8xf32>) -> tensor<8x8xf32>
  %r = sinter.sub %d, %lb : tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}

// -----

// The max of another tensor: log(sum(exp(x - max(y)))) + max(y) is not a
// logsumexp of x.
// CHECK-LABEL: func.func @negative_max_of_other_tensor
// CHECK-NOT: sinter.logsumexp
func.func @negative_max_of_other_tensor(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4xf32> {
  %m = sinter.reduce max %y, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %l = sinter.log %s : tensor<4xf32>
  %r = sinter.add %m, %l : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A mean instead of the sum: not a logsumexp.
// CHECK-LABEL: func.func @negative_mean_not_sum
// CHECK-NOT: sinter.logsumexp
func.func @negative_mean_not_sum(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce mean %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %l = sinter.log %s : tensor<4xf32>
  %r = sinter.add %m, %l : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Round trip: decomposing then recognising gives the composites back.
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-NEXT: sinter.logsumexp %{{.*}}, axis = 2 : (tensor<2x3x16xf32>) -> tensor<2x3xf32>
// ROUNDTRIP-NEXT: sinter.log_softmax %{{.*}}, axis = 1 : (tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%x: tensor<2x3x16xf32>) -> (tensor<2x3xf32>, tensor<2x3x16xf32>) {
  %0 = sinter.logsumexp %x, axis = 2 : (tensor<2x3x16xf32>) -> tensor<2x3xf32>
  %1 = sinter.log_softmax %x, axis = 1 : (tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3x16xf32>
}
