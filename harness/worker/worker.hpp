// The worker process: embeds the interpreter, loads one case, runs it, and writes one JSON
// object to fd 3. Started by the supervisor as `pyrace __worker --spec JSON`.
#pragma once
#include <nlohmann/json.hpp>

#include "py/ref.hpp"

namespace pyrace {

// The result channel as the supervisor hands it over; the worker moves it to a high
// close-on-exec descriptor at once and leaves /dev/null on fd 3 for the case.
inline constexpr int kResultFd = 3;
// Worker exit codes the supervisor understands (anything else, or a signal, is a crash).
inline constexpr int kWorkerOk = 0;
inline constexpr int kWorkerEnvError = 3;  // interpreter unusable: the whole run stops

// spec: {"mode": "run"|"describe"|"probe", "config": {...}}; path and name are raw bytes
// (a file name need not be UTF-8).
int worker_main(const nlohmann::json& spec, const std::string& path, const std::string& name);

// The embedded case loader (loader.py) with the generated names module it imports first; throws
// py::ErrorAlreadySet with the Python error set. The caller must be attached.
py::Ref import_loader();

}  // namespace pyrace
