//===- GPUEmulator.cpp - Sinter's GPU kernels, run on this CPU -----------===//

#include "test/e2e/GPUEmulator.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "compiler/Target/Common/CompileFront.h"
#include "compiler/Target/GPU/GPUCompiler.h"
#include "sinter/abi.h"

#include "absl/strings/str_cat.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>
#include <ucontext.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

//===----------------------------------------------------------------------===//
// The thread model: fibers, barriers, shuffles
//===----------------------------------------------------------------------===//

namespace {

enum class Wait { None, Barrier, Shuffle, Done };

struct Fiber {
  ucontext_t context;
  std::unique_ptr<char[]> stack;
  Wait wait = Wait::None;
  uint32_t value = 0, result = 0;
  int32_t offset = 0;
};

using KernelFn = void (*)(void **args);

/// One launch at a time; the kernels' calls find it through `active`.
struct Emulator {
  static constexpr size_t kStackBytes = 256 * 1024;
  static constexpr int kWarp = 32;
  static Emulator *active;

  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  size_t current = 0;
  uint32_t block[3] = {0, 0, 0}, grid[3] = {1, 1, 1}, dims[3] = {1, 1, 1};
  KernelFn kernel = nullptr;
  void **args = nullptr;

  static void fiberMain() {
    Emulator &e = *active;
    e.kernel(e.args);
    e.fibers[e.current].wait = Wait::Done;
  }

  /// Runs block `block` to completion; "" or what went wrong.
  std::string runBlock() {
    size_t n = size_t(dims[0]) * dims[1] * dims[2];
    if (fibers.size() < n) {
      fibers.resize(n);
    }
    for (size_t t = 0; t < n; ++t) {
      Fiber &f = fibers[t];
      if (!f.stack) {
        f.stack.reset(new char[kStackBytes]);
      }
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = f.stack.get();
      f.context.uc_stack.ss_size = kStackBytes;
      f.context.uc_link = &scheduler;
      makecontext(&f.context, &Emulator::fiberMain, 0);
      f.wait = Wait::None;
    }
    while (true) {
      for (size_t t = 0; t < n; ++t) {
        if (fibers[t].wait == Wait::None) {
          current = t;
          swapcontext(&scheduler, &fibers[t].context);
        }
      }
      size_t done = 0, barrier = 0, shuffle = 0;
      for (size_t t = 0; t < n; ++t) {
        done += fibers[t].wait == Wait::Done;
        barrier += fibers[t].wait == Wait::Barrier;
        shuffle += fibers[t].wait == Wait::Shuffle;
      }
      if (done == n) {
        return "";
      }
      if (barrier && shuffle) {
        return absl::StrCat(barrier, " threads wait at a barrier while ",
                            shuffle, " wait at a shuffle");
      }
      if (shuffle) {
        for (size_t t = 0; t < n; ++t) {
          Fiber &f = fibers[t];
          if (f.wait != Wait::Shuffle) {
            continue;
          }
          size_t partner = (t / kWarp) * kWarp + ((t % kWarp) ^ f.offset);
          if (partner >= n || fibers[partner].wait != Wait::Shuffle) {
            return absl::StrCat("thread ", t, " shuffles with thread ", partner,
                                ", which is not at the shuffle");
          }
          f.result = fibers[partner].value;
        }
      }
      for (size_t t = 0; t < n; ++t) {
        if (fibers[t].wait != Wait::Done) {
          fibers[t].wait = Wait::None;
        }
      }
    }
  }

  void yield(Wait why) {
    Fiber &f = fibers[current];
    f.wait = why;
    swapcontext(&f.context, &scheduler);
  }
};

Emulator *Emulator::active = nullptr;

} // namespace

// What the emulated kernels call (exported: the kernels' shared object
// resolves them in the test binary, linked with ENABLE_EXPORTS).
extern "C" __attribute__((visibility("default"))) int64_t
sinter_emu_id(int32_t kind, int32_t dim) {
  Emulator &e = *Emulator::active;
  size_t t = e.current;
  uint32_t thread[3] = {uint32_t(t % e.dims[0]),
                        uint32_t(t / e.dims[0] % e.dims[1]),
                        uint32_t(t / (size_t(e.dims[0]) * e.dims[1]))};
  switch (kind) {
  case 0:
    return thread[dim];
  case 1:
    return e.block[dim];
  case 2:
    return e.dims[dim];
  default:
    return e.grid[dim];
  }
}

extern "C" __attribute__((visibility("default"))) void sinter_emu_barrier() {
  Emulator::active->yield(Wait::Barrier);
}

extern "C" __attribute__((visibility("default"))) int32_t
sinter_emu_shuffle_xor(int32_t value, int32_t offset, int32_t width) {
  Emulator &e = *Emulator::active;
  Fiber &f = e.fibers[e.current];
  f.value = uint32_t(value);
  f.offset = offset;
  (void)width; // every shuffle Sinter emits spans the warp
  e.yield(Wait::Shuffle);
  return int32_t(f.result);
}

//===----------------------------------------------------------------------===//
// The kernels, compiled for this CPU
//===----------------------------------------------------------------------===//

namespace sinter::e2e {
namespace {

MemRefType withoutMemorySpace(MemRefType t) {
  return MemRefType::Builder(t).setMemorySpace(nullptr);
}

/// gpu.func kernels -> func.func calling the emulator; returns each
/// kernel's argument types (for the wrappers).
FailureOr<std::map<std::string, SmallVector<MemRefType>>>
convertKernels(::mlir::gpu::GPUModuleOp kernels, ModuleOp out) {
  MLIRContext *ctx = out.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(out.getBody());
  Location loc = kernels.getLoc();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto declare = [&](StringRef name, TypeRange in, TypeRange res) {
    auto fn = b.create<func::FuncOp>(loc, name, b.getFunctionType(in, res));
    fn.setPrivate();
  };
  declare("sinter_emu_id", {i32, i32}, {i64});
  declare("sinter_emu_barrier", {}, {});
  declare("sinter_emu_shuffle_xor", {i32, i32, i32}, {i32});

  std::map<std::string, SmallVector<MemRefType>> signatures;
  for (auto kernel :
       llvm::to_vector(kernels.getOps<::mlir::gpu::GPUFuncOp>())) {
    if (kernel.getNumPrivateAttributions() != 0) {
      return kernel.emitError("private attributions are not emulated");
    }
    FunctionType type = kernel.getFunctionType();
    SmallVector<MemRefType> args;
    for (Type t : type.getInputs()) {
      auto m = dyn_cast<MemRefType>(t);
      if (!m || !m.hasStaticShape() || !m.getLayout().isIdentity()) {
        return kernel.emitError("kernel arguments must be identity memrefs");
      }
      args.push_back(m);
    }
    signatures[kernel.getName().str()] = args;
    b.setInsertionPointToEnd(out.getBody());
    auto fn = b.create<func::FuncOp>(kernel.getLoc(), kernel.getName(), type);
    fn.getBody().takeBody(kernel.getBody());
    Block &entry = fn.getBody().front();

    // Shared memory: a global per buffer (blocks run one at a time).
    OpBuilder eb = OpBuilder::atBlockBegin(&entry);
    unsigned first = type.getNumInputs();
    for (unsigned i = first; i < entry.getNumArguments(); ++i) {
      BlockArgument arg = entry.getArgument(i);
      MemRefType t = withoutMemorySpace(cast<MemRefType>(arg.getType()));
      std::string name =
          (kernel.getName() + "_shared" + Twine(i - first)).str();
      OpBuilder gb = OpBuilder::atBlockBegin(out.getBody());
      gb.create<memref::GlobalOp>(loc, name, gb.getStringAttr("private"), t,
                                  gb.getUnitAttr(), /*constant=*/false,
                                  gb.getI64IntegerAttr(64));
      arg.replaceAllUsesWith(eb.create<memref::GetGlobalOp>(loc, t, name));
    }
    entry.eraseArguments(first, entry.getNumArguments() - first);

    SmallVector<Operation *> ops;
    fn.walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : ops) {
      for (Value r : op->getResults()) {
        if (auto m = dyn_cast<MemRefType>(r.getType())) {
          r.setType(withoutMemorySpace(m));
        }
      }
      OpBuilder ob(op);
      auto id = [&](int32_t kind, ::mlir::gpu::Dimension dim) {
        Value k = ob.create<arith::ConstantIntOp>(loc, kind, 32);
        Value d = ob.create<arith::ConstantIntOp>(loc, int64_t(dim), 32);
        Value v = ob.create<func::CallOp>(loc, "sinter_emu_id", TypeRange{i64},
                                          ValueRange{k, d})
                      .getResult(0);
        op->getResult(0).replaceAllUsesWith(
            ob.create<arith::IndexCastOp>(loc, ob.getIndexType(), v));
        op->erase();
      };
      if (auto t = dyn_cast<::mlir::gpu::ThreadIdOp>(op)) {
        id(0, t.getDimension());
      } else if (auto bl = dyn_cast<::mlir::gpu::BlockIdOp>(op)) {
        id(1, bl.getDimension());
      } else if (auto bd = dyn_cast<::mlir::gpu::BlockDimOp>(op)) {
        id(2, bd.getDimension());
      } else if (auto gd = dyn_cast<::mlir::gpu::GridDimOp>(op)) {
        id(3, gd.getDimension());
      } else if (isa<::mlir::gpu::BarrierOp>(op)) {
        ob.create<func::CallOp>(loc, "sinter_emu_barrier", TypeRange{},
                                ValueRange{});
        op->erase();
      } else if (auto sh = dyn_cast<::mlir::gpu::ShuffleOp>(op)) {
        if (sh.getMode() != ::mlir::gpu::ShuffleMode::XOR) {
          return sh.emitError("only xor shuffles are emulated");
        }
        Value v = sh.getValue();
        if (v.getType().isF32()) {
          v = ob.create<arith::BitcastOp>(loc, i32, v);
        }
        Value r = ob.create<func::CallOp>(
                        loc, "sinter_emu_shuffle_xor", TypeRange{i32},
                        ValueRange{v, sh.getOffset(), sh.getWidth()})
                      .getResult(0);
        if (sh.getValue().getType().isF32()) {
          r = ob.create<arith::BitcastOp>(loc, ob.getF32Type(), r);
        }
        sh.getShuffleResult().replaceAllUsesWith(r);
        sh.getValid().replaceAllUsesWith(
            ob.create<arith::ConstantIntOp>(loc, 1, 1));
        op->erase();
      } else if (isa<::mlir::gpu::ReturnOp>(op)) {
        ob.create<func::ReturnOp>(loc);
        op->erase();
      } else if (op->getDialect() &&
                 op->getDialect()->getNamespace() == "gpu") {
        return op->emitError("no emulation for this gpu op");
      }
    }
    (void)ctx;
  }
  return signatures;
}

/// A temporary directory removed on destruction.
struct TempDir {
  llvm::SmallString<128> path;
  TempDir() {
    (void)llvm::sys::fs::createUniqueDirectory("sinter-gpu-emu", path);
  }
  ~TempDir() { (void)llvm::sys::fs::remove_directories(path); }
};

/// 64-byte aligned, zeroed host memory.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes)
      : data(static_cast<uint8_t *>(std::aligned_alloc(
            64, std::max<size_t>(64, (bytes + 63) / 64 * 64)))) {
    std::memset(data, 0, std::max<size_t>(64, (bytes + 63) / 64 * 64));
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  uint8_t *data;
};

} // namespace

std::string emulateGPU(mlir::ModuleOp module, const std::string &fusion,
                       const std::vector<std::vector<uint8_t>> &inputs,
                       std::vector<std::vector<uint8_t>> &outputs) {
  absl::StatusOr<func::FuncOp> entry = target::selectEntry(module, "");
  if (!entry.ok()) {
    return std::string(entry.status().message());
  }
  FailureOr<target::ModelSignature> signature =
      target::getModelSignature(*entry);
  if (failed(signature)) {
    return "the entry's signature cannot be compiled";
  }
  PassManager pm(module.getContext());
  GPUPipelineOptions options;
  options.fusion = fusion;
  buildGPUKernelsPipeline(pm, options);
  if (failed(pm.run(module))) {
    return "sinter-gpu-kernels failed";
  }
  auto host = module.lookupSymbol<func::FuncOp>(signature->entry);
  absl::StatusOr<std::vector<target::GPULaunch>> launches =
      gpu::readLaunches(host, *signature);
  if (!launches.ok()) {
    return std::string(launches.status().message());
  }
  absl::StatusOr<std::string> constants = gpu::readConstants(module, host);
  if (!constants.ok()) {
    return std::string(constants.status().message());
  }
  int64_t workspaceBytes =
      host->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr).getInt();

  // The kernels as CPU functions in a shared object.
  OwningOpRef<ModuleOp> emu = ModuleOp::create(module.getLoc());
  std::map<std::string, SmallVector<MemRefType>> signatures;
  for (auto kernels : module.getOps<::mlir::gpu::GPUModuleOp>()) {
    auto converted = convertKernels(kernels, *emu);
    if (failed(converted)) {
      return "converting the kernels for the emulator failed";
    }
    signatures.insert(converted->begin(), converted->end());
  }
  PassManager lower(module.getContext());
  buildCPUToLLVMPipeline(lower);
  if (failed(lower.run(*emu))) {
    return "lowering the kernels for this CPU failed";
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> m = translateModuleToLLVMIR(*emu, llvmContext);
  if (!m) {
    return "translating the kernels to LLVM IR failed";
  }
  absl::StatusOr<target::ResolvedTarget> target =
      target::resolveTarget(target::TargetOptions());
  if (!target.ok()) {
    return std::string(target.status().message());
  }
  m->setTargetTriple(target->triple);
  m->setDataLayout(target->machine->createDataLayout());
  // void <kernel>_emu(void **args): memref descriptors from bare pointers.
  llvm::Type *ptr = llvm::PointerType::getUnqual(llvmContext);
  for (auto &[name, args] : signatures) {
    llvm::Function *impl = m->getFunction(name);
    if (!impl) {
      return "no compiled kernel " + name;
    }
    auto *wrapper = llvm::Function::Create(
        llvm::FunctionType::get(llvm::Type::getVoidTy(llvmContext), {ptr},
                                false),
        llvm::GlobalValue::ExternalLinkage, name + "_emu", *m);
    llvm::IRBuilder<> ib(
        llvm::BasicBlock::Create(llvmContext, "entry", wrapper));
    std::vector<llvm::Value *> values;
    for (size_t i = 0; i < args.size(); ++i) {
      llvm::Value *p =
          ib.CreateLoad(ptr, ib.CreateConstGEP1_64(ptr, wrapper->getArg(0), i));
      values.push_back(p);
      values.push_back(p);
      for (int64_t v : target::memrefDescriptorScalars(args[i].getShape())) {
        values.push_back(ib.getInt64(v));
      }
    }
    if (values.size() != impl->arg_size()) {
      return "kernel " + name + " takes " + std::to_string(impl->arg_size()) +
             " LLVM arguments, not " + std::to_string(values.size());
    }
    ib.CreateCall(impl, values);
    ib.CreateRetVoid();
  }
  if (absl::Status s = target::optimizeForCPU(*m, *target); !s.ok()) {
    return std::string(s.message());
  }
  TempDir dir;
  std::string soPath = (dir.path + "/kernels.so").str();
  if (absl::Status s = target::writeSharedObject(*m, *target, soPath);
      !s.ok()) {
    return std::string(s.message());
  }
  void *library = dlopen(soPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    return std::string("dlopen: ") + dlerror();
  }
  struct Closer {
    void *h;
    ~Closer() { dlclose(h); }
  } closer{library};

  // Buffers as the runtime would lay them out.
  std::vector<std::unique_ptr<AlignedBuffer>> in, out;
  for (size_t i = 0; i < signature->inputs.size(); ++i) {
    in.push_back(std::make_unique<AlignedBuffer>(inputs[i].size()));
    std::memcpy(in.back()->data, inputs[i].data(), inputs[i].size());
  }
  outputs.clear();
  for (const target::TensorSignature &t : signature->outputs) {
    int64_t elements = 1;
    for (int64_t d : t.shape) {
      elements *= d;
    }
    size_t bytes = elements * dtypeByteSize(t.dtype);
    outputs.emplace_back(bytes);
    out.push_back(std::make_unique<AlignedBuffer>(bytes));
    std::memset(out.back()->data, 0xA5, bytes); // poison
  }
  AlignedBuffer workspace(workspaceBytes);
  AlignedBuffer constantData(constants->size());
  std::memcpy(constantData.data, constants->data(), constants->size());

  Emulator emulator;
  Emulator::active = &emulator;
  for (size_t l = 0; l < launches->size(); ++l) {
    const target::GPULaunch &launch = (*launches)[l];
    auto fn = reinterpret_cast<KernelFn>(
        dlsym(library, (launch.kernel + "_emu").c_str()));
    if (!fn) {
      return "no kernel " + launch.kernel;
    }
    std::vector<void *> args;
    for (const target::GPUKernelArg &a : launch.args) {
      uint8_t *base = a.kind == SINTER_ABI_GPU_ARG_INPUT    ? in[a.index]->data
                      : a.kind == SINTER_ABI_GPU_ARG_OUTPUT ? out[a.index]->data
                      : a.kind == SINTER_ABI_GPU_ARG_WORKSPACE
                          ? workspace.data
                          : constantData.data;
      args.push_back(base + a.byteOffset);
    }
    emulator.kernel = fn;
    emulator.args = args.data();
    for (int d = 0; d < 3; ++d) {
      emulator.grid[d] = launch.grid[d];
      emulator.dims[d] = launch.block[d];
    }
    for (uint32_t z = 0; z < launch.grid[2]; ++z) {
      for (uint32_t y = 0; y < launch.grid[1]; ++y) {
        for (uint32_t x = 0; x < launch.grid[0]; ++x) {
          emulator.block[0] = x;
          emulator.block[1] = y;
          emulator.block[2] = z;
          std::string error = emulator.runBlock();
          if (!error.empty()) {
            Emulator::active = nullptr;
            return absl::StrCat("launch ", l, " (", launch.kernel, "), block (",
                                x, ", ", y, ", ", z, "): ", error);
          }
        }
      }
    }
  }
  Emulator::active = nullptr;
  for (size_t i = 0; i < outputs.size(); ++i) {
    // An output written in place is in its input's buffer (our copy).
    std::optional<unsigned> j = signature->outputs[i].aliasedInput;
    std::memcpy(outputs[i].data(), j ? in[*j]->data : out[i]->data,
                outputs[i].size());
  }
  return "";
}

} // namespace sinter::e2e
