//===- FormFusions.cpp - Group ops into sinter.fusion regions -------------===//
//
// XLA-style fusion: each group of ops that will run as one kernel is moved
// into a `sinter.fusion` region, whose kind picks the code generation
// strategy (loop, reduction, epilogue, attention).
//
// Groups grow from consumers toward producers. A producer joins its
// consumer's group only when every one of its users is already inside: a
// fused producer is then computed once, never duplicated into several
// kernels, so no expensive op (exp, a matmul) is ever recomputed across
// kernels. The cost model on top of that:
//  - attention is a kernel of its own (flash-style code generation);
//  - a matmul joins a group only as the producer of an elementwise
//    epilogue (bias, activation, residual add), one matmul per group, and
//    never together with a reduction;
//  - reductions must be row reductions (over the innermost dimensions) of
//    one common shape, so the fused kernel walks contiguous rows; a
//    transpose never joins a reduction fusion (its reads would be strided);
//  - a group stops growing at `max-ops` ops.
// Sibling fusion then merges independent loop groups of one iteration
// shape that read a common input, so that input is read once.
//
// Every refused producer -> consumer edge gets a reason, reported in the
// FusionLog and, with `remarks`, as a remark on the consumer.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FusionKinds.h"
#include "compiler/Transforms/FusionLog.h"
#include "compiler/Transforms/Passes.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#define DEBUG_TYPE "sinter-form-fusions"

namespace sinter {
#define GEN_PASS_DEF_FORMFUSIONSPASS
#include "compiler/Transforms/Passes.h.inc"
} // namespace sinter

using namespace mlir;
using namespace sinter;

namespace {

enum class Role { Elementwise, Shape, Reduction, Matmul, Attention, Opaque };

Role roleOf(Operation *op) {
  if (isa<MatmulOp>(op)) {
    return Role::Matmul;
  }
  if (isa<AttentionOp>(op)) {
    return Role::Attention;
  }
  if (isa<ReduceOp, SoftmaxOp, LogSoftmaxOp, LogSumExpOp, LayerNormOp,
          RmsNormOp>(op)) {
    return Role::Reduction;
  }
  if (isa<BroadcastInDimOp, ReshapeOp, TransposeOp>(op)) {
    return Role::Shape;
  }
  if (op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1) {
    return Role::Elementwise;
  }
  return Role::Opaque;
}

bool isComposite(Operation *op) {
  return isa<SoftmaxOp, LogSoftmaxOp, LogSumExpOp, LayerNormOp, RmsNormOp,
             AttentionOp>(op);
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

/// The operand shape and reduced dimensions of a row reduction, or failure
/// when `op` reduces something other than its innermost dimensions.
struct RowShape {
  SmallVector<int64_t> shape;
  int64_t reduced = 0; // how many trailing dimensions are reduced
  bool operator==(const RowShape &o) const {
    return shape == o.shape && reduced == o.reduced;
  }
};

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

struct Group {
  Operation *root = nullptr;
  llvm::SetVector<Operation *> ops;
  FusionKind kind = FusionKind::loop;
  Operation *matmul = nullptr;
  std::optional<RowShape> row;
  bool hasTranspose = false;
};

class FusionPlanner {
public:
  FusionPlanner(func::FuncOp fn, FusionKinds kinds, int64_t maxOps,
                bool remarks, FusionLog *log)
      : fn(fn), kinds(kinds), maxOps(maxOps), remarks(remarks), log(log) {
    int64_t i = 0;
    for (Operation &op : fn.getBody().front()) {
      index[&op] = i++;
    }
  }

  void run() {
    plan();
    if (enabled("sibling")) {
      mergeSiblings();
    }
    record();
    materialize();
  }

private:
  bool enabled(StringRef kind) const { return kinds.contains(kind); }

  std::string nameOf(Operation *op) const {
    auto it = index.find(op);
    return (op->getName().stripDialect() + "#" +
            Twine(it == index.end() ? -1 : it->second))
        .str();
  }

  Group *groupOf(Operation *op) const {
    auto it = owner.find(op);
    return it == owner.end() ? nullptr : it->second;
  }

  /// Why `producer` may not join `g`, or the empty string if it may.
  std::string refusal(Group &g, Operation *producer,
                      bool ignoreOwnership = false) const {
    Role role = roleOf(producer);
    if (role == Role::Opaque) {
      return (producer->getName().stripDialect() +
              " has no fused code generation")
          .str();
    }
    if (g.matmul && llvm::is_contained(producer->getUsers(), g.matmul)) {
      return "a matmul's operands are not fused (the kernel reads them in "
             "packed panels)";
    }
    if (role == Role::Attention) {
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
    if (role == Role::Matmul) {
      if (!enabled("epilogue")) {
        return "epilogue fusion is disabled";
      }
      auto matmul = cast<MatmulOp>(producer);
      if (matmul.getTransposeLhs() || matmul.getTransposeRhs() ||
          cast<RankedTensorType>(matmul.getRhs().getType()).getRank() != 2) {
        return "the matmul kernel takes epilogues only for a shared, "
               "untransposed right-hand side";
      }
      if (g.matmul) {
        return "the fusion already has a matmul";
      }
      if (g.row) {
        return "a matmul does not fuse with a reduction";
      }
      if (g.hasTranspose) {
        return "a matmul epilogue does not fuse a transpose";
      }
      return "";
    }
    if (role == Role::Reduction) {
      if (!enabled("reduction")) {
        return "reduction fusion is disabled";
      }
      if (g.matmul) {
        return "a reduction does not fuse into a matmul epilogue";
      }
      if (g.hasTranspose) {
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
    if (isa<TransposeOp>(producer) && (g.row || g.matmul)) {
      return g.row ? "a transpose in a reduction fusion would make its rows "
                     "strided"
                   : "a matmul epilogue does not fuse a transpose";
    }
    return "";
  }

  void add(Group &g, Operation *op) {
    g.ops.insert(op);
    owner[op] = &g;
    Role role = roleOf(op);
    if (role == Role::Matmul) {
      g.matmul = op;
      g.kind = FusionKind::epilogue;
    } else if (role == Role::Reduction) {
      g.row = *rowShapeOf(op);
      g.kind = FusionKind::reduction;
    } else if (isa<TransposeOp>(op)) {
      g.hasTranspose = true;
    }
  }

  /// Grows groups from each consumer (in reverse program order) toward its
  /// producers until no producer can join.
  void plan() {
    SmallVector<Operation *> ops;
    for (Operation &op : fn.getBody().front()) {
      ops.push_back(&op);
    }
    for (Operation *op : llvm::reverse(ops)) {
      Role role = roleOf(op);
      if (groupOf(op) || role == Role::Opaque) {
        continue;
      }
      groups.push_back(std::make_unique<Group>());
      Group &g = *groups.back();
      g.root = op;
      if (role == Role::Attention) {
        if (enabled("attention")) {
          add(g, op);
          g.kind = FusionKind::attention;
        }
        continue;
      }
      if (role == Role::Matmul) {
        // A matmul starts no group: it joins its epilogue's group, if any.
        continue;
      }
      if (role == Role::Reduction &&
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

  /// The iteration shape of a loop group: its root's result shape.
  static ArrayRef<int64_t> shapeOf(const Group &g) {
    return cast<RankedTensorType>(g.root->getResult(0).getType()).getShape();
  }

  /// True if some op of `b` (transitively) reads a result of `a`.
  bool dependsOn(const Group &b, const Group &a) const {
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
  void mergeSiblings() {
    SmallVector<Group *> loops;
    for (auto &g : groups) {
      if (!g->ops.empty() && g->kind == FusionKind::loop) {
        loops.push_back(g.get());
      }
    }
    for (size_t i = 0; i < loops.size(); ++i) {
      for (size_t j = i + 1; j < loops.size(); ++j) {
        Group &a = *loops[i], &b = *loops[j];
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
        a.hasTranspose |= b.hasTranspose;
        multiOutput.insert(&a);
      }
    }
  }

  /// The merged fusion sits after the later of the two groups' last ops:
  /// a result read outside both before that point would be read before
  /// it is defined.
  bool readBeforeEnd(const Group &a, const Group &b) const {
    int64_t end = 0;
    for (const Group *g : {&a, &b}) {
      for (Operation *op : g->ops) {
        end = std::max(end, index.lookup(op));
      }
    }
    for (const Group *g : {&a, &b}) {
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

  bool sharesLargeInput(const Group &a, const Group &b) const {
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

  /// Fills the log and emits the remarks: fusions, and every
  /// producer -> consumer edge that crosses a kernel boundary.
  void record() {
    std::string function = fn.getSymName().str();
    int64_t kernelsBefore = 0, kernelsAfter = 0, bytesBefore = 0,
            bytesAfter = 0;
    for (Operation &op : fn.getBody().front()) {
      if (roleOf(&op) == Role::Opaque &&
          !isa<GatherOp, SliceOp, ConcatenateOp, IotaOp, RotaryEmbeddingOp>(
              op)) {
        continue;
      }
      if (isa<ReshapeOp>(op)) {
        continue;
      }
      ++kernelsBefore;
      bytesBefore += unfusedBytesOf(&op);
      if (!groupOf(&op)) {
        ++kernelsAfter;
        bytesAfter += unfusedBytesOf(&op);
      }
    }
    for (auto &g : groups) {
      if (g->ops.empty()) {
        continue;
      }
      ++kernelsAfter;
      FusionRecord rec;
      rec.function = function;
      rec.kind = stringifyFusionKind(g->kind).str();
      rec.multiOutput = multiOutput.contains(g.get());
      SmallVector<Operation *> ops = sorted(*g);
      llvm::SetVector<Value> inputs, results;
      collectBoundary(*g, inputs, results);
      for (Operation *op : ops) {
        rec.ops.push_back(nameOf(op));
        rec.unfusedBytes += unfusedBytesOf(op);
      }
      for (Value v : inputs) {
        rec.bytesRead += bytesOf(v.getType());
      }
      for (Value v : results) {
        rec.bytesWritten += bytesOf(v.getType());
      }
      bytesAfter += rec.bytesRead + rec.bytesWritten;
      if (remarks) {
        std::string list;
        llvm::raw_string_ostream os(list);
        llvm::interleaveComma(rec.ops, os);
        g->root->emitRemark() << rec.kind << " fusion"
                              << (rec.multiOutput ? " (multi-output)" : "")
                              << " of " << ops.size() << " ops: " << list;
      }
      if (log) {
        log->fusions.push_back(std::move(rec));
      }
    }
    for (Operation &op : fn.getBody().front()) {
      Group *consumerGroup = groupOf(&op);
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        continue; // results leave the function: not an edge between kernels
      }
      for (Value v : op.getOperands()) {
        Operation *producer = v.getDefiningOp();
        if (!producer || isa<ConstantOp>(producer) ||
            (consumerGroup && groupOf(producer) == consumerGroup)) {
          continue;
        }
        if (roleOf(producer) == Role::Opaque && roleOf(&op) == Role::Opaque) {
          continue;
        }
        std::string reason = whyApart(producer, &op);
        if (remarks) {
          op.emitRemark() << "not fused with producer " << nameOf(producer)
                          << ": " << reason;
        }
        if (log) {
          log->refused.push_back(
              {function, nameOf(producer), nameOf(&op), reason});
        }
      }
    }
    if (log) {
      log->ran = true;
      log->kernelsBefore += kernelsBefore;
      log->kernelsAfter += kernelsAfter;
      log->bytesBefore += bytesBefore;
      log->bytesAfter += bytesAfter;
    }
  }

  std::string whyApart(Operation *producer, Operation *consumer) const {
    Group *g = groupOf(consumer);
    if (!g) {
      Role role = roleOf(consumer);
      if (role == Role::Opaque) {
        return (consumer->getName().stripDialect() +
                " has no fused code generation")
            .str();
      }
      if (role == Role::Matmul) {
        return "a matmul fuses only with an elementwise epilogue";
      }
      if (role == Role::Reduction && failed(rowShapeOf(consumer))) {
        return "not a row reduction (reduces a non-innermost dimension)";
      }
      if (role == Role::Reduction && !enabled("reduction")) {
        return "reduction fusion is disabled";
      }
      for (Operation *user : producer->getUsers()) {
        if (user != consumer) {
          return ("result also read by " + nameOf(user) +
                  " in another kernel (fusing would duplicate it)");
        }
      }
      if (roleOf(producer) == Role::Opaque) {
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
    Group *pg = groupOf(producer);
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

  SmallVector<Operation *> sorted(const Group &g) const {
    SmallVector<Operation *> ops(g.ops.begin(), g.ops.end());
    llvm::sort(ops, [&](Operation *a, Operation *b) {
      return index.lookup(a) < index.lookup(b);
    });
    return ops;
  }

  void collectBoundary(const Group &g, llvm::SetVector<Value> &inputs,
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
  static bool isClonedConstant(Value v) {
    auto c = v.getDefiningOp<ConstantOp>();
    if (!c) {
      return false;
    }
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    return dense && dense.isSplat();
  }

  void materialize() {
    for (auto &g : groups) {
      if (g->ops.empty()) {
        continue;
      }
      SmallVector<Operation *> ops = sorted(*g);
      llvm::SetVector<Value> inputs, results;
      collectBoundary(*g, inputs, results);
      Operation *last = ops.back();
      OpBuilder b(last->getContext());
      b.setInsertionPointAfter(last);
      SmallVector<Type> resultTypes;
      for (Value r : results) {
        resultTypes.push_back(r.getType());
      }
      auto fusion = b.create<FusionOp>(
          g->root->getLoc(), resultTypes, inputs.getArrayRef(),
          FusionKindAttr::get(b.getContext(), g->kind));
      Block *body = b.createBlock(&fusion.getBody());
      IRMapping map;
      for (Value in : inputs) {
        map.map(in, body->addArgument(in.getType(), in.getLoc()));
      }
      OpBuilder inner = OpBuilder::atBlockEnd(body);
      for (Operation *op : ops) {
        for (Value v : op->getOperands()) {
          if (!map.contains(v) && isClonedConstant(v)) {
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

  func::FuncOp fn;
  FusionKinds kinds;
  int64_t maxOps;
  bool remarks;
  FusionLog *log;
  llvm::DenseMap<Operation *, int64_t> index;
  std::vector<std::unique_ptr<Group>> groups;
  llvm::DenseMap<Operation *, Group *> owner;
  llvm::SmallPtrSet<Group *, 4> multiOutput;
};

struct FormFusionsPass : sinter::impl::FormFusionsPassBase<FormFusionsPass> {
  using FormFusionsPassBase::FormFusionsPassBase;
  FormFusionsPass(const FormFusionsPassOptions &options, FusionLog *log)
      : FormFusionsPassBase(options), log(log) {}

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
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isExternal()) {
        continue;
      }
      FusionPlanner(fn, enabledKinds, maxOps, remarks, log).run();
    }
  }

  FusionLog *log = nullptr;
};

} // namespace

std::unique_ptr<Pass>
sinter::createFormFusionsPass(const FormFusionsPassOptions &options,
                              FusionLog *log) {
  return std::make_unique<FormFusionsPass>(options, log);
}
