// Grading of explore runs: what a search over interleavings supports, in words a reader can check.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "results/record.hpp"

namespace pyrace {

using nlohmann::json;

Verdict explore_verdict(const json& e) {
  if (!e.is_object()) return Verdict::Error;
  const json& w = e.contains("witness") ? e["witness"] : json();
  if (w.is_object()) {
    const std::string kind = w.value("kind", "");
    if (kind == "deadlock") return Verdict::Deadlock;
    if (kind == "livelock") return Verdict::Inconclusive;
    return Verdict::Racy;
  }
  const std::string strategy = e.value("strategy", "");
  const std::string stop = e.value("stop_reason", "");
  if (stop == "mismatch" || stop == "bad schedule") return Verdict::Error;
  if (strategy == "exhaustive" || strategy == "sanity")
    return e.value("complete", false) ? Verdict::Safe : Verdict::Inconclusive;
  return e.value("schedules", 0L) > 0 ? Verdict::Safe : Verdict::Inconclusive;
}

std::string explore_summary(const Record& r) {
  const json& e = r.explore;
  if (!e.is_object()) return "";
  const long n = e.value("schedules", 0L);
  const int k = e.value("preemption_bound", 0);
  const std::string strategy = e.value("strategy", "");
  const json& w = e.contains("witness") ? e["witness"] : json();
  if (w.is_object() && strategy == "replay") {
    long bad = 0;
    for (const auto& o : e.value("outcomes", json::array()))
      if (o.value("grade", "") == to_string(Grade::Forbidden)) bad += o.value("count", 0L);
    if (w.value("kind", "") == "deadlock")
      return fmt::format("deadlock under schedule {}: {}", w.value("schedule", ""),
                         fmt::format("{}", fmt::join(w.value("waits", std::vector<std::string>{}), "; ")));
    return fmt::format("{} under schedule {} ({} preemption{}), in {} of {} run{}", w.value("outcome", ""),
                       w.value("schedule", ""), w.value("preemptions", 0), w.value("preemptions", 0) == 1 ? "" : "s",
                       bad, n, n == 1 ? "" : "s");
  }
  if (w.is_object()) {
    const std::string kind = w.value("kind", "");
    const std::string replay = fmt::format("pyrace replay {} --schedule {}", r.name, w.value("schedule", ""));
    if (kind == "deadlock")
      return fmt::format("deadlock in schedule {} (found after {} schedules): {}; replay: {}", w.value("schedule", ""),
                         n, fmt::format("{}", fmt::join(w.value("waits", std::vector<std::string>{}), "; ")), replay);
    if (kind == "livelock")
      return fmt::format("a schedule did not end ({}): a thread spins on something no step changes; replay: {}",
                         w.value("message", ""), replay);
    return fmt::format("{} with {} preemption{} (schedule {}, found after {} schedules); replay: {}",
                       w.value("outcome", ""), w.value("preemptions", 0), w.value("preemptions", 0) == 1 ? "" : "s",
                       w.value("schedule", ""), n, replay);
  }
  const std::string stop = e.value("stop_reason", "");
  if (stop == "mismatch" && strategy == "replay")
    return "the schedule does not fit this case: " + e.value("mismatch", "") +
           " (that thread has finished or waits; was the schedule made for this case and thread count?)";
  if (stop == "mismatch")
    return "the case did not behave the same way twice under one schedule: " + e.value("mismatch", "");
  if (stop == "bad schedule") return "bad schedule: " + e.value("bad_schedule", "");
  if (strategy == "exhaustive" || strategy == "sanity") {
    const json& cache = e.contains("cache") && e["cache"].is_object() ? e["cache"] : json::object();
    if (e.value("complete", false) && cache.value("pruned", 0L) + cache.value("skipped", 0L) > 0)
      return fmt::format(
          "all schedules with <= {} preemption{} explored: {} run, and every other one reaches a state one of "
          "these reached, with as many preemptions left (the state cache, docs/explore.md): no forbidden outcome "
          "(a bounded proof: races inside one instruction, in C code or the interpreter, are outside this model)",
          k, k == 1 ? "" : "s", n);
    if (e.value("complete", false))
      return fmt::format(
          "all {} schedules with <= {} preemption{} explored: no forbidden outcome (a bounded proof: "
          "races inside one instruction, in C code or the interpreter, are outside this model)",
          n, k, k == 1 ? "" : "s");
    return fmt::format(
        "{} schedules with <= {} preemptions explored before the {} ran out, no forbidden outcome: "
        "not every schedule was tried (raise --schedules or --time-budget, or lower --preemptions)",
        n, k, stop == "time" ? "time budget" : "schedule budget");
  }
  if (strategy == "replay") return fmt::format("replayed {} time{}: no forbidden outcome", n, n == 1 ? "" : "s");
  if (strategy == "pct") {
    // PCT's guarantee (Burckhardt et al. 2010): each schedule finds a bug of depth <= d with
    // probability >= 1 / (n k^(d-1)) for n threads and k steps.
    const double nthreads = e.value("threads", 2), k = std::max(1L, e.value("pct_steps", 1L));
    const int d = e.value("pct_depth", 3);
    const double p1 = 1.0 / (nthreads * std::pow(k, d - 1));
    const double miss = std::pow(1.0 - p1, static_cast<double>(n));
    return fmt::format(
        "no forbidden outcome in {} pct schedules, seed {}: a bug of depth <= {} would have shown "
        "with probability >= {:.3g} per schedule ({} threads, {} steps), so >= {:.3g} over all of them",
        n, e.value("seed", 0), d, p1, static_cast<int>(nthreads), static_cast<long>(k), 1.0 - miss);
  }
  return fmt::format("no forbidden outcome in {} {} schedules, seed {}", n, strategy, e.value("seed", 0));
}

}  // namespace pyrace
