// RUN: sinter-opt %s --sinter-autodiff="function=two wrt=w" | FileCheck %s
// RUN: not sinter-opt %s --sinter-autodiff="function=three" 2>&1 | FileCheck %s --check-prefix=NOFN
// RUN: not sinter-opt %s --sinter-autodiff="function=two wrt=v" 2>&1 | FileCheck %s --check-prefix=NOARG
// RUN: not sinter-opt %s --sinter-autodiff="function=two wrt=n" 2>&1 | FileCheck %s --check-prefix=INT

// Only the weight's gradient is asked for: the input's gradient (a matmul
// with the weight transposed) and the bias's are not built.
// CHECK-LABEL: func.func @two_grad
// CHECK-SAME: -> (tensor<f32>, tensor<8x16xf32> {sinter.name = "grad_w"})
// CHECK-NOT: transpose_rhs
// CHECK: sinter.matmul %arg0, %{{.*}} {transpose_lhs}
// CHECK-NOT: sinter.matmul
// CHECK: return
// NOFN: sinter-autodiff: no function @three
// NOARG: @two has no argument named 'v' (its arguments: x, w, b, n)
// INT: argument 'n' of @two is 'tensor<4xi32>': only float arguments have a gradient
func.func @two(%x: tensor<4x8xf32> {sinter.name = "x"}, %w: tensor<8x16xf32> {sinter.name = "w"}, %b: tensor<16xf32> {sinter.name = "b"}, %n: tensor<4xi32> {sinter.name = "n"}) -> tensor<f32> {
  %m = sinter.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<16xf32>) -> tensor<4x16xf32>
  %s = sinter.add %m, %bb : tensor<4x16xf32>
  %r = sinter.relu %s : tensor<4x16xf32>
  %l = sinter.reduce mean %r, dims = [0, 1] : (tensor<4x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
