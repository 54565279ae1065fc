// After a worker has ended: how it ended (exit status or signal), its output, its TSan log and
// its JSON into a WorkerOutcome, and a WorkerOutcome into a graded Record.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "results/record.hpp"
#include "supervise/spawn.hpp"
#include "supervise/wait.hpp"
#include "supervise/worker_outcome.hpp"

namespace pyrace {

// Fills the rest of `w` from the ended worker: signal or exit code, the output (head and
// tail), the TSan reports, its JSON; closes its output and removes its TSan folder.
void collect_worker(const WorkerProcess& p, const WorkerEnd& end, const SuperviseOptions& opts, WorkerOutcome& w);

// The case's description (the worker's "case" key) into the record.
void fill_from_case(Record& r, const nlohmann::json& c);

// What run_one makes of a worker that ran `cfg`: the graded record, its status and message.
Record record_from_worker(const WorkerOutcome& w, const std::string& path, const std::string& name, const Config& cfg,
                          const SuperviseOptions& opts);

}  // namespace pyrace
