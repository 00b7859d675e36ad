// RUN: sinter-opt %s --split-input-file --verify-diagnostics --sinter-fusion --sinter-gpu-lower-attention | FileCheck %s

// An attention fusion becomes a flash-attention launch on its operands'
// buffers; the result is a fresh buffer wrapped back into a tensor.
// CHECK-LABEL: func.func @flash
// CHECK-NOT: sinter.fusion
// CHECK-DAG: %[[Q:.*]] = bufferization.to_memref %{{.*}} read_only : memref<1x2x100x64xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() : memref<1x2x100x64xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{.*}}, {{.*}} = %c2{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c64, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) workgroup(%{{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>)
// CHECK: } {sinter.gpu_kernel = "attention"}
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
func.func @flash(%q: tensor<1x2x100x64xf32>, %k: tensor<1x2x100x64xf32>, %v: tensor<1x2x100x64xf32>) -> tensor<1x2x100x64xf32> {
  %o = sinter.attention %q, %k, %v scale = 1.250000e-01 causal : tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32>, tensor<1x2x100x64xf32> -> tensor<1x2x100x64xf32>
  return %o : tensor<1x2x100x64xf32>
}

// -----

// A head dimension above 128 would not fit in registers: the attention is
// decomposed instead (scores in memory), and the remark says why.
// CHECK-LABEL: func.func @wide_heads
// CHECK-NOT: gpu.launch
// CHECK: sinter.matmul %{{.*}}, %{{.*}} {transpose_rhs}
// CHECK: sinter.reduce max
// CHECK: sinter.exp
// CHECK: sinter.reduce sum
// CHECK: sinter.matmul
func.func @wide_heads(%q: tensor<1x1x8x160xf32>, %k: tensor<1x1x8x160xf32>, %v: tensor<1x1x8x160xf32>) -> tensor<1x1x8x160xf32> {
  // expected-remark @+1 {{a head dimension above 128 (registers) or more than 65535 heads or batches (grid) does not fit the GPU flash kernel; attention is computed unfused}}
  %o = sinter.attention %q, %k, %v scale = 1.250000e-01 : tensor<1x1x8x160xf32>, tensor<1x1x8x160xf32>, tensor<1x1x8x160xf32> -> tensor<1x1x8x160xf32>
  return %o : tensor<1x1x8x160xf32>
}

// -----

// Causal and unfused: the P.V product selects each hidden key (t > s + T - S)
// away rather than multiplying its value by p = 0, so a NaN or inf in a
// future value cannot reach the rows before it. bf16 accumulates in f32.
// CHECK-LABEL: func.func @wide_heads_causal
// CHECK-NOT: gpu.launch
// CHECK: sinter.select
// CHECK-NOT: sinter.matmul %{{.*}}, %{{.*}} :
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ACC:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x1x8x160xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%{{.*}}, %arg2 : tensor<1x1x8x12xbf16>, tensor<1x1x12x160xbf16>) outs(%[[ACC]] : tensor<1x1x8x160xf32>)
// CHECK: %[[ROW:.*]] = linalg.index 2
// CHECK: %[[KEY:.*]] = linalg.index 3
// CHECK: %[[LIMIT:.*]] = arith.addi %[[ROW]], %c4
// CHECK: %[[SEEN:.*]] = arith.cmpi sle, %[[KEY]], %[[LIMIT]]
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: arith.select %[[SEEN]], %[[SUM]], %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK-NOT: sinter.matmul
func.func @wide_heads_causal(%q: tensor<1x1x8x160xbf16>, %k: tensor<1x1x12x160xbf16>, %v: tensor<1x1x12x160xbf16>) -> tensor<1x1x8x160xbf16> {
  // expected-remark @+1 {{does not fit the GPU flash kernel}}
  %o = sinter.attention %q, %k, %v scale = 1.250000e-01 causal : tensor<1x1x8x160xbf16>, tensor<1x1x12x160xbf16>, tensor<1x1x12x160xbf16> -> tensor<1x1x8x160xbf16>
  return %o : tensor<1x1x8x160xbf16>
}

// -----

// Heads split from [B, S, H * D] (reshape, transpose) and merged back are
// indexed by the kernel: no transpose kernels, and the output is written
// straight into [B, S, H * D].
// CHECK-LABEL: func.func @heads
// CHECK-NOT: sinter.transpose
// CHECK-NOT: sinter.fusion
// CHECK-DAG: bufferization.to_memref %arg0 read_only : memref<1x32x128xf32, strided<[?, ?, ?], offset: ?>>
// CHECK-DAG: bufferization.to_memref %arg1 read_only : memref<1x32x128xf32, strided<[?, ?, ?], offset: ?>>
// CHECK-DAG: bufferization.to_memref %arg2 read_only : memref<1x32x128xf32, strided<[?, ?, ?], offset: ?>>
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() : memref<1x32x128xf32>
// CHECK: gpu.launch
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<1x32x128xf32>
// CHECK: return %[[R]] : tensor<1x32x128xf32>
func.func @heads(%qx: tensor<1x32x128xf32>, %kx: tensor<1x32x128xf32>, %vx: tensor<1x32x128xf32>) -> tensor<1x32x128xf32> {
  %q4 = sinter.reshape %qx : (tensor<1x32x128xf32>) -> tensor<1x32x4x32xf32>
  %q = sinter.transpose %q4, perm = [0, 2, 1, 3] : (tensor<1x32x4x32xf32>) -> tensor<1x4x32x32xf32>
  %k4 = sinter.reshape %kx : (tensor<1x32x128xf32>) -> tensor<1x32x4x32xf32>
  %k = sinter.transpose %k4, perm = [0, 2, 1, 3] : (tensor<1x32x4x32xf32>) -> tensor<1x4x32x32xf32>
  %v4 = sinter.reshape %vx : (tensor<1x32x128xf32>) -> tensor<1x32x4x32xf32>
  %v = sinter.transpose %v4, perm = [0, 2, 1, 3] : (tensor<1x32x4x32xf32>) -> tensor<1x4x32x32xf32>
  %o = sinter.attention %q, %k, %v scale = 1.250000e-01 causal : tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32>, tensor<1x4x32x32xf32> -> tensor<1x4x32x32xf32>
  %ot = sinter.transpose %o, perm = [0, 2, 1, 3] : (tensor<1x4x32x32xf32>) -> tensor<1x32x4x32xf32>
  %r = sinter.reshape %ot : (tensor<1x32x4x32xf32>) -> tensor<1x32x128xf32>
  return %r : tensor<1x32x128xf32>
}
