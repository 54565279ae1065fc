#include "input_stats.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace pyrace::fuzz {

namespace {
struct Totals {
  std::string path;
  long inputs = 0;
  double prepare_s = 0, run_s = 0, finish_s = 0;
  double actor_cpu_s = 0;     // CPU time of the actors inside the program's threads
  double start_spread_s = 0;  // first to last actor start
  double overlap_s = 0;       // all actors inside their threads at once
  double pair_s = 0;          // at least two actors inside their threads
  double span_s = 0;          // first start to last end
};
Totals* g_totals = nullptr;

void write_totals() {
  const Totals& t = *g_totals;
  std::ofstream out(t.path, std::ios::trunc);
  out << "{\"inputs\": " << t.inputs << ", \"prepare_s\": " << t.prepare_s << ", \"run_s\": " << t.run_s
      << ", \"finish_s\": " << t.finish_s << ", \"actor_cpu_s\": " << t.actor_cpu_s
      << ", \"start_spread_s\": " << t.start_spread_s << ", \"overlap_s\": " << t.overlap_s
      << ", \"span_s\": " << t.span_s << ", \"pair_s\": " << t.pair_s << "}\n";
}
}  // namespace

void stats_open() {
  const char* p = std::getenv("PYRACE_FUZZ_STATS");
  if (!p || !*p) return;
  g_totals = new Totals;
  g_totals->path = p;
  std::atexit(write_totals);  // libFuzzer ends -runs=N with exit()
}

bool stats_on() { return g_totals != nullptr; }

double stats_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double stats_thread_cpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void stats_record(const InputTimes& in, size_t k) {
  if (!g_totals || k == 0) return;
  Totals& t = *g_totals;
  t.inputs++;
  t.prepare_s += in.prepared - in.begin;
  t.run_s += in.ran - in.prepared;
  t.finish_s += in.finished - in.ran;
  for (size_t i = 0; i < k; ++i) t.actor_cpu_s += in.cpu[i];
  const double first = *std::min_element(in.start, in.start + k), last = *std::max_element(in.start, in.start + k);
  const double first_end = *std::min_element(in.end, in.end + k), last_end = *std::max_element(in.end, in.end + k);
  t.start_spread_s += last - first;
  t.overlap_s += std::max(0.0, first_end - last);
  t.span_s += last_end - first;
  std::vector<std::pair<double, int>> ev;  // +1 at a start, -1 at an end: the time >= 2 are inside
  for (size_t i = 0; i < k; ++i) ev.emplace_back(in.start[i], 1), ev.emplace_back(in.end[i], -1);
  std::sort(ev.begin(), ev.end());
  int inside = 0;
  for (size_t e = 0; e + 1 < ev.size(); ++e) {
    inside += ev[e].second;
    if (inside >= 2) t.pair_s += ev[e + 1].first - ev[e].first;
  }
}

}  // namespace pyrace::fuzz
