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

// -----

// A maximum of f16 values widened to f32 (which LLVM would narrow back to an
// f16 maximum, wrong for max(0, NaN) on x86 without AVX512-FP16) becomes
// compares and selects of the bit patterns: a quiet NaN if either is NaN,
// the bitwise AND of equal operands (+0 over -0).
// CHECK-LABEL: func.func @widened_half_max
// CHECK: %[[NAN:.*]] = arith.constant dense<2143289344> : vector<8xi32>
// CHECK: %[[UNO:.*]] = arith.cmpf uno
// CHECK: %[[GT:.*]] = arith.cmpf ogt
// CHECK: %[[EQ:.*]] = arith.cmpf oeq
// CHECK: %[[AND:.*]] = arith.andi {{.*}} : vector<8xi32>
// CHECK: %[[S1:.*]] = arith.select %[[GT]]
// CHECK: %[[S2:.*]] = arith.select %[[EQ]], %[[AND]], %[[S1]]
// CHECK: %[[S3:.*]] = arith.select %[[UNO]], %[[NAN]], %[[S2]]
// CHECK: arith.bitcast %[[S3]] : vector<8xi32> to vector<8xf32>
// CHECK-NOT: arith.maximumf
func.func @widened_half_max(%a: vector<8xf16>, %b: vector<8xf16>) -> vector<8xf32> {
  %wa = arith.extf %a : vector<8xf16> to vector<8xf32>
  %wb = arith.extf %b : vector<8xf16> to vector<8xf32>
  %r = arith.maximumf %wa, %wb : vector<8xf32>
  return %r : vector<8xf32>
}

// -----

// An f16 minimum: the OR of equal operands (-0 over +0), in 16 bits.
// CHECK-LABEL: func.func @half_min
// CHECK: arith.constant 32256 : i16
// CHECK: arith.ori {{.*}} : i16
// CHECK-NOT: arith.minimumf
func.func @half_min(%a: f16, %b: f16) -> f16 {
  %r = arith.minimumf %a, %b : f16
  return %r : f16
}

// -----

// A maximum of f32 values not widened from f16 stays (x86 lowers it right).
// CHECK-LABEL: func.func @f32_max
// CHECK: arith.maximumf
func.func @f32_max(%a: vector<8xf32>, %b: vector<8xf32>) -> vector<8xf32> {
  %r = arith.maximumf %a, %b : vector<8xf32>
  return %r : vector<8xf32>
}
