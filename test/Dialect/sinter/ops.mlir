// RUN: sinter-opt %s -split-input-file | sinter-opt -split-input-file | FileCheck %s
// RUN: sinter-opt %s -split-input-file --mlir-print-op-generic | sinter-opt -split-input-file | FileCheck %s
// RUN: sinter-opt %s -split-input-file --verify-roundtrip > /dev/null

// Round trip of every sinter op: the custom form printed, parsed and printed
// again is stable, and so is the generic form. Each function covers one op
// (or one family of forms); mixed element types throughout.

// CHECK-LABEL: func.func @binary_f32
func.func @binary_f32(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[ADD:.*]] = sinter.add %{{.*}}, %{{.*}} : tensor<4x8xf32>
  %0 = sinter.add %a, %b : tensor<4x8xf32>
  // CHECK: %[[SUB:.*]] = sinter.sub %[[ADD]], %{{.*}} : tensor<4x8xf32>
  %1 = sinter.sub %0, %b : tensor<4x8xf32>
  // CHECK: %[[MUL:.*]] = sinter.mul %[[SUB]], %{{.*}} : tensor<4x8xf32>
  %2 = sinter.mul %1, %b : tensor<4x8xf32>
  // CHECK: %[[DIV:.*]] = sinter.div %[[MUL]], %{{.*}} : tensor<4x8xf32>
  %3 = sinter.div %2, %b : tensor<4x8xf32>
  // CHECK: %[[MAX:.*]] = sinter.max %[[DIV]], %{{.*}} : tensor<4x8xf32>
  %4 = sinter.max %3, %b : tensor<4x8xf32>
  // CHECK: %[[MIN:.*]] = sinter.min %[[MAX]], %{{.*}} : tensor<4x8xf32>
  %5 = sinter.min %4, %b : tensor<4x8xf32>
  // CHECK: %[[POW:.*]] = sinter.pow %[[MIN]], %{{.*}} : tensor<4x8xf32>
  %6 = sinter.pow %5, %b : tensor<4x8xf32>
  // CHECK: return %[[POW]]
  return %6 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @binary_mixed_types
func.func @binary_mixed_types(%h: tensor<2xf16>, %b: tensor<2xbf16>, %i: tensor<2xi32>, %l: tensor<3xi64>)
    -> (tensor<2xf16>, tensor<2xbf16>, tensor<2xi32>, tensor<3xi64>) {
  // CHECK: sinter.add %{{.*}}, %{{.*}} : tensor<2xf16>
  %0 = sinter.add %h, %h : tensor<2xf16>
  // CHECK: sinter.pow %{{.*}}, %{{.*}} : tensor<2xbf16>
  %1 = sinter.pow %b, %b : tensor<2xbf16>
  // CHECK: sinter.div %{{.*}}, %{{.*}} : tensor<2xi32>
  %2 = sinter.div %i, %i : tensor<2xi32>
  // CHECK: sinter.max %{{.*}}, %{{.*}} : tensor<3xi64>
  %3 = sinter.max %l, %l : tensor<3xi64>
  return %0, %1, %2, %3 : tensor<2xf16>, tensor<2xbf16>, tensor<2xi32>, tensor<3xi64>
}

// -----

// The functional-type spelling of the elementwise type directive is accepted
// and printed back in the short form.
// CHECK-LABEL: func.func @elementwise_functional_type_form
func.func @elementwise_functional_type_form(%a: tensor<4xf32>, %b: tensor<4xf32>, %p: tensor<4xi1>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xf32>) {
  // CHECK: sinter.add %{{.*}}, %{{.*}} : tensor<4xf32>{{$}}
  %0 = sinter.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // CHECK: sinter.neg %{{.*}} : tensor<4xf32>{{$}}
  %1 = sinter.neg %a : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: sinter.exp %{{.*}} : tensor<4xf32>{{$}}
  %2 = sinter.exp %a : tensor<4xf32> -> tensor<4xf32>
  // CHECK: sinter.gelu none %{{.*}} : tensor<4xf32>{{$}}
  %3 = sinter.gelu none %a : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: sinter.compare eq, %{{.*}}, %{{.*}} : tensor<4xf32>{{$}}
  %4 = sinter.compare eq, %a, %b : (tensor<4xf32>, tensor<4xf32>)
  // CHECK: sinter.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xi1>, tensor<4xf32>{{$}}
  %5 = sinter.select %p, %a, %b : tensor<4xi1>, (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @unary_float
func.func @unary_float(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[NEG:.*]] = sinter.neg %{{.*}} : tensor<2x3xf32>
  %0 = sinter.neg %x : tensor<2x3xf32>
  // CHECK: %[[ABS:.*]] = sinter.abs %[[NEG]] : tensor<2x3xf32>
  %1 = sinter.abs %0 : tensor<2x3xf32>
  // CHECK: %[[EXP:.*]] = sinter.exp %[[ABS]] : tensor<2x3xf32>
  %2 = sinter.exp %1 : tensor<2x3xf32>
  // CHECK: %[[LOG:.*]] = sinter.log %[[EXP]] : tensor<2x3xf32>
  %3 = sinter.log %2 : tensor<2x3xf32>
  // CHECK: %[[SQRT:.*]] = sinter.sqrt %[[LOG]] : tensor<2x3xf32>
  %4 = sinter.sqrt %3 : tensor<2x3xf32>
  // CHECK: %[[RSQRT:.*]] = sinter.rsqrt %[[SQRT]] : tensor<2x3xf32>
  %5 = sinter.rsqrt %4 : tensor<2x3xf32>
  // CHECK: %[[TANH:.*]] = sinter.tanh %[[RSQRT]] : tensor<2x3xf32>
  %6 = sinter.tanh %5 : tensor<2x3xf32>
  // CHECK: %[[ERF:.*]] = sinter.erf %[[TANH]] : tensor<2x3xf32>
  %7 = sinter.erf %6 : tensor<2x3xf32>
  // CHECK: %[[SIG:.*]] = sinter.sigmoid %[[ERF]] : tensor<2x3xf32>
  %8 = sinter.sigmoid %7 : tensor<2x3xf32>
  // CHECK: %[[RELU:.*]] = sinter.relu %[[SIG]] : tensor<2x3xf32>
  %9 = sinter.relu %8 : tensor<2x3xf32>
  // CHECK: %[[SILU:.*]] = sinter.silu %[[RELU]] : tensor<2x3xf32>
  %10 = sinter.silu %9 : tensor<2x3xf32>
  // CHECK: return %[[SILU]]
  return %10 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @unary_mixed_types
func.func @unary_mixed_types(%h: tensor<8xf16>, %b: tensor<8xbf16>, %i: tensor<8xi32>, %l: tensor<8xi64>)
    -> (tensor<8xf16>, tensor<8xbf16>, tensor<8xi32>, tensor<8xi64>) {
  // CHECK: sinter.rsqrt %{{.*}} : tensor<8xf16>
  %0 = sinter.rsqrt %h : tensor<8xf16>
  // CHECK: sinter.silu %{{.*}} : tensor<8xbf16>
  %1 = sinter.silu %b : tensor<8xbf16>
  // CHECK: sinter.relu %{{.*}} : tensor<8xi32>
  %2 = sinter.relu %i : tensor<8xi32>
  // CHECK: sinter.abs %{{.*}} : tensor<8xi64>
  %3 = sinter.abs %l : tensor<8xi64>
  return %0, %1, %2, %3 : tensor<8xf16>, tensor<8xbf16>, tensor<8xi32>, tensor<8xi64>
}

// -----

// CHECK-LABEL: func.func @gelu_forms
func.func @gelu_forms(%x: tensor<4x16xf32>, %b: tensor<16xbf16>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<16xbf16>) {
  // CHECK: sinter.gelu none %{{.*}} : tensor<4x16xf32>
  %0 = sinter.gelu none %x : tensor<4x16xf32>
  // CHECK: sinter.gelu tanh %{{.*}} : tensor<4x16xf32>
  %1 = sinter.gelu tanh %x : tensor<4x16xf32>
  // CHECK: sinter.gelu sigmoid %{{.*}} : tensor<16xbf16>
  %2 = sinter.gelu sigmoid %b : tensor<16xbf16>
  return %0, %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<16xbf16>
}

// -----

// CHECK-LABEL: func.func @compare_predicates
func.func @compare_predicates(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi64>, %p: tensor<4xi1>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  // CHECK: sinter.compare eq, %{{.*}}, %{{.*}} : tensor<4xf32>
  %0 = sinter.compare eq, %a, %b : tensor<4xf32>
  // CHECK: sinter.compare ne, %{{.*}}, %{{.*}} : tensor<4xf32>
  %1 = sinter.compare ne, %a, %b : tensor<4xf32>
  // CHECK: sinter.compare lt, %{{.*}}, %{{.*}} : tensor<4xi64>
  %2 = sinter.compare lt, %i, %i : tensor<4xi64>
  // CHECK: sinter.compare le, %{{.*}}, %{{.*}} : tensor<4xi64>
  %3 = sinter.compare le, %i, %i : tensor<4xi64>
  // CHECK: sinter.compare gt, %{{.*}}, %{{.*}} : tensor<4xf32>
  %4 = sinter.compare gt, %a, %b : tensor<4xf32>
  // CHECK: sinter.compare ge, %{{.*}}, %{{.*}} : tensor<4xi1>
  %5 = sinter.compare ge, %p, %p : tensor<4xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @select
func.func @select(%p: tensor<2x2xi1>, %a: tensor<2x2xbf16>, %b: tensor<2x2xi64>) -> (tensor<2x2xbf16>, tensor<2x2xi64>) {
  // CHECK: sinter.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x2xi1>, tensor<2x2xbf16>
  %0 = sinter.select %p, %a, %a : tensor<2x2xi1>, tensor<2x2xbf16>
  // CHECK: sinter.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x2xi1>, tensor<2x2xi64>
  %1 = sinter.select %p, %b, %b : tensor<2x2xi1>, tensor<2x2xi64>
  return %0, %1 : tensor<2x2xbf16>, tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @convert
func.func @convert(%x: tensor<4xf32>, %i: tensor<4xi32>, %h: tensor<4xf16>)
    -> (tensor<4xbf16>, tensor<4xf32>, tensor<4xi1>, tensor<4xi64>) {
  // CHECK: sinter.convert %{{.*}} : tensor<4xf32> -> tensor<4xbf16>
  %0 = sinter.convert %x : tensor<4xf32> -> tensor<4xbf16>
  // CHECK: sinter.convert %{{.*}} : tensor<4xi32> -> tensor<4xf32>
  %1 = sinter.convert %i : tensor<4xi32> -> tensor<4xf32>
  // CHECK: sinter.convert %{{.*}} : tensor<4xf16> -> tensor<4xi1>
  %2 = sinter.convert %h : tensor<4xf16> -> tensor<4xi1>
  // CHECK: sinter.convert %{{.*}} : tensor<4xi32> -> tensor<4xi64>
  %3 = sinter.convert %i : tensor<4xi32> -> tensor<4xi64>
  return %0, %1, %2, %3 : tensor<4xbf16>, tensor<4xf32>, tensor<4xi1>, tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @broadcast_in_dim
func.func @broadcast_in_dim(%b: tensor<768xf32>, %c: tensor<1x3xi1>, %s: tensor<i32>)
    -> (tensor<4x768xf32>, tensor<2x5x3xi1>, tensor<2x2xi32>) {
  // CHECK: sinter.broadcast_in_dim %{{.*}}, dims = [1] : (tensor<768xf32>) -> tensor<4x768xf32>
  %0 = sinter.broadcast_in_dim %b, dims = [1] : (tensor<768xf32>) -> tensor<4x768xf32>
  // CHECK: sinter.broadcast_in_dim %{{.*}}, dims = [1, 2] : (tensor<1x3xi1>) -> tensor<2x5x3xi1>
  %1 = sinter.broadcast_in_dim %c, dims = [1, 2] : (tensor<1x3xi1>) -> tensor<2x5x3xi1>
  // CHECK: sinter.broadcast_in_dim %{{.*}}, dims = [] : (tensor<i32>) -> tensor<2x2xi32>
  %2 = sinter.broadcast_in_dim %s, dims = [] : (tensor<i32>) -> tensor<2x2xi32>
  return %0, %1, %2 : tensor<4x768xf32>, tensor<2x5x3xi1>, tensor<2x2xi32>
}

// -----

// CHECK-LABEL: func.func @reshape
func.func @reshape(%x: tensor<4x768xf16>, %s: tensor<1x1xi64>) -> (tensor<4x12x64xf16>, tensor<i64>) {
  // CHECK: sinter.reshape %{{.*}} : (tensor<4x768xf16>) -> tensor<4x12x64xf16>
  %0 = sinter.reshape %x : (tensor<4x768xf16>) -> tensor<4x12x64xf16>
  // CHECK: sinter.reshape %{{.*}} : (tensor<1x1xi64>) -> tensor<i64>
  %1 = sinter.reshape %s : (tensor<1x1xi64>) -> tensor<i64>
  return %0, %1 : tensor<4x12x64xf16>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @transpose
func.func @transpose(%x: tensor<1x4x12x64xbf16>) -> tensor<1x12x4x64xbf16> {
  // CHECK: sinter.transpose %{{.*}}, perm = [0, 2, 1, 3] : (tensor<1x4x12x64xbf16>) -> tensor<1x12x4x64xbf16>
  %0 = sinter.transpose %x, perm = [0, 2, 1, 3] : (tensor<1x4x12x64xbf16>) -> tensor<1x12x4x64xbf16>
  return %0 : tensor<1x12x4x64xbf16>
}

// -----

// CHECK-LABEL: func.func @slice
func.func @slice(%x: tensor<4x2304xf32>, %i: tensor<10xi32>) -> (tensor<4x768xf32>, tensor<4xi32>) {
  // CHECK: sinter.slice %{{.*}}, start = [0, 768], limit = [4, 1536], strides = [1, 1] : (tensor<4x2304xf32>) -> tensor<4x768xf32>
  %0 = sinter.slice %x, start = [0, 768], limit = [4, 1536], strides = [1, 1] : (tensor<4x2304xf32>) -> tensor<4x768xf32>
  // CHECK: sinter.slice %{{.*}}, start = [1], limit = [10], strides = [3] : (tensor<10xi32>) -> tensor<3xi32>
  %1 = sinter.slice %i, start = [1], limit = [10], strides = [3] : (tensor<10xi32>) -> tensor<3xi32>
  // A stride past the end takes one element (no overflow in the shape function).
  // CHECK: sinter.slice %{{.*}}, start = [0], limit = [3], strides = [9223372036854775807] : (tensor<3xi32>) -> tensor<1xi32>
  %2 = sinter.slice %1, start = [0], limit = [3], strides = [9223372036854775807] : (tensor<3xi32>) -> tensor<1xi32>
  %3 = sinter.concatenate %1, %2, dim = 0 : (tensor<3xi32>, tensor<1xi32>) -> tensor<4xi32>
  return %0, %3 : tensor<4x768xf32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @concatenate
func.func @concatenate(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<1x3xi1>)
    -> (tensor<2x8xf32>, tensor<3x3xi1>, tensor<2x3xf32>) {
  // CHECK: sinter.concatenate %{{.*}}, %{{.*}}, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %0 = sinter.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  // CHECK: sinter.concatenate %{{.*}}, %{{.*}}, %{{.*}}, dim = 0 : (tensor<1x3xi1>, tensor<1x3xi1>, tensor<1x3xi1>) -> tensor<3x3xi1>
  %1 = sinter.concatenate %c, %c, %c, dim = 0 : (tensor<1x3xi1>, tensor<1x3xi1>, tensor<1x3xi1>) -> tensor<3x3xi1>
  // CHECK: sinter.concatenate %{{.*}}, dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = sinter.concatenate %a, dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x8xf32>, tensor<3x3xi1>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @attention_backward
func.func @attention_backward(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>, %v: tensor<1x2x5x6xf32>, %o: tensor<1x2x3x6xf32>, %do: tensor<1x2x3x6xf32>, %m: tensor<1x1x3x5xf32>)
    -> (tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>) {
  // CHECK: sinter.attention_backward %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x3x5xf32>) scale = 5.000000e-01 causal : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>, tensor<1x2x3x6xf32> -> tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>
  %dq, %dk, %dv = sinter.attention_backward %q, %k, %v, %o, %do bias(%m : tensor<1x1x3x5xf32>) scale = 0.5 causal : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>, tensor<1x2x3x6xf32> -> tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>
  return %dq, %dk, %dv : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x6xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_add
func.func @scatter_add(%dy: tensor<1x128x768xbf16>, %ids: tensor<1x128xi32>) -> tensor<50257x768xbf16> {
  // CHECK: sinter.scatter_add %{{.*}}[%{{.*}}] rows = 50257 : (tensor<1x128x768xbf16>, tensor<1x128xi32>) -> tensor<50257x768xbf16>
  %0 = sinter.scatter_add %dy[%ids] rows = 50257 : (tensor<1x128x768xbf16>, tensor<1x128xi32>) -> tensor<50257x768xbf16>
  return %0 : tensor<50257x768xbf16>
}

// -----

// CHECK-LABEL: func.func @gather
func.func @gather(%wte: tensor<50257x768xf32>, %ids: tensor<1x128xi32>, %t: tensor<10xi64>, %ids64: tensor<3xi64>)
    -> (tensor<1x128x768xf32>, tensor<3xi64>) {
  // CHECK: sinter.gather %{{.*}}[%{{.*}}] : (tensor<50257x768xf32>, tensor<1x128xi32>) -> tensor<1x128x768xf32>
  %0 = sinter.gather %wte[%ids] : (tensor<50257x768xf32>, tensor<1x128xi32>) -> tensor<1x128x768xf32>
  // CHECK: sinter.gather %{{.*}}[%{{.*}}] : (tensor<10xi64>, tensor<3xi64>) -> tensor<3xi64>
  %1 = sinter.gather %t[%ids64] : (tensor<10xi64>, tensor<3xi64>) -> tensor<3xi64>
  return %0, %1 : tensor<1x128x768xf32>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @iota
func.func @iota() -> (tensor<128x128xi32>, tensor<8xi64>, tensor<2x4xf16>) {
  // CHECK: sinter.iota dim = 1 : tensor<128x128xi32>
  %0 = sinter.iota dim = 1 : tensor<128x128xi32>
  // CHECK: sinter.iota dim = 0 : tensor<8xi64>
  %1 = sinter.iota dim = 0 : tensor<8xi64>
  // CHECK: sinter.iota dim = 1 : tensor<2x4xf16>
  %2 = sinter.iota dim = 1 : tensor<2x4xf16>
  return %0, %1, %2 : tensor<128x128xi32>, tensor<8xi64>, tensor<2x4xf16>
}

// -----

// CHECK-LABEL: func.func @reduce_kinds
func.func @reduce_kinds(%x: tensor<4x768xf32>, %i: tensor<2x3x4xi32>, %h: tensor<2x8xbf16>)
    -> (tensor<4xf32>, tensor<3xi32>, tensor<2x3x4xi32>, tensor<2xbf16>, tensor<f32>) {
  // CHECK: sinter.reduce sum %{{.*}}, dims = [1] : (tensor<4x768xf32>) -> tensor<4xf32>
  %0 = sinter.reduce sum %x, dims = [1] : (tensor<4x768xf32>) -> tensor<4xf32>
  // CHECK: sinter.reduce max %{{.*}}, dims = [0, 2] : (tensor<2x3x4xi32>) -> tensor<3xi32>
  %1 = sinter.reduce max %i, dims = [0, 2] : (tensor<2x3x4xi32>) -> tensor<3xi32>
  // CHECK: sinter.reduce min %{{.*}}, dims = [] : (tensor<2x3x4xi32>) -> tensor<2x3x4xi32>
  %2 = sinter.reduce min %i, dims = [] : (tensor<2x3x4xi32>) -> tensor<2x3x4xi32>
  // CHECK: sinter.reduce mean %{{.*}}, dims = [1] : (tensor<2x8xbf16>) -> tensor<2xbf16>
  %3 = sinter.reduce mean %h, dims = [1] : (tensor<2x8xbf16>) -> tensor<2xbf16>
  // CHECK: sinter.reduce sum %{{.*}}, dims = [0, 1] : (tensor<4x768xf32>) -> tensor<f32>
  %4 = sinter.reduce sum %x, dims = [0, 1] : (tensor<4x768xf32>) -> tensor<f32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<3xi32>, tensor<2x3x4xi32>, tensor<2xbf16>, tensor<f32>
}

// -----

// CHECK-LABEL: func.func @matmul_plain
func.func @matmul_plain(%x: tensor<4x128x768xf32>, %w: tensor<768x3072xf32>) -> tensor<4x128x3072xf32> {
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} : (tensor<4x128x768xf32>, tensor<768x3072xf32>) -> tensor<4x128x3072xf32>
  %0 = sinter.matmul %x, %w : (tensor<4x128x768xf32>, tensor<768x3072xf32>) -> tensor<4x128x3072xf32>
  return %0 : tensor<4x128x3072xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_transpose_flags
func.func @matmul_transpose_flags(%q: tensor<1x12x128x64xf32>, %k: tensor<1x12x128x64xf32>, %a: tensor<8x4xf16>, %b: tensor<6x8xf16>)
    -> (tensor<1x12x128x128xf32>, tensor<1x12x64x64xf32>, tensor<4x6xf16>) {
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} {transpose_rhs} : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x128x128xf32>
  %0 = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x128x128xf32>
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} {transpose_lhs} : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x64x64xf32>
  %1 = sinter.matmul %q, %k {transpose_lhs} : (tensor<1x12x128x64xf32>, tensor<1x12x128x64xf32>) -> tensor<1x12x64x64xf32>
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} {transpose_lhs, transpose_rhs} : (tensor<8x4xf16>, tensor<6x8xf16>) -> tensor<4x6xf16>
  %2 = sinter.matmul %a, %b {transpose_lhs, transpose_rhs} : (tensor<8x4xf16>, tensor<6x8xf16>) -> tensor<4x6xf16>
  return %0, %1, %2 : tensor<1x12x128x128xf32>, tensor<1x12x64x64xf32>, tensor<4x6xf16>
}

// -----

// CHECK-LABEL: func.func @matmul_accumulation_type
func.func @matmul_accumulation_type(%a: tensor<4x8xbf16>, %b: tensor<2x8x3xbf16>, %i: tensor<4x8xi32>, %j: tensor<8x2xi32>)
    -> (tensor<2x4x3xbf16>, tensor<4x2xi32>) {
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} {accumulation_type = f32} : (tensor<4x8xbf16>, tensor<2x8x3xbf16>) -> tensor<2x4x3xbf16>
  %0 = sinter.matmul %a, %b {accumulation_type = f32} : (tensor<4x8xbf16>, tensor<2x8x3xbf16>) -> tensor<2x4x3xbf16>
  // CHECK: sinter.matmul %{{.*}}, %{{.*}} {accumulation_type = i64} : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32>
  %1 = sinter.matmul %i, %j {accumulation_type = i64} : (tensor<4x8xi32>, tensor<8x2xi32>) -> tensor<4x2xi32>
  return %0, %1 : tensor<2x4x3xbf16>, tensor<4x2xi32>
}

// -----

// CHECK-LABEL: func.func @axis_ops
func.func @axis_ops(%x: tensor<4x768xf32>, %h: tensor<2x3x5xf16>) -> (tensor<4x768xf32>, tensor<2x3x5xf16>, tensor<4xf32>, tensor<2x5xf16>) {
  // CHECK: sinter.softmax %{{.*}}, axis = 1 : (tensor<4x768xf32>) -> tensor<4x768xf32>
  %0 = sinter.softmax %x, axis = 1 : (tensor<4x768xf32>) -> tensor<4x768xf32>
  // CHECK: sinter.log_softmax %{{.*}}, axis = 2 : (tensor<2x3x5xf16>) -> tensor<2x3x5xf16>
  %1 = sinter.log_softmax %h, axis = 2 : (tensor<2x3x5xf16>) -> tensor<2x3x5xf16>
  // CHECK: sinter.logsumexp %{{.*}}, axis = 1 : (tensor<4x768xf32>) -> tensor<4xf32>
  %2 = sinter.logsumexp %x, axis = 1 : (tensor<4x768xf32>) -> tensor<4xf32>
  // CHECK: sinter.logsumexp %{{.*}}, axis = 1 : (tensor<2x3x5xf16>) -> tensor<2x5xf16>
  %3 = sinter.logsumexp %h, axis = 1 : (tensor<2x3x5xf16>) -> tensor<2x5xf16>
  return %0, %1, %2, %3 : tensor<4x768xf32>, tensor<2x3x5xf16>, tensor<4xf32>, tensor<2x5xf16>
}

// -----

// CHECK-LABEL: func.func @layer_norm
func.func @layer_norm(%x: tensor<4x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>, %y: tensor<2x3x4xbf16>, %g2: tensor<3x4xbf16>)
    -> (tensor<4x768xf32>, tensor<4x768xf32>, tensor<4x768xf32>, tensor<2x3x4xbf16>) {
  // CHECK: sinter.layer_norm %{{.*}} scale(%{{.*}} : tensor<768xf32>) offset(%{{.*}} : tensor<768xf32>) axis = 1 epsilon = 1.000000e-05 : tensor<4x768xf32> -> tensor<4x768xf32>
  %0 = sinter.layer_norm %x scale(%g : tensor<768xf32>) offset(%b : tensor<768xf32>) axis = 1 epsilon = 1.000000e-05 : tensor<4x768xf32> -> tensor<4x768xf32>
  // CHECK: sinter.layer_norm %{{.*}} axis = 1 epsilon = 0.000000e+00 : tensor<4x768xf32> -> tensor<4x768xf32>
  %1 = sinter.layer_norm %x axis = 1 epsilon = 0.0 : tensor<4x768xf32> -> tensor<4x768xf32>
  // CHECK: sinter.layer_norm %{{.*}} offset(%{{.*}} : tensor<768xf32>) axis = 1 epsilon = 1.000000e-05 : tensor<4x768xf32> -> tensor<4x768xf32>
  %2 = sinter.layer_norm %x offset(%b : tensor<768xf32>) axis = 1 epsilon = 1.0e-05 : tensor<4x768xf32> -> tensor<4x768xf32>
  // CHECK: sinter.layer_norm %{{.*}} scale(%{{.*}} : tensor<3x4xbf16>) axis = 1 epsilon = 9.9999999999999995E-7 : tensor<2x3x4xbf16> -> tensor<2x3x4xbf16>
  %3 = sinter.layer_norm %y scale(%g2 : tensor<3x4xbf16>) axis = 1 epsilon = 1.0e-06 : tensor<2x3x4xbf16> -> tensor<2x3x4xbf16>
  return %0, %1, %2, %3 : tensor<4x768xf32>, tensor<4x768xf32>, tensor<4x768xf32>, tensor<2x3x4xbf16>
}

// -----

// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<4x768xf16>, %g: tensor<768xf16>) -> (tensor<4x768xf16>, tensor<4x768xf16>) {
  // CHECK: sinter.rms_norm %{{.*}} scale(%{{.*}} : tensor<768xf16>) axis = 1 epsilon = 9.9999999999999995E-7 : tensor<4x768xf16> -> tensor<4x768xf16>
  %0 = sinter.rms_norm %x scale(%g : tensor<768xf16>) axis = 1 epsilon = 1.0e-06 : tensor<4x768xf16> -> tensor<4x768xf16>
  // CHECK: sinter.rms_norm %{{.*}} axis = 0 epsilon = 9.9999999999999995E-7 : tensor<4x768xf16> -> tensor<4x768xf16>
  %1 = sinter.rms_norm %x axis = 0 epsilon = 1.0e-06 : tensor<4x768xf16> -> tensor<4x768xf16>
  return %0, %1 : tensor<4x768xf16>, tensor<4x768xf16>
}

// -----

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<1x12x128x64xf32>, %k: tensor<1x12x256x64xf32>, %v: tensor<1x12x256x32xf32>,
                     %bias: tensor<1x1x128x256xf32>, %bias_full: tensor<1x12x128x256xf32>)
    -> (tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>) {
  // CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 : tensor<1x12x128x64xf32>, tensor<1x12x256x64xf32>, tensor<1x12x256x32xf32> -> tensor<1x12x128x32xf32>
  %0 = sinter.attention %q, %k, %v scale = 0.125 : tensor<1x12x128x64xf32>, tensor<1x12x256x64xf32>, tensor<1x12x256x32xf32> -> tensor<1x12x128x32xf32>
  // CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 causal : tensor<1x12x128x64xf32>
  %1 = sinter.attention %q, %k, %v scale = 0.125 causal : tensor<1x12x128x64xf32>, tensor<1x12x256x64xf32>, tensor<1x12x256x32xf32> -> tensor<1x12x128x32xf32>
  // CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x128x256xf32>) scale = 1.250000e-01 : tensor<1x12x128x64xf32>
  %2 = sinter.attention %q, %k, %v bias(%bias : tensor<1x1x128x256xf32>) scale = 0.125 : tensor<1x12x128x64xf32>, tensor<1x12x256x64xf32>, tensor<1x12x256x32xf32> -> tensor<1x12x128x32xf32>
  // CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x12x128x256xf32>) scale = 2.000000e+00 causal : tensor<1x12x128x64xf32>
  %3 = sinter.attention %q, %k, %v bias(%bias_full : tensor<1x12x128x256xf32>) scale = 2.0 causal : tensor<1x12x128x64xf32>, tensor<1x12x256x64xf32>, tensor<1x12x256x32xf32> -> tensor<1x12x128x32xf32>
  return %0, %1, %2, %3 : tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>, tensor<1x12x128x32xf32>
}

// -----

// CHECK-LABEL: func.func @attention_bf16
func.func @attention_bf16(%q: tensor<2x4x8x16xbf16>) -> tensor<2x4x8x16xbf16> {
  // CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 2.500000e-01 causal : tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16> -> tensor<2x4x8x16xbf16>
  %0 = sinter.attention %q, %q, %q scale = 0.25 causal : tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16> -> tensor<2x4x8x16xbf16>
  return %0 : tensor<2x4x8x16xbf16>
}

// -----

// CHECK-LABEL: func.func @rotary_embedding
func.func @rotary_embedding(%x: tensor<1x12x128x64xf32>, %cos: tensor<128x32xf32>, %sin: tensor<128x32xf32>, %y: tensor<8x4xf16>, %c: tensor<8x2xf16>)
    -> (tensor<1x12x128x64xf32>, tensor<8x4xf16>) {
  // CHECK: sinter.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x12x128x64xf32>, tensor<128x32xf32>, tensor<128x32xf32>) -> tensor<1x12x128x64xf32>
  %0 = sinter.rotary_embedding %x, %cos, %sin : (tensor<1x12x128x64xf32>, tensor<128x32xf32>, tensor<128x32xf32>) -> tensor<1x12x128x64xf32>
  // CHECK: sinter.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} interleaved : (tensor<8x4xf16>, tensor<8x2xf16>, tensor<8x2xf16>) -> tensor<8x4xf16>
  %1 = sinter.rotary_embedding %y, %c, %c interleaved : (tensor<8x4xf16>, tensor<8x2xf16>, tensor<8x2xf16>) -> tensor<8x4xf16>
  return %0, %1 : tensor<1x12x128x64xf32>, tensor<8x4xf16>
}

// -----

// CHECK-LABEL: func.func @constant_dense
func.func @constant_dense() -> (tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<i64>, tensor<2xf16>) {
  // CHECK: sinter.constant dense<1.000000e+00> : tensor<4xf32>
  %0 = sinter.constant dense<1.0> : tensor<4xf32>
  // CHECK: sinter.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi32>
  %1 = sinter.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  // CHECK: sinter.constant dense<[true, false, true]> : tensor<3xi1>
  %2 = sinter.constant dense<[true, false, true]> : tensor<3xi1>
  // CHECK: sinter.constant dense<[-0.000000e+00, 1.500000e+00]> : tensor<2xbf16>
  %3 = sinter.constant dense<[-0.0, 1.5]> : tensor<2xbf16>
  // CHECK: sinter.constant dense<-7> : tensor<i64>
  %4 = sinter.constant dense<-7> : tensor<i64>
  // CHECK: sinter.constant dense<0x7E00> : tensor<2xf16>
  %5 = sinter.constant dense<0x7E00> : tensor<2xf16>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<2x2xi32>, tensor<3xi1>, tensor<2xbf16>, tensor<i64>, tensor<2xf16>
}

// -----

// CHECK-LABEL: func.func @constant_dense_resource
func.func @constant_dense_resource() -> (tensor<2xf32>, tensor<2x2xi32>) {
  // CHECK: sinter.constant dense_resource<wte> : tensor<2xf32>
  %0 = sinter.constant dense_resource<wte> : tensor<2xf32>
  // CHECK: sinter.constant dense_resource<ids> : tensor<2x2xi32>
  %1 = sinter.constant dense_resource<ids> : tensor<2x2xi32>
  return %0, %1 : tensor<2xf32>, tensor<2x2xi32>
}
// The blobs travel with the module (alignment 4, then the little-endian data).
// CHECK: dialect_resources
// CHECK-DAG: wte: "0x040000000000803F00000040"
// CHECK-DAG: ids: "0x0400000001000000020000000300000004000000"

{-#
  dialect_resources: {
    builtin: {
      wte: "0x040000000000803F00000040",
      ids: "0x0400000001000000020000000300000004000000"
    }
  }
#-}

// -----

// CHECK-LABEL: func.func @fusion_loop
func.func @fusion_loop(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[R:.*]] = sinter.fusion loop(%{{.*}}, %{{.*}}) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  // CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<4xf32>, %[[Y:.*]]: tensor<4xf32>):
  // CHECK-NEXT: %[[S:.*]] = sinter.add %[[X]], %[[Y]] : tensor<4xf32>
  // CHECK-NEXT: %[[E:.*]] = sinter.exp %[[S]] : tensor<4xf32>
  // CHECK-NEXT: sinter.yield %[[E]] : tensor<4xf32>
  // CHECK-NEXT: }
  // CHECK: return %[[R]]
  %r = sinter.fusion loop (%a, %b) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>, %y: tensor<4xf32>):
    %s = sinter.add %x, %y : tensor<4xf32>
    %e = sinter.exp %s : tensor<4xf32>
    sinter.yield %e : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @fusion_reduction_multi_result
func.func @fusion_reduction_multi_result(%a: tensor<4x8xf16>) -> (tensor<4xf16>, tensor<4x8xf16>) {
  // CHECK: %[[R:.*]]:2 = sinter.fusion reduction(%{{.*}}) : (tensor<4x8xf16>) -> (tensor<4xf16>, tensor<4x8xf16>) {
  // CHECK: sinter.yield %{{.*}}, %{{.*}} : tensor<4xf16>, tensor<4x8xf16>
  // CHECK: return %[[R]]#0, %[[R]]#1
  %r:2 = sinter.fusion reduction (%a) : (tensor<4x8xf16>) -> (tensor<4xf16>, tensor<4x8xf16>) {
  ^bb0(%x: tensor<4x8xf16>):
    %e = sinter.exp %x : tensor<4x8xf16>
    %s = sinter.reduce sum %e, dims = [1] : (tensor<4x8xf16>) -> tensor<4xf16>
    sinter.yield %s, %e : tensor<4xf16>, tensor<4x8xf16>
  }
  return %r#0, %r#1 : tensor<4xf16>, tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @fusion_epilogue
func.func @fusion_epilogue(%x: tensor<4x8xbf16>, %w: tensor<8x16xbf16>, %b: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  // CHECK: sinter.fusion epilogue(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x8xbf16>, tensor<8x16xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  // CHECK: sinter.matmul
  // CHECK: sinter.gelu tanh
  // CHECK: sinter.yield %{{.*}} : tensor<4x16xbf16>
  %r = sinter.fusion epilogue (%x, %w, %b) : (tensor<4x8xbf16>, tensor<8x16xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  ^bb0(%a0: tensor<4x8xbf16>, %a1: tensor<8x16xbf16>, %a2: tensor<4x16xbf16>):
    %m = sinter.matmul %a0, %a1 {accumulation_type = f32} : (tensor<4x8xbf16>, tensor<8x16xbf16>) -> tensor<4x16xbf16>
    %s = sinter.add %m, %a2 : tensor<4x16xbf16>
    %g = sinter.gelu tanh %s : tensor<4x16xbf16>
    sinter.yield %g : tensor<4x16xbf16>
  }
  return %r : tensor<4x16xbf16>
}

// -----

// CHECK-LABEL: func.func @fusion_attention
func.func @fusion_attention(%q: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // CHECK: sinter.fusion attention(%{{.*}}) : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  // CHECK: sinter.attention
  %r = sinter.fusion attention (%q) : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  ^bb0(%x: tensor<1x2x4x8xf32>):
    %o = sinter.attention %x, %x, %x scale = 0.35355339059327373 causal : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
    sinter.yield %o : tensor<1x2x4x8xf32>
  }
  return %r : tensor<1x2x4x8xf32>
}

// -----

// A fusion with no inputs (a constant-only kernel) and one with no results.
// CHECK-LABEL: func.func @fusion_no_inputs
func.func @fusion_no_inputs() -> tensor<3xi32> {
  // CHECK: sinter.fusion loop() : () -> tensor<3xi32> {
  // CHECK: sinter.iota dim = 0 : tensor<3xi32>
  %r = sinter.fusion loop () : () -> tensor<3xi32> {
    %i = sinter.iota dim = 0 : tensor<3xi32>
    sinter.yield %i : tensor<3xi32>
  }
  // CHECK: sinter.fusion loop(%{{.*}}) : (tensor<3xi32>) -> () {
  // CHECK: sinter.yield{{$}}
  sinter.fusion loop (%r) : (tensor<3xi32>) -> () {
  ^bb0(%x: tensor<3xi32>):
    sinter.yield
  }
  return %r : tensor<3xi32>
}

// An output that overwrites an input in place (an unnamed input is input<i>).
// CHECK-LABEL: func.func @output_in_place
// CHECK-SAME: -> (tensor<4xf32> {sinter.aliases_input = "input0"})
func.func @output_in_place(%w: tensor<4xf32>, %g: tensor<4xf32>)
    -> (tensor<4xf32> {sinter.aliases_input = "input0"}) {
  %0 = sinter.sub %w, %g : tensor<4xf32>
  return %0 : tensor<4xf32>
}
