#include "worker/worker.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "worker/engine.hpp"
#include "worker/explore.hpp"
#include "worker/fuzz_driver_module.hpp"
#include "worker/reap.hpp"
#include "loader_source.hpp"  // generated from loader.py
#include "py/interp.hpp"
#include "results/record.hpp"
#include "py/ref.hpp"

namespace pyrace {

using nlohmann::json;

namespace {

// The result channel: the supervisor hands it over as fd 3 (kResultFd); the worker moves it to
// a high, close-on-exec descriptor before any case code runs, and leaves /dev/null on fd 3, so a
// case that writes to (or closes) fd 3 cannot garble or lose the result.
int g_result_fd = kResultFd;

void move_result_channel() {
  int fd = -1;
  for (int low : {1000, 200, 20}) {  // F_DUPFD fails when low is past RLIMIT_NOFILE
    fd = ::fcntl(kResultFd, F_DUPFD_CLOEXEC, low);
    if (fd >= 0) break;
  }
  if (fd < 0) return;  // keep fd 3 (no descriptor to spare)
  int null = ::open("/dev/null", O_RDWR);
  if (null < 0 || ::dup2(null, kResultFd) < 0) {
    ::close(fd);
    return;
  }
  if (null != kResultFd) ::close(null);
  g_result_fd = fd;
}

void write_result(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  const char* p = s.data();
  size_t left = s.size();
  while (left > 0) {
    ssize_t n = ::write(g_result_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// --show-suppressed in a TSan build: end through exit(), whose handlers include TSan's
// finaliser (it prints the suppressions that matched); _exit() skips it.
bool g_finalise_sanitizer = false;

// Ends the worker without finalising the interpreter: finalisation would wait for threads a
// case started and never joined, and the result is already written. exit() does not finalise
// it either: CPython's own exit functions run in Py_FinalizeEx, which is never called.
// Once per process: explore's stall watch may end the worker from its own thread while the main
// thread, just unblocked, ends it too; the second waits for the first's _exit.
std::atomic<bool> g_finishing{false};
[[noreturn]] void finish(const json& j, int code) {
  if (g_finishing.exchange(true))
    for (;;) ::pause();
  write_result(j);
  std::fflush(stdout);
  std::fflush(stderr);
  if (g_finalise_sanitizer) {
    ::close(g_result_fd);  // the supervisor sees the end of the result now, not after the finaliser
    std::exit(code);
  }
  ::_exit(code);
}

json py_to_json(PyObject* o, PyObject* json_mod) {
  // ensure_ascii=False and "replace": a lone surrogate (an undecodable file name) becomes U+FFFD
  // instead of a \udcXX escape, which strict JSON parsers refuse.
  py::Ref dumps = py::check(PyObject_GetAttrString(json_mod, "dumps"));
  py::Ref args = py::check(Py_BuildValue("(O)", o));
  py::Ref kwargs = py::check(Py_BuildValue("{s:O}", "ensure_ascii", Py_False));
  py::Ref s = py::check(PyObject_Call(dumps.get(), args.get(), kwargs.get()));
  py::Ref b = py::check(PyUnicode_AsEncodedString(s.get(), "utf-8", "replace"));
  return json::parse(std::string(PyBytes_AS_STRING(b.get()), PyBytes_GET_SIZE(b.get())));
}

long peak_rss_kib() {
  rusage ru{};
  return ::getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

// The machine's 1-minute load average: how busy it was while the case ran (-1: unknown).
double load_average() {
  double l[1];
  return ::getloadavg(l, 1) == 1 ? l[0] : -1;
}

std::string python_version() { return Py_GetVersion(); }

long case_int(PyObject* c, const char* name, long fallback) {
  py::Ref v = py::check(PyObject_GetAttrString(c, name));
  return v.get() == Py_None ? fallback : PyLong_AsLong(v.get());
}

ExploreParams explore_params(const json& j) {
  ExploreParams p;
  p.strategy = j.value("strategy", p.strategy);
  p.preemptions = j.value("preemptions", p.preemptions);
  p.max_schedules = j.value("max_schedules", p.max_schedules);
  p.time_budget_s = j.value("time_budget_s", p.time_budget_s);
  p.seed = j.value("seed", p.seed);
  p.pct_depth = j.value("pct_depth", p.pct_depth);
  p.iterations = j.value("iterations", p.iterations);
  p.schedule = j.value("schedule", p.schedule);
  p.repeat = j.value("repeat", p.repeat);
  p.max_steps = j.value("max_steps", p.max_steps);
  p.spin_limit = j.value("spin_limit", p.spin_limit);
  p.all_points = j.value("all_points", p.all_points);
  p.cache = j.value("cache", p.cache);
  p.engine = j.value("engine", p.engine);
  p.scope_all = j.value("scope_all", p.scope_all);
  p.trace = j.value("trace", p.trace);
  p.stress_sizes = j.value("stress_sizes", p.stress_sizes);
  p.stall_s = j.value("stall_s", p.stall_s);
  return p;
}

// `import _pyrace_fuzz` in a case file: the fuzz runtime, built by the loader's finder on first use.
PyObject* load_fuzz_runtime(PyObject*, PyObject*) { return load_fuzz_driver().release(); }
PyMethodDef kLoadFuzzRuntime = {"load_fuzz_runtime", load_fuzz_runtime, METH_NOARGS, nullptr};

// The interpreter, with the GIL as the run asks; one that cannot start ends the worker with the
// environment code.
std::unique_ptr<py::Interpreter> start_interpreter(bool gil_on) {
  // PYRACE_PYTHON_HOME: the interpreter's prefix, when it moved since pyrace was built.
  const char* home = std::getenv("PYRACE_PYTHON_HOME");
  try {
    return std::make_unique<py::Interpreter>(
        py::InterpreterOptions{home && *home ? home : PYRACE_PYTHON_HOME, gil_on, true});
  } catch (const std::exception& e) {
    finish({{"status", "env"},
            {"message", std::string("cannot start the interpreter with home ") +
                            (home && *home ? home : PYRACE_PYTHON_HOME) + ": " + e.what() +
                            " (rebuild pyrace with scripts/bootstrap, or set PYRACE_PYTHON_HOME to the "
                            "interpreter's prefix)"}},
           kWorkerEnvError);
  }
}

// Ends the worker with the environment code when the GIL is not as asked at startup.
void check_gil_at_start(json& out, bool gil_on) {
  const bool gil_at_start = py::gil_enabled();
  out["gil_enabled_at_start"] = gil_at_start;
  if (gil_at_start == gil_on) return;
  out["status"] = "env";
  out["message"] = gil_on ? "the GIL could not be forced on (PyConfig.enable_gil = 1 had no effect)"
                          : "the GIL is enabled at startup: this interpreter is not free-threaded, or something "
                            "in its startup (site, sitecustomize) re-enabled it";
  finish(out, kWorkerEnvError);
}

// What the steps after the interpreter starts share: the loader, the case, the result being built.
struct Session {
  Session(json& o, const Config& config, bool gil) : out(o), cfg(config), gil_on(gil) {}
  json& out;
  const Config& cfg;
  const bool gil_on;
  py::Ref loader, json_mod;
  py::Ref modules_before;  // sys.modules before the case: what it imported is new after
  py::Ref path_obj, c;     // load_case: the case file's path as Python sees it, the loader.Case
  bool single = false;     // read_shape: the single shape (else loop)
  bool named = false;      // read_shape: actors of their own (else one `actor` run by every thread)
  Py_ssize_t actors = 0;   // read_shape: how many actor functions the case has
};

// The loader, initialised for this worker, and the modules loaded before any case code.
void open_loader(Session& s) {
  s.loader = import_loader();
  s.json_mod = py::check(PyImport_ImportModule("json"));
  py::check(PyObject_CallMethod(s.loader.get(), "init_worker", "i", g_result_fd));
  py::Ref fuzz_loader = py::check(PyCFunction_New(&kLoadFuzzRuntime, nullptr));
  py::check(PyObject_CallMethod(s.loader.get(), "register_fuzz_runtime", "O", fuzz_loader.get()));
  py::Ref sys = py::check(PyImport_ImportModule("sys"));
  s.modules_before = py::check(PySet_New(py::check(PyObject_GetAttrString(sys.get(), "modules")).get()));
}

// The case could not be loaded: its CaseError (kind, message, traceback, line), or the loader's
// own failure whole.
[[noreturn]] void finish_load_error(json& out, bool gil_on) {
  py::Error e = py::fetch_error();
  py::Ref kind = py::Ref::steal(PyObject_GetAttrString(e.exc.get(), "kind"));
  if (!kind) {  // not a CaseError: a bug in the loader, report it whole
    PyErr_Clear();
    out["status"] = "exception";
    out["message"] = "pyrace's loader failed: " + e.type + ": " + e.message;
    out["traceback"] = e.traceback;
  } else {
    out["status"] = py::to_string(kind.get());
    py::Ref msg = py::check(PyObject_GetAttrString(e.exc.get(), "message"));
    out["message"] = py::to_string(msg.get());
    py::Ref tb = py::check(PyObject_GetAttrString(e.exc.get(), "traceback_text"));
    out["traceback"] = py::to_string(tb.get());
    py::Ref line = py::check(PyObject_GetAttrString(e.exc.get(), "line"));
    out["line"] = PyLong_AsLong(line.get());
  }
  // A module imported at the top of the case may have re-enabled the GIL before failing.
  if (!gil_on && py::gil_enabled()) out["gil_enabled_after_load"] = true;
  finish(out, kWorkerOk);
}

// Loads the case (path and name as raw bytes) and describes it into out["case"].
void load_case(Session& s, const std::string& path, const std::string& name) {
  // File-system decoding (surrogateescape), as Python itself treats file names.
  s.path_obj = py::check(PyUnicode_DecodeFSDefault(path.c_str()));
  py::Ref name_obj = py::check(PyUnicode_DecodeFSDefault(name.c_str()));
  s.c = py::Ref::steal(PyObject_CallMethod(s.loader.get(), "load", "OO", s.path_obj.get(), name_obj.get()));
  if (!s.c) finish_load_error(s.out, s.gil_on);
  py::Ref desc = py::check(PyObject_CallMethod(s.loader.get(), "describe", "O", s.c.get()));
  s.out["case"] = py_to_json(desc.get(), s.json_mod.get());
}

// The case's shape, and whether its actors are named (then there is one thread per actor).
void read_shape(Session& s) {
  s.single = py::to_string(py::check(PyObject_GetAttrString(s.c.get(), "shape")).get()) == to_string(Shape::Single);
  py::Ref actors = py::check(PyObject_GetAttrString(s.c.get(), "actors"));
  s.actors = PyList_Size(actors.get());
  s.named = !(PyList_Size(actors.get()) == 1 &&
              py::to_string(PyTuple_GetItem(PyList_GetItem(actors.get(), 0), 0)) == "actor");
}

// Ends the worker with status "gil": an extension re-enabled the GIL (when: during the import, or
// while the case ran), naming the modules it can.
[[noreturn]] void finish_gil(Session& s, const char* when) {
  py::Ref named = py::check(PyObject_CallMethod(s.loader.get(), "gil_modules", "O", s.c.get()));
  py::Ref fresh = py::check(PyObject_CallMethod(s.loader.get(), "new_extension_modules", "O", s.modules_before.get()));
  json mods = py_to_json(named.get(), s.json_mod.get());
  json candidates = py_to_json(fresh.get(), s.json_mod.get());
  s.out["status"] = "gil";
  s.out["gil_modules"] = mods.empty() ? candidates : mods;
  std::string who = mods.empty() ? (candidates.empty() ? std::string("an unknown module")
                                                       : "one of the extension modules " + candidates.dump())
                                 : "module " + mods.dump();
  s.out["message"] = std::string("the GIL was re-enabled ") + when + " by " + who +
                     " (an extension that does not declare Py_mod_gil = Py_MOD_GIL_NOT_USED); "
                     "results with the GIL on say nothing about the free-threaded build";
  finish(s.out, kWorkerOk);
}

// Precedence: command line, then the case's own setting, then pyrace's default.
int threads_of(const Session& s) {
  if (s.named) return static_cast<int>(s.actors);
  return s.cfg.threads > 0 ? s.cfg.threads : static_cast<int>(case_int(s.c.get(), "threads", kDefaultThreads));
}
long loop_iterations_of(const Session& s) {
  return s.cfg.iterations > 0 ? s.cfg.iterations : case_int(s.c.get(), "iterations", kDefaultIterations);
}

LoadedCase loaded_case(const Session& s) {
  return LoadedCase{s.c, s.loader, to_string(s.single ? Shape::Single : Shape::Loop), s.path_obj};
}

// Explore mode: the schedule search, its result in out["explore"]; an error of case code or of
// pyrace's becomes status "exception".
// Ends an explore worker: out["explore"] is the search's result; an "error" in it (case code
// raised, pyrace failed, a thread stalled) makes the result an exception naming it.
[[noreturn]] void finish_explore(json& out) {
  out["status"] = "ok";
  if (out["explore"].contains("error")) {
    const json& e = out["explore"]["error"];
    out["status"] = "exception";
    const std::string phase = e.value("phase", std::string("harness"));
    out["message"] = phase == "explore" ? e.value("message", "") : "the " + phase + " raised " + e.value("message", "");
    out["traceback"] = e.value("traceback", "");
    out["line"] = e.value("line", 0);
  }
  finish(out, kWorkerOk);
}

[[noreturn]] void explore_mode(Session& s, PyInterpreterState* interp, ExploreParams ep) {
  json& out = s.out;
  ep.threads = threads_of(s);
  const long loop_iterations = loop_iterations_of(s);
  if (ep.stress_sizes) {  // the sanity check: as the stress run will run it
    ep.iterations = loop_iterations;
  } else {  // --iterations, else the case's EXPLORE["ITERATIONS"], else 2; EXPLORE's sizes apply
    py::Ref it_req = s.cfg.iterations > 0 ? py::check(PyLong_FromLong(s.cfg.iterations)) : py::Ref::borrow(Py_None);
    ep.iterations = PyLong_AsLong(
        py::check(PyObject_CallMethod(s.loader.get(), "configure_explore", "OO", s.c.get(), it_req.get())).get());
  }
  py::check(
      PyObject_CallMethod(s.loader.get(), "configure", "Oil", s.c.get(), ep.threads, s.single ? 1L : ep.iterations));
  write_result({{"event", "loaded"}, {"case", out["case"]}, {"python", out["python"]}});
  // A thread blocked outside the model: the stall watch's thread ends the worker with what the
  // search has so far (no Python there: the blocked thread may be attached, holding up the rest).
  StallHandler on_stall = [base = out](const json& e) {
    json o = base;
    o["explore"] = e;
    finish_explore(o);
  };
  out["explore"] = run_explore(interp, loaded_case(s), ep, on_stall);
  if (py::gil_enabled()) finish_gil(s, "while the case ran");
  finish_explore(out);
}

// What the stress run measured, as the result's "run" object.
json run_json(const EngineResult& r) {
  json outcomes = json::array();
  for (const auto& o : r.outcomes)
    outcomes.push_back({{"outcome", o.outcome}, {"grade", o.grade}, {"count", o.count}, {"listed", o.listed}});
  return {
      {"trials", r.trials},
      {"outcomes", outcomes},
      {"raised", raised_json(r.raised)},
      {"concurrent_trials", r.concurrent_trials},
      {"load_avg", load_average()},
      {"elapsed_s", r.elapsed_s},
      {"first_forbidden_s", r.first_forbidden_s},
      {"stop_reason", r.stop_reason},
      {"rounds", r.rounds},
      {"max_rss_kib", peak_rss_kib()},
      {"damage",
       r.damage_n
           ? json{{"n", r.damage_n}, {"mean", r.damage_sum / r.damage_n}, {"min", r.damage_min}, {"max", r.damage_max}}
           : json(nullptr)}};
}

// Stress mode (the default): the engine's run, its result in out["run"]; an error of case code
// becomes status "exception".
[[noreturn]] void stress_mode(Session& s, PyInterpreterState* interp) {
  json& out = s.out;
  const Config& cfg = s.cfg;
  const bool single = s.single;
  EngineParams p;
  p.threads = threads_of(s);
  const long loop_iterations = loop_iterations_of(s);
  p.iterations = single ? 1 : loop_iterations;
  p.trials =
      cfg.trials > 0 ? cfg.trials : case_int(s.c.get(), "trials", single ? kDefaultTrialsSingle : kDefaultTrialsLoop);
  p.time_budget_s = cfg.time_budget_s;
  p.early_stop = cfg.early_stop;
  p.gil_on = s.gil_on;
  // The trial budget (the case's TRIALS, else pyrace's default) adapts: sampling goes on past it
  // until the error-rate bound over concurrent trials is reached, or the time budget ends. A
  // number of trials given on the command line is exact; grading says when it was too few.
  p.max_rate = cfg.trials > 0     ? 0
               : cfg.max_rate > 0 ? cfg.max_rate
               : single           ? kDefaultMaxRateSingle
                                  : kDefaultMaxRateLoop;
  out["effective"] = {{"threads", p.threads}, {"iterations", p.iterations}, {"trials", p.trials}};
  // A first line now: if the case crashes or hangs, the supervisor still knows what it was.
  write_result(
      {{"event", "loaded"}, {"case", out["case"]}, {"effective", out["effective"]}, {"python", out["python"]}});
  py::check(PyObject_CallMethod(s.loader.get(), "configure", "Oil", s.c.get(), p.threads, p.iterations));
  EngineResult r = run_case(interp, loaded_case(s), p);
  out["run"] = run_json(r);
  if (!s.gil_on && py::gil_enabled()) finish_gil(s, "while the case ran");
  if (!r.ok) {
    out["status"] = "exception";
    out["message"] = "the " + r.phase + " raised " + r.error;
    out["traceback"] = r.traceback;
    out["line"] = r.line;
  } else {
    out["status"] = "ok";
  }
  finish(out, kWorkerOk);
}
}  // namespace

py::Ref import_loader() {
  // First the names and defaults loader.py imports (it is not a file the interpreter could find).
  if (!py::import_source(kNamesSource, "<pyrace names>", "_pyrace_names")) throw py::ErrorAlreadySet{};
  py::Ref loader = py::import_source(kLoaderSource, "<pyrace loader>", "_pyrace_loader");
  if (!loader) throw py::ErrorAlreadySet{};
  return loader;
}

int worker_main(const json& spec, const std::string& path, const std::string& name) {
  install_worker_reaper();  // before any case code: what the case starts ends with the worker
  move_result_channel();
  const std::string mode = spec.value("mode", "run");
  g_finalise_sanitizer = spec.value("tsan_finalise", false);
  const Config cfg = config_from_json(spec.value("config", json::object()));
  const bool gil_on = cfg.gil == "on";
  const std::unique_ptr<py::Interpreter> interp = start_interpreter(gil_on);  // never finalised: see finish()
  json out = {{"python", python_version()}};
  check_gil_at_start(out, gil_on);
  if (mode == "probe") {
    out["status"] = "ok";
    finish(out, kWorkerOk);
  }
  try {
    Session s{out, cfg, gil_on};
    open_loader(s);
    // Explore mode: the scheduler and its blocking stand-ins go into `threading` before the case
    // imports it.
    const ExploreParams explore = explore_params(spec.value("explore", json::object()));
    if (mode == "explore") prepare_explore(explore);
    load_case(s, path, name);
    if (mode == "describe") {
      out["status"] = "ok";
      finish(out, kWorkerOk);
    }
    read_shape(s);
    if (mode == "explain") {
      py::Ref ex = py::check(PyObject_CallMethod(s.loader.get(), "explain", "O", s.c.get()));
      out["explain"] = py_to_json(ex.get(), s.json_mod.get());
      out["status"] = "ok";
      finish(out, kWorkerOk);
    }
    if (!gil_on && py::gil_enabled()) finish_gil(s, "while importing the case");
    if (mode == "explore") explore_mode(s, interp->state(), explore);
    stress_mode(s, interp->state());
  } catch (const py::ErrorAlreadySet&) {
    py::Error e = py::fetch_error();
    out["status"] = "exception";
    out["message"] = "pyrace's worker failed: " + e.type + ": " + e.message;
    out["traceback"] = e.traceback;
    finish(out, kWorkerOk);
  }
}

}  // namespace pyrace
