// `pyrace repro CASE|ARTIFACT`: a standalone reproducer of a case, or of a fuzzer artifact.
// A case is explored first (exhaustive, in a worker): when explore finds a witness, the
// reproducer forces that interleaving (forced_driver.py) and fires on its first run; when it
// finds none (SAFE at its bound) or cannot control the case, the plain-threading reproducer
// (repro_driver.py) is written, which runs fresh threads until the outcome shows.
#include <fmt/core.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "repro/case_repro.hpp"
#include "repro/fuzz_repro.hpp"

namespace pyrace {

int cmd_repro(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup,
              const std::string& output) {
  if (is_fuzz_artifact(case_ref)) {
    std::string out = output.empty() ? std::filesystem::path(case_ref).filename().string() + "_repro.py" : output;
    if (std::string e = write_fuzz_reproducer(case_ref, out); !e.empty()) return usage_error(e);
    fmt::print("pyrace: wrote {} (run it with python3.14t; it loops until the finding fires: exit 1 or a crash)\n",
               out);
    return kExitOk;
  }
  CaseFile c;
  std::string err;
  if (!resolve_case(case_ref, o.paths.empty() ? std::vector<std::string>{"cases"} : o.paths, c, err))
    return usage_error(err);
  std::string out = output.empty() ? c.name + "_repro.py" : output;

  // Why the plain reproducer, when it is the one written (empty: --plain asked for it).
  std::string why_plain;
  if (!o.plain) {
    std::string python;
    if (std::string pe = probe_interpreter("off", sup, python); !pe.empty()) {
      why_plain = "no interpreter to explore with (" + pe + ")";
    } else {
      Config cfg;
      cfg.threads = o.threads.empty() ? 0 : o.threads[0];
      cfg.iterations = o.iterations;
      cfg.time_budget_s = o.time_budget;
      cfg.mode = "explore";
      cfg.strategy = "exhaustive";
      cfg.preemptions = o.preemptions;
      cfg.max_schedules = o.schedules;
      Record r = run_one(c.path, c.name, cfg, sup);
      const nlohmann::json& e = r.explore;
      const bool has_witness = r.status == "ok" && e.is_object() && !e.contains("error") && e.contains("witness") &&
                               e["witness"].is_object() && !e["witness"].value("schedule", "").empty();
      if (has_witness) {
        if (std::string we = write_forced_reproducer(c.path, c.name, out, e, python.empty() ? r.python : python);
            !we.empty())
          return usage_error(we);
        const nlohmann::json& w = e["witness"];
        fmt::print("pyrace: explore found {} (schedule {}, {} steps)\n",
                   w.value("kind", "") == "deadlock" || w.value("kind", "") == "livelock"
                       ? "a " + w.value("kind", "")
                       : "the outcome " + w.value("outcome", ""),
                   w.value("schedule", ""), w.value("steps_count", 0L));
        fmt::print(
            "pyrace: wrote {} (run it with python3.14t: it forces that interleaving and exits 1 on every run; "
            "0 means the outcome is gone)\n",
            out);
        return kExitOk;
      }
      if (r.status != "ok") why_plain = "explore could not run the case: " + r.message;
      else if (e.is_object() && e.contains("error"))
        why_plain = e["error"].value("message", "explore could not control the case");
      else why_plain = "explore found no forbidden outcome (" + explore_summary(r) + ")";
    }
  }
  if (std::string e = write_reproducer(c.path, out, nullptr); !e.empty()) return usage_error(e);
  if (!why_plain.empty()) fmt::print("pyrace: {}: the plain-threading reproducer instead\n", why_plain);
  fmt::print("pyrace: wrote {} (run it with python3.14t; exit 1 means reproduced)\n", out);
  return kExitOk;
}

}  // namespace pyrace
