//===- ThreadPool.cpp - The CPU thread pool behind parallel_for -*- C++ -*-===//
//
// A job is published by bumping a generation in one atomic word that also
// counts the chunks left to claim. Workers and the caller claim chunks with
// a compare-and-swap on that word, run them, and count completions; the
// caller returns once every chunk has completed. Chunks are claimed
// dynamically, so a worker that is slow to wake costs the caller one more
// chunk of work rather than a wait. Waiting spins for a few microseconds
// (loops in generated code come back to back) and then blocks on a condition
// variable; the store-then-check / register-then-check pairs on seq_cst
// atomics below make sure no wake-up is lost.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/ThreadPool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SINTER_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define SINTER_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define SINTER_CPU_RELAX() ((void)0)
#endif

namespace sinter::runtime {

namespace {

/// Chunks per thread in a job.
constexpr int64_t kChunksPerThread = 4;

/// How long a waiter spins before it blocks.
constexpr std::chrono::microseconds kSpinTime{50};

/// Spins until `done()` or kSpinTime has passed; returns done().
template <typename Pred> bool spinUntil(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      if (done()) {
        return true;
      }
      SINTER_CPU_RELAX();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return done();
    }
  }
}

uint32_t generationOf(uint64_t claim) {
  return static_cast<uint32_t>(claim >> 32);
}

} // namespace

ThreadPool::ThreadPool(int numThreads)
    : numThreads_(numThreads < 1 ? 1 : numThreads) {
  workers_.reserve(numThreads_ - 1);
  for (int i = 1; i < numThreads_; ++i) {
    workers_.emplace_back([this] { workerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  workCv_.notify_all();
  for (std::thread &worker : workers_) {
    worker.join();
  }
}

void ThreadPool::parallelForThunk(void *pool, sinter_abi_task_fn task,
                                  void *context, int64_t count) {
  static_cast<ThreadPool *>(pool)->parallelFor(task, context, count);
}

void ThreadPool::runChunks(uint32_t generation) {
  uint64_t claim = claim_.load(std::memory_order_acquire);
  while (generationOf(claim) == generation &&
         static_cast<uint32_t>(claim) != 0) {
    if (!claim_.compare_exchange_weak(claim, claim - 1,
                                      std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;
    }
    // Chunk index = chunks left before the claim, minus one. The job fields
    // cannot change until this chunk is counted as completed.
    int64_t chunk = static_cast<int64_t>(static_cast<uint32_t>(claim)) - 1;
    int64_t numChunks = numChunks_;
    int64_t begin = chunk * count_ / numChunks;
    int64_t end = (chunk + 1) * count_ / numChunks;
    task_(context_, begin, end);
    // After this increment the caller may publish the next job: no job field
    // is read past it. seq_cst: pairs with the caller's callerSleeping_
    // store.
    if (completed_.fetch_add(1) + 1 == numChunks && callerSleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      doneCv_.notify_one();
    }
    claim = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::workerLoop() {
  uint32_t seen = 0;
  while (true) {
    auto newJob = [&] {
      // seq_cst: pairs with the caller's claim_ store.
      return generationOf(claim_.load()) != seen || stop_.load();
    };
    if (!spinUntil(newJob)) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepingWorkers_.fetch_add(1);
      workCv_.wait(lock, newJob);
      sleepingWorkers_.fetch_sub(1);
    }
    if (stop_.load()) {
      return;
    }
    seen = generationOf(claim_.load(std::memory_order_acquire));
    runChunks(seen);
  }
}

void ThreadPool::parallelFor(sinter_abi_task_fn task, void *context,
                             int64_t count) {
  if (count <= 0) {
    return;
  }
  if (numThreads_ == 1 || count == 1 ||
      busy_.exchange(true, std::memory_order_acquire)) {
    task(context, 0, count);
    return;
  }
  task_ = task;
  context_ = context;
  count_ = count;
  // A few chunks per thread, claimed dynamically: on a shared machine a
  // thread that is descheduled for a while then delays the job by one small
  // chunk rather than by a whole 1/numThreads share.
  int64_t chunks = int64_t(numThreads_) * kChunksPerThread;
  numChunks_ = count < chunks ? count : chunks;
  completed_.store(0, std::memory_order_relaxed);
  ++generation_;
  // seq_cst: pairs with the worker's sleepingWorkers_ increment.
  claim_.store((static_cast<uint64_t>(generation_) << 32) |
               static_cast<uint64_t>(numChunks_));
  if (sleepingWorkers_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    workCv_.notify_all();
  }

  runChunks(generation_);

  auto allDone = [&] { return completed_.load() == numChunks_; };
  if (!spinUntil(allDone)) {
    std::unique_lock<std::mutex> lock(mutex_);
    callerSleeping_.store(true);
    doneCv_.wait(lock, allDone);
    callerSleeping_.store(false);
  }
  busy_.store(false, std::memory_order_release);
}

} // namespace sinter::runtime
