// Persistent actor threads: created once per case, each with its thread state attached for
// its whole life, released together for every round of work. The calling (coordinator)
// thread is actor 0 itself, so a case with T actors runs exactly T threads: on a machine with
// T cores nobody waits for a core, and nobody spins on one somebody else needs.
#pragma once
#include <Python.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace pyrace {

class ActorPool {
 public:
  // gil_on: the GIL is enabled, so only one thread can be attached at a time and the attached
  // start barrier would only stall; it is skipped.
  // handoff: the actors take turns (explore's controlled scheduler) instead of racing: no start
  // barrier (the scheduler orders the start), no pinning and no spinning in the pool (under load
  // a pinned thread waits for its own busy core while another core is free).
  ActorPool(PyInterpreterState* interp, int threads, bool gil_on, bool handoff = false);
  ~ActorPool();
  ActorPool(const ActorPool&) = delete;
  ActorPool& operator=(const ActorPool&) = delete;

  // Runs job(thread_index) on every actor, released together: index 0 on the calling thread,
  // the others on the pool's threads. Returns when all are done. The caller must be attached.
  void run(const std::function<void(int)>& job);
  int size() const { return static_cast<int>(threads_.size()) + 1; }
  // Every actor has a core and they can all be attached at once: busy-waiting between them is cheap.
  bool can_spin() const { return spin_ && !gil_on_; }
  // There is a core for every actor (whether or not this pool spins): short spins are cheap.
  bool fits_cores() const { return fits_; }

 private:
  void thread_main(int index);
  void start_barrier();

  PyInterpreterState* interp_;
  bool gil_on_;
  bool barrier_;
  bool fits_ = false;
  bool spin_;  // waiting threads may spin: there is a core for every actor
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  std::atomic<int> arrived_{0};
  std::atomic<int> started_{0};
  bool stop_ = false;
  std::vector<std::thread> threads_;
  std::vector<int> cpus_;  // CPU per actor when pinned (T <= cores), else empty
  bool restore_affinity_ = false;
  cpu_set_t saved_affinity_;
};

}  // namespace pyrace
