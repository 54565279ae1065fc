#include "repro/case_repro.hpp"

#include <fmt/core.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "forced_source.hpp"  // generated from forced_driver.py
#include "fuzz_driver_source.hpp"  // kFuzzDriverSource: cases/interpreter/ import it as _pyrace_fuzz
#include "loader_source.hpp"  // kExploreModelSource
#include "repro_source.hpp"   // generated from repro_driver.py

namespace pyrace {

namespace {
std::string read_file(const std::string& path, std::string& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = "cannot read " + path + ": " + std::strerror(errno);
    return "";
  }
  std::stringstream source;
  source << in.rdbuf();
  return source.str();
}

// One line of a header comment: no line breaks.
std::string one_line(std::string s) {
  for (char& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return s;
}
}  // namespace

std::string write_reproducer(const std::string& case_path, const std::string& out_path, const Record* found) {
  std::ifstream in(case_path, std::ios::binary);
  if (!in) return "cannot read " + case_path + ": " + std::strerror(errno);
  std::stringstream source;
  source << in.rdbuf();
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + out_path + ": " + std::strerror(errno);
  out << "#!/usr/bin/env python3.14t\n";
  out << "# pyrace reproducer for " << case_path << "\n";
  if (found)
    out << fmt::format("# found: {} (expected {}), GIL {}, {} threads, with {}\n", to_string(found->verdict),
                       found->expect, found->config.gil, found->config.threads, found->python);
  out << "# run: python3.14t " << out_path << " [--max-seconds N]   exit 1: reproduced, 0: not seen\n";
  out << "# (a crash reproduces as death by its signal; the GIL setting comes from PYTHON_GIL)\n";
  if (source.str().find("_pyrace_fuzz") !=
      std::string::npos)  // a fuzz finding's case: its runtime, as the worker gives it
    out << "# === pyrace: the fuzz runtime the case imports as _pyrace_fuzz ===\n"
        << "import sys as _sys, types as _types\n_fuzz = _types.ModuleType(\"_pyrace_fuzz\")\n"
        << "exec(compile(" << nlohmann::json(std::string(kFuzzDriverSource)).dump()
        << ", \"<pyrace fuzz driver>\", \"exec\"), _fuzz.__dict__)\n_sys.modules[\"_pyrace_fuzz\"] = _fuzz\n";
  out << kReproDriverSource << "\n# === pyrace: the case, embedded ===\n" << source.str();
  out.close();
  if (!out) return "cannot write " + out_path;
  ::chmod(out_path.c_str(), 0755);
  return "";
}

std::string write_forced_reproducer(const std::string& case_path, const std::string& case_name,
                                    const std::string& out_path, const nlohmann::json& explore,
                                    const std::string& python) {
  const nlohmann::json& w = explore.contains("witness") ? explore["witness"] : nlohmann::json();
  if (!w.is_object()) return "the explore result has no witness";
  std::string err;
  std::string source = read_file(case_path, err);
  if (!err.empty()) return err;
  // What the driver reads (a Python literal: JSON's strings and numbers are Python's too).
  nlohmann::json forced = {{"case", case_name},
                           {"schedule", w.value("schedule", "")},
                           {"threads", explore.value("threads", 0)},
                           {"iterations", explore.value("iterations", 0L)},
                           {"points", explore.value("points", "visible")},
                           {"kind", w.value("kind", "")},
                           {"expected", w.value("outcome", w.value("message", ""))},
                           {"steps_count", w.value("steps_count", 0L)},
                           {"bytecode", w.value("bytecode", "")},
                           {"preemptions", std::max(explore.value("preemption_bound", 2), w.value("preemptions", 0))}};
  const std::string what = w.value("kind", "") == "deadlock" || w.value("kind", "") == "livelock"
                               ? w.value("kind", "") + ": " + w.value("message", "")
                               : "outcome " + w.value("outcome", "");
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + out_path + ": " + std::strerror(errno);
  out << "#!/usr/bin/env python3.14t\n";
  out << "# pyrace reproducer for " << case_path << ": one interleaving, forced (sys.monitoring + threading)\n";
  out << fmt::format("# found by pyrace explore ({}, K={}, {} schedules) with {}:\n", explore.value("strategy", ""),
                     explore.value("preemption_bound", 0), explore.value("schedules", 0L), one_line(python));
  out << fmt::format("#   {}, {} threads, schedule {} ({} steps, {} preemption{})\n", one_line(what),
                     explore.value("threads", 0), w.value("schedule", ""), w.value("steps_count", 0L),
                     w.value("preemptions", 0), w.value("preemptions", 0) == 1 ? "" : "s");
  out << "# run: python3.14t " << out_path
      << "   exit 1: reproduced (every run: the schedule is forced), 0: not seen,\n";
  out << "#   125: undecided (git bisect run: skip). Where this interpreter compiles the case to other\n";
  out << "#   bytecode, the schedule means another interleaving: the driver then searches this interpreter's\n";
  out << "#   schedules with as many preemptions instead (1: a witness, 0: none in all of them, 125: budget out).\n";
  out << "PYRACE_FORCED = " << forced.dump() << "\n";
  out << kForcedDriverSource << "\n# === pyrace: explore model, embedded ===\n" << kExploreModelSource;
  out << "\n# === pyrace: the case, embedded ===\n" << source;
  out.close();
  if (!out) return "cannot write " + out_path;
  ::chmod(out_path.c_str(), 0755);
  return "";
}

}  // namespace pyrace
