// RUN: sinter-opt %s -split-input-file -sinter-cpu-mark-kernel-args-noalias | FileCheck %s

// After conversion to LLVM, each memref argument of a kernel is (allocated
// pointer, aligned pointer, offset, sizes..., strides...). A kernel the
// outliner proved alias-free (sinter.noalias) gets llvm.noalias on each
// aligned pointer, the one every access goes through; the allocated
// pointer may be shared by several workspace views and is left alone.

// CHECK-LABEL: llvm.func @kernel
// CHECK-SAME: (%{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64,
// CHECK-SAME: %{{[a-zA-Z0-9_]+}}: !llvm.ptr, %{{[a-zA-Z0-9_]+}}: !llvm.ptr {llvm.noalias}, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64,
// CHECK-SAME: %{{[a-zA-Z0-9_]+}}: !llvm.ptr, %{{[a-zA-Z0-9_]+}}: !llvm.ptr {llvm.noalias}, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64)
// CHECK-SAME: attributes {sinter.kernel, sinter.noalias}
llvm.func @kernel(%begin: i64, %end: i64,
                  %a0: !llvm.ptr, %a1: !llvm.ptr, %ao: i64, %as: i64, %ast: i64,
                  %b0: !llvm.ptr, %b1: !llvm.ptr, %bo: i64, %bs: i64, %bst: i64)
    attributes {sinter.kernel, sinter.noalias} {
  llvm.return
}

// -----

// Without the outliner's proof: no llvm.noalias.
// CHECK-LABEL: llvm.func @no_noalias_kernel
// CHECK-NOT: llvm.noalias
// CHECK: llvm.return
llvm.func @no_noalias_kernel(%a0: !llvm.ptr, %a1: !llvm.ptr, %ao: i64, %b0: !llvm.ptr, %b1: !llvm.ptr, %bo: i64)
    attributes {sinter.kernel} {
  llvm.return
}

// -----

// Not a kernel (the entry function, the task trampoline): nothing.
// CHECK-LABEL: llvm.func @no_noalias_not_kernel
// CHECK-NOT: llvm.noalias
// CHECK: llvm.return
llvm.func @no_noalias_not_kernel(%a0: !llvm.ptr, %a1: !llvm.ptr, %ao: i64)
    attributes {sinter.noalias} {
  llvm.return
}
