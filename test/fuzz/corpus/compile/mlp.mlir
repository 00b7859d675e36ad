func.func @main(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %h = sinter.matmul %x, %w : (tensor<4x16xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %a = sinter.add %h, %bb : tensor<4x8xf32>
  %g = sinter.gelu tanh %a : tensor<4x8xf32>
  %s = sinter.softmax %g, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %n = sinter.layer_norm %s axis = 1 epsilon = 1.0e-05 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %n : tensor<4x8xf32>
}
