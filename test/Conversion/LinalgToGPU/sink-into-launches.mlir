// RUN: sinter-opt %s --sinter-gpu-sink-into-launches | FileCheck %s

// sinter-gpu-sink-into-launches alone: the views and constants a kernel
// uses are cloned into its body, so that it takes only the entry's
// buffers; what no other op uses is gone from the entry.
// CHECK-LABEL: func.func @main
// CHECK-NOT: memref.view
// CHECK-NOT: memref.subview
// CHECK: gpu.launch
// CHECK-DAG: memref.subview %arg0[1, 0] [1, 4] [1, 1]
// CHECK-DAG: memref.view %arg2
// CHECK: gpu.terminator
// CHECK: gpu.launch
// CHECK: memref.view %arg2
// CHECK: memref.store %{{.*}}, %arg1
func.func @main(%x: memref<8x4xf32>, %y: memref<8x4xf32>, %ws: memref<128xi8>) attributes {sinter.workspace_bytes = 128 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %t = memref.view %ws[%c0][] : memref<128xi8> to memref<8x4xf32>
  %row = memref.subview %x[1, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<4xf32, strided<[1], offset: 4>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %row[%c0] : memref<4xf32, strided<[1], offset: 4>>
    memref.store %a, %t[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "elementwise"}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %a = memref.load %t[%c0, %c0] : memref<8x4xf32>
    memref.store %a, %y[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "copy"}
  return
}
