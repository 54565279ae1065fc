#include "worker/engine.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <limits>
#include <optional>

#include "worker/actor_pool.hpp"

namespace pyrace {

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Actor {
  std::string name;  // "actor" for the one actor run by every thread, else the actor_<name> suffix
  py::Ref fn;
  bool takes_index;
};

// The first Python error raised by any thread of a round; the others are dropped.
class FirstError {
 public:
  explicit FirstError(const LoadedCase& c) : case_(c) {}
  void capture(const char* phase) {
    py::Error e = py::fetch_error();
    // Start the traceback at the case file: the driver loops in the loader are pyrace's, not the case's.
    py::Ref text = py::Ref::steal(
        PyObject_CallMethod(case_.loader.get(), "format_exception", "OO", e.exc.get(), case_.path.get()));
    if (text) {
      e.traceback = py::to_string(text.get());
    } else {
      PyErr_Clear();
    }
    py::Ref line = py::Ref::steal(
        PyObject_CallMethod(case_.loader.get(), "case_line", "OO", e.exc.get(), case_.path.get()));
    int lineno = line ? static_cast<int>(PyLong_AsLong(line.get())) : 0;
    if (!line) PyErr_Clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (set_.load()) return;
    phase_ = phase;
    error_ = e.type + ": " + e.message;
    traceback_ = e.traceback;
    line_ = lineno;
    set_.store(true);
  }
  bool set() const { return set_.load(std::memory_order_relaxed); }
  void into(EngineResult& r) const {
    r.ok = false;
    r.phase = phase_;
    r.error = error_;
    r.traceback = traceback_;
    r.line = line_;
    r.stop_reason = "error";
  }

 private:
  const LoadedCase& case_;
  std::mutex mu_;
  std::atomic<bool> set_{false};
  std::string phase_, error_, traceback_;
  int line_ = 0;
};

// Counts outcomes: a dict outcome -> slot index, and the counts and grades per slot in C++.
class Histogram {
 public:
  Histogram(const LoadedCase& c, size_t max_outcomes)
      : case_(c), max_outcomes_(max_outcomes), index_(py::check(PyDict_New())) {}

  // Records one outcome (a new reference is not taken); returns whether it was FORBIDDEN.
  // Throws py::ErrorAlreadySet if the outcome cannot be used as a key.
  bool add(PyObject* outcome) {
    PyObject* slot = nullptr;
    int found = PyDict_GetItemRef(index_.get(), outcome, &slot);
    if (found < 0) throw py::ErrorAlreadySet{};
    size_t i;
    if (found) {
      i = PyLong_AsSize_t(py::Ref::steal(slot).get());
    } else {
      i = slots_.size();
      if (i >= max_outcomes_) {
        PyErr_Format(PyExc_ValueError,
                     "the arbiter returned more than %zu distinct outcomes (the last: %R): return a small summary "
                     "such as a string, a number or a short tuple, not an object that compares by identity",
                     max_outcomes_, outcome);
        throw py::ErrorAlreadySet{};
      }
      py::Ref gl = py::check(PyObject_CallMethod(case_.loader.get(), "grade_of", "OO", case_.obj.get(), outcome));
      slots_.push_back(OutcomeCount{py::to_repr(outcome), py::to_string(PyTuple_GetItem(gl.get(), 0)), 0,
                                    PyObject_IsTrue(PyTuple_GetItem(gl.get(), 1)) == 1});
      forbidden_.push_back(slots_.back().grade == to_string(Grade::Forbidden));
      py::Ref idx = py::check(PyLong_FromSize_t(i));
      if (PyDict_SetItem(index_.get(), outcome, idx.get()) < 0) throw py::ErrorAlreadySet{};
    }
    ++slots_[i].count;
    return forbidden_[i];
  }
  std::vector<OutcomeCount> take() { return std::move(slots_); }

 private:
  const LoadedCase& case_;
  size_t max_outcomes_;
  py::Ref index_;
  std::vector<OutcomeCount> slots_;
  std::vector<bool> forbidden_;
};

py::Ref attr(PyObject* o, const char* name) { return py::check(PyObject_GetAttrString(o, name)); }

std::vector<Actor> actors_of(PyObject* case_obj) {
  py::Ref list = attr(case_obj, "actors");
  std::vector<Actor> out;
  Py_ssize_t n = PyList_Size(list.get());
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* t = PyList_GetItem(list.get(), i);  // borrowed: (name, fn, takes_index)
    out.push_back(Actor{py::to_string(PyTuple_GetItem(t, 0)), py::Ref::borrow(PyTuple_GetItem(t, 1)),
                        PyObject_IsTrue(PyTuple_GetItem(t, 2)) == 1});
  }
  return out;
}

// Calls actor(target[, index]) once; returns false (error left set) on exception.
bool call_actor(const Actor& a, PyObject* target, PyObject* index) {
  PyObject* args[2] = {target, index};
  PyObject* r = PyObject_Vectorcall(a.fn.get(), args, a.takes_index ? 2 : 1, nullptr);
  if (!r) return false;
  py::Ref::steal(r);
  return true;
}

// One actor's progress through a stride, alone on its cache line.
struct alignas(64) Progress {
  std::atomic<long> done{0};
};
constexpr long kDone = std::numeric_limits<long>::max();  // left the stride (finished or failed)

inline void cpu_relax() { __builtin_ia32_pause(); }

// Calls driver(actor, target[, index], *extra); returns false (error left set) on exception.
bool call_driver(PyObject* driver, const Actor& a, PyObject* target, PyObject* index, PyObject* extra) {
  PyObject* args[4] = {a.fn.get(), target, nullptr, nullptr};
  size_t n = 2;
  if (a.takes_index) args[n++] = index;
  if (extra) args[n++] = extra;
  PyObject* r = PyObject_Vectorcall(driver, args, n, nullptr);
  if (!r) return false;
  py::Ref::steal(r);  // discard the return value
  return true;
}
}  // namespace

EngineResult run_case(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p) {
  EngineResult res;
  PyObject* obj = c.obj.get();
  std::optional<Histogram> hist;
  try {
    hist.emplace(c, p.max_outcomes);
    std::vector<Actor> actors = actors_of(obj);
    const bool single_actor = actors.size() == 1 && actors[0].name == "actor";
    const int nthreads = single_actor ? p.threads : static_cast<int>(actors.size());
    py::Ref setup = attr(obj, "setup");
    py::Ref drive = attr(c.loader.get(), "drive"), drive_indexed = attr(c.loader.get(), "drive_indexed");
    py::Ref walk = attr(c.loader.get(), "walk"), walk_indexed = attr(c.loader.get(), "walk_indexed");
    py::Ref walk_own = attr(c.loader.get(), "walk_own"), walk_own_indexed = attr(c.loader.get(), "walk_own_indexed");
    const bool per_thread = PyObject_IsTrue(attr(obj, "per_thread_state").get()) == 1;
    py::Ref nthreads_obj = py::check(PyLong_FromLong(nthreads));
    py::Ref iterations = py::check(PyLong_FromLong(p.iterations));
    py::Ref arbiter = attr(obj, "arbiter");
    std::vector<py::Ref> indices;
    for (int i = 0; i < nthreads; ++i) indices.push_back(py::check(PyLong_FromLong(i)));
    auto actor_for = [&](int t) -> const Actor& { return single_actor ? actors[0] : actors[t]; };

    ActorPool pool(interp, nthreads, p.gil_on);
    FirstError err(c);
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
    auto grade_state = [&](PyObject* state) -> bool {
      if (!measure_damage(state)) return false;
      PyObject* out = PyObject_CallOneArg(arbiter.get(), state);
      if (!out) {
        err.capture("arbiter");
        return false;
      }
      py::Ref outcome = py::Ref::steal(out);
      bool forbidden = false;
      try {
        forbidden = hist->add(outcome.get());
      } catch (const py::ErrorAlreadySet&) {  // e.g. an unhashable outcome
        err.capture("arbiter");
        return false;
      }
      ++res.trials;
      if (forbidden && res.first_forbidden_s < 0) res.first_forbidden_s = seconds_since(t0);
      return true;
    };

    while (!stop) {
      if (c.shape == to_string(Shape::Loop)) {
        PyObject* s = PyObject_CallNoArgs(setup.get());
        if (!s) {
          err.capture("setup");
          break;
        }
        py::Ref state = py::Ref::steal(s);
        py::Ref own = per_thread ? own_states(state.get()) : py::Ref();
        if (per_thread && !own) break;
        pool.run([&](int t) {
          const Actor& a = actor_for(t);
          PyObject* driver = a.takes_index ? drive_indexed.get() : drive.get();
          PyObject* target = per_thread ? PyList_GET_ITEM(own.get(), t) : state.get();
          if (!call_driver(driver, a, target, indices[t].get(), iterations.get())) err.capture("actor");
        });
        if (err.set() || !grade_state(state.get())) break;
      } else {
        long want = std::min(stride, std::max(1L, p.trials - res.trials));
        py::Ref states = py::check(PyList_New(0));
        bool setup_ok = true;
        for (long i = 0; i < want && setup_ok; ++i) {
          PyObject* s = PyObject_CallNoArgs(setup.get());
          setup_ok = s && PyList_Append(states.get(), py::Ref::steal(s).get()) == 0;
        }
        if (!setup_ok) {
          err.capture("setup");
          break;
        }
        if (per_thread && !own_states(PyList_GET_ITEM(states.get(), 0))) break;
        auto r0 = Clock::now();
        const long k = PyList_GET_SIZE(states.get());
        for (auto& pr : progress) pr.done.store(0, std::memory_order_relaxed);
        pool.run([&](int t) {
          const Actor& a = actor_for(t);
          if (!lockstep) {
            PyObject* driver = per_thread ? (a.takes_index ? walk_own_indexed.get() : walk_own.get())
                                          : (a.takes_index ? walk_indexed.get() : walk.get());
            if (!call_driver(driver, a, states.get(), indices[t].get(), nullptr)) err.capture("actor");
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
            PyObject* st = PyList_GET_ITEM(states.get(), i);
            py::Ref own;
            if (per_thread) {
              own = py::Ref::steal(PySequence_GetItem(st, t));
              if (!own) {
                err.capture("actor");
                break;
              }
            }
            if (!call_actor(a, per_thread ? own.get() : st, indices[t].get())) {
              err.capture("actor");
              break;
            }
            progress[t].done.store(i + 1, std::memory_order_release);
          }
          progress[t].done.store(kDone, std::memory_order_release);
        });
        if (err.set()) break;
        if (seconds_since(r0) < 0.005 && stride < 65536) stride *= 2;
        bool arbiter_ok = true;
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(states.get()) && arbiter_ok; ++i)
          arbiter_ok = grade_state(PyList_GET_ITEM(states.get(), i));
        if (!arbiter_ok) break;
      }
      ++res.rounds;
      if (p.early_stop && res.first_forbidden_s >= 0) {
        res.stop_reason = "forbidden";
        stop = true;
      } else if (res.trials >= p.trials) {
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
  return res;
}

}  // namespace pyrace
