//===- KernelBuilder.cpp - Building blocks of Sinter's GPU kernels -------===//

#include "compiler/Conversion/LinalgToGPU/KernelBuilder.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace sinter::gpu_kernel {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

Value fma(OpBuilder &b, Location loc, Value a, Value x, Value c) {
  auto contract = arith::FastMathFlagsAttr::get(b.getContext(),
                                                arith::FastMathFlags::contract);
  Value product = b.create<arith::MulFOp>(loc, a, x, contract);
  return b.create<arith::AddFOp>(loc, product, c, contract);
}

gpu::LaunchOp createLaunch(OpBuilder &b, Location loc, StringRef kind,
                           std::array<int64_t, 3> grid,
                           std::array<int64_t, 3> block,
                           TypeRange workgroupBuffers) {
  auto c = [&](int64_t v) { return indexConstant(b, loc, v); };
  auto launch = b.create<gpu::LaunchOp>(
      loc, c(grid[0]), c(grid[1]), c(grid[2]), c(block[0]), c(block[1]),
      c(block[2]), /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/ValueRange{},
      workgroupBuffers);
  launch->setAttr(kKindAttr, b.getStringAttr(kind));
  Block &body = launch.getBody().front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(&body);
  b.create<gpu::TerminatorOp>(loc);
  return launch;
}

MemRefType sharedMemRefType(ArrayRef<int64_t> shape, Type elementType) {
  MLIRContext *ctx = elementType.getContext();
  return MemRefType::get(
      shape, elementType, MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
}

int64_t byteSize(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<int64_t> extents) {
  SmallVector<Value> ivs(extents.size());
  for (int64_t i = int64_t(extents.size()) - 1; i >= 0; --i) {
    if (i == 0) {
      ivs[i] = linear;
      break;
    }
    Value e = indexConstant(b, loc, extents[i]);
    ivs[i] = b.create<arith::RemUIOp>(loc, linear, e);
    linear = b.create<arith::DivUIOp>(loc, linear, e);
  }
  return ivs;
}

SmallVector<Value> applyIndexingMap(OpBuilder &b, Location loc, AffineMap map,
                                    ValueRange ivs) {
  SmallVector<Value> indices;
  for (AffineExpr e : map.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      indices.push_back(ivs[d.getPosition()]);
    } else if (auto k = dyn_cast<AffineConstantExpr>(e)) {
      indices.push_back(indexConstant(b, loc, k.getValue()));
    } else {
      indices.push_back(b.create<affine::AffineApplyOp>(
          loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
    }
  }
  return indices;
}

SmallVector<Value> emitBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                            ValueRange ivs, ValueRange outputValues,
                            const llvm::DenseMap<unsigned, Value> &known) {
  IRMapping map;
  for (OpOperand *in : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(in);
    if (arg.use_empty()) {
      continue;
    }
    auto given = known.find(in->getOperandNumber());
    if (given != known.end()) {
      map.map(arg, given->second);
      continue;
    }
    Value v = in->get();
    if (!isa<MemRefType>(v.getType())) {
      map.map(arg, v); // a scalar (the value of a fill)
      continue;
    }
    map.map(arg,
            b.create<memref::LoadOp>(
                loc, v,
                applyIndexingMap(b, loc, op.getMatchingIndexingMap(in), ivs)));
  }
  for (auto [i, out] : llvm::enumerate(op.getDpsInitsMutable())) {
    BlockArgument arg = op.getMatchingBlockArgument(&out);
    if (!outputValues.empty()) {
      map.map(arg, outputValues[i]);
    } else if (!arg.use_empty()) {
      map.map(arg, b.create<memref::LoadOp>(
                       loc, out.get(),
                       applyIndexingMap(b, loc, op.getMatchingIndexingMap(&out),
                                        ivs)));
    }
  }
  for (Operation &inner : op.getBody()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, map);
  }
  SmallVector<Value> yielded;
  for (Value v : op.getBody()->getTerminator()->getOperands()) {
    yielded.push_back(map.lookupOrDefault(v));
  }
  return yielded;
}

void storeOutputs(OpBuilder &b, Location loc, linalg::GenericOp op,
                  ValueRange ivs, ValueRange values) {
  for (auto [out, v] : llvm::zip(op.getDpsInitsMutable(), values)) {
    b.create<memref::StoreOp>(
        loc, v, out.get(),
        applyIndexingMap(b, loc, op.getMatchingIndexingMap(&out), ivs));
  }
}

Value combine(OpBuilder &b, Location loc, Operation *combiner, Value lhs,
              Value rhs) {
  OperationState state(loc, combiner->getName());
  state.addOperands({lhs, rhs});
  state.addTypes(lhs.getType());
  state.addAttributes(combiner->getAttrs());
  return b.create(state)->getResult(0);
}

SmallVector<Combiner> matchCombiners(linalg::GenericOp op) {
  SmallVector<Combiner> combiners;
  SmallVector<BlockArgument> outArgs(op.getRegionOutputArgs());
  for (unsigned i = 0; i < outArgs.size(); ++i) {
    SmallVector<Operation *> ops;
    if (!matchReduction(outArgs, i, ops) || ops.size() != 1) {
      return {};
    }
    Operation *c = ops.front();
    Type t = c->getResult(0).getType();
    if (c->getNumOperands() != 2 || !t.isIntOrFloat() ||
        t.getIntOrFloatBitWidth() != 32) {
      return {};
    }
    std::optional<TypedAttr> neutral = arith::getNeutralElement(c);
    if (!neutral) {
      return {};
    }
    combiners.push_back({c, *neutral});
  }
  return combiners;
}

static Value warpReduce(OpBuilder &b, Location loc, Value v,
                        const Combiner &combiner) {
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    auto shuffle = b.create<gpu::ShuffleOp>(loc, v, offset, int32_t(kWarpSize),
                                            gpu::ShuffleMode::XOR);
    v = combine(b, loc, combiner.op, v, shuffle.getShuffleResult());
  }
  return v;
}

Value blockReduce(OpBuilder &b, Location loc, Value value,
                  const Combiner &combiner, Value threadId, int64_t blockSize,
                  Value scratch) {
  value = warpReduce(b, loc, value, combiner);
  if (blockSize <= kWarpSize) {
    return value;
  }
  int64_t warps = blockSize / kWarpSize;
  Value c0 = indexConstant(b, loc, 0);
  Value warpSize = indexConstant(b, loc, kWarpSize);
  Value lane = b.create<arith::RemUIOp>(loc, threadId, warpSize);
  Value warp = b.create<arith::DivUIOp>(loc, threadId, warpSize);
  Value isLeader =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, lane, c0);
  b.create<scf::IfOp>(loc, isLeader, [&](OpBuilder &t, Location l) {
    t.create<memref::StoreOp>(l, value, scratch, ValueRange{warp});
    t.create<scf::YieldOp>(l);
  });
  b.create<gpu::BarrierOp>(loc);
  // Every warp reduces the warps' partials (cheaper than a second barrier
  // to broadcast the first warp's result).
  Value inRange = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, lane,
                                          indexConstant(b, loc, warps));
  Value neutral = b.create<arith::ConstantOp>(loc, combiner.neutral);
  auto partial = b.create<scf::IfOp>(
      loc, inRange,
      [&](OpBuilder &t, Location l) {
        Value p = t.create<memref::LoadOp>(l, scratch, ValueRange{lane});
        t.create<scf::YieldOp>(l, p);
      },
      [&](OpBuilder &t, Location l) { t.create<scf::YieldOp>(l, neutral); });
  Value total = warpReduce(b, loc, partial.getResult(0), combiner);
  b.create<gpu::BarrierOp>(loc);
  return total;
}

SmallVector<Value>
stridedLoop(OpBuilder &b, Location loc, Value start, int64_t upper,
            int64_t step, ValueRange inits,
            llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, Value,
                                                  ValueRange)>
                body) {
  auto loop = b.create<scf::ForOp>(
      loc, start, indexConstant(b, loc, upper), indexConstant(b, loc, step),
      inits, [&](OpBuilder &t, Location l, Value iv, ValueRange iter) {
        t.create<scf::YieldOp>(l, body(t, l, iv, iter));
      });
  return SmallVector<Value>(loop.getResults());
}

} // namespace sinter::gpu_kernel
