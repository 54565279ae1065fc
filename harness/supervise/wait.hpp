// Waiting for a worker: the poll loop over its result channel, the timeout, the CPU-use check
// (DEADLOCK or TIMEOUT), its Python stacks (SIGUSR1), and the kill of all it left behind.
#pragma once
#include <string>

#include "supervise/spawn.hpp"
#include "supervise/worker_outcome.hpp"

namespace pyrace {

// How the worker ended: its wait status, and what its result channel held.
struct WorkerEnd {
  int status = 0;
  std::string channel;
};

// Waits until the worker has ended (or is killed on the timeout or an interruption), kills its
// process group and every remaining descendant, and closes the result channel. Sets in `w`:
// timed_out, interrupted, stopped, stop_signal, cpu_idle, output_cut (while it ran) and wall_s.
WorkerEnd wait_worker(const WorkerProcess& p, const SuperviseOptions& opts, WorkerOutcome& w);

}  // namespace pyrace
