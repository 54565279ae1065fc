// `pyrace compare BASELINE CANDIDATE`: what changed between two runs of the suite (two
// interpreter builds): verdict changes, crashes, known bugs fixed, and a reproducer for every
// regression. Exit 1 when the candidate regressed. A change is only called on evidence: an
// INCONCLUSIVE side is reported as such (too little evidence to call a change, either way), and
// rates are compared over the trials in which the actors overlapped, unless the two runs reached
// very different concurrency (then the comparison is called weak).
#include <fmt/core.h>

#include <algorithm>
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
  return fmt::format("{}{}{}", to_string(r.verdict), graded ? " " + format_rate(r) : r.xfail ? " (known bug)" : "",
                     graded && r.concurrency >= 0 ? fmt::format(" (concurrency {:.3g}%)", 100 * r.concurrency) : "");
}

// The error rate over the evidence: FORBIDDEN outcomes per trial in which the actors overlapped
// (every trial where that was not measured), so that a loaded run's idle trials do not dilute it.
Interval evidence_ci(const Record& r) { return wilson95(static_cast<double>(r.forbidden), r.bound.evidence); }
bool disjoint(const Interval& a, const Interval& b) { return a.hi < b.lo || b.hi < a.lo; }

// The verdict EXPECT names, not as a known bug's XFAIL (a bug's verdict can never satisfy EXPECT).
bool expected_verdict(const Record& r) { return r.expectation_applies && satisfies(r.verdict, r.expect); }

// "known bug gh-156351 (crash SEGV: list_dealloc < ...)": the issue, and the fuzz finding's signature when it has one.
std::string bug_name(const Record& r) {
  return "known bug " + r.known_bug_issue + (r.known_bug_signature.empty() ? "" : " (" + r.known_bug_signature + ")");
}

// Both runs measured their concurrency and one reached less than half the other's: their rates
// come from different conditions (a loaded machine, another scheduler), not comparable as they are.
constexpr double kWeakConcurrencyRatio = 0.5;
bool weak(const Record& a, const Record& b) {
  if (a.concurrency < 0 || b.concurrency < 0) return false;
  return std::min(a.concurrency, b.concurrency) < kWeakConcurrencyRatio * std::max(a.concurrency, b.concurrency);
}
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

  int regressions = 0, improvements = 0, changed = 0, inconclusive = 0, weak_rates = 0;
  int bugs_fixed = 0, bugs_back = 0, bugs_still = 0;  // KNOWN_BUG cases (cases/interpreter/: fuzz findings)
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
    std::string kind, note;
    const bool bad_before = is_mismatch(br), bad_now = is_mismatch(*cr);
    const bool either_inconclusive = br.verdict == Verdict::Inconclusive || cr->verdict == Verdict::Inconclusive;
    if (br.xfail && expected_verdict(*cr)) {
      // The bug's verdict on the baseline, EXPECT's on the candidate: this build fixed it.
      kind = "FIXED";
      note = bug_name(br) + " does not show on the candidate" +
             (cr->xpass ? "; its KNOWN_BUG \"affects\" lists this build: narrow it" : "");
      ++improvements;
      ++bugs_fixed;
    } else if (cr->xfail && expected_verdict(br)) {
      // EXPECT's verdict on the baseline, the bug's on the candidate: it came (back) with this build.
      kind = "REGRESSION";
      note = bug_name(*cr) + " shows on the candidate, not on the baseline";
      ++regressions;
      ++bugs_back;
    } else if (br.xfail != cr->xfail && br.verdict == cr->verdict) {
      // The bug's verdict on both, one of them a build "affects" does not list: no change, the case is out of date.
      kind = "STILL";
      note = bug_name(br.xfail ? br : *cr) + " shows on both builds; add the " +
             (br.xfail ? "candidate's" : "baseline's") + " version to KNOWN_BUG \"affects\"";
      ++bugs_still;
    } else if (bad_now && !bad_before && !is_graded(cr->verdict)) {
      kind = "REGRESSION";  // a crash, an error, a hang: no question of evidence
      ++regressions;
    } else if (either_inconclusive) {
      // Too little evidence on one side to call SAFE -> RACY, RACY -> SAFE or anything else a change.
      kind = "INCONCLUSIVE";
      const bool before = br.verdict == Verdict::Inconclusive, now = cr->verdict == Verdict::Inconclusive;
      note = fmt::format("too little evidence in the {} to call a change",
                         before && now ? "baseline and candidate runs" : before ? "baseline run" : "candidate run");
      ++inconclusive;
    } else if (bad_now && !bad_before) {
      kind = "REGRESSION";
      ++regressions;
    } else if (!bad_now && bad_before) {
      kind = "FIXED";
      ++improvements;
    } else if (br.verdict != cr->verdict) {
      kind = "CHANGED";
      ++changed;
    } else if (br.verdict == Verdict::Racy && cr->verdict == Verdict::Racy) {
      const Interval bi = evidence_ci(br), ci = evidence_ci(*cr);
      if (disjoint(bi, ci)) {  // both racy, and the intervals over the evidence no longer overlap
        if (weak(br, *cr)) {
          kind = "WEAK";
          note = fmt::format("the rates differ, but the actors overlapped in {:.3g}% vs {:.3g}% of the trials: the "
                             "comparison is weak, not a change (compare runs on equally quiet machines)",
                             100 * br.concurrency, 100 * cr->concurrency);
          ++weak_rates;
        } else {
          kind = "RATE";
          if (br.bound.concurrent || cr->bound.concurrent)
            note = fmt::format("per trial in which the actors overlapped: {:.3g}% [{:.3g}, {:.3g}] -> {:.3g}% [{:.3g}, {:.3g}]",
                               100 * br.forbidden / std::max(br.bound.evidence, 1.0), 100 * bi.lo, 100 * bi.hi,
                               100 * cr->forbidden / std::max(cr->bound.evidence, 1.0), 100 * ci.lo, 100 * ci.hi);
          ++changed;
        }
      }
    }
    if (kind.empty()) continue;
    fmt::print("{:<12} {:<44} {} -> {}\n", kind, unit, describe(br), describe(*cr));
    if (!note.empty()) fmt::print("{:<12} {}\n", "", note);
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
    for (const auto& r : f.records) {
      if (r.xfail) continue;  // a known bug's races: its case's FIXED / REGRESSION line speaks for them
      for (const auto& t : r.tsan) {
        auto& e = m[t.signature];
        if (e.first++ == 0) e.second = r.name;
      }
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
  fmt::print("\npyrace compare: {} regression{}, {} fixed, {} other change{}{}{}{}\n", regressions,
             regressions == 1 ? "" : "s", improvements, changed, changed == 1 ? "" : "s",
             bugs_fixed + bugs_back + bugs_still
                 ? fmt::format("; known bugs: {} fixed, {} regressed, {} still there", bugs_fixed, bugs_back, bugs_still)
                 : "",
             inconclusive ? fmt::format(", {} inconclusive (too little evidence to call a change)", inconclusive) : "",
             weak_rates ? fmt::format(", {} weak rate comparison{} (concurrency too different)", weak_rates,
                                      weak_rates == 1 ? "" : "s")
                        : "");
  return regressions ? kExitMismatch : kExitOk;
}

}  // namespace pyrace
