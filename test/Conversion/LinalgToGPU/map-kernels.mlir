// RUN: sinter-opt %s --split-input-file --verify-diagnostics --sinter-gpu-map-kernels | FileCheck %s

// sinter-gpu-map-kernels on bufferized IR, one case per mapping.

#id = affine_map<(d0, d1) -> (d0, d1)>

// An all-parallel generic: one launch of ceil(1200 / 256) = 5 blocks of 256
// threads, each computing the body at one point; the generic is gone.
// CHECK-LABEL: func.func @elementwise
// CHECK-NOT: linalg.generic
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c5{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: math.exp
// CHECK: memref.store
// CHECK: } {sinter.gpu_kernel = "elementwise"}
// CHECK-NOT: linalg.generic
func.func @elementwise(%a: memref<4x300xf32>, %b: memref<4x300xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x300xf32>) outs(%b : memref<4x300xf32>) {
  ^bb0(%x: f32, %o: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A reduction over rows of 1024: one block per output, a butterfly over the
// warp, one partial per warp (8) in shared memory.
// CHECK-LABEL: func.func @rowsum
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}}) workgroup(%[[P:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: memref.store %{{.*}}, %[[P]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[P]]
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: } {sinter.gpu_kernel = "reduction"}
func.func @rowsum(%a: memref<8x1024xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%a : memref<8x1024xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A reduction of 16 elements is too short to share: one thread per output.
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: gpu.shuffle
// CHECK: } {sinter.gpu_kernel = "elementwise"}
func.func @short_rows(%a: memref<8x16xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%a : memref<8x16xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A matmul after the zero fill of its C: one tiled kernel that overwrites C
// (the fill is folded: no second launch, and C is not read).
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: %[[C:[^:]*]]: memref<100x130xf32>)
// CHECK-NOT: linalg.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c3{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %c16{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: memref.load %[[C]]
// CHECK: memref.store %{{.*}}, %[[C]]
// CHECK: } {sinter.gpu_kernel = "matmul"}
// CHECK-NOT: gpu.launch
func.func @matmul(%a: memref<100x70xf32>, %b: memref<70x130xf32>, %c: memref<100x130xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<100x130xf32>)
  linalg.matmul ins(%a, %b : memref<100x70xf32>, memref<70x130xf32>) outs(%c : memref<100x130xf32>)
  return
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// A row-tiled reduction fusion: one block per row; its row buffer in shared
// memory; each generic run by the whole block with a barrier after it.
// CHECK-LABEL: func.func @rows
// CHECK-NOT: scf.forall
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c8{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c256{{.*}}, {{.*}}) workgroup(%[[SUM:.*]] : memref<1xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.store %{{.*}}, %[[SUM]]
// CHECK: gpu.barrier
// CHECK: gpu.shuffle xor
// CHECK: memref.store %{{.*}}, %[[SUM]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SUM]]
// CHECK: arith.divf
// CHECK: gpu.barrier
// CHECK: } {sinter.gpu_kernel = "rows"}
func.func @rows(%a: memref<8x1024xf32>, %o: memref<8x1024xf32>) {
  %z = arith.constant 0.0 : f32
  scf.forall (%i) in (8) {
    %in = memref.subview %a[%i, 0] [1, 1024] [1, 1] : memref<8x1024xf32> to memref<1x1024xf32, strided<[1024, 1], offset: ?>>
    %out = memref.subview %o[%i, 0] [1, 1024] [1, 1] : memref<8x1024xf32> to memref<1x1024xf32, strided<[1024, 1], offset: ?>>
    %sum = memref.alloc() : memref<1xf32>
    linalg.fill ins(%z : f32) outs(%sum : memref<1xf32>)
    linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%in : memref<1x1024xf32, strided<[1024, 1], offset: ?>>) outs(%sum : memref<1xf32>) {
    ^bb0(%x: f32, %acc: f32):
      %r = arith.addf %acc, %x : f32
      linalg.yield %r : f32
    }
    linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%in, %sum : memref<1x1024xf32, strided<[1024, 1], offset: ?>>, memref<1xf32>) outs(%out : memref<1x1024xf32, strided<[1024, 1], offset: ?>>) {
    ^bb0(%x: f32, %s: f32, %y: f32):
      %d = arith.divf %x, %s : f32
      linalg.yield %d : f32
    }
  }
  return
}

// -----

// An op with no GPU kernel is an error, not a silent host loop.
func.func @unmapped(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %v = arith.constant 1.0 : f32
  // expected-error @+1 {{no GPU kernel for this op}}
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %v, %a[%i] : memref<4xf32>
  }
  return
}
