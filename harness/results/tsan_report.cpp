#include "results/tsan_report.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace pyrace {

namespace {

bool is_runtime_frame(const std::string& f) {
  return f.rfind("__tsan", 0) == 0 || f.rfind("__interceptor", 0) == 0 || f.find("sanitizer") != std::string::npos;
}

// The first frame that is not TSan's own interceptor or runtime (those name no culprit).
std::string top_frame(const std::vector<std::string>& frames) {
  for (const auto& f : frames)
    if (!is_runtime_frame(f)) return f;
  return frames.empty() ? "?" : frames[0];
}

std::string trim_left(const std::string& s) {
  size_t i = s.find_first_not_of(' ');
  return i == std::string::npos ? "" : s.substr(i);
}

const std::regex& frame_re() {
  static const std::regex re(R"(^\s+#(\d+) (.*)$)");
  return re;
}

}  // namespace

std::string normalise_source_path(const std::string& raw) {
  std::string path = raw;
  for (size_t at; (at = path.find("/./")) != std::string::npos;) path.erase(at, 2);
  // The last CPython top folder in the path: the tree it was built in (a cache, a checkout)
  // differs between machines and builds, the path inside the source does not.
  static const std::array<const char*, 6> tops = {"Objects", "Python", "Include", "Modules", "Parser", "Programs"};
  const std::string rooted = "/" + path;
  size_t best = std::string::npos;
  for (const char* t : tops) {
    size_t at = rooted.rfind(std::string("/") + t + "/");
    if (at != std::string::npos && (best == std::string::npos || at > best)) best = at;
  }
  if (best != std::string::npos) return rooted.substr(best + 1);
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool parse_tsan_frame(const std::string& line, TsanFrame& out) {
  std::smatch m;
  if (!std::regex_match(line, m, frame_re())) return false;
  std::string rest = m[2].str();
  out = TsanFrame{};
  // From the right: "(BuildId: ...)", then "(module+0xoffset)", then the location, then the function.
  if (size_t b = rest.rfind(" (BuildId: "); b != std::string::npos) rest.erase(b);
  if (!rest.empty() && rest.back() == ')') {
    size_t open = rest.rfind(" (");
    if (open != std::string::npos) {
      std::string mod = rest.substr(open + 2, rest.size() - open - 3);
      out.module = mod.substr(0, mod.rfind('+'));  // libstdc++.so.6+0x12: the last '+'
      rest.erase(open);
    }
  }
  size_t sp = rest.rfind(' ');
  std::string loc = sp == std::string::npos ? "" : rest.substr(sp + 1);
  out.function = sp == std::string::npos ? rest : rest.substr(0, sp);
  if (loc != "<null>" && !loc.empty()) {
    static const std::regex loc_re(R"(^(.*?)(?::(\d+))?(?::(\d+))?$)");
    std::smatch lm;
    if (std::regex_match(loc, lm, loc_re)) {
      out.file = normalise_source_path(lm[1].str());
      if (lm[2].matched) out.line = std::stoi(lm[2].str());
    }
  }
  if (out.function.empty()) out.function = "<null>";
  return true;
}

std::string format_frame(const TsanFrame& f) {
  if (f.file.empty()) return f.module.empty() ? f.function : f.function + " (" + f.module + ")";
  return f.line > 0 ? fmt::format("{} {}:{}", f.function, f.file, f.line) : f.function + " " + f.file;
}

std::vector<TsanFrame> culprit_frames(const TsanAccess& a, size_t n) {
  std::vector<TsanFrame> out;
  for (const auto& f : a.frames) {
    if (out.size() >= n) break;
    if (out.empty() && is_runtime_frame(f.function)) continue;
    out.push_back(f);
  }
  if (out.empty() && !a.frames.empty()) out.push_back(a.frames.front());
  return out;
}

std::vector<TsanReport> parse_tsan_log(const std::string& log) {
  static const std::regex warning(R"(WARNING: ThreadSanitizer: (.+?) \(pid=\d+\))");
  static const std::regex access(R"(^\s+((?:Previous )?(?:atomic )?(?:Read|Write))\b.* by (main thread|thread (T\d+)))",
                                 std::regex::icase);
  static const std::regex thread_line(R"(^\s+Thread (T\d+)(?: '([^']*)')? \(tid=)");
  std::vector<TsanReport> out;
  std::istringstream in(log);
  std::string line;
  TsanReport* cur = nullptr;
  bool in_access = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, warning)) {
      out.push_back(TsanReport{m[1].str(), {}, "", "", {}, {}});
      cur = &out.back();
      in_access = false;
    }
    if (!cur) continue;
    cur->text += line + "\n";
    if (line.rfind("SUMMARY: ThreadSanitizer", 0) == 0) {
      cur = nullptr;
      continue;
    }
    TsanFrame f;
    if (std::regex_search(line, m, access)) {
      cur->accesses.emplace_back();
      std::string kind = m[1].str();
      cur->stacks.push_back(TsanAccess{kind, m[3].matched ? m[3].str() : "main", {}});
      in_access = true;
    } else if (parse_tsan_frame(line, f)) {
      if (in_access) {
        cur->accesses.back().push_back(f.function);
        cur->stacks.back().frames.push_back(f);
      }
    } else if (!line.empty() && line.find_first_not_of(' ') != std::string::npos && line.find_first_not_of(' ') <= 2) {
      in_access = false;  // "Thread T1 created by", "Location is ...": not an access stack
      if (std::regex_search(line, m, thread_line) && m[2].matched) cur->thread_names[m[1].str()] = m[2].str();
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

std::vector<TsanSuppression> parse_tsan_suppressions(const std::string& log) {
  static const std::regex header(R"(^ThreadSanitizer: Matched \d+ suppressions)");
  static const std::regex entry(R"(^\s*(\d+) (\S+:.*?)\s*$)");
  std::map<std::string, long> counts;  // several blocks (a forked child's log too): summed
  std::vector<std::string> order;
  std::istringstream in(log);
  std::string line;
  bool in_block = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, header)) {
      in_block = true;
    } else if (in_block && std::regex_match(line, m, entry)) {
      if (!counts.count(m[2].str())) order.push_back(m[2].str());
      counts[m[2].str()] += std::stol(m[1].str());
    } else {
      in_block = false;
    }
  }
  std::vector<TsanSuppression> out;
  for (const auto& s : order) out.push_back(TsanSuppression{s, counts[s]});
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
  return out;
}

std::string describe_thread(const std::string& thread, const TsanReport& r, const TsanContext& ctx) {
  auto actor_label = [&](int i) {
    if (!ctx.actors.empty())
      return i < static_cast<int>(ctx.actors.size()) ? "actor_" + ctx.actors[i] : fmt::format("actor {}", i);
    return fmt::format("actor {}", i);
  };
  // The coordinator runs setup and the arbiter, and is actor 0 while a round runs.
  if (thread == "main") return "main thread (" + actor_label(0) + ", setup, arbiter)";
  auto it = r.thread_names.find(thread);
  if (it == r.thread_names.end()) return thread + " (not an actor thread: started by the case or the interpreter)";
  static const std::regex actor_name(R"(^pyrace-act-(\d+)$)");
  std::smatch m;
  if (std::regex_match(it->second, m, actor_name)) return thread + " (" + actor_label(std::stoi(m[1].str())) + ")";
  return thread + " '" + it->second + "' (started by the case)";
}

std::string tsan_message(const std::vector<TsanReport>& reports, const TsanContext& ctx) {
  std::map<std::string, int> counts;
  std::vector<const TsanReport*> firsts;
  for (const auto& t : reports)
    if (counts[t.signature]++ == 0) firsts.push_back(&t);
  std::string who = !ctx.actors.empty()
                        ? fmt::format("{} named actors, one thread each", ctx.actors.size())
                        : fmt::format("actor() on {} thread{}", ctx.threads, ctx.threads == 1 ? "" : "s");
  std::string msg = fmt::format("ThreadSanitizer: {} report{} ({} distinct) in case {} ({}):", reports.size(),
                                reports.size() == 1 ? "" : "s", firsts.size(), ctx.case_name, who);
  for (const TsanReport* r : firsts) {
    msg += fmt::format("\n  {} x{}", r->signature, counts[r->signature]);
    for (const auto& a : r->stacks) {
      std::string frames;
      for (const auto& f : culprit_frames(a, 2)) frames += (frames.empty() ? "" : " < ") + format_frame(f);
      msg += fmt::format("\n    {} by {}: {}", a.kind, describe_thread(a.thread, *r, ctx), frames);
    }
  }
  return msg;
}

std::string trimmed_report(const TsanReport& r, size_t frames) {
  std::string out;
  std::istringstream in(r.text);
  std::string line;
  size_t shown = 0, hidden = 0;
  bool thread_stack = false;  // a thread's creation stack: pyrace's actor pool, always the same
  auto flush_hidden = [&] {
    if (hidden > 0) out += fmt::format("      ... {} more frame{}\n", hidden, hidden == 1 ? "" : "s");
    hidden = 0;
  };
  while (std::getline(in, line)) {
    TsanFrame f;
    if (parse_tsan_frame(line, f)) {
      if (thread_stack) continue;
      if (shown++ < frames) {
        std::smatch m;
        std::regex_match(line, m, frame_re());
        out += fmt::format("    #{} {}\n", m[1].str(), format_frame(f));
      } else {
        ++hidden;
      }
      continue;
    }
    flush_hidden();
    shown = 0;
    if (line.empty()) continue;
    thread_stack = trim_left(line).rfind("Thread T", 0) == 0;
    if (thread_stack && line.size() > 4 && line.compare(line.size() - 4, 4, " at:") == 0)
      line.erase(line.size() - 4);  // its stack is left out
    out += line + "\n";
  }
  flush_hidden();
  return out;
}

}  // namespace pyrace
