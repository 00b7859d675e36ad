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

// -----

// An input a result overwrites (sinter.aliases_input) is read through a
// writable to_tensor, and that result is materialized in it; the fill and
// empty the result is computed in get copies of their own, so empty-tensor
// elimination cannot point the other user (%other) at the input too.
// CHECK-LABEL: func.func @in_place
// CHECK-SAME: (%[[W:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "w"}, %[[G:[a-zA-Z0-9_]+]]: memref<4xf32>)
// CHECK-NEXT: %[[TW:.*]] = bufferization.to_tensor %[[W]] restrict writable : memref<4xf32>
// CHECK-NEXT: %[[TG:.*]] = bufferization.to_tensor %[[G]] restrict : memref<4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[OTHER:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<4xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[TW]], %[[TG]] : {{.*}}) outs(%[[E2]] : tensor<4xf32>)
// CHECK: %[[M:.*]] = bufferization.materialize_in_destination %[[NEXT]] in %[[TW]]
// CHECK: return %[[OTHER]], %[[M]]
#id = affine_map<(d0) -> (d0)>
func.func @in_place(%w: tensor<4xf32> {sinter.name = "w"}, %g: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32> {sinter.aliases_input = "w"}) {
  %e = tensor.empty() : tensor<4xf32>
  %other = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<4xf32>
  %next = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %g : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %z = arith.subf %x, %y : f32
    linalg.yield %z : f32
  } -> tensor<4xf32>
  return %other, %next : tensor<4xf32>, tensor<4xf32>
}
