// pyrace: command-line entry point. `run` and `list` supervise worker processes; `__worker`
// is the child side, which embeds the interpreter.
#include <fmt/core.h>

#include <filesystem>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <iostream>
#include <memory>
#include <set>

#include "cli/flags.hpp"
#include "cli/compare.hpp"
#include "results/discover.hpp"
#include "repro/case_repro.hpp"
#include "repro/fuzz_repro.hpp"
#include "cli/explain.hpp"
#include "results/plan.hpp"
#include "report/reporter.hpp"
#include "supervise/supervisor.hpp"
#include "worker/worker.hpp"

namespace {

volatile sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "pyrace";
  return std::string(buf, static_cast<size_t>(n));
}

int usage_error(const std::string& msg) {
  fmt::print(stderr, "pyrace: error: {}\n", msg);
  return pyrace::kExitUsage;
}

bool want_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

std::string no_cases_message(const pyrace::RunOptions& o) {
  return o.keyword.empty() ? "no case files (*.py) in the given paths" : "no case matched the -k filters";
}

std::vector<pyrace::CaseFile> find_cases(const pyrace::RunOptions& o) {
  return pyrace::filter_by_keywords(pyrace::discover(o.paths), o.keyword);
}

int cmd_list(const pyrace::RunOptions& o, const pyrace::SuperviseOptions& sup) {
  using namespace pyrace;
  std::vector<CaseFile> cases;
  try {
    cases = find_cases(o);
  } catch (const DiscoveryError& e) {
    return usage_error(e.what());
  }
  if (cases.empty()) return usage_error(no_cases_message(o));
  std::string python;
  if (std::string err = probe_interpreter("off", sup, python); !err.empty()) {
    fmt::print(stderr, "pyrace: environment error: {}\n", err);
    return kExitEnv;
  }
  int rc = kExitOk;
  for (const auto& c : cases) {
    Record r = describe_one(c.path, c.name, sup);
    if (r.status != "ok") {
      fmt::print("{:<40} ERROR  {}{}: {}\n", c.name, c.path, r.line > 0 ? ":" + std::to_string(r.line) : "", r.message);
      rc = kExitMismatch;
      continue;
    }
    std::string first_line = r.doc.substr(0, r.doc.find('\n'));
    fmt::print("{:<40} {:<5} {:<6} {}\n", c.name, r.expect, r.shape, first_line);
  }
  fmt::print("pyrace: {} case{}\n", cases.size(), cases.size() == 1 ? "" : "s");
  return rc;
}

std::vector<std::unique_ptr<pyrace::Reporter>> open_reporters(const pyrace::RunOptions& o, const std::string& json_out,
                                                             bool append) {
  std::vector<std::string> specs = o.reporter;
  if (specs.empty()) specs.push_back("console");
  std::vector<std::unique_ptr<pyrace::Reporter>> reporters;
  for (const auto& s : specs) reporters.push_back(pyrace::make_reporter(s, want_color(o.color)));
  if (!json_out.empty()) reporters.push_back(pyrace::make_reporter("json::out=" + json_out, false, append));
  return reporters;
}

int cmd_run(const pyrace::RunOptions& o, pyrace::SuperviseOptions sup) {
  using namespace pyrace;
  std::vector<CaseFile> cases;
  try {
    cases = find_cases(o);
  } catch (const DiscoveryError& e) {
    return usage_error(e.what());
  }
  if (cases.empty()) return usage_error(no_cases_message(o));

  std::vector<std::string> gils = o.gil == "both" ? std::vector<std::string>{"off", "on"}
                                                  : std::vector<std::string>{o.gil};
  std::vector<Unit> plan = make_plan(cases, gils, o.threads.empty() ? std::vector<int>{0} : o.threads);
  if (!o.shard.empty()) {
    try {
      auto [i, n] = parse_shard(o.shard);
      plan = select_shard(plan, i, n);
    } catch (const ShardError& e) {
      return usage_error(e.what());
    }
  }

  // --resume FILE: what FILE holds is done; the rest is appended to it.
  std::vector<Record> previous;
  std::string json_out = o.json;
  if (!o.resume.empty()) {
    if (!o.json.empty() && o.json != o.resume) return usage_error("--resume appends to its own file; drop --json or give it the same file");
    json_out = o.resume;
    try {
      ResultsFile rf = load_results(o.resume, /*repair=*/true);
      if (rf.torn_bytes > 0)
        fmt::print(stderr, "pyrace: {}: dropped a torn last line ({} bytes) left by an interrupted run\n", o.resume,
                   rf.torn_bytes);
      std::set<std::string> planned;
      for (const auto& u : plan) planned.insert(u.key);
      std::set<std::string> done;
      for (auto& r : rf.records)
        if (planned.count(r.key) && done.insert(r.key).second) previous.push_back(std::move(r));
      std::vector<Unit> rest;
      for (const auto& u : plan)
        if (!done.count(u.key)) rest.push_back(u);
      fmt::print(stderr, "pyrace: resuming {}: {} of {} runs already done\n", o.resume, previous.size(), plan.size());
      plan = std::move(rest);
    } catch (const ResultsError& e) {
      return usage_error(e.what());
    }
  }

  if (o.timeout < o.time_budget)
    fmt::print(stderr, "pyrace: warning: --timeout {:g} s is shorter than --time-budget {:g} s: cases that use "
               "their whole budget will be reported TIMEOUT\n", o.timeout, o.time_budget);
  std::vector<std::unique_ptr<Reporter>> reporters;
  try {
    reporters = open_reporters(o, json_out, !o.resume.empty());
  } catch (const ReporterError& e) {
    return usage_error(e.what());
  }

  std::string python;
  for (const auto& g : gils) {
    std::string err = probe_interpreter(g, sup, python);
    if (!err.empty()) {
      fmt::print(stderr, "pyrace: environment error (GIL {}): {}\n", g, err);
      return kExitEnv;
    }
  }
  RunInfo info{python, gils, cases.size(), plan.size()};
  for (auto& r : reporters) r->run_started(info);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  sup.interrupted = &g_interrupted;
  std::vector<Record> records = previous;
  std::set<std::string> fixed_threads;  // path|gil of cases with named actors: one thread count only
  size_t started = 0;
  for (const auto& u : plan) {
    if (g_interrupted) break;
    if (fixed_threads.count(u.file.path + "|" + u.gil)) continue;
    Config cfg{u.gil, u.threads, o.iterations, o.trials, o.time_budget, o.early_stop};
    ++started;
    for (auto& rep : reporters)
      rep->case_started(u.file.name, fmt::format("gil={} t={}", u.gil, u.threads ? std::to_string(u.threads) : "default"),
                        started, plan.size());
    Record r = run_one(u.file.path, u.file.name, cfg, sup);
    if (g_interrupted) break;  // the worker was killed by us: no result to keep
    r.seq = u.seq;
    r.key = u.key;
    if (r.named_actors) fixed_threads.insert(u.file.path + "|" + u.gil);
    records.push_back(r);
    for (auto& rep : reporters) rep->case_finished(r);
    if (o.exitfirst && !r.as_expected) break;
  }
  sort_by_plan(records);
  for (auto& r : reporters) r->run_finished(records, g_interrupted != 0);
  if (g_interrupted) return kExitInterrupted;
  for (const auto& r : records)
    if (!r.as_expected) return kExitMismatch;
  return kExitOk;
}

// pyrace table: the CLASSIC cases, GIL off and on, and the quoted table with our numbers.
int cmd_table(pyrace::RunOptions o, const pyrace::SuperviseOptions& sup) {
  using namespace pyrace;
  if (o.paths.empty()) o.paths = {"cases"};
  std::vector<CaseFile> cases;
  try {
    cases = find_cases(o);
  } catch (const DiscoveryError& e) {
    return usage_error(e.what());
  }
  std::string python;
  for (const char* g : {"off", "on"})
    if (std::string err = probe_interpreter(g, sup, python); !err.empty()) {
      fmt::print(stderr, "pyrace: environment error: {}\n", err);
      return kExitEnv;
    }
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
      Config cfg{g, o.threads.empty() ? 0 : o.threads[0], o.iterations, o.trials, o.time_budget, false};
      Record r = run_one(c.path, c.name, cfg, sup);
      fmt::print(stderr, "pyrace: {} (GIL {}): {}\n", r.name, g, to_string(r.verdict));
      for (auto& j : json) j->case_finished(r);
      records.push_back(std::move(r));
    }
  }
  if (records.empty()) return usage_error("no case with CLASSIC in the given paths");
  fmt::print("{}", classic_table(records));
  for (const auto& r : records)
    if (!r.as_expected) return kExitMismatch;
  return kExitOk;
}

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
  for (const auto& r : records)
    if (!r.as_expected) return kExitMismatch;
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  pyrace::Command cmd;
  int rc = 0;
  if (!pyrace::parse_command_line(argc, argv, cmd, rc)) return rc;
  if (cmd.kind == pyrace::Command::Worker) {
    auto spec = nlohmann::json::parse(cmd.worker_spec, nullptr, false);
    if (spec.is_discarded()) return usage_error("__worker: --spec is not JSON");
    return pyrace::worker_main(spec, cmd.worker_path, cmd.worker_name);
  }
  pyrace::SuperviseOptions sup;
  sup.self_exe = self_exe();
  sup.timeout_s = cmd.run.timeout;
  sup.max_memory_mib = cmd.run.max_memory;
  sup.max_cpu_s = cmd.run.max_cpu;
  sup.max_output_mib = cmd.run.max_output;
  sup.show_suppressed = cmd.run.show_suppressed;
  try {
    if (cmd.kind == pyrace::Command::List) return cmd_list(cmd.run, sup);
    if (cmd.kind == pyrace::Command::Report) return cmd_report(cmd.results, cmd.run);
    if (cmd.kind == pyrace::Command::Table) return cmd_table(cmd.run, sup);
    if (cmd.kind == pyrace::Command::Compare) return pyrace::cmd_compare(cmd.results[0], cmd.results[1], cmd.output);
    if (cmd.kind == pyrace::Command::Repro && pyrace::is_fuzz_artifact(cmd.explain_case)) {
      std::string out = cmd.output.empty() ? std::filesystem::path(cmd.explain_case).filename().string() + "_repro.py"
                                           : cmd.output;
      if (std::string e = pyrace::write_fuzz_reproducer(cmd.explain_case, out); !e.empty()) return usage_error(e);
      fmt::print("pyrace: wrote {} (run it with python3.14t; it loops until the finding fires: exit 1 or a crash)\n", out);
      return pyrace::kExitOk;
    }
    if (cmd.kind == pyrace::Command::Repro) {
      pyrace::CaseFile c;
      std::string err;
      if (!pyrace::resolve_case(cmd.explain_case, cmd.run.paths.empty() ? std::vector<std::string>{"cases"} : cmd.run.paths,
                                c, err))
        return usage_error(err);
      std::string out = cmd.output.empty() ? c.name + "_repro.py" : cmd.output;
      if (std::string e = pyrace::write_reproducer(c.path, out, nullptr); !e.empty()) return usage_error(e);
      fmt::print("pyrace: wrote {} (run it with python3.14t; exit 1 means reproduced)\n", out);
      return pyrace::kExitOk;
    }
    if (cmd.kind == pyrace::Command::Explain)
      return pyrace::cmd_explain(cmd.explain_case, cmd.run, sup, want_color(cmd.run.color), !cmd.no_run);
    return cmd_run(cmd.run, sup);
  } catch (const pyrace::DiscoveryError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "pyrace: internal error: {}\n", e.what());
    return pyrace::kExitEnv;
  }
}
