// The single shape's round: a stride of fresh states that every actor walks, one call per state.
// An exception is the outcome of the state it was raised on, and the walk goes on. Two walks:
// lockstep (the pool's threads spin: every actor starts state i when all have finished i-1) and
// the loader's walk driver (a pool that must not spin: GIL on, or one thread).
#include "worker/stress_run.hpp"

namespace pyrace {
namespace {

// The first exception raised on a state is its outcome; later ones are dropped.
void note_first(std::atomic<int>& slot, int kind) {
  int none = -1;
  slot.compare_exchange_strong(none, kind);
}

}  // namespace

void StressRun::lockstep_walk(int t, PyObject* states, std::vector<char>& met, std::vector<std::atomic<int>>& kind,
                              PyObject* returns) {
  const Actor& a = actor_for(t);
  const long k = PyList_GET_SIZE(states);
  // Every actor starts state i only when all have finished state i-1, so each state is hit by all
  // actors at (nearly) the same moment, however long the stride. Left alone, the actors drift apart
  // within a round and only its first states race, which would make the measured rate depend on
  // the stride length. The wait is bounded: an actor that lost its core is not waited for beyond a
  // few microseconds.
  for (long i = 0; i < k; ++i) {
    for (int spin = 0; spin < 4096; ++spin) {
      bool all = true;
      for (int u = 0; u < nthreads_ && all; ++u) all = u == t || progress_[u].done.load(std::memory_order_acquire) >= i;
      if (all) break;
      cpu_relax();
    }
    // Before the call: every other actor has not finished state i yet (its call ends after ours starts).
    progress_[t].started.store(i + 1);
    bool overlapped = true;
    for (int u = 0; u < nthreads_ && overlapped; ++u) overlapped = u == t || progress_[u].done.load() <= i;
    PyObject* st = PyList_GET_ITEM(states, i);
    py::Ref own;
    if (per_thread_) {
      own = py::Ref::steal(PySequence_GetItem(st, t));
      if (!own) {
        err.capture("actor");
        break;
      }
    }
    py::Ref r = call_actor(a, per_thread_ ? own.get() : st, indices_[t].get(), zero_.get());
    if (!r && PyErr_ExceptionMatches(PyExc_MemoryError)) {
      err.capture("actor");  // out of memory: an error of the case, not a race's outcome
      break;
    } else if (!r) {
      note_first(kind[i], raised_.add_current());
    } else if (collect_) {
      PyList_SetItem(returns, i, r.release());  // its own slot: no other thread writes it
    }
    // After the call: every other actor has started state i (its call started before ours ended).
    for (int u = 0; u < nthreads_ && overlapped; ++u) overlapped = u == t || progress_[u].started.load() > i;
    met[i] = overlapped;
    progress_[t].done.store(i + 1);
  }
  progress_[t].done.store(kDone, std::memory_order_release);
}

// One round's stride: the states, and what the actors left on each.
struct SingleStride {
  SingleStride(py::Ref s, int nthreads, bool collect, bool lockstep)
      : states(std::move(s)),
        k(PyList_GET_SIZE(states.get())),
        kind(k),
        walk_raised(nthreads),
        returns(collect ? nthreads : 0),
        met(lockstep ? nthreads : 0, std::vector<char>(k, 0)) {
    for (auto& x : kind) x.store(-1, std::memory_order_relaxed);
    for (auto& l : walk_raised) l = py::check(PyList_New(0));
    for (auto& l : returns) {
      l = py::check(PyList_New(k));
      for (long i = 0; i < k; ++i) PyList_SET_ITEM(l.get(), i, Py_NewRef(Py_None));
    }
  }
  py::Ref states;
  const long k;
  std::vector<std::atomic<int>> kind;  // per state: the kind of the first exception raised on it (-1: none)
  std::vector<py::Ref> walk_raised;    // per actor: [(state number, exception)] from the walk drivers
  // arbiter(state, results): per actor, one slot per state for what it returned.
  std::vector<py::Ref> returns;
  // Lockstep: per actor and state, whether the actor's call overlapped every other actor's call on
  // that state (each row written by its own actor). A walk that drifted apart under load hits
  // states one actor at a time: those states are no evidence, whatever the round's span.
  std::vector<std::vector<char>> met;
};

py::Ref StressRun::make_states(long want) {
  py::Ref states = py::check(PyList_New(0));
  for (long i = 0; i < want; ++i) {
    PyObject* s = PyObject_CallNoArgs(setup_.get());
    if (!s || PyList_Append(states.get(), py::Ref::steal(s).get()) != 0) {
      err.capture("setup");
      return py::Ref();
    }
  }
  return states;
}

bool StressRun::single_round() {
  py::Ref states = make_states(std::min(stride_, std::max(1L, p_.trials - res_.trials)));
  if (!states) return false;
  if (per_thread_ && !own_states(PyList_GET_ITEM(states.get(), 0))) return false;
  const auto r0 = Clock::now();
  SingleStride s(std::move(states), nthreads_, collect_, lockstep_);
  for (auto& pr : progress_) {
    pr.started.store(0, std::memory_order_relaxed);
    pr.done.store(0, std::memory_order_relaxed);
  }
  pool_.run([&](int t) {
    overlap_.enter(t);
    if (lockstep_) {
      lockstep_walk(t, s.states.get(), s.met[t], s.kind, collect_ ? s.returns[t].get() : Py_None);
    } else {
      const Actor& a = actor_for(t);
      const bool ok = call_driver(walk_.get(), a,
                                  {s.states.get(), s.walk_raised[t].get(), indices_[t].get(), a.nargs_obj.get(),
                                   own_flag_.get(), collect_ ? s.returns[t].get() : Py_None});
      if (!ok) err.capture("actor");  // the driver itself failed (it catches the actor's exceptions)
    }
    overlap_.leave(t);
  });
  if (err.set() || !take_walk_raised(s)) return false;
  count_concurrent(s);
  if (seconds_since(r0) < 0.005 && stride_ < 65536) stride_ *= 2;
  return grade_stride(s);
}

bool StressRun::take_walk_raised(SingleStride& s) {
  for (auto& l : s.walk_raised) {
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(l.get()); ++j) {
      PyObject* pair = PyList_GET_ITEM(l.get(), j);  // (i, exception)
      if (PyErr_GivenExceptionMatches(PyTuple_GET_ITEM(pair, 1), PyExc_MemoryError)) {
        PyErr_SetRaisedException(Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
        err.capture("actor");  // out of memory: an error of the case, not a race's outcome
        return false;
      }
      note_first(s.kind[PyLong_AsLong(PyTuple_GET_ITEM(pair, 0))],
                 raised_.add(py::Ref::borrow(PyTuple_GET_ITEM(pair, 1))));
    }
  }
  return true;
}

void StressRun::count_concurrent(const SingleStride& s) {
  if (lockstep_) {
    for (long i = 0; i < s.k; ++i) {
      bool all = true;
      for (int t = 0; t < nthreads_ && all; ++t) all = s.met[t][i];
      res_.concurrent_trials += all ? 1 : 0;
    }
  } else {
    res_.concurrent_trials += static_cast<double>(s.k) * overlap_.fraction();  // the walk driver: the round's span
  }
}

bool StressRun::grade_stride(SingleStride& s) {
  for (Py_ssize_t i = 0; i < s.k; ++i) {
    py::Ref results;
    if (collect_) {
      results = py::check(PyTuple_New(nthreads_));
      for (int t = 0; t < nthreads_; ++t)
        PyTuple_SET_ITEM(results.get(), t, Py_NewRef(PyList_GET_ITEM(s.returns[t].get(), i)));
    }
    if (!grade_state(PyList_GET_ITEM(s.states.get(), i), s.kind[i].load(), results.get())) return false;
  }
  return true;
}

}  // namespace pyrace
