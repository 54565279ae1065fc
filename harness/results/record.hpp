// One result record per case and configuration: the raw run (written by the worker), what the
// supervisor saw of the worker process, and the grading. Serialised as one JSON line
// (schema documented in docs/results-schema.md).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "results/grade.hpp"
#include "results/outcome.hpp"
#include "results/tsan_report.hpp"

namespace pyrace {

inline constexpr const char* kSchema = "pyrace.result/1";

struct Config {
  std::string gil = "off";  // off / on
  int threads = 0;          // 0 in a request: the case's THREADS (or kDefaultThreads)
  long iterations = 0;      // 0 in a request: the case's ITERATIONS (or kDefaultIterations); loop shape only
  long trials = 0;          // 0 in a request: the case's TRIALS (or kDefaultTrialsLoop / kDefaultTrialsSingle)
  double time_budget_s = kDefaultTimeBudgetS;
  bool early_stop = false;
  double max_rate = 0;      // SAFE needs the 95% upper bound at or below this; 0: the shape's default
  // "stress" (threads released together, outcomes sampled) or "explore" (the controlled
  // scheduler searches the interleavings; docs/explore.md) and the search's settings.
  std::string mode = "stress";
  std::string strategy = "exhaustive";  // explore: exhaustive / pct / random / replay / sanity
  int preemptions = 2;                  // explore, exhaustive: the preemption bound
  long max_schedules = 100000;          // explore: at most this many schedules
  std::uint64_t seed = 1;               // explore, pct / random
  std::string schedule;                 // explore, replay: the schedule string
  std::string explore_cache = "on";         // explore, exhaustive: the state cache (off: to measure it)
  std::string explore_points = "visible";  // explore: "all" makes every instruction a scheduling point
  std::string explore_scope = "case";      // explore: "all" puts scheduling points in library code too
  std::string explore_engine = "fibers";   // explore: fibers (one OS thread, stack switches) or threads
  double explore_stall_s = 5;              // explore: a turn held this long without a step is a stall
};

struct Record {
  // identity
  std::string name, path;
  long seq = 0;     // position in the run's plan (see plan.hpp)
  std::string key;  // the plan unit: path|gil|requested threads
  Config config;
  // from the case file (empty when it could not be loaded)
  std::string expect, shape, doc, classic_row, classic_quoted;
  bool named_actors = false;
  std::vector<std::string> actors;  // the case's actors in thread order: "actor", or the <name> of each actor_<name>
  std::string fix;  // FIX: the name of the case with this pattern's fix
  // KNOWN_BUG: an interpreter bug this case runs into, with the verdict an affected build gives.
  // "affects": the interpreter versions it shows on (docs/case-format.md: "3.14.5 3.14.6",
  // "3.14.0-3.14.7", "3.14", "*"); signature: a fuzz finding's (cases/interpreter/), else empty.
  std::string known_bug_issue, known_bug_affects, known_bug_verdict, known_bug_signature;
  // status: ok (ran), malformed (the case file is wrong), exception (case code raised),
  // gil (the GIL was re-enabled), crash, timeout, deadlock (supervisor)
  std::string status;
  std::string message, traceback, output_tail;
  int line = 0;  // line in the case file the message refers to (0: the file as a whole)
  std::vector<std::string> gil_modules;
  std::vector<TsanReport> tsan;  // ThreadSanitizer reports of the worker (TSan builds only)
  // TSan builds with --show-suppressed: the suppressions that matched, with their counts.
  std::vector<TsanSuppression> tsan_suppressed;
  bool tsan_suppressed_collected = false;  // false: not asked for, or the worker did not exit by itself
  int signal = 0;
  int exit_code = 0;
  // raw run
  long trials = 0;
  std::vector<OutcomeCount> outcomes;
  std::vector<RaisedKind> raised;  // exceptions that escaped actors, by type (their trials are outcomes too)
  // Trials (single shape: states) in which every actor was inside its actor at once: only they
  // are evidence that the pattern is safe. -1: not measured (results from older pyrace).
  double concurrent_trials = -1;
  double load_avg = -1;  // the machine's 1-minute load average when the run ended (-1: unknown)
  double elapsed_s = 0, wall_s = 0, first_forbidden_s = -1;
  std::string stop_reason;
  long rounds = 0;
  long max_rss_kib = 0;  // the worker's peak resident memory
  long damage_n = 0;     // damage(state) per trial, when the case defines it
  double damage_mean = 0, damage_min = 0, damage_max = 0;
  std::string python;  // interpreter version string
  bool tsan_build = false;  // pyrace and its interpreter built with ThreadSanitizer (TSAN verdicts possible)
  // explore mode: the search's raw result (schedules, outcomes per schedule, witness with its
  // timeline); null for stress runs. Schema in docs/results-schema.md.
  nlohmann::json explore;
  // grading (filled by grade_record)
  Verdict verdict = Verdict::Error;
  long forbidden = 0, interesting = 0;
  double error_rate = 0;
  double ops_per_s = 0;  // actor calls per second over all threads (the cost of a fix shows here)
  Interval ci;
  // What SAFE needed and what the run reached: the Wilson 95% upper bound over the evidence
  // (concurrent trials when measured, else all trials) against the max rate in effect.
  SafetyBound bound;
  double concurrency = -1;  // concurrent_trials / trials when measured, else -1
  bool expectation_applies = true;  // EXPECT describes the GIL-off interpreter only
  bool as_expected = false;  // the verdict is the one EXPECT names (INCONCLUSIVE never is)
  // EXPECT safe, no FORBIDDEN outcome, but too little evidence: INCONCLUSIVE. Not as expected,
  // and not a mismatch either: exit 4 unless --allow-inconclusive (EXPECT racy + INCONCLUSIVE
  // is a mismatch: the race was not seen).
  bool inconclusive = false;
  // With KNOWN_BUG: xfail = the known bug showed (accepted, reported); xpass = the build behaved
  // as EXPECT says, so the bug looks fixed: a failure, as pytest's strict xfail, until the case is updated.
  bool xfail = false, xpass = false;
  // KNOWN_BUG concerns this run: its "affects" lists the interpreter version that ran (or the
  // version is unknown), and a TSAN verdict needs a TSan build. Otherwise EXPECT alone applies.
  bool known_bug_applies = false;
};

nlohmann::json to_json(const Config& c);
nlohmann::json tsan_json(const std::vector<TsanReport>& reports);
TsanReport tsan_from_json(const nlohmann::json& t);  // one element of tsan_json; older files lack stacks
nlohmann::json suppressed_json(const Record& r);  // null when the suppressions were not collected
nlohmann::json raised_json(const std::vector<RaisedKind>& raised);  // also the worker's "run.raised"
Config config_from_json(const nlohmann::json& j);  // missing keys keep Config's defaults

// Explore runs: the verdict the search supports (RACY with a witness, SAFE as a bounded proof or
// a sampled claim, DEADLOCK, INCONCLUSIVE), and the sentence that says what it rests on.
Verdict explore_verdict(const nlohmann::json& explore);
std::string explore_summary(const Record& r);

// Fills the grading fields from status, outcomes, the evidence and the max rate in effect.
void grade_record(Record& r);
// A definite failure: not as expected, and not merely inconclusive (exit 1).
inline bool is_mismatch(const Record& r) { return !r.as_expected && !r.inconclusive; }

nlohmann::json to_json(const Record& r);
Record record_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception on bad input
// The raw-run fields (trials, outcomes, timings, damage): the same keys in a result record and
// in a worker's "run" object.
void apply_run_fields(Record& r, const nlohmann::json& run);
// Whether a KNOWN_BUG verdict ("CRASH", or alternatives: "CRASH or TSAN") names v.
bool known_bug_shows_as(std::string_view verdicts, Verdict v);
void apply_known_bug(Record& r, const nlohmann::json& known);  // {issue, affects, verdict[, signature]} or null
// Whether KNOWN_BUG's "affects" covers the interpreter whose Py_GetVersion() is `python`. A
// version string that does not start with X.Y.Z covers, as an affects that cannot be read does:
// the bug is then assumed, as before affects was read.
bool affects_version(const std::string& affects, const std::string& python);

}  // namespace pyrace
