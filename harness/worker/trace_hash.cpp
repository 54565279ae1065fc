#include "worker/trace_hash.hpp"

namespace pyrace {

namespace {
std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

void TraceHash::reset(int threads) {
  n_ = threads;
  thread_.assign(static_cast<size_t>(threads), Clock{});
  all_.fill(0);
  any_.fill(0);
  locations_.clear();
  hash_ = 0;
}

void TraceHash::join(Clock& into, const Clock& from) const {
  for (int i = 0; i < n_; ++i) into[i] = std::max(into[i], from[i]);
}

TraceHash::Location& TraceHash::at(const Access::Loc& l) { return locations_[key_of(l)]; }  // new: zero clocks

std::uint64_t TraceHash::key_of(const Access::Loc& l) { return mix(l.object) ^ (l.key * 0x9e3779b97f4a7c15ULL); }

TraceHash::Clock TraceHash::clock_of(int t, const Access& a) const {
  Clock c = thread_[static_cast<size_t>(t)];
  if (a.kind == Access::Kind::Anything) {
    join(c, all_);
  } else if (a.kind == Access::Kind::Precise) {
    join(c, any_);
    for (int i = 0; i < a.count; ++i) {
      const auto it = locations_.find(key_of(a.locs[static_cast<size_t>(i)]));
      if (it == locations_.end()) continue;  // nobody touched it yet
      join(c, it->second.write);
      if (a.locs[static_cast<size_t>(i)].write) join(c, it->second.reads);
    }
  }  // Local: ordered by its own thread only
  ++c[static_cast<size_t>(t)];
  return c;
}

std::uint64_t TraceHash::contribution(int t, const Clock& c) const {
  std::uint64_t h = mix(static_cast<std::uint64_t>(t) + 1);
  for (int i = 0; i < n_; ++i) h = mix(h ^ c[static_cast<size_t>(i)]);
  return h;
}

std::uint64_t TraceHash::after(int t, const Access& a) const { return hash_ + contribution(t, clock_of(t, a)); }

void TraceHash::step(int t, const Access& a) {
  Clock c = clock_of(t, a);
  if (a.kind == Access::Kind::Precise) {
    for (int i = 0; i < a.count; ++i) {
      Location& loc = at(a.locs[static_cast<size_t>(i)]);
      if (a.locs[static_cast<size_t>(i)].write) {
        loc.write = c;
        loc.reads.fill(0);
      } else {
        join(loc.reads, c);
      }
    }
  }
  if (a.kind != Access::Kind::Local) join(all_, c);  // a local step is independent even of "anything"
  if (a.kind == Access::Kind::Anything) join(any_, c);
  hash_ += contribution(t, c);
  thread_[static_cast<size_t>(t)] = c;
}

}  // namespace pyrace
