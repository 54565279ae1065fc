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
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
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

std::string topic_of(const Record& r) {
  return std::filesystem::path(r.path).parent_path().filename().string();
}

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

std::string format_rate(const Record& r) {
  if (r.config.mode == "explore") return explore_rate(r);
  if (r.trials == 0) return "no trials";
  if (r.forbidden == 0) return fmt::format("0% (<= {:.2g}%)", 100 * r.ci.hi);
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
  std::string out = "\nThe widely quoted table, measured by this run (error rate [95% CI]):\n";
  out += fmt::format("{:<30} {:<7} {:<27} {:<24} {}\n", "pattern", "quoted", "GIL off", "GIL on", "verdict (GIL off)");
  for (const auto& row : order) {
    bool first = true;
    for (const auto& r : records) {
      if (r.classic_row != row || r.config.gil != "off" || r.config.mode != "stress") continue;
      const Record* on = nullptr;
      for (const auto& o : records)
        if (o.name == r.name && o.config.gil == "on" && o.config.threads == r.config.threads) on = &o;
      const bool graded = is_graded(r.verdict);
      out += fmt::format("{:<30} {:<7} {:<27} {:<24} {}\n", first ? row : "", first ? r.classic_quoted : "",
                         graded ? format_rate(r) : to_string(r.verdict),
                         on ? (is_graded(on->verdict) ? format_rate(*on) : to_string(on->verdict))
                            : "-",
                         graded ? (r.verdict == Verdict::Racy ? "unsafe" : "safe") : to_string(r.verdict));
      out += fmt::format("{:<30}   {} (t={})\n", "", r.name, r.config.threads);
      first = false;
    }
  }
  return out;
}

}  // namespace pyrace
