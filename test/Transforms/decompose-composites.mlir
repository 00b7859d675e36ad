// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites="ops=gelu" | FileCheck %s --check-prefix=ONLY
// RUN: not sinter-opt %s -split-input-file -sinter-decompose-composites="ops=gelu,sofmax" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: sinter-opt %s -split-input-file -sinter-decompose-composites="edge-safe" | FileCheck %s --check-prefix=SAFE

// BAD: unknown composite 'sofmax' in ops= (expected one of softmax, log_softmax

// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK: %[[M:.*]] = sinter.reduce max %[[X]], dims = [1]
// CHECK: %[[MB:.*]] = sinter.broadcast_in_dim %[[M]], dims = [0] : (tensor<4xf32>) -> tensor<4x8xf32>
// CHECK: %[[D:.*]] = sinter.sub %[[X]], %[[MB]]
// CHECK: %[[E:.*]] = sinter.exp %[[D]]
// CHECK: %[[S:.*]] = sinter.reduce sum %[[E]], dims = [1]
// CHECK: %[[SB:.*]] = sinter.broadcast_in_dim %[[S]], dims = [0]
// CHECK: %[[P:.*]] = sinter.div %[[E]], %[[SB]]
// CHECK: return %[[P]]
// CHECK-NOT: sinter.softmax
// ONLY-LABEL: func.func @softmax
// ONLY: sinter.softmax
// The edge-safe form: a fully masked row subtracts 0 and divides by 1.
// SAFE-LABEL: func.func @softmax
// SAFE-DAG: %[[ONE:.*]] = sinter.constant dense<1.000000e+00> : tensor<4xf32>
// SAFE-DAG: %[[ZERO:.*]] = sinter.constant dense<0.000000e+00> : tensor<4xf32>
// SAFE-DAG: %[[NINF:.*]] = sinter.constant dense<0xFF800000> : tensor<4xf32>
// SAFE: %[[M:.*]] = sinter.reduce max %{{.*}}, dims = [1]
// SAFE: %[[MASKED:.*]] = sinter.compare eq, %[[M]], %[[NINF]]
// SAFE: %[[PIVOT:.*]] = sinter.select %[[MASKED]], %[[ZERO]], %[[M]]
// SAFE: %[[PB:.*]] = sinter.broadcast_in_dim %[[PIVOT]]
// SAFE: %[[D:.*]] = sinter.sub %{{.*}}, %[[PB]]
// SAFE: %[[E:.*]] = sinter.exp %[[D]]
// SAFE: %[[S:.*]] = sinter.reduce sum %[[E]]
// SAFE: %[[C:.*]] = sinter.max %[[S]], %[[ONE]]
// SAFE: %[[CB:.*]] = sinter.broadcast_in_dim %[[C]]
// SAFE: sinter.div %[[E]], %[[CB]]
func.func @softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK: %[[M:.*]] = sinter.reduce max
// CHECK: %[[D:.*]] = sinter.sub
// CHECK: %[[E:.*]] = sinter.exp %[[D]]
// CHECK: %[[S:.*]] = sinter.reduce sum %[[E]]
// CHECK: %[[L:.*]] = sinter.log %[[S]]
// CHECK: %[[LB:.*]] = sinter.broadcast_in_dim %[[L]]
// CHECK: sinter.sub %[[D]], %[[LB]]
func.func @log_softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.log_softmax %x, axis = 1 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @logsumexp
// CHECK: %[[M:.*]] = sinter.reduce max %{{.*}}, dims = [0]
// CHECK: %[[S:.*]] = sinter.reduce sum
// CHECK: %[[L:.*]] = sinter.log %[[S]] : tensor<8xf32>
// CHECK: %[[R:.*]] = sinter.add %[[M]], %[[L]] : tensor<8xf32>
// CHECK: return %[[R]]
// Edge-safe: pivot + log(sum), -inf for a fully masked row.
// SAFE-LABEL: func.func @logsumexp
// SAFE: %[[M:.*]] = sinter.reduce max
// SAFE: %[[P:.*]] = sinter.select %{{.*}}, %{{.*}}, %[[M]]
// SAFE: %[[S:.*]] = sinter.reduce sum
// SAFE-NOT: sinter.max
// SAFE: %[[L:.*]] = sinter.log %[[S]]
// SAFE: sinter.add %[[P]], %[[L]]
func.func @logsumexp(%x: tensor<4x8xf32>) -> tensor<8xf32> {
  %0 = sinter.logsumexp %x, axis = 0 : (tensor<4x8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Norms on bf16 compute in f32 and convert back.
// CHECK-LABEL: func.func @layer_norm_bf16
// CHECK: %[[X:.*]] = sinter.convert %{{.*}} : tensor<2x4x8xbf16> -> tensor<2x4x8xf32>
// CHECK: %[[MEAN:.*]] = sinter.reduce mean %[[X]], dims = [1, 2]
// CHECK: %[[C:.*]] = sinter.sub %[[X]]
// CHECK: %[[SQ:.*]] = sinter.mul %[[C]], %[[C]]
// CHECK: %[[VAR:.*]] = sinter.reduce mean %[[SQ]], dims = [1, 2]
// CHECK: sinter.rsqrt
// CHECK: sinter.convert %{{.*}} : tensor<4x8xbf16> -> tensor<4x8xf32>
// CHECK: sinter.broadcast_in_dim %{{.*}}, dims = [1, 2] : (tensor<4x8xf32>) -> tensor<2x4x8xf32>
// CHECK: sinter.convert %{{.*}} : tensor<2x4x8xf32> -> tensor<2x4x8xbf16>
// CHECK-NOT: sinter.layer_norm
// Edge-safe: scaled by a power of two picked from mean |x|, shifted by the
// row mean as first computed, centered again by the mean of the shifted row.
// SAFE-LABEL: func.func @layer_norm_bf16
// SAFE: %[[X:.*]] = sinter.convert %{{.*}} : tensor<2x4x8xbf16> -> tensor<2x4x8xf32>
// SAFE: %[[ABS:.*]] = sinter.abs %[[X]]
// SAFE: %[[A:.*]] = sinter.reduce mean %[[ABS]], dims = [1, 2]
// SAFE: %[[BIG:.*]] = sinter.compare ge, %[[A]], %{{.*}}
// SAFE: %[[R:.*]] = sinter.select %[[BIG]], %{{.*}}, %{{.*}}
// SAFE: %[[Z:.*]] = sinter.mul %[[X]], %{{.*}}
// SAFE: %[[MEAN:.*]] = sinter.reduce mean %[[X]], dims = [1, 2]
// SAFE: %[[K:.*]] = sinter.mul %[[MEAN]], %[[R]]
// SAFE: %[[D:.*]] = sinter.sub %[[Z]], %{{.*}}
// SAFE: %[[OFF:.*]] = sinter.reduce mean %[[D]], dims = [1, 2]
// SAFE: %[[C:.*]] = sinter.sub %[[D]], %{{.*}}
// SAFE: %[[SQ:.*]] = sinter.mul %[[C]], %[[C]]
// SAFE: %[[VAR:.*]] = sinter.reduce mean %[[SQ]], dims = [1, 2]
// SAFE: sinter.rsqrt
// SAFE-NOT: sinter.layer_norm
func.func @layer_norm_bf16(%x: tensor<2x4x8xbf16>, %g: tensor<4x8xbf16>) -> tensor<2x4x8xbf16> {
  %0 = sinter.layer_norm %x scale(%g : tensor<4x8xbf16>) axis = 1 epsilon = 1.0e-5 : tensor<2x4x8xbf16> -> tensor<2x4x8xbf16>
  return %0 : tensor<2x4x8xbf16>
}

// -----

// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[SQ:.*]] = sinter.mul %[[X:.*]], %[[X]]
// CHECK: sinter.reduce mean %[[SQ]], dims = [1]
// CHECK: sinter.rsqrt
// CHECK-NOT: sinter.rms_norm
// Edge-safe: the scale comes from mean |x|; epsilon 1e-6 >= 2^-100 needs
// no upward rung. epsilon * r^2 stays at least 2^-126.
// SAFE-LABEL: func.func @rms_norm
// SAFE: %[[ABS:.*]] = sinter.abs %[[X:.*]] : tensor<4x8xf32>
// SAFE: %[[A:.*]] = sinter.reduce mean %[[ABS]], dims = [1]
// SAFE: %[[BIG:.*]] = sinter.compare ge, %[[A]], %{{.*}}
// SAFE-NOT: sinter.compare lt
// SAFE: %[[R:.*]] = sinter.select %[[BIG]]
// SAFE: %[[Z:.*]] = sinter.mul %[[X]], %{{.*}}
// SAFE: %[[SQ:.*]] = sinter.mul %[[Z]], %[[Z]]
// SAFE: sinter.reduce mean %[[SQ]], dims = [1]
// SAFE: sinter.max %{{.*}}, %{{.*}} : tensor<4xf32>
// SAFE: sinter.rsqrt
func.func @rms_norm(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.rms_norm %x axis = 1 epsilon = 1.0e-6 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @gelu_forms
// CHECK-DAG: sinter.erf
// CHECK-DAG: sinter.tanh
// CHECK-DAG: sinter.sigmoid
// CHECK-DAG: sinter.constant dense<1.702000e+00>
// CHECK-DAG: sinter.constant dense<4.471500e-02>
// CHECK-NOT: sinter.gelu
// ONLY-LABEL: func.func @gelu_forms
// ONLY-NOT: sinter.gelu
func.func @gelu_forms(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %0 = sinter.gelu none %x : tensor<8xf32>
  %1 = sinter.gelu tanh %x : tensor<8xf32>
  %2 = sinter.gelu sigmoid %x : tensor<8xf32>
  return %0, %1, %2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Causal attention with a bias: scores, scale, bias, tril mask, softmax, PV.
// CHECK-LABEL: func.func @attention_causal_bias
// CHECK: %[[S:.*]] = sinter.matmul %[[Q:.*]], %[[K:.*]] {transpose_rhs} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
// CHECK: %[[SC:.*]] = sinter.mul %[[S]], %{{.*}} : tensor<1x2x4x6xf32>
// CHECK: %[[BB:.*]] = sinter.broadcast_in_dim %{{.*}}, dims = [0, 1, 2, 3] : (tensor<1x1x4x6xf32>) -> tensor<1x2x4x6xf32>
// CHECK: %[[SB:.*]] = sinter.add %[[SC]], %[[BB]]
// CHECK: %[[ROW:.*]] = sinter.iota dim = 0 : tensor<4x6xi64>
// CHECK: %[[COL:.*]] = sinter.iota dim = 1 : tensor<4x6xi64>
// CHECK: %[[LIM:.*]] = sinter.add %[[ROW]], %{{.*}} : tensor<4x6xi64>
// CHECK: %[[KEEP:.*]] = sinter.compare le, %[[COL]], %[[LIM]]
// CHECK: %[[KB:.*]] = sinter.broadcast_in_dim %[[KEEP]], dims = [2, 3]
// CHECK: %[[MASKED:.*]] = sinter.select %[[KB]], %[[SB]], %{{.*}}
// CHECK: sinter.reduce max %[[MASKED]], dims = [3]
// CHECK: %[[P:.*]] = sinter.div
// CHECK: sinter.matmul %[[P]], %{{.*}} : (tensor<1x2x4x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NOT: sinter.attention
func.func @attention_causal_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %b: tensor<1x1x4x6xf32>) -> tensor<1x2x4x8xf32> {
  %0 = sinter.attention %q, %k, %v bias(%b : tensor<1x1x4x6xf32>) scale = 0.125 causal : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @rotary_half
// CHECK-DAG: sinter.slice %{{.*}}, start = [0, 0, 0], limit = [2, 4, 4], strides = [1, 1, 1]
// CHECK-DAG: sinter.slice %{{.*}}, start = [0, 0, 4], limit = [2, 4, 8], strides = [1, 1, 1]
// CHECK: sinter.concatenate %{{.*}}, %{{.*}}, dim = 2 : (tensor<2x4x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x8xf32>
func.func @rotary_half(%x: tensor<2x4x8xf32>, %c: tensor<4x4xf32>, %s: tensor<4x4xf32>) -> tensor<2x4x8xf32> {
  %0 = sinter.rotary_embedding %x, %c, %s : (tensor<2x4x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @rotary_interleaved
// CHECK-DAG: sinter.slice %{{.*}}, start = [0, 0, 0], limit = [2, 4, 8], strides = [1, 1, 2]
// CHECK-DAG: sinter.slice %{{.*}}, start = [0, 0, 1], limit = [2, 4, 8], strides = [1, 1, 2]
// CHECK: sinter.concatenate %{{.*}}, %{{.*}}, dim = 3 : (tensor<2x4x4x1xf32>, tensor<2x4x4x1xf32>) -> tensor<2x4x4x2xf32>
// CHECK: sinter.reshape %{{.*}} : (tensor<2x4x4x2xf32>) -> tensor<2x4x8xf32>
func.func @rotary_interleaved(%x: tensor<2x4x8xf32>, %c: tensor<4x4xf32>, %s: tensor<4x4xf32>) -> tensor<2x4x8xf32> {
  %0 = sinter.rotary_embedding %x, %c, %s interleaved : (tensor<2x4x8xf32>, tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// An empty feature dimension has nothing to rotate. The odd-lane slice used
// to start past the end (start 1, limit 0), and building it aborted with
// "LLVM ERROR: Failed to infer result type(s)".
// CHECK-LABEL: func.func @rotary_interleaved_no_features
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x0xf32>
// CHECK-NOT: sinter.slice
// CHECK: return %[[X]]
func.func @rotary_interleaved_no_features(%x: tensor<2x4x0xf32>, %c: tensor<4x0xf32>) -> tensor<2x4x0xf32> {
  %0 = sinter.rotary_embedding %x, %c, %c interleaved : (tensor<2x4x0xf32>, tensor<4x0xf32>, tensor<4x0xf32>) -> tensor<2x4x0xf32>
  return %0 : tensor<2x4x0xf32>
}

// -----

// Primitive ops are left alone.
// CHECK-LABEL: func.func @no_composites
// CHECK-NEXT: sinter.exp
// CHECK-NEXT: return
func.func @no_composites(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = sinter.exp %x : tensor<8xf32>
  return %0 : tensor<8xf32>
}
