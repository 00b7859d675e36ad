//===- FusionReport.cpp - The fusion report and the fused graph as dot ----===//

#include "compiler/Transforms/FusionLog.h"
#include "dialects/sinter/IR/SinterOps.h"
#include "llvm/Support/Format.h"

using namespace mlir;

namespace sinter {
namespace {

std::string humanBytes(int64_t bytes) {
  char buf[32];
  if (bytes >= (int64_t(1) << 20)) {
    snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1 << 20));
  } else if (bytes >= 1024) {
    snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  } else {
    snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  }
  return buf;
}

std::string escape(StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

} // namespace

void printFusionReport(const FusionLog &log, llvm::raw_ostream &os) {
  os << "fusion report\n";
  if (!log.ran) {
    os << "  fusion is off (--fusion=none): every op is a kernel of its own\n";
    return;
  }
  os << "  kernels (graph ops, a composite counted once): " << log.kernelsBefore
     << " unfused -> " << log.kernelsAfter << " fused\n";
  os << "  bytes moved (estimated reads + writes): "
     << humanBytes(log.bytesBefore) << " unfused -> "
     << humanBytes(log.bytesAfter) << " fused\n";
  os << "fusions (" << log.fusions.size() << "):\n";
  int i = 0;
  for (const FusionRecord &f : log.fusions) {
    os << "  #" << i++ << " " << f.kind
       << (f.multiOutput ? " multi-output" : "") << " in @" << f.function
       << ": " << f.ops.size() << " ops: ";
    llvm::interleaveComma(f.ops, os);
    os << "\n     reads " << humanBytes(f.bytesRead) << ", writes "
       << humanBytes(f.bytesWritten)
       << " (unfused: " << humanBytes(f.unfusedBytes) << ")\n";
  }
  os << "edges left between kernels (" << log.refused.size() << "):\n";
  for (const RefusedEdge &e : log.refused) {
    os << "  @" << e.function << ": " << e.producer << " -> " << e.consumer
       << ": " << e.reason << "\n";
  }
}

void writeFusionDot(ModuleOp module, llvm::raw_ostream &os) {
  os << "digraph sinter {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
  int64_t next = 0;
  llvm::DenseMap<Value, std::string> valueNode;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal()) {
      continue;
    }
    std::string prefix = "f" + std::to_string(next++) + "_";
    os << "  subgraph \"cluster_" << escape(fn.getSymName()) << "\" {\n"
       << "    label=\"@" << escape(fn.getSymName()) << "\";\n";
    for (BlockArgument arg : fn.getArguments()) {
      std::string id = prefix + "arg" + std::to_string(arg.getArgNumber());
      os << "    " << id << " [shape=ellipse, label=\"arg" << arg.getArgNumber()
         << "\"];\n";
      valueNode[arg] = id;
    }
    int64_t opIndex = 0;
    for (Operation &op : fn.getBody().front()) {
      std::string id = prefix + "op" + std::to_string(opIndex++);
      if (isa<ConstantOp>(op)) {
        for (Value r : op.getResults()) {
          valueNode[r] = "";
        }
        continue;
      }
      std::string label;
      llvm::raw_string_ostream ls(label);
      if (auto fusion = dyn_cast<FusionOp>(op)) {
        ls << "fusion " << stringifyFusionKind(fusion.getKind()) << "\\n";
        for (Operation &inner : fusion.getBody().front().without_terminator()) {
          if (!isa<ConstantOp>(inner)) {
            ls << inner.getName().stripDialect() << "\\n";
          }
        }
        os << "    " << id
           << " [shape=box, style=filled, fillcolor=\"#cfe8ff\", label=\""
           << label << "\"];\n";
      } else {
        ls << op.getName().stripDialect();
        os << "    " << id << " [shape=box, label=\"" << escape(label)
           << "\"];\n";
      }
      for (Value v : op.getOperands()) {
        auto it = valueNode.find(v);
        if (it == valueNode.end() || it->second.empty()) {
          continue;
        }
        std::string type;
        llvm::raw_string_ostream ts(type);
        ts << v.getType();
        os << "    " << it->second << " -> " << id << " [label=\""
           << escape(type) << "\"];\n";
      }
      for (Value r : op.getResults()) {
        valueNode[r] = id;
      }
    }
    os << "  }\n";
  }
  os << "}\n";
}

} // namespace sinter
