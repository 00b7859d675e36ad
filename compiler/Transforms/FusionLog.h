//===- FusionLog.h - What sinter-form-fusions decided, and why --*- C++ -*-===//
//
// sinter-form-fusions tells its decisions as MLIR remarks (its `remarks`
// option): one per fusion, one per producer -> consumer edge left between
// kernels, and a summary per function. Lit tests check the remarks; a
// FusionRemarkCollector, a scoped diagnostic handler the driver installs
// around a compilation, reads the same remarks back into a FusionLog for
// `sinter-compile --report=fusion`. The remarks' wording is written and read
// only in FusionRemarks.cpp, so the two cannot drift apart.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H
#define SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinter {

struct FusionRecord {
  std::string function;
  std::string kind;             // loop | reduction | epilogue | attention
  std::vector<std::string> ops; // e.g. "exp#12", in program order
  int64_t bytesRead = 0;        // the fusion's inputs
  int64_t bytesWritten = 0;     // the fusion's results
  int64_t unfusedBytes = 0;     // reads + writes of its ops run one by one
  bool multiOutput = false;
};

/// A producer -> consumer edge that stayed a kernel boundary.
struct RefusedEdge {
  std::string function;
  std::string producer, consumer;
  std::string reason;
};

/// One function's totals.
struct FusionSummary {
  int64_t kernelsBefore = 0; // ops that would each be a kernel unfused
  int64_t kernelsAfter = 0;  // fusions plus the ops left unfused
  int64_t bytesBefore = 0;   // reads + writes of all kernels, unfused
  int64_t bytesAfter = 0;
};

struct FusionLog {
  bool ran = false;          // sinter-form-fusions saw a function
  int64_t kernelsBefore = 0; // ops that would each be a kernel unfused
  int64_t kernelsAfter = 0;  // fusions plus the ops left unfused
  int64_t bytesBefore = 0;   // reads + writes of all kernels, unfused
  int64_t bytesAfter = 0;
  std::vector<FusionRecord> fusions;
  std::vector<RefusedEdge> refused;
};

/// The remarks sinter-form-fusions emits: a fusion on its root op, a refused
/// edge on its consumer, and the function's summary on the function (after
/// its fusions and edges, which it names the function of).
void remarkFusion(mlir::Operation *root, const FusionRecord &fusion);
void remarkRefusedEdge(mlir::Operation *consumer, const RefusedEdge &edge);
void remarkFusionSummary(mlir::func::FuncOp fn, const FusionSummary &summary);

/// While alive, takes the remarks above off `context` into a FusionLog;
/// every other diagnostic goes on to the handlers installed before it.
class FusionRemarkCollector {
public:
  explicit FusionRemarkCollector(mlir::MLIRContext *context);
  FusionRemarkCollector(const FusionRemarkCollector &) = delete;
  FusionRemarkCollector &operator=(const FusionRemarkCollector &) = delete;

  const FusionLog &log() const { return collected; }

private:
  mlir::LogicalResult handle(mlir::Diagnostic &diagnostic);

  FusionLog collected;
  // A function's fusions and edges, until its summary names it.
  std::vector<FusionRecord> pendingFusions;
  std::vector<RefusedEdge> pendingEdges;
  mlir::ScopedDiagnosticHandler handler;
};

/// The human-readable report of `sinter-compile --report=fusion`.
void printFusionReport(const FusionLog &log, llvm::raw_ostream &os);

/// A Graphviz picture of the graph after fusion: one node per kernel
/// (fusions as boxes listing their ops), edges labelled with tensor types.
void writeFusionDot(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace sinter

#endif // SINTER_COMPILER_TRANSFORMS_FUSIONLOG_H
