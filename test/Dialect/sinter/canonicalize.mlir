// RUN: sinter-opt %s -canonicalize -split-input-file | FileCheck %s

// Folds and canonicalization patterns of the sinter dialect (SinterOps.cpp),
// each with a case that must not change (`no_` prefix). Folds must keep
// float semantics exactly: x + 0.0 is not x when x is -0.0.

// CHECK-LABEL: func.func @add_zero_int
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>)
// CHECK-NOT: sinter.add
// CHECK: return %[[X]]
func.func @add_zero_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %zero = sinter.constant dense<0> : tensor<4xi32>
  %0 = sinter.add %x, %zero : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// The constant moves to the right (add is commutative), then folds.
// CHECK-LABEL: func.func @add_zero_int_lhs
// CHECK-SAME: (%[[X:.*]]: tensor<2x2xi64>)
// CHECK-NOT: sinter.add
// CHECK: return %[[X]]
func.func @add_zero_int_lhs(%x: tensor<2x2xi64>) -> tensor<2x2xi64> {
  %zero = sinter.constant dense<0> : tensor<2x2xi64>
  %0 = sinter.add %zero, %x : tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}

// -----

// CHECK-LABEL: func.func @add_negative_zero_float
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[H:.*]]: tensor<4xbf16>)
// CHECK-NOT: sinter.add
// CHECK: return %[[X]], %[[H]]
func.func @add_negative_zero_float(%x: tensor<4xf32>, %h: tensor<4xbf16>) -> (tensor<4xf32>, tensor<4xbf16>) {
  %nz = sinter.constant dense<-0.0> : tensor<4xf32>
  %0 = sinter.add %x, %nz : tensor<4xf32>
  %nzh = sinter.constant dense<-0.0> : tensor<4xbf16>
  %1 = sinter.add %nzh, %h : tensor<4xbf16>
  return %0, %1 : tensor<4xf32>, tensor<4xbf16>
}

// -----

// -0.0 + 0.0 is +0.0: adding a positive zero is not the identity.
// CHECK-LABEL: func.func @no_add_positive_zero_float
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[Z:.*]] = sinter.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: %[[R:.*]] = sinter.add %[[X]], %[[Z]] : tensor<4xf32>
// CHECK: return %[[R]]
func.func @no_add_positive_zero_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = sinter.constant dense<0.0> : tensor<4xf32>
  %0 = sinter.add %x, %zero : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @no_add_nonzero_int
// CHECK: %[[R:.*]] = sinter.add
// CHECK: return %[[R]]
func.func @no_add_nonzero_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  %c = sinter.constant dense<[0, 0, 1, 0]> : tensor<4xi32>
  %0 = sinter.add %x, %c : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @mul_one
// CHECK-SAME: (%[[X:.*]]: tensor<4xf16>, %[[I:.*]]: tensor<4xi32>)
// CHECK-NOT: sinter.mul
// CHECK: return %[[X]], %[[I]]
func.func @mul_one(%x: tensor<4xf16>, %i: tensor<4xi32>) -> (tensor<4xf16>, tensor<4xi32>) {
  %one = sinter.constant dense<1.0> : tensor<4xf16>
  %0 = sinter.mul %x, %one : tensor<4xf16>
  %onei = sinter.constant dense<1> : tensor<4xi32>
  %1 = sinter.mul %onei, %i : tensor<4xi32>
  return %0, %1 : tensor<4xf16>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @no_mul_minus_one
// CHECK: %[[R:.*]] = sinter.mul
// CHECK: return %[[R]]
func.func @no_mul_minus_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = sinter.constant dense<-1.0> : tensor<4xf32>
  %0 = sinter.mul %x, %c : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @neg_neg
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NOT: sinter.neg
// CHECK: return %[[X]]
func.func @neg_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.neg %x : tensor<4xf32>
  %1 = sinter.neg %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @no_neg_single
// CHECK-SAME: (%[[X:.*]]: tensor<4xi64>)
// CHECK: %[[R:.*]] = sinter.neg %[[X]]
// CHECK: return %[[R]]
func.func @no_neg_single(%x: tensor<4xi64>) -> tensor<4xi64> {
  %0 = sinter.neg %x : tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @abs_abs
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[A:.*]] = sinter.abs %[[X]] : tensor<4xf32>
// CHECK-NOT: sinter.abs
// CHECK: return %[[A]]
func.func @abs_abs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.abs %x : tensor<4xf32>
  %1 = sinter.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// abs(neg(x)) is not neg(x) nor x.
// CHECK-LABEL: func.func @no_abs_of_neg
// CHECK: %[[N:.*]] = sinter.neg
// CHECK: %[[A:.*]] = sinter.abs %[[N]]
// CHECK: return %[[A]]
func.func @no_abs_of_neg(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.neg %x : tensor<4xf32>
  %1 = sinter.abs %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @select_splat_pred
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: sinter.select
// CHECK: return %[[A]], %[[B]]
func.func @select_splat_pred(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %t = sinter.constant dense<true> : tensor<4xi1>
  %f = sinter.constant dense<false> : tensor<4xi1>
  %0 = sinter.select %t, %a, %b : tensor<4xi1>, tensor<4xf32>
  %1 = sinter.select %f, %a, %b : tensor<4xi1>, tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @select_equal_branches
// CHECK-SAME: (%[[P:.*]]: tensor<4xi1>, %[[A:.*]]: tensor<4xi32>)
// CHECK-NOT: sinter.select
// CHECK: return %[[A]]
func.func @select_equal_branches(%p: tensor<4xi1>, %a: tensor<4xi32>) -> tensor<4xi32> {
  %0 = sinter.select %p, %a, %a : tensor<4xi1>, tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @no_select_mixed_pred
// CHECK: %[[R:.*]] = sinter.select
// CHECK: return %[[R]]
func.func @no_select_mixed_pred(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  %p = sinter.constant dense<[true, false]> : tensor<2xi1>
  %0 = sinter.select %p, %a, %b : tensor<2xi1>, tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @convert_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4xbf16>)
// CHECK-NOT: sinter.convert
// CHECK: return %[[X]]
func.func @convert_same_type(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = sinter.convert %x : tensor<4xbf16> -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @no_convert_round_trip
// CHECK: %[[D:.*]] = sinter.convert %{{.*}} : tensor<4xf32> -> tensor<4xbf16>
// CHECK: %[[U:.*]] = sinter.convert %[[D]] : tensor<4xbf16> -> tensor<4xf32>
// CHECK: return %[[U]]
func.func @no_convert_round_trip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.convert %x : tensor<4xf32> -> tensor<4xbf16>
  %1 = sinter.convert %0 : tensor<4xbf16> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_in_dim_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: sinter.broadcast_in_dim
// CHECK: return %[[X]]
func.func @broadcast_in_dim_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = sinter.broadcast_in_dim %x, dims = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_in_dim_splat
// CHECK-NOT: sinter.broadcast_in_dim
// CHECK: %[[C:.*]] = sinter.constant dense<2.500000e+00> : tensor<4x3xf32>
// CHECK: return %[[C]]
func.func @broadcast_in_dim_splat() -> tensor<4x3xf32> {
  %c = sinter.constant dense<2.5> : tensor<3xf32>
  %0 = sinter.broadcast_in_dim %c, dims = [1] : (tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @no_broadcast_in_dim_nonsplat
// CHECK: %[[R:.*]] = sinter.broadcast_in_dim
// CHECK: return %[[R]]
func.func @no_broadcast_in_dim_nonsplat() -> tensor<4x3xi32> {
  %c = sinter.constant dense<[1, 2, 3]> : tensor<3xi32>
  %0 = sinter.broadcast_in_dim %c, dims = [1] : (tensor<3xi32>) -> tensor<4x3xi32>
  return %0 : tensor<4x3xi32>
}

// -----

// CHECK-LABEL: func.func @reshape_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: sinter.reshape
// CHECK: return %[[X]]
func.func @reshape_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = sinter.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_dense_constant
// CHECK-NOT: sinter.reshape
// CHECK: %[[C:.*]] = sinter.constant dense<{{\[}}[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
// CHECK: return %[[C]]
func.func @reshape_dense_constant() -> tensor<2x3xi32> {
  %c = sinter.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
  %0 = sinter.reshape %c : (tensor<6xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// A dense_resource blob is not copied into a new dense constant.
// CHECK-LABEL: func.func @no_reshape_dense_resource
// CHECK: %[[C:.*]] = sinter.constant dense_resource<w> : tensor<2xf32>
// CHECK: %[[R:.*]] = sinter.reshape %[[C]] : (tensor<2xf32>) -> tensor<1x2xf32>
// CHECK: return %[[R]]
func.func @no_reshape_dense_resource() -> tensor<1x2xf32> {
  %c = sinter.constant dense_resource<w> : tensor<2xf32>
  %0 = sinter.reshape %c : (tensor<2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[R:.*]] = sinter.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
// CHECK-NOT: sinter.reshape
// CHECK: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %0 = sinter.reshape %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %1 = sinter.reshape %0 : (tensor<24xf32>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain_to_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf16>)
// CHECK-NOT: sinter.reshape
// CHECK: return %[[X]]
func.func @reshape_chain_to_identity(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  %0 = sinter.reshape %x : (tensor<2x3xf16>) -> tensor<6xf16>
  %1 = sinter.reshape %0 : (tensor<6xf16>) -> tensor<2x3xf16>
  return %1 : tensor<2x3xf16>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: sinter.transpose
// CHECK: return %[[X]]
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = sinter.transpose %x, perm = [0, 1] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Shape [2, 3, 4] -> perm [1, 2, 0] -> [3, 4, 2] -> perm [0, 2, 1] -> [3, 2, 4],
// which is one transpose of x by [1, 0, 2].
// CHECK-LABEL: func.func @transpose_composition
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.*]] = sinter.transpose %[[X]], perm = [1, 0, 2] : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
// CHECK-NOT: sinter.transpose
// CHECK: return %[[T]]
func.func @transpose_composition(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  %0 = sinter.transpose %x, perm = [1, 2, 0] : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = sinter.transpose %0, perm = [0, 2, 1] : (tensor<3x4x2xf32>) -> tensor<3x2x4xf32>
  return %1 : tensor<3x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_composition_to_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xi32>)
// CHECK-NOT: sinter.transpose
// CHECK: return %[[X]]
func.func @transpose_composition_to_identity(%x: tensor<2x3x4xi32>) -> tensor<2x3x4xi32> {
  %0 = sinter.transpose %x, perm = [1, 2, 0] : (tensor<2x3x4xi32>) -> tensor<3x4x2xi32>
  %1 = sinter.transpose %0, perm = [2, 0, 1] : (tensor<3x4x2xi32>) -> tensor<2x3x4xi32>
  return %1 : tensor<2x3x4xi32>
}

// -----

// CHECK-LABEL: func.func @no_transpose_single
// CHECK: %[[T:.*]] = sinter.transpose %{{.*}}, perm = [1, 0]
// CHECK: return %[[T]]
func.func @no_transpose_single(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = sinter.transpose %x, perm = [1, 0] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @slice_full
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: sinter.slice
// CHECK: return %[[X]]
func.func @slice_full(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = sinter.slice %x, start = [0, 0], limit = [4, 8], strides = [1, 1] : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @no_slice_partial
// CHECK: %[[S:.*]] = sinter.slice %{{.*}}, start = [0, 1], limit = [4, 8], strides = [1, 2]
// CHECK: return %[[S]]
func.func @no_slice_partial(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %0 = sinter.slice %x, start = [0, 1], limit = [4, 8], strides = [1, 2] : (tensor<4x8xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// CHECK-LABEL: func.func @concatenate_single
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xi1>)
// CHECK-NOT: sinter.concatenate
// CHECK: return %[[X]]
func.func @concatenate_single(%x: tensor<2x3xi1>) -> tensor<2x3xi1> {
  %0 = sinter.concatenate %x, dim = 1 : (tensor<2x3xi1>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// CHECK-LABEL: func.func @no_concatenate_two
// CHECK: %[[C:.*]] = sinter.concatenate %{{.*}}, %{{.*}}, dim = 1
// CHECK: return %[[C]]
func.func @no_concatenate_two(%x: tensor<2x3xi1>) -> tensor<2x6xi1> {
  %0 = sinter.concatenate %x, %x, dim = 1 : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x6xi1>
  return %0 : tensor<2x6xi1>
}

// -----

// Constants fold to their value: equal ones are uniqued, dead ones erased.
// CHECK-LABEL: func.func @constant_fold
// CHECK: %[[C:.*]] = sinter.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-NOT: sinter.constant
// CHECK: return %[[C]], %[[C]]
func.func @constant_fold() -> (tensor<2xf32>, tensor<2xf32>) {
  %a = sinter.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = sinter.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %dead = sinter.constant dense<3> : tensor<2xi32>
  return %a, %b : tensor<2xf32>, tensor<2xf32>
}

// -----

// Folds apply inside fusion regions too.
// CHECK-LABEL: func.func @fold_in_fusion
// CHECK: sinter.fusion loop
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<4xf32>):
// CHECK-NEXT: sinter.yield %[[X]] : tensor<4xf32>
func.func @fold_in_fusion(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = sinter.fusion loop (%a) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%x: tensor<4xf32>):
    %n = sinter.neg %x : tensor<4xf32>
    %m = sinter.neg %n : tensor<4xf32>
    sinter.yield %m : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}
