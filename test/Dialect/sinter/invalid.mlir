// RUN: sinter-opt %s -split-input-file -verify-diagnostics

// One case per diagnostic of the sinter dialect: the shape functions in
// TypeInference.cpp, the verifiers in SinterOps.cpp, and representative ODS
// constraint failures. Cases are named <op>_c<n> after the constraint "(Cn)"
// documented on the op in SinterOps.td.

//===----------------------------------------------------------------------===//
// Type constraints (ODS) and malformed generic forms
//===----------------------------------------------------------------------===//

func.func @add_dynamic_shape(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{operand #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?x4xf32>'}}
  %0 = sinter.add %a, %a : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @add_unsupported_element_type(%a: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{operand #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xf64>'}}
  %0 = sinter.add %a, %a : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

func.func @add_i1(%a: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{operand #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xi1>'}}
  %0 = sinter.add %a, %a : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @exp_integer(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{operand #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<4xi32>'}}
  %0 = sinter.exp %a : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @exp_unranked(%a: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<*xf32>'}}
  %0 = sinter.exp %a : tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gelu_missing_approximate(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{requires attribute 'approximate'}}
  %0 = "sinter.gelu"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gelu_wrong_attribute_kind(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{Invalid attribute `approximate` in property conversion: #sinter<cmp lt>}}
  %0 = "sinter.gelu"(%a) <{approximate = #sinter<cmp lt>}> : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @slice_missing_strides(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{requires attribute 'strides'}}
  %0 = "sinter.slice"(%a) <{start_indices = array<i64: 0>, limit_indices = array<i64: 4>}> : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @add_wrong_operand_count(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected 2 operands, but found 1}}
  %0 = "sinter.add"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @attention_two_biases(%q: tensor<1x1x2x4xf32>, %b: tensor<1x1x2x2xf32>) -> tensor<1x1x2x4xf32> {
  // expected-error @+1 {{operand group starting at #3 requires 0 or 1 element, but found 2}}
  %0 = "sinter.attention"(%q, %q, %q, %b, %b) <{scale = 1.0 : f64}> : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

func.func @fusion_missing_kind(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{requires attribute 'kind'}}
  %0 = "sinter.fusion"(%a) ({
  ^bb0(%x: tensor<4xf32>):
    "sinter.yield"(%x) : (tensor<4xf32>) -> ()
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @fusion_empty_block(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expects a non-empty block}}
  %0 = sinter.fusion loop (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @fusion_no_terminator(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "sinter.fusion"(%a) ({
  ^bb0(%x: tensor<4xf32>):
    // expected-error @+1 {{block with no terminator}}
    %n = sinter.neg %x : tensor<4xf32>
  }) {kind = #sinter<fusion loop>} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @yield_outside_fusion(%a: tensor<4xf32>) {
  // expected-error @+1 {{expects parent op 'sinter.fusion'}}
  sinter.yield %a : tensor<4xf32>
}

// -----

func.func @fusion_reads_from_above(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{required by region isolation constraints}}
  %0 = sinter.fusion loop (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>):
    // expected-error @+1 {{using value defined outside the region}}
    sinter.yield %a : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// -----

func.func @add_c1(%a: tensor<4xf32>, %b: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.add' op (C1) operand types must match, got 'tensor<4xf32>', 'tensor<4xf16>'}}
  %0 = sinter.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @neg_c1(%a: tensor<4xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sinter.neg' op result type 'tensor<2x2xf32>' does not match the inferred 'tensor<4xf32>'}}
  %0 = sinter.neg %a : tensor<4xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @compare_c1(%a: tensor<4xf32>, %b: tensor<4xi32>) -> tensor<4xi1> {
  // expected-error @+1 {{'sinter.compare' op (C1) operand types must match, got 'tensor<4xf32>' and 'tensor<4xi32>'}}
  %0 = sinter.compare lt, %a, %b : (tensor<4xf32>, tensor<4xi32>)
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_c2(%a: tensor<4xf32>) -> tensor<2xi1> {
  // expected-error @+1 {{'sinter.compare' op result type 'tensor<2xi1>' does not match the inferred 'tensor<4xi1>'}}
  %0 = "sinter.compare"(%a, %a) <{predicate = #sinter<cmp lt>}> : (tensor<4xf32>, tensor<4xf32>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// compare infers its result while parsing, before the ODS constraints run:
// its shape function reports non-static and unsupported operand types itself.
func.func @compare_dynamic_shape(%a: tensor<?xf32>) -> tensor<?xi1> {
  // expected-error @+1 {{'sinter.compare' op lhs must be a statically shaped ranked tensor, got 'tensor<?xf32>'}}
  %0 = sinter.compare lt, %a, %a : tensor<?xf32>
  return %0 : tensor<?xi1>
}

// -----

func.func @compare_unsupported_element_type(%a: tensor<4xf64>) -> tensor<4xi1> {
  // expected-error @+1 {{'sinter.compare' op lhs has unsupported element type 'f64' (expected f32, f16, bf16, i1, i32 or i64)}}
  %0 = sinter.compare lt, %a, %a : tensor<4xf64>
  return %0 : tensor<4xi1>
}

// -----

func.func @select_c1(%p: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xbf16>) -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.select' op (C1) on_true and on_false types must match, got 'tensor<4xf32>' and 'tensor<4xbf16>'}}
  %0 = sinter.select %p, %a, %b : tensor<4xi1>, (tensor<4xf32>, tensor<4xbf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_c2(%p: tensor<2xi1>, %a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.select' op (C2) pred shape [2] must match the operand shape [4]}}
  %0 = sinter.select %p, %a, %a : tensor<2xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @convert_c1(%a: tensor<4xf32>) -> tensor<2xf16> {
  // expected-error @+1 {{'sinter.convert' op (C1) result 'tensor<2xf16>' must have the shape of the operand 'tensor<4xf32>'}}
  %0 = sinter.convert %a : tensor<4xf32> -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

//===----------------------------------------------------------------------===//
// Shape
//===----------------------------------------------------------------------===//

// -----

func.func @broadcast_in_dim_c1(%a: tensor<4x3xf32>) -> tensor<2x4x3xf32> {
  // expected-error @+1 {{'sinter.broadcast_in_dim' op (C1) broadcast_dimensions has 1 entries but the operand 'tensor<4x3xf32>' has rank 2}}
  %0 = sinter.broadcast_in_dim %a, dims = [1] : (tensor<4x3xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

func.func @broadcast_in_dim_c2(%a: tensor<4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'sinter.broadcast_in_dim' op (C2) broadcast dimension 2 is out of range for result 'tensor<2x4xf32>'}}
  %0 = sinter.broadcast_in_dim %a, dims = [2] : (tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @broadcast_in_dim_c2_increasing(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'sinter.broadcast_in_dim' op (C2) broadcast_dimensions must be strictly increasing, got [1, 0]}}
  %0 = sinter.broadcast_in_dim %a, dims = [1, 0] : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @broadcast_in_dim_c3(%a: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'sinter.broadcast_in_dim' op (C3) operand dimension 0 of size 3 cannot broadcast to result dimension 1 of size 4 (operand 'tensor<3xf32>', result 'tensor<2x4xf32>')}}
  %0 = sinter.broadcast_in_dim %a, dims = [1] : (tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @broadcast_in_dim_c4(%a: tensor<4xf32>) -> tensor<2x4xf16> {
  // expected-error @+1 {{'sinter.broadcast_in_dim' op (C4) element types differ: operand 'tensor<4xf32>', result 'tensor<2x4xf16>'}}
  %0 = sinter.broadcast_in_dim %a, dims = [1] : (tensor<4xf32>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}

// -----

func.func @reshape_c1(%a: tensor<4x6xf32>) -> tensor<5x5xf32> {
  // expected-error @+1 {{'sinter.reshape' op (C1) element counts differ: operand 'tensor<4x6xf32>' has 24, result 'tensor<5x5xf32>' has 25}}
  %0 = sinter.reshape %a : (tensor<4x6xf32>) -> tensor<5x5xf32>
  return %0 : tensor<5x5xf32>
}

// -----

// Shapes whose element count overflows int64 are not sinter tensors at all
// (the shape functions' own overflow checks stay for C++ callers).
func.func @reshape_c1_overflow(%a: tensor<4294967296x4294967296xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{'sinter.reshape' op operand #0 must be statically shaped (under 2^63 elements) tensor of}}
  %0 = sinter.reshape %a : (tensor<4294967296x4294967296xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @reshape_c2(%a: tensor<4x6xf32>) -> tensor<24xi32> {
  // expected-error @+1 {{'sinter.reshape' op (C2) element types differ: operand 'tensor<4x6xf32>', result 'tensor<24xi32>'}}
  %0 = sinter.reshape %a : (tensor<4x6xf32>) -> tensor<24xi32>
  return %0 : tensor<24xi32>
}

// -----

func.func @transpose_c1(%a: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @+1 {{'sinter.transpose' op (C1) permutation [1, 0, 0] is not a permutation of the 3 dimensions of 'tensor<2x3x4xf32>'}}
  %0 = sinter.transpose %a, perm = [1, 0, 0] : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  return %0 : tensor<3x2x4xf32>
}

// -----

func.func @transpose_result_type(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'sinter.transpose' op result type 'tensor<2x3xf32>' does not match the inferred 'tensor<3x2xf32>'}}
  %0 = sinter.transpose %a, perm = [1, 0] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_c1(%a: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.slice' op (C1) start [0], limit [4] and strides [1] must each have 2 entries for 'tensor<4x8xf32>'}}
  %0 = sinter.slice %a, start = [0], limit = [4], strides = [1] : (tensor<4x8xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @slice_c2(%a: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'sinter.slice' op (C2) dimension 1: need 0 <= start (6) <= limit (10) <= size (8) of 'tensor<4x8xf32>'}}
  %0 = sinter.slice %a, start = [0, 6], limit = [4, 10], strides = [1, 1] : (tensor<4x8xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @slice_c3(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sinter.slice' op (C3) dimension 1: stride 0 must be positive (slicing 'tensor<4x8xf32>')}}
  %0 = sinter.slice %a, start = [0, 0], limit = [4, 8], strides = [1, 0] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @concatenate_c1() -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.concatenate' op (C1) needs at least one input}}
  %0 = sinter.concatenate dim = 0 : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @concatenate_c2(%a: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'sinter.concatenate' op (C2) dimension 2 is out of range for rank 2 input 'tensor<2x3xf32>'}}
  %0 = sinter.concatenate %a, %a, dim = 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concatenate_c3(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+1 {{'sinter.concatenate' op (C3) input 1 'tensor<3x3xf32>' does not match input 0 'tensor<2x3xf32>' outside dimension 1}}
  %0 = sinter.concatenate %a, %b, dim = 1 : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

// The summed size used to wrap to a negative dimension ('tensor<-2xf32>') in
// the message.
func.func @concatenate_c3_size_overflow(%a: tensor<9223372036854775807xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'sinter.concatenate' op (C3) result size along dimension 0 overflows int64 (input 1 'tensor<9223372036854775807xf32>')}}
  %0 = sinter.concatenate %a, %a, dim = 0 : (tensor<9223372036854775807xf32>, tensor<9223372036854775807xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_c1(%t: tensor<f32>, %i: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+1 {{'sinter.gather' op (C1) table must have rank >= 1, got 'tensor<f32>'}}
  %0 = sinter.gather %t[%i] : (tensor<f32>, tensor<3xi32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @attention_backward_out(%q: tensor<1x1x3x4xf32>, %o: tensor<1x1x3x5xf32>) -> tensor<1x1x3x4xf32> {
  // expected-error @+1 {{'sinter.attention_backward' op out and dout must have the attention's result type 'tensor<1x1x3x4xf32>', got 'tensor<1x1x3x5xf32>'}}
  %dq, %dk, %dv = sinter.attention_backward %q, %q, %q, %o, %o scale = 0.5 : tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x5xf32> -> tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>
  return %dq : tensor<1x1x3x4xf32>
}

// -----

func.func @scatter_add_c1(%u: tensor<3x4xf32>, %i: tensor<3xi32>) -> tensor<0x4xf32> {
  // expected-error @+1 {{'sinter.scatter_add' op (C1) rows must be >= 0, got -2}}
  %0 = sinter.scatter_add %u[%i] rows = -2 : (tensor<3x4xf32>, tensor<3xi32>) -> tensor<0x4xf32>
  return %0 : tensor<0x4xf32>
}

// -----

func.func @scatter_add_c2(%u: tensor<3x4xf32>, %i: tensor<2xi32>) -> tensor<5x4xf32> {
  // expected-error @+1 {{'sinter.scatter_add' op (C2) the shape of updates 'tensor<3x4xf32>' must start with the shape of indices 'tensor<2xi32>'}}
  %0 = sinter.scatter_add %u[%i] rows = 5 : (tensor<3x4xf32>, tensor<2xi32>) -> tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

func.func @scatter_add_result(%u: tensor<3x4xf32>, %i: tensor<3xi32>) -> tensor<6x4xf32> {
  // expected-error @+1 {{'sinter.scatter_add' op result type 'tensor<6x4xf32>' does not match the inferred 'tensor<5x4xf32>'}}
  %0 = sinter.scatter_add %u[%i] rows = 5 : (tensor<3x4xf32>, tensor<3xi32>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

func.func @iota_c1() -> tensor<4x4xi32> {
  // expected-error @+1 {{'sinter.iota' op (C1) dimension 2 is out of range for 'tensor<4x4xi32>'}}
  %0 = sinter.iota dim = 2 : tensor<4x4xi32>
  return %0 : tensor<4x4xi32>
}

//===----------------------------------------------------------------------===//
// Reductions and contractions
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_c1(%a: tensor<4x8xf32>) -> tensor<f32> {
  // expected-error @+1 {{'sinter.reduce' op (C1) dimensions [1, 0] must be strictly increasing and within the rank of 'tensor<4x8xf32>'}}
  %0 = sinter.reduce sum %a, dims = [1, 0] : (tensor<4x8xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @reduce_c2(%a: tensor<4x8xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'sinter.reduce' op (C2) mean needs a float operand, got 'tensor<4x8xi32>'}}
  %0 = sinter.reduce mean %a, dims = [1] : (tensor<4x8xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @matmul_c1(%a: tensor<4xf32>, %b: tensor<4x2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'sinter.matmul' op (C1) operands must have rank >= 2, got 'tensor<4xf32>' and 'tensor<4x2xf32>'}}
  %0 = sinter.matmul %a, %b : (tensor<4xf32>, tensor<4x2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @matmul_c1_element_type(%a: tensor<2x4xf32>, %b: tensor<4x2xf16>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sinter.matmul' op (C1) element types differ: 'tensor<2x4xf32>' and 'tensor<4x2xf16>'}}
  %0 = sinter.matmul %a, %b : (tensor<2x4xf32>, tensor<4x2xf16>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @matmul_c2(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'sinter.matmul' op (C2) contracting sizes differ: lhs 'tensor<2x4xf32>' has K=4, rhs 'tensor<2x4xf32>' has K=2}}
  %0 = sinter.matmul %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @matmul_c2_transposed(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+1 {{'sinter.matmul' op (C2) contracting sizes differ: lhs 'tensor<2x4xf32>' has K=2 (transposed), rhs 'tensor<3x4xf32>' has K=4 (transposed)}}
  %0 = sinter.matmul %a, %b {transpose_lhs, transpose_rhs} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @matmul_c3(%a: tensor<2x3x4x5xf32>, %b: tensor<3x2x5x6xf32>) -> tensor<2x3x4x6xf32> {
  // expected-error @+1 {{'sinter.matmul' op (C3) batch dimensions differ: lhs 'tensor<2x3x4x5xf32>' has [2, 3], rhs 'tensor<3x2x5x6xf32>' has [3, 2]}}
  %0 = sinter.matmul %a, %b : (tensor<2x3x4x5xf32>, tensor<3x2x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// -----

func.func @matmul_c4(%a: tensor<2x4xbf16>, %b: tensor<4x2xbf16>) -> tensor<2x2xbf16> {
  // expected-error @+1 {{'sinter.matmul' op (C4) accumulation_type 'f16' is not valid for 'bf16' operands}}
  %0 = sinter.matmul %a, %b {accumulation_type = f16} : (tensor<2x4xbf16>, tensor<4x2xbf16>) -> tensor<2x2xbf16>
  return %0 : tensor<2x2xbf16>
}

// -----

func.func @matmul_c4_narrow_integer(%a: tensor<2x4xi64>, %b: tensor<4x2xi64>) -> tensor<2x2xi64> {
  // expected-error @+1 {{'sinter.matmul' op (C4) accumulation_type 'i32' is not valid for 'i64' operands}}
  %0 = sinter.matmul %a, %b {accumulation_type = i32} : (tensor<2x4xi64>, tensor<4x2xi64>) -> tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

// -----

func.func @softmax_c1(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sinter.softmax' op (C1) axis 2 is out of range for 'tensor<4x8xf32>'}}
  %0 = sinter.softmax %a, axis = 2 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @log_softmax_c1(%a: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{'sinter.log_softmax' op (C1) axis -1 is out of range for 'tensor<4x8xf16>'}}
  %0 = sinter.log_softmax %a, axis = -1 : (tensor<4x8xf16>) -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @logsumexp_c1(%a: tensor<4x8xbf16>) -> tensor<4xbf16> {
  // expected-error @+1 {{'sinter.logsumexp' op (C1) axis 5 is out of range for 'tensor<4x8xbf16>'}}
  %0 = sinter.logsumexp %a, axis = 5 : (tensor<4x8xbf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

func.func @layer_norm_c1(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sinter.layer_norm' op (C1) axis 2 is out of range for 'tensor<4x8xf32>'}}
  %0 = sinter.layer_norm %a axis = 2 epsilon = 1.0e-05 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @layer_norm_c2(%a: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sinter.layer_norm' op (C2) scale/offset 'tensor<4xf32>' must have shape [8] and element type 'f32' to normalize 'tensor<4x8xf32>' from axis 1}}
  %0 = sinter.layer_norm %a scale(%g : tensor<8xf32>) offset(%b : tensor<4xf32>) axis = 1 epsilon = 1.0e-05 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @layer_norm_c3(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sinter.layer_norm' op (C3) epsilon must be finite and >= 0, got nan}}
  %0 = sinter.layer_norm %a axis = 1 epsilon = 0x7FF8000000000000 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rms_norm_c1(%a: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{'sinter.rms_norm' op (C1) axis 3 is out of range for 'tensor<4x8xf16>'}}
  %0 = sinter.rms_norm %a axis = 3 epsilon = 1.0e-06 : tensor<4x8xf16> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @rms_norm_c2(%a: tensor<4x8xf16>, %g: tensor<8xf32>) -> tensor<4x8xf16> {
  // expected-error @+1 {{'sinter.rms_norm' op (C2) scale/offset 'tensor<8xf32>' must have shape [8] and element type 'f16' to normalize 'tensor<4x8xf16>' from axis 1}}
  %0 = sinter.rms_norm %a scale(%g : tensor<8xf32>) axis = 1 epsilon = 1.0e-06 : tensor<4x8xf16> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @rms_norm_c3(%a: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{'sinter.rms_norm' op (C3) epsilon must be finite and >= 0, got -1}}
  %0 = sinter.rms_norm %a axis = 1 epsilon = -1.0 : tensor<4x8xf16> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

func.func @attention_c1(%q: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'sinter.attention' op (C1) query, key and value must be rank 4 [B, H, S, D], got 'tensor<2x4x8xf32>', 'tensor<2x4x8xf32>', 'tensor<2x4x8xf32>'}}
  %0 = sinter.attention %q, %q, %q scale = 1.0 : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @attention_c1_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'sinter.attention' op (C1) element types differ: 'tensor<1x2x4x8xf32>', 'tensor<1x2x4x8xf16>', 'tensor<1x2x4x8xf32>'}}
  %0 = sinter.attention %q, %k, %q scale = 1.0 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_c2_batch_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'sinter.attention' op (C2) batch and head sizes differ: query [1, 2, 4, 8], key [1, 3, 4, 8], value [1, 3, 4, 8]}}
  %0 = sinter.attention %q, %k, %k scale = 1.0 : tensor<1x2x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_c2_sequence(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'sinter.attention' op (C2) key and value sequence lengths differ: key [1, 2, 6, 8], value [1, 2, 5, 8]}}
  %0 = sinter.attention %q, %k, %v scale = 1.0 : tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x5x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_c2_head_size(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  // expected-error @+1 {{'sinter.attention' op (C2) query and key head sizes differ: query [1, 2, 4, 8], key [1, 2, 4, 16]}}
  %0 = sinter.attention %q, %k, %k scale = 1.0 : tensor<1x2x4x8xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32> -> tensor<1x2x4x16xf32>
  return %0 : tensor<1x2x4x16xf32>
}

// -----

func.func @attention_c3(%q: tensor<2x2x4x8xf32>, %b: tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32> {
  // expected-error @+1 {{'sinter.attention' op (C3) bias 'tensor<2x2x4x8xf32>' must have shape [2|1, 2|1, 4, 4] and element type 'f32'}}
  %0 = sinter.attention %q, %q, %q bias(%b : tensor<2x2x4x8xf32>) scale = 1.0 causal : tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32> -> tensor<2x2x4x8xf32>
  return %0 : tensor<2x2x4x8xf32>
}

// -----

func.func @rotary_embedding_c1(%x: tensor<4x7xf32>, %c: tensor<4x3xf32>) -> tensor<4x7xf32> {
  // expected-error @+1 {{'sinter.rotary_embedding' op (C1) operand must have rank >= 2 and an even last dimension, got 'tensor<4x7xf32>'}}
  %0 = sinter.rotary_embedding %x, %c, %c : (tensor<4x7xf32>, tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x7xf32>
  return %0 : tensor<4x7xf32>
}

// -----

func.func @rotary_embedding_c2(%x: tensor<2x4x8xf32>, %c: tensor<4x4xf32>, %s: tensor<4x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{'sinter.rotary_embedding' op (C2) cos/sin 'tensor<4x8xf32>' must be 'tensor<4x4xf32>' for 'tensor<2x4x8xf32>'}}
  %0 = sinter.rotary_embedding %x, %c, %s interleaved : (tensor<2x4x8xf32>, tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

//===----------------------------------------------------------------------===//
// Constants and fusion regions
//===----------------------------------------------------------------------===//

// -----

func.func @constant_c1() -> tensor<4xf64> {
  // expected-error @+1 {{'sinter.constant' op (C1) value must be a statically shaped tensor of f32, f16, bf16, i1, i32 or i64, got 'tensor<4xf64>'}}
  %0 = sinter.constant dense<1.0> : tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

func.func @constant_result_type() -> tensor<4xf32> {
  // expected-error @+1 {{'sinter.constant' op result type 'tensor<4xf32>' does not match the inferred 'tensor<2xf32>'}}
  %0 = "sinter.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @fusion_c1(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'sinter.fusion' op (C1) region has 2 arguments but the fusion has 1 inputs}}
  %0 = sinter.fusion loop (%a) : (tensor<2x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>):
    sinter.yield %x : tensor<2x3xf32>
  }
  return %0 : tensor<2x3xf32>
}

// -----

func.func @fusion_c1_argument_type(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'sinter.fusion' op (C1) region argument 0 has type 'tensor<2x3xf16>' but input 0 has type 'tensor<2x3xf32>'}}
  %0 = sinter.fusion loop (%a) : (tensor<2x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%x: tensor<2x3xf16>):
    %c = sinter.convert %x : tensor<2x3xf16> -> tensor<2x3xf32>
    sinter.yield %c : tensor<2x3xf32>
  }
  return %0 : tensor<2x3xf32>
}

// -----

func.func @fusion_c2(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'sinter.fusion' op (C2) yields ('tensor<2x3xf16>') but the results are ('tensor<2x3xf32>')}}
  %0 = sinter.fusion loop (%a) : (tensor<2x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%x: tensor<2x3xf32>):
    %c = sinter.convert %x : tensor<2x3xf32> -> tensor<2x3xf16>
    sinter.yield %c : tensor<2x3xf16>
  }
  return %0 : tensor<2x3xf32>
}

// -----

func.func @fusion_c2_count(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'sinter.fusion' op (C2) yields () but the results are ('tensor<2x3xf32>')}}
  %0 = sinter.fusion reduction (%a) : (tensor<2x3xf32>) -> tensor<2x3xf32> {
  ^bb0(%x: tensor<2x3xf32>):
    sinter.yield
  }
  return %0 : tensor<2x3xf32>
}

// -----

// A weight blob of the wrong size (a truncated model file) is refused.
func.func @constant_c2() -> tensor<4xf32> {
  // expected-error @+1 {{(C2) dense_resource blob 'short' holds 8 bytes but 'tensor<4xf32>' needs 16}}
  %0 = sinter.constant dense_resource<short> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      short: "0x040000000000803F0000803F"
    }
  }
#-}

// -----

// 2^61 i64 elements: the count fits in int64 but the byte count does not
// (it used to wrap, and the message claimed the tensor needs 0 bytes).
func.func @constant_c2_size_overflow() -> tensor<2305843009213693952xi64> {
  // expected-error @+1 {{(C2) dense_resource blob 'huge' cannot hold 'tensor<2305843009213693952xi64>': its size in bytes overflows int64}}
  %0 = sinter.constant dense_resource<huge> : tensor<2305843009213693952xi64>
  return %0 : tensor<2305843009213693952xi64>
}
{-#
  dialect_resources: {
    builtin: {
      huge: "0x040000000000803F"
    }
  }
#-}

// -----

func.func @iota_i1() -> tensor<4xi1> {
  // expected-error @+1 {{result #0 must be statically shaped (under 2^63 elements) tensor of 32-bit float or 16-bit float or bfloat16 type or 32-bit signless integer or 64-bit signless integer values}}
  %0 = sinter.iota dim = 0 : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Element counts that overflow int64 are rejected by the type constraint,
// before any size computation can wrap.
func.func @tensor_element_count_overflow(%a: tensor<4611686018427387904x4xf32>) -> tensor<4611686018427387904x4xf32> {
  // expected-error @+1 {{'sinter.exp' op operand #0 must be statically shaped (under 2^63 elements) tensor of}}
  %0 = sinter.exp %a : tensor<4611686018427387904x4xf32>
  return %0 : tensor<4611686018427387904x4xf32>
}

// -----

// expected-error @+1 {{result 0 ('next.v'): sinter.aliases_input names 'v', which is not an input of the function}}
func.func @aliases_unknown_input(%w: tensor<4xf32> {sinter.name = "w"})
    -> (tensor<4xf32> {sinter.name = "next.v", sinter.aliases_input = "v"}) {
  return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{result 0 ('next.w'): sinter.aliases_input names input 0 ('w') of type 'tensor<4xf32>', but the result has type 'tensor<4xf16>'; an output overwrites an input of its own type}}
func.func @aliases_other_type(%w: tensor<4xf32> {sinter.name = "w"}, %h: tensor<4xf16>)
    -> (tensor<4xf16> {sinter.name = "next.w", sinter.aliases_input = "w"}) {
  return %h : tensor<4xf16>
}

// -----

// expected-error @+1 {{result 1 ('b'): sinter.aliases_input names input 'w', which result 0 ('a') aliases too; an input is overwritten by one output at most}}
func.func @aliased_twice(%w: tensor<4xf32> {sinter.name = "w"})
    -> (tensor<4xf32> {sinter.name = "a", sinter.aliases_input = "w"}, tensor<4xf32> {sinter.name = "b", sinter.aliases_input = "w"}) {
  return %w, %w : tensor<4xf32>, tensor<4xf32>
}

// -----

// Unnamed inputs are input<i>, as in the artifact's signature.
// expected-error @+1 {{result 0 ('output0'): sinter.aliases_input must name an input with a string, not 0 : i64}}
func.func @aliases_by_index(%w: tensor<4xf32>)
    -> (tensor<4xf32> {sinter.aliases_input = 0}) {
  return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{result 0 ('output0'): sinter.aliases_input names 'x', which 2 inputs are called}}
func.func @aliases_ambiguous(%a: tensor<4xf32> {sinter.name = "x"}, %b: tensor<4xf32> {sinter.name = "x"})
    -> (tensor<4xf32> {sinter.aliases_input = "x"}) {
  return %a : tensor<4xf32>
}
