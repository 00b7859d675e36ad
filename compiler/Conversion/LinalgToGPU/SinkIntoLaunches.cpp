//===- SinkIntoLaunches.cpp - Kernels take only whole buffers -------------===//
//
// A GPU artifact has no host code: the runtime passes each kernel the base
// pointers of the model's inputs, outputs and workspace, nothing else. So
// before outlining, everything a launch computes from those buffers on the
// host side (constants, views of the workspace and of the arguments,
// reshapes, subviews, the addresses of constant globals) is moved into the
// launch, which then captures only the entry function's arguments. Anything
// else a launch captures is reported.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#define DEBUG_TYPE "sinter-gpu-sink-into-launches"

namespace sinter {

#define GEN_PASS_DEF_GPUSINKINTOLAUNCHESPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

bool isSinkable(Operation *op) {
  return isa<arith::ConstantOp, memref::GetGlobalOp, ViewLikeOpInterface>(op);
}

/// Clones the chain of sinkable ops computing `v` at the builder; entry
/// arguments stay captured. Null if `v` is anything else.
Value sink(OpBuilder &b, Value v, IRMapping &map) {
  if (Value mapped = map.lookupOrNull(v)) {
    return mapped;
  }
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    return isa<func::FuncOp>(arg.getOwner()->getParentOp()) ? v : nullptr;
  }
  Operation *op = v.getDefiningOp();
  if (!isSinkable(op)) {
    return nullptr;
  }
  for (Value operand : op->getOperands()) {
    if (!sink(b, operand, map)) {
      return nullptr;
    }
  }
  b.clone(*op, map);
  return map.lookup(v);
}

struct GPUSinkIntoLaunchesPass
    : impl::GPUSinkIntoLaunchesPassBase<GPUSinkIntoLaunchesPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches) {
      llvm::SetVector<Value> captured;
      getUsedValuesDefinedAbove(launch.getBody(), captured);
      OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
      IRMapping map;
      for (Value v : captured) {
        Value inside = sink(b, v, map);
        if (!inside) {
          launch.emitError("a GPU kernel may only use the entry function's "
                           "buffers and views of them; it uses ")
              << v;
          return signalPassFailure();
        }
        v.replaceUsesWithIf(inside, [&](OpOperand &use) {
          return launch->isProperAncestor(use.getOwner());
        });
      }
    }
    // Views and constants the launches no longer use.
    getOperation().walk([&](func::FuncOp fn) {
      for (Operation &op :
           llvm::make_early_inc_range(llvm::reverse(fn.getBody().front()))) {
        if (isSinkable(&op) && op.use_empty()) {
          op.erase();
        }
      }
    });
  }
};

} // namespace
} // namespace sinter
