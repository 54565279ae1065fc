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
std::unique_ptr<Reporter> make_reporter(const std::string& spec, bool color, bool append = false);

// Helpers shared by the reporters, exposed for tests.
std::string format_rate(const Record& r);  // "83.0% [74.5, 89.2]" or "0% (≤ 3.7%)"
std::string format_duration(double s);
// Explore runs: what the search found, for the rate column ("witness, 1 preemption", "all 354 schedules, K=2").
std::string explore_rate(const Record& r);
// The witness of an explore run as a timeline, one column per thread (empty when there is none).
std::string witness_timeline(const nlohmann::json& witness, const std::vector<std::string>& actors, size_t width = 100);
// The widely quoted error-rate table (rows named by the cases' CLASSIC), with GIL off and on.
std::string classic_table(const std::vector<Record>& records);

}  // namespace pyrace
