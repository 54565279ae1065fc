// Fuzz findings as regression cases (cases/interpreter/): a case built from a fuzz program runs
// and grades, KNOWN_BUG is version-aware, compare labels known bugs FIXED / REGRESSION, and
// triage writes a case pyrace loads.
#include "support.hpp"

#include <cstdlib>
#include <fstream>

using namespace pyrace_it;

TEST_CASE("a case built from a fuzz program runs through _pyrace_fuzz and grades its oracles",
          "[integration][interp]") {
  // SAFE would need 3,838 states in which the actors overlapped, and each of them plants the finding:
  // the run samples until it has one (RACY), however busy the machine.
  Run r = pyrace("run tests/data/interp --early-stop --time-budget 120");
  INFO(r.out);
  auto m = by_name(r);
  REQUIRE(m.count("Interp_01_PlantedOracle"));
  const json& p = m["Interp_01_PlantedOracle"];
  CHECK(p["status"] == "ok");
  CHECK(p["verdict"] == "RACY");  // the oracle's finding is a FORBIDDEN outcome in every state
  CHECK(p["xfail"] == true);      // KNOWN_BUG: RACY on every version
  CHECK(p["known_bug"]["signature"] == "oracle SystemError in list.append: planted");
  bool planted = false;
  for (const auto& o : p["outcomes"])
    planted |= o["outcome"] == "'SystemError in list.append: planted'" && o["grade"] == "FORBIDDEN";
  CHECK(planted);
  CHECK(r.exit_code == 0);
  // A seeded finding (a TSan race on 3.14.7): its program passes the oracles wherever it runs; only a
  // TSan build sees the race. --max-rate 0.5: SAFE with a few overlapping states, on a busy machine too.
  Run s = pyrace("run cases/interpreter/Interp_02_Race_SetiterIternext.py --max-rate 0.5 --time-budget 60");
  INFO(s.out);
  REQUIRE(s.records.size() == 1);
  const json& k = s.records[0];
  if (k["tsan_build"] == true) {
    CHECK(k["verdict"] == "TSAN");
    CHECK(k["xfail"] == true);
  } else {
    CHECK(k["verdict"] == "SAFE");
    CHECK(k["known_bug"]["applies"] == false);
    CHECK(k["outcomes"][0]["outcome"] == "'oracles pass'");
    CHECK_THAT(k["message"].get<std::string>(), ContainsSubstring("a race report needs a TSan build"));
    CHECK(s.exit_code == 0);
  }
}

TEST_CASE("KNOWN_BUG affects: XFAIL on the versions it lists, EXPECT on the others", "[integration][grading][interp]") {
  Run r = pyrace("run tests/data/known_versions");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto m = by_name(r);
  REQUIRE(m.size() == 5);
  // Listed for 3.13 and 3.15 on: on this 3.14 the crash is not the known bug, it is a failure.
  CHECK(m["Known_03_OtherBuilds"]["verdict"] == "CRASH");
  CHECK(m["Known_03_OtherBuilds"]["xfail"] == false);
  CHECK(m["Known_03_OtherBuilds"]["as_expected"] == false);
  CHECK_THAT(m["Known_03_OtherBuilds"]["message"].get<std::string>(),
             ContainsSubstring("KNOWN_BUG gh-00003 does not apply (affects 3.13 3.15-, not this interpreter)"));
  CHECK(m["Known_04_ListedAmongOthers"]["verdict"] == "CRASH");
  CHECK(m["Known_04_ListedAmongOthers"]["xfail"] == true);
  CHECK(m["Known_04_ListedAmongOthers"]["as_expected"] == true);
  CHECK(m["Known_05_BadAffects"]["verdict"] == "ERROR");
  CHECK_THAT(m["Known_05_BadAffects"]["message"].get<std::string>(),
             ContainsSubstring("KNOWN_BUG \"affects\" must list interpreter versions, not '3.14.x'"));
  // "CRASH or TSAN" (a heap corruption: a crash in a release build, a race report first under TSan).
  CHECK(m["Known_06_EitherVerdict"]["verdict"] == "CRASH");
  CHECK(m["Known_06_EitherVerdict"]["xfail"] == true);
  CHECK(m["Known_06_EitherVerdict"]["known_bug"]["verdict"] == "CRASH or TSAN");
  CHECK(m["Known_07_BadVerdict"]["verdict"] == "ERROR");
  CHECK_THAT(m["Known_07_BadVerdict"]["message"].get<std::string>(),
             ContainsSubstring("or several joined by ' or ' ('CRASH or TSAN'), not 'CRASH or SEGV'"));
}

TEST_CASE("compare labels a known bug FIXED on the build that lost it and REGRESSION on the one that got it",
          "[integration][cli][interp]") {
  // Hand-made results: grading (xfail, known_bug.applies) is recomputed from python, status and outcomes.
  auto record = [](const std::string& name, const std::string& python, bool crashed, const std::string& affects) {
    json j{{"schema", "pyrace.result/1"},
           {"name", name},
           {"expect", "safe"},
           {"shape", "loop"},
           {"config", {{"gil", "off"}, {"threads", 2}}},
           {"python", python + " free-threading build (main)"},
           {"known_bug",
            {{"issue", "fuzz-" + name},
             {"affects", affects},
             {"verdict", "CRASH"},
             {"signature", "crash SEGV: f_" + name}}}};
    if (crashed) {
      j["status"] = "crash";
      j["signal"] = 11;
    } else {
      j["status"] = "ok";
      j["trials"] = 100;
      j["concurrent_trials"] = 100;
      j["outcomes"] = json::array({{{"outcome", "'oracles pass'"}, {"grade", "ACCEPTABLE"}, {"count", 100}}});
    }
    return j;
  };
  fs::path a = scratch("interp-a.jsonl"), b = scratch("interp-b.jsonl");
  std::ofstream(a) << record("Gone", "3.14.7", true, "3.14.7").dump() << "\n"          // the bug's verdict on A
                   << record("Came", "3.14.7", false, "3.14.8").dump() << "\n"         // EXPECT's on A
                   << record("Stays", "3.14.7", true, "3.14.7").dump() << "\n";
  json hangs = record("Hangs", "3.14.7", true, "3.14.7");  // a crash case that hung on A (gh-146452 on 3.14.5)
  hangs["status"] = "timeout";
  hangs.erase("signal");
  std::ofstream(a, std::ios::app) << hangs.dump() << "\n";
  // A bug that shows in two ways ("CRASH or TIMEOUT", as gh-146452 did on 3.14.5), one on each build.
  json either_a = record("Either", "3.14.7", true, "3.14.7 3.14.8"),
       either_b = record("Either", "3.14.8", true, "3.14.7 3.14.8");
  either_a["known_bug"]["verdict"] = either_b["known_bug"]["verdict"] = "CRASH or TIMEOUT";
  either_b["status"] = "timeout";
  either_b.erase("signal");
  std::ofstream(a, std::ios::app) << either_a.dump() << "\n";
  json came = record("Came", "3.14.8", true, "3.14.8");
  came["path"] = std::string(PYRACE_SOURCE_DIR) + "/cases/interpreter/Interp_02_Race_SetiterIternext.py";
  std::ofstream(b) << record("Gone", "3.14.8", false, "3.14.7").dump() << "\n"         // EXPECT's on B: fixed
                   << came.dump() << "\n"                                             // the bug's on B: regression
                   << record("Stays", "3.14.8", true, "3.14.7").dump() << "\n"         // still crashes, not listed
                   << record("Hangs", "3.14.8", false, "3.14.7").dump() << "\n";       // EXPECT's on B: fixed
  std::ofstream(b, std::ios::app) << either_b.dump() << "\n";  // the bug on both builds: no row, not CHANGED
  fs::path repros = scratch("interp-repros");
  fs::remove_all(repros);
  Run r = pyrace(
      fmt::format("compare {} {} --repro-dir {}", quote(a.string()), quote(b.string()), quote(repros.string())), false);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  // The regression's reproducer carries the fuzz runtime its case imports: it runs with python3.14t alone.
  fs::path repro = repros / "Came_repro.py";
  REQUIRE(fs::exists(repro));
  fs::path repro_out = scratch("interp-repro.out");
  std::system(fmt::format("{} {} --max-seconds 1 >{} 2>&1", quote(PYRACE_TEST_PYTHON), quote(repro.string()),
                          quote(repro_out.string()))
                  .c_str());
  std::ifstream ro(repro_out);
  std::string ran((std::istreambuf_iterator<char>(ro)), std::istreambuf_iterator<char>());
  INFO(ran);
  CHECK_THAT(ran, ContainsSubstring("\"trials\": "));
  CHECK_THAT(ran, !ContainsSubstring("No module named"));
  CHECK_THAT(r.out, ContainsSubstring("FIXED        Gone|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("known bug fuzz-Gone (crash SEGV: f_Gone) does not show on the candidate"));
  CHECK_THAT(r.out, ContainsSubstring("REGRESSION   Came|gil=off|t=2"));
  CHECK_THAT(r.out,
             ContainsSubstring("known bug fuzz-Came (crash SEGV: f_Came) shows on the candidate, not on the baseline"));
  CHECK_THAT(r.out, ContainsSubstring("STILL        Stays|gil=off|t=2"));
  // Its case names a crash, it hung: still the known bug, fixed by B.
  CHECK_THAT(r.out, ContainsSubstring("FIXED        Hangs|gil=off|t=2"));
  CHECK_THAT(r.out, ContainsSubstring("known bug fuzz-Hangs (crash SEGV: f_Hangs) showed as TIMEOUT on the baseline "
                                      "(its case names CRASH) and does not show on the candidate"));
  CHECK_THAT(r.out, ContainsSubstring(
                        "1 regression, 2 fixed, 0 other changes; known bugs: 2 fixed, 1 regressed, 1 still there"));
  CHECK_THAT(r.out, !ContainsSubstring("Either|"));
  // The other way round: what B fixed, A has; what B brought, A lacks.
  Run back = pyrace(fmt::format("compare {} {}", quote(b.string()), quote(a.string())), false);
  INFO(back.out);
  CHECK(back.exit_code == 1);
  CHECK_THAT(back.out, ContainsSubstring("REGRESSION   Gone|gil=off|t=2"));
  CHECK_THAT(back.out, ContainsSubstring("FIXED        Came|gil=off|t=2"));
  CHECK_THAT(back.out, ContainsSubstring("STILL        Stays|gil=off|t=2"));
  CHECK_THAT(back.out, ContainsSubstring("add the baseline's version to KNOWN_BUG \"affects\""));
  CHECK_THAT(back.out, ContainsSubstring("REGRESSION   Hangs|gil=off|t=2"));
  CHECK_THAT(back.out, ContainsSubstring("2 regressions, 1 fixed, 0 other changes"));
}

TEST_CASE("compare: a known TSan bug's races count once, as its case's FIXED or REGRESSION",
          "[integration][cli][interp]") {
  auto record = [](const std::string& python, bool raced) {
    json j{{"schema", "pyrace.result/1"},
           {"name", "Interp_Race"},
           {"expect", "safe"},
           {"shape", "single"},
           {"status", "ok"},
           {"config", {{"gil", "off"}, {"threads", 2}}},
           {"tsan_build", true},
           {"python", python + " free-threading build (main)"},
           {"trials", 5000},
           {"concurrent_trials", 5000},
           {"outcomes", json::array({{{"outcome", "'oracles pass'"}, {"grade", "ACCEPTABLE"}, {"count", 5000}}})},
           {"known_bug",
            {{"issue", "gh-144356"},
             {"affects", "3.14.7"},
             {"verdict", "TSAN"},
             {"signature", "tsan data race: setiter_iternext | setiter_iternext"}}}};
    if (raced)
      j["tsan"] = json::array({{{"type", "data race"},
                                {"signature", "data race: setiter_iternext | setiter_iternext"},
                                {"accesses", json::array()},
                                {"text", "WARNING: ThreadSanitizer: data race"}}});
    return j;
  };
  fs::path a = scratch("race-a.jsonl"), b = scratch("race-b.jsonl");
  std::ofstream(a) << record("3.14.7", true).dump() << "\n";   // the race, where affects lists it: XFAIL
  std::ofstream(b) << record("3.14.8", false).dump() << "\n";  // none on the next build: SAFE
  Run fixed = pyrace(fmt::format("compare {} {}", quote(a.string()), quote(b.string())), false);
  INFO(fixed.out);
  CHECK(fixed.exit_code == 0);
  CHECK_THAT(fixed.out, ContainsSubstring("FIXED        Interp_Race|gil=off|t=2"));
  CHECK_THAT(fixed.out, !ContainsSubstring("TSAN FIXED"));
  CHECK_THAT(fixed.out, ContainsSubstring("0 regressions, 1 fixed"));
  // Reversed, with the race listed for both builds: it came with the candidate, one regression.
  std::ofstream(a) << record("3.14.7", false).dump() << "\n";
  std::ofstream(b) << record("3.14.7", true).dump() << "\n";
  Run back = pyrace(fmt::format("compare {} {}", quote(a.string()), quote(b.string())), false);
  INFO(back.out);
  CHECK(back.exit_code == 1);
  CHECK_THAT(back.out, !ContainsSubstring("TSAN NEW"));
  CHECK_THAT(back.out, ContainsSubstring("1 regression, 0 fixed"));
}

TEST_CASE("triage writes a loadable case for a finding with a program, and none for one with a report only",
          "[integration][interp]") {
  fs::path out = scratch("interp-cases");
  fs::remove_all(out);
  int st =
      std::system(fmt::format("{} {}/fuzz/triage.py --cases-from {}/tests/data/findings --write-cases {} >/dev/null",
                              quote(PYRACE_TEST_PYTHON), PYRACE_SOURCE_DIR, PYRACE_SOURCE_DIR, quote(out.string()))
                      .c_str());
  REQUIRE(WEXITSTATUS(st) == 0);
  REQUIRE(fs::exists(out / "Interp_01_Race_SetiterIternext.py"));
  CHECK(std::distance(fs::directory_iterator(out), fs::directory_iterator()) == 1);  // the crash had only report.txt
  Run l = pyrace("list " + quote(out.string()), false);
  INFO(l.out);
  CHECK(l.exit_code == 0);
  CHECK_THAT(l.out, ContainsSubstring("Interp_01_Race_SetiterIternext"));
  // It runs: its program passes the oracles (release) or TSan reports the race it was found by.
  Run r = pyrace(fmt::format("run {} --trials 200 --allow-inconclusive", quote(out.string())));
  INFO(r.out);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["known_bug"]["affects"] == "3.14.7");
  CHECK(r.records[0]["status"] == "ok");
}
