// RUN: sinter-opt %s -split-input-file -sinter-recognize-attention | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites -sinter-recognize-attention | FileCheck %s --check-prefix=ROUNDTRIP

// q @ k^T * scale, the primitive softmax, @ v: the softmax is recognised
// first, then the attention.
// CHECK-LABEL: func.func @scaled
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x6x8xf32>, %[[V:.*]]: tensor<1x2x6x8xf32>)
// CHECK-NEXT: %[[O:.*]] = sinter.attention %[[Q]], %[[K]], %[[V]] scale = 1.250000e-01 : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NEXT: return %[[O]]
func.func @scaled(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = sinter.constant dense<1.250000e-01> : tensor<1x2x4x6xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
  %ss = sinter.mul %s, %c : tensor<1x2x4x6xf32>
  %m = sinter.reduce max %ss, dims = [3] : (tensor<1x2x4x6xf32>) -> tensor<1x2x4xf32>
  %mb = sinter.broadcast_in_dim %m, dims = [0, 1, 2] : (tensor<1x2x4xf32>) -> tensor<1x2x4x6xf32>
  %d = sinter.sub %ss, %mb : tensor<1x2x4x6xf32>
  %e = sinter.exp %d : tensor<1x2x4x6xf32>
  %sum = sinter.reduce sum %e, dims = [3] : (tensor<1x2x4x6xf32>) -> tensor<1x2x4xf32>
  %sb = sinter.broadcast_in_dim %sum, dims = [0, 1, 2] : (tensor<1x2x4xf32>) -> tensor<1x2x4x6xf32>
  %p = sinter.div %e, %sb : tensor<1x2x4x6xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Heads transposed by hand: k [B, T, H, D] -> [B, H, D, T] in one transpose
// feeding a plain matmul, the scale a division by sqrt(D) applied to q.
// The head transpose stays outside, as [0, 2, 1, 3].
// CHECK-LABEL: func.func @transposed_key
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x16xf32>, %[[K:.*]]: tensor<1x4x2x16xf32>, %[[V:.*]]: tensor<1x2x4x16xf32>)
// CHECK-NEXT: %[[KT:.*]] = sinter.transpose %[[K]], perm = [0, 2, 1, 3] : (tensor<1x4x2x16xf32>) -> tensor<1x2x4x16xf32>
// CHECK-NEXT: %[[O:.*]] = sinter.attention %[[Q]], %[[KT]], %[[V]] scale = 2.500000e-01 :
// CHECK-NEXT: return %[[O]]
func.func @transposed_key(%q: tensor<1x2x4x16xf32>, %k: tensor<1x4x2x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  %c = sinter.constant dense<4.000000e+00> : tensor<1x2x4x16xf32>
  %qs = sinter.div %q, %c : tensor<1x2x4x16xf32>
  %kt = sinter.transpose %k, perm = [0, 2, 3, 1] : (tensor<1x4x2x16xf32>) -> tensor<1x2x16x4xf32>
  %s = sinter.matmul %qs, %kt : (tensor<1x2x4x16xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x4x4xf32>
  %p = sinter.softmax %s, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}

// -----

// The graph builder's causal mask: i32 iota and compare, select with -inf.
// CHECK-LABEL: func.func @causal_i32
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>)
// CHECK-NEXT: %[[O:.*]] = sinter.attention %[[Q]], %[[K]], %[[V]] scale = 5.000000e-01 causal :
// CHECK-NEXT: return %[[O]]
func.func @causal_i32(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = sinter.constant dense<5.000000e-01> : tensor<1x2x4x4xf32>
  %ninf = sinter.constant dense<0xFF800000> : tensor<1x2x4x4xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %ss = sinter.mul %s, %c : tensor<1x2x4x4xf32>
  %rows = sinter.iota dim = 0 : tensor<4x4xi32>
  %cols = sinter.iota dim = 1 : tensor<4x4xi32>
  %keep = sinter.compare le, %cols, %rows : tensor<4x4xi32>
  %kb = sinter.broadcast_in_dim %keep, dims = [2, 3] : (tensor<4x4xi1>) -> tensor<1x2x4x4xi1>
  %sm = sinter.select %kb, %ss, %ninf : tensor<1x2x4x4xi1>, tensor<1x2x4x4xf32>
  %p = sinter.softmax %sm, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// masked_fill of the strictly upper triangle with a large finite negative,
// from a constant mask, no scale: causal too.
// CHECK-LABEL: func.func @causal_constant_mask_inverted
// CHECK-NEXT: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.000000e+00 causal :
// CHECK-NEXT: return
func.func @causal_constant_mask_inverted(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %fill = sinter.constant dense<-1.000000e+09> : tensor<1x1x3x3xf32>
  %upper = sinter.constant dense<[[false, true, true], [false, false, true], [false, false, false]]> : tensor<3x3xi1>
  %ub = sinter.broadcast_in_dim %upper, dims = [2, 3] : (tensor<3x3xi1>) -> tensor<1x1x3x3xi1>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x3xf32>
  %sm = sinter.select %ub, %fill, %s : tensor<1x1x3x3xi1>, tensor<1x1x3x3xf32>
  %p = sinter.softmax %sm, axis = 3 : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %o = sinter.matmul %p, %v : (tensor<1x1x3x3xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
  return %o : tensor<1x1x3x4xf32>
}

// -----

// A banded (sliding-window) constant mask is not causal: it becomes a
// constant additive bias of 0 and -inf.
// CHECK-LABEL: func.func @band_mask_becomes_bias
// CHECK: %[[B:.*]] = sinter.constant dense<{{\[\[\[\[}}0.000000e+00, 0xFF800000, 0xFF800000], [0.000000e+00, 0.000000e+00, 0xFF800000], [0xFF800000, 0.000000e+00, 0.000000e+00]]]]> : tensor<1x1x3x3xf32>
// CHECK-NEXT: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B]] : tensor<1x1x3x3xf32>) scale = 1.000000e+00 :
// CHECK-NEXT: return
func.func @band_mask_becomes_bias(%q: tensor<1x1x3x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32> {
  %ninf = sinter.constant dense<0xFF800000> : tensor<1x1x3x3xf32>
  %rows = sinter.iota dim = 2 : tensor<1x1x3x3xi64>
  %cols = sinter.iota dim = 3 : tensor<1x1x3x3xi64>
  %one = sinter.constant dense<1> : tensor<1x1x3x3xi64>
  %lo = sinter.sub %rows, %one : tensor<1x1x3x3xi64>
  %le = sinter.compare le, %cols, %rows : tensor<1x1x3x3xi64>
  %ge = sinter.compare ge, %cols, %lo : tensor<1x1x3x3xi64>
  %lei = sinter.convert %le : tensor<1x1x3x3xi1> -> tensor<1x1x3x3xi64>
  %gei = sinter.convert %ge : tensor<1x1x3x3xi1> -> tensor<1x1x3x3xi64>
  %both = sinter.mul %lei, %gei : tensor<1x1x3x3xi64>
  %keep = sinter.convert %both : tensor<1x1x3x3xi64> -> tensor<1x1x3x3xi1>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x3xf32>
  %sm = sinter.select %keep, %s, %ninf : tensor<1x1x3x3xi1>, tensor<1x1x3x3xf32>
  %p = sinter.softmax %sm, axis = 3 : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %o = sinter.matmul %p, %v : (tensor<1x1x3x3xf32>, tensor<1x1x3x4xf32>) -> tensor<1x1x3x4xf32>
  return %o : tensor<1x1x3x4xf32>
}

// -----

// A [S, T] bias broadcast to the scores is passed as [1, 1, S, T].
// CHECK-LABEL: func.func @broadcast_bias
// CHECK-SAME: %[[BIAS:[^:]*]]: tensor<4x6xf32>
// CHECK: %[[R:.*]] = sinter.reshape %[[BIAS]] : (tensor<4x6xf32>) -> tensor<1x1x4x6xf32>
// CHECK-NEXT: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[R]] : tensor<1x1x4x6xf32>) scale = 1.250000e-01 :
// CHECK-NEXT: return
func.func @broadcast_bias(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x6x8xf32>, %v: tensor<2x2x6x8xf32>, %bias: tensor<4x6xf32>) -> tensor<2x2x4x8xf32> {
  %c = sinter.constant dense<1.250000e-01> : tensor<2x2x4x6xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>) -> tensor<2x2x4x6xf32>
  %ss = sinter.mul %c, %s : tensor<2x2x4x6xf32>
  %bb = sinter.broadcast_in_dim %bias, dims = [2, 3] : (tensor<4x6xf32>) -> tensor<2x2x4x6xf32>
  %sb = sinter.add %bb, %ss : tensor<2x2x4x6xf32>
  %p = sinter.softmax %sb, axis = 3 : (tensor<2x2x4x6xf32>) -> tensor<2x2x4x6xf32>
  %o = sinter.matmul %p, %v : (tensor<2x2x4x6xf32>, tensor<2x2x6x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// Residual attention: the second layer adds the first layer's scores. The
// first layer's scores are read twice, so it stays primitive; the second
// becomes attention with those scores as its bias.
// CHECK-LABEL: func.func @bias_is_previous_scores
// CHECK: %[[S1:.*]] = sinter.matmul
// CHECK: sinter.softmax %[[S1]]
// CHECK: sinter.attention %{{.*}}, %{{.*}}, %{{.*}} bias(%[[S1]] : tensor<1x2x4x4xf32>) scale = 1.000000e+00 :
// CHECK-NOT: sinter.attention
func.func @bias_is_previous_scores(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s1 = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %p1 = sinter.softmax %s1, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o1 = sinter.matmul %p1, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %s2 = sinter.matmul %o1, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %b2 = sinter.add %s2, %s1 : tensor<1x2x4x4xf32>
  %p2 = sinter.softmax %b2, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o2 = sinter.matmul %p2, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o2 : tensor<1x2x4x8xf32>
}

// -----

// Gated attention unit: relu(s)^2 instead of softmax. Not attention.
// CHECK-LABEL: func.func @negative_relu_squared
// CHECK-NOT: sinter.attention
func.func @negative_relu_squared(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %c = sinter.constant dense<1.250000e-01> : tensor<1x2x4x4xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %ss = sinter.mul %s, %c : tensor<1x2x4x4xf32>
  %r = sinter.relu %ss : tensor<1x2x4x4xf32>
  %p = sinter.mul %r, %r : tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// The probabilities are also returned: no match.
// CHECK-LABEL: func.func @negative_probabilities_used_elsewhere
// CHECK-NOT: sinter.attention
func.func @negative_probabilities_used_elsewhere(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %p = sinter.softmax %s, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %p : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// -----

// The scaled scores are also returned: no match.
// CHECK-LABEL: func.func @negative_scores_used_elsewhere
// CHECK-NOT: sinter.attention
func.func @negative_scores_used_elsewhere(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %c = sinter.constant dense<1.250000e-01> : tensor<1x2x4x4xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %ss = sinter.mul %s, %c : tensor<1x2x4x4xf32>
  %p = sinter.softmax %ss, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %ss : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// -----

// Softmax over the queries (axis 2): not attention.
// CHECK-LABEL: func.func @negative_softmax_wrong_axis
// CHECK-NOT: sinter.attention
func.func @negative_softmax_wrong_axis(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %p = sinter.softmax %s, axis = 2 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A mask that is a function argument (padding): not representable as a
// constant, no match.
// CHECK-LABEL: func.func @negative_runtime_mask
// CHECK-NOT: sinter.attention
func.func @negative_runtime_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %mask: tensor<1x2x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %ninf = sinter.constant dense<0xFF800000> : tensor<1x2x4x4xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %sm = sinter.select %mask, %s, %ninf : tensor<1x2x4x4xi1>, tensor<1x2x4x4xf32>
  %p = sinter.softmax %sm, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// The scale applied after the bias scales the bias too: no match.
// CHECK-LABEL: func.func @negative_scale_after_bias
// CHECK-NOT: sinter.attention
func.func @negative_scale_after_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %c = sinter.constant dense<1.250000e-01> : tensor<1x2x4x4xf32>
  %s = sinter.matmul %q, %k {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %sb = sinter.add %s, %b : tensor<1x2x4x4xf32>
  %ss = sinter.mul %sb, %c : tensor<1x2x4x4xf32>
  %p = sinter.softmax %ss, axis = 3 : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = sinter.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Round trip: decomposed (i64 causal mask with T != S, bias) then
// recognised.
// CHECK-LABEL: func.func @roundtrip
// ROUNDTRIP-LABEL: func.func @roundtrip
// ROUNDTRIP-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x6x8xf32>, %[[V:.*]]: tensor<1x2x6x8xf32>, %[[B:.*]]: tensor<1x2x4x6xf32>)
// ROUNDTRIP-NEXT: sinter.attention %[[Q]], %[[K]], %[[V]] bias(%[[B]] : tensor<1x2x4x6xf32>) scale = {{.*}} causal :
// ROUNDTRIP-NEXT: sinter.attention %[[Q]], %[[K]], %[[V]] scale = 1.250000e-01 :
// ROUNDTRIP-NEXT: return
func.func @roundtrip(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %b: tensor<1x2x4x6xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %0 = sinter.attention %q, %k, %v bias(%b : tensor<1x2x4x6xf32>) scale = 3.500000e-01 causal : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  %1 = sinter.attention %q, %k, %v scale = 1.250000e-01 : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %0, %1 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}
