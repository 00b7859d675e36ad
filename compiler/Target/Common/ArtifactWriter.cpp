//===- ArtifactWriter.cpp - LLVM IR, objects, shared objects, headers ----===//
//
// The ABI glue is written directly as LLVM IR: the entry point unpacks the
// pointer arrays of sinter_abi_entry_fn into the memref descriptors the
// lowered function takes, and the descriptor is a constant struct with the
// layout of sinter_abi_model_t. Its checksum is computed here with the
// runtime's own function from abi.h, so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#include "compiler/Target/Common/ArtifactWriter.h"

#include "compiler/Conversion/Passes.h"
#include "dialects/sinter/IR/EntryFunction.h"
#include "runtime/include/sinter/abi.h"

#include "absl/strings/str_cat.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <set>

namespace sinter::target {

//===----------------------------------------------------------------------===//
// Signature
//===----------------------------------------------------------------------===//

std::string toCIdentifier(llvm::StringRef name) {
  std::string id;
  for (char c : name) {
    id += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  }
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) {
    id = "_" + id;
  }
  return id;
}

static FailureOr<TensorSignature> tensorSignature(func::FuncOp fn, Type type,
                                                  DictionaryAttr attrs,
                                                  std::string fallback) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape()) {
    fn.emitError("the entry function's ") << fallback << " has type " << type
                                          << "; artifacts take static tensors";
    return failure();
  }
  std::optional<DType> dtype = dtypeOf(tensor.getElementType());
  if (!dtype) {
    fn.emitError("the entry function's ")
        << fallback << " has unsupported element type "
        << tensor.getElementType();
    return failure();
  }
  TensorSignature sig;
  sig.name = fallback;
  if (attrs) {
    if (auto name = attrs.getAs<StringAttr>("sinter.name")) {
      sig.name = name.str();
    }
  }
  sig.dtype = *dtype;
  sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  // What the runtime refuses at load is refused here, where the source is.
  if (tensor.getRank() > SINTER_ABI_MAX_RANK) {
    fn.emitError("the entry function's ")
        << fallback << " ('" << sig.name << "') has rank " << tensor.getRank()
        << "; artifacts allow at most " << SINTER_ABI_MAX_RANK;
    return failure();
  }
  uint64_t bytes = dtypeByteSize(*dtype);
  for (int64_t d : sig.shape) {
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes)) {
      fn.emitError("the entry function's ")
          << fallback << " ('" << sig.name << "') of type " << type
          << " has a byte size that overflows 64 bits";
      return failure();
    }
  }
  return sig;
}

FailureOr<ModelSignature> getModelSignature(func::FuncOp fn) {
  ModelSignature sig;
  sig.entry = fn.getName().str();
  auto type = fn.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    auto t = tensorSignature(fn, type.getInput(i), fn.getArgAttrDict(i),
                             "input" + std::to_string(i));
    if (failed(t)) {
      return failure();
    }
    sig.inputs.push_back(*t);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    auto t = tensorSignature(fn, type.getResult(i), fn.getResultAttrDict(i),
                             "output" + std::to_string(i));
    if (failed(t)) {
      return failure();
    }
    t->aliasedInput = aliasedInput(fn, i);
    sig.outputs.push_back(*t);
  }
  std::set<std::string> names;
  for (const auto *list : {&sig.inputs, &sig.outputs}) {
    for (const TensorSignature &t : *list) {
      if (!names.insert(t.name).second) {
        fn.emitError("two inputs/outputs are both named '") << t.name << "'";
        return failure();
      }
    }
  }
  return sig;
}

std::vector<unsigned> ModelSignature::bufferedOutputs() const {
  std::vector<unsigned> list;
  for (unsigned i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].aliasedInput) {
      list.push_back(i);
    }
  }
  return list;
}

/// The descriptor's in_place_of: 1 + the input overwritten, or 0.
static uint32_t inPlaceOf(const TensorSignature &t) {
  return t.aliasedInput ? *t.aliasedInput + 1 : 0;
}

static uint32_t abiDType(DType d) {
  switch (d) {
  case DType::F32:
    return SINTER_ABI_DTYPE_F32;
  case DType::F16:
    return SINTER_ABI_DTYPE_F16;
  case DType::BF16:
    return SINTER_ABI_DTYPE_BF16;
  case DType::I1:
    return SINTER_ABI_DTYPE_I1;
  case DType::I32:
    return SINTER_ABI_DTYPE_I32;
  case DType::I64:
    return SINTER_ABI_DTYPE_I64;
  }
  return SINTER_ABI_DTYPE_COUNT;
}

static uint64_t byteSizeOf(const TensorSignature &t) {
  uint64_t n = dtypeByteSize(t.dtype);
  for (int64_t d : t.shape) {
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

//===----------------------------------------------------------------------===//
// Target
//===----------------------------------------------------------------------===//

absl::StatusOr<ResolvedTarget> resolveTarget(const TargetOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  ResolvedTarget t;
  t.triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(t.triple, error);
  if (!target) {
    return absl::InvalidArgumentError(
        absl::StrCat("no LLVM target for ", t.triple, ": ", error));
  }
  llvm::SmallVector<std::string> features;
  if (options.cpu == "native" || options.cpu.empty()) {
    t.cpu = llvm::sys::getHostCPUName().str();
    for (auto &f : llvm::sys::getHostCPUFeatures()) {
      features.push_back((f.second ? "+" : "-") + f.first().str());
    }
  } else {
    t.cpu = options.cpu;
  }
  if (!options.features.empty()) {
    features.push_back(options.features);
  }
  t.features = llvm::join(features, ",");
  // Asked with no CPU, so LLVM does not print its own warning for a bad one.
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(t.triple, "", ""));
  if (!sti || !sti->isCPUStringValid(t.cpu)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown CPU '", t.cpu,
                     "' (try native, x86-64, x86-64-v2, x86-64-v3, x86-64-v4, "
                     "skylake-avx512, sapphirerapids, znver4)"));
  }
  llvm::TargetOptions to;
  auto level = options.optLevel >= 3   ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                       : llvm::CodeGenOptLevel::None;
  t.machine.reset(target->createTargetMachine(
      t.triple, t.cpu, t.features, to, llvm::Reloc::PIC_, std::nullopt, level));
  if (!t.machine) {
    return absl::InternalError("cannot create an LLVM target machine");
  }
  const llvm::MCSubtargetInfo *mc = t.machine->getMCSubtargetInfo();
  struct {
    const char *name;
    uint64_t bit;
  } known[] = {{"sse4.2", SINTER_ABI_CPU_SSE42},
               {"avx", SINTER_ABI_CPU_AVX},
               {"avx2", SINTER_ABI_CPU_AVX2},
               {"fma", SINTER_ABI_CPU_FMA},
               {"f16c", SINTER_ABI_CPU_F16C},
               {"avx512f", SINTER_ABI_CPU_AVX512F},
               {"avx512bw", SINTER_ABI_CPU_AVX512BW},
               {"avx512dq", SINTER_ABI_CPU_AVX512DQ},
               {"avx512vl", SINTER_ABI_CPU_AVX512VL},
               {"avx512bf16", SINTER_ABI_CPU_AVX512BF16},
               {"avx512fp16", SINTER_ABI_CPU_AVX512FP16}};
  for (auto &k : known) {
    if (mc->checkFeatures(std::string("+") + k.name)) {
      t.abiFeatures |= k.bit;
    }
  }
  if (t.abiFeatures & SINTER_ABI_CPU_AVX512F) {
    t.vectorWidth = 16;
    t.matmulVectors = 4; // 6 x 4 zmm accumulators of 32 registers
  } else if (t.abiFeatures & SINTER_ABI_CPU_AVX) {
    t.vectorWidth = 8;
    t.matmulVectors = 2; // 6 x 2 ymm accumulators of 16 registers
  } else {
    t.vectorWidth = 4;
    t.matmulVectors = 2;
  }
  return t;
}

//===----------------------------------------------------------------------===//
// The artifact module
//===----------------------------------------------------------------------===//

namespace {

/// Host copies of a GPU program's descriptor structs, for the checksum.
struct GPUProgramMirror {
  sinter_abi_gpu_program_t program = {};
  std::vector<sinter_abi_gpu_launch_t> launches;
  std::vector<std::vector<sinter_abi_gpu_arg_t>> args;
};

/// Builds the ABI glue into an LLVM module.
class GlueBuilder {
public:
  GlueBuilder(llvm::Module &m, const ModelSignature &sig,
              const ResolvedTarget &target, llvm::StringRef prefix)
      : m(m), ctx(m.getContext()), sig(sig), target(target), prefix(prefix),
        ptr(llvm::PointerType::getUnqual(ctx)),
        i32(llvm::Type::getInt32Ty(ctx)), i64(llvm::Type::getInt64Ty(ctx)) {}

  /// void <prefix>_entry(void *const *in, void *const *out, void *ws, env*)
  ///
  /// The entry takes over the lowered function's body, and its first block
  /// computes each of that function's arguments (five or more scalars per
  /// memref) from the pointer arrays. Calling the lowered function instead
  /// leaves LLVM's interprocedural passes a function of 5N parameters, and
  /// CalledValuePropagation and IPSCCP are quadratic in that count (2.6 s
  /// and 1.4 s of a 7 s compile at 2,000 arguments).
  absl::StatusOr<llvm::Function *> buildEntry(llvm::Function *impl,
                                              uint64_t workspaceBytes) {
    size_t expected = 0;
    for (const TensorSignature &t : sig.inputs) {
      expected += 3 + 2 * t.shape.size();
    }
    for (unsigned i : sig.bufferedOutputs()) {
      expected += 3 + 2 * sig.outputs[i].shape.size();
    }
    expected += 5 + 1; // workspace memref<Nxi8>, environment
    if (impl->arg_size() != expected) {
      return absl::InternalError(
          absl::StrCat("the lowered entry function takes ", impl->arg_size(),
                       " LLVM arguments; the ABI glue expected ", expected));
    }
    if (!impl->getReturnType()->isVoidTy() || impl->isDeclaration() ||
        !impl->use_empty()) {
      return absl::InternalError(
          "the lowered entry function must return nothing, have a body and "
          "no callers");
    }
    auto *fnType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                           {ptr, ptr, ptr, ptr}, false);
    auto *entry =
        llvm::Function::Create(fnType, llvm::GlobalValue::ExternalLinkage,
                               (prefix + "_entry").str(), m);
    entry->setAttributes(llvm::AttributeList::get(
        ctx, impl->getAttributes().getFnAttrs(), {}, {}));
    entry->splice(entry->end(), impl);
    // The unpacking goes first in the body's entry block (not a block of
    // its own), so the body's static allocas stay in the entry block.
    llvm::BasicBlock &first = entry->getEntryBlock();
    llvm::IRBuilder<> b(&first, first.begin());
    // Each of the lowered function's parameters, in order: a value, or (with
    // `array` set) the pointer in slot `index` of the entry's pointer array.
    struct Param {
      llvm::Value *value = nullptr;
      llvm::Value *array = nullptr;
      uint64_t index = 0;
    };
    std::vector<Param> params;
    auto pushMemref = [&](Param p, llvm::ArrayRef<int64_t> shape) {
      params.push_back(p); // allocated pointer
      params.push_back(p); // aligned pointer
      for (int64_t v : memrefDescriptorScalars(shape)) {
        params.push_back({b.getInt64(v)});
      }
    };
    for (size_t i = 0; i < sig.inputs.size(); ++i) {
      pushMemref({nullptr, entry->getArg(0), i}, sig.inputs[i].shape);
    }
    // An output written in place has no parameter: its value is left in
    // its input's buffer (inputs[i]), and outputs[j] is not touched.
    for (unsigned i : sig.bufferedOutputs()) {
      pushMemref({nullptr, entry->getArg(1), i}, sig.outputs[i].shape);
    }
    pushMemref({entry->getArg(2)}, {int64_t(workspaceBytes)});
    params.push_back({entry->getArg(3)});
    // A pointer from the arrays is loaded where it is used, not once up
    // front: thousands of loads in the first block, all live to the end,
    // make instruction scheduling and register allocation of that block
    // quadratic. LICM hoists a load out of the kernel loop that uses it.
    for (auto [arg, param] : llvm::zip_equal(impl->args(), params)) {
      if (!param.array) {
        arg.replaceAllUsesWith(param.value);
        continue;
      }
      while (!arg.use_empty()) {
        llvm::Use &use = *arg.use_begin();
        auto *user = llvm::cast<llvm::Instruction>(use.getUser());
        llvm::Instruction *before = user;
        if (auto *phi = llvm::dyn_cast<llvm::PHINode>(user)) {
          before = phi->getIncomingBlock(use)->getTerminator();
        }
        b.SetInsertPoint(before);
        use.set(b.CreateLoad(
            ptr, b.CreateConstGEP1_64(ptr, param.array, param.index)));
      }
    }
    impl->eraseFromParent();
    return entry;
  }

  /// void <prefix>_run(const T *in..., T *out..., void *ws, env *).
  void buildTypedRun(llvm::Function *entry) {
    std::vector<llvm::Type *> params(sig.inputs.size() + sig.outputs.size() + 2,
                                     ptr);
    auto *fnType =
        llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), params, false);
    auto *run = llvm::Function::Create(
        fnType, llvm::GlobalValue::ExternalLinkage, (prefix + "_run").str(), m);
    // It only packs its arguments into the entry's arrays: nothing to
    // optimize, and InstCombine and the machine scheduler are quadratic in
    // the stores to one alloca (1.5 s and 1.3 s at 8,000 arguments).
    run->addFnAttr(llvm::Attribute::OptimizeNone);
    run->addFnAttr(llvm::Attribute::NoInline);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", run));
    auto makeArray = [&](size_t first, size_t count) -> llvm::Value * {
      auto *arrayType = llvm::ArrayType::get(ptr, std::max<size_t>(count, 1));
      llvm::Value *array = b.CreateAlloca(arrayType);
      for (size_t i = 0; i < count; ++i) {
        b.CreateStore(run->getArg(first + i),
                      b.CreateConstGEP1_64(ptr, array, i));
      }
      return array;
    };
    llvm::Value *in = makeArray(0, sig.inputs.size());
    llvm::Value *out = makeArray(sig.inputs.size(), sig.outputs.size());
    size_t n = params.size();
    b.CreateCall(entry, {in, out, run->getArg(n - 2), run->getArg(n - 1)});
    b.CreateRetVoid();
  }

  llvm::Constant *string(llvm::StringRef s, const llvm::Twine &name) {
    return b().CreateGlobalStringPtr(s, name, 0, &m);
  }

  /// The descriptor global and the functions returning it.
  /// The GPU program global, and its host mirror in `mirror` (pointing
  /// into `program`) for the checksum.
  llvm::Constant *buildGPUProgram(const GPUProgram &program,
                                  GPUProgramMirror &mirror,
                                  llvm::Constant *constants) {
    auto *argType = llvm::StructType::get(ctx, {i32, i32, i64});
    auto *dims = llvm::ArrayType::get(i32, 3);
    auto *launchType =
        llvm::StructType::get(ctx, {ptr, dims, dims, i32, i32, ptr});
    auto dim3 = [&](const std::array<uint32_t, 3> &d) {
      return llvm::ConstantArray::get(dims,
                                      {llvm::ConstantInt::get(i32, d[0]),
                                       llvm::ConstantInt::get(i32, d[1]),
                                       llvm::ConstantInt::get(i32, d[2])});
    };
    std::vector<llvm::Constant *> launches;
    mirror.args.resize(program.launches.size());
    for (size_t i = 0; i < program.launches.size(); ++i) {
      const GPULaunch &l = program.launches[i];
      std::vector<llvm::Constant *> args;
      for (const GPUKernelArg &a : l.args) {
        args.push_back(llvm::ConstantStruct::get(
            argType, {llvm::ConstantInt::get(i32, a.kind),
                      llvm::ConstantInt::get(i32, a.index),
                      llvm::ConstantInt::get(i64, a.byteOffset)}));
        mirror.args[i].push_back({a.kind, a.index, a.byteOffset});
      }
      auto *argsArray = llvm::ArrayType::get(argType, args.size());
      auto *argsGlobal = new llvm::GlobalVariable(
          m, argsArray, true, llvm::GlobalValue::PrivateLinkage,
          llvm::ConstantArray::get(argsArray, args),
          (prefix + "_launch" + std::to_string(i) + "_args").str());
      std::string base = (prefix + "_launch" + std::to_string(i)).str();
      launches.push_back(llvm::ConstantStruct::get(
          launchType,
          {string(l.kernel, base + "_kernel"), dim3(l.grid), dim3(l.block),
           llvm::ConstantInt::get(i32, l.dynamicSharedBytes),
           llvm::ConstantInt::get(i32, l.args.size()), argsGlobal}));
      sinter_abi_gpu_launch_t h = {};
      h.kernel = l.kernel.c_str();
      for (int d = 0; d < 3; ++d) {
        h.grid[d] = l.grid[d];
        h.block[d] = l.block[d];
      }
      h.dynamic_shared_bytes = l.dynamicSharedBytes;
      h.num_args = static_cast<uint32_t>(l.args.size());
      mirror.launches.push_back(h);
    }
    for (size_t i = 0; i < mirror.launches.size(); ++i) {
      mirror.launches[i].args = mirror.args[i].data();
    }
    auto *launchArray = llvm::ArrayType::get(launchType, launches.size());
    auto *launchGlobal = new llvm::GlobalVariable(
        m, launchArray, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantArray::get(launchArray, launches),
        (prefix + "_launches").str());
    llvm::Constant *cubin = llvm::ConstantPointerNull::get(ptr);
    if (!program.cubin.empty()) {
      auto *bytes = llvm::ConstantDataArray::getRaw(
          program.cubin, program.cubin.size(), llvm::Type::getInt8Ty(ctx));
      auto *g = new llvm::GlobalVariable(m, bytes->getType(), true,
                                         llvm::GlobalValue::PrivateLinkage,
                                         bytes, (prefix + "_cubin").str());
      g->setAlignment(llvm::Align(16));
      cubin = g;
    }
    if (!constants) {
      constants = llvm::ConstantPointerNull::get(ptr);
    }
    auto *programType = llvm::StructType::get(
        ctx, {ptr, ptr, i64, ptr, i64, i32, i32, ptr, ptr, i64});
    auto *programGlobal = new llvm::GlobalVariable(
        m, programType, true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantStruct::get(
            programType,
            {string(program.arch, prefix + "_arch"),
             string(program.ptx, prefix + "_ptx"),
             llvm::ConstantInt::get(i64, program.ptx.size()), cubin,
             llvm::ConstantInt::get(i64, program.cubin.size()),
             llvm::ConstantInt::get(i32, program.launches.size()),
             llvm::ConstantInt::get(i32, 0), launchGlobal, constants,
             llvm::ConstantInt::get(i64, program.constants.size())}),
        (prefix + "_gpu_program").str());
    mirror.program = {};
    mirror.program.arch = program.arch.c_str();
    mirror.program.ptx = program.ptx.c_str();
    mirror.program.ptx_size = program.ptx.size();
    mirror.program.cubin =
        program.cubin.empty() ? nullptr : program.cubin.data();
    mirror.program.cubin_size = program.cubin.size();
    mirror.program.num_launches =
        static_cast<uint32_t>(program.launches.size());
    mirror.program.launches = mirror.launches.data();
    mirror.program.constants =
        program.constants.empty() ? nullptr : program.constants.data();
    mirror.program.constants_size = program.constants.size();
    return programGlobal;
  }

  /// `gpu` is set for a CUDA artifact (and `entry` is then null).
  /// `constants` is the block of info.constantBytes bytes the code reads
  /// (null when there are none).
  void buildDescriptor(llvm::Function *entry, const ArtifactInfo &info,
                       llvm::Constant *constants, bool exportRuntimeSymbol,
                       const GPUProgram *gpu = nullptr) {
    // Tensor structs: { ptr name, i32 dtype, i32 rank, ptr shape, i64 bytes,
    //                   i32 in_place_of, i32 reserved }.
    auto *tensorType =
        llvm::StructType::get(ctx, {ptr, i32, i32, ptr, i64, i32, i32});
    // The checksum is computed over a host-side mirror of the descriptor.
    std::vector<std::vector<int64_t>> shapes;
    std::vector<sinter_abi_tensor_t> hostIn, hostOut;
    auto tensors = [&](const std::vector<TensorSignature> &list,
                       const char *kind,
                       std::vector<sinter_abi_tensor_t> &host) {
      std::vector<llvm::Constant *> elems;
      for (size_t i = 0; i < list.size(); ++i) {
        const TensorSignature &t = list[i];
        std::string base = (prefix + "_" + kind + std::to_string(i)).str();
        auto *shapeArray = llvm::ConstantDataArray::get(
            ctx, llvm::ArrayRef<uint64_t>(
                     reinterpret_cast<const uint64_t *>(t.shape.data()),
                     t.shape.size()));
        auto *shapeGlobal = new llvm::GlobalVariable(
            m, shapeArray->getType(), true, llvm::GlobalValue::PrivateLinkage,
            shapeArray, base + "_shape");
        elems.push_back(llvm::ConstantStruct::get(
            tensorType,
            {string(t.name, base + "_name"),
             llvm::ConstantInt::get(i32, abiDType(t.dtype)),
             llvm::ConstantInt::get(i32, t.shape.size()), shapeGlobal,
             llvm::ConstantInt::get(i64, byteSizeOf(t)),
             llvm::ConstantInt::get(i32, inPlaceOf(t)),
             llvm::ConstantInt::get(i32, 0)}));
        sinter_abi_tensor_t h = {};
        h.name = t.name.c_str();
        h.dtype = abiDType(t.dtype);
        h.rank = static_cast<uint32_t>(t.shape.size());
        h.shape = t.shape.data();
        h.byte_size = byteSizeOf(t);
        h.in_place_of = inPlaceOf(t);
        host.push_back(h);
      }
      auto *arrayType = llvm::ArrayType::get(tensorType, elems.size());
      return new llvm::GlobalVariable(
          m, arrayType, true, llvm::GlobalValue::PrivateLinkage,
          llvm::ConstantArray::get(arrayType, elems),
          (prefix + "_" + kind + "s").str());
    };
    llvm::GlobalVariable *inputs = tensors(sig.inputs, "input", hostIn);
    llvm::GlobalVariable *outputs = tensors(sig.outputs, "output", hostOut);

    sinter_abi_model_t host = {};
    host.magic = SINTER_ABI_MAGIC;
    host.abi_version = SINTER_ABI_VERSION;
    host.struct_size = sizeof(sinter_abi_model_t);
    host.required_cpu_features = target.abiFeatures;
    host.num_inputs = static_cast<uint32_t>(hostIn.size());
    host.num_outputs = static_cast<uint32_t>(hostOut.size());
    host.inputs = hostIn.data();
    host.outputs = hostOut.data();
    host.workspace_bytes = info.workspaceBytes;
    host.workspace_alignment = 64;
    host.constant_bytes = info.constantBytes;
    host.device = gpu ? SINTER_ABI_DEVICE_CUDA : SINTER_ABI_DEVICE_CPU;
    host.constants_hash = info.constantsHash;
    GPUProgramMirror mirror;
    llvm::Constant *gpuProgram = llvm::ConstantPointerNull::get(ptr);
    if (gpu) {
      gpuProgram = buildGPUProgram(*gpu, mirror, constants);
      host.gpu = &mirror.program;
    }
    if (!constants) {
      constants = llvm::ConstantPointerNull::get(ptr);
    }
    uint64_t checksum = sinter_abi_signature_checksum(&host);

    // { i32 magic, i32 version, i64 size, ptr name, ptr target, i64 features,
    //   i32 nin, i32 nout, ptr in, ptr out, i64 ws, i64 align, i64 consts,
    //   ptr entry, i32 device, i32 reserved, ptr gpu, ptr constants,
    //   i64 constants_hash, i64 checksum }
    auto *modelType = llvm::StructType::get(
        ctx, {i32, i32, i64, ptr, ptr, i64, i32, i32, ptr, ptr,
              i64, i64, i64, ptr, i32, i32, ptr, ptr, i64, i64});
    std::string targetText =
        gpu ? absl::StrCat("nvptx64-nvidia-cuda ", gpu->arch)
            : absl::StrCat(target.triple, " cpu=", target.cpu);
    llvm::Constant *entryPointer = entry ? static_cast<llvm::Constant *>(entry)
                                         : llvm::ConstantPointerNull::get(ptr);
    auto *model = llvm::ConstantStruct::get(
        modelType, {llvm::ConstantInt::get(i32, host.magic),
                    llvm::ConstantInt::get(i32, host.abi_version),
                    llvm::ConstantInt::get(i64, host.struct_size),
                    string(sig.entry, prefix + "_model_name"),
                    string(targetText, prefix + "_target"),
                    llvm::ConstantInt::get(i64, host.required_cpu_features),
                    llvm::ConstantInt::get(i32, host.num_inputs),
                    llvm::ConstantInt::get(i32, host.num_outputs),
                    inputs,
                    outputs,
                    llvm::ConstantInt::get(i64, host.workspace_bytes),
                    llvm::ConstantInt::get(i64, host.workspace_alignment),
                    llvm::ConstantInt::get(i64, host.constant_bytes),
                    entryPointer,
                    llvm::ConstantInt::get(i32, host.device),
                    llvm::ConstantInt::get(i32, 0),
                    gpuProgram,
                    constants,
                    llvm::ConstantInt::get(i64, host.constants_hash),
                    llvm::ConstantInt::get(i64, checksum)});
    auto *global = new llvm::GlobalVariable(m, modelType, true,
                                            llvm::GlobalValue::PrivateLinkage,
                                            model, (prefix + "_model").str());

    auto makeGetter = [&](llvm::StringRef name) {
      auto *fnType = llvm::FunctionType::get(ptr, {}, false);
      auto *fn = llvm::Function::Create(
          fnType, llvm::GlobalValue::ExternalLinkage, name, m);
      llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
      b.CreateRet(global);
    };
    makeGetter((prefix + "_descriptor").str());
    if (exportRuntimeSymbol) {
      makeGetter(SINTER_ABI_DESCRIPTOR_SYMBOL);
    }
  }

private:
  llvm::IRBuilder<> &b() {
    if (!scratch) {
      auto *fn = llvm::Function::Create(
          llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false),
          llvm::GlobalValue::PrivateLinkage, "__sinter_scratch", m);
      scratchBlock = llvm::BasicBlock::Create(ctx, "entry", fn);
      scratch = std::make_unique<llvm::IRBuilder<>>(scratchBlock);
    }
    return *scratch;
  }

public:
  void finish() {
    if (scratch) {
      scratchBlock->getParent()->eraseFromParent();
      scratch.reset();
    }
  }

private:
  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const ModelSignature &sig;
  const ResolvedTarget &target;
  llvm::StringRef prefix;
  llvm::PointerType *ptr;
  llvm::Type *i32, *i64;
  std::unique_ptr<llvm::IRBuilder<>> scratch;
  llvm::BasicBlock *scratchBlock = nullptr;
};

} // namespace

/// bf16 on CPUs without AVX512-BF16: LLVM's x86 backend promotes every bf16
/// value it holds in a register to f32, so a bf16 load, store or select
/// (even a plain copy) becomes an extension and a __truncsfbf2 libcall,
/// which Debian 12's libgcc does not have. After the optimizer has run
/// (InstCombine would undo it), move bf16 through memory and selects as its
/// 16-bit pattern; arithmetic was already expanded to integer ops by
/// arith-expand. A rounding __truncsfbf2 is also defined in the artifact
/// (hidden, weak) for anything the backend still converts.
static void bf16AsBits(llvm::Module &m) {
  std::vector<llvm::Instruction *> work;
  for (llvm::Function &f : m) {
    for (llvm::Instruction &i : llvm::instructions(f)) {
      llvm::Type *t = nullptr;
      if (llvm::isa<llvm::SelectInst, llvm::LoadInst>(i)) {
        t = i.getType();
      } else if (auto *st = llvm::dyn_cast<llvm::StoreInst>(&i)) {
        t = st->getValueOperand()->getType();
      }
      if (t && t->getScalarType()->isBFloatTy()) {
        work.push_back(&i);
      }
    }
  }
  for (llvm::Instruction *i : work) {
    llvm::IRBuilder<> b(i);
    if (auto *sel = llvm::dyn_cast<llvm::SelectInst>(i)) {
      llvm::Type *type = sel->getType();
      llvm::Type *bits = type->getWithNewType(b.getInt16Ty());
      llvm::Value *t = b.CreateBitCast(sel->getTrueValue(), bits);
      llvm::Value *f = b.CreateBitCast(sel->getFalseValue(), bits);
      llvm::Value *r = b.CreateSelect(sel->getCondition(), t, f);
      sel->replaceAllUsesWith(b.CreateBitCast(r, type));
    } else if (auto *ld = llvm::dyn_cast<llvm::LoadInst>(i)) {
      llvm::Type *type = ld->getType();
      llvm::Type *bits = type->getWithNewType(b.getInt16Ty());
      llvm::LoadInst *r =
          b.CreateAlignedLoad(bits, ld->getPointerOperand(), ld->getAlign());
      r->copyMetadata(*ld);
      ld->replaceAllUsesWith(b.CreateBitCast(r, type));
    } else {
      auto *st = llvm::cast<llvm::StoreInst>(i);
      llvm::Value *v = st->getValueOperand();
      llvm::Type *bits = v->getType()->getWithNewType(b.getInt16Ty());
      llvm::StoreInst *r = b.CreateAlignedStore(
          b.CreateBitCast(v, bits), st->getPointerOperand(), st->getAlign());
      r->copyMetadata(*st);
    }
    i->eraseFromParent();
  }

  // float -> bfloat, round to nearest even, NaN stays NaN (quiet).
  if (m.getFunction("__truncsfbf2")) {
    return;
  }
  llvm::LLVMContext &ctx = m.getContext();
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getBFloatTy(ctx),
                              {llvm::Type::getFloatTy(ctx)}, false),
      llvm::GlobalValue::LinkOnceODRLinkage, "__truncsfbf2", m);
  fn->setVisibility(llvm::GlobalValue::HiddenVisibility);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));
  llvm::Value *x = fn->getArg(0);
  llvm::Value *u = b.CreateBitCast(x, b.getInt32Ty());
  llvm::Value *lsb = b.CreateAnd(b.CreateLShr(u, 16), 1);
  llvm::Value *rounded =
      b.CreateLShr(b.CreateAdd(u, b.CreateAdd(lsb, b.getInt32(0x7FFF))), 16);
  llvm::Value *isNan = b.CreateFCmpUNO(x, x);
  llvm::Value *quiet = b.CreateOr(b.CreateLShr(u, 16), 0x40);
  llvm::Value *r16 =
      b.CreateTrunc(b.CreateSelect(isNan, quiet, rounded), b.getInt16Ty());
  b.CreateRet(b.CreateBitCast(r16, llvm::Type::getBFloatTy(ctx)));
}

/// Appends the in-memory bytes of a constant (nested arrays of data).
static bool appendRawBytes(const llvm::Constant *c, const llvm::DataLayout &dl,
                           std::string &out) {
  if (auto *cds = llvm::dyn_cast<llvm::ConstantDataSequential>(c)) {
    llvm::StringRef raw = cds->getRawDataValues();
    out.append(raw.begin(), raw.end());
    return true;
  }
  if (llvm::isa<llvm::ConstantAggregateZero>(c)) {
    out.append(dl.getTypeAllocSize(c->getType()), '\0');
    return true;
  }
  if (auto *array = llvm::dyn_cast<llvm::ConstantArray>(c)) {
    for (const llvm::Use &op : array->operands()) {
      if (!appendRawBytes(llvm::cast<llvm::Constant>(op.get()), dl, out)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

/// Weights arrive as nested arrays of float constants, which LLVM's asm
/// printer writes element by element through APFloat (most of the 40 s
/// the whole GPT-2 small took). As one byte array they are written as a
/// block. Only large constants are worth it.
static void flattenLargeConstants(llvm::Module &m) {
  const llvm::DataLayout &dl = m.getDataLayout();
  std::vector<llvm::GlobalVariable *> globals;
  for (llvm::GlobalVariable &g : m.globals()) {
    if (g.isConstant() && g.hasInitializer() && g.getValueType()->isArrayTy() &&
        dl.getTypeAllocSize(g.getValueType()) >= 4096) {
      globals.push_back(&g);
    }
  }
  for (llvm::GlobalVariable *g : globals) {
    std::string bytes;
    if (!appendRawBytes(g->getInitializer(), dl, bytes) ||
        bytes.size() != dl.getTypeAllocSize(g->getValueType())) {
      continue;
    }
    llvm::Constant *data = llvm::ConstantDataArray::getRaw(
        bytes, bytes.size(), llvm::Type::getInt8Ty(m.getContext()));
    auto *flat = new llvm::GlobalVariable(m, data->getType(), true,
                                          g->getLinkage(), data, "", g);
    flat->takeName(g);
    flat->setAlignment(g->getAlign());
    flat->setUnnamedAddr(g->getUnnamedAddr());
    g->replaceAllUsesWith(flat);
    g->eraseFromParent();
  }
}

/// Moves every constant global whose bytes are known into one block, each
/// at an offset aligned as it was, and points its uses into the block. The
/// descriptor then names one address and size whose hash covers all the
/// weights and tables the code reads: scattered globals could not be
/// hashed at load, as the linker places them. Returns the block (null when
/// there are no constants) and its bytes in `bytes`.
static llvm::GlobalVariable *
packConstants(llvm::Module &m, llvm::StringRef name, std::string &bytes) {
  const llvm::DataLayout &dl = m.getDataLayout();
  llvm::Align blockAlign(64); // cache lines, and any vector load
  std::vector<std::pair<llvm::GlobalVariable *, uint64_t>> packed;
  for (llvm::GlobalVariable &g : m.globals()) {
    if (!g.isConstant() || !g.hasInitializer() ||
        dl.getTypeAllocSize(g.getValueType()) == 0) {
      continue;
    }
    llvm::Align align = g.getAlign().value_or(dl.getPreferredAlign(&g));
    std::string raw;
    if (!appendRawBytes(g.getInitializer(), dl, raw) ||
        raw.size() != dl.getTypeAllocSize(g.getValueType())) {
      continue; // not plain data (the lowering makes none such)
    }
    bytes.resize(llvm::alignTo(bytes.size(), align), '\0');
    packed.emplace_back(&g, bytes.size());
    bytes += raw;
    blockAlign = std::max(blockAlign, align);
  }
  if (packed.empty()) {
    return nullptr;
  }
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *i8 = llvm::Type::getInt8Ty(ctx);
  llvm::Constant *data =
      llvm::ConstantDataArray::getRaw(bytes, bytes.size(), i8);
  auto *block =
      new llvm::GlobalVariable(m, data->getType(), /*isConstant=*/true,
                               llvm::GlobalValue::InternalLinkage, data, name);
  block->setAlignment(blockAlign);
  for (auto [g, offset] : packed) {
    llvm::Constant *at = llvm::ConstantExpr::getInBoundsGetElementPtr(
        i8, block, llvm::ConstantInt::get(llvm::Type::getInt64Ty(ctx), offset));
    g->replaceAllUsesWith(at);
    g->eraseFromParent();
  }
  return block;
}

absl::Status optimizeForCPU(llvm::Module &module,
                            const ResolvedTarget &target) {
  llvm::Module *m = &module;
  bool wide = target.abiFeatures & SINTER_ABI_CPU_AVX512F;
  for (llvm::Function &f : *m) {
    if (f.isDeclaration()) {
      continue;
    }
    f.addFnAttr("target-cpu", target.cpu);
    f.addFnAttr("target-features", target.features);
    f.addFnAttr(llvm::Attribute::NoUnwind);
    if (wide) {
      // LLVM prefers 256-bit vectors on AVX-512 parts by default; these
      // loops are throughput-bound, so use the full width.
      f.addFnAttr("prefer-vector-width", "512");
      f.addFnAttr("min-legal-vector-width", "512");
    }
  }

  std::string verifyError;
  llvm::raw_string_ostream vos(verifyError);
  if (llvm::verifyModule(*m, &vos)) {
    return absl::InternalError("invalid LLVM IR: " + verifyError);
  }

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = true;
  pto.SLPVectorization = true;
  // Full unrolling of the static loop nests makes basic blocks of thousands
  // of instructions that the machine scheduler is quadratic in; the kernels
  // that need unrolling (matmul) are unrolled in MLIR already.
  pto.LoopUnrolling = false;
  // LLVM's -time-passes (sinter-compile --time-passes) reports this pipeline
  // too, not only the code generator's.
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations si(m->getContext(), /*DebugLogging=*/false);
  si.registerCallbacks(pic, &mam);
  llvm::PassBuilder pb(target.machine.get(), pto, std::nullopt, &pic);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*m, mam);
  if (!(target.abiFeatures & SINTER_ABI_CPU_AVX512BF16)) {
    bf16AsBits(*m);
  }
  return absl::OkStatus();
}

/// LLVM inlines every kernel the entry function calls directly (each is
/// internal with one call site). Past a size, the entry function becomes one
/// function of thousands of loops, and parts of LLVM's code generator are
/// quadratic in a function's size (Machine CSE: 0.03 s at 1,000 ops, 1.6 s
/// at 8,000). Kernels past kInlineBudget instructions in call order keep
/// their calls; graphs within the budget are unchanged (every model today:
/// the unfused small GPT, the largest, inlines 9,195).
static void boundInlining(llvm::Function &entry) {
  constexpr size_t kInlineBudget = 20000;
  size_t total = 0;
  for (llvm::Instruction &inst : llvm::instructions(entry)) {
    auto *call = llvm::dyn_cast<llvm::CallInst>(&inst);
    llvm::Function *callee = call ? call->getCalledFunction() : nullptr;
    if (!callee || callee->isDeclaration()) {
      continue;
    }
    total += callee->getInstructionCount();
    if (total > kInlineBudget) {
      callee->addFnAttr(llvm::Attribute::NoInline);
    }
  }
}

absl::StatusOr<std::unique_ptr<llvm::Module>>
buildArtifactModule(ModuleOp lowered, const ModelSignature &signature,
                    const ResolvedTarget &target, llvm::LLVMContext &context,
                    llvm::StringRef prefix, bool exportRuntimeSymbol,
                    ArtifactInfo &info) {
  auto implOp = lowered.lookupSymbol<LLVM::LLVMFuncOp>(signature.entry);
  if (!implOp) {
    return absl::InternalError(absl::StrCat(
        "the lowered module has no function '", signature.entry, "'"));
  }
  auto ws = implOp->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr);
  if (!ws) {
    return absl::InternalError(
        "the lowered entry function has no workspace plan");
  }
  info.workspaceBytes = ws.getInt();

  std::unique_ptr<llvm::Module> m = translateModuleToLLVMIR(lowered, context);
  if (!m) {
    return absl::InternalError("translation to LLVM IR failed");
  }
  m->setTargetTriple(target.triple);
  m->setDataLayout(target.machine->createDataLayout());

  flattenLargeConstants(*m);
  std::string constantBytes;
  llvm::GlobalVariable *constants =
      packConstants(*m, (prefix + "_constants").str(), constantBytes);
  info.constantBytes = constantBytes.size();
  info.constantsHash =
      sinter_abi_constants_hash(constantBytes.data(), constantBytes.size());

  llvm::Function *impl = m->getFunction(signature.entry);
  boundInlining(*impl);
  // Everything the lowering produced is internal to the artifact; only the
  // ABI glue below is exported (and nothing clashes between two models
  // linked into one application).
  for (llvm::Function &f : *m) {
    if (!f.isDeclaration()) {
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
    }
  }
  for (llvm::GlobalVariable &g : m->globals()) {
    if (g.hasInitializer()) {
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
    }
  }
  GlueBuilder glue(*m, signature, target, prefix);
  absl::StatusOr<llvm::Function *> entry =
      glue.buildEntry(impl, info.workspaceBytes);
  if (!entry.ok()) {
    return entry.status();
  }
  glue.buildTypedRun(*entry);
  glue.buildDescriptor(*entry, info, constants, exportRuntimeSymbol);
  glue.finish();

  if (absl::Status st = optimizeForCPU(*m, target); !st.ok()) {
    return st;
  }
  return m;
}

absl::StatusOr<std::unique_ptr<llvm::Module>>
buildGPUArtifactModule(const ModelSignature &signature,
                       const GPUProgram &program, uint64_t workspaceBytes,
                       const ResolvedTarget &host, llvm::LLVMContext &context,
                       llvm::StringRef prefix, bool exportRuntimeSymbol,
                       ArtifactInfo &info) {
  auto m = std::make_unique<llvm::Module>(prefix, context);
  m->setTargetTriple(host.triple);
  m->setDataLayout(host.machine->createDataLayout());
  info.workspaceBytes = workspaceBytes;
  info.constantBytes = program.constants.size();
  info.constantsHash = sinter_abi_constants_hash(program.constants.data(),
                                                 program.constants.size());
  // The kernels' constants, uploaded by the runtime; the descriptor and the
  // GPU program both point at this one copy.
  llvm::GlobalVariable *constants = nullptr;
  if (!program.constants.empty()) {
    auto *bytes = llvm::ConstantDataArray::getRaw(
        program.constants, program.constants.size(),
        llvm::Type::getInt8Ty(context));
    constants = new llvm::GlobalVariable(*m, bytes->getType(), true,
                                         llvm::GlobalValue::PrivateLinkage,
                                         bytes, (prefix + "_constants").str());
    constants->setAlignment(llvm::Align(64));
  }
  GlueBuilder glue(*m, signature, host, prefix);
  glue.buildDescriptor(/*entry=*/nullptr, info, constants, exportRuntimeSymbol,
                       &program);
  glue.finish();
  std::string verifyError;
  llvm::raw_string_ostream vos(verifyError);
  if (llvm::verifyModule(*m, &vos)) {
    return absl::InternalError("invalid LLVM IR: " + verifyError);
  }
  return m;
}

absl::Status emitMachineCode(llvm::Module &module, const ResolvedTarget &target,
                             bool assembly, llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager pm;
  if (target.machine->addPassesToEmitFile(
          pm, os, nullptr,
          assembly ? llvm::CodeGenFileType::AssemblyFile
                   : llvm::CodeGenFileType::ObjectFile)) {
    return absl::InternalError("the target cannot emit this file type");
  }
  pm.run(module);
  return absl::OkStatus();
}

absl::Status writeSharedObject(llvm::Module &module,
                               const ResolvedTarget &target,
                               llvm::StringRef path) {
  llvm::SmallString<128> objectPath;
  int fd;
  if (auto ec =
          llvm::sys::fs::createTemporaryFile("sinter", "o", fd, objectPath)) {
    return absl::UnavailableError("cannot create a temporary object: " +
                                  ec.message());
  }
  llvm::FileRemover remover(objectPath);
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    absl::Status s = emitMachineCode(module, target, /*assembly=*/false, os);
    if (!s.ok()) {
      return s;
    }
  }
  return linkSharedObject(objectPath, path);
}

absl::Status linkSharedObject(llvm::StringRef objectPath,
                              llvm::StringRef sharedObjectPath) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("cc");
  for (const char *alt : {"gcc", "clang-19", "clang"}) {
    if (driver) {
      break;
    }
    driver = llvm::sys::findProgramByName(alt);
  }
  if (!driver) {
    return absl::FailedPreconditionError(
        "linking a shared object needs a C compiler driver (cc, gcc or "
        "clang) on PATH; use --emit=obj to write an object instead");
  }
  llvm::SmallVector<llvm::StringRef> args = {
      *driver, "-shared",        "-Wl,-z,noexecstack",
      "-o",    sharedObjectPath, objectPath};
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat(
        "linking ", sharedObjectPath.str(), " with ", *driver, " failed (exit ",
        rc, ")", error.empty() ? "" : ": ", error));
  }
  return absl::OkStatus();
}

//===----------------------------------------------------------------------===//
// Header
//===----------------------------------------------------------------------===//

static const char *cTypeOf(DType d) {
  switch (d) {
  case DType::F32:
    return "float";
  case DType::F16:
    return "uint16_t"; // IEEE half bits
  case DType::BF16:
    return "uint16_t"; // bfloat16 bits
  case DType::I1:
    return "uint8_t";
  case DType::I32:
    return "int32_t";
  case DType::I64:
    return "int64_t";
  }
  return "void";
}

static std::string shapeText(const TensorSignature &t) {
  std::string s = dtypeName(t.dtype).str() + "[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    s += (i ? "," : "") + std::to_string(t.shape[i]);
  }
  return s + "]";
}

std::string generateHeader(const ModelSignature &sig, llvm::StringRef prefix,
                           const ArtifactInfo &info, llvm::StringRef source) {
  std::string guard = "SINTER_MODEL_" + llvm::StringRef(prefix).upper() + "_H";
  std::string upper = llvm::StringRef(prefix).upper();
  std::string h;
  llvm::raw_string_ostream os(h);
  os << "/* Generated by sinter-compile from " << source
     << ". Do not edit.\n *\n"
     << " * Entry '" << sig.entry << "'.\n";
  for (const auto &t : sig.inputs) {
    os << " *   input  " << t.name << ": " << shapeText(t) << "\n";
  }
  std::vector<bool> overwritten(sig.inputs.size());
  for (const auto &t : sig.outputs) {
    os << " *   output " << t.name << ": " << shapeText(t);
    if (t.aliasedInput) {
      overwritten[*t.aliasedInput] = true;
      os << " (written in place into input " << sig.inputs[*t.aliasedInput].name
         << "'s buffer; the output pointer is not used)";
    }
    os << "\n";
  }
  os << " */\n#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#include \"sinter/abi.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "#define " << upper << "_WORKSPACE_BYTES " << info.workspaceBytes
     << "ull\n#define " << upper << "_WORKSPACE_ALIGNMENT 64\n"
     << "#define " << upper << "_NUM_INPUTS " << sig.inputs.size() << "\n"
     << "#define " << upper << "_NUM_OUTPUTS " << sig.outputs.size() << "\n\n"
     << "/* The model's descriptor (signature, workspace, entry point). */\n"
     << "const sinter_abi_model_t *" << prefix << "_descriptor(void);\n\n"
     << "/* Runs the model. Buffers are dense row-major and caller-owned;\n"
     << " * workspace points at " << upper << "_WORKSPACE_BYTES bytes aligned"
     << " to\n * " << upper << "_WORKSPACE_ALIGNMENT; env may be NULL (one"
     << " thread). */\n"
     << "void " << prefix << "_run(";
  std::set<std::string> used = {"workspace", "env"};
  auto param = [&](const TensorSignature &t) {
    std::string id = toCIdentifier(t.name);
    while (!used.insert(id).second) {
      id += "_";
    }
    return id;
  };
  for (size_t i = 0; i < sig.inputs.size(); ++i) {
    const TensorSignature &t = sig.inputs[i];
    os << (overwritten[i] ? "" : "const ") << cTypeOf(t.dtype) << " *"
       << param(t) << ", ";
  }
  for (const auto &t : sig.outputs) {
    os << cTypeOf(t.dtype) << " *" << param(t) << ", ";
  }
  os << "void *workspace, const sinter_abi_environment_t *env);\n\n"
     << "#ifdef __cplusplus\n} /* extern \"C\" */\n#endif\n\n#endif /* "
     << guard << " */\n";
  return h;
}

std::vector<int64_t> memrefDescriptorScalars(llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> scalars(1 + 2 * shape.size());
  scalars[0] = 0;
  int64_t stride = 1;
  for (int64_t i = int64_t(shape.size()) - 1; i >= 0; --i) {
    scalars[1 + i] = shape[i];
    scalars[1 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return scalars;
}

} // namespace sinter::target
