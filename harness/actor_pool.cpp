#include "actor_pool.hpp"

#include <sched.h>

#include <chrono>

#include "py/interp.hpp"

namespace pyrace {

namespace {
inline void cpu_relax() { __builtin_ia32_pause(); }

// Waits until pred() holds: a short spin when allowed, then a futex wait on `word` (so waiting
// threads do not steal cores from working ones when there are more threads than cores).
template <typename T, typename Pred>
void wait_until(std::atomic<T>& word, Pred pred, bool spin) {
  if (spin) {
    for (int i = 0; i < 20000; ++i) {
      if (pred()) return;
      cpu_relax();
    }
  }
  for (;;) {
    T seen = word.load(std::memory_order_acquire);
    if (pred()) return;
    word.wait(seen, std::memory_order_acquire);
  }
}
}  // namespace

ActorPool::ActorPool(PyInterpreterState* interp, int threads, bool gil_on)
    : interp_(interp), gil_on_(gil_on) {
  unsigned cores = std::thread::hardware_concurrency();
  spin_ok_ = cores == 0 ? false : static_cast<unsigned>(threads) <= cores;
  threads_.reserve(threads);
  {
    py::Detached d;  // new threads attach while we wait for them
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this, i] { thread_main(i); });
    wait_until(started_, [&] { return started_.load() == threads; }, false);
  }
}

ActorPool::~ActorPool() {
  py::Detached d;  // the threads need to attach to delete their thread states
  stop_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void ActorPool::run(const std::function<void(int)>& job) {
  job_ = &job;
  const int n = size();
  remaining_.store(n, std::memory_order_relaxed);
  arrived_.store(0, std::memory_order_relaxed);
  py::Detached d;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  wait_until(remaining_, [&] { return remaining_.load(std::memory_order_acquire) == 0; }, spin_ok_);
}

// Aligns the actors after they woke at slightly different times. Bounded: a thread stuck in
// attach (say, behind a stop-the-world pause) must not turn this barrier into a deadlock.
void ActorPool::start_barrier() {
  const int n = size();
  arrived_.fetch_add(1, std::memory_order_acq_rel);
  for (long i = 0; i < 200000 && arrived_.load(std::memory_order_acquire) < n; ++i) {
    if (spin_ok_) {
      cpu_relax();
    } else {
      sched_yield();
    }
  }
}

void ActorPool::thread_main(int index) {
  py::AttachedThread attached(interp_);
  started_.fetch_add(1);
  started_.notify_all();
  std::uint64_t seen = 0;
  for (;;) {
    {
      py::Detached d;  // waiting detached lets GC and other stop-the-world phases proceed
      wait_until(generation_, [&] { return generation_.load(std::memory_order_acquire) != seen; }, spin_ok_);
      seen = generation_.load(std::memory_order_acquire);
    }
    if (stop_) break;
    if (!gil_on_) start_barrier();
    (*job_)(index);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_all();
  }
}

}  // namespace pyrace
