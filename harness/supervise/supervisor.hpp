// Runs one worker process per case and configuration, with crash and hang isolation: a
// crash, hang or deadlock becomes a verdict, never the end of the run.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "results/record.hpp"
#include "supervise/worker_outcome.hpp"

namespace pyrace {

// Runs one worker for `spec`, from its start to its outcome: spawn, wait, collect.
WorkerOutcome run_worker(const nlohmann::json& spec, const SuperviseOptions& opts);

// Runs one case in one configuration and returns its graded record.
Record run_one(const std::string& path, const std::string& name, const Config& cfg, const SuperviseOptions& opts);

// Describes a case (mode describe) without running it.
Record describe_one(const std::string& path, const std::string& name, const SuperviseOptions& opts);

// Loads a case and returns the loader's explanation (source, bytecode with the window marked);
// on failure, the "message" key says why.
nlohmann::json explain_one(const std::string& path, const std::string& name, const SuperviseOptions& opts);

// Starts a worker that only initialises the interpreter: fills python version; returns an
// error message (empty when the interpreter is usable in that GIL mode).
std::string probe_interpreter(const std::string& gil, const SuperviseOptions& opts, std::string& python);

}  // namespace pyrace
