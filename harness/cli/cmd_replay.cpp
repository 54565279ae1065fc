// `pyrace replay CASE --schedule STR`: one case under one schedule, as an explore witness printed
// it; the timeline, the outcome, and an exit code `git bisect run` can use (1: forbidden outcome).
#include <fmt/core.h>

#include <fstream>

#include "cli/commands.hpp"

namespace pyrace {

int cmd_replay(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup) {
  CaseFile c;
  std::string err;
  if (!resolve_case(case_ref, o.paths.empty() ? std::vector<std::string>{"cases"} : o.paths, c, err))
    return usage_error(err);
  std::string python;
  if (int rc = check_interpreter({"off"}, sup, python); rc != kExitOk) return rc;
  Config cfg;  // GIL off; trials: how often the schedule is replayed
  cfg.threads = o.threads.empty() ? 0 : o.threads[0];
  cfg.iterations = o.iterations;
  cfg.trials = o.repeat;
  cfg.time_budget_s = o.time_budget;
  cfg.mode = "explore";
  cfg.strategy = "replay";
  cfg.schedule = o.schedule;
  cfg.explore_points = o.explore_points;
  cfg.explore_scope = o.explore_scope;
  cfg.explore_engine = o.explore_engine;
  cfg.explore_stall_s = o.explore_stall;
  cfg.time_budget_s = 86400;  // a replay runs its --repeat schedules; --timeout bounds it
  Record r = run_one(c.path, c.name, cfg, sup);
  if (!o.json.empty()) {  // the raw result, as run --json writes it (bench/explore_bench.py reads its timing)
    std::ofstream out(o.json, std::ios::trunc);
    out << to_json(r).dump() << "\n";
    if (!out) return usage_error("cannot write " + o.json);
  }
  const Paint paint{want_color(o.color)};
  if (r.status != "ok") {
    fmt::print("{} {}: {}\n", paint("1;31", to_string(r.verdict)), r.name, r.message);
    if (!r.traceback.empty()) fmt::print("{}", r.traceback);
    return r.explore.value("stop_reason", "") == "bad schedule" ? kExitUsage : kExitMismatch;
  }
  const std::string stop = r.explore.value("stop_reason", "");
  if (stop == "bad schedule" || stop == "mismatch") {
    fmt::print(stderr, "pyrace replay: {}\n", explore_summary(r));
    return kExitUsage;
  }
  fmt::print("pyrace replay {} --schedule {} ({} time{})\n", r.name, r.explore.value("replayed", o.schedule), r.trials,
             r.trials == 1 ? "" : "s");
  if (r.explore.contains("witness") && r.explore["witness"].is_object())
    fmt::print("{}", witness_timeline(r.explore["witness"], r.actors));
  for (const auto& oc : r.outcomes)
    fmt::print("  {:>6} x {}  {}\n", oc.count, oc.outcome,
               paint(oc.grade == to_string(Grade::Forbidden) ? "31" : "32", oc.grade));
  for (const auto& k : r.raised) fmt::print("{}", k.traceback);
  if (r.outcomes.size() > 1)
    fmt::print(
        "pyrace replay: the schedule gave {} different outcomes: the case does something the scheduler does "
        "not control (time, randomness, threads of its own)\n",
        r.outcomes.size());
  const bool bad = r.verdict != Verdict::Safe;
  fmt::print("{}\n",
             bad ? paint("1;31", "FORBIDDEN outcome: " + explore_summary(r)) : paint("32", "no forbidden outcome"));
  return bad ? kExitMismatch : kExitOk;
}

}  // namespace pyrace
