// RUN: sinter-opt %s -split-input-file -sinter-recognize-gelu | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-gelu | FileCheck %s --check-prefix=ROUNDTRIP

// PyTorch's exact form, as the graph builder writes it:
// x * 0.5 * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @exact_div_sqrt2
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[G:.*]] = sinter.gelu none %[[X]] : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @exact_div_sqrt2(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = sinter.constant dense<5.000000e-01> : tensor<4x8xf32>
  %sqrt2 = sinter.constant dense<1.41421354> : tensor<4x8xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
  %xh = sinter.mul %x, %half : tensor<4x8xf32>
  %s = sinter.div %x, %sqrt2 : tensor<4x8xf32>
  %e = sinter.erf %s : tensor<4x8xf32>
  %a = sinter.add %e, %one : tensor<4x8xf32>
  %y = sinter.mul %xh, %a : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The other association, constants on the left, and a scalar constant
// broadcast: 0.5 * (x * (1 + erf(x * (1/sqrt(2))))).
// CHECK-LABEL: func.func @exact_reassociated
// CHECK-NEXT: sinter.gelu none
// CHECK-NEXT: return
func.func @exact_reassociated(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %h0 = sinter.constant dense<5.000000e-01> : tensor<f32>
  %half = sinter.broadcast_in_dim %h0, dims = [] : (tensor<f32>) -> tensor<4x8xf32>
  %c = sinter.constant dense<0.707106769> : tensor<4x8xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
  %s = sinter.mul %c, %x : tensor<4x8xf32>
  %e = sinter.erf %s : tensor<4x8xf32>
  %a = sinter.add %one, %e : tensor<4x8xf32>
  %xa = sinter.mul %x, %a : tensor<4x8xf32>
  %y = sinter.mul %half, %xa : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// GPT-2's tanh form with pow(x, 3).
// CHECK-LABEL: func.func @tanh_pow
// CHECK-SAME: (%[[X:.*]]: tensor<2x16xf32>)
// CHECK-NEXT: %[[G:.*]] = sinter.gelu tanh %[[X]] : tensor<2x16xf32>
// CHECK-NEXT: return %[[G]]
func.func @tanh_pow(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %three = sinter.constant dense<3.000000e+00> : tensor<2x16xf32>
  %c = sinter.constant dense<4.471500e-02> : tensor<2x16xf32>
  %k = sinter.constant dense<0.797884583> : tensor<2x16xf32>
  %half = sinter.constant dense<5.000000e-01> : tensor<2x16xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<2x16xf32>
  %cube = sinter.pow %x, %three : tensor<2x16xf32>
  %cc = sinter.mul %cube, %c : tensor<2x16xf32>
  %in = sinter.add %x, %cc : tensor<2x16xf32>
  %ik = sinter.mul %in, %k : tensor<2x16xf32>
  %t = sinter.tanh %ik : tensor<2x16xf32>
  %a = sinter.add %t, %one : tensor<2x16xf32>
  %xh = sinter.mul %x, %half : tensor<2x16xf32>
  %y = sinter.mul %xh, %a : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The "fast" spelling: tanh(x * sqrt(2/pi) * (1 + 0.044715 * x * x)), in
// bf16 (the constants rounded to bf16 still match).
// CHECK-LABEL: func.func @tanh_fast_bf16
// CHECK-NEXT: sinter.gelu tanh %{{.*}} : tensor<8xbf16>
// CHECK-NEXT: return
func.func @tanh_fast_bf16(%x: tensor<8xbf16>) -> tensor<8xbf16> {
  %c = sinter.constant dense<4.471500e-02> : tensor<8xbf16>
  %k = sinter.constant dense<0.797884583> : tensor<8xbf16>
  %half = sinter.constant dense<5.000000e-01> : tensor<8xbf16>
  %one = sinter.constant dense<1.000000e+00> : tensor<8xbf16>
  %sq = sinter.mul %x, %x : tensor<8xbf16>
  %csq = sinter.mul %c, %sq : tensor<8xbf16>
  %p = sinter.add %one, %csq : tensor<8xbf16>
  %xk = sinter.mul %x, %k : tensor<8xbf16>
  %arg = sinter.mul %xk, %p : tensor<8xbf16>
  %t = sinter.tanh %arg : tensor<8xbf16>
  %a = sinter.add %t, %one : tensor<8xbf16>
  %xa = sinter.mul %x, %a : tensor<8xbf16>
  %y = sinter.mul %xa, %half : tensor<8xbf16>
  return %y : tensor<8xbf16>
}

// -----

// x * sigmoid(1.702 x).
// CHECK-LABEL: func.func @sigmoid_form
// CHECK-NEXT: sinter.gelu sigmoid %{{.*}} : tensor<4x8xf32>
// CHECK-NEXT: return
func.func @sigmoid_form(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = sinter.constant dense<1.702000e+00> : tensor<4x8xf32>
  %s = sinter.mul %x, %c : tensor<4x8xf32>
  %g = sinter.sigmoid %s : tensor<4x8xf32>
  %y = sinter.mul %g, %x : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// x * sigmoid(x) is SiLU: the constant differs, no GELU.
// CHECK-LABEL: func.func @negative_silu
// CHECK-NOT: sinter.gelu
func.func @negative_silu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g = sinter.sigmoid %x : tensor<4x8xf32>
  %y = sinter.mul %x, %g : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// 0.044 instead of 0.044715: a different function, no match.
// CHECK-LABEL: func.func @negative_wrong_cubic_constant
// CHECK-NOT: sinter.gelu
func.func @negative_wrong_cubic_constant(%x: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %three = sinter.constant dense<3.000000e+00> : tensor<2x16xf32>
  %c = sinter.constant dense<4.400000e-02> : tensor<2x16xf32>
  %k = sinter.constant dense<0.797884583> : tensor<2x16xf32>
  %half = sinter.constant dense<5.000000e-01> : tensor<2x16xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<2x16xf32>
  %cube = sinter.pow %x, %three : tensor<2x16xf32>
  %cc = sinter.mul %cube, %c : tensor<2x16xf32>
  %in = sinter.add %x, %cc : tensor<2x16xf32>
  %ik = sinter.mul %in, %k : tensor<2x16xf32>
  %t = sinter.tanh %ik : tensor<2x16xf32>
  %a = sinter.add %t, %one : tensor<2x16xf32>
  %xh = sinter.mul %x, %half : tensor<2x16xf32>
  %y = sinter.mul %xh, %a : tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// erf(x) without the 1/sqrt(2): not GELU.
// CHECK-LABEL: func.func @negative_unscaled_erf
// CHECK-NOT: sinter.gelu
func.func @negative_unscaled_erf(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = sinter.constant dense<5.000000e-01> : tensor<4x8xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
  %e = sinter.erf %x : tensor<4x8xf32>
  %a = sinter.add %e, %one : tensor<4x8xf32>
  %xh = sinter.mul %x, %half : tensor<4x8xf32>
  %y = sinter.mul %xh, %a : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// The erf is also returned: recognising would lose it.
// CHECK-LABEL: func.func @negative_erf_used_elsewhere
// CHECK-NOT: sinter.gelu
func.func @negative_erf_used_elsewhere(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %half = sinter.constant dense<5.000000e-01> : tensor<4x8xf32>
  %c = sinter.constant dense<0.707106769> : tensor<4x8xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
  %s = sinter.mul %x, %c : tensor<4x8xf32>
  %e = sinter.erf %s : tensor<4x8xf32>
  %a = sinter.add %e, %one : tensor<4x8xf32>
  %xh = sinter.mul %x, %half : tensor<4x8xf32>
  %y = sinter.mul %xh, %a : tensor<4x8xf32>
  return %y, %e : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Two different tensors: 0.5 * x * (1 + erf(z / sqrt(2))) is no GELU of
// either.
// CHECK-LABEL: func.func @negative_two_tensors
// CHECK-NOT: sinter.gelu
func.func @negative_two_tensors(%x: tensor<4x8xf32>, %z: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = sinter.constant dense<5.000000e-01> : tensor<4x8xf32>
  %c = sinter.constant dense<0.707106769> : tensor<4x8xf32>
  %one = sinter.constant dense<1.000000e+00> : tensor<4x8xf32>
  %s = sinter.mul %z, %c : tensor<4x8xf32>
  %e = sinter.erf %s : tensor<4x8xf32>
  %a = sinter.add %e, %one : tensor<4x8xf32>
  %xh = sinter.mul %x, %half : tensor<4x8xf32>
  %y = sinter.mul %xh, %a : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Round trip: each approximation decomposed then recognised.
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-NEXT: sinter.gelu none
// ROUNDTRIP-NEXT: sinter.gelu tanh
// ROUNDTRIP-NEXT: sinter.gelu sigmoid
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  %0 = sinter.gelu none %x : tensor<3x5xf32>
  %1 = sinter.gelu tanh %x : tensor<3x5xf32>
  %2 = sinter.gelu sigmoid %x : tensor<3x5xf32>
  return %0, %1, %2 : tensor<3x5xf32>, tensor<3x5xf32>, tensor<3x5xf32>
}
