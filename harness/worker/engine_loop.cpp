// The loop shape's round: one state, every actor calls its actor ITERATIONS times on it (through
// the loader's drive). An exception ends that actor's loop for this trial; the others finish theirs.
#include "worker/stress_run.hpp"

namespace pyrace {

bool StressRun::loop_round() {
  PyObject* s = PyObject_CallNoArgs(setup_.get());
  if (!s) {
    err.capture("setup");
    return false;
  }
  py::Ref state = py::Ref::steal(s);
  py::Ref own = per_thread_ ? own_states(state.get()) : py::Ref();
  if (per_thread_ && !own) return false;
  std::atomic<int> kind{-1};  // the first exception of the trial, by time
  py::Ref results = collect_ ? py::check(PyTuple_New(nthreads_)) : py::Ref();  // per thread: its returns
  for (int t = 0; collect_ && t < nthreads_; ++t)
    PyTuple_SET_ITEM(results.get(), t, py::check(PyList_New(0)).release());
  pool_.run([&](int t) {
    const Actor& a = actor_for(t);
    PyObject* target = per_thread_ ? PyList_GET_ITEM(own.get(), t) : state.get();
    PyObject* out = collect_ ? PyTuple_GET_ITEM(results.get(), t) : Py_None;
    overlap_.enter(t);
    const bool ok =
        call_driver(drive_.get(), a, {target, indices_[t].get(), iterations_.get(), a.nargs_obj.get(), out});
    overlap_.leave(t);
    if (!ok && PyErr_ExceptionMatches(PyExc_MemoryError)) {
      err.capture("actor");  // out of memory is the case's (or the limit's) doing, not a race's outcome
    } else if (!ok) {
      int k = raised_.add_current(), none = -1;
      kind.compare_exchange_strong(none, k);
    }
  });
  res_.concurrent_trials += overlap_.fraction() > 0 ? 1 : 0;
  return grade_state(state.get(), kind.load(), results.get());
}

}  // namespace pyrace
