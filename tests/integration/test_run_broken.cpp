// pyrace run and pyrace explore end to end on broken case files (tests/data/broken): misspelled names, and cases the
// sequential sanity check rejects before any concurrent trial (an outcome OUTCOMES forbids, an
// arbiter wrong for a sequential run, actors that raise or deadlock when run one after another).
// Each is an ERROR with the line and a message saying what is wrong.
#include "support.hpp"

#include <map>

using namespace pyrace_it;

TEST_CASE("broken cases: each is an ERROR with its line and what is wrong", "[integration][loader][sanity][explore]") {
  struct Expect {
    int line;
    const char* message;  // substring of the message
  };
  const std::map<std::string, Expect> table = {
      {"Broken_01_Outcome", {19, "OUTCOME is not a name pyrace reads; did you mean OUTCOMES?"}},
      {"Broken_02_Arbitor", {13, "arbitor is not a name pyrace reads; did you mean arbiter?"}},
      {"Broken_03_Expects", {3, "EXPECTS is not a name pyrace reads; did you mean EXPECT?"}},
      {"Broken_04_GradesSwapped", {19, "the actors give 'all counted', which OUTCOMES grades FORBIDDEN"}},
      {"Broken_05_ArbiterOneThread", {19, "the actors give 'lost updates', which OUTCOMES grades FORBIDDEN"}},
      {"Broken_06_PopWithoutCheck",
       {13,
        "run one after another (thread 0 (actor), then thread 1 (actor)), the actors raise IndexError: pop from empty "
        "list; "}},
      {"Broken_07_WaitsForever", {20, "the actors deadlock: thread 0 waits for Event.wait at line 20"}},
      {"Broken_08_ConsumerFirst",
       {23, "run one after another (thread 1 (consumer), then thread 0 (producer)), the actors raise IndexError: pop"}},
      {"Broken_09_RaisedAccepted",
       {13, "the actors raise KeyError: 'job'; a case's actors must run alone without raising"}},
      {"Broken_10_OutcomeTypo", {26, "the actors give 'every job taken', which OUTCOMES grades FORBIDDEN"}},
  };
  // The sequential check runs before any trial: --trials 1 is enough, and nothing concurrent runs.
  Run r = pyrace("run tests/data/broken --trials 1 --timeout 60");
  // explore runs it too: without it, these were RACY "with 0 preemptions" (a sequential run) or,
  // for Broken_09, SAFE.
  Run x = pyrace("explore tests/data/broken --timeout 60");
  for (const Run* run : {&r, &x}) {
    INFO(run->out);
    CHECK(run->exit_code == 1);
    auto m = by_name(*run);
    CHECK(m.size() == table.size());
    for (const auto& [name, e] : table) {
      INFO(name);
      REQUIRE(m.count(name));
      const json& j = m[name];
      CHECK(j["verdict"] == "ERROR");
      CHECK(j["line"] == e.line);
      CHECK_THAT(j["message"].get<std::string>(), ContainsSubstring(e.message));
    }
  }
  INFO(r.out);
  auto m = by_name(r);
  // The sequential check's failures say which order of the actors failed and that it was that check.
  for (const char* name :
       {"Broken_04_GradesSwapped", "Broken_05_ArbiterOneThread", "Broken_06_PopWithoutCheck", "Broken_07_WaitsForever",
        "Broken_08_ConsumerFirst", "Broken_09_RaisedAccepted", "Broken_10_OutcomeTypo"}) {
    INFO(name);
    CHECK_THAT(m[name]["message"].get<std::string>(), ContainsSubstring("run one after another ("));
    CHECK_THAT(m[name]["message"].get<std::string>(),
               ContainsSubstring("[pyrace's sequential check, before any concurrent trial]"));
  }
  // An actor that raises alone is shown with its traceback, at the line that raised.
  CHECK_THAT(m["Broken_06_PopWithoutCheck"]["traceback"].get<std::string>(),
             ContainsSubstring("IndexError: pop from empty list"));
  CHECK_THAT(m["Broken_09_RaisedAccepted"]["traceback"].get<std::string>(), ContainsSubstring("del d[\"job\"]"));
}

TEST_CASE("the exceptions catalog passes the sequential check: actors run alone never raise", "[integration][sanity]") {
  // --trials 1 --allow-inconclusive: only the sequential check matters here (racy cases may or
  // may not show their exception in one trial, and are then INCONCLUSIVE or RACY, never ERROR).
  Run r = pyrace("run cases/exceptions --trials 1 --allow-inconclusive");
  INFO(r.out);
  auto m = by_name(r);
  CHECK(m.size() >= 12);
  for (const auto& [name, j] : m) {
    INFO(name);
    CHECK(j["verdict"] != "ERROR");
    CHECK_THAT(j["message"].get<std::string>(), !ContainsSubstring("sequential check"));
  }
}
