#include "worker/scheduler.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <optional>

#include "py/interp.hpp"
#include "worker/frame_peek.h"

namespace pyrace {

namespace {
thread_local int t_index = -1;  // this OS thread's actor number in the running schedule
Scheduler* g_sched = nullptr;
PyObject* g_aborted_type = nullptr;  // ScheduleAborted (owned by the module, kept for the process)
py::Ref g_disable;                   // sys.monitoring.DISABLE
std::string g_table;                 // opcode -> 1 if a scheduling point
std::vector<std::string> g_excluded; // files whose code is never a point
// code object -> its bytecode (null Ref: excluded code) and file. Changed only by the thread
// holding the turn, so without a lock; the stall watch reads a file name through a pointer into it
// (an unordered_map never moves its elements).
struct CodeInfo {
  py::Ref bytes;
  std::string file;
};
std::unordered_map<PyObject*, CodeInfo>* g_code_cache = nullptr;

inline std::uint64_t bit(int t) { return std::uint64_t{1} << t; }
}  // namespace

int default_choice(const Decision& d) {
  if (d.prev_enabled) return d.prev;
  return d.enabled ? std::countr_zero(d.enabled) : -1;
}

Scheduler::Scheduler(int threads) : n_(threads), slots_(new Slot[threads]) {}

int Scheduler::current_thread() { return g_sched ? t_index : -1; }

void Scheduler::begin(Chooser choose, PyObject* tracer, long max_steps, long spin_limit) {
  choose_ = std::move(choose);
  tracer_ = tracer;
  max_steps_ = max_steps;
  spin_limit_ = spin_limit;
  preroll_ = true;
  last_ = -1;
  run_length_ = 0;
  most_steps_ = 0;
  if (track_) trace_.reset(n_);
  choices_.clear();
  preemptions_ = 0;
  aborted_.store(false);
  abort_kind_ = AbortKind::None;
  abort_reason_.clear();
  deadlock_.clear();
  for (int t = 0; t < n_; ++t) {
    Slot& s = slots_[t];
    s.state = State::Idle;
    s.key = nullptr;
    s.what.clear();
    s.timed = s.timed_out = false;
    s.pending = Access::anything();
    s.at_point = false;
    s.steps = 0;
    s.at_code.store(nullptr, std::memory_order_relaxed);
    s.at_offset.store(-1, std::memory_order_relaxed);
    s.at_file.store(nullptr, std::memory_order_relaxed);
    s.go.store(0, std::memory_order_relaxed);
  }
  holder_.store(0, std::memory_order_relaxed);
  progress_.fetch_add(1, std::memory_order_release);
  in_schedule_.store(true, std::memory_order_release);
  // Pre-roll: thread 0 first, each to its first scheduling point, then the next. What runs
  // before a thread's first point touches nothing shared, so this order is no choice.
  slots_[0].state = State::Running;
  slots_[0].go.store(1, std::memory_order_release);
}

Scheduler::Where Scheduler::where(int t) const {
  if (t < 0 || t >= n_) return {};
  const Slot& s = slots_[t];
  return {s.at_code.load(std::memory_order_acquire), s.at_offset.load(std::memory_order_acquire),
          s.at_file.load(std::memory_order_acquire)};
}

void Scheduler::hand(int u) {
  holder_.store(u, std::memory_order_relaxed);
  progress_.fetch_add(1, std::memory_order_release);
  slots_[u].go.store(1, std::memory_order_release);
  if (!fibers_) slots_[u].go.notify_one();  // a fiber is switched to by whoever gives the turn up
}

int Scheduler::next_holder(int self) const {
  for (int u = 0; u < n_; ++u)
    if (u != self && slots_[u].go.load(std::memory_order_relaxed) != 0 && fibers_->active(u)) return u;
  return -1;
}

bool Scheduler::wait_turn(int t) {
  Slot& s = slots_[t];
  if (fibers_) {
    while (s.go.load(std::memory_order_relaxed) == 0) {
      const int u = next_holder(t);
      if (u < 0) {  // nobody to switch to: a harness error, never a hang
        abort(AbortKind::Mismatch, "no thread holds the turn");
        continue;  // the abort handed it to every thread still running, this one too
      }
      fibers_->switch_to(t, u);
    }
    t_index = t;  // one OS thread for every fiber: who runs now is set at every switch
    holder_.store(t, std::memory_order_relaxed);  // after an abort every fiber has the turn: the one running holds it
  } else {
    py::Detached d;  // waiting detached: a stop-the-world pause (GC, instrumentation) needs no word from us
    if (spin_ && s.go.load(std::memory_order_acquire) == 0) {
      // A step is a few instructions: the turn usually comes back within microseconds. Spin up
      // to 50 us for it (the time of a futex sleep and wake-up), then sleep.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      for (int i = 1; s.go.load(std::memory_order_acquire) == 0; ++i) {
        __builtin_ia32_pause();
        if ((i & 63) == 0 && std::chrono::steady_clock::now() > deadline) break;
      }
    }
    while (s.go.load(std::memory_order_acquire) == 0) s.go.wait(0, std::memory_order_acquire);
  }
  s.go.store(0, std::memory_order_relaxed);
  return !aborted_.load(std::memory_order_acquire);
}

bool Scheduler::raise_aborted() {
  if (!PyErr_Occurred())
    PyErr_SetString(g_aborted_type, abort_reason_.empty() ? "schedule aborted" : abort_reason_.c_str());
  return false;
}

void Scheduler::abort(AbortKind kind, std::string reason) {
  abort_kind_ = kind;
  abort_reason_ = std::move(reason);
  // What runs now only unwinds. Threads unwind at once; fibers one after another, so the stall
  // watch stays on for them until the last has left (one stuck unwinding would stop them all).
  if (!fibers_) in_schedule_.store(false, std::memory_order_release);
  aborted_.store(true, std::memory_order_release);
  // Every thread still waiting takes the abort and unwinds (they run at once from here on, but
  // only to leave: every scheduler call now raises or returns).
  for (int u = 0; u < n_; ++u)
    if (slots_[u].state != State::Done) hand(u);
}

int Scheduler::decide_and_hand(int prev) {
  Decision d;
  d.prev = prev;
  d.prev_enabled = prev >= 0 && slots_[prev].state == State::Ready;
  d.step = choices_.size();
  for (int u = 0; u < n_; ++u)
    if (slots_[u].state == State::Ready) d.enabled |= bit(u);
  // Fairness (as CHESS): a thread that has run this long while others could run is spinning on
  // something only they can change; it is switched out, and that switch costs no preemption.
  if (d.prev_enabled && spin_limit_ > 0 && run_length_ >= spin_limit_ && std::popcount(d.enabled) > 1) {
    d.enabled &= ~bit(prev);
    d.prev_enabled = false;
  }
  if (d.enabled == 0) {
    // Nobody can run. A timed wait ends now (its timeout is the only thing left to happen);
    // otherwise, with somebody waiting, it is a deadlock; with nobody, the schedule is over.
    for (int u = 0; u < n_; ++u) {
      if (slots_[u].state == State::Blocked && slots_[u].timed) {
        slots_[u].timed_out = true;
        slots_[u].state = State::Ready;
        d.enabled = bit(u);
        break;
      }
    }
    if (d.enabled == 0) {
      std::vector<std::string> waits;
      for (int u = 0; u < n_; ++u)
        if (slots_[u].state == State::Blocked)
          waits.push_back("thread " + std::to_string(u) + " waits for " + slots_[u].what);
      if (waits.empty()) return -1;
      deadlock_ = waits;
      abort(AbortKind::Deadlock, "deadlock: every thread that has not finished waits for another");
      return -1;
    }
  }
  if (track_)  // classified now, not when the thread arrived: steps since may have changed what it does
    for (std::uint64_t e = d.enabled; e; e &= e - 1) {
      const int u = std::countr_zero(e);
      Slot& s = slots_[u];
      s.pending = s.at_point ? classify_access(s.site) : Access::anything();
      after_[static_cast<size_t>(u)] = trace_.after(u, s.pending);
    }
  if (track_) d.after = after_.data();
  const int c = choose_(d);
  if (c < 0 || c >= n_ || !(d.enabled & bit(c))) {
    abort(AbortKind::Mismatch,
          "step " + std::to_string(d.step + 1) + " asks for thread " + std::to_string(c) + ", which cannot run there");
    return -1;
  }
  if (preempts(d, c)) ++preemptions_;
  run_length_ = c == last_ ? run_length_ + 1 : 1;
  most_steps_ = std::max(most_steps_, ++slots_[c].steps);
  last_ = c;
  if (track_) {
    trace_.step(c, slots_[c].pending);
  }
  choices_.push_back(c);
  if (max_steps_ > 0 && static_cast<long>(choices_.size()) > max_steps_) {
    abort(AbortKind::Livelock, "the schedule did not end within " + std::to_string(max_steps_) + " steps");
    return -1;
  }
  slots_[c].state = State::Running;
  return c;
}

bool Scheduler::enter(int t) {
  t_index = t;
  if (!wait_turn(t)) return false;
  return true;
}

void Scheduler::leave(int t, bool raised) {
  if (aborted_.load(std::memory_order_acquire)) {
    slots_[t].state = State::Done;
    t_index = -1;
    if (fibers_) {
      progress_.fetch_add(1, std::memory_order_release);
      bool all_done = true;
      for (int u = 0; u < n_; ++u) all_done = all_done && slots_[u].state == State::Done;
      if (all_done) in_schedule_.store(false, std::memory_order_release);
    }
    return;
  }
  slots_[t].state = State::Done;
  // Which exception escaped first is part of the outcome: an actor's end by an exception is
  // ordered against every other step.
  if (track_ && raised) trace_.step(t, Access::anything());
  trace_event(t, "finished");
  t_index = -1;
  progress_.fetch_add(1, std::memory_order_release);
  if (preroll_) {
    for (int u = t + 1; u < n_; ++u) {
      if (slots_[u].state == State::Idle) {
        slots_[u].state = State::Running;
        hand(u);
        return;
      }
    }
    preroll_ = false;
    last_ = -1;
  }
  int c = decide_and_hand(t);
  if (c >= 0) hand(c);
  else if (!aborted_.load(std::memory_order_acquire))
    in_schedule_.store(false, std::memory_order_release);  // every thread finished
}

bool Scheduler::point(int t, PyObject* code, int offset, const std::string* file, const StepSite* site) {
  if (aborted_.load(std::memory_order_acquire)) return raise_aborted();
  // Only the thread holding the turn writes it: no read-modify-write on the hot path.
  progress_.store(progress_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  Slot& me = slots_[t];
  me.at_code.store(code, std::memory_order_relaxed);
  me.at_offset.store(offset, std::memory_order_relaxed);
  me.at_file.store(file, std::memory_order_release);
  me.state = State::Ready;
  me.at_point = site != nullptr;
  if (site) me.site = *site;
  int prev = t;
  if (preroll_) {
    for (int u = t + 1; u < n_; ++u) {
      if (slots_[u].state == State::Idle) {
        slots_[u].state = State::Running;
        hand(u);
        if (!wait_turn(t)) return raise_aborted();
        trace_point(t, code, offset);
        return true;
      }
    }
    preroll_ = false;
    prev = -1;  // the first real step: any thread may take it without preempting anyone
    last_ = -1;
  }
  int c = decide_and_hand(prev);
  if (c < 0) return raise_aborted();
  if (c != t) {
    hand(c);
    if (!wait_turn(t)) return raise_aborted();
  }
  trace_point(t, code, offset);
  return true;
}

int Scheduler::block(int t, PyObject* key, const std::string& what, bool timed) {
  if (aborted_.load(std::memory_order_acquire)) return raise_aborted(), -1;
  Slot& s = slots_[t];
  s.state = State::Blocked;
  s.key = key;
  s.what = what;
  s.timed = timed;
  s.timed_out = false;
  s.at_point = false;  // it goes on inside the blocking call: whatever that touches
  trace_event(t, "waits for " + what);
  int c = decide_and_hand(t);
  if (c < 0) return raise_aborted(), -1;
  if (c != t) {
    hand(c);
    if (!wait_turn(t)) return raise_aborted(), -1;
  }
  const bool timed_out = s.timed_out;
  s.key = nullptr;
  s.timed_out = false;
  trace_event(t, timed_out ? "stops waiting: timed out" : "stops waiting");
  return timed_out ? 0 : 1;
}

void Scheduler::wake(PyObject* key) {
  if (aborted_.load(std::memory_order_acquire)) return;
  for (int u = 0; u < n_; ++u) {
    Slot& s = slots_[u];
    if (s.state == State::Blocked && s.key == key) s.state = State::Ready;
  }
}

void Scheduler::trace_point(int t, PyObject* code, int offset) {
  if (!tracer_) return;
  py::Ref r = py::Ref::steal(PyObject_CallMethod(tracer_, "point", "iOi", t, code, offset));
  if (!r) PyErr_Clear();  // the tracer only describes; it must never change the schedule
}

void Scheduler::trace_event(int t, const std::string& what) {
  if (!tracer_) return;
  py::Ref r = py::Ref::steal(PyObject_CallMethod(tracer_, "event", "is", t, what.c_str()));
  if (!r) PyErr_Clear();
}

// --- the _pyrace_sched module ---------------------------------------------------------------
namespace {

PyObject* sched_me(PyObject*, PyObject*) { return PyLong_FromLong(Scheduler::current_thread()); }

PyObject* sched_fibers(PyObject*, PyObject*) { return PyBool_FromLong(g_sched && g_sched->fibers()); }

PyObject* sched_block(PyObject*, PyObject* const* args, Py_ssize_t n) {
  if (n != 3) {
    PyErr_SetString(PyExc_TypeError, "block(key, what, timed)");
    return nullptr;
  }
  const int t = Scheduler::current_thread();
  if (t < 0) {
    PyErr_SetString(PyExc_RuntimeError, "block() outside a schedule");
    return nullptr;
  }
  const int r = g_sched->block(t, args[0], py::to_string(args[1]), PyObject_IsTrue(args[2]) == 1);
  if (r < 0) return nullptr;
  return PyBool_FromLong(r);
}

PyObject* sched_wake(PyObject*, PyObject* key) {
  if (Scheduler::current_thread() >= 0) g_sched->wake(key);
  Py_RETURN_NONE;
}

// sys.monitoring's INSTRUCTION callback: (code, instruction_offset).
PyObject* sched_instruction(PyObject*, PyObject* const* args, Py_ssize_t n) {
  const int t = Scheduler::current_thread();
  if (t < 0 || n != 2) Py_RETURN_NONE;  // setup, the arbiter, pyrace's own code: no schedule
  PyObject* code = args[0];
  auto it = g_code_cache->find(code);
  if (it == g_code_cache->end()) {
    py::Ref bytes;
    py::Ref file = py::Ref::steal(PyObject_GetAttrString(code, "co_filename"));
    std::string f = file ? py::to_string(file.get()) : "";
    PyErr_Clear();
    if (std::find(g_excluded.begin(), g_excluded.end(), f) == g_excluded.end())
      bytes = py::Ref::steal(PyCode_GetCode(reinterpret_cast<PyCodeObject*>(code)));
    PyErr_Clear();
    Py_INCREF(code);  // kept alive: the map is keyed by its address
    it = g_code_cache->emplace(code, CodeInfo{std::move(bytes), std::move(f)}).first;
  }
  const long offset = PyLong_AsLong(args[1]);
  const py::Ref& bytes = it->second.bytes;
  if (!bytes || offset < 0 || offset >= PyBytes_GET_SIZE(bytes.get()) ||
      !g_table[static_cast<unsigned char>(PyBytes_AS_STRING(bytes.get())[offset])])
    return Py_NewRef(g_disable.get());  // never a point: sys.monitoring stops calling us there
  // The step's site (for the state cache's access model) only when tracking: reading the frame costs.
  std::optional<StepSite> site;
  if (g_sched->tracking())
    site.emplace(StepSite{code, PyBytes_AS_STRING(bytes.get()), PyBytes_GET_SIZE(bytes.get()), static_cast<int>(offset),
                          pyrace_current_frame(code)});
  if (!g_sched->point(t, code, static_cast<int>(offset), &it->second.file, site ? &*site : nullptr)) return nullptr;
  Py_RETURN_NONE;
}

PyMethodDef kMethods[] = {
    {"me", sched_me, METH_NOARGS, "the calling actor's thread number in the running schedule, or -1"},
    {"fibers", sched_fibers, METH_NOARGS, "whether the actors run as fibers, sharing one OS thread"},
    {"block", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(sched_block)), METH_FASTCALL,
     "block(key, what, timed): give the turn away until wake(key); False when a timed wait timed out"},
    {"wake", sched_wake, METH_O, "wake(key): threads blocked on key may run again"},
    {"instruction", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(sched_instruction)), METH_FASTCALL,
     "sys.monitoring INSTRUCTION callback"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef kModule = {PyModuleDef_HEAD_INIT,
                       "_pyrace_sched",
                       "pyrace's controlled scheduler",
                       -1,
                       kMethods,
                       nullptr,
                       nullptr,
                       nullptr,
                       nullptr};
}  // namespace

void attach_scheduler(Scheduler* sched) { g_sched = sched; }

py::Ref make_sched_module(const std::string& point_table, std::vector<std::string> excluded_files) {
  g_table = point_table;
  g_table.resize(256, '\1');
  g_excluded = std::move(excluded_files);
  if (!g_code_cache) g_code_cache = new std::unordered_map<PyObject*, CodeInfo>();
  py::Ref m = py::check(PyModule_Create(&kModule));
#ifdef Py_GIL_DISABLED
  PyUnstable_Module_SetGIL(m.get(), Py_MOD_GIL_NOT_USED);
#endif
  if (!g_aborted_type) {
    // A BaseException: a case's `except Exception` must not swallow the end of a schedule.
    g_aborted_type = PyErr_NewException("_pyrace_sched.ScheduleAborted", PyExc_BaseException, nullptr);
    if (!g_aborted_type) throw py::ErrorAlreadySet{};
  }
  if (PyModule_AddObjectRef(m.get(), "ScheduleAborted", g_aborted_type) < 0) throw py::ErrorAlreadySet{};
  py::Ref mon = py::check(PyImport_ImportModule("sys"));
  py::Ref monitoring = py::check(PyObject_GetAttrString(mon.get(), "monitoring"));
  g_disable = py::check(PyObject_GetAttrString(monitoring.get(), "DISABLE"));
  py::Ref modules = py::Ref::borrow(PyImport_GetModuleDict());
  if (PyDict_SetItemString(modules.get(), "_pyrace_sched", m.get()) < 0) throw py::ErrorAlreadySet{};
  return m;
}

PyObject* schedule_aborted_type() { return g_aborted_type; }

}  // namespace pyrace
