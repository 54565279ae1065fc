#include "worker/engine.hpp"

#include <optional>

#include "results/grade.hpp"
#include "worker/stress_run.hpp"

namespace pyrace {

StressRun::StressRun(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p, EngineResult& res,
                     Histogram& hist, RaisedLog& raised)
    : err(c),
      c_(c),
      p_(p),
      res_(res),
      hist_(hist),
      raised_(raised),
      actors_(actors_of(c.obj.get())),
      single_actor_(actors_.size() == 1 && actors_[0].name == "actor"),
      nthreads_(single_actor_ ? p.threads : static_cast<int>(actors_.size())),
      setup_(attr(c.obj.get(), "setup")),
      drive_(attr(c.loader.get(), "drive")),
      walk_(attr(c.loader.get(), "walk")),
      arbiter_(attr(c.obj.get(), "arbiter")),
      damage_(attr(c.obj.get(), "damage")),
      collect_(PyObject_IsTrue(attr(c.obj.get(), "arbiter_takes_results").get()) == 1),
      per_thread_(PyObject_IsTrue(attr(c.obj.get(), "per_thread_state").get()) == 1),
      zero_(py::check(PyLong_FromLong(0))),
      own_flag_(py::Ref::borrow(per_thread_ ? Py_True : Py_False)),  // the walk driver's `own`
      nthreads_obj_(py::check(PyLong_FromLong(nthreads_))),
      iterations_(py::check(PyLong_FromLong(p.iterations))),
      arbiter_line_(static_cast<int>(
          PyLong_AsLong(py::check(PyObject_CallMethod(c.loader.get(), "first_line", "O", arbiter_.get())).get()))),
      pool_(interp, nthreads_, p.gil_on),
      overlap_(nthreads_),
      lockstep_(pool_.can_spin() && nthreads_ > 1),
      progress_(nthreads_) {
  for (int i = 0; i < nthreads_; ++i) indices_.push_back(py::check(PyLong_FromLong(i)));
}

py::Ref StressRun::own_states(PyObject* state) {
  py::Ref r = py::Ref::steal(
      PyObject_CallMethod(c_.loader.get(), "own_states", "OOO", state, nthreads_obj_.get(), c_.path.get()));
  if (!r) err.capture("setup");
  return r;
}

bool StressRun::measure_damage(PyObject* state) {
  if (damage_.get() == Py_None) return true;
  py::Ref d = py::Ref::steal(PyObject_CallOneArg(damage_.get(), state));
  double v = d ? PyFloat_AsDouble(d.get()) : -1;
  if (!d || (v == -1 && PyErr_Occurred())) {
    err.capture("damage");
    return false;
  }
  res_.damage_min = res_.damage_n ? std::min(res_.damage_min, v) : v;
  res_.damage_max = res_.damage_n ? std::max(res_.damage_max, v) : v;
  res_.damage_sum += v;
  ++res_.damage_n;
  return true;
}

bool StressRun::count(PyObject* outcome) {
  bool is_forbidden = false;
  try {
    is_forbidden = hist_.add(outcome);
  } catch (const py::ErrorAlreadySet&) {  // e.g. an unhashable outcome
    err.capture("arbiter", arbiter_line_);
    return false;
  }
  ++res_.trials;
  if (is_forbidden) {
    ++forbidden_;
    if (res_.first_forbidden_s < 0) res_.first_forbidden_s = seconds_since(t0);
  }
  return true;
}

bool StressRun::grade_state(PyObject* state, int kind, PyObject* results) {
  if (kind >= 0) {
    raised_.count(kind);
    return count(raised_.outcome(kind));
  }
  if (!measure_damage(state)) return false;
  PyObject* args[2] = {state, results};
  PyObject* out = PyObject_Vectorcall(arbiter_.get(), args, collect_ ? 2 : 1, nullptr);
  if (!out) {
    err.capture("arbiter");
    return false;
  }
  return count(py::Ref::steal(out).get());
}

bool StressRun::bound_reached() const {
  if (p_.max_rate <= 0 || forbidden_ > 0) return true;
  return wilson95(0, static_cast<long>(res_.concurrent_trials)).hi <= p_.max_rate;
}

EngineResult run_case(PyInterpreterState* interp, const LoadedCase& c, const EngineParams& p) {
  EngineResult res;
  std::optional<Histogram> hist;
  RaisedLog raised(c);
  try {
    hist.emplace(c, p.max_outcomes);
    StressRun run(interp, c, p, res, *hist, raised);
    const bool loop = c.shape == to_string(Shape::Loop);
    // Rounds until the first FORBIDDEN outcome (--early-stop), the trials and the evidence, or the time budget.
    while (loop ? run.loop_round() : run.single_round()) {
      ++res.rounds;
      if (p.early_stop && res.first_forbidden_s >= 0) {
        res.stop_reason = "forbidden";
        break;
      }
      if (res.trials >= p.trials && run.bound_reached()) {
        res.stop_reason = "budget";
        break;
      }
      if (seconds_since(run.t0) >= p.time_budget_s) {
        res.stop_reason = "time";
        break;
      }
    }
    res.elapsed_s = seconds_since(run.t0);
    if (run.err.set()) run.err.into(res);
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
