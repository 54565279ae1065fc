// `pyrace explain CASE`: the teaching view of one case, readable in an 80-column terminal.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>

#include "cli/commands.hpp"
#include "results/discover.hpp"
#include "report/reporter.hpp"

namespace pyrace {

namespace {

constexpr size_t kWidth = 80;

std::string rule(const Paint& paint, const std::string& title) {
  std::string t = "── " + title + " ";
  size_t cols = 3 + title.size() + 1;
  std::string line = t;
  for (size_t i = cols; i < kWidth; ++i) line += "─";
  return "\n" + paint("1", line) + "\n";
}

// Re-flows paragraphs (separated by blank lines) to the width; hard line breaks inside a
// paragraph (as in a docstring) are joined.
std::string wrap(const std::string& text, size_t width, const std::string& pad = "") {
  std::vector<std::string> paras(1);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) {
      if (!paras.back().empty()) paras.emplace_back();
    } else {
      paras.back() += (paras.back().empty() ? "" : " ") + line;
    }
  }
  std::string out;
  for (size_t p = 0; p < paras.size(); ++p) {
    if (paras[p].empty()) continue;
    if (!out.empty()) out += "\n";
    std::istringstream words(paras[p]);
    std::string w, cur;
    while (words >> w) {
      if (!cur.empty() && pad.size() + cur.size() + 1 + w.size() > width) {
        out += pad + cur + "\n";
        cur.clear();
      }
      cur += (cur.empty() ? "" : " ") + w;
    }
    out += pad + cur + "\n";
  }
  return out;
}

void print_result(const Paint& paint, const std::string& label, const Record& r) {
  const char* colour = r.verdict == Verdict::Racy           ? "33"
                       : r.verdict == Verdict::Safe         ? "32"
                       : r.verdict == Verdict::Inconclusive ? "35"
                                                            : "31";
  const std::string verdict = to_string(r.verdict), rate = is_graded(r.verdict) ? format_rate(r) : r.message;
  if (!is_graded(r.verdict) || 2 + verdict.size() + 1 + rate.size() <= kWidth)
    fmt::print("\n{}\n  {} {}\n", paint("1", label), paint(colour, verdict), rate);
  else  // the evidence makes it long: on lines of its own, in 80 columns
    fmt::print("\n{}\n  {}\n{}", paint("1", label), paint(colour, verdict), wrap(rate, kWidth - 4, "    "));
  if (r.verdict == Verdict::Inconclusive) fmt::print("{}", wrap(inconclusive_reason(r), kWidth - 4, "    "));
  if (const std::string c = format_concurrency(r); !c.empty()) fmt::print("  {}\n", c);
  for (const auto& line : raised_lines(r)) fmt::print("  raised {}\n", line);
  if (r.trials > 0)
    fmt::print("  {} trials · {:.3g} actor calls/s{}\n", r.trials, r.ops_per_s,
               r.damage_n
                   ? fmt::format(" · damage {:.3g}% mean, {:.3g}% worst", 100 * r.damage_mean, 100 * r.damage_max)
                   : "");
  std::vector<OutcomeCount> rows = r.outcomes;
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  long top = rows.empty() ? 0 : rows[0].count;
  for (size_t i = 0; i < rows.size() && i < 6; ++i) {
    const auto& o = rows[i];
    int bar = top ? static_cast<int>(20.0 * o.count / top) : 0;
    std::string bars;
    for (int k = 0; k < std::max(bar, 1); ++k) bars += "█";
    const char* c = o.grade == to_string(Grade::Forbidden)     ? "31"
                    : o.grade == to_string(Grade::Interesting) ? "36"
                                                               : "32";
    std::string value = o.outcome.size() > 24 ? o.outcome.substr(0, 21) + "..." : o.outcome;
    fmt::print("    {:<20} {:>9} {:<11} {}\n", paint(c, bars) + std::string(20 - std::max(bar, 1), ' '), o.count,
               o.grade, value);
  }
}

// The case as written: its name and EXPECT, why it races (the docstring), its numbered source.
void print_case(const Paint& paint, const CaseFile& c, const nlohmann::json& ex, const std::string& fix) {
  fmt::print("{}  {}\n", paint("1", c.name), paint("2", c.path));
  fmt::print("EXPECT {}{}\n", ex.value("expect", "?"), fix.empty() ? "" : " · fixed twin: " + fix);

  fmt::print("{}", rule(paint, "why"));
  fmt::print("{}", wrap(ex.value("doc", ""), kWidth - 2, "  "));

  fmt::print("{}", rule(paint, "the case"));
  std::istringstream src(ex.value("source", ""));
  std::string line;
  for (int n = 1; std::getline(src, line); ++n) {
    if (line.size() > kWidth - 7) line = line.substr(0, kWidth - 10) + "...";
    fmt::print("{} {}\n", paint("2", fmt::format("{:>4} │", n)), line);
  }
}

// Each actor's bytecode, the window between its first read and last write of shared state marked.
void print_bytecode(const Paint& paint, const nlohmann::json& ex) {
  fmt::print("{}", rule(paint, "what each actor runs (bytecode)"));
  bool any_window = false;
  for (const auto& a : ex.value("actors", nlohmann::json::array())) {
    fmt::print("{}:\n", a.value("name", "actor"));
    for (const auto& l : a.value("lines", nlohmann::json::array())) {
      const bool in = l.value("window", false);
      const std::string role = l.value("role", "");
      std::string mark = !in ? "   " : role == "read" ? "┌─ " : role == "write" ? "└─ " : "│  ";
      std::string note = role == "read" ? "  ← first read of shared state" : role == "write" ? "  ← last write" : "";
      std::string text = fmt::format("{}{:>4}  {:<22} {}", mark, l.value("line", 0), l.value("op", ""),
                                     l.value("arg", "").substr(0, 24));
      fmt::print("{}{}\n", in ? paint("33", text) : text, paint("33", note));
    }
    any_window = any_window || a.value("window", false);
  }
  if (any_window)
    fmt::print("{}", wrap("Between the marked read and write, another thread can run (the same instructions, or "
                          "another actor's): "
                          "whatever it writes there is overwritten, or the value this thread checked is stale. "
                          "A lock held across the whole window (or a single atomic operation) closes it.",
                          kWidth - 2, "  "));
}

bool has_witness(const Record& explored) {
  return explored.explore.is_object() && explored.explore.contains("witness") &&
         explored.explore.at("witness").is_object();
}

// The interleaving itself, from the controlled scheduler: a witness step by step, or what the
// search found. Returns the explore result.
Record print_interleaving(const Paint& paint, const CaseFile& c, const RunOptions& o, const SuperviseOptions& sup) {
  Config ecfg;  // GIL off, the case's sizes, a minute for the search
  ecfg.threads = o.threads.empty() ? 0 : o.threads[0];
  ecfg.time_budget_s = 60;
  ecfg.mode = "explore";
  Record explored = run_one(c.path, c.name, ecfg, sup);
  const bool witness = has_witness(explored);
  fmt::print("{}",
             rule(paint, witness ? "one interleaving that breaks it, step by step" : "every interleaving (explore)"));
  if (witness) {
    fmt::print("{}", witness_timeline(explored.explore["witness"], explored.actors, kWidth - 2));
    fmt::print("{}", wrap("Each row is one step of one thread: the line it ran and the shared value it read or "
                          "wrote. Run it again, the same way every time: pyrace replay " +
                              c.name + " --schedule " + explored.explore["witness"].value("schedule", "") + ".",
                          kWidth - 2, "  "));
  } else {
    fmt::print("{}", wrap(explored.status == "ok" ? explore_summary(explored) : explored.message, kWidth - 2, "  "));
  }
  return explored;
}

// The lesson the GIL-on figure hides: it switches threads between bytecodes too.
void print_gil_lesson(const Record& explored, const Record& broken, const Record& with_gil) {
  if (with_gil.verdict == Verdict::Racy)
    fmt::print("{}", wrap("With the GIL on the race still shows, only rarer: the GIL never made this pattern safe. "
                          "It switches threads between bytecode instructions, so the window above stays open.",
                          kWidth - 2, "  "));
  else if (has_witness(explored) && explored.verdict == Verdict::Racy && broken.verdict == Verdict::Racy)
    fmt::print("{}", wrap("With the GIL on this run saw no race, but the interleaving above is one the GIL allows "
                          "too (it switches threads between bytecode instructions): the GIL makes it rarer, not "
                          "impossible.",
                          kWidth - 2, "  "));
}

// The fixed twin (looked for beside the case, then in the paths), measured as the case was, and
// what the fix costs in throughput.
void print_fixed_twin(const Paint& paint, const std::string& fix, const CaseFile& c,
                      const std::vector<std::string>& paths, const Config& cfg, const SuperviseOptions& sup,
                      const Record& broken) {
  CaseFile f;
  std::string ferr;
  std::vector<std::string> fix_paths = {std::filesystem::path(c.path).parent_path().string()};
  if (!resolve_case(fix, fix_paths, f, ferr) && !resolve_case(fix, paths, f, ferr)) {
    fmt::print("fixed twin {}: {}\n", fix, ferr);
    return;
  }
  Record fixed = run_one(f.path, f.name, cfg, sup);
  print_result(paint, "fixed twin " + f.name, fixed);
  if (fixed.ops_per_s > 0 && broken.ops_per_s > 0)
    fmt::print("\n  The fix costs {:.2g}x in throughput ({:.3g} vs {:.3g} actor calls/s).\n",
               broken.ops_per_s / fixed.ops_per_s, broken.ops_per_s, fixed.ops_per_s);
}

}  // namespace

int cmd_explain(const std::string& case_ref, const RunOptions& o, const SuperviseOptions& sup, bool color, bool run) {
  Paint paint{color};
  CaseFile c;
  std::string err;
  std::vector<std::string> paths = o.paths.empty() ? std::vector<std::string>{"cases"} : o.paths;
  if (!resolve_case(case_ref, paths, c, err)) {
    fmt::print(stderr, "pyrace: error: {}\n", err);
    return kExitUsage;
  }
  nlohmann::json ex = explain_one(c.path, c.name, sup);
  if (ex.contains("message")) {
    fmt::print(stderr, "pyrace: error: {}\n", ex["message"].get<std::string>());
    return kExitMismatch;
  }
  const std::string fix = ex.value("fix", "");
  print_case(paint, c, ex, fix);
  print_bytecode(paint, ex);
  if (!run) return kExitOk;
  // The interleaving is deterministic, so it is shown before the measurements.
  const Record explored = print_interleaving(paint, c, o, sup);
  fmt::print("{}", rule(paint, "measured here"));
  Config cfg;  // GIL off, as the flags ask
  cfg.threads = o.threads.empty() ? 0 : o.threads[0];
  cfg.iterations = o.iterations;
  cfg.trials = o.trials;
  cfg.time_budget_s = o.time_budget;
  cfg.max_rate = o.max_rate;
  Record broken = run_one(c.path, c.name, cfg, sup);
  print_result(paint, c.name + " (GIL off)", broken);
  Config gil_cfg = cfg;
  gil_cfg.gil = "on";
  Record with_gil = run_one(c.path, c.name, gil_cfg, sup);
  print_result(paint, "the same, GIL forced on", with_gil);
  print_gil_lesson(explored, broken, with_gil);
  if (!fix.empty()) print_fixed_twin(paint, fix, c, paths, cfg, sup, broken);
  return results_exit_code({broken}, o.allow_inconclusive);
}

}  // namespace pyrace
