// pyrace list end to end.
#include "support.hpp"

#include <fstream>

using namespace pyrace_it;

TEST_CASE("list shows cases without running them", "[integration][cli][discover]") {
  Run r = pyrace("list cases", false);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("racy"));
  CHECK_THAT(r.out, ContainsSubstring("single"));
}

TEST_CASE("keyword filter: -k takes pytest's expressions; a malformed one is a usage error (exit 2)",
          "[integration][cli][discover]") {
  Run r = pyrace("list cases -k 'Counter_0 and not _Lock' -k 'Dict_01 or Set_01'", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("Dict_01_"));
  CHECK_THAT(r.out, !ContainsSubstring("Counter_02_AugAssign_Lock"));
  Run bad = pyrace("list cases -k '(Counter or Dict'", false);
  INFO(bad.out);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.out, ContainsSubstring("-k '(Counter or Dict' is not a valid expression"));
  CHECK_THAT(bad.out, ContainsSubstring("expected ')'"));
}

TEST_CASE("an unknown subcommand is named, with the list of subcommands (exit 2)", "[integration][cli]") {
  Run r = pyrace("frobnicate cases", false);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, ContainsSubstring("unknown subcommand 'frobnicate'"));
  CHECK_THAT(r.out, ContainsSubstring("the subcommands are: run, list, report, explain, table, repro, compare"));
  CHECK_THAT(r.out, !ContainsSubstring("__worker"));
  CHECK_THAT(r.out, !ContainsSubstring("__flags-md"));
  Run none = pyrace("", false);
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.out, ContainsSubstring("no subcommand; the subcommands are: run, list"));
  Run help = pyrace("--help", false);
  CHECK(help.exit_code == 0);
}

TEST_CASE("a misspelled name pyrace reads is an error naming the line and the name meant", "[integration][loader]") {
  const std::string body =
      "\"\"\"A case.\"\"\"\nEXPECT = \"racy\"\n\n\ndef setup():\n    return [0]\n\n\ndef actor(s):\n    s[0] += 1\n\n\n"
      "def arbiter(s):\n    return s[0] == THREADS * ITERATIONS\n\n\nOUTCOMES = {True: \"ACCEPTABLE\"}\n";  // OUTCOMES
                                                                                                            // on line
                                                                                                            // 17
  struct Slip {
    const char* file;
    std::string from, to;  // replace `from` by `to` in body ("" from: append `to`)
    const char* says;
  };
  const std::vector<Slip> slips = {
      {"S_Outcome",
       "OUTCOMES =", "OUTCOME =", "S_Outcome.py:17: OUTCOME is not a name pyrace reads; did you mean OUTCOMES?"},
      {"S_Outcomes",
       "OUTCOMES =", "Outcomes =", "S_Outcomes.py:17: Outcomes is not a name pyrace reads; did you mean OUTCOMES?"},
      {"S_Expects",
       "EXPECT =", "EXPECTS =", "S_Expects.py:2: EXPECTS is not a name pyrace reads; did you mean EXPECT?"},
      {"S_Arbitor", "def arbiter", "def arbitor",
       "S_Arbitor.py:13: arbitor is not a name pyrace reads; did you mean arbiter?"},
      {"S_SetUp", "def setup", "def setUp", "S_SetUp.py:5: setUp is not a name pyrace reads; did you mean setup?"},
      {"S_Thread", "", "THREAD = 4\n", "S_Thread.py:18: THREAD is not a name pyrace reads; did you mean THREADS?"},
      {"S_Iteration", "", "ITERATION = 4\n",
       "S_Iteration.py:18: ITERATION is not a name pyrace reads; did you mean ITERATIONS?"},
      {"S_Shapes", "", "SHAPES = \"single\"\n",
       "S_Shapes.py:18: SHAPES is not a name pyrace reads; did you mean SHAPE?"},
      {"S_Damages", "", "def damages(s):\n    return 1\n",
       "S_Damages.py:18: damages is not a name pyrace reads; did you mean damage?"},
      // Helpers that only look alike: another type than the name takes, the name itself defined too, private.
      {"S_Helpers", "",
       "N_ITEMS = 3\nthreads = []\nTHREAD = 'main'\ndef factor(x):\n    return x\ndef manage():\n"
       "    pass\nSHARE = [1]\ndef fix():\n    pass\n_OUTCOME = {}\n",
       nullptr},
      {"S_Both", "", "THREADS = 2\nTHREAD = 3\n", nullptr},
  };
  fs::path dir = scratch("slips");
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& s : slips) {
    std::string text = body;
    if (s.from.empty()) text += s.to;
    else text.replace(text.find(s.from), s.from.size(), s.to);
    std::ofstream(dir / (std::string(s.file) + ".py")) << text;
  }
  Run r = pyrace("run " + quote(dir.string()) + " --trials 3");
  INFO(r.out);
  auto m = by_name(r);
  for (const auto& s : slips) {
    INFO(s.file);
    REQUIRE(m.count(s.file));
    if (s.says) {
      CHECK(m[s.file]["verdict"] == "ERROR");
      CHECK_THAT(r.out, ContainsSubstring(s.says));
    } else {
      CHECK(m[s.file]["verdict"] != "ERROR");
    }
  }
}
