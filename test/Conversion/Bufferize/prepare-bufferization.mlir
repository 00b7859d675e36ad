// RUN: sinter-opt %s -split-input-file -verify-diagnostics -sinter-prepare-bufferization | FileCheck %s

// A compiled model's inputs are caller-owned and read-only, and each result
// must be its own output buffer.

// Every tensor argument of a public function becomes a memref read through a
// non-writable `bufferization.to_tensor restrict`; other arguments are kept.
// CHECK-LABEL: func.func @inputs_read_only
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<2x2xi32>, %{{[a-zA-Z0-9_]+}}: index) -> tensor<4xf32>
// CHECK-NEXT: %[[TA:.*]] = bufferization.to_tensor %[[A]] restrict : memref<4xf32>
// CHECK-NEXT: %{{.*}} = bufferization.to_tensor %[[B]] restrict : memref<2x2xi32>
// CHECK-NEXT: arith.addf %[[TA]], %[[TA]]
// CHECK-NOT: bufferization.alloc_tensor
// CHECK: return
func.func @inputs_read_only(%a: tensor<4xf32>, %b: tensor<2x2xi32>, %n: index) -> tensor<4xf32> {
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A returned argument is copied into a fresh tensor.
// CHECK-LABEL: func.func @returned_argument
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4xf32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[A]] restrict
// CHECK: %[[C:.*]] = bufferization.alloc_tensor() copy(%[[T]]) : tensor<4xf32>
// CHECK: return %[[C]] : tensor<4xf32>
func.func @returned_argument(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// -----

// A value returned twice: the first stays, the second is a copy.
// CHECK-LABEL: func.func @returned_twice
// CHECK: %[[V:.*]] = arith.addf
// CHECK: %[[C:.*]] = bufferization.alloc_tensor() copy(%[[V]]) : tensor<4xf32>
// CHECK: return %[[V]], %[[C]] : tensor<4xf32>, tensor<4xf32>
func.func @returned_twice(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0, %0 : tensor<4xf32>, tensor<4xf32>
}

// -----

// The same argument returned twice: two copies.
// CHECK-LABEL: func.func @argument_returned_twice
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<2xbf16>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[A]] restrict
// CHECK: %[[C0:.*]] = bufferization.alloc_tensor() copy(%[[T]]) : tensor<2xbf16>
// CHECK: %[[C1:.*]] = bufferization.alloc_tensor() copy(%[[T]]) : tensor<2xbf16>
// CHECK: return %[[C0]], %[[C1]]
func.func @argument_returned_twice(%a: tensor<2xbf16>) -> (tensor<2xbf16>, tensor<2xbf16>) {
  return %a, %a : tensor<2xbf16>, tensor<2xbf16>
}

// -----

// Private functions are not model entry points: untouched.
// CHECK-LABEL: func.func private @no_change_private
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<4xf32>) -> tensor<4xf32> {
// CHECK-NOT: bufferization
// CHECK: return %[[A]]
func.func private @no_change_private(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// -----

// An entry point cannot be called: its signature changes here.
// expected-error@+1 {{a public function is a model's entry point and cannot be called by another function}}
func.func @called(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %a, %a : tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func private @caller(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = func.call @called(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
