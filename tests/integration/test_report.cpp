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

TEST_CASE("report and run say which files they wrote, one line each on stderr", "[integration][report]") {
  fs::path raw = scratch("wrote.jsonl"), html = scratch("wrote.html"), md = scratch("wrote.md");
  Run r = pyrace(fmt::format("run cases/counters/Counter_02_AugAssign_Lock.py --trials 5 --color never --json {} "
                             "-r console -r markdown::out={} 2>&1 >/dev/null",
                             quote(raw.string()), quote(md.string())),
                 false);
  INFO(r.out);  // stderr only
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, ContainsSubstring("pyrace: wrote " + md.string() + "\n"));
  CHECK_THAT(r.out, ContainsSubstring("pyrace: wrote " + raw.string() + "\n"));
  fs::remove(md);
  Run rep = pyrace(fmt::format("report {} -r html::out={} -r markdown::out={} 2>&1 >/dev/null", quote(raw.string()),
                               quote(html.string()), quote(md.string())),
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
