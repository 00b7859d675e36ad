// RUN: sinter-opt %s --sinter-gpu-outline-kernels | FileCheck %s

// sinter-gpu-outline-kernels alone: each launch (whose body uses only the
// entry's buffers) becomes a kernel of one gpu.module named after the
// entry, its index and its kind, with its grid and block sizes known.
// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch_func @main_kernels::@main_0_elementwise blocks in (%{{.*}}, %{{.*}}, %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) args(%arg2 : memref<128xi8>, %arg0 : memref<8x4xf32>)
// CHECK: gpu.launch_func @main_kernels::@main_1_copy {{.*}} args(%arg2 : memref<128xi8>, %arg1 : memref<8x4xf32>)
// CHECK: gpu.module @main_kernels
// CHECK: gpu.func @main_0_elementwise(%{{.*}}: memref<128xi8>, %{{.*}}: memref<8x4xf32>) kernel attributes {known_block_size = array<i32: 32, 1, 1>, known_grid_size = array<i32: 1, 1, 1>}
// CHECK: gpu.func @main_1_copy(
func.func @main(%x: memref<8x4xf32>, %y: memref<8x4xf32>, %ws: memref<128xi8>) attributes {sinter.workspace_bytes = 128 : i64} {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %t = memref.view %ws[%c0][] : memref<128xi8> to memref<8x4xf32>
    %a = memref.load %x[%c0, %c0] : memref<8x4xf32>
    memref.store %a, %t[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "elementwise"}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %c0 = arith.constant 0 : index
    %t = memref.view %ws[%c0][] : memref<128xi8> to memref<8x4xf32>
    %a = memref.load %t[%c0, %c0] : memref<8x4xf32>
    memref.store %a, %y[%c0, %c0] : memref<8x4xf32>
    gpu.terminator
  } {sinter.gpu_kernel = "copy"}
  return
}
