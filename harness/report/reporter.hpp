// Reporters behind one small event interface, chosen by name, several at once
// (`-r console -r json::out=results.jsonl`).
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "results/record.hpp"

namespace pyrace {

struct RunInfo {
  std::string python;           // interpreter version
  std::vector<std::string> gil; // configurations run: off / on
  size_t cases = 0;
  size_t configs = 0;           // cases x configurations
};

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void run_started(const RunInfo&) {}
  virtual void case_started(const std::string& /*name*/, const std::string& /*config*/, size_t /*index*/,
                            size_t /*total*/) {}
  virtual void case_finished(const Record&) {}
  virtual void run_finished(const std::vector<Record>&, bool /*interrupted*/) {}
};

struct ReporterError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// spec: NAME[::out=FILE]. Opens FILE now, so an unwritable path fails before anything runs.
// Throws ReporterError with a message for an unknown name or an unwritable file.
// append: add to an existing file (a resumed run) instead of replacing it.
// allow_inconclusive: --allow-inconclusive (JUnit: INCONCLUSIVE skipped, not failed; console: the summary says so).
std::unique_ptr<Reporter> make_reporter(const std::string& spec, bool color, bool append = false,
                                        bool allow_inconclusive = false);

// Helpers shared by the reporters, exposed for tests.
// The error rate with the statistical power behind it:
//   RACY          "83% [74.5, 89.1]"
//   SAFE          "0% (<= 3.7%, 100 trials; target 5%)", "0% (<= 0.074%, 5,120 concurrent of 5,200 states; target
//   0.1%)" INCONCLUSIVE  "0 forbidden in 56 trials (<= 6.4%, target 5%)"
std::string format_rate(const Record& r);
// Why a result is INCONCLUSIVE and what to do about it (empty for other verdicts).
std::string inconclusive_reason(const Record& r);
// "concurrency 98.5% (5,120 of 5,200 trials), load 1.92" when the worker measured it, else "".
std::string format_concurrency(const Record& r);
// One line per exception kind that escaped an actor: "KeyError x12 (line 14)".
std::vector<std::string> raised_lines(const Record& r);
std::string group_thousands(double n);  // 5120 -> "5,120" (rounded)
std::string format_duration(double s);
// Explore runs: what the search found, for the rate column ("witness, 1 preemption", "all 354 schedules, K=2").
std::string explore_rate(const Record& r);
// Why a stress verdict and an explore verdict of one case differ (RACY vs SAFE), or "" when they agree.
std::string disagreement(const Record& stress, const Record& explore);
// The witness of an explore run as a timeline, one column per thread (empty when there is none).
std::string witness_timeline(const nlohmann::json& witness, const std::vector<std::string>& actors, size_t width = 100);
// The widely quoted error-rate table (rows named by the cases' CLASSIC), with GIL off and on.
std::string classic_table(const std::vector<Record>& records);

}  // namespace pyrace
