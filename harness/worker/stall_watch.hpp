// Explore's stall watch: blocking the model does not know (I/O, a lock of the case's own from
// _thread, a sleep in library code, a C call that waits or never returns) leaves the thread
// holding the turn where it is, and every other thread waiting for it. A thread of its own, never attached to the
// interpreter (it must work when an attached thread is stuck), notices that no step was taken
// for the limit and reports which thread stopped where; the caller then ends the worker.
#pragma once
#include <Python.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "worker/scheduler.hpp"

namespace pyrace {

struct Stall {
  int thread = -1;
  std::string file;    // empty: the thread had not reached its first scheduling point
  int line = 0;
  std::string source;  // that line of the file, stripped (empty if unreadable)
  double seconds = 0;  // how long nothing moved
};

class StallWatch {
 public:
  // on_stall runs on the watch's thread, at most once, and must not touch the interpreter.
  StallWatch(const Scheduler& sched, double limit_s, std::function<void(const Stall&)> on_stall);
  ~StallWatch();
  StallWatch(const StallWatch&) = delete;
  StallWatch& operator=(const StallWatch&) = delete;

 private:
  void watch();

  const Scheduler& sched_;
  double limit_s_;
  std::function<void(const Stall&)> on_stall_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The stall as a sentence: which thread, where, and what explore does and does not model.
std::string stall_message(const Stall& s, const std::string& actor_name);

}  // namespace pyrace
