#include "worker/actor_pool.hpp"

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <string>

#include "py/interp.hpp"

namespace pyrace {

namespace {
inline void cpu_relax() { __builtin_ia32_pause(); }

// Waits until pred() holds: a spin of up to 50 ms when allowed (a futex wake-up costs tens of
// microseconds and lands the threads out of step), then a futex wait on `word`.
template <typename T, typename Pred>
void wait_until(std::atomic<T>& word, Pred pred, bool spin) {
  if (spin) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    for (int i = 0;; ++i) {
      if (pred()) return;
      cpu_relax();
      if ((i & 1023) == 0 && std::chrono::steady_clock::now() > deadline) break;
    }
  }
  for (;;) {
    T seen = word.load(std::memory_order_acquire);
    if (pred()) return;
    word.wait(seen, std::memory_order_acquire);
  }
}
}  // namespace

namespace {
void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);  // best effort: a refusal only costs detection speed
}
}  // namespace

ActorPool::ActorPool(PyInterpreterState* interp, int threads, bool gil_on, bool handoff)
    : interp_(interp), gil_on_(gil_on), barrier_(!handoff) {
  // The CPUs this process may use (a container or taskset may allow fewer than the machine has).
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus_.push_back(c);
    saved_affinity_ = allowed;
  }
  // Spinning threads that outnumber the cores steal them from the threads doing the work.
  fits_ = !cpus_.empty() && static_cast<size_t>(threads) <= cpus_.size();
  spin_ = fits_ && !handoff;
  // One actor per CPU: the scheduler likes to wake a thread on its waker's CPU, and two actors
  // time-sliced on one core take turns instead of racing (seen as trials with no interleaving).
  if (spin_) {
    cpus_.resize(threads);
    pin_to(cpus_[0]);
    restore_affinity_ = true;
  } else {
    cpus_.clear();
  }
  const int helpers = threads - 1;
  threads_.reserve(helpers);
  py::Detached d;  // new threads attach while we wait for them
  for (int i = 1; i <= helpers; ++i) threads_.emplace_back([this, i] { thread_main(i); });
  wait_until(started_, [&] { return started_.load() == helpers; }, false);
}

ActorPool::~ActorPool() {
  py::Detached d;  // the threads need to attach to delete their thread states
  stop_ = true;
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
  if (restore_affinity_) sched_setaffinity(0, sizeof saved_affinity_, &saved_affinity_);
}

void ActorPool::run(const std::function<void(int)>& job) {
  job_ = &job;
  remaining_.store(static_cast<int>(threads_.size()), std::memory_order_relaxed);
  arrived_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  if (!gil_on_ && barrier_) start_barrier();
  job(0);
  py::Detached d;  // waiting detached lets GC and other stop-the-world phases proceed
  wait_until(remaining_, [&] { return remaining_.load(std::memory_order_acquire) == 0; }, spin_);
}

// Lines the actors up after they woke at slightly different times. Bounded: a thread held in
// attach (say, behind a stop-the-world pause) must not turn this barrier into a deadlock.
void ActorPool::start_barrier() {
  const int n = size();
  arrived_.fetch_add(1, std::memory_order_acq_rel);
  for (long i = 0; i < 200000 && arrived_.load(std::memory_order_acquire) < n; ++i) {
    if (spin_) {
      cpu_relax();
    } else {
      sched_yield();
    }
  }
}

void ActorPool::thread_main(int index) {
  // Named, so that a ThreadSanitizer report (and gdb, top -H) says which actor a thread ran.
  ::pthread_setname_np(::pthread_self(), ("pyrace-act-" + std::to_string(index)).c_str());
  if (!cpus_.empty()) pin_to(cpus_[index]);
  py::AttachedThread attached(interp_);
  started_.fetch_add(1);
  started_.notify_all();
  std::uint64_t seen = 0;
  for (;;) {
    {
      py::Detached d;  // waiting detached lets GC and other stop-the-world phases proceed
      wait_until(generation_, [&] { return generation_.load(std::memory_order_acquire) != seen; }, spin_);
      seen = generation_.load(std::memory_order_acquire);
    }
    if (stop_) break;
    if (!gil_on_ && barrier_) start_barrier();
    (*job_)(index);
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) remaining_.notify_all();
  }
}

}  // namespace pyrace
