#include "results/plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pyrace {

std::vector<Unit> make_plan(const std::vector<CaseFile>& cases, const std::vector<std::string>& gils,
                            const std::vector<int>& threads, const std::vector<std::string>& modes) {
  std::vector<Unit> plan;
  for (const auto& c : cases)
    for (const auto& m : modes) {
      // Explore runs one thread at a time: the GIL makes no difference to it, so it runs once.
      const std::vector<std::string> mode_gils = m == "explore" ? std::vector<std::string>{"off"} : gils;
      for (const auto& g : mode_gils)
        for (int t : threads) {
          Unit u{c, g, t, static_cast<long>(plan.size()), "", m};
          u.key = c.path + "|" + (m == "explore" ? "explore" : g) + "|" + std::to_string(t);
          plan.push_back(u);
        }
    }
  return plan;
}

std::pair<int, int> parse_shard(const std::string& spec) {
  int i = 0, n = 0;
  char slash = 0, extra = 0;
  std::istringstream in(spec);
  if (!(in >> i >> slash >> n) || slash != '/' || (in >> extra) || n < 1 || i < 1 || i > n)
    throw ShardError("--shard must be i/n with 1 <= i <= n (e.g. 2/4), got '" + spec + "'");
  return {i, n};
}

std::vector<Unit> select_shard(const std::vector<Unit>& plan, int i, int n) {
  std::vector<Unit> out;
  for (const auto& u : plan)
    if (u.seq % n == i - 1) out.push_back(u);
  return out;
}

ResultsFile load_results(const std::string& path, bool repair) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ResultsError("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ResultsFile rf;
  size_t start = 0;
  int lineno = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    ++lineno;
    if (nl == std::string::npos) {  // no newline: the writer was killed mid-line
      rf.torn_bytes = static_cast<long>(text.size() - start);
      break;
    }
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    try {
      if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not a JSON object");
      if (j.value("schema", "") != kSchema)
        throw std::runtime_error("schema is '" + j.value("schema", "") + "', expected '" + kSchema + "'");
      rf.records.push_back(record_from_json(j));
    } catch (const std::exception& e) {
      throw ResultsError(path + ":" + std::to_string(lineno) + ": not a pyrace result record (" + e.what() + ")");
    }
  }
  if (rf.torn_bytes > 0 && repair) {
    if (::truncate(path.c_str(), static_cast<off_t>(text.size() - rf.torn_bytes)) != 0)
      throw ResultsError("cannot repair " + path + " (truncate failed)");
  }
  return rf;
}

void sort_by_plan(std::vector<Record>& records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.seq != b.seq ? a.seq < b.seq : a.name < b.name; });
}

}  // namespace pyrace
