
// Private functions are not model entry points: untouched.
// CHECK-LABEL: func.func private @no_change_private
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NOT: bufferization
// CHECK: return %[[A]]
func.func private @no_change_private(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
