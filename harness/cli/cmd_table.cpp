#include <fmt/core.h>

#include "cli/commands.hpp"

namespace pyrace {

// pyrace table: the CLASSIC cases, GIL off and on, and the quoted table with our numbers.
int cmd_table(pyrace::RunOptions o, const pyrace::SuperviseOptions& sup) {
  using namespace pyrace;
  if (o.paths.empty()) o.paths = {"cases"};
  std::vector<CaseFile> cases;
  std::string python;
  if (int rc = select_cases(o, cases); rc != kExitOk) return rc;
  if (int rc = check_interpreter({"off", "on"}, sup, python); rc != kExitOk) return rc;
  std::vector<std::unique_ptr<Reporter>> json;
  try {
    if (!o.json.empty()) json.push_back(make_reporter("json::out=" + o.json, false));
  } catch (const ReporterError& e) {
    return usage_error(e.what());
  }
  std::vector<Record> records;
  for (const auto& c : cases) {
    if (describe_one(c.path, c.name, sup).classic_row.empty()) continue;
    for (const char* g : {"off", "on"}) {
      Config cfg;
      cfg.gil = g;
      cfg.threads = o.threads.empty() ? 0 : o.threads[0];
      cfg.iterations = o.iterations;
      cfg.trials = o.trials;
      cfg.time_budget_s = o.time_budget;
      cfg.max_rate = o.max_rate;
      Record r = run_one(c.path, c.name, cfg, sup);
      fmt::print(stderr, "pyrace: {} (GIL {}): {}\n", r.name, g, to_string(r.verdict));
      for (auto& j : json) j->case_finished(r);
      records.push_back(std::move(r));
    }
  }
  if (records.empty()) return usage_error("no case with CLASSIC in the given paths");
  fmt::print("{}", classic_table(records));
  close_reporters(json, reporter_files(o, o.json));
  return results_exit_code(records, o.allow_inconclusive);
}

}  // namespace pyrace
