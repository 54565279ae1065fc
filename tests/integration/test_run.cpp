// pyrace run end to end: verdicts, errors, the GIL, flags that reach the worker, exit codes.
#include "support.hpp"

using namespace pyrace_it;

TEST_CASE("bundled cases: every verdict matches EXPECT, and the classic table is printed",
          "[integration][cli][grading]") {
  // The classic-table cases; every bundled case also has a CTest entry of its own ("case: NAME").
  // A safe case may be INCONCLUSIVE on a busy machine (its actors overlapped too rarely within the
  // time budget); a racy one must be RACY, and nothing may be SAFE that is not.
  Run r = pyrace(
      "run cases/counters cases/lists cases/dicts cases/isolated cases/lazy_init --early-stop "
      "--allow-inconclusive");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.records.size() >= 13);
  for (const auto& j : r.records) {
    INFO(j["name"]);
    CHECK((j["as_expected"] == true || j["inconclusive"] == true));
    if (j["expect"] == "racy") CHECK(j["verdict"] == "RACY");
    else CHECK((j["verdict"] == "SAFE" || j["verdict"] == "INCONCLUSIVE"));
    CHECK(j["trials"].get<long>() > 0);
    if (j["verdict"] == "RACY") CHECK(j["first_forbidden_s"].get<double>() >= 0);
  }
  CHECK_THAT(r.out, ContainsSubstring("The widely quoted table, measured by this run"));
  CHECK_THAT(r.out, ContainsSubstring("shared counter without lock"));
  CHECK_THAT(r.out, ContainsSubstring("isolated tasks"));
}

TEST_CASE("malformed cases get a precise error naming file and line, and the run goes on", "[integration][supervise]") {
  Run r = pyrace("run tests/data/bad -k syntax -k expect -k noactor -k arbiter -k 'Counter_01' cases/counters");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto m = by_name(r);
  REQUIRE(m.count("Bad_SyntaxError"));
  CHECK(m["Bad_SyntaxError"]["verdict"] == "ERROR");
  CHECK(m["Bad_SyntaxError"]["line"] == 3);
  CHECK_THAT(r.out, ContainsSubstring("tests/data/bad/Bad_SyntaxError.py:3: syntax error"));
  CHECK_THAT(r.out,
             ContainsSubstring("tests/data/bad/Bad_Expect.py:4: EXPECT must be \"safe\" or \"racy\", not 'maybe'"));
  CHECK_THAT(r.out, ContainsSubstring("Bad_NoActor.py: no actor"));
  REQUIRE(m.count("Bad_ArbiterRaises"));
  CHECK(m["Bad_ArbiterRaises"]["verdict"] == "ERROR");
  CHECK_THAT(m["Bad_ArbiterRaises"]["traceback"].get<std::string>(), ContainsSubstring("KeyError: 'missing'"));
  CHECK_THAT(m["Bad_ArbiterRaises"]["traceback"].get<std::string>(),
             ContainsSubstring("Bad_ArbiterRaises.py\", line 15"));
  // The good case after the bad ones still ran and was graded.
  REQUIRE(m.count("Counter_01_AugAssign_NoLock"));
  CHECK(m["Counter_01_AugAssign_NoLock"]["verdict"] == "RACY");
}

TEST_CASE("a case whose import re-enables the GIL gets verdict GIL naming the module", "[integration][supervise]") {
  Run r = pyrace("run tests/data/bad -k gilextension");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["verdict"] == "GIL");
  CHECK(r.records[0]["gil_modules"] == json::array({"pyrace_gilext"}));
  CHECK_THAT(r.out, ContainsSubstring("re-enabled while importing the case by module [\"pyrace_gilext\"]"));
}

TEST_CASE("the GIL can be forced back on for comparison, in its own worker", "[integration][flags][engine]") {
  Run r = pyrace("run cases/ -k Counter_01 --gil both --trials 20");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  auto recs = r.records;
  REQUIRE(recs.size() == 2);
  CHECK(recs[0]["config"]["gil"] == "off");
  CHECK(recs[0]["verdict"] == "RACY");
  CHECK(recs[1]["config"]["gil"] == "on");
  CHECK(recs[1]["expectation_applies"] == false);
}

TEST_CASE("threads sweep, iterations and trials reach the worker", "[integration][flags][engine]") {
  // 5 trials are too few for SAFE (INCONCLUSIVE): the test is about the flags reaching the worker.
  Run r = pyrace("run cases/isolated -t 1,3 -n 200 --trials 5 --allow-inconclusive");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["config"]["threads"] == 1);
  CHECK(r.records[1]["config"]["threads"] == 3);
  for (const auto& j : r.records) {
    CHECK(j["config"]["iterations"] == 200);
    CHECK(j["trials"] == 5);
    CHECK(j["verdict"] == "INCONCLUSIVE");
  }
}

TEST_CASE("no SAFE on thin evidence: too few trials are INCONCLUSIVE, exit 4 unless allowed",
          "[integration][grading][flags]") {
  // 20 trials with no FORBIDDEN outcome bound the rate at 16%, above the loop default of 5%.
  Run thin = pyrace("run cases/counters -k Counter_02 --trials 20");
  INFO(thin.out);
  CHECK(thin.exit_code == 4);
  REQUIRE(thin.records.size() == 1);
  const json& j = thin.records[0];
  CHECK(j["verdict"] == "INCONCLUSIVE");
  CHECK(j["inconclusive"] == true);
  CHECK(j["as_expected"] == false);
  CHECK(j["evidence"]["trials"] <= 20);  // the trials in which the actors overlapped: all 20 on a quiet machine
  CHECK(j["evidence"]["max_rate"] == 0.05);
  CHECK(j["evidence"]["reached"] == false);
  CHECK_THAT(thin.out, ContainsSubstring("INCONCLUSIVE Counter_02_AugAssign_Lock"));
  // "20 concurrent of 20 trials (<= 16%..." on a quiet machine; fewer overlap under load.
  CHECK_THAT(thin.out, ContainsSubstring("0 forbidden in "));
  CHECK_THAT(thin.out, ContainsSubstring("of 20 trials (<= "));
  CHECK_THAT(thin.out, ContainsSubstring("target 5%)"));
  CHECK_THAT(thin.out, ContainsSubstring("raise --trials/--time-budget or allow with --allow-inconclusive"));
  Run allowed = pyrace("run cases/counters -k Counter_02 --trials 20 --allow-inconclusive");
  CHECK(allowed.exit_code == 0);
  // A looser target is reached sooner: 4 overlapping trials are enough for 50% (the adaptive
  // budget samples until they are there, however busy the machine).
  Run loose = pyrace("run cases/counters -k Counter_02 --max-rate 0.5 --time-budget 120 --timeout 300");
  CHECK(loose.exit_code == 0);
  REQUIRE(loose.records.size() == 1);
  CHECK(loose.records[0]["verdict"] == "SAFE");
  CHECK(loose.records[0]["config"]["max_rate"] == 0.5);
  // The default budget (100 trials, adaptive) reaches 20% once 16 trials overlapped (quiet: all 100, <= 3.7%).
  Run enough = pyrace("run cases/counters -k Counter_02 --max-rate 0.2 --time-budget 120 --timeout 300");
  INFO(enough.out);
  CHECK(enough.exit_code == 0);
  REQUIRE(enough.records.size() == 1);
  CHECK(enough.records[0]["verdict"] == "SAFE");
  CHECK_THAT(enough.out, ContainsSubstring(" trials; target 20%)"));
  // A mismatch outranks INCONCLUSIVE: exit 1.
  Run both = pyrace("run cases/counters/Counter_02_AugAssign_Lock.py tests/data/bad/Bad_Expect.py --trials 20");
  CHECK(both.exit_code == 1);
}

TEST_CASE("exitfirst stops at the first case not as expected", "[integration][flags]") {
  Run r = pyrace("run tests/data/bad -x -k syntax -k expect");
  CHECK(r.exit_code == 1);
  CHECK(r.records.size() == 1);
}

TEST_CASE("early stop ends a racy case at its first forbidden outcome", "[integration][flags][engine]") {
  Run r = pyrace("run cases/counters -k OneShot_NoLock --early-stop");
  REQUIRE(r.records.size() == 1);
  CHECK(r.records[0]["stop_reason"] == "forbidden");
  CHECK(r.records[0]["forbidden"].get<long>() >= 1);
  CHECK(r.records[0]["trials"].get<long>() < 1000000);
}

TEST_CASE("usage errors exit 2 with a message", "[integration][cli][flags]") {
  Run missing = pyrace("run no/such/dir", false);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.out, ContainsSubstring("no such file or folder: no/such/dir"));
  Run flag = pyrace("run --gil sometimes cases", false);
  CHECK(flag.exit_code == 2);
  Run unwritable = pyrace("run cases --json /nonexistent-dir/r.jsonl", false);
  CHECK(unwritable.exit_code == 2);
  CHECK_THAT(unwritable.out, ContainsSubstring("cannot write /nonexistent-dir/r.jsonl"));
  Run none = pyrace("run cases -k no-case-has-this-name", false);
  CHECK(none.exit_code == 2);
}

TEST_CASE("KNOWN_BUG: the recorded verdict is XFAIL, the expected one is XPASS (a failure)", "[integration][grading]") {
  Run r = pyrace("run tests/data/known");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto m = by_name(r);
  REQUIRE(m.size() == 2);
  CHECK(m["Known_01_Crashes"]["verdict"] == "CRASH");
  CHECK(m["Known_01_Crashes"]["xfail"] == true);
  CHECK(m["Known_01_Crashes"]["as_expected"] == true);
  CHECK_THAT(m["Known_01_Crashes"]["message"].get<std::string>(), ContainsSubstring("known interpreter bug gh-00000"));
  CHECK(m["Known_02_Fixed"]["verdict"] == "SAFE");
  CHECK(m["Known_02_Fixed"]["xpass"] == true);
  CHECK(m["Known_02_Fixed"]["as_expected"] == false);
  CHECK_THAT(r.out, ContainsSubstring("XPASS: known bug gh-00000 fixed?"));
  CHECK_THAT(r.out, ContainsSubstring("1 known interpreter bug seen: XFAIL"));
}
