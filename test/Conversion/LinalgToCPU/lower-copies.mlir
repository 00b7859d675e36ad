// RUN: sinter-opt %s -split-input-file -sinter-cpu-lower-copies | FileCheck %s

// memref.copy would lower to a call into MLIR's runner library (for
// non-contiguous memrefs); linalg.copy becomes loops like every other op.

// CHECK-LABEL: func.func @contiguous
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<4x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[A]] : memref<4x8xf32>) outs(%[[B]] : memref<4x8xf32>)
// CHECK-NEXT: return
func.func @contiguous(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// A strided source (a column block): the case that needed the library call.
// CHECK-LABEL: func.func @strided
// CHECK: %[[S:.*]] = memref.subview
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%[[S]] : memref<4x2xbf16, strided<[8, 1], offset: 2>>) outs(%{{.*}} : memref<4x2xbf16>)
func.func @strided(%a: memref<4x8xbf16>, %b: memref<4x2xbf16>) {
  %s = memref.subview %a[0, 2] [4, 2] [1, 1] : memref<4x8xbf16> to memref<4x2xbf16, strided<[8, 1], offset: 2>>
  memref.copy %s, %b : memref<4x2xbf16, strided<[8, 1], offset: 2>> to memref<4x2xbf16>
  return
}

// -----

// Copies nested in loops are rewritten too.
// CHECK-LABEL: func.func @in_loop
// CHECK: scf.for
// CHECK-NEXT: linalg.copy ins(%{{.*}} : memref<4xi32>) outs(%{{.*}} : memref<4xi32>)
// CHECK-NOT: memref.copy
func.func @in_loop(%a: memref<4xi32>, %b: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  scf.for %i = %c0 to %c3 step %c1 {
    memref.copy %a, %b : memref<4xi32> to memref<4xi32>
  }
  return
}

// -----

// A tile copied onto itself (left by bufferization in fused loops) copies
// nothing: it is dropped, not turned into a loop.
// CHECK-LABEL: func.func @self_copy
// CHECK-NEXT: memref.subview
// CHECK-NEXT: return
func.func @self_copy(%a: memref<4x8xf32>) {
  %s = memref.subview %a[1, 0] [1, 8] [1, 1] : memref<4x8xf32> to memref<1x8xf32, strided<[8, 1], offset: 8>>
  memref.copy %s, %s : memref<1x8xf32, strided<[8, 1], offset: 8>> to memref<1x8xf32, strided<[8, 1], offset: 8>>
  return
}
