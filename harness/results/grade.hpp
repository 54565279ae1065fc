// Grading: from a raw outcome histogram to a verdict with statistics. Pure C++, no Python.
#pragma once
#include <string>
#include <vector>

#include "results/names.hpp"  // Verdict, to_string, parse_verdict, the default max rates

namespace pyrace {

struct Interval {
  double lo = 0, hi = 0;
};

// Wilson score interval for k successes in n trials at 95% (z = 1.96); [0, 0] for n <= 0.
// Real-valued, as the evidence (concurrent trials) may be an estimate; k is clamped to [0, n].
Interval wilson95(double k, double n);

// What SAFE needs and what a run reached. Only trials in which the actors really ran at the same
// time are evidence that a pattern is safe: when the worker measured them (concurrent_trials >= 0)
// they are the evidence, else every trial is (results from before the measurement).
struct SafetyBound {
  double evidence = 0;      // trials (single shape: states) the bound is computed over
  bool concurrent = false;  // evidence = the measured concurrent trials (else: all trials)
  double upper = 1;         // Wilson 95% upper bound on the error rate over the evidence
  double target = 0;        // the max rate in effect: SAFE needs upper <= target
  bool reached() const { return evidence > 0 && upper <= target; }
};

// The per-shape default max rate (names.def): kDefaultMaxRateSingle for "single", else loop's.
double default_max_rate(const std::string& shape);
// configured > 0 (--max-rate, Config.max_rate) wins; else the shape's default.
double max_rate_in_effect(double configured, const std::string& shape);
// The bound over the evidence: concurrent_trials when measured (>= 0), else trials.
SafetyBound safety_bound(long forbidden, long trials, double concurrent_trials, double target);
// The fewest evidence trials with no FORBIDDEN outcome whose bound reaches `target` (what a
// report suggests collecting); 0 for a target outside (0, 1).
long evidence_needed(double target);

// RACY when any FORBIDDEN outcome was seen (one is proof); else SAFE when the bound reached its
// target, INCONCLUSIVE when it did not. Only for runs that completed (status ok).
Verdict verdict_from_counts(long forbidden, const SafetyBound& bound);

// Whether a verdict satisfies EXPECT ("safe"/"racy"). Error-like verdicts and INCONCLUSIVE never do.
bool satisfies(Verdict v, const std::string& expect);

}  // namespace pyrace
