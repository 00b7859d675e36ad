// RUN: sinter-opt %s --split-input-file --sinter-gpu-kernels | FileCheck %s

// An elementwise op: one thread per element, the last index fastest, 256
// threads per block, ceil(1200 / 256) = 5 blocks; the kernel takes the
// entry's buffers and nothing else.
// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:.*]]: memref<4x300xf32>, %[[B:.*]]: memref<4x300xf32>, %[[C:.*]]: memref<4x300xf32>, %[[WS:.*]]: memref<0xi8>)
// CHECK: gpu.launch_func @add_kernels::@add_0_elementwise blocks in (%c5, %c1, %c1) threads in (%c256, %c1, %c1) args(%[[A]] : memref<4x300xf32>, %[[B]] : memref<4x300xf32>, %[[C]] : memref<4x300xf32>)
// CHECK-NEXT: return
// CHECK: gpu.module @add_kernels
// CHECK: gpu.func @add_0_elementwise
// CHECK-SAME: kernel
// CHECK: %[[BID:.*]] = gpu.block_id x
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %[[OFF:.*]] = arith.muli %[[BID]], %c256
// CHECK: %[[LIN:.*]] = arith.addi %[[TID]], %[[OFF]]
// CHECK: scf.for %[[I:.*]] = %[[LIN]] to %c1200 step %c1280
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %c300
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %c300
// CHECK: memref.load %{{.*}}[%[[ROW]], %[[COL]]]
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}[%[[ROW]], %[[COL]]]
func.func @add(%a: tensor<4x300xf32>, %b: tensor<4x300xf32>) -> tensor<4x300xf32> {
  %r = sinter.add %a, %b : tensor<4x300xf32>
  return %r : tensor<4x300xf32>
}

// -----

// A softmax (a reduction fusion) is one block per row. The row max and sum
// live in shared memory; each is a strided partial per thread, a butterfly
// over the warp's lanes, one partial per warp through shared memory, then
// thread 0 combines it with the initial value. Barriers separate the steps.
// CHECK-LABEL: func.func @softmax
// CHECK: gpu.launch_func @softmax_kernels::@softmax_0_rows blocks in (%c8, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @softmax_0_rows
// CHECK-SAME: workgroup(%[[SUM:.*]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[MAX:.*]] : memref<1xf32, #gpu.address_space<workgroup>>, %[[P1:.*]] : memref<8xf32, #gpu.address_space<workgroup>>, %[[P2:.*]] : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: memref.store %{{.*}}, %[[MAX]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %[[TID]] to %c1024 step %c256 iter_args
// CHECK: arith.maximumf
// CHECK: gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32
// CHECK: memref.store %{{.*}}, %[[P1]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[P1]]
// CHECK: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: arith.cmpi eq, %[[TID]], %c0
// CHECK: memref.store %{{.*}}, %[[MAX]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %[[TID]] to %c1024 step %c256 iter_args
// CHECK: memref.load %[[MAX]]
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %[[P2]]
// CHECK: memref.store %{{.*}}, %[[SUM]]
// CHECK: gpu.barrier
// The output recomputes each exp instead of buffering the row, and is
// written in place (no copy after it).
// CHECK: scf.for %{{.*}} = %[[TID]] to %c1024 step %c256
// CHECK: memref.load %[[SUM]]
// CHECK: math.exp
// CHECK: memref.store
// CHECK: gpu.barrier
// CHECK-NEXT: gpu.return
func.func @softmax(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %r = sinter.softmax %x, axis = 1 : (tensor<8x1024xf32>) -> tensor<8x1024xf32>
  return %r : tensor<8x1024xf32>
}

// -----

// A reduction outside a fusion: one block per output.
// CHECK-LABEL: func.func @rowsum
// CHECK: gpu.launch_func @rowsum_kernels::@rowsum_0_elementwise
// CHECK: gpu.launch_func @rowsum_kernels::@rowsum_1_reduction blocks in (%c8, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.func @rowsum_1_reduction
// CHECK-SAME: workgroup(%{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: gpu.shuffle xor
func.func @rowsum(%x: tensor<8x1024xf32>) -> tensor<8xf32> {
  %r = sinter.reduce sum %x, dims = [1] : (tensor<8x1024xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A matmul: 64x64 tiles of C (ceil(130/64) x ceil(100/64) blocks) of 16x16
// threads, A and B staged through shared memory (padded by a column against
// bank conflicts) 16 deep in K (ceil(70/16)
// = 5 steps), 16 accumulators per thread; edges are guarded. The zero fill
// of C is folded: the kernel stores A·B without reading C.
// CHECK-LABEL: func.func @mm
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.launch_func @mm_kernels::@mm_0_matmul blocks in (%c3, %c2, %c1) threads in (%c16, %c16, %c1)
// CHECK-NEXT: return
// CHECK: gpu.func @mm_0_matmul
// CHECK-SAME: (%[[MA:.*]]: memref<100x70xf32>, %[[MB:.*]]: memref<70x130xf32>, %[[MC:.*]]: memref<100x130xf32>)
// CHECK-SAME: workgroup(%[[SA:.*]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<16x65xf32, #gpu.address_space<workgroup>>)
// CHECK: %{{.*}}:16 = scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args(
// CHECK: arith.cmpi ult, %{{.*}}, %c100
// CHECK: arith.cmpi ult, %{{.*}}, %c70
// CHECK: memref.store %{{.*}}, %[[SA]]
// CHECK: memref.store %{{.*}}, %[[SB]]
// CHECK: gpu.barrier
// CHECK-COUNT-16: arith.mulf %{{.*}} fastmath<contract>
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK-NOT: memref.load %[[MC]]
// CHECK: memref.store %{{.*}}, %[[MC]]
func.func @mm(%a: tensor<100x70xf32>, %b: tensor<70x130xf32>) -> tensor<100x130xf32> {
  %r = sinter.matmul %a, %b : (tensor<100x70xf32>, tensor<70x130xf32>) -> tensor<100x130xf32>
  return %r : tensor<100x130xf32>
}

// -----

// A matmul epilogue fusion (bias, then gelu) runs in the matmul's kernel:
// each thread applies the epilogue to its accumulators at C's elements and
// stores the result; C itself is never written (nor allocated), and two
// matmul+epilogue pairs are two kernels.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: memref<8x128xf32>, %[[B1:.*]]: memref<512xf32>, %[[W1:.*]]: memref<128x512xf32>, %[[Y:.*]]: memref<8x512xf32>, %[[WS:.*]]: memref<0xi8>)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.launch_func @mlp_kernels::@mlp_0_matmul_epilogue blocks in (%c8, %c1, %c1) threads in (%c16, %c16, %c1)
// CHECK-NEXT: return
// CHECK: gpu.func @mlp_0_matmul_epilogue
// CHECK: %{{.*}}:16 = scf.for
// CHECK: memref.load %{{.*}}[%{{.*}}] : memref<512xf32>
// CHECK: math.tanh
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : memref<8x512xf32>
func.func @mlp(%x: tensor<8x128xf32>, %b1: tensor<512xf32>, %w1: tensor<128x512xf32>) -> tensor<8x512xf32> {
  %m = sinter.matmul %x, %w1 : (tensor<8x128xf32>, tensor<128x512xf32>) -> tensor<8x512xf32>
  %b = sinter.broadcast_in_dim %b1, dims = [1] : (tensor<512xf32>) -> tensor<8x512xf32>
  %a = sinter.add %m, %b : tensor<8x512xf32>
  %g = sinter.gelu tanh %a : tensor<8x512xf32>
  return %g : tensor<8x512xf32>
}

// -----

// Attention: one block of 64 threads (one per query row) per query tile and
// head; K, V and the scores of a 32-key tile in shared memory; the loop over
// key tiles carries the row max, the row sum and 64 accumulators.
// CHECK-LABEL: func.func @attn
// CHECK: gpu.launch_func @attn_kernels::@attn_0_attention blocks in (%c2, %c2, %c1) threads in (%c64, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.func @attn_0_attention
// CHECK-SAME: workgroup(%[[K:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>>, %[[V:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>>, %[[S:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[TID:.*]] = gpu.thread_id x
// CHECK: %{{.*}}:66 = scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args(
// CHECK: scf.for %{{.*}} = %[[TID]] to %c2048 step %c64
// CHECK: memref.store %{{.*}}, %[[K]]
// CHECK: scf.for %{{.*}} = %[[TID]] to %c2048 step %c64
// CHECK: memref.store %{{.*}}, %[[V]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK: memref.store %{{.*}}, %[[S]][%{{.*}}, %[[TID]]]
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK: memref.load %[[S]]
// CHECK: math.exp
// CHECK: gpu.barrier
func.func @attn(%q: tensor<1x2x100x64xf32>, %k: tensor<1x2x100x64xf32>, %v: tensor<1x2x100x64xf32>) -> tensor<1x2x100x64xf32> {
  %o = sinter.attention %q, %k, %v scale = 1.250000e-01 causal : tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32> -> tensor<1x2x100x64xf32>
  return %o : tensor<1x2x100x64xf32>
}
