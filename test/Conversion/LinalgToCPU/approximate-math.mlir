// RUN: sinter-opt %s -split-input-file -sinter-cpu-approximate-math | FileCheck %s

// Transcendental math ops become polynomial arithmetic (no libm calls, and
// LLVM vectorizes them): exp, log, tanh, erf, and pow through exp and log.

// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp
// CHECK-DAG: arith.bitcast %{{.*}} : i32 to f32
// CHECK-DAG: math.fma
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @log
// CHECK-NOT: math.log
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK-NOT: math.log
// CHECK: return
func.func @log(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @tanh
// CHECK-NOT: math.tanh
// CHECK-DAG: arith.cmpf
// CHECK-DAG: arith.select
// CHECK-NOT: math.tanh
// CHECK: return
func.func @tanh(%x: f32) -> f32 {
  %0 = math.tanh %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @erf
// CHECK-NOT: math.erf
// CHECK: math.fma
// CHECK-NOT: math.erf
// CHECK: return
func.func @erf(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  return %0 : f32
}

// -----

// pow(x, y) = exp(y * log(|x|)) with the sign fixed up, then both expanded.
// CHECK-LABEL: func.func @powf
// CHECK-SAME: (%[[X:[a-zA-Z0-9_]+]]: f32, %[[Y:[a-zA-Z0-9_]+]]: f32)
// CHECK-NOT: math.powf
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: return
func.func @powf(%x: f32, %y: f32) -> f32 {
  %0 = math.powf %x, %y : f32
  return %0 : f32
}

// -----

// Vectors too: the approximation is elementwise on vector<8xf32>.
// CHECK-LABEL: func.func @exp_vector
// CHECK-NOT: math.exp
// CHECK: math.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: return %{{.*}} : vector<8xf32>
func.func @exp_vector(%v: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %v : vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// sqrt stays: it is an exact instruction, not a libm call.
// CHECK-LABEL: func.func @no_change_sqrt
// CHECK: %[[S:.*]] = math.sqrt %{{.*}} : f32
// CHECK: return %[[S]]
func.func @no_change_sqrt(%x: f32) -> f32 {
  %0 = math.sqrt %x : f32
  return %0 : f32
}
