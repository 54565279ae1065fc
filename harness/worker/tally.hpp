// What a run counts, shared by the stress engine and explore: the outcome histogram (outcome ->
// grade from the case's OUTCOMES, count), exceptions that escaped actors by kind, and the first
// error of case code that ends a run.
#pragma once
#include <Python.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "py/ref.hpp"
#include "results/names.hpp"
#include "results/outcome.hpp"
#include "worker/engine.hpp"

namespace pyrace {

struct Actor {
  std::string name;  // "actor" for the one actor run by every thread, else the actor_<name> suffix
  py::Ref fn;
  int nargs;         // 1: actor(state); 2: (state, thread_index); 3: (state, thread_index, i)
  py::Ref nargs_obj;
};

inline py::Ref attr(PyObject* o, const char* name) { return py::check(PyObject_GetAttrString(o, name)); }

inline std::vector<Actor> actors_of(PyObject* case_obj) {
  py::Ref list = attr(case_obj, "actors");
  std::vector<Actor> out;
  Py_ssize_t n = PyList_Size(list.get());
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* t = PyList_GetItem(list.get(), i);  // borrowed: (name, fn, nargs)
    out.push_back(Actor{py::to_string(PyTuple_GetItem(t, 0)), py::Ref::borrow(PyTuple_GetItem(t, 1)),
                        static_cast<int>(PyLong_AsLong(PyTuple_GetItem(t, 2))),
                        py::Ref::borrow(PyTuple_GetItem(t, 2))});
  }
  return out;
}

// Calls actor(target[, index[, 0]]) once (single shape: the iteration index is 0); returns its
// result, or a null Ref (error left set) on exception.
inline py::Ref call_actor(const Actor& a, PyObject* target, PyObject* index, PyObject* zero) {
  PyObject* args[3] = {target, index, zero};
  return py::Ref::steal(PyObject_Vectorcall(a.fn.get(), args, static_cast<size_t>(a.nargs), nullptr));
}

// Calls driver(actor, args...) (the loader's drive or walk); false (error left set) on exception.
inline bool call_driver(PyObject* driver, const Actor& a, std::initializer_list<PyObject*> rest) {
  PyObject* args[8] = {a.fn.get()};
  size_t n = 1;
  for (PyObject* x : rest) args[n++] = x;
  PyObject* r = PyObject_Vectorcall(driver, args, n, nullptr);
  if (!r) return false;
  py::Ref::steal(r);  // discard the return value
  return true;
}

// The first Python error raised by any thread of a round; the others are dropped.
class FirstError {
 public:
  explicit FirstError(const LoadedCase& c) : case_(c) {}
  // fallback_line: the line to name when the traceback holds no frame of the case file.
  void capture(const char* phase, int fallback_line = 0) {
    py::Error e = py::fetch_error();
    // Start the traceback at the case file: the driver loops in the loader are pyrace's, not the case's.
    py::Ref text = py::Ref::steal(
        PyObject_CallMethod(case_.loader.get(), "format_exception", "OO", e.exc.get(), case_.path.get()));
    if (text) {
      e.traceback = py::to_string(text.get());
    } else {
      PyErr_Clear();
    }
    py::Ref line =
        py::Ref::steal(PyObject_CallMethod(case_.loader.get(), "case_line", "OO", e.exc.get(), case_.path.get()));
    int lineno = line ? static_cast<int>(PyLong_AsLong(line.get())) : 0;
    if (!line) PyErr_Clear();
    if (lineno == 0) lineno = fallback_line;
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

// An outcome is a summary: its repr goes into every result line and report, so it is kept short.
constexpr size_t kMaxOutcomeRepr = 1000;

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
      std::string text = py::to_repr(outcome);
      if (text.size() > kMaxOutcomeRepr) {
        PyErr_Format(PyExc_ValueError,
                     "the arbiter returned an outcome whose repr() is %zu characters long (at most %zu are kept): "
                     "return a short summary such as a string, a number or a short tuple",
                     text.size(), kMaxOutcomeRepr);
        throw py::ErrorAlreadySet{};
      }
      py::Ref gl = py::check(PyObject_CallMethod(case_.loader.get(), "grade_of", "OO", case_.obj.get(), outcome));
      slots_.push_back(OutcomeCount{std::move(text), py::to_string(PyTuple_GetItem(gl.get(), 0)), 0,
                                    PyObject_IsTrue(PyTuple_GetItem(gl.get(), 1)) == 1});
      forbidden_.push_back(slots_.back().grade == to_string(Grade::Forbidden));
      py::Ref idx = py::check(PyLong_FromSize_t(i));
      if (PyDict_SetItem(index_.get(), outcome, idx.get()) < 0) throw py::ErrorAlreadySet{};
    }
    ++slots_[i].count;
    return forbidden_[i];
  }
  std::vector<OutcomeCount> take() { return std::move(slots_); }
  // Forgets every outcome (explore's search starting again).
  void clear() {
    slots_.clear();
    forbidden_.clear();
    index_ = py::check(PyDict_New());
  }

 private:
  const LoadedCase& case_;
  size_t max_outcomes_;
  py::Ref index_;
  std::vector<OutcomeCount> slots_;
  std::vector<bool> forbidden_;
};

// Exceptions that escaped actors, by type: each kind becomes the outcome "raised <type>" of the
// trials (states) it ended, and its first traceback is kept for the report. Thread-safe: actors
// add to it while they run.
class RaisedLog {
 public:
  explicit RaisedLog(const LoadedCase& c) : case_(c) {}
  // Takes the exception set on this thread; returns its kind's index. Formats nothing: the first
  // of each kind is kept and formatted later, by the coordinator (format_first).
  int add(py::Ref exc) {
    const char* name = _PyType_Name(Py_TYPE(exc.get()));
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < kinds_.size(); ++i)
      if (kinds_[i].type == name) return static_cast<int>(i);
    kinds_.push_back(RaisedKind{name, 0, 0, ""});
    first_.push_back(std::move(exc));
    return static_cast<int>(kinds_.size() - 1);
  }
  int add_current() { return add(py::take_raised()); }
  // The outcome object for a kind ("raised KeyError"), made once per kind; coordinator only.
  PyObject* outcome(int kind) {
    while (outcomes_.size() <= static_cast<size_t>(kind)) outcomes_.emplace_back();
    if (!outcomes_[kind]) outcomes_[kind] = py::check(PyUnicode_FromFormat("raised %s", kinds_[kind].type.c_str()));
    return outcomes_[kind].get();
  }
  void count(int kind) { ++kinds_[kind].count; }
  void clear() {  // forgets every kind (explore's search starting again); coordinator only
    std::lock_guard<std::mutex> lock(mu_);
    kinds_.clear();
    first_.clear();
    outcomes_.clear();
  }
  // Formats the first traceback of each kind (from the case file's first frame on) and its line.
  std::vector<RaisedKind> take() {
    for (size_t i = 0; i < kinds_.size(); ++i) {
      PyObject* e = first_[i].get();
      py::Ref text =
          py::Ref::steal(PyObject_CallMethod(case_.loader.get(), "format_exception", "OO", e, case_.path.get()));
      kinds_[i].traceback = text ? py::to_string(text.get()) : kinds_[i].type + "\n";
      py::Ref line = py::Ref::steal(PyObject_CallMethod(case_.loader.get(), "case_line", "OO", e, case_.path.get()));
      kinds_[i].line = line ? static_cast<int>(PyLong_AsLong(line.get())) : 0;
      PyErr_Clear();
    }
    first_.clear();
    return std::move(kinds_);
  }

 private:
  const LoadedCase& case_;
  std::mutex mu_;
  std::vector<RaisedKind> kinds_;
  std::vector<py::Ref> first_;
  std::vector<py::Ref> outcomes_;
};

}  // namespace pyrace
