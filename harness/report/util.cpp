#include "report/util.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "report/reporter.hpp"

namespace pyrace {

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += fmt::format("\\x{:02x}", c);  // not allowed in XML 1.0 at all
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return out;
}

std::string topic_of(const Record& r) { return std::filesystem::path(r.path).parent_path().filename().string(); }

std::vector<Pattern> patterns_of(const std::vector<Record>& records) {
  std::vector<Pattern> out;
  for (const auto& r : records) {
    if (r.fix.empty() || r.config.gil != "off" || r.config.mode != "stress") continue;
    Pattern p;
    p.broken = &r;
    for (const auto& o : records) {
      if (o.config.mode != "stress") continue;  // the measured table: explore verdicts are shown beside it, not in it
      if (o.name == r.fix && o.config.gil == "off" && o.config.threads == r.config.threads) p.fixed = &o;
      if (o.name == r.name && o.config.gil == "on" && o.config.threads == r.config.threads) p.broken_gil = &o;
    }
    out.push_back(p);
  }
  return out;
}

std::string percent(double fraction) { return fmt::format("{:.3g}%", 100 * fraction); }

std::string rate_cell(const Record* r) {
  if (!r) return "-";
  if (!is_graded(r->verdict)) return to_string(r->verdict);
  return format_rate(*r);
}

std::string first_paragraph(const std::string& doc) {
  auto end = doc.find("\n\n");
  std::string p = doc.substr(0, end);
  for (auto& c : p)
    if (c == '\n') c = ' ';
  return p;
}

std::string group_thousands(double n) {
  std::string digits = fmt::format("{:.0f}", n < 0 ? 0.0 : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

namespace {
// Two significant digits, never in exponent form: "6.4%", "0.075%", "16%", "100%".
std::string pct2(double fraction) {
  const double v = 100 * fraction;
  return v >= 10 ? fmt::format("{:.0f}%", v) : fmt::format("{:.2g}%", v);
}
const char* unit_of(const Record& r) { return r.shape == to_string(Shape::Single) ? "states" : "trials"; }
// "100 trials" or "5,120 concurrent of 5,200 states"
std::string evidence_words(const Record& r) {
  if (!r.bound.concurrent) return fmt::format("{} {}", group_thousands(static_cast<double>(r.trials)), unit_of(r));
  return fmt::format("{} concurrent of {} {}", group_thousands(r.bound.evidence),
                     group_thousands(static_cast<double>(r.trials)), unit_of(r));
}
}  // namespace

std::string inconclusive_reason(const Record& r) {
  if (r.verdict != Verdict::Inconclusive) return "";
  const long need = evidence_needed(r.bound.target);
  const std::string which = r.bound.concurrent ? fmt::format("{} where the actors overlapped", unit_of(r)) : unit_of(r);
  const std::string stopped = r.stop_reason == "time" ? fmt::format(" (the time budget ended it after {})",
                                                                    group_thousands(static_cast<double>(r.trials)))
                                                      : "";
  // --allow-inconclusive only helps where INCONCLUSIVE decides the exit status (EXPECT safe, GIL off).
  return fmt::format(
      "too few {}{}: SAFE at target {} needs {} with no FORBIDDEN outcome, this run had {}; raise "
      "--trials/--time-budget{}",
      which, stopped, percent(r.bound.target), group_thousands(static_cast<double>(need)),
      group_thousands(r.bound.evidence), r.inconclusive ? " or allow with --allow-inconclusive" : "");
}

std::string format_concurrency(const Record& r) {
  if (r.concurrency < 0) return "";
  std::string s =
      fmt::format("concurrency {:.3g}% ({} of {} {})", 100 * r.concurrency, group_thousands(r.bound.evidence),
                  group_thousands(static_cast<double>(r.trials)), unit_of(r));
  if (r.load_avg >= 0) s += fmt::format(", load {:.2f}", r.load_avg);
  return s;
}

std::vector<std::string> raised_lines(const Record& r) {
  std::vector<std::string> out;
  for (const auto& k : r.raised)
    out.push_back(fmt::format("{} x{}{}", k.type, group_thousands(static_cast<double>(k.count)),
                              k.line > 0 ? fmt::format(" (line {})", k.line) : ""));
  return out;
}

std::string format_rate(const Record& r) {
  if (r.config.mode == "explore") return explore_rate(r);
  if (r.trials == 0) return "no trials";
  if (r.forbidden == 0 && r.verdict == Verdict::Inconclusive)
    return fmt::format("0 forbidden in {} (<= {}, target {})", evidence_words(r), pct2(r.bound.upper),
                       percent(r.bound.target));
  if (r.forbidden == 0)
    return fmt::format("0% (<= {}, {}; target {})", pct2(r.bound.upper), evidence_words(r), percent(r.bound.target));
  // Three significant digits: 83% and 0.123% both keep what the interval can vouch for.
  return fmt::format("{:.3g}% [{:.3g}, {:.3g}]", 100 * r.error_rate, 100 * r.ci.lo, 100 * r.ci.hi);
}

std::string format_duration(double s) {
  if (s < 1) return fmt::format("{:.0f} ms", s * 1000);
  return fmt::format("{:.2f} s", s);
}

std::string classic_table(const std::vector<Record>& records) {
  // Rows in the order the quoted table has them; each measured case listed under its row.
  std::vector<std::string> order;
  for (const auto& r : records)
    if (!r.classic_row.empty() && r.config.mode == "stress" &&
        std::find(order.begin(), order.end(), r.classic_row) == order.end())
      order.push_back(r.classic_row);
  if (order.empty()) return "";
  // The quoted table's own order: the broken patterns first, then what is safe.
  const std::vector<std::string> canon = {"shared counter without lock", "shared list without lock",
                                          "shared dict without lock", "isolated tasks", "proper locking"};
  auto rank = [&](const std::string& row) {
    auto it = std::find(canon.begin(), canon.end(), row);
    return it == canon.end() ? canon.size() : static_cast<size_t>(it - canon.begin());
  };
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::string out =
      "\nThe widely quoted table, measured by this run (error rate [95% CI]; with no FORBIDDEN outcome, its 95% "
      "bound):\n";
  auto cell = [](const Record& r) { return is_graded(r.verdict) ? format_rate(r) : std::string(to_string(r.verdict)); };
  size_t off_w = 27, on_w = 24;
  for (const auto& r : records) {
    size_t& w = r.config.gil == "off" ? off_w : on_w;
    w = std::max(w, cell(r).size());
  }
  out += fmt::format("{:<30} {:<7} {:<{}} {:<{}} {}\n", "pattern", "quoted", "GIL off", off_w, "GIL on", on_w,
                     "verdict (GIL off)");
  for (const auto& row : order) {
    bool first = true;
    for (const auto& r : records) {
      if (r.classic_row != row || r.config.gil != "off" || r.config.mode != "stress") continue;
      const Record* on = nullptr;
      for (const auto& o : records)
        if (o.name == r.name && o.config.gil == "on" && o.config.threads == r.config.threads) on = &o;
      const char* verdict = r.verdict == Verdict::Racy           ? "unsafe"
                            : r.verdict == Verdict::Safe         ? "safe"
                            : r.verdict == Verdict::Inconclusive ? "inconclusive (too little evidence)"
                                                                 : to_string(r.verdict);
      out += fmt::format("{:<30} {:<7} {:<{}} {:<{}} {}\n", first ? row : "", first ? r.classic_quoted : "", cell(r),
                         off_w, on ? cell(*on) : "-", on_w, verdict);
      out += fmt::format("{:<30}   {} (t={})\n", "", r.name, r.config.threads);
      first = false;
    }
  }
  return out;
}

}  // namespace pyrace
