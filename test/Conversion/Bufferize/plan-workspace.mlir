// RUN: sinter-opt %s -split-input-file -verify-diagnostics -sinter-plan-workspace | FileCheck %s
// RUN: sinter-opt %s -split-input-file -verify-diagnostics -sinter-plan-workspace="alignment=128" | FileCheck %s --check-prefix=ALIGN
// RUN: not sinter-opt %s -split-input-file -sinter-plan-workspace="alignment=48" 2>&1 | FileCheck %s --check-prefix=BADALIGN

// BADALIGN: sinter-plan-workspace: alignment must be a positive power of two

// Every alloc of a public function becomes a view into a trailing i8
// workspace argument; buffers whose lives overlap get disjoint byte ranges,
// aligned to 64 bytes by default (128 with alignment=128).

// %a (64 bytes) and %b (32 bytes) are both live at the third copy: %a takes
// [0, 64), %b the next aligned offset; 96 bytes round up to 128.
// CHECK-LABEL: func.func @overlapping
// CHECK-SAME: (%[[IN:[a-zA-Z0-9_]+]]: memref<16xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<16xf32>, %[[WS:[a-zA-Z0-9_]+]]: memref<128xi8>)
// CHECK-SAME: attributes {sinter.workspace_bytes = 128 : i64}
// CHECK-NOT: memref.alloc
// CHECK: %[[O0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[O0]]][] : memref<128xi8> to memref<16xf32>
// CHECK: %[[O1:.*]] = arith.constant 64 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[O1]]][] : memref<128xi8> to memref<8xf32>
// CHECK: linalg.copy ins(%[[IN]] : memref<16xf32>) outs(%[[A]] : memref<16xf32>)
// CHECK: linalg.copy ins(%[[A]] : memref<16xf32>) outs(%[[OUT]] : memref<16xf32>)
// CHECK: linalg.copy ins(%[[B]] : memref<8xf32>)
// The arena outlives the call: deallocs go.
// CHECK-NOT: memref.dealloc
// CHECK: return
// ALIGN-LABEL: func.func @overlapping
// ALIGN-SAME: %{{[a-zA-Z0-9_]+}}: memref<256xi8>) attributes {sinter.workspace_bytes = 256 : i64}
// ALIGN: arith.constant 0 : index
// ALIGN: %[[O1:.*]] = arith.constant 128 : index
// ALIGN: memref.view %{{.*}}[%[[O1]]][] : memref<256xi8> to memref<8xf32>
func.func @overlapping(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  %b = memref.alloc() : memref<8xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%a : memref<16xf32>)
  %s = memref.subview %in[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  linalg.copy ins(%s : memref<8xf32, strided<[1]>>) outs(%b : memref<8xf32>)
  linalg.copy ins(%a : memref<16xf32>) outs(%out : memref<16xf32>)
  %o = memref.subview %out[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  linalg.copy ins(%b : memref<8xf32>) outs(%o : memref<8xf32, strided<[1]>>)
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<8xf32>
  return
}

// -----

// %a is dead when %b is allocated: both start at offset 0 and the arena is
// the larger of the two.
// CHECK-LABEL: func.func @disjoint
// CHECK-SAME: %[[WS:[a-zA-Z0-9_]+]]: memref<64xi8>) attributes {sinter.workspace_bytes = 64 : i64}
// CHECK: %[[Z0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[Z0]]][] : memref<64xi8> to memref<16xf32>
// CHECK: linalg.copy ins(%[[A]] : memref<16xf32>)
// CHECK: %[[Z1:.*]] = arith.constant 0 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[Z1]]][] : memref<64xi8> to memref<4x4xf32>
// CHECK: linalg.copy ins(%[[B]] : memref<4x4xf32>)
func.func @disjoint(%in: memref<16xf32>, %out: memref<16xf32>, %in2: memref<4x4xf32>, %out2: memref<4x4xf32>) {
  %a = memref.alloc() : memref<16xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%a : memref<16xf32>)
  linalg.copy ins(%a : memref<16xf32>) outs(%out : memref<16xf32>)
  %b = memref.alloc() : memref<4x4xf32>
  linalg.copy ins(%in2 : memref<4x4xf32>) outs(%b : memref<4x4xf32>)
  linalg.copy ins(%b : memref<4x4xf32>) outs(%out2 : memref<4x4xf32>)
  return
}

// -----

// A view of a buffer keeps it alive: %a is used through %av after %b is
// allocated, so they must not share bytes.
// CHECK-LABEL: func.func @view_extends_life
// CHECK-SAME: memref<128xi8>) attributes {sinter.workspace_bytes = 128 : i64}
// CHECK: arith.constant 0 : index
// CHECK: %[[O:.*]] = arith.constant 64 : index
// CHECK: memref.view %{{.*}}[%[[O]]][] : memref<128xi8> to memref<16xf32>
func.func @view_extends_life(%in: memref<16xf32>, %out: memref<4x4xf32>) {
  %a = memref.alloc() : memref<16xf32>
  %av = memref.expand_shape %a [[0, 1]] output_shape [4, 4] : memref<16xf32> into memref<4x4xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%a : memref<16xf32>)
  %b = memref.alloc() : memref<16xf32>
  linalg.copy ins(%in : memref<16xf32>) outs(%b : memref<16xf32>)
  linalg.copy ins(%av : memref<4x4xf32>) outs(%out : memref<4x4xf32>)
  return
}

// -----

// No allocation: an empty workspace, still passed.
// CHECK-LABEL: func.func @no_allocs
// CHECK-SAME: (%{{[a-zA-Z0-9_]+}}: memref<4xf32>, %{{[a-zA-Z0-9_]+}}: memref<0xi8>) attributes {sinter.workspace_bytes = 0 : i64}
func.func @no_allocs(%x: memref<4xf32>) {
  return
}

// -----

// Private functions and declarations are not planned.
// CHECK-LABEL: func.func private @no_plan_private
// CHECK-SAME: (%{{[a-zA-Z0-9_]+}}: memref<4xf32>) {
// CHECK: memref.alloc() : memref<4xf32>
// CHECK-NOT: memref.view
// CHECK-LABEL: func.func private @no_plan_declaration(memref<4xf32>)
// CHECK-NOT: sinter.workspace_bytes
func.func private @no_plan_private(%x: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  return
}
func.func private @no_plan_declaration(memref<4xf32>)

// -----

func.func @alloc_in_loop(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-error @+1 {{cannot place an allocation inside a loop or region in the workspace}}
    %a = memref.alloc() : memref<4xf32>
    linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  }
  return
}

// -----

func.func @alloc_strided(%x: memref<4x4xf32>) {
  // expected-error @+1 {{workspace buffers need a static shape and the identity layout, got 'memref<4x4xf32, strided<[1, 4]>>'}}
  %a = memref.alloc() : memref<4x4xf32, strided<[1, 4]>>
  return
}
