// pyrace run end to end: --shard and --resume give the report an uninterrupted run gives.
#include "support.hpp"

#include <cstdlib>
#include <fstream>

using namespace pyrace_it;

namespace {

// Verdict per plan unit, for comparing reports: timings and rates vary, verdicts must not.
// Key and verdict of each record, in order. A safe case's SAFE or INCONCLUSIVE depends on how
// many trials overlapped on a busy machine: both read "not racy" here (the tests are about plans).
std::vector<std::string> verdicts_of(const Run& r) {
  std::vector<std::string> v;
  for (const auto& j : r.records) {
    std::string verdict = j["verdict"].get<std::string>();
    if (verdict == "SAFE" || verdict == "INCONCLUSIVE") verdict = "not racy";
    v.push_back(j["key"].get<std::string>() + "=" + verdict);
  }
  return v;
}

}  // namespace

TEST_CASE("shards split the plan deterministically and merge into one run's report", "[integration][flags][results]") {
  // Loop cases whose verdicts do not hang on luck at small budgets (racy ones fail ~every trial;
  // safe ones, at 20 trials, are INCONCLUSIVE every time: allowed, as the test is about shards).
  const std::string sel =
      "cases/counters cases/dicts cases/lists cases/isolated -k 'not oneshot' -k 'not vsdouble' "
      "--trials 20 --allow-inconclusive";
  Run whole = pyrace("run " + sel);
  REQUIRE(whole.exit_code == 0);
  fs::path a = scratch("shard1.jsonl"), b = scratch("shard2.jsonl"), c = scratch("shard3.jsonl");
  for (auto [i, f] : std::vector<std::pair<int, fs::path>>{{1, a}, {2, b}, {3, c}}) {
    Run s = pyrace(fmt::format("run {} --shard {}/3 --json {}", sel, i, quote(f.string())), false);
    CHECK(s.exit_code == 0);
  }
  Run merged =
      pyrace(fmt::format("report {} {} {} --allow-inconclusive --color never -r json::out={}", quote(a.string()),
                         quote(b.string()), quote(c.string()), quote(scratch("results.jsonl").string())),
             false);  // the helper reads results.jsonl back into merged.records
  CHECK(merged.exit_code == 0);
  CHECK(verdicts_of(merged) == verdicts_of(whole));
  CHECK(pyrace("run cases --shard 4/3", false).exit_code == 2);
  CHECK(pyrace("run cases --shard x", false).exit_code == 2);
}

TEST_CASE("kill -9 in the middle, then --resume: the report equals an uninterrupted run's",
          "[integration][supervise][results]") {
  const std::string sel =
      "cases/counters cases/dicts cases/lists cases/isolated -k 'not oneshot' -k 'not vsdouble' --trials 200 "
      "--allow-inconclusive";
  Run whole = pyrace("run " + sel);
  REQUIRE(whole.exit_code == 0);
  fs::path f = scratch("resume.jsonl");
  fs::remove(f);
  // A torn half line is appended, as a kill in the middle of a write leaves it.
  // Killed once two results are on disk (however loaded the machine is), while the third runs.
  std::string kill = fmt::format(
      "cd {0} && ({1} run {2} --color never --json {3} >/dev/null & p=$!; "
      "for i in $(seq 600); do [ \"$(wc -l < {3} 2>/dev/null || echo 0)\" -ge 2 ] && break; sleep 0.1; done; "
      "kill -9 $p; wait $p; printf '{{\"schema\": \"pyrace.res' >> {3}) 2>/dev/null",
      quote(PYRACE_SOURCE_DIR), quote(PYRACE_BIN), sel, quote(f.string()));
  REQUIRE(std::system(kill.c_str()) != -1);
  size_t before = 0;
  {
    std::ifstream in(f);
    std::string l;
    while (std::getline(in, l)) ++before;
  }
  INFO("lines before resume (the last one torn): " << before);
  CHECK(before >= 2);
  CHECK(before < whole.records.size() + 1);
  Run resumed = pyrace(fmt::format("run {} --resume {}", sel, quote(f.string())), false);
  INFO(resumed.out);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(resumed.out, ContainsSubstring("dropped a torn last line"));
  Run report =
      pyrace(fmt::format("report {} -r json::out={}", quote(f.string()), quote(scratch("results.jsonl").string())),
             false);  // the helper reads results.jsonl back into report.records
  CHECK(verdicts_of(report) == verdicts_of(whole));
}
