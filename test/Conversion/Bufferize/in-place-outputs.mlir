// RUN: sinter-opt %s -split-input-file -sinter-cpu-lower-to-linalg -sinter-bufferize | FileCheck %s

// Outputs that overwrite an input (sinter.aliases_input), through the whole
// bufferization: computed in the input's buffer where nothing reads the old
// value afterwards, else in a buffer of their own and copied over the input
// once its last reader has run. Either way the result is gone from the
// signature: the entry takes no buffer for it.

// The optimizer-style update: w and m are read, then overwritten in place,
// and the matmul that reads w comes first. No copies.
// CHECK-LABEL: func.func @update_in_place
// CHECK-SAME: (%[[W:[a-zA-Z0-9_]+]]: memref<4x8xf32> {sinter.name = "w"}, %[[X:[a-zA-Z0-9_]+]]: memref<8x4xf32> {sinter.name = "x"}, %[[M:[a-zA-Z0-9_]+]]: memref<4x8xf32> {sinter.name = "m"}, %[[Y:[a-zA-Z0-9_]+]]: memref<4x4xf32> {sinter.name = "y"}) {
// CHECK: linalg.matmul ins(%[[W]], %[[X]] : {{.*}}) outs(%[[Y]] : memref<4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[M]], %{{.*}} : {{.*}}) outs(%[[M]] : memref<4x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[M]] : {{.*}}) outs(%[[W]] : memref<4x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return{{$}}
func.func @update_in_place(%w: tensor<4x8xf32> {sinter.name = "w"}, %x: tensor<8x4xf32> {sinter.name = "x"}, %m: tensor<4x8xf32> {sinter.name = "m"})
    -> (tensor<4x4xf32> {sinter.name = "y"}, tensor<4x8xf32> {sinter.name = "next.w", sinter.aliases_input = "w"}, tensor<4x8xf32> {sinter.name = "next.m", sinter.aliases_input = "m"}) {
  %y = sinter.matmul %w, %x : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %c = sinter.constant dense<0.5> : tensor<4x8xf32>
  %m2 = sinter.mul %m, %c : tensor<4x8xf32>
  %n = sinter.sub %w, %m2 : tensor<4x8xf32>
  return %y, %n, %m2 : tensor<4x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// w is read after its new value is computed: the new value goes to a buffer
// of its own and is copied over w after the matmul.
// CHECK-LABEL: func.func @read_after_update
// CHECK-SAME: (%[[W:[a-zA-Z0-9_]+]]: memref<4x8xf32> {sinter.name = "w"}, %{{.*}}: memref<8x4xf32> {sinter.name = "x"}, %{{.*}}: memref<4x8xf32> {sinter.name = "m"}, %[[Y:[a-zA-Z0-9_]+]]: memref<4x4xf32> {sinter.name = "y"}) {
// CHECK: %[[NEW:.*]] = memref.alloc()
// CHECK: linalg.generic {{.*}} outs(%[[NEW]] : memref<4x8xf32>)
// CHECK: linalg.matmul ins(%[[W]], %{{.*}}) outs(%[[Y]] : memref<4x4xf32>)
// CHECK: memref.copy %[[NEW]], %[[W]]
// CHECK-NEXT: return{{$}}
func.func @read_after_update(%w: tensor<4x8xf32> {sinter.name = "w"}, %x: tensor<8x4xf32> {sinter.name = "x"}, %m: tensor<4x8xf32> {sinter.name = "m"})
    -> (tensor<4x8xf32> {sinter.name = "next.w", sinter.aliases_input = "w"}, tensor<4x4xf32> {sinter.name = "y"}) {
  %n = sinter.sub %w, %m : tensor<4x8xf32>
  %y = sinter.matmul %w, %x : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  return %n, %y : tensor<4x8xf32>, tensor<4x4xf32>
}

// -----

// An output that is exactly its input (nothing to write) is dropped too.
// CHECK-LABEL: func.func @unchanged(
// CHECK-SAME: %{{.*}}: memref<4xf32> {sinter.name = "w"}) {
// CHECK-NEXT: return{{$}}
func.func @unchanged(%w: tensor<4xf32> {sinter.name = "w"})
    -> (tensor<4xf32> {sinter.aliases_input = "w"}) {
  return %w : tensor<4xf32>
}

// -----

// One value returned in place twice and as ordinary outputs (itself and a
// reshape of it): computed once, then copied into w's and g's buffers and
// the reshaped output's; no output is left without its value.
// CHECK-LABEL: func.func @returned_in_place_and_as_outputs
// CHECK-SAME: (%[[W:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "w"}, %[[G:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "g"}, %[[COPY:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "copy"}, %[[FLAT:[a-zA-Z0-9_]+]]: memref<2x2xf32> {sinter.name = "flat"}) {
// CHECK: linalg.generic {{.*}} ins(%[[W]], %[[G]] : {{.*}}) outs(%[[N:.*]] : memref<4xf32>)
// CHECK-DAG: memref.copy %[[N]], %[[W]]
// CHECK-DAG: memref.copy %[[N]], %[[G]]
// CHECK-DAG: memref.copy %{{.*}}, %[[FLAT]]
// CHECK: return{{$}}
func.func @returned_in_place_and_as_outputs(%w: tensor<4xf32> {sinter.name = "w"}, %g: tensor<4xf32> {sinter.name = "g"})
    -> (tensor<4xf32> {sinter.name = "next.w", sinter.aliases_input = "w"}, tensor<4xf32> {sinter.name = "copy"},
        tensor<4xf32> {sinter.name = "next.g", sinter.aliases_input = "g"}, tensor<2x2xf32> {sinter.name = "flat"}) {
  %n = sinter.sub %w, %g : tensor<4xf32>
  %f = sinter.reshape %n : (tensor<4xf32>) -> tensor<2x2xf32>
  return %n, %n, %n, %f : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>
}

// -----

// A swap: each input's old value becomes the other's. Both old values are
// copied out before either buffer is written.
// CHECK-LABEL: func.func @swap
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "a"}, %[[B:[a-zA-Z0-9_]+]]: memref<4xf32> {sinter.name = "b"}) {
// CHECK-DAG: memref.copy %[[A]], %[[OLDA:[a-zA-Z0-9_]+]]
// CHECK-DAG: memref.copy %[[B]], %[[OLDB:[a-zA-Z0-9_]+]]
// CHECK: memref.copy %[[OLD1:[a-zA-Z0-9_]+]], %{{.*}}
// CHECK-NEXT: memref.copy %[[OLD2:[a-zA-Z0-9_]+]], %{{.*}}
// CHECK-NEXT: return{{$}}
func.func @swap(%a: tensor<4xf32> {sinter.name = "a"}, %b: tensor<4xf32> {sinter.name = "b"})
    -> (tensor<4xf32> {sinter.name = "next.a", sinter.aliases_input = "a"},
        tensor<4xf32> {sinter.name = "next.b", sinter.aliases_input = "b"}) {
  return %b, %a : tensor<4xf32>, tensor<4xf32>
}
