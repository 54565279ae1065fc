#include "supervise/supervisor.hpp"

#include <cstdlib>
#include <map>
#include <sstream>

#include <fmt/core.h>
#include <fmt/format.h>

#include "supervise/collect.hpp"
#include "supervise/linux.hpp"
#include "supervise/spawn.hpp"
#include "supervise/wait.hpp"

namespace pyrace {

using nlohmann::json;

WorkerOutcome run_worker(const json& spec, const SuperviseOptions& opts) {
  WorkerOutcome w;
  const WorkerProcess p = spawn_worker(spec, opts);
  const WorkerEnd end = wait_worker(p, opts, w);
  collect_worker(p, end, opts, w);
  return w;
}

namespace {
// The sequential sanity check, as jcstress's: before any concurrent trial, every order of the
// actors, one after another, on fresh state (explore's schedules without preemption, so that
// one actor waiting for another is modelled, not waited out). If that raises or gives an outcome
// OUTCOMES does not accept, the case itself is wrong, whatever threads do: ERROR, naming the
// order, the outcome and the line. Empty when the case passed, or the check could not run (a
// crash or hang then shows in the stress run itself).
struct Sanity {
  Record failure;  // status "malformed" with the message, when the check failed
  bool failed = false;
};

// The sanity check's worker spec: explore with the `sanity` strategy, at the stress sizes.
json sanity_spec(const std::string& path, const std::string& name, const Config& cfg) {
  Config sc;
  sc.threads = cfg.threads;
  sc.iterations = cfg.iterations;
  sc.mode = "explore";
  sc.strategy = "sanity";
  sc.max_schedules = 24;  // every order of up to 4 actors; more threads: the first 24 orders
  sc.time_budget_s = 10;
  return {{"mode", "explore"},
          {"path", path},
          {"name", name},
          {"config", to_json(sc)},
          {"explore",
           {{"strategy", "sanity"},
            {"max_schedules", sc.max_schedules},
            {"time_budget_s", 30.0},
            {"trace", false},
            {"stress_sizes", true},
                       // One actor's whole loop may run before the next: no fairness switch
                       // inside it (a switch would interleave them), and room for its steps.
            {"spin_limit", 2000000L},
            {"max_steps", 20000000L},
            // No stall watch: a wait in an actor that ends (a select with a timeout, say) is no
            // error when the actors run one after another.
            {"stall_s", 0.0}}}};
}

// The failed check's line and message, from the witness (an order that raised, gave a
// FORBIDDEN outcome, deadlocked or never finished).
void sanity_message(Record& r, const json& e, const json& wit, const json& lines) {
  const std::string order = wit.value("order", "");
  const std::string kind = wit.value("kind", "");
  if (kind == "raised") {
    const json raised = e.value("raised", json::array());
    const json first = raised.empty() ? json::object() : raised[0];
    r.line = first.value("line", 0);
    r.traceback = first.value("traceback", "");
    // The exception as Python prints it, from its traceback's last line ("IndexError: pop from
    // empty list"); the type alone when there is none.
    std::string what = first.value("type", "an exception");
    std::string last;
    for (std::istringstream lines(r.traceback); std::getline(lines, last);)
      if (last.rfind(what, 0) == 0) what = last;
    r.message = fmt::format(
        "run one after another ({}), the actors raise {}; a case's actors must run alone without "
        "raising (the exception is then the case's own, not a race's)",
        order, what);
  } else if (kind == "forbidden") {
    r.line = lines.value("OUTCOMES", lines.value("arbiter", 0));
    r.message = fmt::format(
        "run one after another ({}), the actors give {}, which OUTCOMES grades FORBIDDEN: the "
        "arbiter or OUTCOMES is wrong (an outcome of running the actors one at a time must be "
        "ACCEPTABLE)",
        order, wit.value("outcome", "?"));
  } else {
    // The line of the case where the first thread waits: each wait reads "... at line N" (a
    // Lock's also names the line it was made at, earlier in the text: the last one counts).
    const auto waits = wit.value("waits", std::vector<std::string>{});
    if (kind == "deadlock" && !waits.empty()) {
      const std::string& w0 = waits.front();
      const auto at = w0.rfind("at line ");
      if (at != std::string::npos) r.line = std::atoi(w0.c_str() + at + 8);
    }
    r.message = fmt::format(
        "run one after another ({}), the actors {}: {}", order, kind == "deadlock" ? "deadlock" : "never finish",
        kind == "deadlock" ? fmt::format("{}", fmt::join(wit.value("waits", std::vector<std::string>{}), "; "))
                           : wit.value("message", ""));
  }
  r.message += " [pyrace's sequential check, before any concurrent trial]";
}

Sanity sanity_check(const std::string& path, const std::string& name, const Config& cfg, const SuperviseOptions& opts) {
  SuperviseOptions so = opts;
  so.timeout_s = std::min(opts.timeout_s, 60.0);
  WorkerOutcome w = run_worker(sanity_spec(path, name, cfg), so);
  const json& j = w.result;
  Sanity s;
  if (j.value("status", "") != "ok" || !j.contains("explore")) return s;
  const json& e = j["explore"];
  const json& wit = e.contains("witness") ? e["witness"] : json();
  if (!wit.is_object()) return s;
  Record& r = s.failure;
  r.name = name;
  r.path = path;
  r.config = cfg;
  r.python = j.value("python", "");
  if (j.contains("case")) fill_from_case(r, j["case"]);
  const json lines = j.contains("case") ? j["case"].value("lines", json::object()) : json::object();
  r.status = "malformed";
  sanity_message(r, e, wit, lines);
  grade_record(r);
  s.failed = true;
  return s;
}
}  // namespace

Record run_one(const std::string& path, const std::string& name, const Config& cfg, const SuperviseOptions& opts) {
  // Explore too (not a replay of a given schedule): without the check, a case whose actors fail
  // when run one after another gets a "witness" with 0 preemptions (RACY), or SAFE when its
  // OUTCOMES accepts the exception the actors raise alone.
  if (cfg.mode == "stress" || (cfg.mode == "explore" && cfg.strategy != "replay")) {
    // Once per case and thread count, whatever the GIL setting or mode: it is about the case.
    static std::map<std::string, Sanity> checked;
    const std::string key = path + "|" + std::to_string(cfg.threads);
    auto it = checked.find(key);
    if (it == checked.end()) it = checked.emplace(key, sanity_check(path, name, cfg, opts)).first;
    if (it->second.failed) {
      Record r = it->second.failure;
      r.config = cfg;
      grade_record(r);
      return r;
    }
  }
  json spec = {
      {"mode", cfg.mode == "explore" ? "explore" : "run"}, {"path", path}, {"name", name}, {"config", to_json(cfg)}};
  if (cfg.mode == "explore")
    spec["explore"] = {{"strategy", cfg.strategy},
                       {"preemptions", cfg.preemptions},
                       {"max_schedules", cfg.max_schedules},
                       {"seed", cfg.seed},
                       {"time_budget_s", cfg.time_budget_s},
                       {"schedule", cfg.schedule},
                       {"repeat", cfg.strategy == "replay" ? std::max(1L, cfg.trials) : 1L},
                       {"all_points", cfg.explore_points == "all"},
                       {"cache", cfg.explore_cache != "off"},
                       {"engine", cfg.explore_engine},
                       {"scope_all", cfg.explore_scope == "all"},
                       {"stall_s", cfg.explore_stall_s}};
  return record_from_worker(run_worker(spec, opts), path, name, cfg, opts);
}

Record describe_one(const std::string& path, const std::string& name, const SuperviseOptions& opts) {
  WorkerOutcome w = run_worker({{"mode", "describe"}, {"path", path}, {"name", name}}, opts);
  Record r;
  r.name = name;
  r.path = path;
  const json& j = w.result;
  if (j.contains("case")) fill_from_case(r, j["case"]);
  r.status = j.value("status", "crash");
  r.line = j.value("line", 0);
  r.message = j.value("message", w.signal      ? "the worker died of " + signal_name(w.signal)
                                 : w.timed_out ? fmt::format("still loading after {:g} s (--timeout)", opts.timeout_s)
                                               : "");
  grade_record(r);
  return r;
}

json explain_one(const std::string& path, const std::string& name, const SuperviseOptions& opts) {
  WorkerOutcome w = run_worker({{"mode", "explain"}, {"path", path}, {"name", name}}, opts);
  if (w.result.value("status", "") == "ok" && w.result.contains("explain")) return w.result["explain"];
  std::string msg = w.result.value("message", "");
  int line = w.result.value("line", 0);
  if (msg.empty()) msg = w.signal ? "the worker died of " + signal_name(w.signal) : "the case could not be loaded";
  return {{"message", path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + msg}};
}

std::string probe_interpreter(const std::string& gil, const SuperviseOptions& opts, std::string& python) {
  WorkerOutcome w = run_worker({{"mode", "probe"}, {"config", {{"gil", gil}}}}, opts);
  python = w.result.value("python", "");
  if (w.result.value("status", "") == "ok") return "";
  if (w.result.contains("message")) return w.result["message"].get<std::string>();
  std::string why = w.signal ? "died of " + signal_name(w.signal) : "exited with status " + std::to_string(w.exit_code);
  return "the interpreter could not start (" + why + "):\n" + w.output_tail;
}

}  // namespace pyrace
