//===- OutlineGPUKernels.cpp - Launches become functions of one module ----===//
//
// Every gpu.launch of an entry function becomes a `gpu.func` kernel in one
// `gpu.module` named after the function (one PTX module per artifact, loaded
// once), and the launch a `gpu.launch_func` with the same sizes. Kernels are
// named `<entry>_<index>_<kind>` (the kind the mapping recorded: matmul,
// elementwise, reduction, rows, attention) so a profile reads like the
// fusion report. The constant globals a kernel reads are copied into the
// module. Launches must have had their views sunk into them
// (sinter-gpu-sink-into-launches), so a kernel's operands are the entry's
// buffers.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/LinalgToGPU/KernelBuilder.h"
#include "compiler/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Utils.h"
#include "mlir/IR/SymbolTable.h"

#define DEBUG_TYPE "sinter-gpu-outline-kernels"

namespace sinter {

#define GEN_PASS_DEF_GPUOUTLINEKERNELSPASS
#include "compiler/Conversion/Passes.h.inc"

namespace {

struct GPUOutlineKernelsPass
    : impl::GPUOutlineKernelsPassBase<GPUOutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    SymbolTable symbols(module);
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      SmallVector<gpu::LaunchOp> launches;
      fn.walk([&](gpu::LaunchOp op) { launches.push_back(op); });
      if (launches.empty()) {
        continue;
      }
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(ctx));
      OpBuilder b(ctx);
      b.setInsertionPointToEnd(module.getBody());
      auto kernels = b.create<gpu::GPUModuleOp>(
          fn.getLoc(), (fn.getName() + "_kernels").str());
      symbols.insert(kernels);
      SymbolTable kernelSymbols(kernels);
      for (auto [index, launch] : llvm::enumerate(launches)) {
        auto kind = launch->getAttrOfType<StringAttr>(gpu_kernel::kKindAttr);
        std::string name = (fn.getName() + "_" + Twine(index) + "_" +
                            (kind ? kind.getValue() : "kernel"))
                               .str();
        SmallVector<Value> operands;
        gpu::GPUFuncOp kernel = outlineKernelFunc(launch, name, operands);
        kernelSymbols.insert(kernel);
        // The constant globals it reads.
        kernel.walk([&](memref::GetGlobalOp get) {
          if (kernelSymbols.lookup(get.getName())) {
            return;
          }
          Operation *global = symbols.lookup(get.getName());
          if (global) {
            kernelSymbols.insert(global->clone());
          }
        });
        OpBuilder lb(launch);
        lb.create<gpu::LaunchFuncOp>(
            launch.getLoc(), kernel, launch.getGridSizeOperandValues(),
            launch.getBlockSizeOperandValues(),
            launch.getDynamicSharedMemorySize(), operands);
        launch.erase();
      }
    }
    // Globals only kernels read are not needed on the host (those in the
    // constants buffer are, for their bytes).
    for (auto global :
         llvm::make_early_inc_range(module.getOps<memref::GlobalOp>())) {
      if (!global->hasAttr(kConstantOffsetAttr) &&
          SymbolTable::symbolKnownUseEmpty(global, module)) {
        global.erase();
      }
    }
  }
};

} // namespace
} // namespace sinter
