#include "worker/engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <limits>
#include <optional>

#include "results/grade.hpp"
#include "worker/actor_pool.hpp"
#include "worker/tally.hpp"

namespace pyrace {

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}


// One actor's progress through a stride, alone on its cache line: states started and finished.
struct alignas(64) Progress {
  std::atomic<long> started{0};
  std::atomic<long> done{0};
};
constexpr long kDone = std::numeric_limits<long>::max();  // left the stride (finished or failed)

inline void cpu_relax() { __builtin_ia32_pause(); }

// When each actor entered and left its part of a round, to tell whether they ran at the same
// time: a trial where one actor finished before another started is no evidence of safety.
class Overlap {
 public:
  explicit Overlap(int n) : enter_(n), leave_(n) {}
  void enter(int t) { enter_[t] = Clock::now(); }
  void leave(int t) { leave_[t] = Clock::now(); }
  // The fraction of the round during which every actor was inside (0: they never all were).
  double fraction() const {
    auto first_in = *std::min_element(enter_.begin(), enter_.end());
    auto last_in = *std::max_element(enter_.begin(), enter_.end());
    auto first_out = *std::min_element(leave_.begin(), leave_.end());
    auto last_out = *std::max_element(leave_.begin(), leave_.end());
    const double span = std::chrono::duration<double>(last_out - first_in).count();
    const double both = std::chrono::duration<double>(first_out - last_in).count();
    if (enter_.size() == 1) return 1.0;  // one actor: nothing to overlap with
    if (both <= 0 || span <= 0) return 0.0;
    return std::min(1.0, both / span);
  }

 private:
  std::vector<Clock::time_point> enter_, leave_;  // each written by its own actor, read after the round
};
}  // namespace

EngineResult run_case(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p) {
  EngineResult res;
  PyObject* obj = c.obj.get();
  std::optional<Histogram> hist;
  RaisedLog raised(c);
  try {
    hist.emplace(c, p.max_outcomes);
    std::vector<Actor> actors = actors_of(obj);
    const bool single_actor = actors.size() == 1 && actors[0].name == "actor";
    const int nthreads = single_actor ? p.threads : static_cast<int>(actors.size());
    py::Ref setup = attr(obj, "setup");
    py::Ref drive = attr(c.loader.get(), "drive"), walk = attr(c.loader.get(), "walk");
    // arbiter(state, results): each actor's return values are collected for it.
    const bool collect = PyObject_IsTrue(attr(obj, "arbiter_takes_results").get()) == 1;
    py::Ref zero = py::check(PyLong_FromLong(0));
    const bool per_thread = PyObject_IsTrue(attr(obj, "per_thread_state").get()) == 1;
    py::Ref own_flag = py::Ref::borrow(per_thread ? Py_True : Py_False);  // the walk driver's `own`
    py::Ref nthreads_obj = py::check(PyLong_FromLong(nthreads));
    py::Ref iterations = py::check(PyLong_FromLong(p.iterations));
    py::Ref arbiter = attr(obj, "arbiter");
    // The arbiter's own line: errors raised in C on its result (unhashable) have no case frame.
    const int arbiter_line = static_cast<int>(PyLong_AsLong(py::check(
        PyObject_CallMethod(c.loader.get(), "first_line", "O", arbiter.get())).get()));
    std::vector<py::Ref> indices;
    for (int i = 0; i < nthreads; ++i) indices.push_back(py::check(PyLong_FromLong(i)));
    auto actor_for = [&](int t) -> const Actor& { return single_actor ? actors[0] : actors[t]; };

    ActorPool pool(interp, nthreads, p.gil_on);
    FirstError err(c);
    Overlap overlap(nthreads);
    // PER_THREAD_STATE: the list of per-thread states setup() returned, checked; else null.
    auto own_states = [&](PyObject* state) -> py::Ref {
      py::Ref r = py::Ref::steal(PyObject_CallMethod(c.loader.get(), "own_states", "OOO", state, nthreads_obj.get(),
                                                     c.path.get()));
      if (!r) err.capture("setup");
      return r;
    };
    auto t0 = Clock::now();
    bool stop = false;
    long stride = 64;  // single shape: states per round, grown while rounds are short
    const bool lockstep = pool.can_spin() && nthreads > 1;
    std::vector<Progress> progress(nthreads);
    long forbidden = 0;

    py::Ref damage = attr(obj, "damage");
    auto measure_damage = [&](PyObject* state) -> bool {
      if (damage.get() == Py_None) return true;
      py::Ref d = py::Ref::steal(PyObject_CallOneArg(damage.get(), state));
      double v = d ? PyFloat_AsDouble(d.get()) : -1;
      if (!d || (v == -1 && PyErr_Occurred())) {
        err.capture("damage");
        return false;
      }
      res.damage_min = res.damage_n ? std::min(res.damage_min, v) : v;
      res.damage_max = res.damage_n ? std::max(res.damage_max, v) : v;
      res.damage_sum += v;
      ++res.damage_n;
      return true;
    };
    auto count = [&](PyObject* outcome) -> bool {
      bool is_forbidden = false;
      try {
        is_forbidden = hist->add(outcome);
      } catch (const py::ErrorAlreadySet&) {  // e.g. an unhashable outcome
        err.capture("arbiter", arbiter_line);
        return false;
      }
      ++res.trials;
      if (is_forbidden) {
        ++forbidden;
        if (res.first_forbidden_s < 0) res.first_forbidden_s = seconds_since(t0);
      }
      return true;
    };
    // One state's outcome: "raised <type>" when an actor raised on it (kind >= 0), else the
    // arbiter's (given the actors' results when it takes them: a tuple, one entry per thread).
    auto grade_state = [&](PyObject* state, int kind, PyObject* results) -> bool {
      if (kind >= 0) {
        raised.count(kind);
        return count(raised.outcome(kind));
      }
      if (!measure_damage(state)) return false;
      PyObject* args[2] = {state, results};
      PyObject* out = PyObject_Vectorcall(arbiter.get(), args, collect ? 2 : 1, nullptr);
      if (!out) {
        err.capture("arbiter");
        return false;
      }
      return count(py::Ref::steal(out).get());
    };

    // Loop shape: one state, every actor calls its actor ITERATIONS times on it. An exception
    // ends that actor's loop for this trial; the others finish theirs.
    auto loop_round = [&]() -> bool {
      PyObject* s = PyObject_CallNoArgs(setup.get());
      if (!s) {
        err.capture("setup");
        return false;
      }
      py::Ref state = py::Ref::steal(s);
      py::Ref own = per_thread ? own_states(state.get()) : py::Ref();
      if (per_thread && !own) return false;
      std::atomic<int> kind{-1};  // the first exception of the trial, by time
      py::Ref results = collect ? py::check(PyTuple_New(nthreads)) : py::Ref();  // per thread: its returns
      for (int t = 0; collect && t < nthreads; ++t) PyTuple_SET_ITEM(results.get(), t, py::check(PyList_New(0)).release());
      pool.run([&](int t) {
        const Actor& a = actor_for(t);
        PyObject* target = per_thread ? PyList_GET_ITEM(own.get(), t) : state.get();
        PyObject* out = collect ? PyTuple_GET_ITEM(results.get(), t) : Py_None;
        overlap.enter(t);
        const bool ok = call_driver(drive.get(), a, {target, indices[t].get(), iterations.get(), a.nargs_obj.get(), out});
        overlap.leave(t);
        if (!ok && PyErr_ExceptionMatches(PyExc_MemoryError)) {
          err.capture("actor");  // out of memory is the case's (or the limit's) doing, not a race's outcome
        } else if (!ok) {
          int k = raised.add_current(), none = -1;
          kind.compare_exchange_strong(none, k);
        }
      });
      res.concurrent_trials += overlap.fraction() > 0 ? 1 : 0;
      return grade_state(state.get(), kind.load(), results.get());
    };

    // Single shape: an array of fresh states that every actor walks; an exception is the
    // outcome of the state it was raised on, and the walk goes on.
    auto single_round = [&]() -> bool {
      long want = std::min(stride, std::max(1L, p.trials - res.trials));
      py::Ref states = py::check(PyList_New(0));
      for (long i = 0; i < want; ++i) {
        PyObject* s = PyObject_CallNoArgs(setup.get());
        if (!s || PyList_Append(states.get(), py::Ref::steal(s).get()) != 0) {
          err.capture("setup");
          return false;
        }
      }
      if (per_thread && !own_states(PyList_GET_ITEM(states.get(), 0))) return false;
      auto r0 = Clock::now();
      const long k = PyList_GET_SIZE(states.get());
      std::vector<std::atomic<int>> kind(k);
      for (auto& x : kind) x.store(-1, std::memory_order_relaxed);
      auto note = [&](long i, int kd) {
        int none = -1;
        kind[i].compare_exchange_strong(none, kd);
      };
      std::vector<py::Ref> walk_raised(nthreads);  // per actor: [(state number, exception)] from the walk drivers
      for (auto& l : walk_raised) l = py::check(PyList_New(0));
      // arbiter(state, results): per actor, one slot per state for what it returned.
      std::vector<py::Ref> returns(collect ? nthreads : 0);
      for (auto& l : returns) {
        l = py::check(PyList_New(k));
        for (long i = 0; i < k; ++i) PyList_SET_ITEM(l.get(), i, Py_NewRef(Py_None));
      }
      for (auto& pr : progress) {
        pr.started.store(0, std::memory_order_relaxed);
        pr.done.store(0, std::memory_order_relaxed);
      }
      // Lockstep: per actor and state, whether the actor's call overlapped every other actor's
      // call on that state (each row written by its own actor). A walk that drifted apart under
      // load hits states one actor at a time: those states are no evidence, whatever the round's span.
      std::vector<std::vector<char>> met(lockstep ? nthreads : 0, std::vector<char>(k, 0));
      pool.run([&](int t) {
        const Actor& a = actor_for(t);
        overlap.enter(t);
        if (!lockstep) {
          const bool ok = call_driver(walk.get(), a, {states.get(), walk_raised[t].get(), indices[t].get(),
                                                      a.nargs_obj.get(), own_flag.get(),
                                                      collect ? returns[t].get() : Py_None});
          if (!ok) err.capture("actor");  // the driver itself failed (it catches the actor's exceptions)
          overlap.leave(t);
          return;
        }
        // Lockstep: every actor starts state i only when all have finished state i-1, so each
        // state is hit by all actors at (nearly) the same moment, however long the stride.
        // Left alone, the actors drift apart within a round and only its first states race,
        // which would make the measured rate depend on the stride length. The wait is bounded:
        // an actor that lost its core is not waited for beyond a few microseconds.
        for (long i = 0; i < k; ++i) {
          for (int spin = 0; spin < 4096; ++spin) {
            bool all = true;
            for (int u = 0; u < nthreads && all; ++u)
              all = u == t || progress[u].done.load(std::memory_order_acquire) >= i;
            if (all) break;
            cpu_relax();
          }
          // Before the call: every other actor has not finished state i yet (its call ends after ours starts).
          progress[t].started.store(i + 1);
          bool overlapped = true;
          for (int u = 0; u < nthreads && overlapped; ++u) overlapped = u == t || progress[u].done.load() <= i;
          PyObject* st = PyList_GET_ITEM(states.get(), i);
          py::Ref own;
          if (per_thread) {
            own = py::Ref::steal(PySequence_GetItem(st, t));
            if (!own) {
              err.capture("actor");
              break;
            }
          }
          py::Ref r = call_actor(a, per_thread ? own.get() : st, indices[t].get(), zero.get());
          if (!r && PyErr_ExceptionMatches(PyExc_MemoryError)) {
            err.capture("actor");  // out of memory: an error of the case, not a race's outcome
            break;
          } else if (!r) {
            note(i, raised.add_current());
          } else if (collect) {
            PyList_SetItem(returns[t].get(), i, r.release());  // its own slot: no other thread writes it
          }
          // After the call: every other actor has started state i (its call started before ours ended).
          for (int u = 0; u < nthreads && overlapped; ++u) overlapped = u == t || progress[u].started.load() > i;
          met[t][i] = overlapped;
          progress[t].done.store(i + 1);
        }
        progress[t].done.store(kDone, std::memory_order_release);
        overlap.leave(t);
      });
      if (err.set()) return false;
      for (auto& l : walk_raised) {
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(l.get()); ++j) {
          PyObject* pair = PyList_GET_ITEM(l.get(), j);  // (i, exception)
          if (PyErr_GivenExceptionMatches(PyTuple_GET_ITEM(pair, 1), PyExc_MemoryError)) {
            PyErr_SetRaisedException(Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
            err.capture("actor");  // out of memory: an error of the case, not a race's outcome
            return false;
          }
          note(PyLong_AsLong(PyTuple_GET_ITEM(pair, 0)), raised.add(py::Ref::borrow(PyTuple_GET_ITEM(pair, 1))));
        }
      }
      if (lockstep) {
        for (long i = 0; i < k; ++i) {
          bool all = true;
          for (int t = 0; t < nthreads && all; ++t) all = met[t][i];
          res.concurrent_trials += all ? 1 : 0;
        }
      } else {
        res.concurrent_trials += static_cast<double>(k) * overlap.fraction();  // the walk driver: the round's span
      }
      if (seconds_since(r0) < 0.005 && stride < 65536) stride *= 2;
      for (Py_ssize_t i = 0; i < k; ++i) {
        py::Ref results;
        if (collect) {
          results = py::check(PyTuple_New(nthreads));
          for (int t = 0; t < nthreads; ++t)
            PyTuple_SET_ITEM(results.get(), t, Py_NewRef(PyList_GET_ITEM(returns[t].get(), i)));
        }
        if (!grade_state(PyList_GET_ITEM(states.get(), i), kind[i].load(), results.get())) return false;
      }
      return true;
    };

    // Enough evidence: the 95% upper bound on the error rate over concurrent trials reached the target.
    auto bound_reached = [&] {
      if (p.max_rate <= 0 || forbidden > 0) return true;
      return wilson95(0, static_cast<long>(res.concurrent_trials)).hi <= p.max_rate;
    };
    const bool loop = c.shape == to_string(Shape::Loop);
    while (!stop) {
      if (!(loop ? loop_round() : single_round())) break;
      ++res.rounds;
      if (p.early_stop && res.first_forbidden_s >= 0) {
        res.stop_reason = "forbidden";
        stop = true;
      } else if (res.trials >= p.trials && bound_reached()) {
        res.stop_reason = "budget";
        stop = true;
      } else if (seconds_since(t0) >= p.time_budget_s) {
        res.stop_reason = "time";
        stop = true;
      }
    }
    res.elapsed_s = seconds_since(t0);
    if (err.set()) err.into(res);
  } catch (const py::ErrorAlreadySet&) {
    py::Error e = py::fetch_error();
    res.ok = false;
    res.phase = "harness";
    res.error = e.type + ": " + e.message;
    res.traceback = e.traceback;
    res.stop_reason = "error";
  }
  if (hist) res.outcomes = hist->take();
  res.raised = raised.take();
  return res;
}

}  // namespace pyrace
