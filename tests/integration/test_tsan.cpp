// ThreadSanitizer builds only: pyrace run and compare end to end with a racy extension.
#include "support.hpp"

using namespace pyrace_it;

#ifdef PYRACE_TSAN_SUPPRESSIONS
TEST_CASE("tsan: a racy extension gives verdict TSAN naming the function; its atomic twin gives none",
          "[integration][tsan]") {
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

TEST_CASE("tsan: --show-suppressed lists what CPython's own suppressions silenced, per case and in the JSON",
          "[integration][tsan]") {
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
