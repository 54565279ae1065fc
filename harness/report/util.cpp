#include "report/util.hpp"

#include <fmt/core.h>

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
    if (r.fix.empty() || r.config.gil != "off") continue;
    Pattern p;
    p.broken = &r;
    for (const auto& o : records) {
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
  if (r->verdict != Verdict::Safe && r->verdict != Verdict::Racy) return to_string(r->verdict);
  return format_rate(*r);
}

std::string first_paragraph(const std::string& doc) {
  auto end = doc.find("\n\n");
  std::string p = doc.substr(0, end);
  for (auto& c : p)
    if (c == '\n') c = ' ';
  return p;
}

}  // namespace pyrace
