// RUN: sinter-opt %s -split-input-file -sinter-cpu-outline-kernels | FileCheck %s
// RUN: sinter-opt %s -split-input-file -sinter-cpu-outline-kernels="min-parallel-work=16" | FileCheck %s --check-prefix=PAR

// Each top-level loop nest of a public function becomes a private
// `sinter.kernel` function over its buffers; large parallel nests run as
// thread-pool tasks through the environment, the new trailing !llvm.ptr
// argument of the public function.

// Below min-parallel-work (32 iterations < 32768), a direct call over the
// whole range [0, 1).
// CHECK-LABEL: func.func @small_nest
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %{{[a-zA-Z0-9_]+}}: !llvm.ptr) attributes {sinter.takes_environment}
// CHECK: call @small_nest_kernel0(%{{.*}}, %{{.*}}, %[[A]], %[[B]]) : (index, index, memref<4x8xf32>, memref<4x8xf32>) -> ()
// CHECK-NOT: scf.parallel
// CHECK-NOT: llvm.call
// CHECK: return
// CHECK: func.func private @small_nest_kernel0(%{{[a-zA-Z0-9_]+}}: index, %{{[a-zA-Z0-9_]+}}: index, %[[KA:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[KB:[a-zA-Z0-9_]+]]: memref<4x8xf32>)
// CHECK-SAME: attributes {sinter.kernel, sinter.noalias}
// CHECK: scf.parallel
// CHECK: memref.load %[[KA]]
// CHECK: memref.store %{{.*}}, %[[KB]]
// CHECK-NOT: _task
//
// Above it (min-parallel-work=16, prefix PAR), 4 tasks of one row each: the buffers'
// addresses go into an alloca'd context array, and parallel_for is loaded
// from the environment unless it is null, in which case the kernel runs
// serially over all tasks.
// PAR-LABEL: func.func @small_nest
// PAR-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[ENV:[a-zA-Z0-9_]+]]: !llvm.ptr) attributes {sinter.takes_environment}
// PAR: %[[SLOTS:.*]] = llvm.mlir.constant(2 : i64) : i64
// PAR: %[[CTX:.*]] = llvm.alloca %[[SLOTS]] x !llvm.ptr : (i64) -> !llvm.ptr
// PAR: %[[SLOT0:.*]] = llvm.getelementptr %[[CTX]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// PAR: llvm.store %{{.*}}, %[[SLOT0]] : !llvm.ptr, !llvm.ptr
// PAR: %[[SLOT1:.*]] = llvm.getelementptr %[[CTX]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// PAR: llvm.store %{{.*}}, %[[SLOT1]] : !llvm.ptr, !llvm.ptr
// PAR: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// PAR: %[[NOENV:.*]] = llvm.icmp "eq" %[[ENV]], %[[NULL]] : !llvm.ptr
// PAR: %[[PFOR:.*]] = scf.if %[[NOENV]] -> (!llvm.ptr) {
// PAR: scf.yield %[[NULL]] : !llvm.ptr
// PAR: } else {
// PAR: %[[FNSLOT:.*]] = llvm.getelementptr %[[ENV]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// PAR: %[[FN:.*]] = llvm.load %[[FNSLOT]] : !llvm.ptr -> !llvm.ptr
// PAR: scf.yield %[[FN]] : !llvm.ptr
// PAR: %[[SERIAL:.*]] = llvm.icmp "eq" %[[PFOR]], %[[NULL]] : !llvm.ptr
// PAR: scf.if %[[SERIAL]] {
// PAR-DAG: %[[N:.*]] = arith.constant 4 : index
// PAR-DAG: %[[Z:.*]] = arith.constant 0 : index
// PAR: func.call @small_nest_kernel0(%[[Z]], %[[N]], %[[A]], %[[B]])
// PAR: } else {
// PAR: %[[POOL:.*]] = llvm.load %[[ENV]] : !llvm.ptr -> !llvm.ptr
// PAR: %[[TASKFN:.*]] = func.constant @small_nest_kernel0_task : (!llvm.ptr, i64, i64) -> ()
// PAR: %[[TASKPTR:.*]] = builtin.unrealized_conversion_cast %[[TASKFN]] : (!llvm.ptr, i64, i64) -> () to !llvm.ptr
// PAR: %[[COUNT:.*]] = llvm.mlir.constant(4 : i64) : i64
// PAR: llvm.call %[[PFOR]](%[[POOL]], %[[TASKPTR]], %[[CTX]], %[[COUNT]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
// PAR-NOT: scf.parallel
// PAR: return
// The kernel walks tasks [begin, end): one row each, the columns inside.
// PAR: func.func private @small_nest_kernel0(%[[BEGIN:[a-zA-Z0-9_]+]]: index, %[[END:[a-zA-Z0-9_]+]]: index, %{{[a-zA-Z0-9_]+}}: memref<4x8xf32>, %{{[a-zA-Z0-9_]+}}: memref<4x8xf32>) attributes {sinter.kernel, sinter.noalias}
// PAR: scf.for %{{.*}} = %[[BEGIN]] to %[[END]] step
// PAR: scf.for
// PAR-NOT: scf.parallel
// PAR: return
// The trampoline has the ABI's task signature and calls the kernel on its range.
// PAR: func.func private @small_nest_kernel0_task(%[[TCTX:[a-zA-Z0-9_]+]]: !llvm.ptr, %[[TB:[a-zA-Z0-9_]+]]: i64, %[[TE:[a-zA-Z0-9_]+]]: i64)
// PAR-DAG: %[[IB:.*]] = arith.index_cast %[[TB]] : i64 to index
// PAR-DAG: %[[IE:.*]] = arith.index_cast %[[TE]] : i64 to index
// PAR: llvm.getelementptr %[[TCTX]][0]
// PAR: %[[M0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<4x8xf32>
// PAR: llvm.getelementptr %[[TCTX]][1]
// PAR: %[[M1:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<4x8xf32>
// PAR: call @small_nest_kernel0(%[[IB]], %[[IE]], %[[M0]], %[[M1]])
func.func @small_nest(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<4x8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %b[%i, %j] : memref<4x8xf32>
  }
  return
}

// -----

// Few outer iterations and a long last dimension: the last dimension is cut
// into chunks (4096 = 4 x 1024), task t covering [1024 t, 1024 (t + 1)).
// PAR-LABEL: func.func @chunked
// PAR: llvm.mlir.constant(4 : i64) : i64
// PAR: llvm.call
// PAR: func.func private @chunked_kernel0
// PAR: arith.remui %{{.*}}, %{{.*}} : index
// PAR: arith.constant 1024 : index
// PAR: %[[HI:.*]] = arith.minui %{{.*}}, %{{.*}} : index
// PAR: scf.for %{{.*}} = %{{.*}} to %[[HI]] step
func.func @chunked(%a: memref<4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%i] : memref<4096xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i] : memref<4096xf32>
  }
  return
}

// -----

// A serial nest is one kernel called over [0, 1); two nests, two kernels,
// called in program order (the kernels are placed after the function, the
// last one first). The float constant is cloned into the kernel.
// CHECK-LABEL: func.func @two_loops
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<8xf32>,
// CHECK: call @two_loops_kernel0(%{{.*}}, %{{.*}}, %[[A]]) : (index, index, memref<8xf32>) -> ()
// CHECK: call @two_loops_kernel1(%{{.*}}, %{{.*}}, %[[A]]) : (index, index, memref<8xf32>) -> ()
// CHECK-NOT: scf.for
// CHECK: return
// CHECK-DAG: func.func private @two_loops_kernel0(%{{[a-zA-Z0-9_]+}}: index, %{{[a-zA-Z0-9_]+}}: index, %{{[a-zA-Z0-9_]+}}: memref<8xf32>) attributes {sinter.kernel, sinter.noalias}
// CHECK-DAG: func.func private @two_loops_kernel1(%{{[a-zA-Z0-9_]+}}: index, %{{[a-zA-Z0-9_]+}}: index, %{{[a-zA-Z0-9_]+}}: memref<8xf32>) attributes {sinter.kernel, sinter.noalias}
// CHECK-DAG: arith.constant 1.000000e+00 : f32
func.func @two_loops(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %cst, %a[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  return
}

// -----

// Two views of one allocation may overlap: the kernel is not noalias.
// CHECK-LABEL: func.func @no_noalias_subviews
// CHECK: call @no_noalias_subviews_kernel0
// CHECK: func.func private @no_noalias_subviews_kernel0
// CHECK-SAME: attributes {sinter.kernel} {
func.func @no_noalias_subviews(%x: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %buf = memref.alloc() : memref<16xf32>
  %lo = memref.subview %buf[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %hi = memref.subview %buf[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %lo[%i] : memref<8xf32, strided<[1]>>
    memref.store %v, %hi[%i] : memref<8xf32, strided<[1], offset: 8>>
  }
  return
}

// -----

// The same argument read whole and through a reshape: not noalias.
// CHECK-LABEL: func.func @no_noalias_same_argument
// CHECK: func.func private @no_noalias_same_argument_kernel0
// CHECK-SAME: attributes {sinter.kernel} {
func.func @no_noalias_same_argument(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %m = memref.expand_shape %a [[0, 1]] output_shape [2, 4] : memref<8xf32> into memref<2x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %m[%c1, %i] : memref<2x4xf32>
    memref.store %v, %a[%i] : memref<8xf32>
  }
  return
}

// -----

// Planned workspace buffers are constant byte ranges of one arena: disjoint
// ranges are noalias, overlapping ones are not.
// CHECK-LABEL: func.func @workspace_views
// CHECK-DAG: func.func private @workspace_views_kernel0({{.*}}) attributes {sinter.kernel, sinter.noalias} {
// CHECK-DAG: func.func private @workspace_views_kernel1({{.*}}) attributes {sinter.kernel} {
func.func @workspace_views(%ws: memref<128xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %a = memref.view %ws[%c0][] : memref<128xi8> to memref<8xf32>
  %b = memref.view %ws[%c64][] : memref<128xi8> to memref<8xf32>
  %c = memref.view %ws[%c16][] : memref<128xi8> to memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %b[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %c[%i] : memref<8xf32>
  }
  return
}

// -----

// A nest that reads a non-constant scalar from outside stays inline.
// CHECK-LABEL: func.func @no_outline_dynamic_bound
// CHECK-SAME: (%[[A:[a-zA-Z0-9_]+]]: memref<8xf32>, %[[N:[a-zA-Z0-9_]+]]: index, %{{[a-zA-Z0-9_]+}}: !llvm.ptr) attributes {sinter.takes_environment}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step
// CHECK-NOT: call
// CHECK-NOT: func.func private
func.func @no_outline_dynamic_bound(%a: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %a[%i] : memref<8xf32>
  }
  return
}

// -----

// Private functions are not entry points: no environment, no kernels.
// CHECK-LABEL: func.func private @no_outline_private
// CHECK-SAME: (%{{[a-zA-Z0-9_]+}}: memref<8xf32>) {
// CHECK: scf.for
// CHECK-NOT: _kernel
func.func private @no_outline_private(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    memref.store %v, %a[%i] : memref<8xf32>
  }
  return
}
