//===- FusionRemarks.cpp - sinter-form-fusions' remarks, written and read -===//
//
// The remarks are sentences a person reads in sinter-opt's output and a lit
// test matches; the collector parses the same sentences back, so the words
// of each are written once here, beside the code that reads them:
//
//   <kind> fusion[ (multi-output)] of <n> ops: <op>, ...; reads <r> B,
//       writes <w> B, <u> B unfused
//   <consumer> not fused with producer <producer>: <reason>
//   fusion in @<function>: <k> kernels unfused -> <k'> fused, <b> B -> <b'> B
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/FusionLog.h"
#include "compiler/Transforms/FusionPlanner.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;

namespace sinter {
namespace {

constexpr llvm::StringLiteral kFusionOf = " fusion";
constexpr llvm::StringLiteral kMultiOutput = " (multi-output)";
constexpr llvm::StringLiteral kNotFused = " not fused with producer ";
constexpr llvm::StringLiteral kSummary = "fusion in @";

/// Consumes a decimal integer and then `suffix`; false if either is absent.
bool consumeCount(StringRef &text, int64_t &value, StringRef suffix) {
  unsigned long long v = 0;
  if (text.consumeInteger(10, v) || !text.consume_front(suffix)) {
    return false;
  }
  value = static_cast<int64_t>(v);
  return true;
}

std::optional<FusionRecord> parseFusion(StringRef text) {
  FusionRecord rec;
  size_t kindEnd = text.find(kFusionOf);
  if (kindEnd == StringRef::npos) {
    return std::nullopt;
  }
  rec.kind = text.take_front(kindEnd).str();
  if (!llvm::is_contained({"loop", "reduction", "epilogue", "attention"},
                          rec.kind)) {
    return std::nullopt;
  }
  text = text.drop_front(kindEnd + kFusionOf.size());
  rec.multiOutput = text.consume_front(kMultiOutput);
  int64_t count = 0;
  if (!text.consume_front(" of ") || !consumeCount(text, count, " ops: ")) {
    return std::nullopt;
  }
  auto [list, sizes] = text.split("; reads ");
  SmallVector<StringRef> ops;
  list.split(ops, ", ");
  if (static_cast<int64_t>(ops.size()) != count) {
    return std::nullopt;
  }
  for (StringRef op : ops) {
    rec.ops.push_back(op.str());
  }
  if (!consumeCount(sizes, rec.bytesRead, " B, writes ") ||
      !consumeCount(sizes, rec.bytesWritten, " B, ") ||
      !consumeCount(sizes, rec.unfusedBytes, " B unfused") || !sizes.empty()) {
    return std::nullopt;
  }
  return rec;
}

std::optional<RefusedEdge> parseRefusedEdge(StringRef text) {
  size_t at = text.find(kNotFused);
  if (at == StringRef::npos) {
    return std::nullopt;
  }
  RefusedEdge edge;
  edge.consumer = text.take_front(at).str();
  auto [producer, reason] = text.drop_front(at + kNotFused.size()).split(": ");
  if (edge.consumer.empty() || producer.empty() || reason.empty()) {
    return std::nullopt;
  }
  edge.producer = producer.str();
  edge.reason = reason.str();
  return edge;
}

/// The function's name and totals.
std::optional<std::pair<std::string, FusionSummary>>
parseSummary(StringRef text) {
  if (!text.consume_front(kSummary)) {
    return std::nullopt;
  }
  // The name may hold anything; the totals after it hold no ": ".
  size_t colon = text.rfind(": ");
  if (colon == StringRef::npos) {
    return std::nullopt;
  }
  std::string function = text.take_front(colon).str();
  StringRef totals = text.drop_front(colon + 2);
  FusionSummary s;
  if (!consumeCount(totals, s.kernelsBefore, " kernels unfused -> ") ||
      !consumeCount(totals, s.kernelsAfter, " fused, ") ||
      !consumeCount(totals, s.bytesBefore, " B -> ") ||
      !consumeCount(totals, s.bytesAfter, " B") || !totals.empty()) {
    return std::nullopt;
  }
  return std::make_pair(function, s);
}

} // namespace

void remarkFusion(Operation *root, const FusionRecord &fusion) {
  root->emitRemark() << fusion.kind << kFusionOf
                     << (fusion.multiOutput ? StringRef(kMultiOutput)
                                            : StringRef())
                     << " of " << static_cast<int64_t>(fusion.ops.size())
                     << " ops: " << llvm::join(fusion.ops, ", ") << "; reads "
                     << fusion.bytesRead << " B, writes " << fusion.bytesWritten
                     << " B, " << fusion.unfusedBytes << " B unfused";
}

void remarkRefusedEdge(Operation *consumer, const RefusedEdge &edge) {
  consumer->emitRemark() << edge.consumer << kNotFused << edge.producer << ": "
                         << edge.reason;
}

void remarkFusionSummary(func::FuncOp fn, const FusionSummary &summary) {
  fn.emitRemark() << kSummary << fn.getSymName() << ": "
                  << summary.kernelsBefore << " kernels unfused -> "
                  << summary.kernelsAfter << " fused, " << summary.bytesBefore
                  << " B -> " << summary.bytesAfter << " B";
}

void remarkFusionPlan(const FusionPlanner &planner) {
  func::FuncOp fn = planner.function();
  std::string function = fn.getSymName().str();
  FusionSummary summary;
  for (Operation &op : fn.getBody().front()) {
    if (fusionRoleOf(&op) == FusionRole::Opaque &&
        !isa<GatherOp, ScatterAddOp, SliceOp, ConcatenateOp, IotaOp,
             RotaryEmbeddingOp>(op)) {
      continue;
    }
    if (isa<ReshapeOp>(op)) {
      continue;
    }
    ++summary.kernelsBefore;
    summary.bytesBefore += unfusedBytesOf(&op);
    if (!planner.groupOf(&op)) {
      ++summary.kernelsAfter;
      summary.bytesAfter += unfusedBytesOf(&op);
    }
  }
  for (const FusionGroup *g : planner.fusions()) {
    ++summary.kernelsAfter;
    FusionRecord rec;
    rec.function = function;
    rec.kind = stringifyFusionKind(g->kind).str();
    rec.multiOutput = g->multiOutput;
    llvm::SetVector<Value> inputs, results;
    planner.collectBoundary(*g, inputs, results);
    for (Operation *op : planner.sorted(*g)) {
      rec.ops.push_back(planner.nameOf(op));
      rec.unfusedBytes += unfusedBytesOf(op);
    }
    for (Value v : inputs) {
      rec.bytesRead += bytesOf(v.getType());
    }
    for (Value v : results) {
      rec.bytesWritten += bytesOf(v.getType());
    }
    summary.bytesAfter += rec.bytesRead + rec.bytesWritten;
    remarkFusion(g->root, rec);
  }
  for (Operation &op : fn.getBody().front()) {
    const FusionGroup *consumerGroup = planner.groupOf(&op);
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      continue; // results leave the function: not an edge between kernels
    }
    for (Value v : op.getOperands()) {
      Operation *producer = v.getDefiningOp();
      if (!producer || isa<ConstantOp>(producer) ||
          (consumerGroup && planner.groupOf(producer) == consumerGroup)) {
        continue;
      }
      if (fusionRoleOf(producer) == FusionRole::Opaque &&
          fusionRoleOf(&op) == FusionRole::Opaque) {
        continue;
      }
      remarkRefusedEdge(&op,
                        {function, planner.nameOf(producer),
                         planner.nameOf(&op), planner.whyApart(producer, &op)});
    }
  }
  remarkFusionSummary(fn, summary);
}

FusionRemarkCollector::FusionRemarkCollector(MLIRContext *context)
    : handler(context,
              [this](Diagnostic &diagnostic) { return handle(diagnostic); }) {}

LogicalResult FusionRemarkCollector::handle(Diagnostic &diagnostic) {
  if (diagnostic.getSeverity() != DiagnosticSeverity::Remark) {
    return failure();
  }
  std::string text = diagnostic.str();
  if (std::optional<FusionRecord> fusion = parseFusion(text)) {
    pendingFusions.push_back(std::move(*fusion));
    return success();
  }
  if (std::optional<RefusedEdge> edge = parseRefusedEdge(text)) {
    pendingEdges.push_back(std::move(*edge));
    return success();
  }
  if (auto summary = parseSummary(text)) {
    auto &[function, totals] = *summary;
    for (FusionRecord &rec : pendingFusions) {
      rec.function = function;
      collected.fusions.push_back(std::move(rec));
    }
    for (RefusedEdge &edge : pendingEdges) {
      edge.function = function;
      collected.refused.push_back(std::move(edge));
    }
    pendingFusions.clear();
    pendingEdges.clear();
    collected.ran = true;
    collected.kernelsBefore += totals.kernelsBefore;
    collected.kernelsAfter += totals.kernelsAfter;
    collected.bytesBefore += totals.bytesBefore;
    collected.bytesAfter += totals.bytesAfter;
    return success();
  }
  return failure();
}

} // namespace sinter
