// RUN: sinter-opt %s --split-input-file --verify-diagnostics --sinter-lift-parameters | FileCheck %s
// RUN: not sinter-opt %s --split-input-file --sinter-lift-parameters="names=b" 2>&1 | FileCheck %s --check-prefix=ONLY
// RUN: not sinter-opt %s --split-input-file --sinter-lift-parameters="names=nope" 2>&1 | FileCheck %s --check-prefix=NOPE

// Named float constants become arguments after the inputs, in program
// order; unnamed and integer constants stay.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32> {sinter.name = "x"},
// CHECK-SAME: %[[W:.*]]: tensor<3x4xf32> {sinter.name = "w", sinter.parameter},
// CHECK-SAME: %[[B:.*]]: tensor<4xf32> {sinter.name = "b", sinter.parameter})
// CHECK-DAG: sinter.constant dense<2.000000e+00> : tensor<2x4xf32>
// CHECK-DAG: sinter.constant dense<1> : tensor<4xi32> {sinter.name = "idx"}
// CHECK: sinter.matmul %[[X]], %[[W]]
// CHECK: sinter.broadcast_in_dim %[[B]]
// ONLY: error: sinter-lift-parameters: @clash has no float parameter named 'b'
// ONLY-LABEL: func.func @main(
// ONLY-SAME: %{{.*}}: tensor<2x3xf32> {sinter.name = "x"},
// ONLY-SAME: %{{.*}}: tensor<4xf32> {sinter.name = "b", sinter.parameter})
// ONLY: sinter.constant dense<5.000000e-01> : tensor<3x4xf32> {sinter.name = "w"}
// NOPE: error: sinter-lift-parameters: @main has no float parameter named 'nope'

func.func @main(%x: tensor<2x3xf32> {sinter.name = "x"}) -> (tensor<2x4xf32>, tensor<4xi32>) {
  %w = sinter.constant dense<0.5> : tensor<3x4xf32> {sinter.name = "w"}
  %b = sinter.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32> {sinter.name = "b"}
  %i = sinter.constant dense<1> : tensor<4xi32> {sinter.name = "idx"}
  %two = sinter.constant dense<2.0> : tensor<2x4xf32>
  %y = sinter.matmul %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<4xf32>) -> tensor<2x4xf32>
  %z = sinter.add %y, %bb : tensor<2x4xf32>
  %r = sinter.mul %z, %two : tensor<2x4xf32>
  return %r, %i : tensor<2x4xf32>, tensor<4xi32>
}

// -----

// A parameter named like an input cannot become one.
// expected-error @+1 {{parameter 'x' of @clash has the name of an argument}}
func.func @clash(%x: tensor<2xf32> {sinter.name = "x"}) -> tensor<2xf32> {
  %w = sinter.constant dense<0.5> : tensor<2xf32> {sinter.name = "x"}
  %y = sinter.add %x, %w : tensor<2xf32>
  return %y : tensor<2xf32>
}
