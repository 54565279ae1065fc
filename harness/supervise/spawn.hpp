// Starting a worker: fork and exec of `pyrace __worker`, with its descriptors, its environment
// and its resource limits.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "supervise/worker_outcome.hpp"

namespace pyrace {

using Clock = std::chrono::steady_clock;

// A started worker, as wait_worker and collect_worker need it.
struct WorkerProcess {
  pid_t pid = -1;  // also its process group
  int result_fd = -1;  // the read end of the result channel (the worker's kResultFd)
  int output_fd = -1;  // the worker's stdout and stderr: an unlinked temporary file
  std::string tsan_dir;  // TSan builds: the folder the worker logs its reports into
  bool finalising = false;  // the worker ends with exit(), not _exit(): the TSan runtime finalises
  Clock::time_point t0;  // just before the fork: the timeout counts from here
};

// Starts `pyrace __worker` for `spec` in a process group of its own; throws std::runtime_error
// when the pipe, the temporary file or the fork cannot be made.
WorkerProcess spawn_worker(const nlohmann::json& spec, const SuperviseOptions& opts);

}  // namespace pyrace
