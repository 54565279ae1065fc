// The worker's clock: one steady clock for the stress engine's and explore's budgets and timings.
#pragma once
#include <chrono>

namespace pyrace {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace pyrace
