//===- FusionLog.h - What sinter-form-fusions decided, and why --*- C++ -*-===//
//
// The fusion pass records its decisions here for `sinter-compile
// --report=fusion` and `--emit=dot`; the same decisions are MLIR remarks
// when the pass's `remarks` option is on (for lit tests).
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H
#define SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinter {

struct FusionRecord {
  std::string function;
  std::string kind;              // loop | reduction | epilogue | attention
  std::vector<std::string> ops;  // e.g. "exp#12", in program order
  int64_t bytesRead = 0;         // the fusion's inputs
  int64_t bytesWritten = 0;      // the fusion's results
  int64_t unfusedBytes = 0;      // reads + writes of its ops run one by one
  bool multiOutput = false;
};

/// A producer -> consumer edge that stayed a kernel boundary.
struct RefusedEdge {
  std::string function;
  std::string producer, consumer;
  std::string reason;
};

struct FusionLog {
  bool ran = false;          // set by sinter-form-fusions
  int64_t kernelsBefore = 0; // ops that would each be a kernel unfused
  int64_t kernelsAfter = 0;  // fusions plus the ops left unfused
  int64_t bytesBefore = 0;   // reads + writes of all kernels, unfused
  int64_t bytesAfter = 0;
  std::vector<FusionRecord> fusions;
  std::vector<RefusedEdge> refused;
};

/// The human-readable report of `sinter-compile --report=fusion`.
void printFusionReport(const FusionLog &log, llvm::raw_ostream &os);

/// A Graphviz picture of the graph after fusion: one node per kernel
/// (fusions as boxes listing their ops), edges labelled with tensor types.
void writeFusionDot(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H
