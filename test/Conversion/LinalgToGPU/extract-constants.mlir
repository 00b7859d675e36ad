// RUN: sinter-opt %s --sinter-gpu-extract-constants | FileCheck %s

// sinter-gpu-extract-constants alone: the global a kernel reads gets an
// offset in one constants buffer, which the entry takes after its
// workspace; the kernel reads a view of that buffer. A global nothing reads
// gets no offset (outlining drops it later).
// CHECK: memref.global "private" constant @w : memref<4xf32> = dense<{{.*}}> {sinter.constant_offset = 0 : i64}
// CHECK: memref.global "private" constant @unread : memref<2xf32> = dense<{{.*}}>{{$}}
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%{{.*}}: memref<8xf32>, %{{.*}}: memref<64xi8>, %[[C:.*]]: memref<16xi8>) attributes {sinter.constant_bytes = 16 : i64, sinter.workspace_bytes = 64 : i64}
// CHECK-NOT: memref.get_global
// CHECK: %[[W:.*]] = memref.view %[[C]][%{{.*}}][] : memref<16xi8> to memref<4xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[W]]
memref.global "private" constant @w : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" constant @unread : memref<2xf32> = dense<[5.0, 6.0]>
func.func @main(%y: memref<8xf32>, %ws: memref<64xi8>) attributes {sinter.workspace_bytes = 64 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %w = memref.get_global @w : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %a = memref.load %w[%c1] : memref<4xf32>
    memref.store %a, %y[%c0] : memref<8xf32>
    gpu.terminator
  }
  return
}
