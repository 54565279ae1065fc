// Explore's actors as fibers: every actor runs on the coordinator's own OS thread, each on a
// C stack and a thread state of its own, and handing the turn to another actor is a stack switch
// (a few dozen instructions, plus detaching one thread state and attaching the other) instead of
// waking another OS thread. Only the controlled scheduler uses it: it already runs one actor at
// a time, so nothing is lost by running them all on one core.
//
// What differs from real threads (docs/explore.md says it to users): the actors share the OS
// thread's identity (threading.get_ident(), a C-level lock's owner), and a blocking call no model
// knows stops every actor at once (the stall watch reports it as it does with threads).
#pragma once
#include <Python.h>

#include <functional>
#include <vector>

namespace pyrace {

class FiberPool {
 public:
  // Compiled in: x86-64 (the switch is a few lines of assembly) and no sanitizer (ThreadSanitizer
  // and AddressSanitizer would need to be told of every switch; those builds keep threads).
  static bool available();

  // The caller (attached) is actor 0 and keeps its thread state; actors 1..threads-1 get a stack
  // and a thread state each, made here.
  FiberPool(PyInterpreterState* interp, int threads);
  ~FiberPool();
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  // Whom to switch to when actor `self` cannot go on (it waits for its turn, or its job ended):
  // an actor that has the turn, or -1 (nobody: back to actor 0, the coordinator).
  void set_picker(std::function<int(int self)> pick) { pick_ = std::move(pick); }

  // Runs job(t) for every actor, job(0) on the caller; returns when all have ended. The actors
  // start only when switched to (the scheduler picks who runs first).
  void run(const std::function<void(int)>& job);
  // From actor `from`, running and attached: detach, run actor `to` until somebody switches back
  // here, attach again.
  void switch_to(int from, int to);
  bool active(int t) const { return fibers_[static_cast<size_t>(t)].active; }

 private:
  struct Fiber {
    void* sp = nullptr;         // saved stack pointer while switched out
    void* stack = nullptr;      // the mapping (guard region included); null for actor 0
    PyThreadState* ts = nullptr;  // null for actor 0: it keeps the caller's
    bool active = false;        // its job of the current round has not ended
    FiberPool* pool = nullptr;
    int index = 0;
  };
  static void entry(void* fiber) noexcept;  // a fiber's whole life (nothing may unwind past its first frame)
  [[noreturn]] void fail(const char* what);  // ends the fibers made so far, raises OSError
  void park(int t);                // job ended: hand the core on
  void shutdown();                 // every fiber ends and its stack goes

  std::vector<Fiber> fibers_;
  std::function<int(int)> pick_;
  const std::function<void(int)>* job_ = nullptr;
  bool stop_ = false;
};

}  // namespace pyrace
