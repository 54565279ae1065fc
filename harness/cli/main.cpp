// pyrace: command-line entry point. `run` and `list` supervise worker processes; `__worker`
// is the child side, which embeds the interpreter. Each subcommand is in its cmd_*.cpp.
#include <fmt/core.h>

#include <unistd.h>

#include <climits>

#include "cli/commands.hpp"
#include "worker/worker.hpp"

namespace {

std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "pyrace";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  using pyrace::usage_error;
  pyrace::Command cmd;
  int rc = 0;
  if (!pyrace::parse_command_line(argc, argv, cmd, rc)) return rc;
  if (cmd.kind == pyrace::Command::FlagsMd) {
    fmt::print("{}", pyrace::flags_markdown());
    return pyrace::kExitOk;
  }
  if (cmd.kind == pyrace::Command::Worker) {
    auto spec = nlohmann::json::parse(cmd.worker_spec, nullptr, false);
    if (spec.is_discarded()) return usage_error("__worker: --spec is not JSON");
    return pyrace::worker_main(spec, cmd.worker_path, cmd.worker_name);
  }
  pyrace::SuperviseOptions sup;
  sup.self_exe = self_exe();
  sup.timeout_s = cmd.run.timeout;
  sup.max_memory_mib = cmd.run.max_memory.mib;
  sup.max_cpu_s = cmd.run.max_cpu;
  sup.max_output_mib = cmd.run.max_output;
  sup.show_suppressed = cmd.run.show_suppressed;
  try {
    if (cmd.kind == pyrace::Command::List) return pyrace::cmd_list(cmd.run, sup);
    if (cmd.kind == pyrace::Command::Report) return pyrace::cmd_report(cmd.results, cmd.run);
    if (cmd.kind == pyrace::Command::Table) return pyrace::cmd_table(cmd.run, sup);
    if (cmd.kind == pyrace::Command::Compare) return pyrace::cmd_compare(cmd.results[0], cmd.results[1], cmd.output);
    if (cmd.kind == pyrace::Command::Explore) return pyrace::cmd_run(cmd.run, sup, true);
    if (cmd.kind == pyrace::Command::Replay) return pyrace::cmd_replay(cmd.explain_case, cmd.run, sup);
    if (cmd.kind == pyrace::Command::Sweep)
      return pyrace::cmd_sweep(cmd.run, sup, cmd.output.empty() ? "sweep-out" : cmd.output, cmd.deny);
    if (cmd.kind == pyrace::Command::Repro) return pyrace::cmd_repro(cmd.explain_case, cmd.run, sup, cmd.output);
    if (cmd.kind == pyrace::Command::Explain)
      return pyrace::cmd_explain(cmd.explain_case, cmd.run, sup, pyrace::want_color(cmd.run.color), !cmd.no_run);
    return pyrace::cmd_run(cmd.run, sup);
  } catch (const pyrace::DiscoveryError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    fmt::print(stderr, "pyrace: internal error: {}\n", e.what());
    return pyrace::kExitEnv;
  }
}
