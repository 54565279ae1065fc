// The console reporter: a line per result as it arrives (a live line on a terminal), then the
// summary table, the quoted table and the TSan summary.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "report/formats.hpp"

namespace pyrace {

namespace {

constexpr size_t kConsoleFrames = 4;  // frames per stack of a TSan report on the console

struct Style {
  bool on;
  std::string operator()(const char* code, const std::string& s) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  }
};

const char* verdict_colour(const Record& r) {
  if (r.inconclusive) return "1;35";
  if (!r.as_expected) return "1;31";
  if (r.verdict == Verdict::Racy) return "33";
  if (r.verdict == Verdict::Safe) return "32";
  return "35";
}

std::string location(const Record& r) { return r.line > 0 ? fmt::format("{}:{}", r.path, r.line) : r.path; }

std::string config_label(const Record& r) {
  if (r.config.mode == "explore") return fmt::format("explore t={}", r.config.threads);
  return fmt::format("gil={} t={}", r.config.gil, r.config.threads);
}

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += pad + text.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  return out;
}

class ConsoleReporter : public Reporter {
 public:
  ConsoleReporter(FILE* out, bool color, bool allow_inconclusive)
      : out_(out), style_{color}, live_(::isatty(fileno(out)) != 0), allow_inconclusive_(allow_inconclusive) {}
  ~ConsoleReporter() override {
    if (out_ != stdout) std::fclose(out_);
  }

  // On a terminal, a live line says what is running while a long case runs.
  void case_started(const std::string& name, const std::string& config, size_t index, size_t total) override {
    if (!live_) return;
    fmt::print(out_, "\r\033[K[{}/{}] running {} ({})...", index, total, name, config);
    std::fflush(out_);
  }

  void run_started(const RunInfo& info) override {
    fmt::print(out_, "pyrace: python {}\n", info.python);
    fmt::print(out_, "pyrace: {} case{}, {} run{} (GIL {})\n", info.cases, info.cases == 1 ? "" : "s", info.configs,
               info.configs == 1 ? "" : "s", fmt_join(info.gil, "+"));
    std::fflush(out_);
  }

  void case_finished(const Record& r) override {
    if (live_) fmt::print(out_, "\r\033[K");
    std::string mark = r.xfail   ? style_("33", "  XFAIL (known bug " + r.known_bug_issue + ")")
                       : r.xpass ? style_("1;31", "  XPASS: known bug " + r.known_bug_issue + " fixed?")
                       : r.inconclusive
                           ? style_("1;35", allow_inconclusive_ ? "  not shown safe (allowed)" : "  not shown safe")
                       : r.as_expected ? ""
                                       : style_("1;31", r.expectation_applies ? "  NOT AS EXPECTED" : "  FAILED");
    fmt::print(out_, "{} {:<40} {:<12} {:<28} {:>9} trials {:>8}{}\n",
               style_(verdict_colour(r), fmt::format("{:<12}", to_string(r.verdict))), r.name, config_label(r),
               is_graded(r.verdict) ? format_rate(r) : std::string("-"), r.trials, format_duration(r.wall_s), mark);
    if (!r.message.empty() &&
        (r.status != "ok" || r.xfail || r.xpass || r.verdict == Verdict::Tsan || r.config.mode == "explore"))
      fmt::print(out_, "{}", indent(location(r) + ": " + r.message, "    "));
    if (r.config.mode == "explore" && r.explore.is_object() && r.explore.contains("witness"))
      fmt::print(out_, "{}", indent(witness_timeline(r.explore["witness"], r.actors), "    "));
    if (r.verdict == Verdict::Inconclusive && r.config.mode != "explore")
      fmt::print(out_, "    {}\n", inconclusive_reason(r));
    if (const std::string c = format_concurrency(r); !c.empty()) fmt::print(out_, "    {}\n", c);
    if (shows_histogram(r) && r.config.mode != "explore") fmt::print(out_, "{}", histogram(r));
    fmt::print(out_, "{}", raised(r));
    if (!r.traceback.empty()) fmt::print(out_, "{}", indent(r.traceback, "    | "));
    if (r.verdict == Verdict::Tsan && r.status == "ok") {
      fmt::print(out_, "{}", indent(trimmed_reports(r), "    > "));
    } else if (!r.output_tail.empty() && r.status != "ok") {
      fmt::print(out_, "{}", indent(r.output_tail, "    > "));
    }
    if (r.tsan_suppressed_collected) fmt::print(out_, "{}", suppressed(r));
    std::fflush(out_);
  }

  void run_finished(const std::vector<Record>& records, bool interrupted) override {
    if (records.empty()) {
      fmt::print(out_, "pyrace: no cases ran\n");
      return;
    }
    size_t rate_w = 28;  // the rate column holds the evidence too: as wide as its widest cell
    for (const auto& r : records)
      if (is_graded(r.verdict)) rate_w = std::max(rate_w, format_rate(r).size());
    fmt::print(out_, "\n{:<40} {:<6} {:<12} {:<3} {:>3} {:<{}} {:>9} {:>8}\n", "case", "expect", "verdict", "gil", "t",
               "error rate [95% CI] / bound (evidence; target)", rate_w, "trials", "time");
    for (const auto& r : records) {
      fmt::print(out_, "{:<40} {:<6} {} {:<3} {:>3} {:<{}} {:>9} {:>8}\n", r.name, r.expect.empty() ? "?" : r.expect,
                 style_(verdict_colour(r), fmt::format("{:<12}", to_string(r.verdict))), r.config.gil, r.config.threads,
                 is_graded(r.verdict) ? format_rate(r) : "-", rate_w, r.trials, format_duration(r.wall_s));
    }
    print_classic(records);
    print_disagreements(records);
    print_tsan_summary(records);
    size_t bad = std::count_if(records.begin(), records.end(), [](const Record& r) { return is_mismatch(r); });
    size_t inconclusive = std::count_if(records.begin(), records.end(), [](const Record& r) { return r.inconclusive; });
    size_t xfail = std::count_if(records.begin(), records.end(), [](const Record& r) { return r.xfail; });
    fmt::print(out_, "\npyrace: {} result{}, {} as expected, {} not{}{}{}\n", records.size(),
               records.size() == 1 ? "" : "s", records.size() - bad - inconclusive, bad,
               inconclusive ? fmt::format(", {} inconclusive (no FORBIDDEN outcome, too little evidence for SAFE{})",
                                          inconclusive,
                                          allow_inconclusive_ ? ": allowed" : ": exit 4 unless --allow-inconclusive")
                            : "",
               xfail ? fmt::format(" ({} known interpreter bug{} seen: XFAIL)", xfail, xfail == 1 ? "" : "s") : "",
               interrupted ? " (interrupted: partial results)" : "");
    std::fflush(out_);
  }

 private:
  // Stress and explore verdicts of one case that differ are reported with the reason, not hidden.
  void print_disagreements(const std::vector<Record>& records) {
    bool header = false;
    for (const auto& e : records) {
      if (e.config.mode != "explore") continue;
      for (const auto& s : records) {
        if (s.config.mode != "stress" || s.name != e.name || s.config.gil != "off" ||
            s.config.threads != e.config.threads)
          continue;
        const std::string why = disagreement(s, e);
        if (why.empty()) continue;
        if (!header) fmt::print(out_, "\nStress and explore disagree:\n");
        header = true;
        fmt::print(out_, "  {:<40} stress {}, explore {}: {}\n", s.name, to_string(s.verdict), to_string(e.verdict),
                   why);
      }
    }
  }

  // The histogram says what happened: shown whenever it is more than "all ACCEPTABLE".
  static bool shows_histogram(const Record& r) {
    if (r.verdict == Verdict::Racy || r.interesting > 0) return true;
    return std::any_of(r.outcomes.begin(), r.outcomes.end(), [](const OutcomeCount& o) { return !o.listed; });
  }

  std::string histogram(const Record& r) const {
    std::vector<OutcomeCount> rows = r.outcomes;
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    std::string out;
    const size_t shown = std::min<size_t>(rows.size(), 8);
    for (size_t i = 0; i < shown; ++i) {
      const auto& o = rows[i];
      std::string value = o.outcome.size() > 60 ? o.outcome.substr(0, 57) + "..." : o.outcome;
      const char* colour = o.grade == to_string(Grade::Forbidden)     ? "31"
                           : o.grade == to_string(Grade::Interesting) ? "36"
                                                                      : "32";
      out += fmt::format("    {:>11} {:>6.2f}%  {}  {}{}\n", o.count, r.trials ? 100.0 * o.count / r.trials : 0.0,
                         style_(colour, fmt::format("{:<11}", o.grade)), value,
                         o.listed ? "" : "   (not in OUTCOMES: graded by DEFAULT_GRADE)");
    }
    if (rows.size() > shown)
      out += fmt::format("    ... and {} more outcomes (all in the JSON results)\n", rows.size() - shown);
    return out;
  }

  static std::string fmt_join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
  }

  // Each distinct race once, cut to its top frames: the full reports are in the JSON results.
  static std::string trimmed_reports(const Record& r) {
    std::set<std::string> seen;
    std::string out;
    for (const auto& t : r.tsan)
      if (seen.insert(t.signature).second) out += trimmed_report(t, kConsoleFrames);
    return out + fmt::format("(top {} frames of each stack; the full report{} in the JSON results)", kConsoleFrames,
                             r.tsan.size() == 1 ? " is" : "s are");
  }

  // Exceptions that escaped actors: a line per kind, with the tail of its first traceback.
  static std::string raised(const Record& r) {
    std::string out;
    const auto lines = raised_lines(r);
    for (size_t i = 0; i < r.raised.size(); ++i) {
      out += "    raised " + lines[i] + "\n";
      // The last three lines of the first traceback: where it was raised, and what.
      std::vector<std::string> tb;
      size_t start = 0;
      const std::string& t = r.raised[i].traceback;
      while (start < t.size()) {
        size_t nl = t.find('\n', start);
        if (nl == std::string::npos) nl = t.size();
        if (nl > start) tb.push_back(t.substr(start, nl - start));
        start = nl + 1;
      }
      for (size_t k = tb.size() > 3 ? tb.size() - 3 : 0; k < tb.size(); ++k) out += "      | " + tb[k] + "\n";
    }
    return out;
  }

  static std::string suppressed(const Record& r) {
    if (r.tsan_suppressed.empty()) return "    suppressed: none matched\n";
    long total = 0;
    for (const auto& s : r.tsan_suppressed) total += s.count;
    std::string out = fmt::format("    suppressed: {} report{} by {} suppression{}:\n", total, total == 1 ? "" : "s",
                                  r.tsan_suppressed.size(), r.tsan_suppressed.size() == 1 ? "" : "s");
    for (const auto& s : r.tsan_suppressed) out += fmt::format("      x{:<6} {}\n", s.count, s.suppression);
    return out;
  }

  // The widely quoted four-row table, with this run's measurements beside the quoted figures.
  void print_classic(const std::vector<Record>& records) { fmt::print(out_, "{}", classic_table(records)); }

  // A night of runs as a short list: each distinct race once, with its count and first case.
  void print_tsan_summary(const std::vector<Record>& records) {
    std::vector<std::string> order;
    std::map<std::string, std::pair<int, std::string>> sigs;
    for (const auto& r : records)
      for (const auto& t : r.tsan) {
        auto& e = sigs[t.signature];
        if (e.first++ == 0) {
          e.second = r.name;
          order.push_back(t.signature);
        }
      }
    if (!order.empty()) {
      fmt::print(out_, "\nThreadSanitizer: {} distinct race{} (the full first report of each is in the results):\n",
                 order.size(), order.size() == 1 ? "" : "s");
      for (const auto& sig : order)
        fmt::print(out_, "  x{:<5} {}   first in {}\n", sigs[sig].first, sig, sigs[sig].second);
    }
    // --show-suppressed: what the suppressions hid over the whole run, and in how many cases.
    std::map<std::string, std::pair<long, int>> hidden;
    size_t collected = 0;
    for (const auto& r : records) {
      collected += r.tsan_suppressed_collected;
      for (const auto& sp : r.tsan_suppressed) {
        hidden[sp.suppression].first += sp.count;
        hidden[sp.suppression].second += 1;
      }
    }
    if (collected == 0) return;
    std::vector<std::pair<std::string, std::pair<long, int>>> rows(hidden.begin(), hidden.end());
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    fmt::print(out_, "\nThreadSanitizer suppressions matched ({} of {} results collected):{}\n", collected,
               records.size(), rows.empty() ? " none" : "");
    for (const auto& [supp, n] : rows)
      fmt::print(out_, "  x{:<6} {:<60} in {} case{}\n", n.first, supp, n.second, n.second == 1 ? "" : "s");
  }

  FILE* out_;
  Style style_;
  bool live_;
  bool allow_inconclusive_;
};

}  // namespace

std::unique_ptr<Reporter> make_console_reporter(FILE* out, bool color, bool allow_inconclusive) {
  return std::make_unique<ConsoleReporter>(out, color, allow_inconclusive);
}

}  // namespace pyrace
