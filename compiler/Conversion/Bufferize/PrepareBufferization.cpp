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
        makeInputsReadOnly(fn);
        makeResultsDistinct(fn);
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
    for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!type) {
        continue;
      }
      argTypes[i] = MemRefType::get(type.getShape(), type.getElementType());
      arg.setType(argTypes[i]);
      auto input = b.create<bufferization::ToTensorOp>(
          fn.getLoc(), type, arg, /*restrict=*/true, /*writable=*/false);
      arg.replaceAllUsesExcept(input, input);
      inputs.insert(input);
    }
    fn.setFunctionType(
        FunctionType::get(&getContext(), argTypes, fn.getResultTypes()));
  }

  /// A returned input, or a value returned twice, is copied into a fresh
  /// tensor, so each result becomes its own output buffer.
  void makeResultsDistinct(func::FuncOp fn) {
    fn.walk([&](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 8> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        if (!type) {
          continue;
        }
        if (isa<BlockArgument>(v) || inputs.contains(v) ||
            !seen.insert(v).second) {
          Value copy = b.create<bufferization::AllocTensorOp>(
              ret.getLoc(), type, ValueRange{}, /*copy=*/v);
          operand.set(copy);
        }
      }
    });
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
};

} // namespace
} // namespace sinter
