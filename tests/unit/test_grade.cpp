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
  CHECK(verdict_from_counts(0, 100) == Verdict::Safe);
  CHECK(verdict_from_counts(1, 100) == Verdict::Racy);
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
  for (Verdict v : {Verdict::Safe, Verdict::Racy, Verdict::Error, Verdict::Gil, Verdict::Crash, Verdict::Timeout,
                    Verdict::Deadlock, Verdict::Tsan}) {
    Verdict back = Verdict::Safe;
    REQUIRE(parse_verdict(to_string(v), back));
    CHECK(back == v);
  }
  Verdict dummy;
  CHECK_FALSE(parse_verdict("BOGUS", dummy));
}

TEST_CASE("names.def: graded verdicts, grade and shape names as the JSON and the cases spell them", "[grading][results]") {
  CHECK(is_graded(Verdict::Safe));
  CHECK(is_graded(Verdict::Racy));
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
