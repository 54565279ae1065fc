// pyrace compare end to end, with the reproducers it and pyrace repro write.
#include "support.hpp"

#include <cstdlib>
#include <fstream>

using namespace pyrace_it;

TEST_CASE("compare reports regressions between two runs and writes bisect-ready reproducers",
          "[integration][cli][results]") {
  fs::path base = scratch("base.jsonl"), cand = scratch("cand.jsonl"), repros = scratch("repros");
  fs::remove_all(repros);
  // SAFE against a 50% target needs only 4 overlapping trials; the adaptive budget samples until
  // they are there, so a busy machine passes too.
  Run b = pyrace(fmt::format("run cases/counters -k AugAssign --max-rate 0.5 --time-budget 120 --timeout 300 --json {}",
                             quote(base.string())),
                 false);
  REQUIRE(b.exit_code == 0);
  // The candidate "build": the locked counter now loses updates, the racy one is unchanged.
  {
    std::ifstream in(base);
    std::ofstream out(cand);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line);
      if (j["name"] == "Counter_02_AugAssign_Lock")
        j["outcomes"] = json::array({{{"outcome", "'lost updates'"}, {"grade", "FORBIDDEN"}, {"count", j["trials"]}}});
      out << j.dump() << "\n";
    }
  }
  Run same = pyrace(fmt::format("compare {} {}", quote(base.string()), quote(base.string())), false);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, ContainsSubstring("0 regressions"));
  Run r = pyrace(
      fmt::format("compare {} {} --repro-dir {}", quote(base.string()), quote(cand.string()), quote(repros.string())),
      false);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, ContainsSubstring("REGRESSION   Counter_02_AugAssign_Lock|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("SAFE 0% (<= "));
  CHECK_THAT(r.out, ContainsSubstring(") -> RACY 100%"));
  fs::path repro = repros / "Counter_02_AugAssign_Lock_repro.py";
  REQUIRE(fs::exists(repro));
  // The reproducer runs with python3.14t alone: the locked counter does not fail (exit 0) ...
  int st = std::system(
      fmt::format("{} {} --max-seconds 1 >/dev/null", quote(PYRACE_TEST_PYTHON), quote(repro.string())).c_str());
  CHECK(WEXITSTATUS(st) == 0);
  // ... and the reproducer of the racy counter does (exit 1), as git bisect run wants.
  Run w = pyrace(fmt::format("repro Counter_01_AugAssign_NoLock -o {}", quote(scratch("c1.py").string())), false);
  CHECK(w.exit_code == 0);
  st = std::system(
      fmt::format("{} {} --max-seconds 20 >/dev/null", quote(PYRACE_TEST_PYTHON), quote(scratch("c1.py").string()))
          .c_str());
  CHECK(WEXITSTATUS(st) == 1);
}

TEST_CASE("compare calls no change on thin evidence: INCONCLUSIVE sides, and rates at very different concurrency",
          "[integration][cli][results][grading]") {
  // Fabricated raw results (grading is recomputed from trials, outcomes and concurrent_trials).
  auto record = [](const std::string& name, const std::string& expect, long trials, long forbidden, double concurrent) {
    json outcomes = json::array({{{"outcome", "'ok'"}, {"grade", "ACCEPTABLE"}, {"count", trials - forbidden}}});
    if (forbidden) outcomes.push_back({{"outcome", "'lost'"}, {"grade", "FORBIDDEN"}, {"count", forbidden}});
    return json{{"schema", "pyrace.result/1"},
                {"name", name},
                {"status", "ok"},
                {"expect", expect},
                {"shape", "loop"},
                {"config", {{"gil", "off"}, {"threads", 2}}},
                {"trials", trials},
                {"concurrent_trials", concurrent},
                {"outcomes", outcomes}};
  };
  fs::path base = scratch("thin-base.jsonl"), cand = scratch("thin-cand.jsonl");
  std::ofstream(base) << record("Safe_ThenThin", "safe", 100, 0, 100).dump() << "\n"
                      << record("Thin_ThenRacy", "safe", 100, 0, 10).dump() << "\n"
                      << record("Racy_Quiet", "racy", 1000, 900, 1000).dump() << "\n"
                      << record("Racy_Rate", "racy", 1000, 900, 1000).dump() << "\n";
  std::ofstream(cand) << record("Safe_ThenThin", "safe", 100, 0, 10).dump() << "\n"
                      << record("Thin_ThenRacy", "safe", 100, 5, 100).dump() << "\n"
                      << record("Racy_Quiet", "racy", 1000, 100, 200).dump()
                      << "\n"   // the actors overlapped 20% of the time
                      << record("Racy_Rate", "racy", 1000, 100, 1000).dump() << "\n";  // same concurrency, fewer races
  Run r = pyrace(fmt::format("compare {} {}", quote(base.string()), quote(cand.string())), false);
  INFO(r.out);
  CHECK(r.exit_code == 0);  // nothing here is a regression on evidence
  CHECK_THAT(r.out, ContainsSubstring("INCONCLUSIVE Safe_ThenThin|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("-> INCONCLUSIVE 0 forbidden in 10 concurrent of 100 trials"));
  CHECK_THAT(r.out, ContainsSubstring("too little evidence in the candidate run to call a change"));
  CHECK_THAT(r.out, ContainsSubstring("INCONCLUSIVE Thin_ThenRacy|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("too little evidence in the baseline run to call a change"));
  CHECK_THAT(r.out, ContainsSubstring("WEAK         Racy_Quiet|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("100% vs 20% of the trials: the comparison is weak"));
  CHECK_THAT(r.out, ContainsSubstring("RATE         Racy_Rate|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("0 regressions, 0 fixed, 1 other change, 2 inconclusive"));
  CHECK_THAT(r.out, ContainsSubstring("1 weak rate comparison"));
}
