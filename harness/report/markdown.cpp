// Markdown, for a README or a pull-request comment: the results table, the patterns side by
// side (without the fix, with it, with the GIL on), and the failures in detail.
#include <fmt/core.h>

#include "report/formats.hpp"
#include "report/util.hpp"

namespace pyrace {

namespace {
class MarkdownReporter : public Reporter {
 public:
  explicit MarkdownReporter(FILE* out) : out_(out) {}
  ~MarkdownReporter() override {
    if (out_ != stdout) std::fclose(out_);
  }
  // Long: the document top to bottom, one block per section in the order the reader meets them.
  void run_finished(const std::vector<Record>& records, bool interrupted) override {
    size_t bad = 0, inconclusive = 0;
    bool measured = false;
    for (const auto& r : records) {
      bad += is_mismatch(r);
      inconclusive += r.inconclusive;
      measured = measured || r.concurrency >= 0;
    }
    fmt::print(out_, "## pyrace results\n\n");
    fmt::print(out_, "{} results, {} as expected, {} not{}{}.", records.size(), records.size() - bad - inconclusive,
               bad,
               inconclusive
                   ? fmt::format(", {} inconclusive (no FORBIDDEN outcome, too little evidence for SAFE)", inconclusive)
                   : "",
               interrupted ? " (interrupted: partial)" : "");
    if (!records.empty() && !records[0].python.empty())
      fmt::print(out_, " Interpreter: {}.", md_escape(records[0].python));
    fmt::print(out_,
               " SAFE needs the 95% upper bound on the error rate, over the trials in which the actors overlapped "
               "(all trials where that was not measured), at or below the target.");
    fmt::print(out_,
               "\n\n| case | expect | verdict | GIL | threads | error rate [95% CI] or bound (evidence; target) |{} "
               "damage (mean) | ops/s | trials |\n",
               measured ? " concurrency, load |" : "");
    fmt::print(out_, "|---|---|---|---|---|---|{}---|---|---|\n", measured ? "---|" : "");
    for (const auto& r : records) {
      std::string verdict = std::string(to_string(r.verdict)) +
                            (r.xfail   ? " (XFAIL)"
                             : r.xpass ? " (XPASS)"
                                       : "") +
                            (r.inconclusive  ? " *not shown safe*"
                             : r.as_expected ? ""
                                             : " **not as expected**");
      std::string conc;
      if (measured) {
        conc = r.concurrency < 0 ? " - |"
                                 : fmt::format(" {:.3g}%{} |", 100 * r.concurrency,
                                               r.load_avg >= 0 ? fmt::format(", load {:.2f}", r.load_avg) : "");
      }
      fmt::print(out_, "| {} | {} | {} | {} | {} | {} |{} {} | {} | {} |\n", md_escape(r.name), r.expect, verdict,
                 r.config.gil, r.config.threads, md_escape(rate_cell(&r)), conc,
                 r.damage_n ? percent(r.damage_mean) : "-", r.ops_per_s > 0 ? fmt::format("{:.3g}", r.ops_per_s) : "-",
                 r.trials);
    }
    auto patterns = patterns_of(records);
    if (!patterns.empty()) {
      fmt::print(out_, "\n### Patterns beside their fixes\n\n");
      fmt::print(
          out_,
          "| pattern | threads | without the fix | with the fix | with the GIL on | damage | cost of the fix |\n");
      fmt::print(out_, "|---|---|---|---|---|---|---|\n");
      for (const auto& p : patterns) {
        std::string cost = "-";
        if (p.fixed && p.fixed->ops_per_s > 0 && p.broken->ops_per_s > 0)
          cost = fmt::format("{:.2g}x slower", p.broken->ops_per_s / p.fixed->ops_per_s);
        fmt::print(out_, "| {} (fix: {}) | {} | {} | {} | {} | {} | {} |\n", md_escape(p.broken->name),
                   md_escape(p.broken->fix), p.broken->config.threads, md_escape(rate_cell(p.broken)),
                   md_escape(rate_cell(p.fixed)), md_escape(rate_cell(p.broken_gil)),
                   p.broken->damage_n ? percent(p.broken->damage_mean) + " lost" : "-", cost);
      }
    }
    // Explore's witnesses: the interleaving behind each race (or deadlock), as a timeline.
    bool wheader = false;
    for (const auto& r : records) {
      if (r.config.mode != "explore" || !r.explore.is_object() || !r.explore.contains("witness") ||
          !r.explore["witness"].is_object())
        continue;
      if (!wheader) fmt::print(out_, "\n### Witnesses: one interleaving per race (explore)\n");
      wheader = true;
      fmt::print(out_, "\n**{}**: {}\n\n```\n{}```\n", md_escape(r.name), md_escape(r.message),
                 witness_timeline(r.explore["witness"], r.actors));
    }
    bool header = false;
    for (const auto& r : records) {
      if (r.as_expected && !r.xfail && r.raised.empty()) continue;
      if (!header) fmt::print(out_, "\n### Failures, inconclusive results, known bugs and exceptions\n");
      header = true;
      std::string what = r.message.empty() ? std::string(to_string(r.verdict)) : r.message;
      if (r.verdict == Verdict::Inconclusive) what = "INCONCLUSIVE " + format_rate(r) + ": " + inconclusive_reason(r);
      fmt::print(out_, "\n**{}** (gil={}, t={}): {}\n", md_escape(r.name), r.config.gil, r.config.threads,
                 md_escape(what));
      if (const std::string c = format_concurrency(r); !c.empty()) fmt::print(out_, "\n{}\n", md_escape(c));
      std::string body;
      for (const auto& o : r.outcomes) body += fmt::format("{:>12} {:<11} {}\n", o.count, o.grade, o.outcome);
      if (!r.traceback.empty()) body += r.traceback;
      if (!body.empty()) fmt::print(out_, "\n```\n{}```\n", body);
      const auto lines = raised_lines(r);
      for (size_t i = 0; i < r.raised.size(); ++i) {
        fmt::print(out_, "\nRaised in an actor: {}, first traceback:\n", md_escape(lines[i]));
        if (!r.raised[i].traceback.empty()) fmt::print(out_, "\n```\n{}\n```\n", r.raised[i].traceback);
      }
    }
    std::fflush(out_);
  }

 private:
  FILE* out_;
};
}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter(FILE* out) { return std::make_unique<MarkdownReporter>(out); }

}  // namespace pyrace
