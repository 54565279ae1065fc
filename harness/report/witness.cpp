// The witness of an explore run as a timeline a student reads without knowing bytecode: one
// column per thread, a row per step, the source line and what was read or written.
#include <fmt/format.h>

#include <algorithm>

#include "report/reporter.hpp"

namespace pyrace {

using nlohmann::json;

namespace {
std::string fit(const std::string& s, size_t width) {
  // Counted in bytes; the texts are source lines and reprs, mostly ASCII.
  if (s.size() <= width) return s + std::string(width - s.size(), ' ');
  return s.substr(0, width - 3) + "...";
}

// What one step did, in words: the access when there is one, else the source line's text.
std::string step_text(const json& s, bool new_line) {
  const std::string access = s.value("access", "");
  const int line = s.value("line", 0);
  if (line == 0) return access.empty() ? "" : "(" + access + ")";  // finished / waits / stops waiting
  std::string where = fmt::format("{:>3}", line);
  if (!access.empty()) return where + " " + access;
  if (new_line) return where + " " + s.value("source", "");
  return where + " · " + s.value("op", "") + (s.value("arg", "").empty() ? "" : " " + s.value("arg", ""));
}
}  // namespace

std::string witness_timeline(const json& witness, const std::vector<std::string>& actors, size_t width) {
  if (!witness.is_object() || !witness.contains("steps") || !witness["steps"].is_array()) return "";
  const json& steps = witness["steps"];
  int threads = 0;
  for (const auto& s : steps) threads = std::max(threads, s.value("thread", 0) + 1);
  if (threads == 0) return "";
  const size_t gutter = 5;
  const size_t col = std::max<size_t>(18, (width - gutter) / static_cast<size_t>(threads) - 1);
  std::string out = fmt::format("{:>4} ", "step");
  for (int t = 0; t < threads; ++t) {
    std::string name = t < static_cast<int>(actors.size()) ? actors[t] : (actors.size() == 1 ? actors[0] : "");
    out += fit(fmt::format("thread {}{}", t, name.empty() ? "" : " (" + name + ")"), col) + " ";
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += "\n";
  std::vector<int> last_line(threads, -1);
  int n = 0;
  for (const auto& s : steps) {
    const int t = s.value("thread", 0);
    const int line = s.value("line", 0);
    const bool new_line = line != 0 && line != last_line[t];
    if (line) last_line[t] = line;
    std::string cell = step_text(s, new_line);
    if (!line && cell.size() > col) {  // a long event (what a thread waits for): a line of its own
      out += fmt::format("     thread {} {}\n", t, cell);
      continue;
    }
    std::string row = line ? fmt::format("{:>4} ", ++n) : std::string(5, ' ');
    for (int u = 0; u < threads; ++u) row += fit(u == t ? cell : "", col) + " ";
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }
  out += fmt::format("outcome: {}    schedule: {}\n", witness.value("outcome", witness.value("message", "")),
                     witness.value("schedule", ""));
  return out;
}

std::string disagreement(const Record& stress, const Record& explore) {
  const bool s_racy = stress.verdict == Verdict::Racy, e_racy = explore.verdict == Verdict::Racy;
  if (stress.verdict == Verdict::Safe && e_racy)
    return "explore found an interleaving that breaks it; the stress run never hit it in " +
           std::to_string(stress.trials) + " trials (a narrow window, or a rare schedule): the witness is the proof";
  if (s_racy && explore.verdict == Verdict::Safe)
    return "the race is inside one instruction (C code or the interpreter, e.g. an iterator's next()), "
           "outside explore's model, where a bytecode instruction is one step: the stress verdict stands";
  return "";
}

std::string explore_rate(const Record& r) {
  const json& e = r.explore;
  if (!e.is_object()) return "-";
  const json& w = e.contains("witness") ? e["witness"] : json();
  if (w.is_object()) {
    if (w.value("kind", "") == "deadlock") return "deadlock found";
    return fmt::format("witness, {} preemption{}", w.value("preemptions", 0),
                       w.value("preemptions", 0) == 1 ? "" : "s");
  }
  const long n = e.value("schedules", 0L);
  if (e.value("strategy", "") == "exhaustive")
    return fmt::format("{} {} schedules, K={}", e.value("complete", false) ? "all" : "only", n,
                       e.value("preemption_bound", 0));
  return fmt::format("none in {} schedules", n);
}

}  // namespace pyrace
