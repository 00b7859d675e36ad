//===- KernelBuilder.h - Building blocks of Sinter's GPU kernels -*- C++
//-*-===//
//
// What every GPU kernel Sinter emits is made of: a `gpu.launch` with static
// grid and block sizes, a linalg.generic's body evaluated for one point of
// its iteration space, and a block-wide reduction (warp shuffles, then one
// value per warp through shared memory). The kernels of MapKernels.cpp,
// MatmulKernel.cpp and SinterToGPU/Attention.cpp are written with these.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_CONVERSION_LINALGTOGPU_KERNELBUILDER_H
#define SINTER_COMPILER_CONVERSION_LINALGTOGPU_KERNELBUILDER_H

#include "dialects/sinter/IR/MLIR.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <array>

namespace sinter::gpu_kernel {

/// The kind of kernel a launch is (a string attribute set by the mapping,
/// used in kernel names).
inline constexpr llvm::StringLiteral kKindAttr = "sinter.gpu_kernel";

/// Threads per block of the elementwise and reduction kernels: eight warps.
inline constexpr int64_t kBlockSize = 256;
inline constexpr int64_t kWarpSize = 32;
/// Static shared memory a kernel may use without opting in to more.
inline constexpr int64_t kSharedMemoryBudget = 48 * 1024;

/// A `gpu.launch` with constant sizes and the given workgroup (shared
/// memory) buffers, its body terminated; the builder is left at the start
/// of the body.
gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, StringRef kind,
                           std::array<int64_t, 3> grid,
                           std::array<int64_t, 3> block,
                           TypeRange workgroupBuffers = {});

/// `memref<shape x type, #gpu.address_space<workgroup>>`.
MemRefType sharedMemRefType(ArrayRef<int64_t> shape, Type elementType);

/// Bytes of a static memref.
int64_t byteSize(MemRefType type);

/// Splits a linear index into indices over `extents` (row-major: the last
/// index varies fastest, so consecutive threads touch consecutive
/// elements).
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<int64_t> extents);

/// The indices `map` gives for the loop indices `ivs`.
SmallVector<Value> applyIndexingMap(OpBuilder &b, Location loc, AffineMap map,
                                    ValueRange ivs);

/// Evaluates `op`'s body at the iteration point `ivs`: loads the inputs,
/// binds the output arguments to `outputValues` (loaded from the output
/// buffers where empty), and returns the yielded values.
/// `known` gives the values of some inputs (by input index) instead of
/// loading them: a fused matmul epilogue's accumulator.
SmallVector<Value> emitBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                            ValueRange ivs, ValueRange outputValues = {},
                            const llvm::DenseMap<unsigned, Value> &known =
                                llvm::DenseMap<unsigned, Value>());

/// Stores `values` into `op`'s outputs at the iteration point `ivs`.
void storeOutputs(OpBuilder &b, Location loc, linalg::GenericOp op,
                  ValueRange ivs, ValueRange values);

/// Applies the binary combiner op of a reduction to two values.
Value combine(OpBuilder &b, Location loc, Operation *combiner, Value lhs,
              Value rhs);

/// The single combiner of each output of a reduction generic with the
/// neutral element it starts from, if every output has one that a warp can
/// shuffle (32-bit float or integer); empty otherwise.
struct Combiner {
  Operation *op = nullptr;
  TypedAttr neutral;
};
SmallVector<Combiner> matchCombiners(linalg::GenericOp op);

/// Reduces `value` over the block's `blockSize` threads: a butterfly over
/// each warp's lanes, then the warps' partials through `scratch` (a
/// workgroup buffer of at least blockSize / 32 elements). Every thread gets
/// the total. Ends with a barrier, so `scratch` may be reused at once.
Value blockReduce(OpBuilder &b, Location loc, Value value,
                  const Combiner &combiner, Value threadId, int64_t blockSize,
                  Value scratch);

/// `scf.for` from 0 to `upper` by `step` (index constants) starting at
/// `start`, carrying `inits`; the body builder returns the new values.
SmallVector<Value>
stridedLoop(OpBuilder &b, Location loc, Value start, int64_t upper,
            int64_t step, ValueRange inits,
            llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                                  ValueRange)>
                body);

Value indexConstant(OpBuilder &b, Location loc, int64_t v);

/// a * b + c, marked contractible: NVPTX emits one fma.rn.f32 (math.fma has
/// no NVVM lowering in MLIR 19).
Value fma(OpBuilder &b, Location loc, Value a, Value x, Value c);

} // namespace sinter::gpu_kernel

#endif // SINTER_COMPILER_CONVERSION_LINALGTOGPU_KERNELBUILDER_H
