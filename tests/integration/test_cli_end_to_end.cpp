// The pyrace binary end to end: verdicts, precise errors, crash isolation and exit codes.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using Catch::Matchers::ContainsSubstring;

namespace {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout + stderr
  std::vector<json> records;
};

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

// Runs `pyrace ARGS --json FILE` (when with_json) and collects the records.
// `after` is shell text appended to the command line (e.g. "& sleep 1; rm X; wait").
Run pyrace(const std::string& args, bool with_json = true, const std::string& env = "", const std::string& after = "") {
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

}  // namespace

TEST_CASE("bundled cases: every verdict matches EXPECT, and the classic table is printed", "[integration][cli][grading]") {
  // The classic-table cases; every bundled case also has a CTest entry of its own ("case: NAME").
  Run r = pyrace("run cases/counters cases/lists cases/dicts cases/isolated cases/lazy_init --early-stop");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.records.size() >= 13);
  for (const auto& j : r.records) {
    INFO(j["name"]);
    CHECK(j["as_expected"] == true);
    CHECK(j["verdict"] == (j["expect"] == "racy" ? "RACY" : "SAFE"));
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
  CHECK_THAT(r.out, ContainsSubstring("tests/data/bad/Bad_Expect.py:4: EXPECT must be \"safe\" or \"racy\", not 'maybe'"));
  CHECK_THAT(r.out, ContainsSubstring("Bad_NoActor.py: no actor"));
  REQUIRE(m.count("Bad_ArbiterRaises"));
  CHECK(m["Bad_ArbiterRaises"]["verdict"] == "ERROR");
  CHECK_THAT(m["Bad_ArbiterRaises"]["traceback"].get<std::string>(), ContainsSubstring("KeyError: 'missing'"));
  CHECK_THAT(m["Bad_ArbiterRaises"]["traceback"].get<std::string>(), ContainsSubstring("Bad_ArbiterRaises.py\", line 15"));
  // The good case after the bad ones still ran and was graded.
  REQUIRE(m.count("Counter_01_AugAssign_NoLock"));
  CHECK(m["Counter_01_AugAssign_NoLock"]["verdict"] == "RACY");
}

TEST_CASE("crashes, hangs and deadlocks are isolated in their worker", "[integration][supervise]") {
  Run r = pyrace("run tests/data/bad -k segfault -k osexit -k infiniteloop -k deadlock --timeout 2");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto m = by_name(r);
  REQUIRE(m.size() == 4);
  CHECK(m["Bad_Segfault"]["verdict"] == "CRASH");
  CHECK(m["Bad_Segfault"]["signal"] == 11);
  CHECK_THAT(m["Bad_Segfault"]["output_tail"].get<std::string>(), ContainsSubstring("Bad_Segfault.py\", line 13 in actor"));
  CHECK(m["Bad_Segfault"]["expect"] == "safe");  // known from the worker's first line, before it died
  CHECK(m["Bad_OsExit"]["verdict"] == "CRASH");
  CHECK(m["Bad_OsExit"]["exit_code"] == 7);
  CHECK(m["Bad_InfiniteLoop"]["verdict"] == "TIMEOUT");
  CHECK_THAT(m["Bad_InfiniteLoop"]["output_tail"].get<std::string>(), ContainsSubstring("Bad_InfiniteLoop.py\", line 1"));
  CHECK_THAT(m["Bad_InfiniteLoop"]["output_tail"].get<std::string>(), ContainsSubstring(" in actor"));
  CHECK(m["Bad_Deadlock"]["verdict"] == "DEADLOCK");
  CHECK_THAT(m["Bad_Deadlock"]["output_tail"].get<std::string>(), ContainsSubstring("in actor_left"));
  CHECK_THAT(m["Bad_Deadlock"]["output_tail"].get<std::string>(), ContainsSubstring("in actor_right"));
}

TEST_CASE("hostile cases: each ends in a clear verdict and message, the rest of the run unaffected", "[integration][supervise]") {
  struct Expect {
    const char* verdict;
    int line;             // -1: do not check
    const char* message;  // substring of the message (or of the output, for stacks)
  };
  const std::map<std::string, Expect> table = {
      {"Bad_ActorArity", {"ERROR", 9, "actor must take (state) or (state, thread_index); it is actor(s, thread_index, extra)"}},
      {"Bad_ActorRaises", {"ERROR", 13, "the actor raised ValueError: the actor gave up"}},
      {"Bad_ArbiterRaises", {"ERROR", 15, "the arbiter raised KeyError: 'missing'"}},
      {"Bad_BadGrade", {"ERROR", 17, "OUTCOMES['ok'] must be one of ACCEPTABLE, INTERESTING, FORBIDDEN, not 'MAYBE'"}},
      {"Bad_BigOutput", {"SAFE", -1, "wrote more than --max-output 8 MiB"}},
      {"Bad_Binary", {"ERROR", 0, "not a Python source file (it contains NUL bytes)"}},
      {"Bad_ChangesBuiltins", {"SAFE", -1, ""}},
      {"Bad_Deadlock", {"DEADLOCK", -1, "deadlock: no progress and no CPU used"}},
      {"Bad_Empty", {"ERROR", 0, "no EXPECT"}},
      {"Bad_Expect", {"ERROR", 4, "EXPECT must be \"safe\" or \"racy\", not 'maybe'"}},
      {"Bad_Fork", {"SAFE", -1, ""}},
      {"Bad_ImportsGilExtension", {"GIL", -1, "pyrace_gilext"}},
      {"Bad_InfiniteLoop", {"TIMEOUT", -1, "timeout: still running"}},
      {"Bad_MemoryHog", {"ERROR", 12, "MemoryError"}},
      {"Bad_NoActor", {"ERROR", 0, "no actor"}},
      {"Bad_NonUtf8", {"ERROR", 3, "Non-UTF-8 code"}},
      {"Bad_OsExit", {"CRASH", -1, "exited with status 7 before writing a result"}},
      {"Bad_ReadsStdin", {"ERROR", 11, "EOFError"}},
      {"Bad_Recursion", {"ERROR", -1, "RecursionError"}},
      {"Bad_Segfault", {"CRASH", -1, "died of SIGSEGV"}},
      {"Bad_SetupInfinite", {"TIMEOUT", -1, "timeout: still running"}},
      {"Bad_SetupRaises", {"ERROR", 6, "the setup raised ZeroDivisionError"}},
      {"Bad_SignalSelf", {"CRASH", -1, "died of SIGTERM"}},
      {"Bad_SyntaxError", {"ERROR", 3, "syntax error: expected ':'"}},
      {"Bad_SysExit", {"ERROR", 13, "the actor raised SystemExit: 3"}},
      {"Bad_ThreadsString", {"ERROR", 3, "THREADS must be a positive int, not '2'"}},
      {"Bad_UnhashableOutcome", {"ERROR", -1, "unhashable type: 'list'"}},
      {"Bad_UnjoinedThreads", {"SAFE", -1, ""}},
  };
  // A good case after every hostile one: it must be unaffected by all of them.
  Run r = pyrace("run tests/data/bad cases/counters/Counter_02_AugAssign_Lock.py --timeout 3 --max-output 8");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  auto m = by_name(r);
  for (const auto& [name, e] : table) {
    INFO(name);
    REQUIRE(m.count(name));
    const json& j = m[name];
    CHECK(j["verdict"] == e.verdict);
    if (e.line >= 0) CHECK(j["line"] == e.line);
    std::string all = j["message"].get<std::string>() + j["output_tail"].get<std::string>() + j["traceback"].get<std::string>();
    CHECK_THAT(all, ContainsSubstring(e.message));
  }
  CHECK(m.size() == table.size() + 1);
  CHECK(m["Counter_02_AugAssign_Lock"]["verdict"] == "SAFE");
  CHECK(m["Counter_02_AugAssign_Lock"]["as_expected"] == true);
  CHECK(m["Bad_Fork"]["trials"] == 2);  // the forked children reported nothing
}

TEST_CASE("a case file removed during the run is an error for that case only", "[integration][supervise]") {
  fs::path dir = scratch("removed");
  fs::create_directories(dir);
  fs::copy_file(fs::path(PYRACE_SOURCE_DIR) / "tests/data/interrupt/B_Slow.py", dir / "A_Slow.py",
                fs::copy_options::overwrite_existing);
  fs::copy_file(fs::path(PYRACE_SOURCE_DIR) / "cases/counters/Counter_02_AugAssign_Lock.py", dir / "B_Gone.py",
                fs::copy_options::overwrite_existing);
  fs::copy_file(fs::path(PYRACE_SOURCE_DIR) / "cases/counters/Counter_02_AugAssign_Lock.py", dir / "C_Stays.py",
                fs::copy_options::overwrite_existing);
  Run r = pyrace(fmt::format("run {} --time-budget 2", quote(dir.string())), true, "",
                 fmt::format("& sleep 1; rm {}; wait", quote((dir / "B_Gone.py").string())));
  auto m = by_name(r);
  INFO(r.out);
  REQUIRE(m.size() == 3);
  CHECK(m["A_Slow"]["verdict"] == "SAFE");
  CHECK(m["B_Gone"]["verdict"] == "ERROR");
  CHECK_THAT(m["B_Gone"]["message"].get<std::string>(), ContainsSubstring("cannot read the case file"));
  CHECK(m["C_Stays"]["verdict"] == "SAFE");
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
  Run r = pyrace("run cases/isolated -t 1,3 -n 200 --trials 5");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.records.size() == 2);
  CHECK(r.records[0]["config"]["threads"] == 1);
  CHECK(r.records[1]["config"]["threads"] == 3);
  for (const auto& j : r.records) {
    CHECK(j["config"]["iterations"] == 200);
    CHECK(j["trials"] == 5);
  }
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

TEST_CASE("an interpreter that cannot start is an environment error (exit 3)", "[integration][supervise][py]") {
  Run r = pyrace("run cases/counters", false, "PYRACE_PYTHON_HOME=/nonexistent");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, ContainsSubstring("environment error"));
}

TEST_CASE("SIGINT stops the run cleanly: finished results kept, partial table, exit 130", "[integration][supervise]") {
  fs::path results = scratch("interrupted.jsonl");
  fs::remove(results);
  std::string cmd = fmt::format(
      "cd {0} && ({1} run tests/data/interrupt --time-budget 60 --color never --json {2} & p=$!; "
      // Interrupt once the fast case's result is on disk (however loaded the machine is).
      "for i in $(seq 600); do [ \"$(wc -l < {2} 2>/dev/null || echo 0)\" -ge 1 ] && break; sleep 0.1; done; "
      "sleep 0.5; kill -INT $p; wait $p; echo \"exit=$?\") 2>&1",
      quote(PYRACE_SOURCE_DIR), quote(PYRACE_BIN), quote(results.string()));
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  INFO(out);
  CHECK_THAT(out, ContainsSubstring("exit=130"));
  CHECK_THAT(out, ContainsSubstring("interrupted: partial results"));
  std::ifstream f(results);
  std::vector<json> recs;
  std::string line;
  while (std::getline(f, line)) recs.push_back(json::parse(line));
  REQUIRE(recs.size() == 1);  // the finished case; the interrupted one is not reported as a result
  CHECK(recs[0]["name"] == "A_Fast");
  CHECK(recs[0]["verdict"] == "SAFE");
}

// Verdict per plan unit, for comparing reports: timings and rates vary, verdicts must not.
std::vector<std::string> verdicts_of(const Run& r) {
  std::vector<std::string> v;
  for (const auto& j : r.records)
    v.push_back(j["key"].get<std::string>() + "=" + j["verdict"].get<std::string>());
  return v;
}

TEST_CASE("shards split the plan deterministically and merge into one run's report", "[integration][flags][results]") {
  // Loop cases whose verdicts do not hang on luck at small budgets (racy ones fail ~every trial).
  const std::string sel = "cases/counters cases/dicts cases/lists cases/isolated -k 'not oneshot' -k 'not vsdouble' --trials 20";
  Run whole = pyrace("run " + sel);
  REQUIRE(whole.exit_code == 0);
  fs::path a = scratch("shard1.jsonl"), b = scratch("shard2.jsonl"), c = scratch("shard3.jsonl");
  for (auto [i, f] : std::vector<std::pair<int, fs::path>>{{1, a}, {2, b}, {3, c}}) {
    Run s = pyrace(fmt::format("run {} --shard {}/3 --json {}", sel, i, quote(f.string())), false);
    CHECK(s.exit_code == 0);
  }
  Run merged = pyrace(fmt::format("report {} {} {} --color never -r json::out={}", quote(a.string()), quote(b.string()),
                                  quote(c.string()), quote(scratch("results.jsonl").string())),
                      false);  // the helper reads results.jsonl back into merged.records
  CHECK(merged.exit_code == 0);
  CHECK(verdicts_of(merged) == verdicts_of(whole));
  CHECK(pyrace("run cases --shard 4/3", false).exit_code == 2);
  CHECK(pyrace("run cases --shard x", false).exit_code == 2);
}

TEST_CASE("kill -9 in the middle, then --resume: the report equals an uninterrupted run's", "[integration][supervise][results]") {
  const std::string sel = "cases/counters cases/dicts cases/lists cases/isolated -k 'not oneshot' -k 'not vsdouble' --trials 200";
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
  Run report = pyrace(fmt::format("report {} -r json::out={}", quote(f.string()), quote(scratch("results.jsonl").string())),
                      false);  // the helper reads results.jsonl back into report.records
  CHECK(verdicts_of(report) == verdicts_of(whole));
}

TEST_CASE("report refuses a file that is not pyrace results, naming the line", "[integration][report][results]") {
  fs::path f = scratch("garbage.jsonl");
  std::ofstream(f) << "{\"schema\": \"pyrace.result/1\", \"name\": \"x\", \"status\": \"ok\"}\nnot json\n";
  Run r = pyrace("report " + quote(f.string()), false);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, ContainsSubstring("garbage.jsonl:2: not a pyrace result record"));
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

TEST_CASE("report renders junit, markdown and the catalog from raw results", "[integration][report]") {
  fs::path raw = scratch("formats.jsonl");
  Run r = pyrace(fmt::format("run cases/counters tests/data/bad/Bad_Segfault.py tests/data/bad/Bad_Expect.py --trials 20 "
                             "--gil both --json {}", quote(raw.string())),
                 false);
  CHECK(r.exit_code == 1);
  fs::path xml = scratch("r.xml"), md = scratch("r.md"), cat = scratch("catalog.md");
  Run rep = pyrace(fmt::format("report {} --format junit::out={} --format markdown::out={} -r catalog::out={}",
                               quote(raw.string()), quote(xml.string()), quote(md.string()), quote(cat.string())),
                   false);
  CHECK(rep.exit_code == 1);  // the report's exit status is the run's
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  std::string junit = slurp(xml);
  CHECK_THAT(junit, ContainsSubstring("<testsuites name=\"pyrace\" tests=\"16\""));
  CHECK_THAT(junit, ContainsSubstring("name=\"Bad_Segfault[gil=off,t=2]\""));
  CHECK_THAT(junit, ContainsSubstring("<error message=\"the worker died of SIGSEGV"));
  CHECK_THAT(junit, ContainsSubstring("classname=\"pyrace.counters\""));
  std::string markdown = slurp(md);
  CHECK_THAT(markdown, ContainsSubstring("| case | expect | verdict | GIL | threads | error rate [95% CI]"));
  CHECK_THAT(markdown, ContainsSubstring("### Patterns beside their fixes"));
  CHECK_THAT(markdown, ContainsSubstring("Counter_01_AugAssign_NoLock (fix: Counter_02_AugAssign_Lock)"));
  CHECK_THAT(markdown, ContainsSubstring("### Failures and known bugs"));
  std::string catalog = slurp(cat);
  CHECK_THAT(catalog, ContainsSubstring("# The pyrace catalog"));
  CHECK_THAT(catalog, ContainsSubstring("## counters"));
  CHECK_THAT(catalog, ContainsSubstring("### Counter_05_IncrementVsDouble_NoLock"));
}

TEST_CASE("explain shows why, the source, the bytecode window and the measured numbers", "[integration][cli]") {
  Run r = pyrace("explain Counter_01 --trials 20 --color never", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("LOAD_ATTR"));
  CHECK_THAT(r.out, ContainsSubstring("first read of shared state"));
  CHECK_THAT(r.out, ContainsSubstring("last write"));
  CHECK_THAT(r.out, ContainsSubstring("fixed twin Counter_02_AugAssign_Lock"));
  CHECK_THAT(r.out, ContainsSubstring("The fix costs"));
  for (const auto& line : [&] {
         std::vector<std::string> v;
         std::istringstream in(r.out);
         for (std::string l; std::getline(in, l);) v.push_back(l);
         return v;
       }()) {
    // 80 columns (box-drawing characters are 3 bytes, but one column, each)
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    CHECK(cols <= 80);
  }
  Run ambiguous = pyrace("explain Counter --no-run", false);
  CHECK(ambiguous.exit_code == 2);
  CHECK_THAT(ambiguous.out, ContainsSubstring("matches"));
}

TEST_CASE("table measures the quoted table, GIL off and on", "[integration][cli][report]") {
  Run r = pyrace("table --trials 20", false);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("shared counter without lock"));
  CHECK_THAT(r.out, ContainsSubstring("isolated tasks"));
  CHECK_THAT(r.out, ContainsSubstring("proper locking"));
  CHECK_THAT(r.out, ContainsSubstring("GIL on"));
}

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

#ifdef PYRACE_TSAN_SUPPRESSIONS
TEST_CASE("tsan: a racy extension gives verdict TSAN naming the function; its atomic twin gives none", "[integration][tsan]") {
  Run r = pyrace("run tests/data/tsan --timeout 300");
  INFO(r.out);
  auto m = by_name(r);
  REQUIRE(m.size() == 2);
  const json& racy = m["Tsan_01_RacyExtension"];
  CHECK(racy["verdict"] == "TSAN");
  REQUIRE(racy["tsan"].size() >= 1);
  CHECK(racy["tsan"][0]["type"] == "data race");
  CHECK_THAT(racy["tsan"][0]["signature"].get<std::string>(), ContainsSubstring("bump"));
  // The message names the case, which actor each thread ran, and function file:line of both accesses.
  const std::string msg = racy["message"].get<std::string>();
  CHECK_THAT(msg, ContainsSubstring("in case Tsan_01_RacyExtension (actor() on 2 threads)"));
  CHECK_THAT(msg, ContainsSubstring("by T1 (actor 1): bump racyext.c:"));
  CHECK_THAT(msg, ContainsSubstring("by main thread (actor 0, setup, arbiter): bump racyext.c:"));
  CHECK_THAT(msg, ContainsSubstring("< cfunction_vectorcall_NOARGS Objects/methodobject.c:"));
  // The console shows the top frames; the JSON keeps the whole report.
  CHECK_THAT(r.out, ContainsSubstring("    >     #3 "));
  CHECK_THAT(r.out, !ContainsSubstring("    >     #4 "));
  CHECK_THAT(racy["tsan"][0]["text"].get<std::string>(), ContainsSubstring("#4 "));
  CHECK(racy["tsan_suppressed"].is_null());  // not asked for
  CHECK_THAT(r.out, ContainsSubstring("ThreadSanitizer: "));
  const json& atomic = m["Tsan_02_AtomicExtension"];
  CHECK(atomic["verdict"] == "SAFE");
  CHECK(atomic["tsan"].empty());
  CHECK(r.exit_code == 1);  // TSAN is not what EXPECT says
  CHECK_THAT(r.out, ContainsSubstring("ThreadSanitizer: 1 distinct race"));

  // Two "builds": without the racy call, then with it: the race is NEW, and the same run twice
  // has it persisting (SAME), which is no regression.
  fs::path base = scratch("tsan-base.jsonl"), cand = scratch("tsan-cand.jsonl");
  pyrace(fmt::format("run tests/data/tsan -k atomic --json {}", quote(base.string())), false);
  pyrace(fmt::format("run tests/data/tsan --json {}", quote(cand.string())), false);
  Run c = pyrace(fmt::format("compare {} {}", quote(base.string()), quote(cand.string())), false);
  INFO(c.out);
  CHECK(c.exit_code == 1);
  CHECK_THAT(c.out, ContainsSubstring("TSAN NEW     data race: bump | bump"));
  Run same = pyrace(fmt::format("compare {} {}", quote(cand.string()), quote(cand.string())), false);
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.out, ContainsSubstring("TSAN SAME    data race: bump | bump"));
}

TEST_CASE("tsan: --show-suppressed lists what CPython's own suppressions silenced, per case and in the JSON", "[integration][tsan]") {
  Run r = pyrace("run tests/data/tsan_suppressed --show-suppressed --timeout 300");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  REQUIRE(r.records.size() == 1);
  const json& j = r.records[0];
  CHECK(j["verdict"] == "SAFE");
  REQUIRE(j["tsan_suppressed"].is_array());
  bool found = false;
  for (const auto& s : j["tsan_suppressed"])
    if (s["suppression"] == "race_top:rangeiter_next") found = s["count"].get<long>() > 0;
  CHECK(found);
  CHECK_THAT(r.out, ContainsSubstring("race_top:rangeiter_next"));
  CHECK_THAT(r.out, ContainsSubstring("suppressed: "));
  // Without the flag the worker ends with _exit and nothing is collected.
  Run quiet = pyrace("run tests/data/tsan_suppressed --timeout 300");
  REQUIRE(quiet.records.size() == 1);
  CHECK(quiet.records[0]["tsan_suppressed"].is_null());
  CHECK_THAT(quiet.out, !ContainsSubstring("rangeiter_next"));
}
#endif

TEST_CASE("list shows cases without running them", "[integration][cli][discover]") {
  Run r = pyrace("list cases", false);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("Counter_01_AugAssign_NoLock"));
  CHECK_THAT(r.out, ContainsSubstring("racy"));
  CHECK_THAT(r.out, ContainsSubstring("single"));
}
