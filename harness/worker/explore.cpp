#include "worker/explore.hpp"

#include <bit>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <unordered_map>

#include "loader_source.hpp"  // kExploreModelSource
#include "py/interp.hpp"
#include "worker/actor_pool.hpp"
#include "worker/clock.hpp"
#include "worker/fiber_pool.hpp"
#include "worker/scheduler.hpp"
#include "worker/stall_watch.hpp"
#include "worker/tally.hpp"

namespace pyrace {

using nlohmann::json;

namespace {
constexpr int kToolId =
    4;  // sys.monitoring tool ids 0-2 and 5 are taken by convention (debugger, coverage, profiler, optimizer)
constexpr const char* kModelFile = "<pyrace explore model>";

py::Ref g_model;  // explore_model, imported by prepare_explore
py::Ref g_sched_module;

json to_json_value(PyObject* o) {
  py::Ref json_mod = py::check(PyImport_ImportModule("json"));
  py::Ref s = py::check(PyObject_CallMethod(json_mod.get(), "dumps", "O", o));
  return json::parse(py::to_string(s.get()), nullptr, false);
}

// What one schedule gave.
struct ScheduleResult {
  AbortKind abort = AbortKind::None;
  std::string abort_reason;
  std::vector<std::string> deadlock;
  py::Ref outcome;  // null when the schedule was aborted or case code failed
  int raised_kind = -1;
  bool forbidden = false;
  std::vector<int> choices;
  int preemptions = 0;
};

class Explorer {
 public:
  Explorer(PyInterpreterState* interp, const LoadedCase& c, const ExploreParams& p)
      : c_(c), p_(p), hist_(c, 1000), raised_(c), err_(c) {
    PyObject* obj = c.obj.get();
    actors_ = actors_of(obj);
    single_actor_ = actors_.size() == 1 && actors_[0].name == "actor";
    n_ = single_actor_ ? p.threads : static_cast<int>(actors_.size());
    if (n_ > Scheduler::kMaxThreads) {
      PyErr_Format(PyExc_ValueError, "explore runs at most %d threads, the case asks for %d", Scheduler::kMaxThreads,
                   n_);
      throw py::ErrorAlreadySet{};
    }
    setup_ = attr(obj, "setup");
    arbiter_ = attr(obj, "arbiter");
    drive_ = attr(c.loader.get(), "drive");
    collect_ = PyObject_IsTrue(attr(obj, "arbiter_takes_results").get()) == 1;
    per_thread_ = PyObject_IsTrue(attr(obj, "per_thread_state").get()) == 1;
    iterations_ = py::check(PyLong_FromLong(c.shape == to_string(Shape::Loop) ? p.iterations : 1));
    nthreads_obj_ = py::check(PyLong_FromLong(n_));
    for (int i = 0; i < n_; ++i) indices_.push_back(py::check(PyLong_FromLong(i)));
    arbiter_line_ = static_cast<int>(
        PyLong_AsLong(py::check(PyObject_CallMethod(c.loader.get(), "first_line", "O", arbiter_.get())).get()));
    sched_.emplace(n_);
    attach_scheduler(&*sched_);
    if (p.engine == "fibers" && FiberPool::available()) {
      fibers_.emplace(interp, n_);
      sched_->set_fibers(&*fibers_);
      fibers_->set_picker([this](int self) { return sched_->next_holder(self); });
    } else {
      pool_.emplace(interp, n_, false, /*handoff=*/true);
      sched_->set_spin(pool_->fits_cores());  // a short spin before sleeping, when every actor has a core
    }
    instrument();
  }
  ~Explorer() { attach_scheduler(nullptr); }

  int threads() const { return n_; }
  const char* engine() const { return fibers_ ? "fibers" : "threads"; }
  PyObject* case_object() const { return c_.obj.get(); }
  const Actor& actor_for(int t) const { return single_actor_ ? actors_[0] : actors_[t]; }
  const Scheduler& scheduler() const { return *sched_; }
  Scheduler& scheduler() { return *sched_; }
  bool failed() const { return err_.set(); }

  // Runs one schedule: fresh state, actors released under the scheduler, then the outcome.
  // count: add the outcome to the histogram (the witness's replay does not count again).
  ScheduleResult run(Scheduler::Chooser choose, PyObject* tracer = nullptr, bool count = true) {
    ScheduleResult r;
    py::Ref state = py::Ref::steal(PyObject_CallNoArgs(setup_.get()));
    if (!state) {
      err_.capture("setup");
      return r;
    }
    py::Ref own;
    if (per_thread_) {
      own = py::Ref::steal(
          PyObject_CallMethod(c_.loader.get(), "own_states", "OOO", state.get(), nthreads_obj_.get(), c_.path.get()));
      if (!own) {
        err_.capture("setup");
        return r;
      }
    }
    std::atomic<int> kind{-1};
    py::Ref results = collect_ ? py::check(PyTuple_New(n_)) : py::Ref();  // per thread: its returns
    for (int t = 0; collect_ && t < n_; ++t) PyTuple_SET_ITEM(results.get(), t, py::check(PyList_New(0)).release());
    release_actors(std::move(choose), tracer, state.get(), own.get(), results.get(), kind);
    r.abort = sched_->abort_kind();
    r.abort_reason = sched_->abort_reason();
    r.deadlock = sched_->deadlock();
    r.choices = sched_->choices();
    r.preemptions = sched_->preemptions();
    if (r.abort != AbortKind::None) return r;
    r.raised_kind = kind.load();
    judge(r, state.get(), results.get(), count);
    return r;
  }

  // The schedule again, with the tracer: the timeline of the witness.
  json timeline(const std::vector<int>& choices, std::string& replayed_outcome) {
    py::Ref names = py::check(PyList_New(0));
    for (int t = 0; t < n_; ++t) {
      py::Ref name = py::check(PyUnicode_FromString(actor_for(t).name.c_str()));
      PyList_Append(names.get(), name.get());
    }
    py::Ref tracer = py::check(PyObject_CallMethod(g_model.get(), "Tracer", "OO", c_.path.get(), names.get()));
    ScheduleResult r = run(replay_chooser(choices), tracer.get(), false);
    replayed_outcome = r.outcome ? py::to_repr(r.outcome.get()) : r.abort != AbortKind::None ? "aborted" : "";
    py::Ref steps = py::check(PyObject_CallMethod(tracer.get(), "finish", nullptr));
    return to_json_value(steps.get());
  }

  static Scheduler::Chooser replay_chooser(std::vector<int> choices) {
    return [choices = std::move(choices)](const Decision& d) {
      return d.step < choices.size() ? choices[d.step] : default_choice(d);
    };
  }

  std::vector<OutcomeCount> take_outcomes() { return hist_.take(); }
  void clear_tallies() {
    hist_.clear();
    raised_.clear();
  }
  std::vector<RaisedKind> take_raised() { return raised_.take(); }
  void error_into(json& out) {
    EngineResult e;
    err_.into(e);
    out["error"] = {{"phase", e.phase}, {"message", e.error}, {"traceback", e.traceback}, {"line", e.line}};
  }

 private:
  // The actors run one schedule under the scheduler; kind takes the first exception that escaped
  // one (the schedule's own abort is not an outcome).
  void release_actors(Scheduler::Chooser choose, PyObject* tracer, PyObject* state, PyObject* own, PyObject* results,
                      std::atomic<int>& kind) {
    Scheduler& sched = *sched_;
    sched.begin(std::move(choose), tracer, p_.max_steps, p_.spin_limit);
    const std::function<void(int)> job = [&](int t) {
      bool raised = false;
      if (sched.enter(t)) {
        const Actor& a = actor_for(t);
        PyObject* target = per_thread_ ? PyList_GET_ITEM(own, t) : state;
        PyObject* out = collect_ ? PyTuple_GET_ITEM(results, t) : Py_None;
        const bool ok =
            call_driver(drive_.get(), a, {target, indices_[t].get(), iterations_.get(), a.nargs_obj.get(), out});
        if (!ok) {
          py::Ref exc = py::take_raised();
          if (!PyErr_GivenExceptionMatches(exc.get(), schedule_aborted_type())) {
            raised = true;
            int k = raised_.add(std::move(exc)), none = -1;
            kind.compare_exchange_strong(none, k);  // the first by time: the threads took turns
          }
        }
      }
      sched.leave(t, raised);
    };
    if (fibers_) fibers_->run(job);
    else pool_->run(job);
  }

  // The schedule's outcome: "raised <type>" when an actor raised, else the arbiter's; counted
  // (and graded) unless count is false. A failing arbiter leaves r.outcome null.
  void judge(ScheduleResult& r, PyObject* state, PyObject* results, bool count) {
    if (r.raised_kind >= 0) {
      r.outcome = py::Ref::borrow(raised_.outcome(r.raised_kind));
    } else {
      PyObject* args[2] = {state, results};
      r.outcome = py::Ref::steal(PyObject_Vectorcall(arbiter_.get(), args, collect_ ? 2 : 1, nullptr));
      if (!r.outcome) {
        err_.capture("arbiter");
        return;
      }
    }
    if (!count) return;
    try {
      r.forbidden = hist_.add(r.outcome.get());
      if (r.raised_kind >= 0) raised_.count(r.raised_kind);
    } catch (const py::ErrorAlreadySet&) {
      err_.capture("arbiter", arbiter_line_);
      r.outcome = py::Ref();
    }
  }

  // Scheduling points in every code object of the case file (or everywhere, --explore-scope all).
  void instrument() {
    py::Ref sys = py::check(PyImport_ImportModule("sys"));
    py::Ref mon = py::check(PyObject_GetAttrString(sys.get(), "monitoring"));
    py::Ref events = py::check(PyObject_GetAttrString(mon.get(), "events"));
    py::Ref instruction = py::check(PyObject_GetAttrString(events.get(), "INSTRUCTION"));
    py::Ref used = py::check(PyObject_CallMethod(mon.get(), "get_tool", "i", kToolId));
    if (used.get() == Py_None)
      py::check(PyObject_CallMethod(mon.get(), "use_tool_id", "is", kToolId, "pyrace explore"));
    py::Ref cb = py::check(PyObject_GetAttrString(g_sched_module.get(), "instruction"));
    py::check(PyObject_CallMethod(mon.get(), "register_callback", "iOO", kToolId, instruction.get(), cb.get()));
    if (p_.scope_all) {
      py::check(PyObject_CallMethod(mon.get(), "set_events", "iO", kToolId, instruction.get()));
      return;
    }
    py::Ref code = attr(c_.obj.get(), "code");
    py::Ref codes = py::check(PyObject_CallMethod(g_model.get(), "case_codes", "O", code.get()));
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(codes.get()); ++i)
      py::check(PyObject_CallMethod(mon.get(), "set_local_events", "iOO", kToolId, PyList_GET_ITEM(codes.get(), i),
                                    instruction.get()));
  }

  const LoadedCase& c_;
  const ExploreParams& p_;
  Histogram hist_;
  RaisedLog raised_;
  FirstError err_;
  std::vector<Actor> actors_;
  bool single_actor_ = false, per_thread_ = false, collect_ = false;
  int n_ = 0, arbiter_line_ = 0;
  py::Ref setup_, arbiter_, drive_, iterations_, nthreads_obj_;
  std::vector<py::Ref> indices_;
  std::optional<Scheduler> sched_;
  std::optional<ActorPool> pool_;
  std::optional<FiberPool> fibers_;  // instead of pool_ (ExploreParams::engine)
};

std::string schedule_string(const std::vector<int>& choices) {
  py::Ref list = py::check(PyList_New(0));
  for (int c : choices) {
    py::Ref v = py::check(PyLong_FromLong(c));
    PyList_Append(list.get(), v.get());
  }
  return py::to_string(py::check(PyObject_CallMethod(g_model.get(), "format_schedule", "O", list.get())).get());
}

// The order the threads ran in, for messages: "thread 1 (reader), then thread 0 (writer)".
std::string order_text(const std::vector<int>& choices, Explorer& ex) {
  std::string out;
  int last = -1;
  std::vector<int> order = choices;
  if (order.empty())  // no scheduling point at all: the threads ran in pre-roll order
    for (int t = 0; t < ex.threads(); ++t) order.push_back(t);
  for (int c : order) {
    if (c == last) continue;
    if (!out.empty()) out += ", then ";
    out += "thread " + std::to_string(c) + " (" + ex.actor_for(c).name + ")";
    last = c;
  }
  return out;
}

// The search's running totals, why it stopped, and the first schedule worth reporting (forbidden
// outcome, deadlock or livelock). Made before the Explorer: a harness error still reports the count.
struct Search {
  Search(const ExploreParams& params, json& o) : p(params), out(o) {}
  const ExploreParams& p;
  json& out;
  const Clock::time_point t0 = Clock::now();  // the budget counts set-up too
  long schedules = 0, deadlocks = 0, livelocks = 0;
  long pruned = 0;   // schedules that reached a state an earlier one reached (the state cache)
  long skipped = 0;  // alternatives not queued: their first step leads to a state reached before
  bool cache_used = false;
  long cache_states = 0;
  std::string cache_off;  // why the cache was turned off mid-search
  bool complete = false;
  std::string stop_reason;
  std::optional<ScheduleResult> witness;

  bool out_of_budget() {
    if (schedules >= p.max_schedules) return stop_reason = "budget", true;
    if (seconds_since(t0) >= p.time_budget_s) return stop_reason = "time", true;
    return false;
  }

  // One schedule through the explorer; false when the search must stop (witness or error).
  bool one(Explorer& ex, Scheduler::Chooser choose) {
    ScheduleResult r = ex.run(std::move(choose));
    ++schedules;
    if (ex.failed()) return stop_reason = "error", false;
    // Something the scheduler cannot control (a fork, a thread of the case's own): no verdict.
    py::Ref unsupported = attr(g_model.get(), "unsupported");
    if (PyList_GET_SIZE(unsupported.get()) > 0) {
      std::string what = py::to_string(PyList_GET_ITEM(unsupported.get(), 0));
      out["error"] = {{"phase", "explore"},
                      {"message", "explore cannot control this case: " + what +
                                      " (explore schedules the actors' own threads, in this process, only)"},
                      {"traceback", ""},
                      {"line", 0}};
      return stop_reason = "unsupported", false;
    }
    if (r.abort == AbortKind::Mismatch) {
      out["mismatch"] = r.abort_reason;
      return stop_reason = "mismatch", false;
    }
    if (r.abort == AbortKind::Deadlock) ++deadlocks;
    if (r.abort == AbortKind::Livelock) ++livelocks;
    const bool bad = r.forbidden || r.abort != AbortKind::None || (p.strategy == "sanity" && r.raised_kind >= 0);
    if (bad && !witness) witness = r;
    if (bad && p.strategy != "replay")
      return stop_reason = r.abort == AbortKind::None ? "forbidden" : "deadlock", false;
    return true;
  }
};

// Iterative context bounding (CHESS): schedules with 0 preemptions first, then 1, ... up to the
// bound (the sanity check: 0). A work item is a prefix of choices ending in a non-default one;
// running it completes it with default choices, and every other choice along that completion
// becomes a new item, in the bucket of its preemption count. Each schedule is run at most once.
//
// The state cache (exhaustive only, --explore-cache): a choice that leads to a state an earlier
// schedule reached (the same trace fingerprint, trace_hash.hpp, and the same last thread) with no
// fewer preemptions used is not queued, and a completion that reaches one queues nothing more from
// there: every continuation from that state within the bound was queued by the earlier visit.
// That holds while a step's effect depends on the state alone; fairness breaks it (a thread is
// switched out after spin_limit steps in a row, and two visits of one state may have run
// different lengths). Every schedule the cache covers is equivalent to one that ran, with the
// same steps per thread, so while no thread takes spin_limit steps in any schedule that runs, no
// run can reach the limit anywhere: one that does turns the cache off and the search restarts.
void search_bounded(Search& s, Explorer& ex) {
  const int bound = s.p.strategy == "sanity" ? 0 : s.p.preemptions;
  bool cache = s.p.cache && s.p.strategy == "exhaustive";
  constexpr size_t kMaxStates = 1'000'000;  // ~100 MB; beyond it, new states are not remembered (still sound)
  for (;;) {
    ex.scheduler().set_track(cache);
    std::unordered_map<std::uint64_t, int> seen;  // state and last thread -> fewest preemptions it was reached with
    std::vector<std::deque<std::vector<int>>> buckets(bound + 1);
    buckets[0].push_back({});
    bool go = true, restart = false;
    for (int k = 0; k <= bound && go && !restart; ++k) {
      while (!buckets[k].empty() && go) {
        if (s.out_of_budget()) {
          go = false;
          break;
        }
        std::vector<int> prefix = std::move(buckets[k].front());
        buckets[k].pop_front();
        int used = 0;
        bool known = false;  // this completion reached a state visited before: it only finishes
        std::vector<int> taken;
        go = s.one(ex, [&](const Decision& d) {
          int choice;
          if (d.step < prefix.size()) {
            choice = prefix[d.step];
          } else if (known) {
            choice = default_choice(d);
          } else {
            // The state cache: a state reached before (with its last thread) with no more
            // preemptions used needs no second visit, this schedule's or a queued one's.
            auto visited = [&](int u, int cost) {
              if (!cache) return false;
              const std::uint64_t key =
                  d.after[static_cast<size_t>(u)] ^ (0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(u + 1));
              auto it = seen.find(key);
              if (it == seen.end()) {
                if (seen.size() < kMaxStates) seen.emplace(key, cost);
                return false;
              }
              if (it->second <= cost) return true;
              it->second = cost;
              return false;
            };
            choice = default_choice(d);
            for (std::uint64_t e = d.enabled; e; e &= e - 1) {
              const int a = std::countr_zero(e);
              if (a == choice) continue;
              const int cost = used + (preempts(d, a) ? 1 : 0);
              if (cost > bound) continue;
              if (visited(a, cost)) {
                ++s.skipped;
                continue;
              }
              std::vector<int> next = taken;
              next.push_back(a);
              buckets[cost].push_back(std::move(next));
            }
            // Known: what follows the default choice was or will be explored from the earlier
            // visit. The schedule still runs to its end (an actor cut short could leave
            // module-level state, a lock made at import, held for the next schedule), but queues
            // nothing more after this decision (whose other choices are queued above).
            if (visited(choice, used)) known = true;
          }
          used += preempts(d, choice) ? 1 : 0;
          taken.push_back(choice);
          return choice;
        });
        s.pruned += known ? 1 : 0;
        if (go && cache && s.p.spin_limit > 0 && ex.scheduler().most_steps() >= s.p.spin_limit) {
          restart = true;
          break;
        }
      }
    }
    s.cache_states = static_cast<long>(seen.size());
    if (!restart) {
      s.complete = go;
      break;
    }
    // A thread that may be switched out by fairness: start again without the cache (what the
    // first pass counted is dropped).
    cache = false;
    s.cache_off = "a thread took " + std::to_string(ex.scheduler().most_steps()) +
                  " steps in one schedule, enough for fairness to switch it out (a spin loop?), which the state "
                  "cache does not model: searched again without it";
    s.schedules = s.pruned = s.skipped = s.deadlocks = s.livelocks = 0;
    s.witness.reset();
    ex.clear_tallies();
  }
  ex.scheduler().set_track(false);
  s.cache_used = cache;
  if (s.complete) s.stop_reason = "complete";
}

// The random walk: each step, a runnable thread drawn uniformly.
Scheduler::Chooser random_chooser(std::mt19937_64& rng) {
  return [&rng](const Decision& d) {
    const int n = std::popcount(d.enabled);
    int pick = static_cast<int>(rng() % static_cast<std::uint64_t>(n));
    std::uint64_t e = d.enabled;
    while (pick--) e &= e - 1;
    return std::countr_zero(e);
  };
}

// One PCT schedule (Burckhardt et al., ASPLOS 2010): distinct random priorities >= d, d - 1
// change points among the k_est steps; the highest-priority runnable thread runs; at change
// point i the running thread's priority drops to i. k_est grows to the longest schedule seen.
bool pct_one(Search& s, Explorer& ex, std::mt19937_64& rng, long& k_est) {
  std::vector<long> prio(ex.threads());
  for (int t = 0; t < ex.threads(); ++t) prio[t] = s.p.pct_depth + t;
  std::shuffle(prio.begin(), prio.end(), rng);
  std::vector<long> change;
  for (int i = 1; i < s.p.pct_depth; ++i)
    change.push_back(static_cast<long>(rng() % static_cast<std::uint64_t>(k_est)) + 1);
  long steps = 0;
  const bool go = s.one(ex, [&](const Decision& d) {
    ++steps;
    for (size_t i = 0; i < change.size(); ++i)
      if (change[i] == steps && d.prev >= 0) prio[d.prev] = static_cast<long>(i) + 1;
    int best = -1;
    for (std::uint64_t e = d.enabled; e; e &= e - 1) {
      const int a = std::countr_zero(e);
      if (best < 0 || prio[a] > prio[best]) best = a;
    }
    return best;
  });
  k_est = std::max(k_est, steps);
  return go;
}

// Random walk or PCT: schedules drawn from the seed until the budget ends or one is a witness.
void search_sampled(Search& s, Explorer& ex) {
  std::mt19937_64 rng(s.p.seed);
  long k_est = 1;  // PCT: the longest schedule seen, in steps (change points fall inside it)
  bool go = true;
  while (go && !s.out_of_budget())
    go = s.p.strategy == "random" ? s.one(ex, random_chooser(rng)) : pct_one(s, ex, rng, k_est);
  s.out["pct_depth"] = s.p.pct_depth;
  s.out["pct_steps"] = k_est;  // the longest schedule seen: k in PCT's guarantee
}

// The given schedule, --repeat times (every run counts; the first bad one is the witness).
void search_replay(Search& s, Explorer& ex) {
  py::Ref list =
      py::Ref::steal(PyObject_CallMethod(g_model.get(), "parse_schedule", "si", s.p.schedule.c_str(), ex.threads()));
  if (!list) {
    py::Error e = py::fetch_error();
    s.out["bad_schedule"] = e.message;
    s.stop_reason = "bad schedule";
    return;
  }
  std::vector<int> choices;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list.get()); ++i)
    choices.push_back(static_cast<int>(PyLong_AsLong(PyList_GET_ITEM(list.get(), i))));
  for (long i = 0; i < s.p.repeat; ++i)
    if (!s.one(ex, Explorer::replay_chooser(choices))) break;
  if (s.stop_reason.empty()) s.stop_reason = "done";
  s.out["replayed"] = schedule_string(choices);
}

void search(Search& s, Explorer& ex) {
  const std::string& strategy = s.p.strategy;
  if (strategy == "exhaustive" || strategy == "sanity") {
    search_bounded(s, ex);
  } else if (strategy == "random" || strategy == "pct") {
    search_sampled(s, ex);
  } else if (strategy == "replay") {
    search_replay(s, ex);
  } else {
    PyErr_Format(PyExc_ValueError, "unknown strategy %s", strategy.c_str());
    throw py::ErrorAlreadySet{};
  }
}

// The witness: its schedule string, the thread order, what it showed, and (--trace) its timeline.
json witness_json(const ScheduleResult& w, Explorer& ex, const ExploreParams& p) {
  py::Ref code = attr(ex.case_object(), "code");
  py::Ref fp = py::check(
      PyObject_CallMethod(g_model.get(), "bytecode_fingerprint", "OO", code.get(), p.all_points ? Py_True : Py_False));
  json j = {{"schedule", schedule_string(w.choices)},
            {"bytecode", py::to_string(fp.get())},  // what the schedule string means depends on it
            {"steps_count", w.choices.size()},
            {"preemptions", w.preemptions},
            {"order", order_text(w.choices, ex)}};
  if (w.abort == AbortKind::None) {
    j["kind"] = w.raised_kind >= 0 ? "raised" : "forbidden";
    j["outcome"] = py::to_repr(w.outcome.get());
  } else {
    j["kind"] = w.abort == AbortKind::Deadlock ? "deadlock" : "livelock";
    j["message"] = w.abort_reason;
    j["waits"] = w.deadlock;
  }
  if (p.trace && !ex.failed()) {
    std::string replayed;
    j["steps"] = ex.timeline(w.choices, replayed);
    j["replayed_outcome"] = replayed;
  }
  return j;
}

// The outcome histogram and the exceptions that escaped actors, as the result lists them.
void tallies_into(json& out, Explorer& ex) {
  json outcomes = json::array();
  for (const auto& o : ex.take_outcomes())
    outcomes.push_back({{"outcome", o.outcome}, {"grade", o.grade}, {"count", o.count}, {"listed", o.listed}});
  out["outcomes"] = outcomes;
  out["raised"] = json::array();
  for (const auto& k : ex.take_raised())
    out["raised"].push_back({{"type", k.type}, {"count", k.count}, {"line", k.line}, {"traceback", k.traceback}});
}
}  // namespace

void prepare_explore(const ExploreParams& p) {
  g_model = py::import_source(kExploreModelSource, kModelFile, "_pyrace_explore_model");
  if (!g_model) throw py::ErrorAlreadySet{};
  py::Ref table = py::check(PyObject_CallMethod(g_model.get(), "point_table", "O", p.all_points ? Py_True : Py_False));
  std::string t(PyBytes_AS_STRING(table.get()), PyBytes_GET_SIZE(table.get()));
  py::Ref threading = py::check(PyImport_ImportModule("threading"));
  py::Ref queue = py::check(PyImport_ImportModule("queue"));
  std::vector<std::string> excluded = {kModelFile, "<pyrace loader>",
                                       py::to_string(attr(threading.get(), "__file__").get()),
                                       py::to_string(attr(queue.get(), "__file__").get())};
  g_sched_module = make_sched_module(t, excluded);
  std::vector<PyObject*> own;  // kept alive by the model module
  for (const char* name : {"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Event"})
    own.push_back(attr(g_model.get(), name).get());
  set_own_state_standins(std::move(own));
  py::Ref loader = py::check(PyImport_ImportModule("_pyrace_loader"));
  py::check(PyObject_CallMethod(g_model.get(), "install", "OO", g_sched_module.get(), loader.get()));
}

// A stall watch over the search, when asked for: a thread blocked outside the model ends the
// worker through on_stall with the search's result so far and an "explore" error naming it.
std::unique_ptr<StallWatch> watch_stalls(Explorer& ex, const LoadedCase& c, const ExploreParams& p, const json& out,
                                         const StallHandler& on_stall) {
  if (p.stall_s <= 0 || !on_stall) return nullptr;
  std::vector<std::string> names;
  for (int t = 0; t < ex.threads(); ++t) names.push_back(ex.actor_for(t).name);
  std::string case_file = py::to_string(c.path.get());
  return std::make_unique<StallWatch>(
      ex.scheduler(), p.stall_s,
      [names = std::move(names), case_file = std::move(case_file), out, on_stall](const Stall& st) {
        json o = out;
        const std::string who =
            st.thread >= 0 && st.thread < static_cast<int>(names.size()) ? names[static_cast<size_t>(st.thread)] : "?";
        o["stall"] = {{"thread", st.thread},
                      {"file", st.file},
                      {"line", st.line},
                      {"source", st.source},
                      {"seconds", st.seconds}};
        o["error"] = {{"phase", "explore"},
                      {"message", stall_message(st, who)},
                      {"traceback", ""},
                      {"line", st.file == case_file ? st.line : 0}};
        on_stall(o);
      });
}

json run_explore(PyInterpreterState* interp, const LoadedCase& c, const ExploreParams& p,
                 const StallHandler& on_stall) {
  json out = {{"strategy", p.strategy},
              {"preemption_bound", p.preemptions},
              {"seed", p.seed},
              {"iterations", c.shape == to_string(Shape::Loop) ? p.iterations : 1},
              {"points", p.all_points ? "all" : "visible"},
              {"scope", p.scope_all ? "all" : "case"}};
  Search s{p, out};
  try {
    Explorer ex(interp, c, p);
    out["threads"] = ex.threads();
    out["engine"] = ex.engine();
    const auto search_t0 = Clock::now();  // search_s: the schedules alone (no set-up, no witness timeline)
    {
      const std::unique_ptr<StallWatch> watch = watch_stalls(ex, c, p, out, on_stall);
      search(s, ex);
    }
    out["search_s"] = seconds_since(search_t0);
    out["schedules"] = s.schedules;
    out["complete"] = s.complete;
    out["stop_reason"] = s.stop_reason;
    out["deadlocks"] = s.deadlocks;
    out["livelocks"] = s.livelocks;
    if (p.strategy == "exhaustive")
      out["cache"] = {{"used", s.cache_used},
                      {"pruned", s.pruned},
                      {"skipped", s.skipped},
                      {"states", s.cache_states},
                      {"off", s.cache_off}};
    if (ex.failed()) ex.error_into(out);
    if (out.contains("error")) s.witness.reset();  // no verdict on a case explore could not control
    out["witness"] = s.witness ? witness_json(*s.witness, ex, p) : json(nullptr);
    tallies_into(out, ex);
  } catch (const py::ErrorAlreadySet&) {
    py::Error e = py::fetch_error();
    out["error"] = {
        {"phase", "harness"}, {"message", e.type + ": " + e.message}, {"traceback", e.traceback}, {"line", 0}};
    out["schedules"] = s.schedules;
  }
  out["elapsed_s"] = seconds_since(s.t0);
  return out;
}

}  // namespace pyrace
