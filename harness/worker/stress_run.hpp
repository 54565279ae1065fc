// One stress run of a case: what the two shape drivers share. engine.cpp builds it and runs rounds
// until the budget or the evidence says stop; engine_loop.cpp (loop shape: one state per trial,
// ITERATIONS calls per actor) and engine_single.cpp (single shape: a stride of states, one call
// per actor per state) each run one round.
#pragma once
#include <Python.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <vector>

#include "worker/actor_pool.hpp"
#include "worker/clock.hpp"
#include "worker/engine.hpp"
#include "worker/tally.hpp"

namespace pyrace {

struct SingleStride;  // engine_single.cpp: one round's states, and what the actors left on each

// One actor's progress through a stride, alone on its cache line: states started and finished.
struct alignas(64) Progress {
  std::atomic<long> started{0};
  std::atomic<long> done{0};
};
constexpr long kDone = std::numeric_limits<long>::max();  // left the stride (finished or failed)

inline void cpu_relax() { __builtin_ia32_pause(); }

// When each actor entered and left its part of a round, to tell whether they ran at the same
// time: a trial where one actor finished before another started is no evidence of safety.
class Overlap {
 public:
  explicit Overlap(int n) : enter_(n), leave_(n) {}
  void enter(int t) { enter_[t] = Clock::now(); }
  void leave(int t) { leave_[t] = Clock::now(); }
  // The fraction of the round during which every actor was inside (0: they never all were).
  double fraction() const {
    if (enter_.size() == 1) return 1.0;  // one actor: nothing to overlap with
    auto first_in = *std::min_element(enter_.begin(), enter_.end());
    auto last_in = *std::max_element(enter_.begin(), enter_.end());
    auto first_out = *std::min_element(leave_.begin(), leave_.end());
    auto last_out = *std::max_element(leave_.begin(), leave_.end());
    const double span = std::chrono::duration<double>(last_out - first_in).count();
    const double both = std::chrono::duration<double>(first_out - last_in).count();
    if (both <= 0 || span <= 0) return 0.0;
    return std::min(1.0, both / span);
  }

 private:
  std::vector<Clock::time_point> enter_, leave_;  // each written by its own actor, read after the round
};

class StressRun {
 public:
  // The caller is attached; Python errors while reading the case raise py::ErrorAlreadySet.
  StressRun(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p, EngineResult& res, Histogram& hist,
            RaisedLog& raised);

  bool loop_round();    // engine_loop.cpp; false when case code failed (err holds why)
  bool single_round();  // engine_single.cpp; likewise
  // Enough evidence: the 95% upper bound on the error rate over concurrent trials reached the target.
  bool bound_reached() const;

  FirstError err;

 private:
  const Actor& actor_for(int t) const { return single_actor_ ? actors_[0] : actors_[t]; }
  // PER_THREAD_STATE: the list of per-thread states setup() returned, checked; else null.
  py::Ref own_states(PyObject* state);
  bool measure_damage(PyObject* state);
  bool count(PyObject* outcome);
  // One state's outcome: "raised <type>" when an actor raised on it (kind >= 0), else the
  // arbiter's (given the actors' results when it takes them: a tuple, one entry per thread).
  bool grade_state(PyObject* state, int kind, PyObject* results);
  // Single shape, lockstep: actor t walks the states; met[i] says whether its call on state i
  // overlapped every other actor's; kind[i] takes the first exception raised on state i.
  void lockstep_walk(int t, PyObject* states, std::vector<char>& met, std::vector<std::atomic<int>>& kind,
                     PyObject* returns);
  // Single shape: a list of want fresh states; null when setup() raised (err holds why).
  py::Ref make_states(long want);
  // The walk drivers' exceptions, each the first of its state unless one came before; false on
  // MemoryError (an error of the case, err holds it).
  bool take_walk_raised(SingleStride& s);
  // Adds the stride's states on which every actor ran at once to the concurrent trials.
  void count_concurrent(const SingleStride& s);
  // Grades every state of the stride; false when case code failed (err holds why).
  bool grade_stride(SingleStride& s);

  const LoadedCase& c_;
  const EngineParams& p_;
  EngineResult& res_;
  Histogram& hist_;
  RaisedLog& raised_;
  std::vector<Actor> actors_;
  bool single_actor_;
  int nthreads_;
  py::Ref setup_, drive_, walk_, arbiter_, damage_;
  bool collect_;    // arbiter(state, results): each actor's return values are collected for it
  bool per_thread_; // PER_THREAD_STATE
  py::Ref zero_, own_flag_, nthreads_obj_, iterations_;
  int arbiter_line_;  // errors raised in C on the arbiter's result (unhashable) have no case frame
  std::vector<py::Ref> indices_;
  ActorPool pool_;
  Overlap overlap_;
  long stride_ = 64;  // single shape: states per round, grown while rounds are short
  bool lockstep_;
  std::vector<Progress> progress_;
  long forbidden_ = 0;

 public:
  // Declared last, so the clock starts once the actor pool's threads are up (as before the split).
  const Clock::time_point t0 = Clock::now();
};

}  // namespace pyrace
