// `pyrace repro CASE|ARTIFACT`: a standalone reproducer of a case, or of a fuzzer artifact.
#include <fmt/core.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "repro/case_repro.hpp"
#include "repro/fuzz_repro.hpp"

namespace pyrace {

int cmd_repro(const std::string& case_ref, const std::vector<std::string>& paths, const std::string& output) {
  if (is_fuzz_artifact(case_ref)) {
    std::string out = output.empty() ? std::filesystem::path(case_ref).filename().string() + "_repro.py" : output;
    if (std::string e = write_fuzz_reproducer(case_ref, out); !e.empty()) return usage_error(e);
    fmt::print("pyrace: wrote {} (run it with python3.14t; it loops until the finding fires: exit 1 or a crash)\n", out);
    return kExitOk;
  }
  CaseFile c;
  std::string err;
  if (!resolve_case(case_ref, paths.empty() ? std::vector<std::string>{"cases"} : paths, c, err))
    return usage_error(err);
  std::string out = output.empty() ? c.name + "_repro.py" : output;
  if (std::string e = write_reproducer(c.path, out, nullptr); !e.empty()) return usage_error(e);
  fmt::print("pyrace: wrote {} (run it with python3.14t; exit 1 means reproduced)\n", out);
  return kExitOk;
}

}  // namespace pyrace
