// RUN: sinter-opt %s -split-input-file -sinter-convert-sinter-to-linalg | FileCheck %s

// Elementwise sinter ops become one linalg.generic each, with the scalar
// formula as the body: f16/bf16 widen to f32 inside the body and narrow once,
// integer division is guarded, conversions saturate.

// CHECK: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_f32
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<4x8xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xf32>)
// CHECK-NEXT: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[Y:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
// CHECK-NOT: sinter.
func.func @add_f32(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.add %a, %b : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// bf16 is the storage type: the body computes in f32 and narrows once.
// CHECK-LABEL: func.func @mul_bf16
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<4xbf16>)
// CHECK-NEXT: ^bb0(%[[X:[a-zA-Z0-9_]+]]: bf16, %[[Y:[a-zA-Z0-9_]+]]: bf16, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK-NEXT: %[[YW:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[XW]], %[[YW]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[P]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[N]] : bf16
func.func @mul_bf16(%a: tensor<4xbf16>, %b: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = sinter.mul %a, %b : tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// x / 0 = 0 and INT_MIN / -1 wraps: the divisor is replaced by 1 in both
// cases, so divsi never traps.
// CHECK-LABEL: func.func @div_i32
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: i32, %[[Y:[a-zA-Z0-9_]+]]: i32, %{{[a-zA-Z0-9_]+}}: i32):
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[M1:.*]] = arith.constant -1 : i32
// CHECK: %[[ISZ:.*]] = arith.cmpi eq, %[[Y]], %[[ZERO]] : i32
// CHECK: %[[ISM1:.*]] = arith.cmpi eq, %[[Y]], %[[M1]] : i32
// CHECK: %[[UNSAFE:.*]] = arith.ori %[[ISZ]], %[[ISM1]] : i1
// CHECK: %[[D:.*]] = arith.select %[[UNSAFE]], %[[ONE]], %[[Y]] : i32
// CHECK: %[[Q:.*]] = arith.divsi %[[X]], %[[D]] : i32
// CHECK: %[[NEG:.*]] = arith.subi %[[ZERO]], %[[X]] : i32
// CHECK: %[[R1:.*]] = arith.select %[[ISM1]], %[[NEG]], %[[Q]] : i32
// CHECK: %[[R:.*]] = arith.select %[[ISZ]], %[[ZERO]], %[[R1]] : i32
// CHECK: linalg.yield %[[R]] : i32
func.func @div_i32(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = sinter.div %a, %b : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Float max/min propagate NaN (maximumf/minimumf, not maxnumf); integers are
// signed.
// CHECK-LABEL: func.func @max_min
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[Y:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: arith.maximumf %[[X]], %[[Y]] : f32
// CHECK: ^bb0(%[[X2:[a-zA-Z0-9_]+]]: f32, %[[Y2:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: arith.minimumf %[[X2]], %[[Y2]] : f32
// CHECK: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i64, %[[J:[a-zA-Z0-9_]+]]: i64, %{{[a-zA-Z0-9_]+}}: i64):
// CHECK-NEXT: arith.maxsi %[[I]], %[[J]] : i64
func.func @max_min(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi64>) {
  %0 = sinter.max %a, %b : tensor<4xf32>
  %1 = sinter.min %a, %b : tensor<4xf32>
  %2 = sinter.max %i, %i : tensor<4xi64>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xi64>
}

// -----

// relu(x) = maximum(x, +0): NaN propagates, -0 becomes +0.
// CHECK-LABEL: func.func @relu
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f16, %{{[a-zA-Z0-9_]+}}: f16):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[XW]], %[[Z]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[M]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[N]] : f16
// CHECK: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i32, %{{[a-zA-Z0-9_]+}}: i32):
// CHECK-NEXT: %[[ZI:.*]] = arith.constant 0 : i32
// CHECK-NEXT: arith.maxsi %[[I]], %[[ZI]] : i32
func.func @relu(%x: tensor<8xf16>, %i: tensor<8xi32>) -> (tensor<8xf16>, tensor<8xi32>) {
  %0 = sinter.relu %x : tensor<8xf16>
  %1 = sinter.relu %i : tensor<8xi32>
  return %0, %1 : tensor<8xf16>, tensor<8xi32>
}

// -----

// gelu lowers directly: one generic computing the whole formula in f32.
// gelu none: 0.5 x (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @gelu_none
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK: %[[S:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK: %[[E:.*]] = math.erf %[[S]] : f32
// CHECK: %[[T:.*]] = arith.addf %{{.*}}, %[[E]] : f32
// CHECK: %[[H:.*]] = arith.mulf %{{.*}}, %[[X]] : f32
// CHECK: %[[R:.*]] = arith.mulf %[[H]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_none(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.gelu none %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// gelu tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: linalg.generic
// CHECK-DAG: arith.constant 4.471500e-02 : f32
// CHECK-DAG: arith.constant 0.797884{{[0-9]*}} : f32
// CHECK: math.tanh %{{.*}} : f32
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @gelu_tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.gelu tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// gelu sigmoid: x * sigmoid(1.702 x), sigmoid as 1 / (1 + exp(-x)), computed
// in f32 on bf16 storage and narrowed once.
// CHECK-LABEL: func.func @gelu_sigmoid
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: bf16, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK-NEXT: %[[K:.*]] = arith.constant 1.702000e+00 : f32
// CHECK-NEXT: %[[KX:.*]] = arith.mulf %[[K]], %[[XW]] : f32
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[KX]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK-NEXT: %[[SIG:.*]] = arith.divf %[[ONE]], %[[D]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[XW]], %[[SIG]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[R]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[N]] : bf16
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK: return
func.func @gelu_sigmoid(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = sinter.gelu sigmoid %x : tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// Float compares are ordered except `ne`, which is true on NaN; bf16 compares
// exactly in f32. i1 compares unsigned (false < true), wider integers signed.
// CHECK-LABEL: func.func @compare
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[Y:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: %[[NE:.*]] = arith.cmpf une, %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[NE]] : i1
// CHECK: ^bb0(%[[X1:[a-zA-Z0-9_]+]]: bf16, %[[Y1:[a-zA-Z0-9_]+]]: bf16, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: %[[XW:.*]] = arith.extf %[[X1]] : bf16 to f32
// CHECK-NEXT: %[[YW:.*]] = arith.extf %[[Y1]] : bf16 to f32
// CHECK-NEXT: arith.cmpf olt, %[[XW]], %[[YW]] : f32
// CHECK: ^bb0(%[[P:[a-zA-Z0-9_]+]]: i1, %[[Q:[a-zA-Z0-9_]+]]: i1, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: arith.cmpi ult, %[[P]], %[[Q]] : i1
// CHECK: ^bb0(%[[P2:[a-zA-Z0-9_]+]]: i1, %[[Q2:[a-zA-Z0-9_]+]]: i1, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: arith.cmpi uge, %[[P2]], %[[Q2]] : i1
// CHECK: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i32, %[[J:[a-zA-Z0-9_]+]]: i32, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: arith.cmpi slt, %[[I]], %[[J]] : i32
func.func @compare(%a: tensor<4xf32>, %b: tensor<4xf32>, %h: tensor<4xbf16>, %p: tensor<4xi1>, %i: tensor<4xi32>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = sinter.compare ne, %a, %b : tensor<4xf32>
  %1 = sinter.compare lt, %h, %h : tensor<4xbf16>
  %2 = sinter.compare lt, %p, %p : tensor<4xi1>
  %3 = sinter.compare ge, %p, %p : tensor<4xi1>
  %4 = sinter.compare lt, %i, %i : tensor<4xi32>
  return %0, %1, %2, %3, %4 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// select needs no widening, even on bf16.
// CHECK-LABEL: func.func @select
// CHECK-SAME: (%[[P:[a-zA-Z0-9_]+]]: tensor<2x2xi1>, %[[A:[a-zA-Z0-9_]+]]: tensor<2x2xbf16>, %[[B:[a-zA-Z0-9_]+]]: tensor<2x2xbf16>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[P]], %[[A]], %[[B]] : tensor<2x2xi1>, tensor<2x2xbf16>, tensor<2x2xbf16>)
// CHECK-NEXT: ^bb0(%[[C:[a-zA-Z0-9_]+]]: i1, %[[X:[a-zA-Z0-9_]+]]: bf16, %[[Y:[a-zA-Z0-9_]+]]: bf16, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[S:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : bf16
// CHECK-NEXT: linalg.yield %[[S]] : bf16
func.func @select(%p: tensor<2x2xi1>, %a: tensor<2x2xbf16>, %b: tensor<2x2xbf16>) -> tensor<2x2xbf16> {
  %0 = sinter.select %p, %a, %b : tensor<2x2xi1>, tensor<2x2xbf16>
  return %0 : tensor<2x2xbf16>
}

// -----

// f32 -> i32 truncates toward zero and saturates, NaN to 0, in f64 where
// every i32 bound is exact.
// CHECK-LABEL: func.func @convert_f32_to_i32
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: i32):
// CHECK: %[[W:.*]] = arith.extf %[[X]] : f32 to f64
// CHECK: %[[LO:.*]] = arith.maximumf %[[W]], %{{.*}} : f64
// CHECK: %[[HI:.*]] = arith.minimumf %[[LO]], %{{.*}} : f64
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[W]], %[[W]] : f64
// CHECK: %[[C:.*]] = arith.select %[[NAN]], %{{.*}}, %[[HI]] : f64
// CHECK: %[[I:.*]] = arith.fptosi %[[C]] : f64 to i32
// CHECK: %[[BIG:.*]] = arith.cmpf oge, %[[W]], %{{.*}} : f64
// CHECK: %[[MAX:.*]] = arith.constant 2147483647 : i32
// CHECK: %[[R:.*]] = arith.select %[[BIG]], %[[MAX]], %[[I]] : i32
// CHECK: linalg.yield %[[R]] : i32
func.func @convert_f32_to_i32(%x: tensor<4xf32>) -> tensor<4xi32> {
  %0 = sinter.convert %x : tensor<4xf32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @convert_floats
// f32 -> bf16 is one truncf.
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: bf16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[X]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[T]] : bf16
// bf16 -> f16 goes through f32: neither holds the other.
// CHECK: ^bb0(%[[H:[a-zA-Z0-9_]+]]: bf16, %{{[a-zA-Z0-9_]+}}: f16):
// CHECK-NEXT: %[[W:.*]] = arith.extf %[[H]] : bf16 to f32
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[W]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[N]] : f16
// f16 -> f32 is one extf.
// CHECK: ^bb0(%[[G:[a-zA-Z0-9_]+]]: f16, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: %[[GW:.*]] = arith.extf %[[G]] : f16 to f32
// CHECK-NEXT: linalg.yield %[[GW]] : f32
func.func @convert_floats(%x: tensor<4xf32>, %h: tensor<4xbf16>, %g: tensor<4xf16>) -> (tensor<4xbf16>, tensor<4xf16>, tensor<4xf32>) {
  %0 = sinter.convert %x : tensor<4xf32> -> tensor<4xbf16>
  %1 = sinter.convert %h : tensor<4xbf16> -> tensor<4xf16>
  %2 = sinter.convert %g : tensor<4xf16> -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xbf16>, tensor<4xf16>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @convert_from_ints
// i32 -> f32 is signed, i1 -> f32 unsigned (true is 1.0, not -1.0).
// CHECK: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i32, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[I]] : i32 to f32
// CHECK-NEXT: linalg.yield %[[F]] : f32
// CHECK: ^bb0(%[[P:[a-zA-Z0-9_]+]]: i1, %{{[a-zA-Z0-9_]+}}: f32):
// CHECK-NEXT: %[[PF:.*]] = arith.uitofp %[[P]] : i1 to f32
// CHECK-NEXT: linalg.yield %[[PF]] : f32
// i1 -> i32 zero-extends, i64 -> i32 truncates.
// CHECK: ^bb0(%[[P2:[a-zA-Z0-9_]+]]: i1, %{{[a-zA-Z0-9_]+}}: i32):
// CHECK-NEXT: arith.extui %[[P2]] : i1 to i32
// CHECK: ^bb0(%[[L:[a-zA-Z0-9_]+]]: i64, %{{[a-zA-Z0-9_]+}}: i32):
// CHECK-NEXT: arith.trunci %[[L]] : i64 to i32
func.func @convert_from_ints(%i: tensor<4xi32>, %p: tensor<4xi1>, %l: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>) {
  %0 = sinter.convert %i : tensor<4xi32> -> tensor<4xf32>
  %1 = sinter.convert %p : tensor<4xi1> -> tensor<4xf32>
  %2 = sinter.convert %p : tensor<4xi1> -> tensor<4xi32>
  %3 = sinter.convert %l : tensor<4xi64> -> tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>
}

// -----

// To i1 is `x != 0`: une on floats (NaN is true), ne on integers.
// CHECK-LABEL: func.func @convert_to_i1
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[B:.*]] = arith.cmpf une, %[[X]], %[[Z]] : f32
// CHECK-NEXT: linalg.yield %[[B]] : i1
// CHECK: ^bb0(%[[I:[a-zA-Z0-9_]+]]: i64, %{{[a-zA-Z0-9_]+}}: i1):
// CHECK-NEXT: %[[ZI:.*]] = arith.constant 0 : i64
// CHECK-NEXT: %[[BI:.*]] = arith.cmpi ne, %[[I]], %[[ZI]] : i64
// CHECK-NEXT: linalg.yield %[[BI]] : i1
func.func @convert_to_i1(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xi1>) {
  %0 = sinter.convert %x : tensor<4xf32> -> tensor<4xi1>
  %1 = sinter.convert %i : tensor<4xi64> -> tensor<4xi1>
  return %0, %1 : tensor<4xi1>, tensor<4xi1>
}
