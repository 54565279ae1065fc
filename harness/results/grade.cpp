#include "results/grade.hpp"

#include <algorithm>
#include <cmath>

namespace pyrace {

namespace {
constexpr double kZ = 1.959963984540054;
}

Interval wilson95(double k, double n) {
  if (!(n > 0)) return {0, 0};
  k = std::clamp(k, 0.0, n);
  const double p = k / n;
  const double denom = 1 + kZ * kZ / n;
  const double centre = (p + kZ * kZ / (2 * n)) / denom;
  const double half = kZ * std::sqrt(p * (1 - p) / n + kZ * kZ / (4 * n * n)) / denom;
  Interval i{centre - half, centre + half};
  // Exact at the edges (rounding would otherwise leave e.g. -1e-17).
  if (k == 0) i.lo = 0;
  if (k == n) i.hi = 1;
  return i;
}

double default_max_rate(const std::string& shape) {
  return shape == to_string(Shape::Single) ? kDefaultMaxRateSingle : kDefaultMaxRateLoop;
}

double max_rate_in_effect(double configured, const std::string& shape) {
  return configured > 0 ? configured : default_max_rate(shape);
}

SafetyBound safety_bound(long forbidden, long trials, double concurrent_trials, double target) {
  SafetyBound b;
  b.concurrent = concurrent_trials >= 0;
  b.evidence = b.concurrent ? std::min(concurrent_trials, static_cast<double>(trials)) : static_cast<double>(trials);
  b.upper = b.evidence > 0 ? wilson95(static_cast<double>(forbidden), b.evidence).hi : 1;
  b.target = target;
  return b;
}

long evidence_needed(double target) {
  if (!(target > 0 && target < 1)) return 0;
  // With k = 0 the Wilson upper bound is z^2 / (n + z^2): at or below t from n >= z^2 (1 - t) / t.
  long n = static_cast<long>(std::ceil(kZ * kZ * (1 - target) / target - 1e-9));
  while (n > 1 && wilson95(0.0, static_cast<double>(n - 1)).hi <= target) --n;  // guard the rounding
  while (wilson95(0.0, static_cast<double>(n)).hi > target) ++n;
  return n;
}

Verdict verdict_from_counts(long forbidden, const SafetyBound& bound) {
  if (forbidden > 0) return Verdict::Racy;
  return bound.reached() ? Verdict::Safe : Verdict::Inconclusive;
}

bool satisfies(Verdict v, const std::string& expect) {
  if (expect == "safe") return v == Verdict::Safe;
  if (expect == "racy") return v == Verdict::Racy;
  return false;
}

}  // namespace pyrace
