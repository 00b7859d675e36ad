// RUN: sinter-opt %s -split-input-file -sinter-recognize-softmax | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-softmax | FileCheck %s --check-prefix=ROUNDTRIP

// The stable form, as models write it: one sinter.softmax, nothing left.
// CHECK-LABEL: func.func @stable
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[P:.*]] = sinter.softmax %[[X]], axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: return %[[P]]
func.func @stable(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %p = sinter.div %e, %sb : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// A leading axis of a rank-3 bf16 tensor.
// CHECK-LABEL: func.func @axis0_bf16
// CHECK-NEXT: sinter.softmax %{{.*}}, axis = 0 : (tensor<3x5x7xbf16>) -> tensor<3x5x7xbf16>
// CHECK-NEXT: return
func.func @axis0_bf16(%x: tensor<3x5x7xbf16>) -> tensor<3x5x7xbf16> {
  %m = sinter.reduce max %x, dims = [0] : (tensor<3x5x7xbf16>) -> tensor<5x7xbf16>
  %mb = sinter.broadcast_in_dim %m, dims = [1, 2] : (tensor<5x7xbf16>) -> tensor<3x5x7xbf16>
  %d = sinter.sub %x, %mb : tensor<3x5x7xbf16>
  %e = sinter.exp %d : tensor<3x5x7xbf16>
  %s = sinter.reduce sum %e, dims = [0] : (tensor<3x5x7xbf16>) -> tensor<5x7xbf16>
  %sb = sinter.broadcast_in_dim %s, dims = [1, 2] : (tensor<5x7xbf16>) -> tensor<3x5x7xbf16>
  %p = sinter.div %e, %sb : tensor<3x5x7xbf16>
  return %p : tensor<3x5x7xbf16>
}

// -----

// The exps are also returned: recognising would compute them twice or lose
// them, so nothing changes.
// CHECK-LABEL: func.func @exp_used_elsewhere
// CHECK-NOT: sinter.softmax
// CHECK: sinter.div
func.func @exp_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %p = sinter.div %e, %sb : tensor<4x8xf32>
  return %p, %e : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// The max is also used: no match.
// CHECK-LABEL: func.func @max_used_elsewhere
// CHECK-NOT: sinter.softmax
func.func @max_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %p = sinter.div %e, %sb : tensor<4x8xf32>
  return %p, %m : tensor<4x8xf32>, tensor<4xf32>
}

// -----

// The max and the sum run over different axes of a square tensor: not a
// softmax.
// CHECK-LABEL: func.func @different_axes
// CHECK-NOT: sinter.softmax
func.func @different_axes(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %m = sinter.reduce max %x, dims = [0] : (tensor<8x8xf32>) -> tensor<8xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [1] : (tensor<8xf32>) -> tensor<8x8xf32>
  %d = sinter.sub %x, %mb : tensor<8x8xf32>
  %e = sinter.exp %d : tensor<8x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<8x8xf32>) -> tensor<8xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<8xf32>) -> tensor<8x8xf32>
  %p = sinter.div %e, %sb : tensor<8x8xf32>
  return %p : tensor<8x8xf32>
}

// -----

// The sum is broadcast back along the wrong axis (a square tensor makes the
// types agree): not a softmax.
// CHECK-LABEL: func.func @wrong_broadcast
// CHECK-NOT: sinter.softmax
func.func @wrong_broadcast(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<8x8xf32>) -> tensor<8xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<8xf32>) -> tensor<8x8xf32>
  %d = sinter.sub %x, %mb : tensor<8x8xf32>
  %e = sinter.exp %d : tensor<8x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<8x8xf32>) -> tensor<8xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [1] : (tensor<8xf32>) -> tensor<8x8xf32>
  %p = sinter.div %e, %sb : tensor<8x8xf32>
  return %p : tensor<8x8xf32>
}

// -----

// The max of one tensor subtracted from another: not a softmax of either.
// CHECK-LABEL: func.func @max_of_other_tensor
// CHECK-NOT: sinter.softmax
func.func @max_of_other_tensor(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = sinter.reduce max %y, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %p = sinter.div %e, %sb : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// A mean instead of the sum normalises differently: not a softmax.
// CHECK-LABEL: func.func @mean_not_sum
// CHECK-NOT: sinter.softmax
func.func @mean_not_sum(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = sinter.reduce max %x, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %d = sinter.sub %x, %mb : tensor<4x8xf32>
  %e = sinter.exp %d : tensor<4x8xf32>
  %s = sinter.reduce mean %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  %sb = sinter.broadcast_in_dim %s, dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
  %p = sinter.div %e, %sb : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

// Round trip: decomposing then recognising gives the composite back.
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-NEXT: sinter.softmax %{{.*}}, axis = 2 : (tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%x: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %0 = sinter.softmax %x, axis = 2 : (tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  return %0 : tensor<2x3x16xf32>
}
