//===- ThreadPoolTest.cpp - The runtime's CPU thread pool -------*- C++ -*-===//
//
// parallel_for must call its task on disjoint ranges covering [0, count)
// exactly once, for any count and thread count, from concurrent callers and
// from inside its own tasks, and must really use more than one thread.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/ThreadPool.h"

#include "gtest/gtest.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using sinter::runtime::ThreadPool;

namespace {

/// Counts how often each index was visited, and checks each range.
struct Coverage {
  explicit Coverage(int64_t count)
      : hits(new std::atomic<int>[count > 0 ? count : 1]), count(count) {
    for (int64_t i = 0; i < (count > 0 ? count : 1); ++i) {
      hits[i].store(0);
    }
  }
  static void task(void *context, int64_t begin, int64_t end) {
    auto *self = static_cast<Coverage *>(context);
    self->calls.fetch_add(1);
    if (begin < 0 || end > self->count || begin >= end) {
      self->badRanges.fetch_add(1);
      return;
    }
    for (int64_t i = begin; i < end; ++i) {
      self->hits[i].fetch_add(1, std::memory_order_relaxed);
    }
  }
  /// Number of indices not visited exactly once.
  int64_t wrong() const {
    int64_t wrong = 0;
    for (int64_t i = 0; i < count; ++i) {
      wrong += hits[i].load() != 1;
    }
    return wrong;
  }
  std::unique_ptr<std::atomic<int>[]> hits;
  int64_t count;
  std::atomic<int> calls{0};
  std::atomic<int> badRanges{0};
};

TEST(RuntimeThreadPoolTest, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 4, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.numThreads(), threads);
    for (int64_t count : {0, 1, 2, 3, 4, 5, 7, 8, 9, 1000, 100003}) {
      Coverage coverage(count);
      pool.parallelFor(&Coverage::task, &coverage, count);
      EXPECT_EQ(coverage.wrong(), 0)
          << "threads " << threads << " count " << count;
      EXPECT_EQ(coverage.badRanges.load(), 0);
      if (count == 0) {
        EXPECT_EQ(coverage.calls.load(), 0);
      } else {
        // A few contiguous chunks per thread (4), never more than count.
        EXPECT_GE(coverage.calls.load(), 1);
        EXPECT_LE(coverage.calls.load(),
                  std::min<int64_t>(int64_t(threads) * 4, count));
      }
    }
  }
}

TEST(RuntimeThreadPoolTest, NegativeCountDoesNothing) {
  ThreadPool pool(4);
  Coverage coverage(0);
  pool.parallelFor(&Coverage::task, &coverage, -5);
  EXPECT_EQ(coverage.calls.load(), 0);
  ThreadPool::parallelForThunk(&pool, &Coverage::task, &coverage, 0);
  EXPECT_EQ(coverage.calls.load(), 0);
}

TEST(RuntimeThreadPoolTest, BelowOneThreadMeansOne) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.numThreads(), 1);
  Coverage coverage(10);
  pool.parallelFor(&Coverage::task, &coverage, 10);
  EXPECT_EQ(coverage.wrong(), 0);
  EXPECT_EQ(coverage.calls.load(), 1); // inline, one range
}

TEST(RuntimeThreadPoolTest, ManyBackToBackLoops) {
  // Exercises the hand-over between jobs: workers still finishing job g
  // while the caller publishes job g+1.
  ThreadPool pool(4);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    int64_t count = 1 + iteration % 13;
    Coverage coverage(count);
    pool.parallelFor(&Coverage::task, &coverage, count);
    ASSERT_EQ(coverage.wrong(), 0) << "iteration " << iteration;
  }
}

TEST(RuntimeThreadPoolTest, ConcurrentCallers) {
  ThreadPool pool(4);
  constexpr int kCallers = 6;
  std::atomic<int64_t> wrong{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int iteration = 0; iteration < 300; ++iteration) {
        int64_t count = 1 + (iteration * 7 + c) % 200;
        Coverage coverage(count);
        ThreadPool::parallelForThunk(&pool, &Coverage::task, &coverage, count);
        wrong += coverage.wrong() + coverage.badRanges.load();
      }
    });
  }
  for (std::thread &caller : callers) {
    caller.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

struct Nested {
  ThreadPool *pool;
  std::atomic<int64_t> wrong{0};
  static void task(void *context, int64_t begin, int64_t end) {
    auto *self = static_cast<Nested *>(context);
    for (int64_t i = begin; i < end; ++i) {
      Coverage inner(50);
      self->pool->parallelFor(&Coverage::task, &inner, 50);
      self->wrong += inner.wrong();
    }
  }
};

TEST(RuntimeThreadPoolTest, NestedLoopsRunInline) {
  ThreadPool pool(4);
  Nested nested{&pool};
  pool.parallelFor(&Nested::task, &nested, 16);
  EXPECT_EQ(nested.wrong.load(), 0);
}

/// Each chunk waits (up to a few seconds) until two different threads have
/// run a chunk: passes only if the pool really runs chunks in parallel.
struct Rendezvous {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<bool> met{false};
  static void task(void *context, int64_t, int64_t) {
    auto *self = static_cast<Rendezvous *>(context);
    {
      std::lock_guard<std::mutex> lock(self->mutex);
      self->threads.insert(std::this_thread::get_id());
      if (self->threads.size() >= 2) {
        self->met.store(true);
      }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!self->met.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
};

TEST(RuntimeThreadPoolTest, UsesWorkerThreads) {
  ThreadPool pool(4);
  // After an idle period, so the workers are asleep on the condition
  // variable and must be woken.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Rendezvous rendezvous;
  pool.parallelFor(&Rendezvous::task, &rendezvous, 4);
  EXPECT_TRUE(rendezvous.met.load());
  EXPECT_GE(rendezvous.threads.size(), 2u);
}

} // namespace
