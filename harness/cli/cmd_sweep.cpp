// `pyrace sweep`: the per-type stress of the fuzz vocabulary (issue 13). fuzz/sweep.py, run by the
// interpreter pyrace was built with, writes one case per type that interpreter's fuzz vocabulary
// holds (one shared object, 4 threads each calling every operation once, seeded per type); they
// are run and graded as any cases (`pyrace run`), and sweep.py lists the types not SAFE.
#include <fmt/core.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/commands.hpp"

extern char** environ;

namespace pyrace {

namespace {
// Runs argv[0] with argv, waits; its exit status, or -1 (message printed) when it cannot start.
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (int e = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); e != 0) {
    fmt::print(stderr, "pyrace sweep: error: cannot start {}: {}\n", args[0], std::strerror(e));
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
}  // namespace

int cmd_sweep(const RunOptions& o, const SuperviseOptions& sup, const std::string& out, const std::string& deny) {
  namespace fs = std::filesystem;
  const std::string python = PYRACE_PYTHON_EXE, script = std::string(PYRACE_SOURCE_DIR) + "/fuzz/sweep.py";
  std::error_code ec;
  for (const auto& need : {python, script})
    if (!fs::is_regular_file(need, ec)) {
      fmt::print(stderr,
                 "pyrace sweep: error: {} is missing: the sweep runs the generator of the source tree pyrace was "
                 "built from (fuzz/sweep.py) with the interpreter it was built with\n",
                 need);
      return kExitEnv;
    }
  if (!deny.empty() && !fs::is_regular_file(deny, ec)) return usage_error("--deny: no file " + deny);
  std::vector<std::string> gen{python, script, "generate", out};
  if (!deny.empty()) gen.insert(gen.end(), {"--deny", deny});
  if (int rc = run_program(gen); rc != 0) return rc == kExitUsage ? kExitUsage : kExitEnv;
  RunOptions r = o;  // --trials, if given, overrides the cases' TRIALS as in `pyrace run`
  r.paths = {out + "/cases"};
  r.json = out + "/sweep.jsonl";
  fs::remove(r.json, ec);  // a fresh run: the results file is appended to
  r.reporter.insert(r.reporter.begin(), "markdown::out=" + out + "/sweep.md");
  if (o.reporter.empty()) r.reporter.push_back("console");
  const int rc = cmd_run(r, sup);
  if (fs::exists(r.json, ec)) run_program({python, script, "summary", out});  // says which types are not SAFE
  return rc;
}

}  // namespace pyrace
