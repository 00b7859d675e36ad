//===- sinter-difftest.cpp - Random graphs, compiled vs the interpreter ---===//
//
// The differential tester: generates random sinter functions with hostile
// inputs (GraphGenerator.h), compiles each under several compile modes
// (fusion on, off, and one fusion kind alone, in rotation; --fusion=every
// for all of them) on this CPU or the GPU emulator, and compares every
// output with the reference interpreter under the documented tolerances and
// NaN rules. A mismatch is shrunk to a smaller graph that still fails and
// printed (and written to --out) with the seed that reproduces it:
//
//   sinter-difftest --seed=1 --count=200
//   sinter-difftest --seed=1234 --count=1 --fusion=every --device=emulated
//
// Exits 1 when any graph fails, 2 on bad arguments.
//
//===----------------------------------------------------------------------===//

#include "compiler/Reference/TensorBytes.h"
#include "test/difftest/GraphGenerator.h"
#include "test/e2e/CompileAndCheck.h"
#include "tools/common/Npy.h"

#include "absl/strings/str_split.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <fstream>

using namespace sinter;
using namespace sinter::difftest;

namespace {

llvm::cl::opt<uint64_t> seedOpt("seed", llvm::cl::desc("first graph's seed"),
                                llvm::cl::init(1));
llvm::cl::opt<int> countOpt("count", llvm::cl::desc("graphs to try"),
                            llvm::cl::init(100));
llvm::cl::opt<std::string> fusionOpt(
    "fusion",
    llvm::cl::desc("compile modes: 'rotate' (all, none and one kind alone per "
                   "graph), 'every' (all, none and each kind alone), or a "
                   "';'-separated list of --fusion values"),
    llvm::cl::init("rotate"));
llvm::cl::opt<std::string>
    deviceOpt("device", llvm::cl::desc("cpu or emulated (the GPU kernels)"),
              llvm::cl::init("cpu"));
llvm::cl::opt<std::string>
    outOpt("out", llvm::cl::desc("folder for the shrunk failing graphs"),
           llvm::cl::init(""));
llvm::cl::opt<bool> verboseOpt("verbose",
                               llvm::cl::desc("print every graph as it runs"));

const std::vector<std::string> kKinds = {"loop", "reduction", "epilogue",
                                         "attention"};

std::vector<std::string> modesFor(uint64_t seed) {
  if (fusionOpt == "rotate") {
    return {"all", "none", kKinds[seed % kKinds.size()]};
  }
  if (fusionOpt == "every") {
    std::vector<std::string> modes = {"all", "none"};
    modes.insert(modes.end(), kKinds.begin(), kKinds.end());
    return modes;
  }
  return absl::StrSplit(std::string(fusionOpt), ';');
}

/// Empty when `graph` compiled with `fusion` matches the interpreter.
std::string runGraph(mlir::MLIRContext &ctx, const Graph &graph,
                     const std::string &fusion) {
  std::string text = graph.toMlir();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &ctx);
  if (!module) {
    return "the generated graph does not parse (a generator bug):\n" + text;
  }
  e2e::CheckOptions options;
  options.inputs = graph.inputs;
  options.fusion = fusion;
  options.device = deviceOpt == "emulated" ? e2e::CheckOptions::Device::Emulated
                                           : e2e::CheckOptions::Device::Cpu;
  return e2e::compileRunAndCompare(*module, options);
}

/// Shrinks greedily: the first smaller graph that still fails replaces the
/// graph, until none does (or the budget of tries runs out).
Graph shrink(mlir::MLIRContext &ctx, Graph graph, const std::string &fusion,
             std::string &message) {
  for (int tries = 0; tries < 60;) {
    bool smaller = false;
    for (Graph &candidate : shrinkCandidates(graph)) {
      ++tries;
      std::string m = runGraph(ctx, candidate, fusion);
      if (!m.empty()) {
        graph = std::move(candidate);
        message = m;
        smaller = true;
        break;
      }
    }
    if (!smaller) {
      break;
    }
  }
  return graph;
}

/// Writes <out>/<name>.mlir and its inputs as <name>.input<i>.npy, with
/// the commands that reproduce the mismatch in its header.
void writeReproducer(const Graph &graph, const std::string &report,
                     const std::string &name, const std::string &fusion) {
  (void)llvm::sys::fs::create_directories(outOpt);
  std::string base = std::string(outOpt) + "/" + name;
  std::string run = "// sinter-compile " + base + ".mlir --fusion=" + fusion +
                    " -o " + base + ".so && sinter-run " + base +
                    ".so --check --mlir " + base + ".mlir";
  for (int i = 0; i < graph.numArgs; ++i) {
    const reference::HostTensor &in = graph.inputs[i];
    std::string path = base + ".input" + std::to_string(i) + ".npy";
    std::vector<uint8_t> bytes = reference::encodeTensor(in);
    // DType and the ABI's dtype codes are in the same order.
    absl::Status s = npy::writeTensor(path, uint32_t(in.dtype), in.shape,
                                      bytes.data(), bytes.size());
    if (!s.ok()) {
      llvm::errs() << "sinter-difftest: " << s.ToString() << "\n";
    }
    run += " --input input" + std::to_string(i) + "=" + path;
  }
  std::ofstream(base + ".mlir") << report << run << "\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(
      argc, argv, "random sinter graphs compiled vs the reference interpreter");
  if (deviceOpt != "cpu" && deviceOpt != "emulated") {
    llvm::errs() << "sinter-difftest: --device must be cpu or emulated\n";
    return 2;
  }
  std::unique_ptr<mlir::MLIRContext> ctx = e2e::makeContext();
  auto start = std::chrono::steady_clock::now();
  int runs = 0, failures = 0;
  for (int i = 0; i < countOpt; ++i) {
    uint64_t seed = seedOpt + i;
    Graph graph = generateGraph(seed);
    if (verboseOpt) {
      llvm::errs() << "seed " << seed << ": " << graph.description << "\n";
    }
    for (const std::string &fusion : modesFor(seed)) {
      ++runs;
      std::string message = runGraph(*ctx, graph, fusion);
      if (message.empty()) {
        continue;
      }
      ++failures;
      Graph small = shrink(*ctx, graph, fusion, message);
      while (!message.empty() && message.back() == '\n') {
        message.pop_back();
      }
      std::string commented;
      for (llvm::StringRef line : llvm::split(message, '\n')) {
        commented += "// " + line.str() + "\n";
      }
      // The inputs (the first values of each) say which profile broke it.
      for (int a = 0; a < small.numArgs; ++a) {
        const reference::HostTensor &in = small.inputs[a];
        commented += "// %v" + std::to_string(a) + ":";
        for (size_t j = 0; j < std::min<size_t>(in.values.size(), 8); ++j) {
          commented +=
              " " +
              llvm::formatv("{0}", llvm::format("%.9g", in.values[j])).str();
        }
        commented += in.values.size() > 8 ? " ...\n" : "\n";
      }
      std::string report = "// sinter-difftest --seed=" + std::to_string(seed) +
                           " --count=1 --fusion='" + fusion +
                           "' --device=" + deviceOpt + "\n// " +
                           graph.description + " (shrunk from " +
                           std::to_string(graph.steps.size()) + " steps to " +
                           std::to_string(small.steps.size()) + ")\n" +
                           commented + small.toMlir();
      llvm::outs() << "MISMATCH " << report << "\n";
      if (!outOpt.empty()) {
        writeReproducer(small, report,
                        "mismatch-" + std::to_string(seed) + "-" + fusion,
                        fusion);
      }
      break; // one report per graph
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << "sinter-difftest: " << countOpt << " graphs (seeds "
               << seedOpt << ".." << seedOpt + countOpt - 1 << "), " << runs
               << " compiled runs on " << deviceOpt << ", " << failures
               << " mismatching graphs, " << llvm::format("%.1f", seconds)
               << " s\n";
  return failures ? 1 : 0;
}
