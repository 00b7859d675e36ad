//===- GPUCompiler.cpp - Compile a sinter module to a CUDA artifact ------===//

#include "compiler/Target/GPU/GPUCompiler.h"

#include "compiler/Conversion/Passes.h"
#include "compiler/Pipelines/GPUPipeline.h"
#include "runtime/include/sinter/abi.h"

#include "absl/strings/str_cat.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include <cstring>

namespace sinter::gpu {

using namespace target;

bool isSupportedArch(llvm::StringRef arch) {
  return arch == "sm_80" || arch == "sm_86" || arch == "sm_89" ||
         arch == "sm_90";
}

std::string findPtxas(llvm::StringRef explicitPath, llvm::StringRef toolkit) {
  if (!explicitPath.empty()) {
    return explicitPath.str();
  }
  llvm::SmallString<128> inToolkit(toolkit);
  llvm::sys::path::append(inToolkit, "bin", "ptxas");
  if (!toolkit.empty() && llvm::sys::fs::can_execute(inToolkit)) {
    return inToolkit.str().str();
  }
  llvm::ErrorOr<std::string> onPath = llvm::sys::findProgramByName("ptxas");
  return onPath ? *onPath : std::string();
}

absl::StatusOr<std::string>
assemblePtx(llvm::StringRef ptx, llvm::StringRef arch, llvm::StringRef ptxas) {
  llvm::SmallString<128> ptxPath, cubinPath, logPath;
  for (auto [suffix, path] :
       {std::pair<const char *, llvm::SmallString<128> *>{"ptx", &ptxPath},
        {"cubin", &cubinPath},
        {"log", &logPath}}) {
    if (auto ec = llvm::sys::fs::createTemporaryFile("sinter", suffix, *path)) {
      return absl::UnavailableError("cannot create a temporary file: " +
                                    ec.message());
    }
  }
  llvm::FileRemover removePtx(ptxPath), removeCubin(cubinPath),
      removeLog(logPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(ptxPath, ec);
    if (ec) {
      return absl::UnavailableError("cannot write " + ptxPath.str().str());
    }
    os << ptx;
  }
  std::string archFlag = ("-arch=" + arch).str();
  llvm::SmallVector<llvm::StringRef> args = {ptxas,   archFlag, "-O3",
                                             ptxPath, "-o",     cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &error);
  auto log = llvm::MemoryBuffer::getFile(logPath);
  std::string messages = log ? (*log)->getBuffer().trim().str() : "";
  if (rc != 0) {
    return absl::InternalError(absl::StrCat(
        ptxas.str(), " rejected the generated PTX for ", arch.str(), " (exit ",
        rc, ")", error.empty() ? "" : ": " + error,
        messages.empty() ? "" : ":\n" + messages));
  }
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
  if (!cubin) {
    return absl::InternalError("ptxas wrote no cubin");
  }
  return (*cubin)->getBuffer().str();
}

absl::StatusOr<std::vector<GPULaunch>> readLaunches(func::FuncOp host,
                                                    const ModelSignature &sig) {
  // The lowered entry takes the inputs, then the outputs that are not
  // written in place over an input, then the workspace and constants.
  std::vector<unsigned> buffered = sig.bufferedOutputs();
  size_t inputs = sig.inputs.size(), outputs = buffered.size();
  std::vector<GPULaunch> launches;
  for (Operation &op : host.getBody().front()) {
    if (isa<arith::ConstantOp, func::ReturnOp>(op)) {
      continue;
    }
    auto launch = dyn_cast<::mlir::gpu::LaunchFuncOp>(op);
    if (!launch) {
      return absl::InternalError(
          absl::StrCat("host code is left after outlining: '",
                       op.getName().getStringRef().str(), "'"));
    }
    GPULaunch l;
    l.kernel = launch.getKernelName().str();
    auto sizes = [&](::mlir::gpu::KernelDim3 d,
                     std::array<uint32_t, 3> &out) -> absl::Status {
      Value values[] = {d.x, d.y, d.z};
      for (int i = 0; i < 3; ++i) {
        std::optional<int64_t> v = getConstantIntValue(values[i]);
        // CUDA's limits: 2^31 - 1 blocks in x, 65535 in y and z.
        int64_t limit = i == 0 ? INT32_MAX : 65535;
        if (!v || *v < 1 || *v > limit) {
          return absl::InternalError(
              "launch sizes must be constants within CUDA's grid limits");
        }
        out[i] = static_cast<uint32_t>(*v);
      }
      return absl::OkStatus();
    };
    if (absl::Status s = sizes(launch.getGridSizeOperandValues(), l.grid);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = sizes(launch.getBlockSizeOperandValues(), l.block);
        !s.ok()) {
      return s;
    }
    if (launch.getDynamicSharedMemorySize()) {
      return absl::InternalError("kernels use static shared memory only");
    }
    for (Value v : launch.getKernelOperands()) {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != &host.getBody().front()) {
        return absl::InternalError(
            "a kernel operand is not one of the entry's buffers");
      }
      size_t i = arg.getArgNumber();
      GPUKernelArg a;
      if (i < inputs) {
        a = {SINTER_ABI_GPU_ARG_INPUT, uint32_t(i), 0};
      } else if (i < inputs + outputs) {
        a = {SINTER_ABI_GPU_ARG_OUTPUT, buffered[i - inputs], 0};
      } else if (i == inputs + outputs) {
        a = {SINTER_ABI_GPU_ARG_WORKSPACE, 0, 0};
      } else if (i == inputs + outputs + 1) {
        a = {SINTER_ABI_GPU_ARG_CONSTANTS, 0, 0};
      } else {
        return absl::InternalError("a kernel operand is past the workspace");
      }
      l.args.push_back(a);
    }
    launches.push_back(std::move(l));
  }
  return launches;
}

absl::StatusOr<std::string> readConstants(ModuleOp module, func::FuncOp host) {
  auto bytes = host->getAttrOfType<IntegerAttr>(kConstantBytesAttr);
  if (!bytes) {
    return std::string();
  }
  std::string blob(bytes.getInt(), '\0');
  for (auto global : module.getOps<memref::GlobalOp>()) {
    auto offset = global->getAttrOfType<IntegerAttr>(kConstantOffsetAttr);
    if (!offset) {
      continue;
    }
    char *out = blob.data() + offset.getInt();
    Attribute init = global.getInitialValueAttr();
    Type element = global.getType().getElementType();
    int64_t count = global.getType().getNumElements();
    int64_t elementBytes =
        std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
    if (offset.getInt() + count * elementBytes > int64_t(blob.size())) {
      return absl::InternalError("a constant lies outside the buffer");
    }
    if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
      if (element.isInteger(1)) { // bit-packed in the attribute, bytes here
        int64_t i = 0;
        for (bool v : dense.getValues<bool>()) {
          out[i++] = v ? 1 : 0;
        }
        continue;
      }
      ArrayRef<char> raw = dense.getRawData();
      if (dense.isSplat()) {
        for (int64_t i = 0; i < count; ++i) {
          std::memcpy(out + i * elementBytes, raw.data(), elementBytes);
        }
      } else {
        std::memcpy(out, raw.data(), count * elementBytes);
      }
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(init)) {
      AsmResourceBlob *data = resource.getRawHandle().getBlob();
      if (!data || int64_t(data->getData().size()) != count * elementBytes) {
        return absl::InternalError(
            absl::StrCat("the data of constant '", global.getSymName().str(),
                         "' is missing or has the wrong size"));
      }
      std::memcpy(out, data->getData().data(), count * elementBytes);
    } else {
      return absl::InternalError(absl::StrCat(
          "constant '", global.getSymName().str(), "' has no dense value"));
    }
  }
  return blob;
}

namespace {

/// The PTX text of the module's gpu.binary; an empty module for none.
std::string readPtx(ModuleOp module, llvm::StringRef arch) {
  for (auto binary : module.getOps<::mlir::gpu::BinaryOp>()) {
    auto object = cast<::mlir::gpu::ObjectAttr>(binary.getObjects()[0]);
    return object.getObject().getValue().rtrim('\0').str();
  }
  return (".version 8.0\n.target " + arch + "\n.address_size 64\n").str();
}

} // namespace

absl::Status checkOptions(const CompileOptions &options, EmitKind emit,
                          llvm::StringRef headerPath) {
  if (!isSupportedArch(options.gpuArch)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported GPU architecture '", options.gpuArch,
                     "'; supported: sm_80, sm_86, sm_89, sm_90"));
  }
  if (emit == EmitKind::Dot) {
    return absl::OkStatus();
  }
  if (!headerPath.empty()) {
    return absl::InvalidArgumentError(
        "GPU artifacts have no typed C entry point, so no header");
  }
  if (emit == EmitKind::Llvm || emit == EmitKind::Asm) {
    return absl::InvalidArgumentError(
        "for a GPU target, --emit is so, obj, mlir, ptx or dot");
  }
  return absl::OkStatus();
}

absl::StatusOr<CompileResult> compile(ModuleOp module,
                                      const CompileFront &front,
                                      const CompileOptions &options,
                                      EmitKind emit, llvm::StringRef outputPath,
                                      llvm::StringRef sourceName) {
  MLIRContext *ctx = module.getContext();
  PassManager pm(ctx);
  instrument(pm, options);
  GPUPipelineOptions pipeline;
  setSharedPipelineOptions(options, pipeline);
  pipeline.arch = options.gpuArch;
  pipeline.toolkit = options.cudaToolkit;
  buildGPUPipeline(pm, pipeline);
  if (failed(pm.run(module))) {
    return absl::InternalError(
        absl::StrCat("lowering ", sourceName.str(), " for the GPU failed"));
  }

  CompileResult result;
  result.signature = front.signature;
  result.prefix = front.prefix;
  auto host = module.lookupSymbol<func::FuncOp>(front.signature.entry);
  auto ws = host ? host->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr)
                 : IntegerAttr();
  if (!ws) {
    return absl::InternalError("the lowered entry has no workspace plan");
  }
  GPUProgram program;
  program.arch = options.gpuArch;
  program.ptx = readPtx(module, options.gpuArch);
  absl::StatusOr<std::vector<GPULaunch>> launches =
      readLaunches(host, front.signature);
  if (!launches.ok()) {
    return launches.status();
  }
  program.launches = std::move(*launches);
  absl::StatusOr<std::string> constants = readConstants(module, host);
  if (!constants.ok()) {
    return constants.status();
  }
  program.constants = std::move(*constants);

  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output) {
    return absl::UnavailableError(error);
  }
  if (emit == EmitKind::Mlir || emit == EmitKind::Ptx) {
    if (emit == EmitKind::Mlir) {
      module.print(output->os());
    } else {
      output->os() << program.ptx;
    }
    output->keep();
    return result;
  }

  // "none": PTX only, which the driver JIT-compiles at load.
  std::string ptxas = options.ptxas == "none"
                          ? ""
                          : findPtxas(options.ptxas, options.cudaToolkit);
  if (!ptxas.empty() && !llvm::sys::fs::can_execute(ptxas)) {
    return absl::NotFoundError("ptxas not found: " + ptxas);
  }
  if (!ptxas.empty()) {
    absl::StatusOr<std::string> cubin =
        assemblePtx(program.ptx, program.arch, ptxas);
    if (!cubin.ok()) {
      return cubin.status();
    }
    program.cubin = std::move(*cubin);
  }

  // The host side is data only, for any x86-64 CPU.
  TargetOptions hostOptions;
  hostOptions.cpu = "x86-64";
  absl::StatusOr<ResolvedTarget> hostTarget = resolveTarget(hostOptions);
  if (!hostTarget.ok()) {
    return hostTarget.status();
  }
  llvm::LLVMContext llvmContext;
  auto llvmModule = buildGPUArtifactModule(
      front.signature, program, ws.getInt(), *hostTarget, llvmContext,
      result.prefix,
      /*exportRuntimeSymbol=*/emit == EmitKind::SharedObject, result.info);
  if (!llvmModule.ok()) {
    return llvmModule.status();
  }
  if (emit == EmitKind::Object) {
    absl::Status s = emitMachineCode(**llvmModule, *hostTarget,
                                     /*assembly=*/false, output->os());
    if (!s.ok()) {
      return s;
    }
    output->keep();
    return result;
  }
  output->os().flush();
  absl::Status s = writeSharedObject(**llvmModule, *hostTarget, outputPath);
  if (!s.ok()) {
    return s;
  }
  output->keep();
  return result;
}

} // namespace sinter::gpu
