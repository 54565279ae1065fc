#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>

#include "results/grade.hpp"
#include "results/record.hpp"

using namespace pyrace;
using Catch::Approx;

TEST_CASE("wilson95 matches published values", "[grading]") {
  // Reference values from the quadratic form of the Wilson interval, solved separately.
  auto i = wilson95(83, 100);
  CHECK(i.lo == Approx(0.7445).margin(1e-4));
  CHECK(i.hi == Approx(0.8911).margin(1e-4));
  auto half = wilson95(50, 100);
  CHECK(half.lo == Approx(0.4038).margin(1e-4));
  CHECK(half.hi == Approx(0.5962).margin(1e-4));
}

TEST_CASE("wilson95 at the edges", "[grading]") {
  auto zero = wilson95(0, 100);
  CHECK(zero.lo == 0);
  CHECK(zero.hi == Approx(0.0370).margin(1e-4));  // the "<= 3.7%" printed for a SAFE case
  auto all = wilson95(100, 100);
  CHECK(all.hi == 1);
  CHECK(all.lo == Approx(0.9630).margin(1e-4));
  auto none = wilson95(0, 0);
  CHECK(none.lo == 0);
  CHECK(none.hi == 0);
  auto big = wilson95(0, 1000000);
  CHECK(big.hi < 4e-6);
}

TEST_CASE("verdicts from counts and expectations", "[grading]") {
  CHECK(verdict_from_counts(0, safety_bound(0, 100, -1, 0.05)) == Verdict::Safe);
  CHECK(verdict_from_counts(0, safety_bound(0, 56, -1, 0.05)) == Verdict::Inconclusive);
  CHECK(verdict_from_counts(1, safety_bound(1, 100, -1, 0.05)) == Verdict::Racy);
  CHECK(verdict_from_counts(1, safety_bound(1, 2, -1, 0.05)) == Verdict::Racy);  // one FORBIDDEN outcome is proof
  CHECK_FALSE(satisfies(Verdict::Inconclusive, "safe"));
  CHECK_FALSE(satisfies(Verdict::Inconclusive, "racy"));
  CHECK(satisfies(Verdict::Safe, "safe"));
  CHECK_FALSE(satisfies(Verdict::Safe, "racy"));
  CHECK(satisfies(Verdict::Racy, "racy"));
  for (Verdict v : {Verdict::Error, Verdict::Gil, Verdict::Crash, Verdict::Timeout, Verdict::Deadlock}) {
    CHECK_FALSE(satisfies(v, "safe"));
    CHECK_FALSE(satisfies(v, "racy"));
  }
  CHECK_FALSE(satisfies(Verdict::Safe, "maybe"));
}

TEST_CASE("verdict names round-trip", "[grading]") {
  for (Verdict v : {Verdict::Safe, Verdict::Racy, Verdict::Inconclusive, Verdict::Error, Verdict::Gil, Verdict::Crash,
                    Verdict::Timeout, Verdict::Deadlock, Verdict::Tsan}) {
    Verdict back = Verdict::Safe;
    REQUIRE(parse_verdict(to_string(v), back));
    CHECK(back == v);
  }
  Verdict dummy;
  CHECK_FALSE(parse_verdict("BOGUS", dummy));
}

TEST_CASE("names.def: graded verdicts, grade and shape names as the JSON and the cases spell them",
          "[grading][results]") {
  CHECK(is_graded(Verdict::Safe));
  CHECK(is_graded(Verdict::Racy));
  CHECK(is_graded(Verdict::Inconclusive));
  CHECK(std::string(to_string(Verdict::Inconclusive)) == "INCONCLUSIVE");
  for (Verdict v : {Verdict::Error, Verdict::Gil, Verdict::Crash, Verdict::Timeout, Verdict::Deadlock, Verdict::Tsan})
    CHECK_FALSE(is_graded(v));
  CHECK(std::string(to_string(Verdict::Tsan)) == "TSAN");
  CHECK(std::string(to_string(Grade::Acceptable)) == "ACCEPTABLE");
  CHECK(std::string(to_string(Grade::Interesting)) == "INTERESTING");
  CHECK(std::string(to_string(Grade::Forbidden)) == "FORBIDDEN");
  CHECK(std::string(to_string(Shape::Loop)) == "loop");
  CHECK(std::string(to_string(Shape::Single)) == "single");
}

TEST_CASE("grade_record: histogram to verdict and error rate", "[grading][results]") {
  Record r;
  r.status = "ok";
  r.expect = "racy";
  r.trials = 100;
  r.outcomes = {{"'ok'", "ACCEPTABLE", 60}, {"'lost'", "FORBIDDEN", 30}, {"'odd'", "INTERESTING", 10}};
  grade_record(r);
  CHECK(r.verdict == Verdict::Racy);
  CHECK(r.forbidden == 30);
  CHECK(r.interesting == 10);
  CHECK(r.error_rate == Approx(0.30));
  CHECK(r.as_expected);

  SECTION("interesting outcomes alone do not make a case racy") {
    r.outcomes = {{"'ok'", "ACCEPTABLE", 90}, {"'odd'", "INTERESTING", 10}};
    grade_record(r);
    CHECK(r.verdict == Verdict::Safe);
    CHECK_FALSE(r.as_expected);
    CHECK_FALSE(r.inconclusive);  // EXPECT racy: a mismatch
    CHECK(is_mismatch(r));
  }
  SECTION("a worker that did not finish is never as expected") {
    for (const char* st : {"crash", "timeout", "deadlock", "gil", "exception", "malformed"}) {
      r.status = st;
      grade_record(r);
      CHECK_FALSE(r.as_expected);
    }
    r.status = "deadlock";
    grade_record(r);
    CHECK(r.verdict == Verdict::Deadlock);
  }
  SECTION("with the GIL forced on, EXPECT does not apply but failures still count") {
    r.config.gil = "on";
    r.outcomes = {{"'ok'", "ACCEPTABLE", 100}};
    grade_record(r);
    CHECK(r.verdict == Verdict::Safe);
    CHECK_FALSE(r.expectation_applies);
    CHECK(r.as_expected);
    r.status = "crash";
    grade_record(r);
    CHECK_FALSE(r.as_expected);
  }
}

TEST_CASE("the evidence: concurrent trials when measured, else all trials", "[grading]") {
  auto all = safety_bound(0, 100, -1, 0.05);
  CHECK_FALSE(all.concurrent);
  CHECK(all.evidence == 100);
  CHECK(all.upper == Approx(0.0370).margin(1e-4));
  CHECK(all.reached());
  auto few = safety_bound(0, 100, 20, 0.05);  // 20 trials in which the actors overlapped
  CHECK(few.concurrent);
  CHECK(few.evidence == 20);
  CHECK(few.upper == Approx(0.1611).margin(1e-4));
  CHECK_FALSE(few.reached());
  auto none = safety_bound(0, 20, 0, 0.05);  // the issue: 20 trials, the actors never overlapped
  CHECK(none.evidence == 0);
  CHECK(none.upper == 1);
  CHECK_FALSE(none.reached());
  auto fractional = safety_bound(0, 5200, 5120.5, 0.001);  // an estimate may be fractional
  CHECK(fractional.upper == Approx(7.5e-4).margin(1e-5));
  CHECK(fractional.reached());
  CHECK(safety_bound(0, 100, 250, 0.05).evidence == 100);  // never more than the trials
}

TEST_CASE("max rate in effect: the flag, else the shape's default", "[grading]") {
  CHECK(default_max_rate("loop") == kDefaultMaxRateLoop);
  CHECK(default_max_rate("single") == kDefaultMaxRateSingle);
  CHECK(default_max_rate("") == kDefaultMaxRateLoop);  // the default shape
  CHECK(max_rate_in_effect(0, "single") == kDefaultMaxRateSingle);
  CHECK(max_rate_in_effect(0.2, "single") == 0.2);
}

TEST_CASE("the per-shape defaults are reachable with the default trials", "[grading]") {
  // names.def explains the choice: the default budget reaches the target with room to spare.
  CHECK(safety_bound(0, kDefaultTrialsLoop, -1, kDefaultMaxRateLoop).reached());
  CHECK(safety_bound(0, kDefaultTrialsSingle, -1, kDefaultMaxRateSingle).reached());
  CHECK(evidence_needed(kDefaultMaxRateLoop) == 73);
  CHECK(evidence_needed(kDefaultMaxRateSingle) == 3838);
  CHECK(evidence_needed(0) == 0);
  for (double t : {0.5, 0.05, 0.01, 0.001, 1e-5}) {
    long n = evidence_needed(t);
    INFO(t);
    CHECK(wilson95(0, n).hi <= t);
    CHECK(wilson95(0, n - 1).hi > t);
  }
}

namespace {
Record safe_case(long trials, double concurrent = -1, const char* shape = "loop") {
  Record r;
  r.status = "ok";
  r.expect = "safe";
  r.shape = shape;
  r.config.threads = 2;
  r.trials = trials;
  r.concurrent_trials = concurrent;
  r.outcomes = {{"'ok'", "ACCEPTABLE", trials}};
  grade_record(r);
  return r;
}
}  // namespace

TEST_CASE("grade_record: SAFE needs the bound, else INCONCLUSIVE", "[grading][results]") {
  SECTION("56 trials: <= 6.4% does not reach 5%") {
    Record r = safe_case(56);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK(r.bound.upper == Approx(0.0642).margin(1e-4));
    CHECK(r.bound.target == kDefaultMaxRateLoop);
    CHECK_FALSE(r.as_expected);
    CHECK(r.inconclusive);
    CHECK_FALSE(is_mismatch(r));
  }
  SECTION("100 trials reach it") {
    Record r = safe_case(100);
    CHECK(r.verdict == Verdict::Safe);
    CHECK(r.as_expected);
    CHECK_FALSE(r.inconclusive);
    CHECK(r.concurrency == -1);
  }
  SECTION("100 trials of which 20 overlapped do not") {
    Record r = safe_case(100, 20);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK(r.bound.evidence == 20);
    CHECK(r.concurrency == Approx(0.2));
  }
  SECTION("the issue's case: 20 trials in which the actors never overlapped") {
    Record r = safe_case(20, 0);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK(r.concurrency == 0);
  }
  SECTION("single shape: its own default") {
    CHECK(safe_case(200000, -1, "single").verdict == Verdict::Safe);
    CHECK(safe_case(3837, -1, "single").verdict == Verdict::Inconclusive);
    CHECK(safe_case(3838, -1, "single").verdict == Verdict::Safe);
    CHECK(safe_case(200000, 5000, "single").verdict == Verdict::Safe);
    CHECK(safe_case(200000, 3000, "single").verdict == Verdict::Inconclusive);
  }
  SECTION("--max-rate overrides the default, both ways") {
    Record r = safe_case(56);
    r.config.max_rate = 0.1;
    grade_record(r);
    CHECK(r.verdict == Verdict::Safe);
    r = safe_case(100);
    r.config.max_rate = 0.01;
    grade_record(r);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK(r.bound.target == 0.01);
  }
  SECTION("EXPECT racy and INCONCLUSIVE is a mismatch: the race was not seen") {
    Record r = safe_case(20);
    r.expect = "racy";
    grade_record(r);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK_FALSE(r.inconclusive);
    CHECK(is_mismatch(r));
  }
  SECTION("RACY needs no more evidence than one FORBIDDEN outcome") {
    Record r = safe_case(3, 0);
    r.expect = "racy";
    r.outcomes = {{"'lost'", "FORBIDDEN", 1}, {"'ok'", "ACCEPTABLE", 2}};
    grade_record(r);
    CHECK(r.verdict == Verdict::Racy);
    CHECK(r.as_expected);
  }
  SECTION("GIL on and one thread: a comparison, never inconclusive against EXPECT") {
    Record r = safe_case(20);
    r.config.gil = "on";
    grade_record(r);
    CHECK(r.verdict == Verdict::Inconclusive);
    CHECK(r.as_expected);
    CHECK_FALSE(r.inconclusive);
    r.config.gil = "off";
    r.config.threads = 1;
    grade_record(r);
    CHECK(r.as_expected);
    CHECK_FALSE(r.inconclusive);
  }
  SECTION("KNOWN_BUG: the bug's verdict is XFAIL, INCONCLUSIVE stays inconclusive") {
    Record r = safe_case(20);
    r.known_bug_verdict = "RACY";
    grade_record(r);
    CHECK_FALSE(r.xfail);
    CHECK_FALSE(r.xpass);
    CHECK(r.inconclusive);
    CHECK_FALSE(is_mismatch(r));
    r.trials = 100;
    r.outcomes = {{"'ok'", "ACCEPTABLE", 100}};
    grade_record(r);
    CHECK(r.xpass);  // SAFE with enough evidence: the bug looks fixed
    CHECK(is_mismatch(r));
    r.outcomes = {{"'lost'", "FORBIDDEN", 1}, {"'ok'", "ACCEPTABLE", 99}};
    grade_record(r);
    CHECK(r.xfail);
    CHECK(r.as_expected);
    CHECK_FALSE(r.inconclusive);
  }
  SECTION("KNOWN_BUG under explore: the bug not showing is no XPASS (explore cannot make it show)") {
    Record r = safe_case(100);
    r.expect = "racy";
    r.known_bug_verdict = "CRASH";
    r.config.mode = "explore";
    r.explore = {{"strategy", "exhaustive"}, {"witness", {{"kind", "raised"}, {"outcome", "'raised ValueError'"}}}};
    r.outcomes = {{"'raised ValueError'", "FORBIDDEN", 1}, {"'ok'", "ACCEPTABLE", 7}};
    grade_record(r);
    CHECK(r.verdict == Verdict::Racy);
    CHECK_FALSE(r.xfail);
    CHECK_FALSE(r.xpass);
    CHECK(r.as_expected);
    CHECK_FALSE(is_mismatch(r));
    r.config.mode = "stress";  // the same verdict under stress: the bug looks fixed
    grade_record(r);
    CHECK(r.xpass);
    CHECK(is_mismatch(r));
  }
  SECTION("KNOWN_BUG under explore: a bug that shows one thread at a time is the known bug (XFAIL)") {
    Record r = safe_case(0);
    r.status = "crash";
    r.known_bug_verdict = "CRASH";
    r.config.mode = "explore";
    grade_record(r);
    CHECK(r.verdict == Verdict::Crash);
    CHECK(r.xfail);
    CHECK(r.as_expected);
    CHECK_FALSE(is_mismatch(r));
    r.known_bug_verdict = "TSAN";  // another verdict than the bug's: a failure, as under stress
    r.tsan_build = true;
    grade_record(r);
    CHECK_FALSE(r.xfail);
    CHECK(is_mismatch(r));
  }
  SECTION("a run that did not complete is never inconclusive") {
    Record r = safe_case(0);
    r.status = "crash";
    grade_record(r);
    CHECK(r.verdict == Verdict::Crash);
    CHECK_FALSE(r.inconclusive);
    CHECK(is_mismatch(r));
  }
}

TEST_CASE("KNOWN_BUG affects: versions, ranges, X.Y and *", "[grading][known_bug]") {
  const std::string v = "3.14.7 free-threading build (main, Nov 30 2026) [GCC 12.2.0]";
  CHECK(affects_version("3.14.7", v));
  CHECK(affects_version("3.14.5 3.14.7", v));
  CHECK(affects_version("3.14.5,3.14.7", v));
  CHECK_FALSE(affects_version("3.14.5 3.14.6", v));
  CHECK(affects_version("3.14.0-3.14.7", v));
  CHECK_FALSE(affects_version("3.14.0-3.14.6", v));
  CHECK(affects_version("3.14.5-", v));
  CHECK_FALSE(affects_version("3.14.8-", v));
  CHECK(affects_version("-3.14.7", v));
  CHECK(affects_version("3.14", v));
  CHECK_FALSE(affects_version("3.13", v));
  CHECK(affects_version("3.13-3.14", v));
  CHECK(affects_version("*", v));
  CHECK_FALSE(affects_version("3.14.70", v));
  CHECK(affects_version("3.14.0", "3.14.0rc1 free-threading build"));  // a pre-release counts as its version
  CHECK(affects_version("3.14.5", ""));      // version unknown: the bug is assumed, as before
  CHECK(affects_version("unreadable", v));   // nothing readable: assumed (the loader refuses such a case)
}

TEST_CASE("KNOWN_BUG is version-aware: XFAIL where it affects the build, EXPECT elsewhere", "[grading][known_bug]") {
  auto crashed = [](const std::string& python, const std::string& affects) {
    Record r = safe_case(0);
    r.status = "crash";
    r.python = python;
    r.known_bug_verdict = "CRASH";
    r.known_bug_affects = affects;
    grade_record(r);
    return r;
  };
  SECTION("a crash on an affected build is the known bug") {
    Record r = crashed("3.14.5 free-threading build", "3.14.5 3.14.6");
    CHECK(r.known_bug_applies);
    CHECK(r.xfail);
    CHECK_FALSE(is_mismatch(r));
  }
  SECTION("a crash on a build affects does not list is a failure: EXPECT applies") {
    Record r = crashed("3.14.7 free-threading build", "3.14.5 3.14.6");
    CHECK_FALSE(r.known_bug_applies);
    CHECK_FALSE(r.xfail);
    CHECK(is_mismatch(r));
  }
  SECTION("SAFE on a build affects does not list is as expected, no XPASS") {
    Record r = safe_case(100);
    r.python = "3.14.7 free-threading build";
    r.known_bug_verdict = "CRASH";
    r.known_bug_affects = "3.14.5 3.14.6";
    grade_record(r);
    CHECK(r.verdict == Verdict::Safe);
    CHECK(r.as_expected);
    CHECK_FALSE(r.xpass);
    r.known_bug_affects = "3.14.0-3.14.7";  // listed: SAFE there means the bug looks fixed
    grade_record(r);
    CHECK(r.xpass);
    CHECK(is_mismatch(r));
  }
  SECTION("a TSAN known bug applies only in a TSan build") {
    Record r = safe_case(100);
    r.python = "3.14.7 free-threading build";
    r.known_bug_verdict = "TSAN";
    r.known_bug_affects = "3.14.7";
    grade_record(r);
    CHECK_FALSE(r.known_bug_applies);  // a release build cannot see the race: SAFE is as expected
    CHECK(r.as_expected);
    CHECK_FALSE(r.xpass);
    r.tsan_build = true;
    grade_record(r);
    CHECK(r.known_bug_applies);
    CHECK(r.xpass);  // a TSan build without the race report: the bug looks fixed
    r.tsan = {TsanReport{}};
    grade_record(r);
    CHECK(r.verdict == Verdict::Tsan);
    CHECK(r.xfail);
  }
  SECTION("\"CRASH or TSAN\": a heap corruption crashes a release build, a TSan build may report its race first") {
    Record crash = crashed("3.14.7 free-threading build", "3.14.7");
    crash.known_bug_verdict = "CRASH or TSAN";
    grade_record(crash);
    CHECK(crash.known_bug_applies);
    CHECK(crash.xfail);
    Record race = safe_case(100);
    race.python = "3.14.7 free-threading build";
    race.known_bug_verdict = "CRASH or TSAN";
    race.known_bug_affects = "3.14.7";
    race.tsan_build = true;
    race.tsan = {TsanReport{}};
    grade_record(race);
    CHECK(race.verdict == Verdict::Tsan);
    CHECK(race.xfail);
    race.tsan.clear();
    race.tsan_build = false;  // a release build that ran it cleanly: the bug looks fixed
    grade_record(race);
    CHECK(race.known_bug_applies);
    CHECK(race.xpass);
    Record other = crashed("3.14.7 free-threading build", "3.14.7");
    other.known_bug_verdict = "TSAN or RACY";  // a crash is neither
    grade_record(other);
    CHECK_FALSE(other.xfail);
    CHECK(is_mismatch(other));
    CHECK(known_bug_shows_as("CRASH or TSAN", Verdict::Tsan));
    CHECK_FALSE(known_bug_shows_as("CRASH or TSAN", Verdict::Racy));
    CHECK_FALSE(known_bug_shows_as("CRASHED", Verdict::Crash));
  }
}
