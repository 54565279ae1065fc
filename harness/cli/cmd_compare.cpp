// `pyrace compare BASELINE CANDIDATE`: what changed between two runs of the suite (two
// interpreter builds): verdict changes, crashes, known bugs fixed, and a reproducer for every
// regression. Exit 1 when the candidate regressed.
#include <fmt/core.h>

#include <filesystem>
#include <map>

#include "cli/commands.hpp"
#include "results/plan.hpp"
#include "report/reporter.hpp"
#include "repro/case_repro.hpp"

namespace pyrace {

namespace {
// The same unit in both runs: case, GIL mode and the thread count that really ran.
std::string unit_of(const Record& r) { return fmt::format("{}|gil={}|t={}", r.name, r.config.gil, r.config.threads); }

std::string describe(const Record& r) {
  const bool graded = is_graded(r.verdict);
  return fmt::format("{}{}", to_string(r.verdict), graded ? " " + format_rate(r) : r.xfail ? " (known bug)" : "");
}

bool disjoint(const Record& a, const Record& b) { return a.ci.hi < b.ci.lo || b.ci.hi < a.ci.lo; }
}  // namespace

int cmd_compare(const std::string& baseline, const std::string& candidate, const std::string& repro_dir) {
  ResultsFile base, cand;
  try {
    base = load_results(baseline, false);
    cand = load_results(candidate, false);
  } catch (const ResultsError& e) {
    fmt::print(stderr, "pyrace: error: {}\n", e.what());
    return kExitUsage;
  }
  std::map<std::string, const Record*> b, c;
  for (const auto& r : base.records) b[unit_of(r)] = &r;
  for (const auto& r : cand.records) c[unit_of(r)] = &r;
  if (!repro_dir.empty()) std::filesystem::create_directories(repro_dir);

  int regressions = 0, improvements = 0, changed = 0;
  fmt::print("pyrace compare: baseline {} ({} results, {})\n", baseline, base.records.size(),
             base.records.empty() ? "?" : base.records[0].python);
  fmt::print("                candidate {} ({} results, {})\n\n", candidate, cand.records.size(),
             cand.records.empty() ? "?" : cand.records[0].python);
  for (const auto& [unit, cr] : c) {
    auto it = b.find(unit);
    if (it == b.end()) {
      fmt::print("NEW          {:<44} {}\n", unit, describe(*cr));
      continue;
    }
    const Record& br = *it->second;
    std::string kind;
    if (br.as_expected && !cr->as_expected) {
      kind = "REGRESSION";
      ++regressions;
    } else if (!br.as_expected && cr->as_expected) {
      kind = "FIXED";
      ++improvements;
    } else if (br.verdict != cr->verdict) {
      kind = "CHANGED";
      ++changed;
    } else if (br.verdict == Verdict::Racy && cr->verdict == Verdict::Racy && disjoint(br, *cr)) {
      kind = "RATE";  // both racy, and the intervals no longer overlap
      ++changed;
    }
    if (kind.empty()) continue;
    fmt::print("{:<12} {:<44} {} -> {}\n", kind, unit, describe(br), describe(*cr));
    if (kind == "REGRESSION" || (cr->xpass && !br.xpass)) {
      if (cr->xpass) fmt::print("{:<12} known bug {} no longer shows: update the case\n", "", cr->known_bug_issue);
      if (!repro_dir.empty() && !cr->path.empty()) {
        std::string out = (std::filesystem::path(repro_dir) / (cr->name + "_repro.py")).string();
        std::string err = write_reproducer(cr->path, out, cr);
        fmt::print("{:<12} {}\n", "", err.empty() ? "reproducer: " + out : "no reproducer: " + err);
      }
    }
  }
  for (const auto& [unit, br] : b)
    if (!c.count(unit)) fmt::print("GONE         {:<44} {} (not in the candidate run)\n", unit, describe(*br));

  // ThreadSanitizer signatures (TSan runs): new, fixed and persisting, each with its first case.
  auto signatures = [](const ResultsFile& f) {
    std::map<std::string, std::pair<int, std::string>> m;  // signature -> (count, first case)
    for (const auto& r : f.records)
      for (const auto& t : r.tsan) {
        auto& e = m[t.signature];
        if (e.first++ == 0) e.second = r.name;
      }
    return m;
  };
  auto bs = signatures(base), cs = signatures(cand);
  int new_races = 0;
  for (const auto& [sig, e] : cs) {
    bool old = bs.count(sig);
    new_races += !old;
    fmt::print("{:<12} {} (x{}, first in {})\n", old ? "TSAN SAME" : "TSAN NEW", sig, e.first, e.second);
  }
  for (const auto& [sig, e] : bs)
    if (!cs.count(sig)) fmt::print("{:<12} {} (was x{}, first in {})\n", "TSAN FIXED", sig, e.first, e.second);
  regressions += new_races;
  fmt::print("\npyrace compare: {} regression{}, {} fixed, {} other change{}\n", regressions, regressions == 1 ? "" : "s",
             improvements, changed, changed == 1 ? "" : "s");
  return regressions ? kExitMismatch : kExitOk;
}

}  // namespace pyrace
