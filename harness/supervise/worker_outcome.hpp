// One worker's run as the supervise/ steps share it: the options it runs under, and what came
// back from it.
#pragma once
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include <string>
#include <vector>

#include "results/tsan_report.hpp"

namespace pyrace {

struct SuperviseOptions {
  std::string self_exe;       // this binary (re-executed as `pyrace __worker`)
  double timeout_s = 120;     // wall-clock limit per worker
  size_t output_tail = 16384;  // bytes of the worker's stdout+stderr kept in the record (head and tail)
  long max_memory_mib = 0;     // RLIMIT_DATA of the worker; 0: memory_limit_for(threads)
  long max_cpu_s = 0;          // RLIMIT_CPU of the worker, 0 = none
  long max_output_mib = 64;    // the worker's output file is cut back past this
  const volatile sig_atomic_t* interrupted = nullptr;  // set by SIGINT/SIGTERM: kill the worker, return
  // TSan builds: end each worker through exit() so that the runtime finalises and prints which
  // suppressions matched (--show-suppressed).
  bool show_suppressed = false;
};

// What came back from one worker: its JSON (empty object if none), how it ended, its output.
struct WorkerOutcome {
  nlohmann::json result = nlohmann::json::object();
  bool timed_out = false;
  bool interrupted = false;  // pyrace itself was interrupted; the worker was killed
  bool cpu_idle = false;  // at the timeout the worker used (almost) no CPU: blocked, a deadlock
  bool stopped = false;   // at the timeout the worker was stopped by a signal (state T): neither
  int stop_signal = 0;    // ... the signal that stopped it, when seen (SIGSTOP, SIGTSTP, ...)
  int signal = 0;         // terminating signal, if any (SIGKILL when pyrace killed it on a timeout)
  int exit_code = 0;
  std::string output_tail;
  std::string stray;  // the start of what the result channel held that is not pyrace's JSON
  bool output_cut = false;  // the worker wrote more than max_output_mib
  std::vector<TsanReport> tsan;  // TSan builds: the reports in the worker's TSan log
  std::vector<TsanSuppression> tsan_suppressed;  // ... and the suppressions that matched (show_suppressed)
  bool tsan_finalised = false;  // the TSan runtime finalised, so tsan_suppressed is complete
  std::string tsan_log;
  double wall_s = 0;
};

// The default memory limit: room for the interpreter and the case, plus each thread's stack and heaps.
inline long memory_limit_mib(const SuperviseOptions& o, int threads) {
  return o.max_memory_mib > 0 ? o.max_memory_mib : 4096 + 64L * std::max(threads, 8);
}

}  // namespace pyrace
