//===- sinter-limits.cpp - This machine's physical limits -----------------===//
//
// Measures what the hardware can do at best, so the benchmark harness can say
// how far each workload is from it (its roofline):
//   - f32 FMA peak: independent chains of FMAs on the widest vectors, nothing
//     loaded from memory;
//   - bf16 dot peak: the same with vdpbf16ps (AVX512-BF16), when the CPU has it;
//   - memory bandwidth: a STREAM triad a[i] = b[i] + s * c[i] on arrays far
//     larger than the last-level cache, counted as STREAM does (two reads
//     and one write per element, 12 bytes for f32, no write-allocate).
// Each is measured on 1..N threads at once (best of several repetitions, as
// STREAM reports) and printed as one JSON object.
//
// Usage: sinter-limits [--threads N] [--triad-mib M] [--quick]
// (--quick: fewer and shorter repetitions; the triad arrays stay large.)
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

// 16 independent accumulators cover the FMA latency (4 cycles) on both FMA
// ports; the result is summed so the loop cannot be removed.
__attribute__((target("avx512f"))) float fmaLoopAvx512(int64_t iters) {
  __m512 acc[16];
  for (int j = 0; j < 16; ++j)
    acc[j] = _mm512_set1_ps(float(j));
  __m512 a = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 16; ++j)
      acc[j] = _mm512_fmadd_ps(acc[j], a, c);
  for (int j = 1; j < 16; ++j)
    acc[0] = _mm512_add_ps(acc[0], acc[j]);
  return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2,fma"))) float fmaLoopAvx2(int64_t iters) {
  __m256 acc[16];
  for (int j = 0; j < 16; ++j)
    acc[j] = _mm256_set1_ps(float(j));
  __m256 a = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 16; ++j)
      acc[j] = _mm256_fmadd_ps(acc[j], a, c);
  float out[8], sum = 0;
  for (int j = 0; j < 16; ++j) {
    _mm256_storeu_ps(out, acc[j]);
    for (float v : out)
      sum += v;
  }
  return sum;
}

// vdpbf16ps: 16 lanes x 2 bf16 products accumulated in f32 = 64 flops.
__attribute__((target("avx512f,avx512bf16"))) float
bf16DotLoop(int64_t iters) {
  __m512 acc[16];
  for (int j = 0; j < 16; ++j)
    acc[j] = _mm512_set1_ps(float(j));
  __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80); // 1.0
  __m512bh b = (__m512bh)_mm512_set1_epi16(0x3380); // 2^-24
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < 16; ++j)
      acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
  for (int j = 1; j < 16; ++j)
    acc[0] = _mm512_add_ps(acc[0], acc[j]);
  return _mm512_reduce_add_ps(acc[0]);
}

/// Runs `body(thread)` on `threads` threads at once and returns the wall time.
double runOnThreads(int threads, const std::function<void(int)> &body) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back(body, t);
  for (auto &t : pool)
    t.join();
  return seconds(t0);
}

volatile float gSink;

/// GFLOP/s of `threads` threads each running `loop(iters)`, best of `reps`.
double computePeak(int threads, int reps, int64_t iters, double flopsPerIter,
                   float (*loop)(int64_t)) {
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    std::vector<float> sinks(threads);
    double s = runOnThreads(threads, [&](int t) { sinks[t] = loop(iters); });
    gSink = sinks[0];
    best = std::max(best, threads * flopsPerIter * iters / s / 1e9);
  }
  return best;
}

/// The last-level cache in bytes (0 when the system does not say).
int64_t lastLevelCacheBytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (l3 > 0)
    return l3;
  FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
  if (!f)
    return 0;
  long kib = 0;
  if (fscanf(f, "%ldK", &kib) != 1)
    kib = 0;
  fclose(f);
  return int64_t(kib) * 1024;
}

/// STREAM triad GB/s on `threads` threads, each owning a contiguous slice
/// that it also first-touched (so its pages are local to it).
double triadBandwidth(int threads, int reps, int64_t n, float *a, float *b,
                      float *c) {
  auto slice = [&](int t, int64_t &lo, int64_t &hi) {
    lo = n * t / threads;
    hi = n * (t + 1) / threads;
  };
  runOnThreads(threads, [&](int t) {
    int64_t lo, hi;
    slice(t, lo, hi);
    for (int64_t i = lo; i < hi; ++i) {
      a[i] = 0.f;
      b[i] = 1.f;
      c[i] = 2.f;
    }
  });
  const float s = 3.f;
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double t = runOnThreads(threads, [&](int th) {
      int64_t lo, hi;
      slice(th, lo, hi);
      float *__restrict pa = a;
      const float *__restrict pb = b;
      const float *__restrict pc = c;
      for (int64_t i = lo; i < hi; ++i)
        pa[i] = pb[i] + s * pc[i];
    });
    best = std::max(best, 3.0 * sizeof(float) * n / t / 1e9);
  }
  gSink = a[n / 2];
  return best;
}

void usage(const char *argv0) {
  fprintf(stderr, "usage: %s [--threads N] [--triad-mib M] [--quick]\n",
          argv0);
}

} // namespace

int main(int argc, char **argv) {
  int maxThreads = int(std::thread::hardware_concurrency());
  int64_t triadMiB = 0;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      maxThreads = atoi(argv[++i]);
    } else if (arg == "--triad-mib" && i + 1 < argc) {
      triadMiB = atoll(argv[++i]);
    } else if (arg == "--quick") {
      quick = true;
    } else {
      usage(argv[0]);
      return 2;
    }
  }
  if (maxThreads < 1 || maxThreads > 1024 || triadMiB < 0) {
    fprintf(stderr, "sinter-limits: --threads must be in [1, 1024] and "
                    "--triad-mib non-negative\n");
    return 2;
  }
  const int64_t llc = lastLevelCacheBytes();
  if (triadMiB == 0) // Each array 4x the LLC (at least 256 MiB).
    triadMiB = std::max<int64_t>(256, 4 * llc / (1 << 20));
  const int reps = quick ? 3 : 5;
  const int64_t iters = quick ? 10'000'000 : 20'000'000;

  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool bf16 = avx512 && __builtin_cpu_supports("avx512bf16");
  const int lanes = avx512 ? 16 : 8;
  float (*fmaLoop)(int64_t) = avx512 ? fmaLoopAvx512 : fmaLoopAvx2;

  const int64_t n = triadMiB * (1 << 20) / int64_t(sizeof(float));
  float *a = static_cast<float *>(aligned_alloc(64, n * sizeof(float)));
  float *b = static_cast<float *>(aligned_alloc(64, n * sizeof(float)));
  float *c = static_cast<float *>(aligned_alloc(64, n * sizeof(float)));
  if (!a || !b || !c) {
    fprintf(stderr, "sinter-limits: cannot allocate 3 x %lld MiB\n",
            (long long)triadMiB);
    return 1;
  }

  printf("{\n  \"vector_bits\": %d,\n  \"has_avx512_bf16\": %s,\n"
         "  \"llc_bytes\": %lld,\n  \"triad_array_bytes\": %lld,\n"
         "  \"by_threads\": {",
         lanes * 32, bf16 ? "true" : "false", (long long)llc,
         (long long)(n * sizeof(float)));
  for (int t = 1; t <= maxThreads; ++t) {
    double fma = computePeak(t, reps, iters, 2.0 * lanes * 16, fmaLoop);
    double dot = bf16 ? computePeak(t, reps, iters, 64.0 * 16, bf16DotLoop)
                      : 0.0;
    double triad = triadBandwidth(t, reps, n, a, b, c);
    printf("%s\n    \"%d\": {\"f32_fma_gflops\": %.1f, "
           "\"bf16_dot_gflops\": %.1f, \"triad_gbps\": %.2f}",
           t == 1 ? "" : ",", t, fma, dot, triad);
    fflush(stdout);
  }
  printf("\n  }\n}\n");
  free(a);
  free(b);
  free(c);
  return 0;
}
