// `pyrace run`: the plan (sharded, resumed), one supervised worker per unit, the reporters.
#include <fmt/core.h>

#include <csignal>
#include <set>

#include "cli/commands.hpp"
#include "results/plan.hpp"

namespace pyrace {

namespace {
volatile sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }
}  // namespace

Config config_for(const RunOptions& o, const Unit& u) {
  Config cfg;
  cfg.gil = u.gil;
  cfg.threads = u.threads;
  cfg.iterations = o.iterations;
  cfg.trials = o.trials;
  cfg.time_budget_s = o.time_budget;
  cfg.early_stop = o.early_stop;
  cfg.max_rate = o.max_rate;
  cfg.mode = u.mode;
  cfg.strategy = o.strategy;
  cfg.preemptions = o.preemptions;
  cfg.max_schedules = o.schedules;
  cfg.seed = static_cast<std::uint64_t>(o.seed);
  cfg.explore_points = o.explore_points;
  cfg.explore_cache = o.explore_cache;
  cfg.explore_scope = o.explore_scope;
  cfg.explore_engine = o.explore_engine;
  cfg.explore_stall_s = o.explore_stall;
  return cfg;
}

namespace {
// The plan: every selected case under each GIL mode, thread count and mode, cut to --shard's share.
// kExitOk, or kExitUsage (message printed) for a malformed --shard.
int make_run_plan(const RunOptions& o, const std::vector<CaseFile>& cases, const std::vector<std::string>& gils,
                  bool explore_only, std::vector<Unit>& plan) {
  const std::vector<std::string> modes = explore_only ? std::vector<std::string>{"explore"}
                                         : o.explore  ? std::vector<std::string>{"stress", "explore"}
                                                      : std::vector<std::string>{"stress"};
  plan = make_plan(cases, gils, o.threads.empty() ? std::vector<int>{0} : o.threads, modes);
  if (o.shard.empty()) return kExitOk;
  try {
    auto [i, n] = parse_shard(o.shard);
    plan = select_shard(plan, i, n);
  } catch (const ShardError& e) {
    return usage_error(e.what());
  }
  return kExitOk;
}

// --resume FILE: what FILE holds of the plan is done (into `previous`); `plan` keeps the rest.
// kExitOk, or kExitUsage (message printed) when FILE cannot be read.
int resume_plan(const std::string& file, std::vector<Unit>& plan, std::vector<Record>& previous) {
  try {
    ResultsFile rf = load_results(file, /*repair=*/true);
    if (rf.torn_bytes > 0)
      fmt::print(stderr, "pyrace: {}: dropped a torn last line ({} bytes) left by an interrupted run\n", file,
                 rf.torn_bytes);
    std::set<std::string> planned;
    for (const auto& u : plan) planned.insert(u.key);
    std::set<std::string> done;
    for (auto& r : rf.records)
      if (planned.count(r.key) && done.insert(r.key).second) previous.push_back(std::move(r));
    std::vector<Unit> rest;
    for (const auto& u : plan)
      if (!done.count(u.key)) rest.push_back(u);
    fmt::print(stderr, "pyrace: resuming {}: {} of {} runs already done\n", file, previous.size(), plan.size());
    plan = std::move(rest);
  } catch (const ResultsError& e) {
    return usage_error(e.what());
  }
  return kExitOk;
}

// One supervised worker per unit, each result to the reporters as it comes, appended to
// `records`; stops early on SIGINT/SIGTERM or, under -x, at the first failing result.
void run_units(const RunOptions& o, const SuperviseOptions& sup, const std::vector<Unit>& plan,
               std::vector<std::unique_ptr<Reporter>>& reporters, std::vector<Record>& records) {
  std::set<std::string> fixed_threads;  // path|gil of cases with named actors: one thread count only
  size_t started = 0;
  for (const auto& u : plan) {
    if (g_interrupted) break;
    const std::string fixed_key = u.file.path + "|" + u.gil + "|" + u.mode;
    if (fixed_threads.count(fixed_key)) continue;
    Config cfg = config_for(o, u);
    ++started;
    const std::string t = u.threads ? std::to_string(u.threads) : "default";
    for (auto& rep : reporters)
      rep->case_started(u.file.name, u.mode == "explore" ? "explore t=" + t : fmt::format("gil={} t={}", u.gil, t),
                        started, plan.size());
    Record r = run_one(u.file.path, u.file.name, cfg, sup);
    if (g_interrupted) break;  // the worker was killed by us: no result to keep
    r.seq = u.seq;
    r.key = u.key;
    if (r.named_actors) fixed_threads.insert(fixed_key);
    records.push_back(r);
    for (auto& rep : reporters) rep->case_finished(r);
    if (o.exitfirst && fails_run(r, o.allow_inconclusive)) break;
  }
}
}  // namespace

int cmd_run(const pyrace::RunOptions& o, pyrace::SuperviseOptions sup, bool explore_only) {
  using namespace pyrace;
  std::vector<CaseFile> cases;
  if (int rc = select_cases(o, cases); rc != kExitOk) return rc;

  std::vector<std::string> gils = explore_only      ? std::vector<std::string>{"off"}
                                  : o.gil == "both" ? std::vector<std::string>{"off", "on"}
                                                    : std::vector<std::string>{o.gil};
  std::vector<Unit> plan;
  if (int rc = make_run_plan(o, cases, gils, explore_only, plan); rc != kExitOk) return rc;

  // --resume FILE: what FILE holds is done; the rest is appended to it.
  std::vector<Record> previous;
  std::string json_out = o.json;
  if (!o.resume.empty()) {
    if (!o.json.empty() && o.json != o.resume)
      return usage_error("--resume appends to its own file; drop --json or give it the same file");
    json_out = o.resume;
    if (int rc = resume_plan(o.resume, plan, previous); rc != kExitOk) return rc;
  }

  if (o.timeout < o.time_budget)
    fmt::print(stderr,
               "pyrace: warning: --timeout {:g} s is shorter than --time-budget {:g} s: cases that use "
               "their whole budget will be reported TIMEOUT\n",
               o.timeout, o.time_budget);
  std::vector<std::unique_ptr<Reporter>> reporters;
  try {
    reporters = open_reporters(o, json_out, !o.resume.empty());
  } catch (const ReporterError& e) {
    return usage_error(e.what());
  }

  std::string python;
  if (int rc = check_interpreter(gils, sup, python); rc != kExitOk) return rc;
  RunInfo info{python, gils, cases.size(), plan.size()};
  for (auto& r : reporters) r->run_started(info);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  sup.interrupted = &g_interrupted;
  std::vector<Record> records = previous;
  run_units(o, sup, plan, reporters, records);
  sort_by_plan(records);
  for (auto& r : reporters) r->run_finished(records, g_interrupted != 0);
  close_reporters(reporters, reporter_files(o, json_out));
  if (g_interrupted) return kExitInterrupted;
  return results_exit_code(records, o.allow_inconclusive);
}

}  // namespace pyrace
