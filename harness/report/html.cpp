// A self-contained HTML page (inline CSS and SVG, no script, no network): error rates with
// their intervals, each pattern beside its fix and beside the GIL, error rate against thread
// count, and every outcome histogram.
#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <set>

#include "report/formats.hpp"
#include "report/util.hpp"

namespace pyrace {

namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#1d1d1f;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border-bottom:1px solid #eee;padding:.3rem .4rem;text-align:left;vertical-align:top}
th{background:#f6f6f8}.v-SAFE{color:#1a7f37;font-weight:600}.v-RACY{color:#b35900;font-weight:600}
.v-INCONCLUSIVE{color:#8250df;font-weight:600}.inconclusive{background:#f3eefc}
.bad{background:#fde8e8}.v-ERROR,.v-CRASH,.v-TIMEOUT,.v-DEADLOCK,.v-GIL{color:#b3261e;font-weight:600}
.hist{display:flex;flex-direction:column;gap:2px;min-width:260px}.hrow{display:flex;align-items:center;gap:.4rem;font-size:.75rem}
.hbar{height:10px;border-radius:2px}.g-ACCEPTABLE{background:#2da44e}.g-INTERESTING{background:#0969da}.g-FORBIDDEN{background:#cf222e}
.note{color:#555;font-size:.85rem}svg text{font-family:inherit;font-size:11px}code,pre{font-size:.8rem}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;max-height:20rem}
)";

std::string verdict_span(const Record& r) {
  return fmt::format("<span class=\"v-{0}\">{0}</span>{1}", to_string(r.verdict),
                     r.xfail   ? " (XFAIL)"
                     : r.xpass ? " (XPASS)"
                               : "");
}

// Horizontal bars of error rates with 95% whiskers; one row per (label, record).
std::string rate_chart(const std::vector<std::pair<std::string, const Record*>>& rows, const char* title) {
  const int label_w = 430, plot_w = 520, row_h = 20, top = 28;
  const int h = top + static_cast<int>(rows.size()) * row_h + 30;
  std::string s =
      fmt::format("<svg role=\"img\" aria-label=\"{0}\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\">",
                  xml_escape(title), label_w + plot_w + 190, h);
  s += fmt::format("<text x=\"0\" y=\"16\" font-weight=\"600\">{}</text>", xml_escape(title));
  for (int pct = 0; pct <= 100; pct += 25) {
    int x = label_w + plot_w * pct / 100;
    s += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/>", x, top - 4, h - 24);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}%</text>", x, h - 10, pct);
  }
  int y = top;
  for (const auto& [label, r] : rows) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", label_w - 8, y + 13, xml_escape(label));
    if (r && is_graded(r->verdict)) {
      const char* colour = r->verdict == Verdict::Racy           ? "#cf222e"
                           : r->verdict == Verdict::Inconclusive ? "#8250df"
                                                                 : "#2da44e";
      int w = static_cast<int>(plot_w * r->error_rate);
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\" fill=\"{}\" opacity=\"0.8\"/>", label_w,
                       y + 3, std::max(w, 1), colour);
      // RACY: the interval over trials; no FORBIDDEN outcome: up to the bound over the evidence.
      const double hi = r->forbidden == 0 ? r->bound.upper : r->ci.hi;
      int x0 = label_w + static_cast<int>(plot_w * r->ci.lo), x1 = label_w + static_cast<int>(plot_w * hi);
      s += fmt::format("<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"#333\"/>", x0, x1, y + 9);
      s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#333\">{}</text>", label_w + plot_w + 10, y + 13,
                       xml_escape(format_rate(*r)));
    } else {
      s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#b3261e\">{}</text>", label_w + 4, y + 13,
                       r ? to_string(r->verdict) : "not run");
    }
    y += row_h;
  }
  return s + "</svg>";
}

// Error rate against thread count, one line per case that ran with several thread counts.
std::string threads_chart(const std::vector<Record>& records) {
  std::map<std::string, std::map<int, const Record*>> series;
  for (const auto& r : records)
    if (r.config.gil == "off" && is_graded(r.verdict)) series[r.name][r.config.threads] = &r;
  std::erase_if(series, [](const auto& kv) { return kv.second.size() < 2; });
  if (series.empty()) return "";
  std::set<int> threads;
  for (const auto& [_, pts] : series)
    for (const auto& [t, __] : pts) threads.insert(t);
  const int left = 50, w = 640, h = 260, top = 20;
  std::vector<int> ts(threads.begin(), threads.end());
  auto xpos = [&](int t) {
    auto i = std::find(ts.begin(), ts.end(), t) - ts.begin();
    return left + (ts.size() == 1 ? w / 2 : static_cast<int>(w * i / (ts.size() - 1)));
  };
  auto ypos = [&](double rate) { return top + static_cast<int>(h * (1 - rate)); };
  const char* palette[] = {"#cf222e", "#0969da", "#8250df", "#bf8700", "#1a7f37", "#57606a"};
  std::string s = fmt::format(
      "<svg role=\"img\" aria-label=\"error rate against threads\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\">",
      left + w + 260, top + h + 40);
  for (int pct = 0; pct <= 100; pct += 25) {
    s += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#eee\"/><text x=\"{3}\" y=\"{4}\" "
        "text-anchor=\"end\">{5}%</text>",
        left, left + w, ypos(pct / 100.0), left - 6, ypos(pct / 100.0) + 4, pct);
  }
  for (int t : ts)
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} threads</text>", xpos(t), top + h + 20, t);
  int k = 0;
  for (const auto& [name, pts] : series) {
    const char* c = palette[k % 6];
    std::string points;
    for (const auto& [t, r] : pts) {
      points += fmt::format("{},{} ", xpos(t), ypos(r->error_rate));
      s += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>", xpos(t), ypos(r->error_rate), c);
    }
    s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", points, c);
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"{}\">{}</text>", left + w + 12, top + 14 + 16 * k, c,
                     xml_escape(name));
    ++k;
  }
  return s + "</svg>";
}

std::string histogram_html(const Record& r) {
  if (r.outcomes.empty()) return "";
  long top = 0;
  for (const auto& o : r.outcomes) top = std::max(top, o.count);
  std::string s = "<div class=\"hist\">";
  for (const auto& o : r.outcomes) {
    int w = top ? static_cast<int>(160.0 * o.count / top) : 0;
    s += fmt::format(
        "<div class=\"hrow\"><div class=\"hbar g-{}\" style=\"width:{}px\"></div><span>{} &times; <code>{}</code> "
        "({}){}</span></div>",
        xml_escape(o.grade), std::max(w, 1), o.count, xml_escape(o.outcome), xml_escape(o.grade),
        o.listed ? "" : " <em>not in OUTCOMES</em>");
  }
  return s + "</div>";
}

class HtmlReporter : public Reporter {
 public:
  explicit HtmlReporter(FILE* out) : out_(out) {}
  ~HtmlReporter() override {
    if (out_ != stdout) std::fclose(out_);
  }
  // Long: the page top to bottom, one block per section in the order the reader meets them.
  void run_finished(const std::vector<Record>& records, bool interrupted) override {
    size_t bad = 0, xfail = 0, inconclusive = 0;
    for (const auto& r : records) {
      bad += is_mismatch(r);
      inconclusive += r.inconclusive;
      xfail += r.xfail;
    }
    fmt::print(out_,
               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>pyrace report</title>"
               "<style>{}</style></head><body>\n",
               kStyle);
    fmt::print(
        out_, "<h1>pyrace report</h1>\n<p id=\"summary\">{} results: <b>{} as expected</b>, <b>{} not</b>{}{}{}.</p>\n",
        records.size(), records.size() - bad - inconclusive, bad,
        inconclusive
            ? fmt::format(", <b>{} inconclusive</b> (no FORBIDDEN outcome, too little evidence for SAFE)", inconclusive)
            : "",
        xfail ? fmt::format(", {} known interpreter bug{} (XFAIL)", xfail, xfail == 1 ? "" : "s") : "",
        interrupted ? " (interrupted: partial results)" : "");
    if (!records.empty()) fmt::print(out_, "<p class=\"note\">Interpreter: {}</p>\n", xml_escape(records[0].python));

    std::vector<std::pair<std::string, const Record*>> rows;
    for (const auto& r : records)
      rows.emplace_back(fmt::format("{} (gil={}, t={})", r.name, r.config.gil, r.config.threads), &r);
    fmt::print(out_,
               "<h2>Error rates</h2>\n<p class=\"note\">FORBIDDEN outcomes / trials, with the Wilson 95% "
               "interval; red: RACY, green: SAFE, purple: INCONCLUSIVE. With no FORBIDDEN outcome the whisker "
               "reaches the 95% upper bound over the evidence (the trials in which the actors overlapped, where "
               "measured): SAFE needs it at or below the target.</p>\n{}\n",
               rate_chart(rows, "error rate per case and configuration"));

    auto patterns = patterns_of(records);
    if (!patterns.empty()) {
      std::vector<std::pair<std::string, const Record*>> prow;
      for (const auto& p : patterns) {
        prow.emplace_back(fmt::format("{} (t={}): without the fix", p.broken->name, p.broken->config.threads),
                          p.broken);
        prow.emplace_back("with the fix (" + p.broken->fix + ")", p.fixed);
        if (p.broken_gil) prow.emplace_back("without the fix, GIL on", p.broken_gil);
      }
      fmt::print(out_, "<h2>Each pattern beside its fix</h2>\n{}\n", rate_chart(prow, "without vs with the fix"));
      fmt::print(out_,
                 "<table><tr><th>pattern</th><th>t</th><th>without the fix</th><th>with the fix</th><th>GIL on</th>"
                 "<th>damage (mean, min-max)</th><th>calls/s without / with the fix</th></tr>\n");
      for (const auto& p : patterns) {
        std::string dmg = p.broken->damage_n ? fmt::format("{} ({}-{})", percent(p.broken->damage_mean),
                                                           percent(p.broken->damage_min), percent(p.broken->damage_max))
                                             : "-";
        std::string ops = p.fixed ? fmt::format("{:.3g} / {:.3g}", p.broken->ops_per_s, p.fixed->ops_per_s) : "-";
        fmt::print(out_, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                   xml_escape(p.broken->name), p.broken->config.threads, xml_escape(rate_cell(p.broken)),
                   xml_escape(rate_cell(p.fixed)), xml_escape(rate_cell(p.broken_gil)), dmg, ops);
      }
      fmt::print(out_, "</table>\n");
    }
    std::string tc = threads_chart(records);
    if (!tc.empty()) fmt::print(out_, "<h2>Error rate against threads</h2>\n{}\n", tc);

    fmt::print(out_,
               "<h2>All results</h2>\n<table><tr><th>case</th><th>expect</th><th>verdict</th><th>GIL</th><th>t</th>"
               "<th>error rate [95% CI] or bound (evidence; target)</th><th>concurrency, load</th><th>trials</th>"
               "<th>outcomes</th></tr>\n");
    for (const auto& r : records) {
      std::string rate = xml_escape(rate_cell(&r));
      if (r.verdict == Verdict::Inconclusive)
        rate += "<br><span class=\"note\">" + xml_escape(inconclusive_reason(r)) + "</span>";
      std::string conc = r.concurrency < 0
                             ? "-"
                             : fmt::format("{:.3g}%{}", 100 * r.concurrency,
                                           r.load_avg >= 0 ? fmt::format(", load {:.2f}", r.load_avg) : "");
      fmt::print(out_,
                 "<tr class=\"{}\"><td><b>{}</b><br><span class=\"note\">{}</span>{}</td><td>{}</td><td>{}</td>"
                 "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                 r.inconclusive  ? "inconclusive"
                 : r.as_expected ? ""
                                 : "bad",
                 xml_escape(r.name), xml_escape(first_paragraph(r.doc)), details(r), r.expect, verdict_span(r),
                 r.config.gil, r.config.threads, rate, conc, r.trials, histogram_html(r));
    }
    fmt::print(out_,
               "</table>\n<p class=\"note\">Generated by pyrace from raw results (schema {}).</p>\n</body></html>\n",
               kSchema);
    std::fflush(out_);
  }

 private:
  static std::string details(const Record& r) {
    std::string body = r.message;
    if (!r.traceback.empty()) body += "\n" + r.traceback;
    if (!r.output_tail.empty() && r.status != "ok") body += "\n" + r.output_tail;
    std::string out;
    if (!body.empty()) out += "<details><summary>details</summary><pre>" + xml_escape(body) + "</pre></details>";
    // Explore: the witness, as the timeline a student reads.
    if (r.config.mode == "explore" && r.explore.is_object() && r.explore.contains("witness") &&
        r.explore["witness"].is_object())
      out += "<details open><summary>witness: one interleaving, step by step</summary><pre>" +
             xml_escape(witness_timeline(r.explore["witness"], r.actors)) + "</pre></details>";
    // Exceptions that escaped actors: each kind with its count, line and first traceback.
    const auto lines = raised_lines(r);
    for (size_t i = 0; i < r.raised.size(); ++i)
      out += "<details><summary>raised " + xml_escape(lines[i]) + "</summary><pre>" +
             xml_escape(r.raised[i].traceback) + "</pre></details>";
    return out;
  }
  FILE* out_;
};
}  // namespace

std::unique_ptr<Reporter> make_html_reporter(FILE* out) { return std::make_unique<HtmlReporter>(out); }

}  // namespace pyrace
