// The CPU pipeline stage by stage, on matmul + add + softmax. Each stage
// is checked for what it promises; the detail of each pass is in
// test/Conversion.
//
// RUN: sinter-opt %s --sinter-cpu-lower-to-linalg \
// RUN:   | FileCheck %s --check-prefix=LINALG --implicit-check-not="= sinter." --implicit-check-not=memref
// RUN: sinter-opt %s --sinter-cpu-lower-to-linalg --sinter-bufferize \
// RUN:   | FileCheck %s --check-prefix=BUF --implicit-check-not=tensor --implicit-check-not=bufferization.
// RUN: sinter-opt %s --sinter-cpu-lower-to-linalg --sinter-bufferize --sinter-cpu-codegen \
// RUN:   | FileCheck %s --check-prefix=CODEGEN --implicit-check-not=linalg. --implicit-check-not=memref.alloc \
// RUN:     --implicit-check-not=memref.dealloc
// RUN: sinter-opt %s --sinter-cpu-lower-to-linalg --sinter-bufferize --sinter-cpu-codegen --sinter-cpu-to-llvm \
// RUN:   | FileCheck %s --check-prefix=LLVM --implicit-check-not=linalg. --implicit-check-not=memref. \
// RUN:     --implicit-check-not=scf. --implicit-check-not=arith. --implicit-check-not=math. \
// RUN:     --implicit-check-not=vector. --implicit-check-not=func.func --implicit-check-not=func.call \
// RUN:     --implicit-check-not=unrealized_conversion_cast --implicit-check-not="= sinter."
// One pipeline, with options: 8 lanes, and every nest large enough for tasks.
// RUN: sinter-opt %s --sinter-cpu-pipeline="vector-width=8 min-parallel-work=16" \
// RUN:   | FileCheck %s --check-prefix=FULL --implicit-check-not=linalg. --implicit-check-not=memref. \
// RUN:     --implicit-check-not=scf. --implicit-check-not=arith. --implicit-check-not=math. \
// RUN:     --implicit-check-not=vector. --implicit-check-not=func.func --implicit-check-not=func.call \
// RUN:     --implicit-check-not=unrealized_conversion_cast --implicit-check-not="= sinter." \
// RUN:     --implicit-check-not="vector<16xf32>"

// Sinter to linalg on tensors: the matmul, the add, softmax's reductions.
// LINALG-LABEL: func.func @f
// LINALG-SAME: (%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xf32>, %[[W:[a-zA-Z0-9_]+]]: tensor<8x16xf32>, %[[B:[a-zA-Z0-9_]+]]: tensor<4x16xf32>) -> tensor<4x16xf32>
// LINALG: %[[P:.*]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<4x8xf32>, tensor<8x16xf32>)
// LINALG: linalg.generic {{.*}} ins(%[[P]], %[[B]] : tensor<4x16xf32>, tensor<4x16xf32>)
// LINALG: arith.addf
// LINALG: iterator_types = ["parallel", "reduction"]
// LINALG: arith.maximumf
// LINALG: math.exp
// LINALG: iterator_types = ["parallel", "reduction"]
// LINALG: arith.divf
// LINALG: return %{{.*}} : tensor<4x16xf32>

// Bufferized: the result is a caller-provided out-parameter, the inputs are
// only read, temporaries are allocations.
// BUF-LABEL: func.func @f
// BUF-SAME: (%[[X:[a-zA-Z0-9_]+]]: memref<4x8xf32>, %[[W:[a-zA-Z0-9_]+]]: memref<8x16xf32>, %[[B:[a-zA-Z0-9_]+]]: memref<4x16xf32>, %[[OUT:[a-zA-Z0-9_]+]]: memref<4x16xf32>) {
// BUF: linalg.matmul ins(%[[X]], %[[W]] : memref<4x8xf32>, memref<8x16xf32>) outs(%[[OUT]] : memref<4x16xf32>)
// BUF: memref.alloc() {alignment = 64 : i64} : memref<4x16xf32>
// BUF-NOT: outs(%[[X]]
// BUF-NOT: outs(%[[W]]
// BUF-NOT: outs(%[[B]]
// BUF: return{{$}}

// Codegen: vector matmul kernel, the workspace argument and its size, the
// environment argument, every other nest a kernel call.
// CODEGEN-LABEL: func.func @f
// CODEGEN-SAME: %[[WS:[a-zA-Z0-9_]+]]: memref<[[BYTES:[0-9]+]]xi8>, %{{[a-zA-Z0-9_]+}}: !llvm.ptr)
// CODEGEN-SAME: attributes {sinter.takes_environment, sinter.workspace_bytes = [[BYTES]] : i64}
// CODEGEN: memref.view %[[WS]]
// CODEGEN: call @f_kernel{{[0-9]+}}(
// CODEGEN: return
// CODEGEN-DAG: func.func private @f_kernel{{[0-9]+}}({{.*}}) attributes {sinter.kernel, sinter.noalias}
// CODEGEN-DAG: vector.fma %{{.*}} : vector<16xf32>

// LLVM dialect only; the attributes the artifact writer reads survive.
// LLVM-LABEL: llvm.func @f(
// LLVM-SAME: attributes {sinter.takes_environment, sinter.workspace_bytes = {{[1-9][0-9]*}} : i64}
// LLVM: llvm.call @f_kernel
// LLVM: llvm.return
// LLVM-DAG: llvm.func @f_kernel{{[0-9]+}}(%{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: !llvm.ptr, %{{[a-zA-Z0-9_]+}}: !llvm.ptr {llvm.noalias}{{.*}}sinter.kernel, sinter.noalias
// LLVM-DAG: llvm.intr.fmuladd({{.*}}) {{ *}}: (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>

// FULL-LABEL: llvm.func @f(
// FULL-SAME: %{{[a-zA-Z0-9_]+}}: !llvm.ptr) attributes {sinter.takes_environment, sinter.workspace_bytes = {{[1-9][0-9]*}} : i64}
// FULL: llvm.alloca
// FULL: llvm.call %{{.*}}(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
// FULL: llvm.return
// FULL-DAG: llvm.func @f_kernel{{[0-9]+}}_task(%{{[a-zA-Z0-9_]+}}: !llvm.ptr, %{{[a-zA-Z0-9_]+}}: i64, %{{[a-zA-Z0-9_]+}}: i64)
// FULL-DAG: llvm.intr.fmuladd({{.*}}) {{ *}}: (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
func.func @f(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = sinter.matmul %x, %w : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = sinter.add %0, %b : tensor<4x16xf32>
  %2 = sinter.softmax %1, axis = 1 : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}
