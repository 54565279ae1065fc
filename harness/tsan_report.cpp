#include "tsan_report.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

namespace pyrace {

namespace {
// The first frame that is not TSan's own interceptor or runtime (those name no culprit).
std::string top_frame(const std::vector<std::string>& frames) {
  for (const auto& f : frames)
    if (f.rfind("__tsan", 0) != 0 && f.rfind("__interceptor", 0) != 0 && f.find("sanitizer") == std::string::npos)
      return f;
  return frames.empty() ? "?" : frames[0];
}
}  // namespace

std::vector<TsanReport> parse_tsan_log(const std::string& log) {
  static const std::regex warning(R"(WARNING: ThreadSanitizer: (.+?) \(pid=\d+\))");
  static const std::regex access(R"(^\s+(Previous )?(atomic )?(Read|Write|read|write)\b.* by (thread|main thread))",
                                 std::regex::icase);
  static const std::regex frame(R"(^\s+#\d+ (\S+))");
  std::vector<TsanReport> out;
  std::istringstream in(log);
  std::string line;
  TsanReport* cur = nullptr;
  bool in_access = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, warning)) {
      out.push_back(TsanReport{m[1].str(), {}, "", ""});
      cur = &out.back();
      in_access = false;
    }
    if (!cur) continue;
    cur->text += line + "\n";
    if (line.rfind("SUMMARY: ThreadSanitizer", 0) == 0) {
      cur = nullptr;
      continue;
    }
    if (std::regex_search(line, access)) {
      cur->accesses.emplace_back();
      in_access = true;
    } else if (std::regex_search(line, m, frame)) {
      if (in_access) cur->accesses.back().push_back(m[1].str());
    } else if (!line.empty() && line.find_first_not_of(' ') != std::string::npos &&
               line.find_first_not_of(' ') <= 2) {
      in_access = false;  // "Thread T1 created by", "Location is ...": not an access stack
    }
  }
  for (auto& r : out) {
    std::vector<std::string> tops;
    for (const auto& a : r.accesses) tops.push_back(top_frame(a));
    std::sort(tops.begin(), tops.end());
    std::string sig = r.type + ":";
    for (size_t i = 0; i < tops.size() && i < 2; ++i) sig += (i ? " | " : " ") + tops[i];
    r.signature = sig;
  }
  return out;
}

}  // namespace pyrace
