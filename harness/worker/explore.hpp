// Explore mode: runs a case's actors under the controlled scheduler, one schedule at a time,
// and searches the schedules (exhaustive with a preemption bound, PCT, random walk), replays a
// given one, or runs the sequential sanity check (every order, no preemption). Produces the
// raw result as JSON: outcomes per schedule, and the witness (a schedule string and its
// timeline) for the first forbidden outcome or deadlock.
#pragma once
#include <Python.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "worker/engine.hpp"  // LoadedCase

namespace pyrace {

struct ExploreParams {
  std::string strategy = "exhaustive";  // exhaustive / pct / random / replay / sanity
  int preemptions = 2;                  // exhaustive: the bound K
  long max_schedules = 100000;          // at most this many schedules (exhaustive: incomplete beyond)
  double time_budget_s = 60;
  std::uint64_t seed = 1;               // pct / random
  int pct_depth = 3;                    // pct: the bug depth d (d - 1 priority change points)
  int threads = 2;
  long iterations = 2;                  // loop cases: actor calls per thread per schedule
  std::string schedule;                 // replay: the schedule string
  long repeat = 1;                      // replay: how many times
  long max_steps = 200000;              // a schedule longer than this is a livelock
  long spin_limit = 1000;               // steps a thread may take in a row while others could run
  bool all_points = false;              // every instruction a scheduling point (no reduction)
  bool scope_all = false;               // points in library code too, not only the case file's
  // fibers: every actor on this OS thread, a stack switch per hand-over (fiber_pool.hpp); threads:
  // an OS thread per actor. Fibers where the build has them (not under a sanitizer), else threads.
  std::string engine = "fibers";
  bool cache = true;                    // exhaustive: queue nothing from states reached before (the state cache)
  bool trace = true;                    // render the witness timeline
  // The sanity check: the stress run's sizes (its ITERATIONS, no EXPLORE overrides), since it
  // vouches for the case as stress runs it.
  bool stress_sizes = false;
  // A thread holding the turn this long without a step is blocked outside the model (I/O, an
  // unmodelled lock, a C call that waits): the search ends with an error naming it (0: no watch;
  // the sanity check).
  double stall_s = 5;
};

// Ends the worker with this explore result (an "error" naming the stalled thread); called on the
// stall watch's thread, which is never attached: it must not touch the interpreter.
using StallHandler = std::function<void(const nlohmann::json&)>;

// Sets up sys.monitoring and the scheduler module before the case is loaded (the blocking
// stand-ins must be in `threading` when the case imports it). Call once per worker.
void prepare_explore(const ExploreParams& p);

// Runs the search; the caller is attached. Errors of case code (setup, arbiter) end it with
// {"error": {...}} in the result, as the stress engine's ERROR.
nlohmann::json run_explore(PyInterpreterState* interp, const LoadedCase& c, const ExploreParams& p,
                           const StallHandler& on_stall = {});

}  // namespace pyrace
