// Persistent actor threads: created once per case, each with its thread state attached for
// its whole life, released together for every round of work.
#pragma once
#include <Python.h>

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
  ActorPool(PyInterpreterState* interp, int threads, bool gil_on);
  ~ActorPool();
  ActorPool(const ActorPool&) = delete;
  ActorPool& operator=(const ActorPool&) = delete;

  // Runs job(thread_index) on every actor thread, released together, and returns when all are
  // done. The caller must be attached; it detaches while it waits.
  void run(const std::function<void(int)>& job);
  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void thread_main(int index);
  void start_barrier();

  PyInterpreterState* interp_;
  bool gil_on_;
  bool spin_ok_;  // only spin when every actor and the coordinator have a core of their own
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  std::atomic<int> arrived_{0};
  std::atomic<int> started_{0};
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace pyrace
