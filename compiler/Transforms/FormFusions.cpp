//===- FormFusions.cpp - Group ops into sinter.fusion regions -------------===//
//
// XLA-style fusion: each group of ops that will run as one kernel is moved
// into a `sinter.fusion` region, whose kind picks the code generation
// strategy (loop, reduction, epilogue, attention). FusionPlanner.cpp decides
// the groups (with the target's FusionRules); with `remarks`, each fusion,
// each refused edge and each function's totals are a remark
// (FusionRemarks.cpp), which sinter-compile --report=fusion collects; this
// file builds the regions.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FusionKinds.h"
#include "compiler/Transforms/FusionPlanner.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringExtras.h"

#define DEBUG_TYPE "sinter-form-fusions"

namespace sinter {
#define GEN_PASS_DEF_FORMFUSIONSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

/// Moves each group of `planner` into a sinter.fusion region placed after
/// its last op; the region yields the results read outside it.
void buildFusionRegions(const FusionPlanner &planner) {
  func::FuncOp fn = planner.function();
  for (const FusionGroup *g : planner.fusions()) {
    SmallVector<Operation *> ops = planner.sorted(*g);
    llvm::SetVector<Value> inputs, results;
    planner.collectBoundary(*g, inputs, results);
    Operation *last = ops.back();
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    SmallVector<Type> resultTypes;
    for (Value r : results) {
      resultTypes.push_back(r.getType());
    }
    auto fusion =
        b.create<FusionOp>(g->root->getLoc(), resultTypes, inputs.getArrayRef(),
                           FusionKindAttr::get(b.getContext(), g->kind));
    Block *body = b.createBlock(&fusion.getBody());
    IRMapping map;
    for (Value in : inputs) {
      map.map(in, body->addArgument(in.getType(), in.getLoc()));
    }
    OpBuilder inner = OpBuilder::atBlockEnd(body);
    for (Operation *op : ops) {
      for (Value v : op->getOperands()) {
        if (!map.contains(v) && FusionPlanner::isClonedConstant(v)) {
          inner.clone(*v.getDefiningOp(), map);
        }
      }
      inner.clone(*op, map);
    }
    SmallVector<Value> yielded;
    for (Value r : results) {
      yielded.push_back(map.lookup(r));
    }
    inner.create<YieldOp>(g->root->getLoc(), yielded);
    for (auto [i, r] : llvm::enumerate(results)) {
      Value(r).replaceAllUsesWith(fusion.getResult(i));
    }
    for (Operation *op : llvm::reverse(ops)) {
      op->erase();
    }
  }
  // Splat constants whose every reader is now inside a fusion are dead.
  for (Operation &op : llvm::make_early_inc_range(fn.getBody().front())) {
    if (isa<ConstantOp>(op) && op.use_empty()) {
      op.erase();
    }
  }
}

struct FormFusionsPass : sinter::impl::FormFusionsPassBase<FormFusionsPass> {
  using FormFusionsPassBase::FormFusionsPassBase;

  void runOnOperation() override {
    FusionKinds enabledKinds = FusionKinds::all();
    if (!kinds.empty()) {
      std::string error;
      FailureOr<FusionKinds> parsed =
          FusionKinds::parse(llvm::join(kinds, ","), error);
      if (failed(parsed)) {
        getOperation().emitError() << error;
        return signalPassFailure();
      }
      enabledKinds = *parsed;
    }
    if (maxOps < 2) {
      getOperation().emitError() << "max-ops must be at least 2";
      return signalPassFailure();
    }
    const FusionRules *rules = fusionRulesFor(target);
    if (!rules) {
      getOperation().emitError()
          << "unknown fusion target '" << target << "' (expected cpu or nvptx)";
      return signalPassFailure();
    }
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal()) {
        continue;
      }
      FusionPlanner planner(fn, enabledKinds, maxOps, *rules);
      planner.plan();
      if (remarks) {
        remarkFusionPlan(planner);
      }
      buildFusionRegions(planner);
    }
  }
};

} // namespace
