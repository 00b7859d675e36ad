//===- PrepareBufferization.cpp - Model inputs are read-only -------------===//
//
// A compiled model's inputs belong to the caller and are const in the ABI;
// bufferization must not reuse their buffers for results (each input is read
// through a non-writable `bufferization.to_tensor`). And every result
// must become its own output buffer: a result that is an input, or that is
// returned twice, is copied into a fresh tensor first (upstream's
// buffer-results-to-out-params with hoisted allocations also crashes on a
// returned argument in MLIR 19).
//
// An input that an output overwrites (`sinter.aliases_input`, see
// dialects/sinter/IR/EntryFunction.h) is read through a writable
// `to_tensor`, and that output is returned through
// `materialize_in_destination` into it: one-shot analysis then computes
// the output in the input's buffer where no later read of the old value
// conflicts (empty-tensor elimination points the producer's `outs` there),
// and copies where one does. sinter-drop-in-place-results then removes the
// result, which by then is the input's buffer.
//
// CSE merges every `tensor.empty` of one type into one value, which then
// feeds the `outs` of every op of that type. One-shot analysis decides each
// of those ops' in-place question against every other alias of the shared
// value, which is cubic in its number of users (a chain of 1,000 unfused ops
// took 75 s to bufferize). Sharing is what lets bufferization reuse buffers
// (the output's among them), so it is kept, but in runs of at most
// max-empty-users (64) users in program order, each run with its own
// `tensor.empty`: the analysis is then linear in the number of ops, and
// graphs whose empties have fewer users (every model today: at most 60)
// bufferize exactly as before.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "dialects/sinter/IR/EntryFunction.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallPtrSet.h"

#define DEBUG_TYPE "sinter-prepare-bufferization"

namespace sinter {

#define GEN_PASS_DEF_PREPAREBUFFERIZATIONPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct PrepareBufferizationPass
    : impl::PrepareBufferizationPassBase<PrepareBufferizationPass> {
  using PrepareBufferizationPassBase::PrepareBufferizationPassBase;

  void runOnOperation() override {
    if (maxEmptyUsers == 0) {
      getOperation().emitError(
          "sinter-prepare-bufferization: max-empty-users must be positive");
      return signalPassFailure();
    }
    splitSharedEmptyTensors();
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      if (fn.isPublic() && !fn.isExternal()) {
        if (!SymbolTable::symbolKnownUseEmpty(fn, getOperation())) {
          fn.emitError("a public function is a model's entry point and "
                       "cannot be called by another function");
          return signalPassFailure();
        }
        collectAliasedInputs(fn);
        makeInputsReadOnly(fn);
        makeResultsDistinct(fn);
      }
    }
  }

  /// Which input each result overwrites (-1: none).
  void collectAliasedInputs(func::FuncOp fn) {
    overwritten.assign(fn.getNumArguments(), false);
    resultTarget.assign(fn.getNumResults(), -1);
    for (unsigned r = 0, e = fn.getNumResults(); r < e; ++r) {
      if (std::optional<unsigned> i = aliasedInput(fn, r)) {
        resultTarget[r] = *i;
        overwritten[*i] = true;
      }
    }
  }

  /// Each tensor argument becomes a memref (identity layout, as one-shot
  /// bufferization would make it) read through `bufferization.to_tensor
  /// restrict`, which is not writable: bufferization copies where it would
  /// otherwise write into the input. (`bufferization.writable = false` on
  /// the arguments says the same, but one-shot bufferization removes it one
  /// argument at a time, rebuilding the attribute array of every argument
  /// each time: 4 s and 2 GB at 16,000 arguments.)
  void makeInputsReadOnly(func::FuncOp fn) {
    Block &body = fn.front();
    OpBuilder b = OpBuilder::atBlockBegin(&body);
    SmallVector<Type> argTypes(fn.getArgumentTypes());
    argTensors.assign(fn.getNumArguments(), Value());
    overwrittenTensors.clear();
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type) {
        continue;
      }
      argTypes[i] = MemRefType::get(type.getShape(), type.getElementType());
      arg.setType(argTypes[i]);
      auto input = b.create<bufferization::ToTensorOp>(
          fn.getLoc(), type, arg, /*restrict=*/true,
          /*writable=*/overwritten[i]);
      arg.replaceAllUsesExcept(input, input);
      inputs.insert(input);
      argTensors[i] = input;
      if (overwritten[i]) {
        overwrittenTensors.insert(input);
      }
    }
    fn.setFunctionType(
        FunctionType::get(&getContext(), argTypes, fn.getResultTypes()));
  }

  /// A returned input, or a value returned twice, is copied into a fresh
  /// tensor, so each result becomes its own output buffer; a result that
  /// overwrites an input is materialized in that input's buffer. Every copy
  /// of a value that lives in an overwritten input's buffer (the input, or
  /// a reshape or slice of it) comes before the first materialization, so
  /// each reads the input's old value before any is written.
  void makeResultsDistinct(func::FuncOp fn) {
    fn.walk([&](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder b(ret);
      auto copyOf = [&](Value v) -> Value {
        return b.create<bufferization::AllocTensorOp>(
            ret.getLoc(), cast<RankedTensorType>(v.getType()), ValueRange{},
            /*copy=*/v);
      };
      SmallVector<std::pair<OpOperand *, int64_t>> inPlace;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        if (!isa<RankedTensorType>(v.getType())) {
          continue;
        }
        bool overwrittenBuffer = readsOverwrittenInput(v);
        if (int64_t target = resultTarget[operand.getOperandNumber()];
            target >= 0) {
          // Its own input unchanged needs nothing (the materialization of
          // a buffer into itself is no copy).
          if (overwrittenBuffer && v != argTensors[target]) {
            operand.set(copyOf(v));
          }
          inPlace.push_back({&operand, target});
          continue;
        }
        if (isa<BlockArgument>(v) || inputs.contains(v) || overwrittenBuffer ||
            !seen.insert(v).second) {
          operand.set(copyOf(v));
        }
      }
      for (auto [operand, target] : inPlace) {
        Value v = operand->get();
        unshareDestinations(v);
        operand->set(b.create<bufferization::MaterializeInDestinationOp>(
                          ret.getLoc(), v, argTensors[target])
                         .getResult());
      }
    });
  }

  /// Whether `v` is an overwritten input's tensor or a view of it (a
  /// reshape, a slice, a cast): its buffer is written at the return.
  bool readsOverwrittenInput(Value v) {
    while (Operation *def = v.getDefiningOp()) {
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
              tensor::ExtractSliceOp, tensor::CastOp, tensor::ReshapeOp>(def)) {
        v = def->getOperand(0);
        continue;
      }
      break;
    }
    return overwrittenTensors.contains(v);
  }

  /// Gives the chain of destinations `v` is computed in (the tied `outs` of
  /// destination-style ops: a `linalg.fill`, down to a `tensor.empty`) a
  /// copy of each of those shared with another user. Empty-tensor elimination (MLIR 19)
  /// replaces *every* use of the empty it finds under an in-place result
  /// with the overwritten input, which would point unrelated ops of the
  /// same type at that input's buffer too.
  void unshareDestinations(Value v) {
    while (auto result = dyn_cast<OpResult>(v)) {
      auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
      if (!dps) {
        return;
      }
      OpOperand *init = dps.getTiedOpOperand(result);
      Value dest = init->get();
      Operation *def = dest.getDefiningOp();
      // Only what is cheap to repeat: a computed destination is left shared
      // (the analysis then copies instead of computing in place).
      if (!def || !isa<tensor::EmptyOp, linalg::FillOp>(def)) {
        return;
      }
      if (!dest.hasOneUse()) {
        OpBuilder b(dps);
        Operation *copy = b.clone(*def);
        init->set(copy->getResult(0));
        dest = copy->getResult(0);
      }
      v = dest;
    }
  }

  /// Splits the users of each `tensor.empty` into runs of at most
  /// maxEmptyUsers in program order; every run after the first gets
  /// a copy of the empty, placed just before its first user (its ancestor in
  /// the empty's block).
  void splitSharedEmptyTensors() {
    SmallVector<tensor::EmptyOp> shared;
    getOperation().walk([&](tensor::EmptyOp op) {
      if (!llvm::hasNItemsOrLess(op->getUses(), maxEmptyUsers)) {
        shared.push_back(op);
      }
    });
    for (tensor::EmptyOp op : shared) {
      Block *block = op->getBlock();
      SmallVector<std::pair<Operation *, OpOperand *>> uses;
      for (OpOperand &use : op->getUses()) {
        uses.push_back({block->findAncestorOpInBlock(*use.getOwner()), &use});
      }
      // The use list is in no particular order; runs follow the program.
      llvm::stable_sort(uses, [](const auto &x, const auto &y) {
        return x.first != y.first && x.first->isBeforeInBlock(y.first);
      });
      Value run;
      for (size_t i = maxEmptyUsers; i < uses.size(); ++i) {
        auto [anchor, use] = uses[i];
        if (i % maxEmptyUsers == 0) {
          OpBuilder b(anchor);
          run = b.clone(*op)->getResult(0);
        }
        use->set(run);
      }
    }
  }

  /// The tensors read from the public functions' inputs.
  llvm::DenseSet<Value> inputs;
  /// The function being prepared: each argument's tensor, whether an output
  /// overwrites it, and the argument each result overwrites (-1: none).
  SmallVector<Value> argTensors;
  SmallVector<bool> overwritten;
  SmallVector<int64_t> resultTarget;
  llvm::DenseSet<Value> overwrittenTensors;
};

} // namespace
} // namespace sinter
