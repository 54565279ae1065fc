#include "worker/stall_watch.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

namespace pyrace {

namespace {
std::string source_line(const std::string& file, int line) {
  std::ifstream in(file);
  std::string text;
  for (int i = 1; i <= line && std::getline(in, text); ++i) {
    if (i == line) {
      const auto b = text.find_first_not_of(" \t");
      const auto e = text.find_last_not_of(" \t\r");
      return b == std::string::npos ? "" : text.substr(b, e - b + 1);
    }
  }
  return "";
}
}  // namespace

StallWatch::StallWatch(const Scheduler& sched, double limit_s, std::function<void(const Stall&)> on_stall)
    : sched_(sched), limit_s_(limit_s), on_stall_(std::move(on_stall)), thread_([this] { watch(); }) {}

StallWatch::~StallWatch() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StallWatch::watch() {
  using clock = std::chrono::steady_clock;
  // A tenth of the limit between looks (at most 100 ms): a stall is seen within 10% of it.
  const auto tick = std::chrono::duration<double>(std::min(0.1, limit_s_ / 10));
  std::uint64_t seen = sched_.progress();
  auto since = clock::now();
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, tick, [this] { return stop_; })) {
    const std::uint64_t now_progress = sched_.progress();
    const auto now = clock::now();
    if (now_progress != seen || !sched_.in_schedule()) {
      seen = now_progress;
      since = now;
      continue;
    }
    const double still = std::chrono::duration<double>(now - since).count();
    if (still < limit_s_) continue;
    Stall s;
    s.thread = sched_.holder();
    s.seconds = still;
    const Scheduler::Where w = sched_.where(s.thread);
    if (w.code && w.file) {
      s.file = *w.file;
      // The line table of a code object is immutable and the scheduler keeps the object alive:
      // reading it needs no attached thread state.
      s.line = PyCode_Addr2Line(reinterpret_cast<PyCodeObject*>(w.code), w.offset);
      s.source = source_line(s.file, s.line);
    }
    lock.unlock();
    on_stall_(s);  // ends the worker; if it returns, the watch is over
    return;
  }
}

std::string stall_message(const Stall& s, const std::string& actor_name) {
  const std::string who = fmt::format("thread {} ({})", s.thread, actor_name);
  const std::string where =
      s.file.empty() ? "before its first scheduling point"
                     : fmt::format("after line {}{}", s.line, s.source.empty() ? "" : " (`" + s.source + "`)");
  return fmt::format(
      "blocked outside explore's model: {} stopped {} and took no step for {:.1f} s (--explore-stall), every other "
      "thread waiting for its turn. It waits on something explore does not schedule: I/O, a lock not made through "
      "threading or queue (_thread.allocate_lock, say), a sleep in library code, or a C call that waits or never "
      "returns. Explore models threading's Lock, RLock, Condition, Semaphore, Event and Barrier, and queue's "
      "queues; pyrace run runs the case as it is",
      who, where, s.seconds);
}

}  // namespace pyrace
