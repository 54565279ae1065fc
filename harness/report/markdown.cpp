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
  void run_finished(const std::vector<Record>& records, bool interrupted) override {
    size_t bad = 0;
    for (const auto& r : records) bad += !r.as_expected;
    fmt::print(out_, "## pyrace results\n\n");
    fmt::print(out_, "{} results, {} as expected, {} not{}.", records.size(), records.size() - bad, bad,
               interrupted ? " (interrupted: partial)" : "");
    if (!records.empty() && !records[0].python.empty()) fmt::print(out_, " Interpreter: {}.", md_escape(records[0].python));
    fmt::print(out_, "\n\n| case | expect | verdict | GIL | threads | error rate [95% CI] | damage (mean) | ops/s | trials |\n");
    fmt::print(out_, "|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& r : records) {
      std::string verdict = std::string(to_string(r.verdict)) + (r.xfail ? " (XFAIL)" : r.xpass ? " (XPASS)" : "") +
                            (r.as_expected ? "" : " **not as expected**");
      fmt::print(out_, "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md_escape(r.name), r.expect, verdict,
                 r.config.gil, r.config.threads, md_escape(rate_cell(&r)), r.damage_n ? percent(r.damage_mean) : "-",
                 r.ops_per_s > 0 ? fmt::format("{:.3g}", r.ops_per_s) : "-", r.trials);
    }
    auto patterns = patterns_of(records);
    if (!patterns.empty()) {
      fmt::print(out_, "\n### Patterns beside their fixes\n\n");
      fmt::print(out_, "| pattern | threads | without the fix | with the fix | with the GIL on | damage | cost of the fix |\n");
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
    bool header = false;
    for (const auto& r : records) {
      if (r.as_expected && !r.xfail) continue;
      if (!header) fmt::print(out_, "\n### Failures and known bugs\n");
      header = true;
      fmt::print(out_, "\n**{}** (gil={}, t={}): {}\n", md_escape(r.name), r.config.gil, r.config.threads,
                 md_escape(r.message.empty() ? std::string(to_string(r.verdict)) : r.message));
      std::string body;
      for (const auto& o : r.outcomes) body += fmt::format("{:>12} {:<11} {}\n", o.count, o.grade, o.outcome);
      if (!r.traceback.empty()) body += r.traceback;
      if (!body.empty()) fmt::print(out_, "\n```\n{}```\n", body);
    }
    std::fflush(out_);
  }

 private:
  FILE* out_;
};
}  // namespace

std::unique_ptr<Reporter> make_markdown_reporter(FILE* out) { return std::make_unique<MarkdownReporter>(out); }

}  // namespace pyrace
