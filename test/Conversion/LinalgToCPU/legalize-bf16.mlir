// RUN: sinter-opt %s --sinter-cpu-legalize-bf16 --split-input-file | FileCheck %s

// A bf16 select becomes a select of the 16-bit patterns.
// CHECK-LABEL: func.func @vector_select
// CHECK-SAME: (%[[C:.*]]: vector<8xi1>, %[[A:.*]]: vector<8xbf16>, %[[B:.*]]: vector<8xbf16>)
// CHECK: %[[AI:.*]] = arith.bitcast %[[A]] : vector<8xbf16> to vector<8xi16>
// CHECK: %[[BI:.*]] = arith.bitcast %[[B]] : vector<8xbf16> to vector<8xi16>
// CHECK: %[[R:.*]] = arith.select %[[C]], %[[AI]], %[[BI]] : vector<8xi1>, vector<8xi16>
// CHECK: %[[RB:.*]] = arith.bitcast %[[R]] : vector<8xi16> to vector<8xbf16>
// CHECK: return %[[RB]]
func.func @vector_select(%c: vector<8xi1>, %a: vector<8xbf16>, %b: vector<8xbf16>) -> vector<8xbf16> {
  %r = arith.select %c, %a, %b : vector<8xi1>, vector<8xbf16>
  return %r : vector<8xbf16>
}

// -----

// CHECK-LABEL: func.func @scalar_select
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i16
func.func @scalar_select(%c: i1, %a: bf16, %b: bf16) -> bf16 {
  %r = arith.select %c, %a, %b : bf16
  return %r : bf16
}

// -----

// Other types are left alone.
// CHECK-LABEL: func.func @no_f16_select
// CHECK-NEXT: %[[R:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f16
// CHECK-NEXT: return %[[R]]
func.func @no_f16_select(%c: i1, %a: f16, %b: f16) -> f16 {
  %r = arith.select %c, %a, %b : f16
  return %r : f16
}
