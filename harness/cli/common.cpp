#include <fmt/core.h>
#include <unistd.h>

#include <cstdlib>

#include "cli/commands.hpp"

namespace pyrace {

int usage_error(const std::string& msg) {
  fmt::print(stderr, "pyrace: error: {}\n", msg);
  return pyrace::kExitUsage;
}

bool want_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
}

std::string Paint::operator()(const char* code, const std::string& s) const {
  return on ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
}

int select_cases(const pyrace::RunOptions& o, std::vector<pyrace::CaseFile>& out) {
  try {
    out = pyrace::filter_by_keywords(pyrace::discover(o.paths), o.keyword);
  } catch (const pyrace::DiscoveryError& e) {
    return usage_error(e.what());
  }
  if (out.empty())
    return usage_error(o.keyword.empty() ? "no case files (*.py) in the given paths"
                                         : "no case matched the -k filters");
  return kExitOk;
}

int check_interpreter(const std::vector<std::string>& gils, const pyrace::SuperviseOptions& sup, std::string& python) {
  for (const auto& g : gils)
    if (std::string err = pyrace::probe_interpreter(g, sup, python); !err.empty()) {
      fmt::print(stderr, "pyrace: environment error (GIL {}): {}\n", g, err);
      return kExitEnv;
    }
  return kExitOk;
}

bool fails_run(const Record& r, bool allow_inconclusive) {
  return is_mismatch(r) || (r.inconclusive && !allow_inconclusive);
}

int results_exit_code(const std::vector<Record>& records, bool allow_inconclusive) {
  bool inconclusive = false;
  for (const auto& r : records) {
    if (is_mismatch(r)) return kExitMismatch;  // a definite failure outranks too little evidence
    inconclusive = inconclusive || r.inconclusive;
  }
  return inconclusive && !allow_inconclusive ? kExitInconclusive : kExitOk;
}

std::vector<std::string> reporter_files(const pyrace::RunOptions& o, const std::string& json_out) {
  std::vector<std::string> files;
  for (const auto& spec : o.reporter)
    if (auto at = spec.find("::out="); at != std::string::npos) files.push_back(spec.substr(at + 6));
  if (!json_out.empty()) files.push_back(json_out);
  return files;
}

void close_reporters(std::vector<std::unique_ptr<pyrace::Reporter>>& reporters, const std::vector<std::string>& files) {
  reporters.clear();  // each closes (flushes) its file
  for (const auto& f : files) fmt::print(stderr, "pyrace: wrote {}\n", f);
}

std::vector<std::unique_ptr<pyrace::Reporter>> open_reporters(const pyrace::RunOptions& o, const std::string& json_out,
                                                              bool append) {
  std::vector<std::string> specs = o.reporter;
  if (specs.empty()) specs.push_back("console");
  std::vector<std::unique_ptr<pyrace::Reporter>> reporters;
  for (const auto& s : specs)
    reporters.push_back(pyrace::make_reporter(s, want_color(o.color), false, o.allow_inconclusive));
  if (!json_out.empty()) reporters.push_back(pyrace::make_reporter("json::out=" + json_out, false, append));
  return reporters;
}

}  // namespace pyrace
