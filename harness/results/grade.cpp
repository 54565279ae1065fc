#include "results/grade.hpp"

#include <cmath>

namespace pyrace {

Interval wilson95(long k, long n) {
  if (n <= 0) return {0, 0};
  const double z = 1.959963984540054;
  const double p = static_cast<double>(k) / static_cast<double>(n);
  const double nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  Interval i{centre - half, centre + half};
  // Exact at the edges (rounding would otherwise leave e.g. -1e-17).
  if (k == 0) i.lo = 0;
  if (k == n) i.hi = 1;
  return i;
}

Verdict verdict_from_counts(long forbidden, long) { return forbidden > 0 ? Verdict::Racy : Verdict::Safe; }

bool satisfies(Verdict v, const std::string& expect) {
  if (expect == "safe") return v == Verdict::Safe;
  if (expect == "racy") return v == Verdict::Racy;
  return false;
}

}  // namespace pyrace
