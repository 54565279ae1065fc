// A fingerprint of a schedule prefix that is the same for every prefix equivalent to it: two
// prefixes that order every pair of dependent steps (access_model.hpp) the same way leave the
// program in the same state (Mazurkiewicz traces), so explore's exhaustive search need not go on
// from a state an earlier schedule reached (the state cache, explore.cpp).
// Each step gets a vector clock (how many steps of each thread happen before it, itself
// included); the fingerprint is the sum of a hash of (thread, clock) over the steps: the same
// set of steps with the same happens-before gives the same sum, in whatever order they ran.
#pragma once
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "worker/access_model.hpp"

namespace pyrace {

class TraceHash {
 public:
  void reset(int threads);
  void step(int thread, const Access& a);
  // The fingerprint step(thread, a) would give, without taking the step.
  std::uint64_t after(int thread, const Access& a) const;
  std::uint64_t value() const { return hash_; }

 private:
  using Clock = std::array<std::uint32_t, 64>;  // Scheduler::kMaxThreads; no allocation per step
  struct Location {
    Clock write{};  // the last write
    Clock reads{};  // every read since it
  };
  void join(Clock& into, const Clock& from) const;
  Location& at(const Access::Loc& l);
  Clock clock_of(int thread, const Access& a) const;  // the step's clock
  static std::uint64_t key_of(const Access::Loc& l);
  std::uint64_t contribution(int thread, const Clock& c) const;

  int n_ = 0;
  std::vector<Clock> thread_;  // per thread: the clock of its last step
  Clock all_;                  // the join of every step that touches shared state
  Clock any_;                  // the join of every step that may touch anything
  std::unordered_map<std::uint64_t, Location> locations_;
  std::uint64_t hash_ = 0;
};

}  // namespace pyrace
