#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "results/record.hpp"
#include "report/reporter.hpp"

using namespace pyrace;

TEST_CASE("records survive a JSON round trip, and grading is recomputed", "[results][grading]") {
  Record r;
  r.name = "Counter_01";
  r.path = "cases/counters/Counter_01.py";
  r.config.threads = 4;
  r.config.iterations = 1000;
  r.config.trials = 50;
  r.config.time_budget_s = 2.5;
  r.config.early_stop = true;
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
  CHECK(format_rate(r) == "0% (<= 3.7%, 100 trials; target 5%)");
  r.outcomes = {{"'lost'", "FORBIDDEN", 83}, {"'ok'", "ACCEPTABLE", 17}};
  grade_record(r);
  CHECK(format_rate(r) == "83% [74.5, 89.1]");
  r.trials = 1000000;
  r.outcomes = {{"'lost'", "FORBIDDEN", 1234}, {"'ok'", "ACCEPTABLE", 1000000 - 1234}};
  grade_record(r);
  CHECK(format_rate(r) == "0.123% [0.117, 0.13]");
}

TEST_CASE("SAFE and INCONCLUSIVE state the evidence, the bound and the target", "[report][grading]") {
  Record r;
  r.status = "ok";
  r.expect = "safe";
  r.config.threads = 2;
  r.shape = "loop";
  r.trials = 56;
  r.stop_reason = "time";
  r.outcomes = {{"'ok'", "ACCEPTABLE", 56}};
  grade_record(r);
  CHECK(format_rate(r) == "0 forbidden in 56 trials (<= 6.4%, target 5%)");
  CHECK(
      inconclusive_reason(r) ==
      "too few trials (the time budget ended it after 56): SAFE at target 5% needs 73 with no FORBIDDEN outcome, this "
      "run had 56; raise --trials/--time-budget or allow with --allow-inconclusive");
  CHECK(format_concurrency(r).empty());

  r.shape = "single";
  r.trials = 5200;
  r.concurrent_trials = 5120;
  r.load_avg = 1.5;
  r.stop_reason = "budget";
  r.outcomes = {{"'ok'", "ACCEPTABLE", 5200}};
  grade_record(r);
  CHECK(r.verdict == Verdict::Safe);
  CHECK(format_rate(r) == "0% (<= 0.075%, 5,120 concurrent of 5,200 states; target 0.1%)");
  CHECK(inconclusive_reason(r).empty());
  CHECK(format_concurrency(r) == "concurrency 98.5% (5,120 of 5,200 states), load 1.50");

  r.concurrent_trials = 20;
  grade_record(r);
  CHECK(r.verdict == Verdict::Inconclusive);
  CHECK(format_rate(r) == "0 forbidden in 20 concurrent of 5,200 states (<= 16%, target 0.1%)");
  CHECK_THAT(inconclusive_reason(r), Catch::Matchers::StartsWith("too few states where the actors overlapped: SAFE at "
                                                                 "target 0.1% needs 3,838"));
  CHECK(group_thousands(1234567) == "1,234,567");
  CHECK(group_thousands(12) == "12");
}

TEST_CASE("the grading's evidence is in the JSON, and a file's max rate grades it again", "[results][grading]") {
  Record r;
  r.name = "Safe_01";
  r.status = "ok";
  r.expect = "safe";
  r.shape = "loop";
  r.config.threads = 2;
  r.config.max_rate = 0.1;
  r.trials = 56;
  r.concurrent_trials = 50;
  r.load_avg = 0.5;
  r.raised = {{"KeyError", 3, 14, "Traceback ...\nKeyError: 'x'"}};
  r.outcomes = {{"'ok'", "ACCEPTABLE", 53}, {"raised KeyError", "ACCEPTABLE", 3}};
  grade_record(r);
  auto j = to_json(r);
  CHECK(j["verdict"] == "SAFE");  // 50 concurrent trials: <= 7.1%, target 10%
  CHECK(j["evidence"]["trials"] == 50);
  CHECK(j["evidence"]["concurrent"] == true);
  CHECK(j["evidence"]["max_rate"] == 0.1);
  CHECK(j["evidence"]["reached"] == true);
  CHECK(j["inconclusive"] == false);
  j["config"].erase("max_rate");  // an older file: the shape's default
  Record back = record_from_json(j);
  CHECK(back.verdict == Verdict::Inconclusive);
  CHECK(back.inconclusive);
  CHECK(back.raised.size() == 1);
  CHECK(back.raised[0].line == 14);
  CHECK(back.load_avg == 0.5);
  CHECK(raised_lines(back) == std::vector<std::string>{"KeyError x3 (line 14)"});
}

TEST_CASE("reporters are chosen by name", "[report]") {
  CHECK(make_reporter("console", false) != nullptr);
  CHECK_THROWS_AS(make_reporter("xml", false), ReporterError);
  CHECK_THROWS_AS(make_reporter("json::out=/nonexistent-dir/r.jsonl", false), ReporterError);
  CHECK_THROWS_AS(make_reporter("json::file=x", false), ReporterError);
}
