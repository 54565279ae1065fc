#include "support.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace pyrace_it {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / fmt::format("pyrace-it-{}", ::getpid());
  fs::create_directories(d);
  return d / name;
}

Run pyrace(const std::string& args, bool with_json, const std::string& env, const std::string& after) {
  Run r;
  fs::path results = scratch("results.jsonl");
  fs::remove(results);
  std::string cmd = fmt::format("cd {} && (PYRACE_TEST_EXT_DIR={} {} {} {} {} {}) 2>&1", quote(PYRACE_SOURCE_DIR),
                                quote(PYRACE_TEST_EXT_DIR), env, quote(PYRACE_BIN), args,
                                with_json ? "--color never --json " + quote(results.string()) : "", after);
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream f(results);
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) r.records.push_back(json::parse(line));
  return r;
}

std::map<std::string, json> by_name(const Run& r) {
  std::map<std::string, json> m;
  for (const auto& j : r.records) m[j["name"].get<std::string>()] = j;
  return m;
}

}  // namespace pyrace_it
