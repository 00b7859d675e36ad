//===- ThreadPool.h - The CPU thread pool behind parallel_for ---*- C++ -*-===//
//
// Persistent workers that run the parallel loops of generated code. One
// parallel_for at a time uses the workers; a caller that finds them busy
// (another context running concurrently, or a nested loop inside a task)
// runs its whole range inline on its own thread, so concurrent callers are
// always safe and never wait for each other.
//
//===----------------------------------------------------------------------===//

#ifndef SINTER_RUNTIME_SRC_THREADPOOL_H
#define SINTER_RUNTIME_SRC_THREADPOOL_H

#include "sinter/abi.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace sinter::runtime {

class ThreadPool {
public:
  /// `numThreads` counts the calling thread: numThreads - 1 workers start.
  /// Values below 1 are treated as 1.
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int numThreads() const { return numThreads_; }

  /// Calls `task(context, begin, end)` on disjoint contiguous ranges covering
  /// [0, count): a few ranges per thread, claimed dynamically, the caller
  /// running ranges too.
  /// Returns when all have finished. count <= 0 does nothing. Thread-safe;
  /// runs inline when the workers are busy.
  void parallelFor(sinter_abi_task_fn task, void *context, int64_t count);

  /// The sinter_abi_parallel_for_fn handed to generated code; `pool` is a
  /// ThreadPool*.
  static void parallelForThunk(void *pool, sinter_abi_task_fn task,
                               void *context, int64_t count);

private:
  void workerLoop();
  /// Claims and runs chunks of the job of generation `generation` until
  /// none are left to claim.
  void runChunks(uint32_t generation);

  const int numThreads_;
  std::vector<std::thread> workers_;

  // Held by the one caller whose job owns the workers.
  std::atomic<bool> busy_{false};

  // The job. Written by the owning caller before it publishes `claim_`, and
  // not rewritten until every chunk has completed, so a worker that claimed
  // a chunk reads consistent values.
  sinter_abi_task_fn task_ = nullptr;
  void *context_ = nullptr;
  int64_t count_ = 0;
  int64_t numChunks_ = 0;

  // (generation << 32) | chunks left to claim. Claiming is a CAS that checks
  // the generation, so a late worker cannot claim a chunk of a newer job
  // with the fields of an older one.
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> completed_{0};
  uint32_t generation_ = 0; // written by the owning caller only

  // Sleeping: workers spin briefly for a new generation, then block.
  std::mutex mutex_;
  std::condition_variable workCv_;
  std::condition_variable doneCv_;
  std::atomic<int> sleepingWorkers_{0};
  std::atomic<bool> callerSleeping_{false};
  std::atomic<bool> stop_{false};
};

} // namespace sinter::runtime

#endif // SINTER_RUNTIME_SRC_THREADPOOL_H
