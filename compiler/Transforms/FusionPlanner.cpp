//===- FusionPlanner.cpp - Which ops run together as one kernel -----------===//
//
// Groups grow from consumers toward producers. A producer joins its
// consumer's group only when every one of its users is already inside: a
// fused producer is then computed once, never duplicated into several
// kernels, so no expensive op (exp, a matmul) is ever recomputed across
// kernels. The cost model on top of that:
//  - attention is a kernel of its own (flash-style code generation);
//  - a matmul joins a group only as the producer of an elementwise
//    epilogue (bias, activation, residual add), one matmul per group, and
//    never together with a reduction; what else the target's matmul kernel
//    takes is for the target's FusionRules to say;
//  - reductions must be row reductions (over the innermost dimensions) of
//    one common shape, so the fused kernel walks contiguous rows; a
//    transpose never joins a reduction fusion (its reads would be strided);
//  - a group stops growing at `max-ops` ops.
// Sibling fusion then merges independent loop groups of one iteration
// shape that read a common input, so that input is read once.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FusionPlanner.h"

#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "sinter-form-fusions"

using namespace mlir;

namespace sinter {
namespace {

bool isComposite(Operation *op) {
  return isa<SoftmaxOp, LogSoftmaxOp, LogSumExpOp, LayerNormOp, RmsNormOp,
             AttentionOp>(op);
}

/// The row shape of a row reduction, or failure when `op` reduces something
/// other than its innermost dimensions.
FailureOr<RowShape> rowShapeOf(Operation *op) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  RowShape row{SmallVector<int64_t>(type.getShape()), 0};
  int64_t rank = type.getRank();
  auto lastAxis = [&](int64_t axis) -> FailureOr<RowShape> {
    if (axis != rank - 1) {
      return failure();
    }
    row.reduced = 1;
    return row;
  };
  return llvm::TypeSwitch<Operation *, FailureOr<RowShape>>(op)
      .Case<ReduceOp>([&](ReduceOp r) -> FailureOr<RowShape> {
        SmallVector<int64_t> dims(r.getDimensions());
        llvm::sort(dims);
        for (auto [i, d] : llvm::enumerate(dims)) {
          if (d != rank - static_cast<int64_t>(dims.size()) +
                       static_cast<int64_t>(i)) {
            return failure();
          }
        }
        row.reduced = dims.size();
        return row;
      })
      .Case<SoftmaxOp, LogSoftmaxOp, LogSumExpOp>(
          [&](auto o) { return lastAxis(o.getAxis()); })
      .Case<LayerNormOp, RmsNormOp>(
          [&](auto o) { return lastAxis(o.getAxis()); })
      .Default([](Operation *) { return failure(); });
}

/// The iteration shape of a loop group: its root's result shape.
ArrayRef<int64_t> shapeOf(const FusionGroup &g) {
  return cast<RankedTensorType>(g.root->getResult(0).getType()).getShape();
}

} // namespace

FusionRole fusionRoleOf(Operation *op) {
  if (isa<MatmulOp>(op)) {
    return FusionRole::Matmul;
  }
  if (isa<AttentionOp>(op)) {
    return FusionRole::Attention;
  }
  if (isa<ReduceOp, SoftmaxOp, LogSoftmaxOp, LogSumExpOp, LayerNormOp,
          RmsNormOp>(op)) {
    return FusionRole::Reduction;
  }
  if (isa<BroadcastInDimOp, ReshapeOp, TransposeOp>(op)) {
    return FusionRole::Shape;
  }
  if (op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1) {
    return FusionRole::Elementwise;
  }
  return FusionRole::Opaque;
}

int64_t bytesOf(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t) {
    return 0;
  }
  int64_t bits = t.getElementTypeBitWidth();
  return t.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

/// Reads plus writes of `op` run as a kernel of its own (a reshape is a
/// view and moves nothing).
int64_t unfusedBytesOf(Operation *op) {
  if (isa<ReshapeOp, ConstantOp>(op)) {
    return 0;
  }
  int64_t bytes = 0;
  for (Value v : op->getOperands()) {
    bytes += bytesOf(v.getType());
  }
  for (Value v : op->getResults()) {
    bytes += bytesOf(v.getType());
  }
  return bytes;
}

FusionPlanner::FusionPlanner(func::FuncOp fn, FusionKinds kinds, int64_t maxOps,
                             const FusionRules &rules)
    : fn(fn), kinds(kinds), maxOps(maxOps), rules(rules) {
  int64_t i = 0;
  for (Operation &op : fn.getBody().front()) {
    index[&op] = i++;
  }
}

void FusionPlanner::plan() {
  growGroups();
  if (enabled("sibling")) {
    mergeSiblings();
  }
}

SmallVector<const FusionGroup *> FusionPlanner::fusions() const {
  SmallVector<const FusionGroup *> result;
  for (const auto &g : groups) {
    if (!g->ops.empty()) {
      result.push_back(g.get());
    }
  }
  return result;
}

const FusionGroup *FusionPlanner::groupOf(Operation *op) const {
  return mutableGroupOf(op);
}

FusionGroup *FusionPlanner::mutableGroupOf(Operation *op) const {
  auto it = owner.find(op);
  return it == owner.end() ? nullptr : it->second;
}

std::string FusionPlanner::nameOf(Operation *op) const {
  auto it = index.find(op);
  return (op->getName().stripDialect() + "#" +
          Twine(it == index.end() ? -1 : it->second))
      .str();
}

/// Why `producer` may not join `g`, or the empty string if it may.
std::string FusionPlanner::refusal(const FusionGroup &g, Operation *producer,
                                   bool ignoreOwnership) const {
  FusionRole role = fusionRoleOf(producer);
  if (role == FusionRole::Opaque) {
    return (producer->getName().stripDialect() +
            " has no fused code generation")
        .str();
  }
  if (g.matmul && llvm::is_contained(producer->getUsers(), g.matmul)) {
    return rules.operandProducerRefusal(cast<MatmulOp>(g.matmul));
  }
  if (role == FusionRole::Attention) {
    return "attention is a kernel of its own";
  }
  if (groupOf(producer) && !ignoreOwnership) {
    return "producer already belongs to another fusion";
  }
  for (Operation *user : producer->getUsers()) {
    if (!g.ops.contains(user)) {
      return ("result also read outside the fusion by " + nameOf(user) +
              " (fusing would duplicate it)");
    }
  }
  if (static_cast<int64_t>(g.ops.size()) >= maxOps) {
    return ("fusion size cap reached (" + Twine(maxOps) + " ops)").str();
  }
  if (role == FusionRole::Matmul) {
    if (!enabled("epilogue")) {
      return "epilogue fusion is disabled";
    }
    std::string refused = rules.epilogueRefusal(cast<MatmulOp>(producer));
    if (!refused.empty()) {
      return refused;
    }
    if (g.matmul) {
      return "the fusion already has a matmul";
    }
    if (g.row) {
      return "a matmul does not fuse with a reduction";
    }
    for (Operation *member : g.ops) {
      std::string refused = rules.epilogueOpRefusal(member);
      if (!refused.empty()) {
        return refused;
      }
    }
    return "";
  }
  if (role == FusionRole::Reduction) {
    if (!enabled("reduction")) {
      return "reduction fusion is disabled";
    }
    if (g.matmul) {
      return "a reduction does not fuse into a matmul epilogue";
    }
    if (g.transpose) {
      return "a transpose in a reduction fusion would make its rows "
             "strided";
    }
    FailureOr<RowShape> row = rowShapeOf(producer);
    if (failed(row)) {
      return "not a row reduction (reduces a non-innermost dimension)";
    }
    if (g.row && !(*g.row == *row)) {
      return "reduces rows of a different shape than the fusion";
    }
    return "";
  }
  // Elementwise and shape ops.
  if (g.kind == FusionKind::loop && !enabled("loop")) {
    return "loop fusion is disabled";
  }
  if (g.kind == FusionKind::reduction && !enabled("reduction")) {
    return "reduction fusion is disabled";
  }
  if (isa<TransposeOp>(producer) && g.row) {
    return "a transpose in a reduction fusion would make its rows strided";
  }
  return g.matmul ? rules.epilogueOpRefusal(producer) : "";
}

void FusionPlanner::add(FusionGroup &g, Operation *op) {
  g.ops.insert(op);
  owner[op] = &g;
  FusionRole role = fusionRoleOf(op);
  if (role == FusionRole::Matmul) {
    g.matmul = op;
    g.kind = FusionKind::epilogue;
  } else if (role == FusionRole::Reduction) {
    g.row = *rowShapeOf(op);
    g.kind = FusionKind::reduction;
  } else if (isa<TransposeOp>(op) && !g.transpose) {
    g.transpose = op;
  }
}

/// Grows groups from each consumer (in reverse program order) toward its
/// producers until no producer can join.
void FusionPlanner::growGroups() {
  SmallVector<Operation *> ops;
  for (Operation &op : fn.getBody().front()) {
    ops.push_back(&op);
  }
  for (Operation *op : llvm::reverse(ops)) {
    FusionRole role = fusionRoleOf(op);
    if (groupOf(op) || role == FusionRole::Opaque) {
      continue;
    }
    groups.push_back(std::make_unique<FusionGroup>());
    FusionGroup &g = *groups.back();
    g.root = op;
    if (role == FusionRole::Attention) {
      if (enabled("attention")) {
        add(g, op);
        g.kind = FusionKind::attention;
      }
      continue;
    }
    if (role == FusionRole::Matmul) {
      // A matmul starts no group: it joins its epilogue's group, if any.
      continue;
    }
    if (role == FusionRole::Reduction &&
        (!enabled("reduction") || failed(rowShapeOf(op)))) {
      continue;
    }
    add(g, op);
    bool grew = true;
    while (grew) {
      grew = false;
      for (Operation *member :
           SmallVector<Operation *>(g.ops.begin(), g.ops.end())) {
        for (Value operand : member->getOperands()) {
          Operation *producer = operand.getDefiningOp();
          if (!producer || g.ops.contains(producer) ||
              isa<ConstantOp>(producer)) {
            continue;
          }
          if (refusal(g, producer).empty()) {
            add(g, producer);
            grew = true;
          }
        }
      }
    }
  }
  // A group that fuses nothing is not a fusion, except a lone composite
  // (a norm or softmax becomes one row kernel; attention a flash kernel).
  for (auto &g : groups) {
    if (g->ops.size() == 1 && !isComposite(*g->ops.begin())) {
      owner.erase(*g->ops.begin());
      g->ops.clear();
    }
    if (g->ops.size() == 1 && isa<MatmulOp>(*g->ops.begin())) {
      owner.erase(*g->ops.begin());
      g->ops.clear();
    }
  }
}

/// True if some op of `b` (transitively) reads a result of `a`.
bool FusionPlanner::dependsOn(const FusionGroup &b,
                              const FusionGroup &a) const {
  SmallVector<Operation *> worklist(b.ops.begin(), b.ops.end());
  llvm::SmallPtrSet<Operation *, 32> seen;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!seen.insert(op).second) {
      continue;
    }
    for (Value v : op->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (!def) {
        continue;
      }
      if (a.ops.contains(def)) {
        return true;
      }
      worklist.push_back(def);
    }
  }
  return false;
}

/// Merges loop groups of one iteration shape that read a common input
/// of at least that shape's size: a multi-output fusion reads it once.
void FusionPlanner::mergeSiblings() {
  SmallVector<FusionGroup *> loops;
  for (auto &g : groups) {
    if (!g->ops.empty() && g->kind == FusionKind::loop) {
      loops.push_back(g.get());
    }
  }
  for (size_t i = 0; i < loops.size(); ++i) {
    for (size_t j = i + 1; j < loops.size(); ++j) {
      FusionGroup &a = *loops[i], &b = *loops[j];
      if (a.ops.empty() || b.ops.empty() || shapeOf(a) != shapeOf(b) ||
          static_cast<int64_t>(a.ops.size() + b.ops.size()) > maxOps) {
        continue;
      }
      if (!sharesLargeInput(a, b) || dependsOn(a, b) || dependsOn(b, a) ||
          readBeforeEnd(a, b)) {
        continue;
      }
      for (Operation *op : b.ops) {
        a.ops.insert(op);
        owner[op] = &a;
      }
      b.ops.clear();
      if (!a.transpose) {
        a.transpose = b.transpose;
      }
      a.multiOutput = true;
    }
  }
}

/// The merged fusion sits after the later of the two groups' last ops:
/// a result read outside both before that point would be read before
/// it is defined.
bool FusionPlanner::readBeforeEnd(const FusionGroup &a,
                                  const FusionGroup &b) const {
  int64_t end = 0;
  for (const FusionGroup *g : {&a, &b}) {
    for (Operation *op : g->ops) {
      end = std::max(end, index.lookup(op));
    }
  }
  for (const FusionGroup *g : {&a, &b}) {
    for (Operation *op : g->ops) {
      for (Operation *user : op->getUsers()) {
        if (!a.ops.contains(user) && !b.ops.contains(user) &&
            index.lookup(user) < end) {
          return true;
        }
      }
    }
  }
  return false;
}

bool FusionPlanner::sharesLargeInput(const FusionGroup &a,
                                     const FusionGroup &b) const {
  int64_t minBytes = 1;
  for (int64_t d : shapeOf(a)) {
    minBytes *= d;
  }
  for (Operation *x : a.ops) {
    for (Value v : x->getOperands()) {
      if (bytesOf(v.getType()) < minBytes ||
          (v.getDefiningOp() && a.ops.contains(v.getDefiningOp()))) {
        continue;
      }
      for (Operation *user : v.getUsers()) {
        if (b.ops.contains(user)) {
          return true;
        }
      }
    }
  }
  return false;
}

std::string FusionPlanner::whyApart(Operation *producer,
                                    Operation *consumer) const {
  const FusionGroup *g = groupOf(consumer);
  if (!g) {
    FusionRole role = fusionRoleOf(consumer);
    if (role == FusionRole::Opaque) {
      return (consumer->getName().stripDialect() +
              " has no fused code generation")
          .str();
    }
    if (role == FusionRole::Matmul) {
      return "a matmul fuses only with an elementwise epilogue";
    }
    if (role == FusionRole::Reduction && failed(rowShapeOf(consumer))) {
      return "not a row reduction (reduces a non-innermost dimension)";
    }
    if (role == FusionRole::Reduction && !enabled("reduction")) {
      return "reduction fusion is disabled";
    }
    for (Operation *user : producer->getUsers()) {
      if (user != consumer) {
        return ("result also read by " + nameOf(user) +
                " in another kernel (fusing would duplicate it)");
      }
    }
    if (fusionRoleOf(producer) == FusionRole::Opaque) {
      return (producer->getName().stripDialect() +
              " has no fused code generation")
          .str();
    }
    return "the consumer starts no fusion (nothing else to fuse with it)";
  }
  if (g->kind == FusionKind::attention) {
    return "attention fuses nothing else (the flash kernel reads its "
           "operands as they are)";
  }
  // Re-ask the cost model as if the producer were free to join.
  const FusionGroup *pg = groupOf(producer);
  if (pg) {
    for (Operation *user : producer->getUsers()) {
      if (!g->ops.contains(user)) {
        return ("result also read outside the fusion by " + nameOf(user) +
                " (fusing would duplicate it)");
      }
    }
    std::string reason = refusal(*g, producer, /*ignoreOwnership=*/true);
    return reason.empty() ? "producer already belongs to another fusion "
                            "(its users were in separate fusions when "
                            "groups were formed)"
                          : reason;
  }
  std::string reason = refusal(*g, producer);
  return reason.empty() ? "its users were in separate fusions when groups "
                          "were formed (merged as siblings later)"
                        : reason;
}

SmallVector<Operation *> FusionPlanner::sorted(const FusionGroup &g) const {
  SmallVector<Operation *> ops(g.ops.begin(), g.ops.end());
  llvm::sort(ops, [&](Operation *a, Operation *b) {
    return index.lookup(a) < index.lookup(b);
  });
  return ops;
}

void FusionPlanner::collectBoundary(const FusionGroup &g,
                                    llvm::SetVector<Value> &inputs,
                                    llvm::SetVector<Value> &results) const {
  for (Operation *op : sorted(g)) {
    for (Value v : op->getOperands()) {
      Operation *def = v.getDefiningOp();
      if (def && g.ops.contains(def)) {
        continue;
      }
      if (isClonedConstant(v)) {
        continue;
      }
      inputs.insert(v);
    }
    for (Value r : op->getResults()) {
      for (Operation *user : r.getUsers()) {
        if (!g.ops.contains(user)) {
          results.insert(r);
          break;
        }
      }
    }
  }
}

/// Splat constants are copied into the region rather than read from
/// memory: a fused `x * 0.5` needs no 0.5-filled buffer.
bool FusionPlanner::isClonedConstant(Value v) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c) {
    return false;
  }
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  return dense && dense.isSplat();
}

} // namespace sinter
