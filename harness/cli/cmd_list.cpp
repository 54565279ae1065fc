// `pyrace list`: the cases with their expectation and shape, described by workers, not run.
#include <fmt/core.h>

#include "cli/commands.hpp"

namespace pyrace {

int cmd_list(const pyrace::RunOptions& o, const pyrace::SuperviseOptions& sup) {
  using namespace pyrace;
  std::vector<CaseFile> cases;
  std::string python;
  if (int rc = select_cases(o, cases); rc != kExitOk) return rc;
  if (int rc = check_interpreter({"off"}, sup, python); rc != kExitOk) return rc;
  int rc = kExitOk;
  for (const auto& c : cases) {
    Record r = describe_one(c.path, c.name, sup);
    if (r.status != "ok") {
      fmt::print("{:<40} ERROR  {}{}: {}\n", c.name, c.path, r.line > 0 ? ":" + std::to_string(r.line) : "", r.message);
      rc = kExitMismatch;
      continue;
    }
    std::string first_line = r.doc.substr(0, r.doc.find('\n'));
    fmt::print("{:<40} {:<5} {:<6} {}\n", c.name, r.expect, r.shape, first_line);
  }
  fmt::print("pyrace: {} case{}\n", cases.size(), cases.size() == 1 ? "" : "s");
  return rc;
}

}  // namespace pyrace
