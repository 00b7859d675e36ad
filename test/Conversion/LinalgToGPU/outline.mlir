// RUN: sinter-opt %s --split-input-file --verify-diagnostics --sinter-gpu-extract-constants --sinter-gpu-sink-into-launches --sinter-gpu-outline-kernels | FileCheck %s

// The constant a kernel reads becomes a view of a constants buffer the
// entry takes after its workspace (the global stays, tagged with its
// offset; an unread one goes). Views and constants move into the kernels,
// which then take only the entry's buffers; each launch becomes a kernel of
// one module, named after the entry, its index and its kind.
// CHECK: memref.global "private" constant @w : memref<4xf32> = dense<{{.*}}> {sinter.constant_offset = 0 : i64}
// CHECK-NOT: @unread
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<8x4xf32>, %[[Y:.*]]: memref<8x4xf32>, %[[WS:.*]]: memref<128xi8>, %[[C:.*]]: memref<16xi8>) attributes {sinter.constant_bytes = 16 : i64, sinter.workspace_bytes = 128 : i64}
// CHECK-NOT: memref.
// CHECK: gpu.launch_func @main_kernels::@main_0_elementwise blocks in (%c1, %c1, %c1) threads in (%c32, %c1, %c1) args(%[[X]] : memref<8x4xf32>, %[[C]] : memref<16xi8>, %[[WS]] : memref<128xi8>)
// CHECK-NEXT: gpu.launch_func @main_kernels::@main_1_copy blocks in (%c1, %c1, %c1) threads in (%c32, %c1, %c1) args(%[[WS]] : memref<128xi8>, %[[Y]] : memref<8x4xf32>)
// CHECK-NEXT: return
// CHECK: gpu.module @main_kernels
// CHECK: gpu.func @main_0_elementwise(%[[KX:.*]]: memref<8x4xf32>, %[[KC:.*]]: memref<16xi8>, %[[KWS:.*]]: memref<128xi8>) kernel
// CHECK-DAG: memref.subview %[[KX]][1, 0] [1, 4] [1, 1]
// CHECK-DAG: memref.view %[[KC]][%{{.*}}][] : memref<16xi8> to memref<4xf32>
// CHECK-DAG: memref.view %[[KWS]][%{{.*}}][] : memref<128xi8> to memref<8x4xf32>
// CHECK: gpu.func @main_1_copy
memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @unread : memref<2xf32> = dense<[5.0, 6.0]>
func.func @main(%x: memref<8x4xf32>, %y: memref<8x4xf32>, %ws: memref<128xi8>) attributes {sinter.workspace_bytes = 128 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %t = memref.view %ws[%c0][] : memref<128xi8> to memref<8x4xf32>
  %row = memref.subview %x[1, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<4xf32, strided<[1], offset: 4>>
  %w = memref.get_global @w : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %row[%c0] : memref<4xf32, strided<[1], offset: 4>>
    %b = memref.load %w[%c1] : memref<4xf32>
    %s = arith.addf %a, %b : f32
    memref.store %s, %t[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "elementwise"}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %t[%c0, %c0] : memref<8x4xf32>
    memref.store %a, %y[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "copy"}
  return
}

// -----

// A kernel may not capture a buffer the host would have to allocate: the
// workspace plan must have made it a view.
func.func @unplanned(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %buffer = memref.alloc() : memref<4xf32>
  // expected-error @+1 {{a GPU kernel may only use the entry function's buffers and views of them; it uses}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %a = memref.load %x[%c0] : memref<4xf32>
    memref.store %a, %buffer[%c0] : memref<4xf32>
    gpu.terminator
  }
  return
}
