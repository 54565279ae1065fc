#include <fmt/core.h>

#include "cli/commands.hpp"
#include "results/plan.hpp"

namespace pyrace {

// pyrace report FILES...: the reports of a run, rendered from its raw results (merging
// shards or resumed runs), without running anything.
int cmd_report(const std::vector<std::string>& files, const pyrace::RunOptions& o) {
  using namespace pyrace;
  std::vector<Record> records;
  for (const auto& f : files) {
    try {
      ResultsFile rf = load_results(f, /*repair=*/false);
      if (rf.torn_bytes > 0) fmt::print(stderr, "pyrace: {}: ignoring a torn last line ({} bytes)\n", f, rf.torn_bytes);
      for (auto& r : rf.records) records.push_back(std::move(r));
    } catch (const ResultsError& e) {
      return usage_error(e.what());
    }
  }
  sort_by_plan(records);
  std::vector<std::unique_ptr<Reporter>> reporters;
  try {
    reporters = open_reporters(o, "", false);
  } catch (const ReporterError& e) {
    return usage_error(e.what());
  }
  for (auto& rep : reporters) {
    for (const auto& r : records) rep->case_finished(r);
    rep->run_finished(records, false);
  }
  close_reporters(reporters, reporter_files(o, ""));
  return results_exit_code(records, o.allow_inconclusive);
}

}  // namespace pyrace
