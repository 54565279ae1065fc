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
  return fmt::format("{}{}{}", to_string(r.verdict),
                     graded    ? " " + format_rate(r)
                     : r.xfail ? " (known bug)"
                               : "",
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

// The summary line's counts.
struct Tally {
  int regressions = 0, improvements = 0, changed = 0, inconclusive = 0, weak_rates = 0;
  int bugs_fixed = 0, bugs_back = 0, bugs_still = 0;  // KNOWN_BUG cases (cases/interpreter/: fuzz findings)
};

// What one unit in both runs shows: a kind (REGRESSION, FIXED, ...; empty: no change) and a note.
struct Row {
  std::string kind, note;
};

std::map<std::string, const Record*> by_unit(const ResultsFile& f) {
  std::map<std::string, const Record*> m;
  for (const auto& r : f.records) m[unit_of(r)] = &r;
  return m;
}

// A KNOWN_BUG case on a build "affects" lists that failed with another verdict than the bug's
// (a hang where the case names a crash: the same bug reached another way, or the bug's crash
// turned into a wait); inconclusive runs are no failure.
bool shows_otherwise(const Record& r) {
  return r.known_bug_applies && !r.xfail && is_mismatch(r) && !is_graded(r.verdict);
}

// A KNOWN_BUG on one side or both: fixed by the candidate, back with it, or still there on both.
// False when the unit is none of these (the other rules then apply).
bool classify_known_bug(const Record& br, const Record& cr, Tally& t, Row& row) {
  if (br.xfail && expected_verdict(cr)) {
    // The bug's verdict on the baseline, EXPECT's on the candidate: this build fixed it.
    row.kind = "FIXED";
    row.note = bug_name(br) + " does not show on the candidate" +
               (cr.xpass ? "; its KNOWN_BUG \"affects\" lists this build: narrow it" : "");
    ++t.improvements;
    ++t.bugs_fixed;
  } else if (cr.xfail && expected_verdict(br)) {
    // EXPECT's verdict on the baseline, the bug's on the candidate: it came (back) with this build.
    row.kind = "REGRESSION";
    row.note = bug_name(cr) + " shows on the candidate, not on the baseline";
    ++t.regressions;
    ++t.bugs_back;
  } else if (shows_otherwise(br) && expected_verdict(cr)) {
    // The bug showed on the baseline, but not as its case names it (a crash that hung instead):
    // still the known bug the candidate fixed, not an anonymous FIXED.
    row.kind = "FIXED";
    row.note = bug_name(br) + " showed as " + to_string(br.verdict) + " on the baseline (its case names " +
               br.known_bug_verdict + ") and does not show on the candidate";
    ++t.improvements;
    ++t.bugs_fixed;
  } else if (shows_otherwise(cr) && expected_verdict(br)) {
    row.kind = "REGRESSION";
    row.note = bug_name(cr) + " (or another bug in its program) shows as " + to_string(cr.verdict) +
               " on the candidate (its case names " + cr.known_bug_verdict + "), not on the baseline";
    ++t.regressions;
    ++t.bugs_back;
  } else if (br.xfail && cr.xfail) {
    // The bug on both builds, perhaps each time in another of its ways ("CRASH or TSAN"): no change.
  } else if (br.xfail != cr.xfail && br.verdict == cr.verdict) {
    // The bug's verdict on both, one of them a build "affects" does not list: no change, the case is out of date.
    row.kind = "STILL";
    row.note = bug_name(br.xfail ? br : cr) + " shows on both builds; add the " +
               (br.xfail ? "candidate's" : "baseline's") + " version to KNOWN_BUG \"affects\"";
    ++t.bugs_still;
  } else {
    return false;
  }
  return true;
}

// Both RACY: a RATE change when the intervals over the evidence no longer overlap, WEAK when the
// two runs' concurrency is too different to compare them.
Row classify_rates(const Record& br, const Record& cr, Tally& t) {
  Row row;
  const Interval bi = evidence_ci(br), ci = evidence_ci(cr);
  if (!disjoint(bi, ci)) return row;
  if (weak(br, cr)) {
    row.kind = "WEAK";
    row.note = fmt::format(
        "the rates differ, but the actors overlapped in {:.3g}% vs {:.3g}% of the trials: the "
        "comparison is weak, not a change (compare runs on equally quiet machines)",
        100 * br.concurrency, 100 * cr.concurrency);
    ++t.weak_rates;
    return row;
  }
  row.kind = "RATE";
  if (br.bound.concurrent || cr.bound.concurrent)
    row.note =
        fmt::format("per trial in which the actors overlapped: {:.3g}% [{:.3g}, {:.3g}] -> {:.3g}% [{:.3g}, {:.3g}]",
                    100 * br.forbidden / std::max(br.bound.evidence, 1.0), 100 * bi.lo, 100 * bi.hi,
                    100 * cr.forbidden / std::max(cr.bound.evidence, 1.0), 100 * ci.lo, 100 * ci.hi);
  ++t.changed;
  return row;
}

// One unit in both runs, by the first rule that applies (known bugs, then crashes, then evidence).
Row classify(const Record& br, const Record& cr, Tally& t) {
  Row row;
  if (classify_known_bug(br, cr, t, row)) return row;
  const bool bad_before = is_mismatch(br), bad_now = is_mismatch(cr);
  if (bad_now && !bad_before && !is_graded(cr.verdict)) {
    row.kind = "REGRESSION";  // a crash, an error, a hang: no question of evidence
    ++t.regressions;
  } else if (br.verdict == Verdict::Inconclusive || cr.verdict == Verdict::Inconclusive) {
    // Too little evidence on one side to call SAFE -> RACY, RACY -> SAFE or anything else a change.
    row.kind = "INCONCLUSIVE";
    const bool before = br.verdict == Verdict::Inconclusive, now = cr.verdict == Verdict::Inconclusive;
    row.note =
        fmt::format("too little evidence in the {} to call a change", before && now ? "baseline and candidate runs"
                                                                      : before      ? "baseline run"
                                                                                    : "candidate run");
    ++t.inconclusive;
  } else if (bad_now && !bad_before) {
    row.kind = "REGRESSION";
    ++t.regressions;
  } else if (!bad_now && bad_before) {
    row.kind = "FIXED";
    ++t.improvements;
  } else if (br.verdict != cr.verdict) {
    row.kind = "CHANGED";
    ++t.changed;
  } else if (br.verdict == Verdict::Racy && cr.verdict == Verdict::Racy) {
    row = classify_rates(br, cr, t);
  }
  return row;
}

// The row, its note, and for a regression (or a known bug no longer showing) a reproducer.
void print_row(const std::string& unit, const Record& br, const Record& cr, const Row& row,
               const std::string& repro_dir) {
  fmt::print("{:<12} {:<44} {} -> {}\n", row.kind, unit, describe(br), describe(cr));
  if (!row.note.empty()) fmt::print("{:<12} {}\n", "", row.note);
  if (row.kind != "REGRESSION" && !(cr.xpass && !br.xpass)) return;
  if (cr.xpass) fmt::print("{:<12} known bug {} no longer shows: update the case\n", "", cr.known_bug_issue);
  if (!repro_dir.empty() && !cr.path.empty()) {
    std::string out = (std::filesystem::path(repro_dir) / (cr.name + "_repro.py")).string();
    std::string err = write_reproducer(cr.path, out, &cr);
    fmt::print("{:<12} {}\n", "", err.empty() ? "reproducer: " + out : "no reproducer: " + err);
  }
}

// ThreadSanitizer signature -> (count, first case), known bugs' left out: their case's FIXED /
// REGRESSION line speaks for them.
std::map<std::string, std::pair<int, std::string>> tsan_signatures(const ResultsFile& f) {
  std::map<std::string, std::pair<int, std::string>> m;
  for (const auto& r : f.records) {
    if (r.xfail) continue;
    for (const auto& t : r.tsan) {
      auto& e = m[t.signature];
      if (e.first++ == 0) e.second = r.name;
    }
  }
  return m;
}

// ThreadSanitizer signatures (TSan runs): new, fixed and persisting, each with its first case.
// Returns the number of new ones (each a regression).
int print_tsan_changes(const ResultsFile& base, const ResultsFile& cand) {
  auto bs = tsan_signatures(base), cs = tsan_signatures(cand);
  int new_races = 0;
  for (const auto& [sig, e] : cs) {
    bool old = bs.count(sig);
    new_races += !old;
    fmt::print("{:<12} {} (x{}, first in {})\n", old ? "TSAN SAME" : "TSAN NEW", sig, e.first, e.second);
  }
  for (const auto& [sig, e] : bs)
    if (!cs.count(sig)) fmt::print("{:<12} {} (was x{}, first in {})\n", "TSAN FIXED", sig, e.first, e.second);
  return new_races;
}

void print_summary(const Tally& t) {
  fmt::print(
      "\npyrace compare: {} regression{}, {} fixed, {} other change{}{}{}{}\n", t.regressions,
      t.regressions == 1 ? "" : "s", t.improvements, t.changed, t.changed == 1 ? "" : "s",
      t.bugs_fixed + t.bugs_back + t.bugs_still
          ? fmt::format("; known bugs: {} fixed, {} regressed, {} still there", t.bugs_fixed, t.bugs_back, t.bugs_still)
          : "",
      t.inconclusive ? fmt::format(", {} inconclusive (too little evidence to call a change)", t.inconclusive) : "",
      t.weak_rates ? fmt::format(", {} weak rate comparison{} (concurrency too different)", t.weak_rates,
                                 t.weak_rates == 1 ? "" : "s")
                   : "");
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
  const auto b = by_unit(base), c = by_unit(cand);
  if (!repro_dir.empty()) std::filesystem::create_directories(repro_dir);

  fmt::print("pyrace compare: baseline {} ({} results, {})\n", baseline, base.records.size(),
             base.records.empty() ? "?" : base.records[0].python);
  fmt::print("                candidate {} ({} results, {})\n\n", candidate, cand.records.size(),
             cand.records.empty() ? "?" : cand.records[0].python);
  Tally t;
  for (const auto& [unit, cr] : c) {
    auto it = b.find(unit);
    if (it == b.end()) {
      fmt::print("NEW          {:<44} {}\n", unit, describe(*cr));
      continue;
    }
    const Row row = classify(*it->second, *cr, t);
    if (!row.kind.empty()) print_row(unit, *it->second, *cr, row, repro_dir);
  }
  for (const auto& [unit, br] : b)
    if (!c.count(unit)) fmt::print("GONE         {:<44} {} (not in the candidate run)\n", unit, describe(*br));
  t.regressions += print_tsan_changes(base, cand);
  print_summary(t);
  return t.regressions ? kExitMismatch : kExitOk;
}

}  // namespace pyrace
