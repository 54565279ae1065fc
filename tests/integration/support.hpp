// What every end-to-end test file shares: running the pyrace binary and reading its results back.
#pragma once
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fmt/core.h>
#include <sys/wait.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Catch::Matchers::ContainsSubstring;
using nlohmann::json;

namespace pyrace_it {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout + stderr
  std::vector<json> records;
};

std::string quote(const std::string& s);

fs::path scratch(const std::string& name);

// Runs `pyrace ARGS --json FILE` (when with_json) and collects the records.
// `after` is shell text appended to the command line (e.g. "& sleep 1; rm X; wait").
Run pyrace(const std::string& args, bool with_json = true, const std::string& env = "", const std::string& after = "");

std::map<std::string, json> by_name(const Run& r);

}  // namespace pyrace_it
