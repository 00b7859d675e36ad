// RUN: sinter-opt %s -split-input-file -verify-diagnostics -sinter-drop-in-place-results | FileCheck %s

// A result written in place is its input's memref after bufferization
// (through a cast at most): it is dropped from the signature. An ordinary
// result that is an argument gets a buffer of its own.
// CHECK-LABEL: func.func @dropped(
// CHECK-SAME: %[[W:.*]]: memref<4xf32> {sinter.name = "w"}, %[[V:.*]]: memref<4xf32>) -> (memref<4xf32> {sinter.name = "v2"}) {
// CHECK-NEXT: %[[OWN:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.copy %[[V]], %[[OWN]]
// CHECK-NEXT: return %[[OWN]] : memref<4xf32>
func.func @dropped(%w: memref<4xf32> {sinter.name = "w"}, %v: memref<4xf32>)
    -> (memref<4xf32> {sinter.name = "next.w", sinter.aliases_input = "w"}, memref<4xf32> {sinter.name = "v2"}) {
  return %w, %v : memref<4xf32>, memref<4xf32>
}

// -----

// After bufferization, a result that should have been written in place but
// is another buffer would be lost: an error, not a silent drop.
// expected-error @+1 {{result 0 ('next.w') should have been written into the buffer of input 0 ('w') by bufferization, but is another buffer}}
func.func @not_in_place(%w: memref<4xf32> {sinter.name = "w"}, %v: memref<4xf32>)
    -> (memref<4xf32> {sinter.name = "next.w", sinter.aliases_input = "w"}) {
  return %v : memref<4xf32>
}
