// Grading: from a raw outcome histogram to a verdict with statistics. Pure C++, no Python.
#pragma once
#include <string>
#include <vector>

#include "results/names.hpp"  // Verdict, to_string, parse_verdict

namespace pyrace {

struct Interval {
  double lo = 0, hi = 0;
};

// Wilson score interval for k successes in n trials at 95% (z = 1.96); [0, 0] for n == 0.
Interval wilson95(long k, long n);

// SAFE unless any FORBIDDEN outcome was seen. Only for runs that completed (status ok).
Verdict verdict_from_counts(long forbidden, long trials);

// Whether a verdict satisfies EXPECT ("safe"/"racy"). Error-like verdicts never do.
bool satisfies(Verdict v, const std::string& expect);

}  // namespace pyrace
