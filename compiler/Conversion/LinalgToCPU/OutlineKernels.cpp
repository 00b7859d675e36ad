//===- OutlineKernels.cpp - Loop nests to kernels and thread-pool tasks --===//
//
// Each top-level loop nest of a public function becomes a private kernel
// function taking its buffers as arguments. Two things follow from that:
// the buffers of a kernel are distinct values whose overlap we can decide
// here (so they are marked noalias, and LLVM keeps accumulators in
// registers and vectorizes without runtime checks), and a large parallel
// nest can be handed to the runtime's thread pool as a range of tasks.
//
// A task trampoline `(ctx, begin, end)` has the ABI's sinter_abi_task_fn
// signature; it rebuilds the kernel's memrefs from base pointers the caller
// stored in a context array (all shapes and strides are static) and calls
// the kernel on its sub-range. The caller calls the environment's
// parallel_for, or the kernel directly when there is no environment.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#define DEBUG_TYPE "sinter-cpu-outline-kernels"

namespace sinter {

#define GEN_PASS_DEF_CPUOUTLINEKERNELSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

/// Where a buffer's memory comes from, for deciding whether two kernel
/// arguments may overlap.
struct BufferRoot {
  Operation *object = nullptr; // a function, a global op or an alloc
  Value arg;                   // the function argument, if any
  std::string global;
  int64_t lo = 0, hi = INT64_MAX; // byte range within the object
};

int64_t byteSizeOf(MemRefType type) {
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * std::max<int64_t>(1, (bits + 7) / 8);
}

BufferRoot rootOf(Value v) {
  BufferRoot r;
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      r.arg = arg;
      return r;
    }
    Operation *def = v.getDefiningOp();
    if (auto view = dyn_cast<memref::ViewOp>(def)) {
      // A planned workspace buffer: a constant byte range of the arena.
      APInt shift;
      if (r.hi == INT64_MAX &&
          matchPattern(view.getByteShift(), m_ConstantInt(&shift))) {
        r.lo = shift.getSExtValue();
        r.hi = r.lo + byteSizeOf(view.getType());
      }
      v = view.getSource();
      continue;
    }
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      r.global = get.getName().str();
      return r;
    }
    if (auto viewLike = dyn_cast<ViewLikeOpInterface>(def)) {
      r.lo = 0;
      r.hi = INT64_MAX; // a sub-view: assume it may touch all of its source
      v = viewLike.getViewSource();
      continue;
    }
    if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def)) {
      r.lo = 0;
      r.hi = INT64_MAX;
      v = def->getOperand(0);
      continue;
    }
    r.object = def;
    return r;
  }
}

bool mayOverlap(const BufferRoot &x, const BufferRoot &y) {
  bool same = (x.arg && x.arg == y.arg) ||
              (!x.global.empty() && x.global == y.global) ||
              (x.object && x.object == y.object);
  if (!same) {
    return false;
  }
  return x.lo < y.hi && y.lo < x.hi;
}

std::optional<int64_t> constantIndex(Value v) {
  APInt c;
  if (matchPattern(v, m_ConstantInt(&c))) {
    return c.getSExtValue();
  }
  return std::nullopt;
}

std::optional<int64_t> tripCount(Value lb, Value ub, Value step) {
  auto l = constantIndex(lb), u = constantIndex(ub), s = constantIndex(step);
  if (!l || !u || !s || *s <= 0) {
    return std::nullopt;
  }
  return *u <= *l ? 0 : llvm::divideCeil(*u - *l, *s);
}

/// Innermost iterations of a nest, roughly: loops with unknown bounds count
/// as 16 iterations.
int64_t workOf(Operation *op) {
  int64_t inner = 0;
  for (Region &region : op->getRegions()) {
    for (Operation &nested : region.getOps()) {
      if (nested.getNumRegions() > 0) {
        inner += workOf(&nested);
      }
    }
  }
  inner = std::max<int64_t>(inner, 1);
  int64_t trips = 1;
  if (auto f = dyn_cast<scf::ForOp>(op)) {
    trips = tripCount(f.getLowerBound(), f.getUpperBound(), f.getStep())
                .value_or(16);
  } else if (auto p = dyn_cast<scf::ParallelOp>(op)) {
    for (auto [l, u, s] :
         llvm::zip(p.getLowerBound(), p.getUpperBound(), p.getStep())) {
      trips *= tripCount(l, u, s).value_or(16);
    }
  }
  return std::min<int64_t>(trips * inner, int64_t(1) << 50);
}

LLVM::LLVMStructType descriptorType(MLIRContext *ctx, int64_t rank) {
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> fields = {ptr, ptr, i64};
  if (rank > 0) {
    auto arr = LLVM::LLVMArrayType::get(i64, rank);
    fields.push_back(arr);
    fields.push_back(arr);
  }
  return LLVM::LLVMStructType::getLiteral(ctx, fields);
}

struct CPUOutlineKernelsPass
    : impl::CPUOutlineKernelsPassBase<CPUOutlineKernelsPass> {
  using CPUOutlineKernelsPassBase::CPUOutlineKernelsPassBase;

  /// How a parallel nest is split into tasks: `count` tasks over the
  /// flattened outer dimensions times `chunks` pieces of the last one.
  struct Split {
    SmallVector<int64_t> trips; // per dimension
    int64_t outerCount = 1;
    int64_t chunks = 1;
    int64_t chunkSize = 0; // iterations of the last dimension per chunk
    /// Every dimension is split (the body holds loops of its own, so one
    /// iteration is already a sizeable task, e.g. a matmul row block).
    bool splitAll = false;
    int64_t count() const { return outerCount * chunks; }
  };

  std::optional<Split> planSplit(scf::ParallelOp par) {
    Split s;
    for (auto [l, u, st] :
         llvm::zip(par.getLowerBound(), par.getUpperBound(), par.getStep())) {
      auto t = tripCount(l, u, st);
      if (!t) {
        return std::nullopt;
      }
      s.trips.push_back(*t);
    }
    bool bodyHasLoops = false;
    for (Operation &op : par.getBody()->without_terminator()) {
      bodyHasLoops |= op.getNumRegions() > 0;
    }
    if (bodyHasLoops) {
      s.splitAll = true;
      for (int64_t t : s.trips) {
        s.outerCount *= t;
      }
      return s.count() < 2 ? std::nullopt : std::optional<Split>(s);
    }
    for (size_t i = 0; i + 1 < s.trips.size(); ++i) {
      s.outerCount *= s.trips[i];
    }
    int64_t last = s.trips.back();
    s.chunkSize = last;
    if (s.outerCount < 8 && last >= 2048) {
      // Few outer iterations: cut the last dimension into chunks as well.
      s.chunks = std::min<int64_t>(64, last / 1024);
      s.chunkSize = llvm::divideCeil(last, s.chunks);
      s.chunks = llvm::divideCeil(last, s.chunkSize);
    }
    if (s.count() < 2) {
      return std::nullopt;
    }
    return s;
  }

  /// Builds the kernel body for tasks [begin, end) of a split parallel nest.
  void emitSplitBody(OpBuilder &b, Location loc, scf::ParallelOp par,
                     const Split &s, Value begin, Value end,
                     IRMapping &mapping) {
    auto c = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(loc, v).getResult();
    };
    auto loop = b.create<scf::ForOp>(loc, begin, end, c(1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value outer =
        s.chunks > 1 ? b.create<arith::DivUIOp>(loc, t, c(s.chunks)).getResult()
                     : t;
    size_t n = s.trips.size();
    auto lbs = par.getLowerBound(), steps = par.getStep();
    // Delinearize the outer index, last outer dimension fastest.
    Value rest = outer;
    int64_t lastOuter = s.splitAll ? int64_t(n) - 1 : int64_t(n) - 2;
    for (int64_t d = lastOuter; d >= 0; --d) {
      Value i =
          d == 0
              ? rest
              : b.create<arith::RemUIOp>(loc, rest, c(s.trips[d])).getResult();
      if (d > 0) {
        rest = b.create<arith::DivUIOp>(loc, rest, c(s.trips[d]));
      }
      Value iv = b.create<arith::AddIOp>(
          loc, mapping.lookupOrDefault(lbs[d]),
          b.create<arith::MulIOp>(loc, i, mapping.lookupOrDefault(steps[d])));
      mapping.map(par.getInductionVars()[d], iv);
    }
    if (s.splitAll) {
      for (Operation &op : par.getBody()->without_terminator()) {
        b.clone(op, mapping);
      }
      return;
    }
    // The last dimension, whole or this task's chunk of it.
    Value lb = mapping.lookupOrDefault(lbs[n - 1]);
    Value st = mapping.lookupOrDefault(steps[n - 1]);
    Value ub = mapping.lookupOrDefault(par.getUpperBound()[n - 1]);
    Value from = lb, to = ub;
    if (s.chunks > 1) {
      Value chunk = b.create<arith::RemUIOp>(loc, t, c(s.chunks));
      Value span = b.create<arith::MulIOp>(loc, st, c(s.chunkSize));
      from = b.create<arith::AddIOp>(loc, lb,
                                     b.create<arith::MulIOp>(loc, chunk, span));
      to = b.create<arith::MinUIOp>(loc, ub,
                                    b.create<arith::AddIOp>(loc, from, span));
    }
    auto inner = b.create<scf::ForOp>(loc, from, to, st);
    b.setInsertionPointToStart(inner.getBody());
    mapping.map(par.getInductionVars()[n - 1], inner.getInductionVar());
    for (Operation &op : par.getBody()->without_terminator()) {
      b.clone(op, mapping);
    }
  }

  LogicalResult outline(func::FuncOp fn, Operation *nest, int index,
                        Value env) {
    MLIRContext *ctx = fn.getContext();
    Location loc = nest->getLoc();
    // Everything the nest reads from outside: buffers become arguments,
    // constants are cloned in; anything else keeps the nest inline.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(nest->getRegions(), above);
    for (Value v : nest->getOperands()) {
      above.insert(v);
    }
    SmallVector<Value> buffers;
    SmallVector<Operation *> constants;
    for (Value v : above) {
      if (isa<MemRefType>(v.getType())) {
        buffers.push_back(v);
      } else if (Operation *def = v.getDefiningOp();
                 def && def->hasTrait<OpTrait::ConstantLike>()) {
        constants.push_back(def);
      } else {
        return success(); // not outlinable; stays inline and serial
      }
    }
    bool noAlias = true;
    SmallVector<BufferRoot> roots;
    for (Value v : buffers) {
      roots.push_back(rootOf(v));
    }
    for (size_t i = 0; i < roots.size() && noAlias; ++i) {
      for (size_t j = i + 1; j < roots.size(); ++j) {
        if (mayOverlap(roots[i], roots[j])) {
          noAlias = false;
          break;
        }
      }
    }

    auto par = dyn_cast<scf::ParallelOp>(nest);
    std::optional<Split> split;
    if (par && par.getNumResults() == 0 && workOf(nest) >= minParallelWork) {
      split = planSplit(par);
      for (Value v : buffers) {
        SmallVector<int64_t> strides;
        int64_t offset;
        if (failed(getStridesAndOffset(cast<MemRefType>(v.getType()), strides,
                                       offset)) ||
            ShapedType::isDynamic(offset) ||
            llvm::any_of(strides, ShapedType::isDynamic) ||
            !cast<MemRefType>(v.getType()).hasStaticShape()) {
          split.reset(); // the task cannot rebuild this memref
        }
      }
    }

    // The kernel: @<fn>_kernel<i>(%begin, %end, buffers...).
    OpBuilder mb(fn);
    mb.setInsertionPointAfter(fn);
    auto indexType = mb.getIndexType();
    SmallVector<Type> argTypes = {indexType, indexType};
    for (Value v : buffers) {
      argTypes.push_back(v.getType());
    }
    std::string name = (fn.getName() + "_kernel" + Twine(index)).str();
    auto kernel = mb.create<func::FuncOp>(loc, name,
                                          FunctionType::get(ctx, argTypes, {}));
    kernel.setPrivate();
    kernel->setAttr(kKernelAttr, UnitAttr::get(ctx));
    if (noAlias) {
      kernel->setAttr("sinter.noalias", UnitAttr::get(ctx));
    }
    Block *entry = kernel.addEntryBlock();
    OpBuilder kb = OpBuilder::atBlockBegin(entry);
    IRMapping mapping;
    for (Operation *c : constants) {
      kb.clone(*c, mapping);
    }
    for (auto [i, v] : llvm::enumerate(buffers)) {
      mapping.map(v, entry->getArgument(i + 2));
    }
    if (split) {
      emitSplitBody(kb, loc, par, *split, entry->getArgument(0),
                    entry->getArgument(1), mapping);
    } else {
      kb.clone(*nest, mapping);
    }
    kb.create<func::ReturnOp>(loc);

    // The call site.
    OpBuilder b(nest);
    auto c = [&](int64_t v) {
      return b.create<arith::ConstantIndexOp>(loc, v).getResult();
    };
    auto callKernel = [&](OpBuilder &cb, Value from, Value to) {
      SmallVector<Value> args = {from, to};
      args.append(buffers.begin(), buffers.end());
      cb.create<func::CallOp>(loc, kernel, args);
    };
    if (!split) {
      callKernel(b, c(0), c(1));
      nest->erase();
      return success();
    }
    func::FuncOp task = buildTask(mb, kernel, buffers);

    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = b.getI64Type();
    Value slots = b.create<LLVM::ConstantOp>(
        loc, i64, b.getI64IntegerAttr(std::max<int64_t>(1, buffers.size())));
    Value array = b.create<LLVM::AllocaOp>(loc, ptrType, ptrType, slots);
    for (auto [i, v] : llvm::enumerate(buffers)) {
      // The address of element 0, read from the memref descriptor itself:
      // memref.extract_aligned_pointer_as_index is rewritten to the base of
      // a view chain by expand-strided-metadata, which loses memref.view's
      // byte shift.
      auto type = cast<MemRefType>(v.getType());
      Value desc = b.create<UnrealizedConversionCastOp>(
                        loc, descriptorType(ctx, type.getRank()), v)
                       .getResult(0);
      Value aligned =
          b.create<LLVM::ExtractValueOp>(loc, desc, ArrayRef<int64_t>{1});
      Value offset =
          b.create<LLVM::ExtractValueOp>(loc, desc, ArrayRef<int64_t>{2});
      Value p = b.create<LLVM::GEPOp>(loc, ptrType, type.getElementType(),
                                      aligned, ValueRange{offset});
      Value slot = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, array,
                                         ArrayRef<LLVM::GEPArg>{int32_t(i)});
      b.create<LLVM::StoreOp>(loc, p, slot);
    }
    Value null = b.create<LLVM::ZeroOp>(loc, ptrType);
    Value noEnv =
        b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, env, null);
    auto loadFn = b.create<scf::IfOp>(loc, TypeRange{ptrType}, noEnv,
                                      /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPointToStart(&loadFn.getThenRegion().front());
      b.create<scf::YieldOp>(loc, ValueRange{null});
      b.setInsertionPointToStart(&loadFn.getElseRegion().front());
      Value slot = b.create<LLVM::GEPOp>(loc, ptrType, ptrType, env,
                                         ArrayRef<LLVM::GEPArg>{1});
      Value fnPtr = b.create<LLVM::LoadOp>(loc, ptrType, slot);
      b.create<scf::YieldOp>(loc, fnPtr);
    }
    Value parallelFor = loadFn.getResult(0);
    Value serial =
        b.create<LLVM::ICmpOp>(loc, LLVM::ICmpPredicate::eq, parallelFor, null);
    int64_t count = split->count();
    b.create<scf::IfOp>(
        loc, serial,
        [&](OpBuilder &tb, Location l) {
          callKernel(tb, tb.create<arith::ConstantIndexOp>(l, 0),
                     tb.create<arith::ConstantIndexOp>(l, count));
          tb.create<scf::YieldOp>(l);
        },
        [&](OpBuilder &eb, Location l) {
          Value pool = eb.create<LLVM::LoadOp>(l, ptrType, env);
          Value fnRef = eb.create<func::ConstantOp>(l, task.getFunctionType(),
                                                    task.getSymName());
          Value taskPtr =
              eb.create<UnrealizedConversionCastOp>(l, ptrType, fnRef)
                  .getResult(0);
          Value n =
              eb.create<LLVM::ConstantOp>(l, i64, eb.getI64IntegerAttr(count));
          auto fnType = LLVM::LLVMFunctionType::get(
              LLVM::LLVMVoidType::get(ctx), {ptrType, ptrType, ptrType, i64});
          eb.create<LLVM::CallOp>(
              l, fnType, ValueRange{parallelFor, pool, taskPtr, array, n});
          eb.create<scf::YieldOp>(l);
        });
    nest->erase();
    return success();
  }

  /// @<kernel>_task(%ctx: !llvm.ptr, %begin: i64, %end: i64).
  func::FuncOp buildTask(OpBuilder &mb, func::FuncOp kernel,
                         ArrayRef<Value> buffers) {
    MLIRContext *ctx = kernel.getContext();
    Location loc = kernel.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto task = mb.create<func::FuncOp>(
        loc, (kernel.getName() + "_task").str(),
        FunctionType::get(ctx, {ptrType, i64, i64}, {}));
    task.setPrivate();
    Block *entry = task.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    auto c64 = [&](int64_t v) {
      return b.create<LLVM::ConstantOp>(loc, i64, b.getI64IntegerAttr(v))
          .getResult();
    };
    SmallVector<Value> args = {
        b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                     entry->getArgument(1)),
        b.create<arith::IndexCastOp>(loc, b.getIndexType(),
                                     entry->getArgument(2))};
    for (auto [i, v] : llvm::enumerate(buffers)) {
      auto type = cast<MemRefType>(v.getType());
      Value slot =
          b.create<LLVM::GEPOp>(loc, ptrType, ptrType, entry->getArgument(0),
                                ArrayRef<LLVM::GEPArg>{int32_t(i)});
      Value p = b.create<LLVM::LoadOp>(loc, ptrType, slot);
      SmallVector<int64_t> strides;
      int64_t offset;
      (void)getStridesAndOffset(type, strides, offset);
      auto descType = descriptorType(ctx, type.getRank());
      // `p` addresses element 0; the layout's static offset is added back on
      // every access, so the aligned pointer sits that many elements before.
      Value base = b.create<LLVM::GEPOp>(loc, ptrType, type.getElementType(), p,
                                         ValueRange{c64(-offset)});
      Value d = b.create<LLVM::UndefOp>(loc, descType);
      d = b.create<LLVM::InsertValueOp>(loc, d, base, ArrayRef<int64_t>{0});
      d = b.create<LLVM::InsertValueOp>(loc, d, base, ArrayRef<int64_t>{1});
      d = b.create<LLVM::InsertValueOp>(loc, d, c64(offset),
                                        ArrayRef<int64_t>{2});
      for (int64_t r = 0; r < type.getRank(); ++r) {
        d = b.create<LLVM::InsertValueOp>(loc, d, c64(type.getDimSize(r)),
                                          ArrayRef<int64_t>{3, r});
        d = b.create<LLVM::InsertValueOp>(loc, d, c64(strides[r]),
                                          ArrayRef<int64_t>{4, r});
      }
      args.push_back(
          b.create<UnrealizedConversionCastOp>(loc, type, d).getResult(0));
    }
    b.create<func::CallOp>(loc, kernel, args);
    b.create<func::ReturnOp>(loc);
    return task;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> publics;
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (fn.isPublic() && !fn.isExternal()) {
        publics.push_back(fn);
      }
    }
    for (func::FuncOp fn : publics) {
      MLIRContext *ctx = fn.getContext();
      unsigned envIndex = fn.getNumArguments();
      fn.insertArgument(envIndex, LLVM::LLVMPointerType::get(ctx), {},
                        fn.getLoc());
      fn->setAttr(kTakesEnvironmentAttr, UnitAttr::get(ctx));
      Value env = fn.getArgument(envIndex);
      SmallVector<Operation *> nests;
      for (Operation &op : fn.getBody().front()) {
        // A loop whose results the function reads on (a flash-attention
        // tile product once its one-iteration tile loops fold away, at
        // S = 1) stays where it is: a kernel returns nothing.
        if (isa<scf::ForOp, scf::ParallelOp>(op) && op.use_empty()) {
          nests.push_back(&op);
        }
      }
      int index = 0;
      for (Operation *nest : nests) {
        if (failed(outline(fn, nest, index++, env))) {
          return signalPassFailure();
        }
      }
    }
    // Per-iteration buffers (sinter-cpu-promote-loop-buffers) move to the
    // entry of the function running their loop: allocated once per call,
    // and a kernel call is one thread's range of iterations.
    module.walk([](memref::AllocaOp alloca) {
      if (!alloca->hasAttr(kLoopBufferAttr)) {
        return;
      }
      auto fn = alloca->getParentOfType<func::FuncOp>();
      alloca->moveBefore(&fn.getBody().front().front());
    });
  }
};

} // namespace
} // namespace sinter
