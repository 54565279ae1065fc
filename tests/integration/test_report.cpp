// pyrace report end to end: formats rendered from raw results, and refusal of what is not results.
#include "support.hpp"

#include <fstream>
#include <iterator>

using namespace pyrace_it;

TEST_CASE("report refuses a file that is not pyrace results, naming the line", "[integration][report][results]") {
  fs::path f = scratch("garbage.jsonl");
  std::ofstream(f) << "{\"schema\": \"pyrace.result/1\", \"name\": \"x\", \"status\": \"ok\"}\nnot json\n";
  Run r = pyrace("report " + quote(f.string()), false);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, ContainsSubstring("garbage.jsonl:2: not a pyrace result record"));
}

TEST_CASE("report renders junit, markdown and the catalog from raw results", "[integration][report]") {
  fs::path raw = scratch("formats.jsonl");
  Run r =
      pyrace(fmt::format("run cases/counters tests/data/bad/Bad_Segfault.py tests/data/bad/Bad_Expect.py --trials 20 "
                         "--gil both --json {}",
                         quote(raw.string())),
             false);
  CHECK(r.exit_code == 1);
  fs::path xml = scratch("r.xml"), md = scratch("r.md"), cat = scratch("catalog.md");
  Run rep = pyrace(fmt::format("report {} --format junit::out={} --format markdown::out={} -r catalog::out={}",
                               quote(raw.string()), quote(xml.string()), quote(md.string()), quote(cat.string())),
                   false);
  CHECK(rep.exit_code == 1);  // the report's exit status is the run's: a mismatch outranks INCONCLUSIVE
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  std::string junit = slurp(xml);
  CHECK_THAT(junit, ContainsSubstring("<testsuites name=\"pyrace\" tests=\"16\""));
  CHECK_THAT(junit, ContainsSubstring("name=\"Bad_Segfault[gil=off,t=2]\""));
  CHECK_THAT(junit, ContainsSubstring("<error message=\"the worker died of SIGSEGV"));
  CHECK_THAT(junit, ContainsSubstring("classname=\"pyrace.counters\""));
  // 20 trials are too few for SAFE: the locked counters are INCONCLUSIVE, failures saying why.
  CHECK_THAT(junit, ContainsSubstring("<failure message=\"INCONCLUSIVE (expected safe), error rate 0 forbidden in "));
  CHECK_THAT(junit, ContainsSubstring("target 5%), 20 trials: too few trials"));
  CHECK_THAT(junit, ContainsSubstring("type=\"INCONCLUSIVE\""));
  std::string markdown = slurp(md);
  CHECK_THAT(markdown, ContainsSubstring("| case | expect | verdict | GIL | threads | error rate [95% CI]"));
  CHECK_THAT(markdown, ContainsSubstring("### Patterns beside their fixes"));
  CHECK_THAT(markdown, ContainsSubstring("Counter_01_AugAssign_NoLock (fix: Counter_02_AugAssign_Lock)"));
  CHECK_THAT(markdown, ContainsSubstring("### Failures, inconclusive results, known bugs and exceptions"));
  CHECK_THAT(markdown, ContainsSubstring("| Counter_02_AugAssign_Lock | safe | INCONCLUSIVE *not shown safe* | off |"));
  CHECK_THAT(markdown, ContainsSubstring("3 inconclusive"));
  std::string catalog = slurp(cat);
  CHECK_THAT(catalog, ContainsSubstring("# The pyrace catalog"));
  CHECK_THAT(catalog, ContainsSubstring("## counters"));
  CHECK_THAT(catalog, ContainsSubstring("### Counter_05_IncrementVsDouble_NoLock"));
  CHECK_THAT(catalog, ContainsSubstring("INCONCLUSIVE: too few trials"));
  // With --allow-inconclusive, JUnit skips them instead (the exit status stays the mismatches' 1).
  Run allowed = pyrace(
      fmt::format("report {} --allow-inconclusive -r junit::out={}", quote(raw.string()), quote(xml.string())), false);
  CHECK(allowed.exit_code == 1);
  junit = slurp(xml);
  CHECK_THAT(junit, ContainsSubstring("<skipped message=\"INCONCLUSIVE (expected safe)"));
  CHECK_THAT(junit, ContainsSubstring("(allowed: --allow-inconclusive)"));
}

TEST_CASE("report: exit 4 for INCONCLUSIVE where SAFE was expected, 1 where RACY was",
          "[integration][report][grading]") {
  // Fabricated raw results: the grading is recomputed from them (trials, outcomes, concurrency).
  auto record = [](const std::string& name, const std::string& expect, long trials, double concurrent) {
    return json{
        {"schema", "pyrace.result/1"},
        {"name", name},
        {"path", "cases/x/" + name + ".py"},
        {"status", "ok"},
        {"expect", expect},
        {"shape", "loop"},
        {"config", {{"gil", "off"}, {"threads", 2}}},
        {"trials", trials},
        {"concurrent_trials", concurrent},
        {"load_avg", 3.5},
        {"raised",
         json::array({{{"type", "KeyError"},
                       {"count", 2},
                       {"line", 9},
                       {"traceback",
                        "Traceback (most recent call last):\n  File \"x.py\", line 9, in actor\nKeyError: 'k'"}}})},
        {"outcomes", json::array({{{"outcome", "'ok'"}, {"grade", "ACCEPTABLE"}, {"count", trials}}})}};
  };
  fs::path safe = scratch("inconclusive-safe.jsonl"), racy = scratch("inconclusive-racy.jsonl");
  std::ofstream(safe) << record("Safe_Overlapped", "safe", 5200, 5120).dump() << "\n"
                      << record("Safe_NeverOverlapped", "safe", 100, 0).dump() << "\n";
  std::ofstream(racy) << record("Racy_NotSeen", "racy", 100, 20).dump() << "\n";
  fs::path md = scratch("inconclusive.md"), html = scratch("inconclusive.html");
  Run r = pyrace(fmt::format("report {} --color never -r console -r markdown::out={} -r html::out={}",
                             quote(safe.string()), quote(md.string()), quote(html.string())),
                 false);
  INFO(r.out);
  CHECK(r.exit_code == 4);
  CHECK_THAT(r.out, ContainsSubstring("SAFE         Safe_Overlapped"));
  CHECK_THAT(r.out, ContainsSubstring("0% (<= 0.075%, 5,120 concurrent of 5,200 trials; target 5%)"));
  CHECK_THAT(r.out, ContainsSubstring("INCONCLUSIVE Safe_NeverOverlapped"));
  CHECK_THAT(r.out, ContainsSubstring("0 forbidden in 0 concurrent of 100 trials (<= 100%, target 5%)"));
  CHECK_THAT(r.out, ContainsSubstring("too few trials where the actors overlapped"));
  CHECK_THAT(r.out, ContainsSubstring("concurrency 0% (0 of 100 trials), load 3.50"));
  CHECK_THAT(r.out, ContainsSubstring("raised KeyError x2 (line 9)"));
  CHECK_THAT(r.out, ContainsSubstring("| KeyError: 'k'"));
  CHECK_THAT(r.out, ContainsSubstring("1 inconclusive"));
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  std::string markdown = slurp(md);
  CHECK_THAT(markdown, ContainsSubstring("concurrency, load"));
  CHECK_THAT(markdown, ContainsSubstring("Raised in an actor: KeyError x2 (line 9)"));
  std::string page = slurp(html);
  CHECK_THAT(page, ContainsSubstring("v-INCONCLUSIVE"));
  CHECK_THAT(page, ContainsSubstring("raised KeyError x2 (line 9)"));
  CHECK(pyrace(fmt::format("report {} --allow-inconclusive", quote(safe.string())), false).exit_code == 0);
  // EXPECT racy and no FORBIDDEN outcome: the race was not seen, a mismatch however little ran.
  Run rr = pyrace(fmt::format("report {} --allow-inconclusive", quote(racy.string())), false);
  CHECK(rr.exit_code == 1);
  CHECK_THAT(rr.out, ContainsSubstring("NOT AS EXPECTED"));
}

TEST_CASE("report and run say which files they wrote, one line each on stderr", "[integration][report]") {
  fs::path raw = scratch("wrote.jsonl"), html = scratch("wrote.html"), md = scratch("wrote.md");
  Run r = pyrace(
      fmt::format(
          "run cases/counters/Counter_02_AugAssign_Lock.py --trials 5 --allow-inconclusive --color never --json {} "
          "-r console -r markdown::out={} 2>&1 >/dev/null",
          quote(raw.string()), quote(md.string())),
      false);
  INFO(r.out);  // stderr only
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("pyrace: wrote " + md.string() + "\n"));
  CHECK_THAT(r.out, ContainsSubstring("pyrace: wrote " + raw.string() + "\n"));
  fs::remove(md);
  Run rep = pyrace(fmt::format("report {} --allow-inconclusive -r html::out={} -r markdown::out={} 2>&1 >/dev/null",
                               quote(raw.string()), quote(html.string()), quote(md.string())),
                   false);
  INFO(rep.out);
  CHECK(rep.exit_code == 0);
  CHECK_THAT(rep.out, ContainsSubstring("pyrace: wrote " + html.string() + "\n"));
  CHECK_THAT(rep.out, ContainsSubstring("pyrace: wrote " + md.string() + "\n"));
  CHECK(fs::file_size(html) > 0);
  CHECK(fs::file_size(md) > 0);
  Run console = pyrace(fmt::format("report {} 2>&1 >/dev/null", quote(raw.string())), false);
  CHECK_THAT(console.out, !ContainsSubstring("wrote"));  // the console report to stdout is no file
}
