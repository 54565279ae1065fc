// Runs a loaded case: fresh state per sample, actors released together, arbiter per state.
// Produces the raw histogram; grading into verdicts happens later, in the supervisor.
#pragma once
#include <Python.h>

#include <string>
#include <vector>

#include "py/ref.hpp"
#include "results/names.hpp"
#include "results/outcome.hpp"

namespace pyrace {

struct EngineParams {
  int threads = kDefaultThreads;        // for a single actor(); named actors have one thread each
  long iterations = kDefaultIterations; // loop shape: calls of each actor per trial
  long trials = kDefaultTrialsLoop;     // graded outcomes to collect (loop: trials, single: states)
  size_t max_outcomes = 1000; // distinct outcomes beyond this are an error in the case
  double time_budget_s = kDefaultTimeBudgetS;  // stop collecting after this long (at least one round runs)
  bool early_stop = false;    // stop at the first FORBIDDEN outcome
  bool gil_on = false;
  // SAFE needs the 95% upper bound on the error rate over concurrent trials at or below this:
  // while it is not reached (and nothing FORBIDDEN was seen), sampling goes on past `trials`
  // until the time budget ends. 0: stop at `trials`.
  double max_rate = 0;
};

struct EngineResult {
  bool ok = true;
  std::string phase;      // on error: setup / arbiter / damage / harness
  std::string error;      // "ExcType: message"
  std::string traceback;
  int line = 0;           // on error: innermost line of the case file in the traceback
  long trials = 0;
  std::vector<OutcomeCount> outcomes;
  std::vector<RaisedKind> raised;  // exceptions that escaped actors: their trials' outcomes are "raised <type>"
  double concurrent_trials = 0;    // trials (states) during which every actor was inside its actor
  double elapsed_s = 0;
  double first_forbidden_s = -1;  // since the run started; -1 when none was seen
  std::string stop_reason;        // budget / time / forbidden / error
  long rounds = 0;
  // damage(state), when the case defines it: how bad each outcome was (e.g. fraction of updates lost).
  long damage_n = 0;
  double damage_sum = 0, damage_min = 0, damage_max = 0;
};

// The Python side of a case, as returned by the loader (a loader.Case instance).
struct LoadedCase {
  py::Ref obj;       // the loader.Case
  py::Ref loader;    // the loader module
  std::string shape; // loop / single
  py::Ref path;       // the case file's path, as Python sees it (file-system decoded)
};

// Runs the case; the caller is attached. Python exceptions from case code become an error
// result, never a C++ exception.
EngineResult run_case(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p);

}  // namespace pyrace
