#include "results/record.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <optional>
#include <string_view>

namespace pyrace {

using nlohmann::json;

void grade_record(Record& r) {
  r.forbidden = r.interesting = 0;
  for (const auto& o : r.outcomes) {
    if (o.grade == to_string(Grade::Forbidden)) r.forbidden += o.count;
    if (o.grade == to_string(Grade::Interesting)) r.interesting += o.count;
  }
  r.error_rate = r.trials > 0 ? static_cast<double>(r.forbidden) / static_cast<double>(r.trials) : 0;
  r.ci = wilson95(r.forbidden, r.trials);
  r.bound = safety_bound(r.forbidden, r.trials, r.concurrent_trials, max_rate_in_effect(r.config.max_rate, r.shape));
  r.concurrency = r.concurrent_trials >= 0 && r.trials > 0
                      ? std::min(1.0, r.concurrent_trials / static_cast<double>(r.trials))
                      : -1;
  const double calls = static_cast<double>(r.trials) * r.config.threads *
                       (r.shape == to_string(Shape::Single) ? 1 : r.config.iterations);
  r.ops_per_s = r.elapsed_s > 0 ? calls / r.elapsed_s : 0;
  if (r.status == "ok" && !r.tsan.empty()) {
    r.verdict = Verdict::Tsan;  // a data race inside the interpreter or an extension outranks the outcomes
  } else if (r.status == "ok" && r.config.mode == "explore") {
    r.verdict = explore_verdict(r.explore);
  } else if (r.status == "ok") {
    r.verdict = verdict_from_counts(r.forbidden, r.bound);
  } else if (r.status == "gil") {
    r.verdict = Verdict::Gil;
  } else if (r.status == "crash") {
    r.verdict = Verdict::Crash;
  } else if (r.status == "timeout") {
    r.verdict = Verdict::Timeout;
  } else if (r.status == "deadlock") {
    r.verdict = Verdict::Deadlock;
  } else {
    r.verdict = Verdict::Error;
  }
  // EXPECT speaks of the free-threaded build with threads running concurrently: with the GIL
  // forced on, or with a single thread, the run is a comparison.
  r.expectation_applies = r.config.gil == "off" && (r.config.threads != 1 || r.status != "ok");
  const bool healthy = is_graded(r.verdict);
  r.as_expected = r.expectation_applies ? satisfies(r.verdict, r.expect) : healthy;
  // INCONCLUSIVE where SAFE was expected: not shown safe, not shown racy either. Where RACY was
  // expected it is a mismatch (the race was not seen), as SAFE would be.
  r.inconclusive = r.expectation_applies && r.verdict == Verdict::Inconclusive && r.expect == "safe";
  r.xfail = r.xpass = false;
  // KNOWN_BUG speaks of interpreter bugs that show under threads running together: explore runs
  // one thread at a time, outside what such a bug needs, so its verdict is graded as it is, unless
  // the bug shows even so (a one-thread bug, e.g. Interp_08's): then it is the known bug, XFAIL.
  // It concerns only the versions "affects" lists, and a race report only a TSan build: elsewhere
  // EXPECT applies (SAFE as expected; a crash there is a regression, not the known bug).
  r.known_bug_applies = !r.known_bug_verdict.empty() && affects_version(r.known_bug_affects, r.python) &&
                        (r.known_bug_verdict != to_string(Verdict::Tsan) || r.tsan_build);
  if (r.known_bug_applies && r.expectation_applies && r.config.mode == "explore" &&
      known_bug_shows_as(r.known_bug_verdict, r.verdict)) {
    r.xfail = r.as_expected = true;
    r.inconclusive = false;
  } else if (r.known_bug_applies && r.expectation_applies && r.config.mode != "explore") {
    // With a known bug, INCONCLUSIVE (on an EXPECT safe case) is neither: the bug did not show,
    // and too little ran to say it is gone. It stays inconclusive.
    r.xfail = known_bug_shows_as(r.known_bug_verdict, r.verdict);
    r.xpass = satisfies(r.verdict, r.expect);
    r.as_expected = r.xfail;
    if (r.xfail) r.inconclusive = false;
  }
}

json tsan_json(const std::vector<TsanReport>& reports) {
  json out = json::array();
  for (const auto& t : reports) {
    json stacks = json::array();
    for (const auto& a : t.stacks) {
      json frames = json::array();
      for (const auto& f : a.frames)
        frames.push_back({{"function", f.function}, {"file", f.file}, {"line", f.line}, {"module", f.module}});
      stacks.push_back({{"kind", a.kind}, {"thread", a.thread}, {"frames", frames}});
    }
    out.push_back({{"type", t.type},
                   {"signature", t.signature},
                   {"accesses", t.accesses},
                   {"stacks", stacks},
                   {"threads", t.thread_names},
                   {"text", t.text}});
  }
  return out;
}

TsanReport tsan_from_json(const json& t) {
  TsanReport r{t.value("type", ""),
               t.value("accesses", std::vector<std::vector<std::string>>{}),
               t.value("signature", ""),
               t.value("text", ""),
               {},
               {}};
  for (const auto& a : t.value("stacks", json::array())) {
    TsanAccess acc{a.value("kind", ""), a.value("thread", ""), {}};
    for (const auto& f : a.value("frames", json::array()))
      acc.frames.push_back(
          TsanFrame{f.value("function", ""), f.value("file", ""), f.value("line", 0), f.value("module", "")});
    r.stacks.push_back(std::move(acc));
  }
  r.thread_names = t.value("threads", std::map<std::string, std::string>{});
  return r;
}

json suppressed_json(const Record& r) {
  if (!r.tsan_suppressed_collected) return nullptr;
  json out = json::array();
  for (const auto& s : r.tsan_suppressed) out.push_back({{"suppression", s.suppression}, {"count", s.count}});
  return out;
}

json raised_json(const std::vector<RaisedKind>& raised) {
  json out = json::array();
  for (const auto& k : raised)
    out.push_back({{"type", k.type}, {"count", k.count}, {"line", k.line}, {"traceback", k.traceback}});
  return out;
}

json to_json(const Config& c) {
  return json{{"gil", c.gil},
              {"threads", c.threads},
              {"iterations", c.iterations},
              {"trials", c.trials},
              {"time_budget_s", c.time_budget_s},
              {"early_stop", c.early_stop},
              {"max_rate", c.max_rate},
              {"mode", c.mode},
              {"strategy", c.strategy},
              {"preemptions", c.preemptions},
              {"max_schedules", c.max_schedules},
              {"seed", c.seed},
              {"schedule", c.schedule},
              {"explore_points", c.explore_points},
              {"explore_cache", c.explore_cache},
              {"explore_scope", c.explore_scope},
              {"explore_engine", c.explore_engine},
              {"explore_stall_s", c.explore_stall_s}};
}

Config config_from_json(const json& j) {
  Config c;
  c.gil = j.value("gil", c.gil);
  c.threads = j.value("threads", c.threads);
  c.iterations = j.value("iterations", c.iterations);
  c.trials = j.value("trials", c.trials);
  c.time_budget_s = j.value("time_budget_s", c.time_budget_s);
  c.early_stop = j.value("early_stop", c.early_stop);
  c.max_rate = j.value("max_rate", c.max_rate);
  c.mode = j.value("mode", c.mode);
  c.strategy = j.value("strategy", c.strategy);
  c.preemptions = j.value("preemptions", c.preemptions);
  c.max_schedules = j.value("max_schedules", c.max_schedules);
  c.seed = j.value("seed", c.seed);
  c.schedule = j.value("schedule", c.schedule);
  c.explore_points = j.value("explore_points", c.explore_points);
  c.explore_cache = j.value("explore_cache", c.explore_cache);
  c.explore_scope = j.value("explore_scope", c.explore_scope);
  c.explore_engine = j.value("explore_engine", c.explore_engine);
  c.explore_stall_s = j.value("explore_stall_s", c.explore_stall_s);
  return c;
}

// Long: one line per field of the result record, in docs/results-schema.md's order.
json to_json(const Record& r) {
  json outcomes = json::array();
  for (const auto& o : r.outcomes)
    outcomes.push_back({{"outcome", o.outcome}, {"grade", o.grade}, {"count", o.count}, {"listed", o.listed}});
  return json{
      {"schema", kSchema},
      {"name", r.name},
      {"path", r.path},
      {"seq", r.seq},
      {"key", r.key},
      {"config", to_json(r.config)},
      {"expect", r.expect},
      {"shape", r.shape},
      {"named_actors", r.named_actors},
      {"actors", r.actors},
      {"fix", r.fix},
      {"known_bug", r.known_bug_verdict.empty() ? json(nullptr)
                                                : json{{"issue", r.known_bug_issue},
                                                       {"affects", r.known_bug_affects},
                                                       {"verdict", r.known_bug_verdict},
                                                       {"signature", r.known_bug_signature},
                                                       {"applies", r.known_bug_applies}}},
      {"xfail", r.xfail},
      {"xpass", r.xpass},
      {"doc", r.doc},
      {"classic", {{"row", r.classic_row}, {"quoted", r.classic_quoted}}},
      {"status", r.status},
      {"message", r.message},
      {"line", r.line},
      {"traceback", r.traceback},
      {"output_tail", r.output_tail},
      {"gil_modules", r.gil_modules},
      {"tsan", tsan_json(r.tsan)},
      {"tsan_suppressed", suppressed_json(r)},
      {"signal", r.signal},
      {"exit_code", r.exit_code},
      {"trials", r.trials},
      {"outcomes", outcomes},
      {"raised", raised_json(r.raised)},
      {"concurrent_trials", r.concurrent_trials},
      {"load_avg", r.load_avg},
      {"elapsed_s", r.elapsed_s},
      {"wall_s", r.wall_s},
      {"first_forbidden_s", r.first_forbidden_s},
      {"stop_reason", r.stop_reason},
      {"rounds", r.rounds},
      {"max_rss_kib", r.max_rss_kib},
      {"damage", r.damage_n
                     ? json{{"n", r.damage_n}, {"mean", r.damage_mean}, {"min", r.damage_min}, {"max", r.damage_max}}
                     : json(nullptr)},
      {"ops_per_s", r.ops_per_s},
      {"python", r.python},
      {"tsan_build", r.tsan_build},
      {"explore", r.explore},
      {"verdict", to_string(r.verdict)},
      {"forbidden", r.forbidden},
      {"interesting", r.interesting},
      {"error_rate", r.error_rate},
      {"ci95", {r.ci.lo, r.ci.hi}},
      {"evidence",
       {{"trials", r.bound.evidence},
        {"concurrent", r.bound.concurrent},
        {"concurrency", r.concurrency},
        {"upper95", r.bound.upper},
        {"max_rate", r.bound.target},
        {"reached", r.bound.reached()}}},
      {"inconclusive", r.inconclusive},
      {"expectation_applies", r.expectation_applies},
      {"as_expected", r.as_expected},
  };
}

void apply_run_fields(Record& r, const json& run) {
  r.trials = run.value("trials", 0L);
  for (const auto& o : run.value("outcomes", json::array()))
    r.outcomes.push_back(OutcomeCount{o.at("outcome").get<std::string>(), o.at("grade").get<std::string>(),
                                      o.at("count").get<long>(), o.value("listed", true)});
  for (const auto& k : run.value("raised", json::array()))
    r.raised.push_back(
        RaisedKind{k.value("type", ""), k.value("count", 0L), k.value("line", 0), k.value("traceback", "")});
  r.concurrent_trials = run.value("concurrent_trials", -1.0);
  r.load_avg = run.value("load_avg", -1.0);
  r.elapsed_s = run.value("elapsed_s", 0.0);
  r.first_forbidden_s = run.value("first_forbidden_s", -1.0);
  r.stop_reason = run.value("stop_reason", "");
  r.rounds = run.value("rounds", 0L);
  r.max_rss_kib = run.value("max_rss_kib", 0L);
  if (run.contains("damage") && run["damage"].is_object()) {
    r.damage_n = run["damage"].value("n", 0L);
    r.damage_mean = run["damage"].value("mean", 0.0);
    r.damage_min = run["damage"].value("min", 0.0);
    r.damage_max = run["damage"].value("max", 0.0);
  }
}

bool known_bug_shows_as(std::string_view verdicts, Verdict v) {
  // "CRASH or TSAN": any of them (the loader checked each is a verdict's name).
  const std::string name = to_string(v);
  for (size_t start = 0;;) {
    const size_t end = verdicts.find(" or ", start);
    if (verdicts.substr(start, end == std::string_view::npos ? end : end - start) == name) return true;
    if (end == std::string_view::npos) return false;
    start = end + 4;
  }
}

void apply_known_bug(Record& r, const json& known) {
  if (!known.is_object()) return;
  r.known_bug_issue = known.value("issue", "");
  r.known_bug_affects = known.value("affects", "");
  r.known_bug_verdict = known.value("verdict", "");
  r.known_bug_signature = known.value("signature", "");
}

namespace {
// The leading X.Y or X.Y.Z of a version ("3.14.7 free-threading build ...", "3.14.0rc1" -> 3.14.0).
// An absent micro is the lowest (as a version, or a range's start) or the highest (a range's end).
std::optional<std::array<long, 3>> leading_version(std::string_view s, bool high) {
  std::array<long, 3> v{0, 0, high ? std::numeric_limits<long>::max() : 0};
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return part == 2 ? std::optional(v) : std::nullopt;
      ++i;
    }
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    long n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && n < 1000000) n = n * 10 + (s[i++] - '0');
    v[part] = n;
  }
  return v;
}
}  // namespace

bool affects_version(const std::string& affects, const std::string& python) {
  const auto ran = leading_version(python, false);
  if (!ran) return true;
  bool readable = false;
  // Items split by spaces or commas: "*", "3.14.7", "3.14" (every 3.14.x), "3.14.0-3.14.7", "3.14.5-", "-3.14.6".
  for (size_t pos = 0; pos < affects.size();) {
    size_t end = affects.find_first_of(" ,\t", pos);
    std::string_view item(affects.data() + pos, (end == std::string::npos ? affects.size() : end) - pos);
    pos = end == std::string::npos ? affects.size() : end + 1;
    if (item.empty()) continue;
    if (item == "*") return true;
    const size_t dash = item.find('-');
    std::string_view lo_s = dash == std::string_view::npos ? item : item.substr(0, dash);
    std::string_view hi_s = dash == std::string_view::npos ? item : item.substr(dash + 1);
    std::optional<std::array<long, 3>> lo = lo_s.empty() ? std::array<long, 3>{0, 0, 0} : leading_version(lo_s, false);
    std::optional<std::array<long, 3>> hi =
        hi_s.empty() ? std::array<long, 3>{std::numeric_limits<long>::max(), 0, 0} : leading_version(hi_s, true);
    if (!lo || !hi) continue;
    readable = true;
    if (*lo <= *ran && *ran <= *hi) return true;
  }
  return !readable;
}

Record record_from_json(const json& j) {
  Record r;
  r.name = j.at("name").get<std::string>();
  r.path = j.value("path", "");
  r.seq = j.value("seq", 0L);
  r.key = j.value("key", "");
  if (j.contains("config")) r.config = config_from_json(j.at("config"));
  r.expect = j.value("expect", "");
  r.shape = j.value("shape", "");
  r.named_actors = j.value("named_actors", false);
  r.actors = j.value("actors", std::vector<std::string>{});
  r.fix = j.value("fix", "");
  apply_known_bug(r, j.value("known_bug", json()));
  r.doc = j.value("doc", "");
  if (j.contains("classic")) {
    r.classic_row = j.at("classic").value("row", "");
    r.classic_quoted = j.at("classic").value("quoted", "");
  }
  r.status = j.at("status").get<std::string>();
  r.message = j.value("message", "");
  r.line = j.value("line", 0);
  r.traceback = j.value("traceback", "");
  r.output_tail = j.value("output_tail", "");
  r.gil_modules = j.value("gil_modules", std::vector<std::string>{});
  for (const auto& t : j.value("tsan", json::array())) r.tsan.push_back(tsan_from_json(t));
  if (j.contains("tsan_suppressed") && j["tsan_suppressed"].is_array()) {
    r.tsan_suppressed_collected = true;
    for (const auto& s : j["tsan_suppressed"])
      r.tsan_suppressed.push_back(TsanSuppression{s.value("suppression", ""), s.value("count", 0L)});
  }
  r.signal = j.value("signal", 0);
  r.exit_code = j.value("exit_code", 0);
  apply_run_fields(r, j);
  r.wall_s = j.value("wall_s", 0.0);
  r.python = j.value("python", "");
  r.tsan_build = j.value("tsan_build", !r.tsan.empty());  // older files: a TSan report says it was one
  if (j.contains("explore")) r.explore = j["explore"];
  grade_record(r);  // grading is derived: recomputed, never trusted from the file
  return r;
}

}  // namespace pyrace
