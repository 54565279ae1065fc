// The controlled scheduler of explore mode: the actor threads run one at a time, and at every
// scheduling point (before a bytecode instruction of the case's code that may touch shared
// state, reported by sys.monitoring) a chooser decides which thread takes the next step.
// Threads waiting for their turn wait detached, on a futex of their own; blocking primitives
// (explore_model.py's stand-ins) tell the scheduler instead of blocking, so a schedule where
// every live thread waits is a deadlock the scheduler sees, not a hang.
#pragma once
#include <Python.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "py/ref.hpp"
#include "worker/access_model.hpp"
#include "worker/fiber_pool.hpp"
#include "worker/trace_hash.hpp"

namespace pyrace {

// What a chooser sees at a step: the threads that may take it, and who took the last one.
struct Decision {
  std::uint64_t enabled = 0;  // bit t: thread t may take this step
  int prev = -1;              // the thread that took the previous step (-1: this is the first)
  bool prev_enabled = false;  // ...and it could go on: choosing another thread preempts it
  size_t step = 0;            // steps taken so far in this schedule
  // With set_track(true): per enabled thread u, the fingerprint of the state u's step would lead
  // to (trace_hash.hpp), the same for every equivalent schedule prefix; null when not tracking
  // (the scheduler's own array: a decision costs no 64-entry copy).
  const std::uint64_t* after = nullptr;
};

// The non-preemptive default: the previous thread if it can go on, else the lowest-numbered one.
int default_choice(const Decision& d);
inline bool preempts(const Decision& d, int choice) { return d.prev_enabled && choice != d.prev; }

enum class AbortKind { None, Deadlock, Livelock, Mismatch };

class Scheduler {
 public:
  using Chooser = std::function<int(const Decision&)>;
  static constexpr int kMaxThreads = 64;

  explicit Scheduler(int threads);
  int threads() const { return n_; }
  // Every actor has a core of its own (ActorPool::can_spin): a thread waiting for its turn spins a
  // little before it sleeps, so a hand-off between threads on two cores costs no futex wake-up.
  void set_spin(bool spin) { spin_ = spin; }
  // The actors are fibers on one OS thread (fiber_pool.hpp): handing the turn is a switch to the
  // fiber that has it, not a futex wake-up. Set before the first schedule; null: threads.
  void set_fibers(FiberPool* fibers) { fibers_ = fibers; }
  bool fibers() const { return fibers_ != nullptr; }
  // Fibers: an actor other than `self` that has the turn (after an abort, several do), or -1.
  int next_holder(int self) const;
  // Track what each step reads and writes, for Decision::after (costs a look at the frames per decision).
  void set_track(bool track) { track_ = track; }
  bool tracking() const { return track_; }

  // Coordinator, before the actors are released: a fresh schedule. The tracer (may be null) is
  // explore_model.Tracer: told every step and event, on the thread that takes it.
  void begin(Chooser choose, PyObject* tracer, long max_steps, long spin_limit);

  // Actor thread t, around its actor (attached). enter() waits for the thread's first turn and
  // returns false when the schedule was aborted before it (the actor must not run).
  bool enter(int t);
  // raised: the actor ended with an exception (which one came first is part of the outcome).
  void leave(int t, bool raised = false);

  // Called from the monitoring callback and the stand-ins, on the thread holding the turn.
  // false / -1: the schedule was aborted and ScheduleAborted is set (it unwinds the actor).
  // site: the point's instruction and frame, to classify the step from it (with set_track).
  bool point(int t, PyObject* code, int offset, const std::string* file = nullptr, const StepSite* site = nullptr);
  int block(int t, PyObject* key, const std::string& what, bool timed);  // 1 woken, 0 timed out
  void wake(PyObject* key);

  const std::vector<int>& choices() const { return choices_; }
  int preemptions() const { return preemptions_; }
  long most_steps() const { return most_steps_; }  // the most steps one thread took in this schedule
  AbortKind abort_kind() const { return abort_kind_; }
  const std::string& abort_reason() const { return abort_reason_; }
  const std::vector<std::string>& deadlock() const { return deadlock_; }  // per blocked thread: what it waits for
  // The thread the current OS thread is in the running schedule, or -1.
  static int current_thread();

  // For the stall watch (stall_watch.hpp), from a thread of its own that never attaches: whether
  // a schedule is under way, a count that moves at every step, hand-over and finish, the thread
  // holding the turn, and where it last was (the point it took its turn at; code null: before its
  // first point). A thread that keeps the turn without moving is blocked outside the model.
  struct Where {
    PyObject* code = nullptr;         // kept alive by the scheduler's code cache
    int offset = -1;
    const std::string* file = nullptr;  // the code's co_filename, in the same cache
  };
  bool in_schedule() const { return in_schedule_.load(std::memory_order_acquire); }
  std::uint64_t progress() const { return progress_.load(std::memory_order_acquire); }
  int holder() const { return holder_.load(std::memory_order_acquire); }
  Where where(int t) const;

 private:
  enum class State { Idle, Ready, Running, Blocked, Done };
  struct Slot {
    State state = State::Idle;
    PyObject* key = nullptr;  // Blocked: what it waits on (compared by identity only)
    std::string what;
    bool timed = false, timed_out = false;
    StepSite site;          // with track_: where it is parked (valid when at_point)
    bool at_point = false;  // false: before its first point, or woken inside a blocking call
    Access pending;         // what its next step touches, classified at the last decision
    long steps = 0;         // steps it took in this schedule
    std::atomic<PyObject*> at_code{nullptr};  // where it last took its turn (Where)
    std::atomic<int> at_offset{-1};
    std::atomic<const std::string*> at_file{nullptr};
    alignas(64) std::atomic<std::uint32_t> go{0};
  };

  // Picks the thread for the next step after `prev` stopped (prev may still be Ready) and hands it
  // the turn. Returns the chosen thread, or -1 when nobody can run (deadlock, or all done).
  int decide_and_hand(int prev);
  void hand(int u);
  bool wait_turn(int t);  // detached; false when aborted
  void abort(AbortKind kind, std::string reason);
  void trace_point(int t, PyObject* code, int offset);
  void trace_event(int t, const std::string& what);
  bool raise_aborted();

  int n_;
  std::unique_ptr<Slot[]> slots_;
  Chooser choose_;
  PyObject* tracer_ = nullptr;
  long max_steps_ = 0, spin_limit_ = 0;
  bool spin_ = false;
  FiberPool* fibers_ = nullptr;
  bool track_ = false;
  TraceHash trace_;
  std::array<std::uint64_t, kMaxThreads> after_{};  // Decision::after points here
  long most_steps_ = 0;
  bool preroll_ = true;
  int last_ = -1;  // the thread that took the last step
  long run_length_ = 0;
  std::vector<int> choices_;
  int preemptions_ = 0;
  std::atomic<bool> aborted_{false};
  std::atomic<bool> in_schedule_{false};
  std::atomic<std::uint64_t> progress_{0};
  std::atomic<int> holder_{-1};
  AbortKind abort_kind_ = AbortKind::None;
  std::string abort_reason_;
  std::vector<std::string> deadlock_;
};

// The `_pyrace_sched` module the stand-ins and the monitoring callback use: me(), block(),
// wake(), instruction(code, offset) and the ScheduleAborted exception. One scheduler per process.
// point_table: 256 bytes from explore_model.point_table(); excluded_files: code from these
// files is never a scheduling point (the model, the loader: pyrace's own code).
py::Ref make_sched_module(const std::string& point_table, std::vector<std::string> excluded_files);
void attach_scheduler(Scheduler* sched);  // the scheduler me()/block()/wake() talk to (null: none)
PyObject* schedule_aborted_type();  // borrowed; after make_sched_module

}  // namespace pyrace
