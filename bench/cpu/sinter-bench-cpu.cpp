//===- sinter-bench-cpu.cpp - Sinter's CPU code against baselines --------===//
//
// Issue 3's benchmark: f32 matmul 1024^3 against OpenBLAS (1 thread), Sinter
// at 1 and 2 threads; the GELU MLP (768 -> 3072 -> 768 over 512 tokens) and
// the small GPT at 1 and 2 threads. Each workload is compiled in-process
// with the same path as sinter-compile, loaded through the runtime, checked
// (against OpenBLAS, or the reference interpreter), then timed in rounds
// that interleave the systems, so machine noise hits all of them alike.
// Prints a Markdown table for docs/performance.md.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipelines/CPUPipeline.h"
#include "compiler/Reference/Interpreter.h"
#include "compiler/Reference/TensorBytes.h"
#include "compiler/Reference/Tolerance.h"
#include "compiler/Target/CPU/CPUCompiler.h"
#include "frontend/models/Models.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "sinter/runtime.hpp"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cblas.h>

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <thread>

using namespace sinter;

namespace {

/// This core's f32 FMA peak, measured: 16 independent chains of FMAs on the
/// widest vectors the CPU has (enough to cover the FMA latency on both
/// ports), nothing loaded from memory.
__attribute__((target("avx512f"))) double fmaPeakAvx512(int64_t iters) {
  __m512 acc[16];
  for (int j = 0; j < 16; ++j) {
    acc[j] = _mm512_set1_ps(float(j));
  }
  __m512 a = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
    for (int j = 0; j < 16; ++j) {
      acc[j] = _mm512_fmadd_ps(acc[j], a, c);
    }
  }
  float out[16], sink = 0;
  for (int j = 0; j < 16; ++j) {
    _mm512_storeu_ps(out, acc[j]);
    for (float v : out) {
      sink += v;
    }
  }
  return sink;
}

__attribute__((target("avx2,fma"))) double fmaPeakAvx2(int64_t iters) {
  __m256 acc[16];
  for (int j = 0; j < 16; ++j) {
    acc[j] = _mm256_set1_ps(float(j));
  }
  __m256 a = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i) {
    for (int j = 0; j < 16; ++j) {
      acc[j] = _mm256_fmadd_ps(acc[j], a, c);
    }
  }
  float out[8], sink = 0;
  for (int j = 0; j < 16; ++j) {
    _mm256_storeu_ps(out, acc[j]);
    for (float v : out) {
      sink += v;
    }
  }
  return sink;
}

/// GFLOP/s of `threads` cores running the FMA kernel at once (best of 5):
/// with 2, what this machine's two cores really give together.
double measureFmaPeak(int threads) {
  bool avx512 = __builtin_cpu_supports("avx512f");
  int lanes = avx512 ? 16 : 8;
  int64_t iters = 20'000'000;
  double best = 0;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    std::vector<double> sinks(threads);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        sinks[t] = avx512 ? fmaPeakAvx512(iters) : fmaPeakAvx2(iters);
      });
    }
    for (auto &t : pool) {
      t.join();
    }
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    volatile double sink = sinks[0];
    (void)sink;
    best = std::max(best, threads * 2.0 * lanes * 16 * iters / s / 1e9);
  }
  return best;
}

struct Timing {
  std::vector<double> ms;
  double median() const {
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[s.size() / 2];
  }
  double min() const { return *std::min_element(ms.begin(), ms.end()); }
  double max() const { return *std::max_element(ms.begin(), ms.end()); }
};

double timeOnce(const std::function<void()> &fn) {
  auto t0 = std::chrono::steady_clock::now();
  fn();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

/// Runs each system once per round, `rounds` times after `warmup` rounds.
std::vector<Timing> interleave(const std::vector<std::function<void()>> &fns,
                               int rounds, int warmup = 3) {
  std::vector<Timing> t(fns.size());
  for (int r = 0; r < warmup + rounds; ++r) {
    for (size_t i = 0; i < fns.size(); ++i) {
      double ms = timeOnce(fns[i]);
      if (r >= warmup) {
        t[i].ms.push_back(ms);
      }
    }
  }
  return t;
}

[[noreturn]] void die(const std::string &message) {
  llvm::errs() << "sinter-bench-cpu: " << message << "\n";
  std::exit(1);
}

/// A compiled model, loaded with `threads` threads, with its buffers.
struct Loaded {
  rt::Runtime runtime;
  rt::Model model;
  rt::Context context;
  std::vector<std::vector<uint8_t>> in, out;
  std::vector<sinter_tensor_view_t> inViews, outViews;
  void run() {
    rt::Status s = context.run(inViews, outViews);
    if (!s.ok()) {
      die(s.toString());
    }
  }
};

std::unique_ptr<Loaded> load(const std::string &so, int threads,
                             const std::vector<reference::HostTensor> &inputs) {
  auto l = std::make_unique<Loaded>();
  rt::Status s = rt::Runtime::create(threads, &l->runtime);
  if (s.ok()) {
    s = rt::Model::loadFile(l->runtime, so, &l->model);
  }
  if (s.ok()) {
    s = rt::Context::create(l->model, &l->context);
  }
  if (!s.ok()) {
    die(s.toString());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    l->in.push_back(reference::encodeTensor(inputs[i]));
  }
  for (size_t i = 0; i < l->model.numInputs(); ++i) {
    sinter_tensor_info_t info;
    (void)l->model.inputInfo(i, &info);
    l->inViews.push_back(rt::makeView(l->in[i].data(), info));
  }
  for (size_t i = 0; i < l->model.numOutputs(); ++i) {
    sinter_tensor_info_t info;
    (void)l->model.outputInfo(i, &info);
    l->out.emplace_back(info.byte_size);
  }
  for (size_t i = 0; i < l->model.numOutputs(); ++i) {
    sinter_tensor_info_t info;
    (void)l->model.outputInfo(i, &info);
    l->outViews.push_back(rt::makeView(l->out[i].data(), info));
  }
  return l;
}

struct Compiled {
  std::string so;
  double compileMs = 0;
  std::vector<reference::HostTensor> inputs;
  std::vector<reference::HostTensor> reference; // empty if not evaluated
};

Compiled compile(mlir::ModuleOp module, const std::string &dir,
                 const std::string &name, bool evaluate) {
  Compiled c;
  mlir::OwningOpRef<mlir::ModuleOp> source = module.clone();
  mlir::func::FuncOp fn = *source->getOps<mlir::func::FuncOp>().begin();
  for (size_t i = 0; i < fn.getNumArguments(); ++i) {
    auto t = mlir::cast<mlir::RankedTensorType>(fn.getArgument(i).getType());
    c.inputs.push_back(reference::HostTensor::random(
        *dtypeOf(t.getElementType()),
        std::vector<int64_t>(t.getShape().begin(), t.getShape().end()),
        100 + i));
  }
  if (evaluate) {
    auto r = reference::evaluate(fn, c.inputs);
    if (!r.ok()) {
      die(std::string(r.status().message()));
    }
    c.reference = std::move(*r);
  }
  c.so = dir + "/" + name + ".so";
  auto t0 = std::chrono::steady_clock::now();
  auto result = cpu::compileModule(module, cpu::CompileOptions{},
                                   cpu::EmitKind::SharedObject, c.so);
  c.compileMs = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  if (!result.ok()) {
    die(std::string(result.status().message()));
  }
  return c;
}

void checkAgainstReference(const Compiled &c, Loaded &l) {
  for (size_t i = 0; i < c.reference.size(); ++i) {
    const auto &want = c.reference[i];
    auto got = reference::decodeTensor(want.dtype, want.shape, l.out[i].data());
    auto cmp =
        reference::compare(got, want, reference::defaultTolerance(want.dtype));
    if (!cmp.ok) {
      die("output " + std::to_string(i) +
          " differs from the interpreter: " + cmp.message);
    }
    llvm::outs() << llvm::format("  checked against the reference "
                                 "interpreter: max abs error %.2e\n",
                                 cmp.maxAbsError);
  }
}

std::string row(const std::string &what, const Timing &t, double gflop) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "| " << what << " | "
     << llvm::format("%.2f | %.2f | %.2f", t.median(), t.min(), t.max());
  if (gflop > 0) {
    double rate = gflop / (t.median() / 1e3);
    os << llvm::format(" | %.1f", rate);
  } else {
    os << " | -";
  }
  os << " |";
  return s;
}

} // namespace

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 30;
  const double kPeakPerCore = measureFmaPeak(1);
  const double kPeakTwoCores = measureFmaPeak(2);
  llvm::outs() << llvm::format("measured f32 FMA peak: %.1f GFLOP/s on one "
                               "core, %.1f on two at once (%.2fx)\n",
                               kPeakPerCore, kPeakTwoCores,
                               kPeakTwoCores / kPeakPerCore)
               << "OpenBLAS core: " << openblas_get_corename() << "\n";
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("sinter-bench", dir)) {
    die("cannot create a temporary directory");
  }
  mlir::DialectRegistry registry;
  registerCPUCompilerDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();

  // --- matmul 1024^3 -------------------------------------------------------
  const int n = 1024;
  std::string text =
      R"(func.func @matmul(%a: tensor<1024x1024xf32>, %b: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %r = sinter.matmul %a, %b : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %r : tensor<1024x1024xf32>
})";
  auto mm = mlir::parseSourceString<mlir::ModuleOp>(text, &ctx);
  Compiled mmc = compile(*mm, dir.str().str(), "matmul", /*evaluate=*/false);
  auto mm1 = load(mmc.so, 1, mmc.inputs);
  auto mm2 = load(mmc.so, 2, mmc.inputs);
  std::vector<float> a(n * n), b(n * n), c(n * n);
  std::memcpy(a.data(), mm1->in[0].data(), a.size() * 4);
  std::memcpy(b.data(), mm1->in[1].data(), b.size() * 4);
  openblas_set_num_threads(1);
  auto blas = [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f,
                a.data(), n, b.data(), n, 0.0f, c.data(), n);
  };
  blas();
  mm1->run();
  mm2->run();
  double maxDiff = 0, maxRef = 0;
  for (int i = 0; i < n * n; ++i) {
    float s1, s2;
    std::memcpy(&s1, mm1->out[0].data() + 4 * i, 4);
    std::memcpy(&s2, mm2->out[0].data() + 4 * i, 4);
    maxDiff = std::max(
        {maxDiff, double(std::fabs(s1 - c[i])), double(std::fabs(s2 - c[i]))});
    maxRef = std::max(maxRef, double(std::fabs(c[i])));
  }
  if (maxDiff > 1e-4 * maxRef) {
    die("Sinter's matmul differs from OpenBLAS by " + std::to_string(maxDiff));
  }
  std::vector<Timing> mmt =
      interleave({blas, [&] { mm1->run(); }, [&] { mm2->run(); }}, rounds);
  double gflop = 2.0 * n * n * n / 1e9;

  // --- GELU MLP and the small GPT -----------------------------------------
  models::MlpConfig mlpConfig;
  mlpConfig.batch = 512;
  mlpConfig.inFeatures = 768;
  mlpConfig.hidden = 3072;
  mlpConfig.outFeatures = 768;
  auto mlp = models::buildMlp(ctx, mlpConfig);
  auto gpt = models::buildGpt(ctx, models::defaultSmallGptConfig());
  if (!mlp.ok() || !gpt.ok()) {
    die("cannot build the models");
  }
  Compiled mlpc = compile(**mlp, dir.str().str(), "mlp", /*evaluate=*/true);
  Compiled gptc = compile(**gpt, dir.str().str(), "gpt", /*evaluate=*/true);
  auto mlp1 = load(mlpc.so, 1, mlpc.inputs);
  auto mlp2 = load(mlpc.so, 2, mlpc.inputs);
  auto gpt1 = load(gptc.so, 1, gptc.inputs);
  auto gpt2 = load(gptc.so, 2, gptc.inputs);
  for (Loaded *l : {mlp1.get(), mlp2.get()}) {
    l->run();
    checkAgainstReference(mlpc, *l);
  }
  for (Loaded *l : {gpt1.get(), gpt2.get()}) {
    l->run();
    checkAgainstReference(gptc, *l);
  }
  std::vector<Timing> mlpt =
      interleave({[&] { mlp1->run(); }, [&] { mlp2->run(); }}, rounds);
  std::vector<Timing> gptt =
      interleave({[&] { gpt1->run(); }, [&] { gpt2->run(); }}, rounds * 10);
  double mlpGflop = 2.0 * 512 * (768.0 * 3072 * 2) / 1e9;

  llvm::outs()
      << "\n"
      << rounds << " interleaved rounds after 3 warm-up rounds; times in ms\n\n"
      << "| workload | median | min | max | GFLOP/s |\n"
      << "|---|---|---|---|---|\n"
      << row("matmul 1024^3 f32, OpenBLAS 1 thread", mmt[0], gflop) << "\n"
      << row("matmul 1024^3 f32, Sinter 1 thread", mmt[1], gflop) << "\n"
      << row("matmul 1024^3 f32, Sinter 2 threads", mmt[2], gflop) << "\n"
      << row("GELU-MLP 768-3072-768 x512, Sinter 1 thread", mlpt[0], mlpGflop)
      << "\n"
      << row("GELU-MLP 768-3072-768 x512, Sinter 2 threads", mlpt[1], mlpGflop)
      << "\n"
      << row("small GPT (seq 32, 2 layers, d 128), Sinter 1 thread", gptt[0], 0)
      << "\n"
      << row("small GPT (seq 32, 2 layers, d 128), Sinter 2 threads", gptt[1],
             0)
      << "\n\n";
  double blasRate = gflop / (mmt[0].median() / 1e3);
  double s1 = gflop / (mmt[1].median() / 1e3);
  double s2 = gflop / (mmt[2].median() / 1e3);
  llvm::outs() << llvm::format(
      "matmul: Sinter 1 thread / OpenBLAS 1 thread = %.2fx (floor 0.5x); "
      "Sinter 2 threads / 1 thread = %.2fx by medians, %.2fx by minima "
      "(floor 1.7x; the FMA kernel itself scales %.2fx here)\n",
      s1 / blasRate, s2 / s1, mmt[1].min() / mmt[2].min(),
      kPeakTwoCores / kPeakPerCore);
  llvm::outs() << llvm::format(
      "matmul fraction of the FMA peak (%.0f GFLOP/s per core): OpenBLAS "
      "%.0f%%, Sinter 1 thread %.0f%%, Sinter 2 threads %.0f%% (of 2 cores)\n",
      kPeakPerCore, 100 * blasRate / kPeakPerCore, 100 * s1 / kPeakPerCore,
      100 * s2 / (2 * kPeakPerCore));
  llvm::outs() << llvm::format(
      "compile times: matmul %.0f ms, GELU-MLP %.0f ms, small GPT %.0f ms\n",
      mmc.compileMs, mlpc.compileMs, gptc.compileMs);
  (void)llvm::sys::fs::remove_directories(dir);
  return 0;
}
