// RUN: sinter-opt %s --sinter-form-fusions=remarks=true -verify-diagnostics -split-input-file | FileCheck %s
// RUN: sinter-opt %s --sinter-form-fusions=kinds=loop -split-input-file | FileCheck %s --check-prefix=LOOPONLY
// RUN: sinter-opt %s --sinter-form-fusions="remarks=true max-ops=2" -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=CAP
// RUN: not sinter-opt %s --sinter-form-fusions=kinds=bogus -split-input-file 2>&1 | FileCheck %s --check-prefix=BOGUS
// RUN: sinter-opt %s --sinter-form-fusions="remarks=true target=nvptx" -split-input-file 2>&1 >/dev/null | FileCheck %s --check-prefix=NVPTX
// RUN: not sinter-opt %s --sinter-form-fusions=target=tpu -split-input-file 2>&1 | FileCheck %s --check-prefix=TARGET

// BOGUS: unknown fusion kind 'bogus' (expected loop, reduction, epilogue, attention or sibling)
// TARGET: unknown fusion target 'tpu' (expected cpu or nvptx)

// An elementwise chain with a broadcast and a splat constant: one loop
// fusion; the constant is copied into the region, not read from memory.
// CHECK-LABEL: func.func @loop_chain
// CHECK: sinter.fusion loop(%{{.*}}, %{{.*}}) : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: sinter.broadcast_in_dim
// CHECK: sinter.add
// CHECK: sinter.constant dense<5.000000e-01>
// CHECK: sinter.mul
// CHECK: sinter.tanh
// CHECK: sinter.yield
// CHECK-NOT: sinter.constant
// CAP: remark: loop fusion of 2 ops: mul#3, tanh#4
// CAP: remark: mul#3 not fused with producer add#1: fusion size cap reached (2 ops)
// expected-remark @+1 {{fusion in @loop_chain: 4 kernels unfused -> 1 fused, 1184 B -> 288 B}}
func.func @loop_chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %s = sinter.add %x, %bb : tensor<4x8xf32>
  %h = sinter.constant dense<0.5> : tensor<4x8xf32>
  %m = sinter.mul %s, %h : tensor<4x8xf32>
  // expected-remark @+1 {{loop fusion of 4 ops: broadcast_in_dim#0, add#1, mul#3, tanh#4; reads 160 B, writes 128 B, 1184 B unfused}}
  %e = sinter.tanh %m : tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}

// -----

// A softmax with its elementwise producer and consumer: one reduction
// fusion. With only loop fusion enabled, the softmax is left alone and the
// elementwise ops around it are single ops, so nothing is fused.
// CHECK-LABEL: func.func @softmax_with_neighbours
// CHECK: sinter.fusion reduction
// CHECK: sinter.add
// CHECK: sinter.softmax
// CHECK: sinter.mul
// LOOPONLY-LABEL: func.func @softmax_with_neighbours
// LOOPONLY-NOT: sinter.fusion
// expected-remark @+1 {{fusion in @softmax_with_neighbours: 3 kernels unfused -> 1 fused, 1024 B -> 384 B}}
func.func @softmax_with_neighbours(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = sinter.add %x, %y : tensor<4x8xf32>
  %p = sinter.softmax %s, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @+1 {{reduction fusion of 3 ops: add#0, softmax#1, mul#2; reads 256 B, writes 128 B, 1024 B unfused}}
  %r = sinter.mul %p, %y : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// matmul + bias + gelu + residual: an epilogue fusion. The producer of the
// matmul's operand stays outside, for the reason the target's kernel gives.
// NVPTX: remark: epilogue fusion of 5 ops: matmul#2, broadcast_in_dim#3, add#4, gelu#5, add#6
// NVPTX: remark: matmul#2 not fused with producer mul#1: a matmul's operands are not fused (the kernel stages them through shared memory)
// CHECK-LABEL: func.func @epilogue
// LOOPONLY-LABEL: func.func @epilogue
// LOOPONLY-NOT: sinter.fusion epilogue
// CHECK: sinter.mul
// CHECK: sinter.fusion epilogue
// CHECK: sinter.matmul
// CHECK: sinter.gelu
// CHECK: sinter.add
// expected-remark @+1 {{fusion in @epilogue: 6 kernels unfused -> 2 fused, 3648 B -> 1600 B}}
func.func @epilogue(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>, %r: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %two = sinter.constant dense<2.0> : tensor<4x8xf32>
  %x2 = sinter.mul %x, %two : tensor<4x8xf32>
  // expected-remark @+1 {{not fused with producer mul#1: a matmul's operands are not fused (the kernel reads them in packed panels)}}
  %m = sinter.matmul %x2, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %bb = sinter.broadcast_in_dim %b, dims = [1] : (tensor<16xf32>) -> tensor<4x16xf32>
  %s = sinter.add %m, %bb : tensor<4x16xf32>
  %g = sinter.gelu tanh %s : tensor<4x16xf32>
  // expected-remark @+1 {{epilogue fusion of 5 ops: matmul#2, broadcast_in_dim#3, add#4, gelu#5, add#6}}
  %o = sinter.add %g, %r : tensor<4x16xf32>
  return %o : tensor<4x16xf32>
}

// -----

// An exp read by two kernels is computed once, in neither: fusing it into
// both would compute it twice.
// CHECK-LABEL: func.func @shared_exp
// CHECK: %[[E:.*]] = sinter.exp
// CHECK-NOT: sinter.fusion
// expected-remark @+1 {{fusion in @shared_exp: 3 kernels unfused -> 3 fused, 656 B -> 656 B}}
func.func @shared_exp(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4xf32>) {
  %e = sinter.exp %x : tensor<4x8xf32>
  // expected-remark @+1 {{not fused with producer exp#0: result also read by reduce#2 in another kernel (fusing would duplicate it)}}
  %a = sinter.neg %e : tensor<4x8xf32>
  // expected-remark @+1 {{not fused with producer exp#0: result also read by neg#1 in another kernel (fusing would duplicate it)}}
  %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  return %a, %s : tensor<4x8xf32>, tensor<4xf32>
}

// -----

// A column reduction is not a row reduction: it does not fuse with its
// producer. A transpose never joins a reduction fusion.
// CHECK-LABEL: func.func @refused_reductions
// expected-remark @+1 {{fusion in @refused_reductions: 4 kernels unfused -> 4 fused, 928 B -> 928 B}}
func.func @refused_reductions(%x: tensor<4x8xf32>) -> (tensor<8xf32>, tensor<8x4xf32>) {
  %e = sinter.exp %x : tensor<4x8xf32>
  // expected-remark @+1 {{not fused with producer exp#0: not a row reduction (reduces a non-innermost dimension)}}
  %c = sinter.reduce sum %e, dims = [0] : (tensor<4x8xf32>) -> tensor<8xf32>
  %t = sinter.transpose %x, perm = [1, 0] : (tensor<4x8xf32>) -> tensor<8x4xf32>
  // expected-remark @+2 {{not fused with producer transpose#2: a transpose in a reduction fusion would make its rows strided}}
  // expected-remark @+1 {{reduction fusion of 1 ops: softmax#3}}
  %p = sinter.softmax %t, axis = 1 : (tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c, %p : tensor<8xf32>, tensor<8x4xf32>
}

// -----

// Two independent elementwise chains over one input become one
// multi-output loop fusion: x is read once.
// CHECK-LABEL: func.func @siblings
// CHECK: %[[F:.*]]:2 = sinter.fusion loop
// CHECK: return %[[F]]#{{[01]}}, %[[F]]#{{[01]}}
// expected-remark @+1 {{fusion in @siblings: 4 kernels unfused -> 1 fused, 131072 B -> 49152 B}}
func.func @siblings(%x: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %a = sinter.exp %x : tensor<64x64xf32>
  %b = sinter.neg %a : tensor<64x64xf32>
  %c = sinter.tanh %x : tensor<64x64xf32>
  // expected-remark @+1 {{loop fusion (multi-output) of 4 ops: exp#0, neg#1, tanh#2, abs#3}}
  %d = sinter.abs %c : tensor<64x64xf32>
  return %b, %d : tensor<64x64xf32>, tensor<64x64xf32>
}

// -----

// Attention is a fusion of its own; the transposes feeding it are not
// part of it.
// CHECK-LABEL: func.func @attention
// CHECK: sinter.transpose
// CHECK: sinter.fusion attention
// CHECK-NEXT: ^bb0
// CHECK-NEXT: sinter.attention
// expected-remark @+1 {{fusion in @attention: 2 kernels unfused -> 2 fused, 1536 B -> 1536 B}}
func.func @attention(%q: tensor<1x2x8x4xf32>, %k: tensor<1x8x2x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %kt = sinter.transpose %k, perm = [0, 2, 1, 3] : (tensor<1x8x2x4xf32>) -> tensor<1x2x8x4xf32>
  // expected-remark @+2 {{attention fusion of 1 ops: attention#1}}
  // expected-remark @+1 {{not fused with producer transpose#0: attention fuses nothing else (the flash kernel reads its operands as they are)}}
  %o = sinter.attention %q, %kt, %v scale = 0.5 causal : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// Sibling loop fusions are not merged when a result of the earlier one is
// read, outside both, before the later one ends: the merged fusion would be
// defined after that read.
// CHECK-LABEL: func.func @siblings_read_between
// CHECK: sinter.fusion loop
// CHECK: sinter.matmul
// CHECK: sinter.fusion loop
// expected-remark @+1 {{fusion in @siblings_read_between: 5 kernels unfused -> 3 fused, 180224 B -> 114688 B}}
func.func @siblings_read_between(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>) -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %a = sinter.neg %x : tensor<64x64xf32>
  // expected-remark @+1 {{loop fusion of 2 ops: neg#0, exp#1}}
  %b = sinter.exp %a : tensor<64x64xf32>
  // expected-remark @+1 {{not fused with producer exp#1: a matmul fuses only with an elementwise epilogue}}
  %m = sinter.matmul %b, %w {transpose_rhs} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %c = sinter.abs %x : tensor<64x64xf32>
  // expected-remark @+1 {{loop fusion of 2 ops: abs#3, sqrt#4}}
  %d = sinter.sqrt %c : tensor<64x64xf32>
  return %m, %d : tensor<64x64xf32>, tensor<64x64xf32>
}
