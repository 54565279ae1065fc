// Pieces shared by the reporters (format_rate, format_duration and classic_table are in reporter.hpp, for the CLI too).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "results/record.hpp"

namespace pyrace {

std::string xml_escape(const std::string& s);  // also for HTML text and attributes
std::string md_escape(const std::string& s);  // a Markdown table cell

// A case's folder under cases/ ("counters"), for grouping.
std::string topic_of(const Record& r);

// One racy pattern with its fix and the GIL-on comparison, paired by the FIX attribute.
struct Pattern {
  const Record* broken = nullptr;  // GIL off
  const Record* fixed = nullptr;  // the FIX case, GIL off, same thread count
  const Record* broken_gil = nullptr;  // the broken case with the GIL forced on
};
std::vector<Pattern> patterns_of(const std::vector<Record>& records);

std::string percent(double fraction);  // "23.1%"
std::string rate_cell(const Record* r);  // format_rate, or "-" for none / not graded
std::string first_paragraph(const std::string& doc);

}  // namespace pyrace
