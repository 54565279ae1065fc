// pyrace compare end to end, with the reproducers it and pyrace repro write.
#include "support.hpp"

#include <cstdlib>
#include <fstream>

using namespace pyrace_it;

TEST_CASE("compare reports regressions between two runs and writes bisect-ready reproducers", "[integration][cli][results]") {
  fs::path base = scratch("base.jsonl"), cand = scratch("cand.jsonl"), repros = scratch("repros");
  fs::remove_all(repros);
  Run b = pyrace(fmt::format("run cases/counters -k AugAssign --trials 10 --json {}", quote(base.string())), false);
  REQUIRE(b.exit_code == 0);
  // The candidate "build": the locked counter now loses updates, the racy one is unchanged.
  {
    std::ifstream in(base);
    std::ofstream out(cand);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line);
      if (j["name"] == "Counter_02_AugAssign_Lock")
        j["outcomes"] = json::array({{{"outcome", "'lost updates'"}, {"grade", "FORBIDDEN"}, {"count", 10}}});
      out << j.dump() << "\n";
    }
  }
  Run same = pyrace(fmt::format("compare {} {}", quote(base.string()), quote(base.string())), false);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, ContainsSubstring("0 regressions"));
  Run r = pyrace(fmt::format("compare {} {} --repro-dir {}", quote(base.string()), quote(cand.string()),
                             quote(repros.string())),
                 false);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, ContainsSubstring("REGRESSION   Counter_02_AugAssign_Lock|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("SAFE 0% (<= "));
  CHECK_THAT(r.out, ContainsSubstring(") -> RACY 100%"));
  fs::path repro = repros / "Counter_02_AugAssign_Lock_repro.py";
  REQUIRE(fs::exists(repro));
  // The reproducer runs with python3.14t alone: the locked counter does not fail (exit 0) ...
  int st = std::system(fmt::format("{} {} --max-seconds 1 >/dev/null", quote(PYRACE_TEST_PYTHON), quote(repro.string())).c_str());
  CHECK(WEXITSTATUS(st) == 0);
  // ... and the reproducer of the racy counter does (exit 1), as git bisect run wants.
  Run w = pyrace(fmt::format("repro Counter_01_AugAssign_NoLock -o {}", quote(scratch("c1.py").string())), false);
  CHECK(w.exit_code == 0);
  st = std::system(fmt::format("{} {} --max-seconds 20 >/dev/null", quote(PYRACE_TEST_PYTHON),
                               quote(scratch("c1.py").string())).c_str());
  CHECK(WEXITSTATUS(st) == 1);
}
