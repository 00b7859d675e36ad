// RUN: sinter-opt %s -split-input-file -sinter-cpu-promote-loop-buffers -verify-diagnostics | FileCheck %s
// RUN: not sinter-opt %s -split-input-file -sinter-cpu-promote-loop-buffers="max-bytes=64" 2>&1 >/dev/null | FileCheck %s --check-prefix=BUDGET

// A buffer allocated inside a parallel loop becomes a per-iteration stack
// buffer (hoisted later by sinter-cpu-outline-kernels); one at the top level
// stays an alloc for the workspace planner.
// CHECK-LABEL: func.func @per_iteration
// CHECK: %[[TOP:.*]] = memref.alloc() : memref<8xf32>
// CHECK: scf.parallel
// CHECK: memref.alloca() {alignment = 64 : i64, sinter.loop_buffer} : memref<16xf32>
// CHECK-NOT: memref.alloc()
// BUDGET: error: the buffers inside this loop nest need 128 bytes, over the 64-byte limit for stack buffers
func.func @per_iteration(%out: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %top = memref.alloc() : memref<8xf32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    %u = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    %v = memref.load %t[%c0] : memref<16xf32>
    memref.store %v, %u[%c0] : memref<16xf32>
    memref.store %v, %out[%i, %c0] : memref<8x16xf32>
    scf.reduce
  }
  return
}

// -----

// A buffer handed to the next iteration cannot be a per-iteration buffer.
func.func @escapes(%init: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%b = %init) -> (memref<4xf32>) {
    // expected-error @+1 {{a buffer allocated inside a loop ('memref<4xf32>') is passed on to the next iteration}}
    %n = memref.alloc() : memref<4xf32>
    scf.yield %n : memref<4xf32>
  }
  return
}

// -----

// Stack buffers need a static size.
func.func @dynamic(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-error @+1 {{a buffer of dynamic shape 'memref<?xf32>' inside a loop cannot be placed}}
    %d = memref.alloc(%n) : memref<?xf32>
  }
  return
}
