#include <catch2/catch_test_macros.hpp>

#include "results/record.hpp"
#include "report/reporter.hpp"

using namespace pyrace;

TEST_CASE("records survive a JSON round trip, and grading is recomputed", "[results][grading]") {
  Record r;
  r.name = "Counter_01";
  r.path = "cases/counters/Counter_01.py";
  r.config = Config{"off", 4, 1000, 50, 2.5, true};
  r.expect = "racy";
  r.shape = "loop";
  r.status = "ok";
  r.trials = 50;
  r.outcomes = {{"'lost'", "FORBIDDEN", 20}, {"'ok'", "ACCEPTABLE", 30}};
  r.first_forbidden_s = 0.001;
  grade_record(r);
  auto j = to_json(r);
  CHECK(j["schema"] == kSchema);
  CHECK(j["verdict"] == "RACY");

  j["verdict"] = "SAFE";  // a tampered verdict is not trusted
  Record back = record_from_json(j);
  CHECK(back.verdict == Verdict::Racy);
  CHECK(back.name == r.name);
  CHECK(back.config.threads == 4);
  CHECK(back.config.early_stop);
  CHECK(back.outcomes.size() == 2);
  CHECK(back.forbidden == 20);
  CHECK(back.first_forbidden_s == r.first_forbidden_s);
}

TEST_CASE("a record without a name is rejected", "[results]") {
  CHECK_THROWS(record_from_json(nlohmann::json{{"status", "ok"}}));
}

TEST_CASE("error rates are printed with their interval, safe ones with the upper bound", "[report]") {
  Record r;
  r.status = "ok";
  r.trials = 100;
  r.outcomes = {{"'ok'", "ACCEPTABLE", 100}};
  grade_record(r);
  CHECK(format_rate(r) == "0% (<= 3.7%)");
  r.outcomes = {{"'lost'", "FORBIDDEN", 83}, {"'ok'", "ACCEPTABLE", 17}};
  grade_record(r);
  CHECK(format_rate(r) == "83% [74.5, 89.1]");
  r.trials = 1000000;
  r.outcomes = {{"'lost'", "FORBIDDEN", 1234}, {"'ok'", "ACCEPTABLE", 1000000 - 1234}};
  grade_record(r);
  CHECK(format_rate(r) == "0.123% [0.117, 0.13]");
}

TEST_CASE("reporters are chosen by name", "[report]") {
  CHECK(make_reporter("console", false) != nullptr);
  CHECK_THROWS_AS(make_reporter("xml", false), ReporterError);
  CHECK_THROWS_AS(make_reporter("json::out=/nonexistent-dir/r.jsonl", false), ReporterError);
  CHECK_THROWS_AS(make_reporter("json::file=x", false), ReporterError);
}
