#include "worker/worker.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

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
[[noreturn]] void finish(const json& j, int code) {
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

std::string python_version() {
  return Py_GetVersion();
}

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
  p.scope_all = j.value("scope_all", p.scope_all);
  p.trace = j.value("trace", p.trace);
  p.stress_sizes = j.value("stress_sizes", p.stress_sizes);
  return p;
}

// `import _pyrace_fuzz` in a case file: the fuzz runtime, built by the loader's finder on first use.
PyObject* load_fuzz_runtime(PyObject*, PyObject*) { return load_fuzz_driver().release(); }
PyMethodDef kLoadFuzzRuntime = {"load_fuzz_runtime", load_fuzz_runtime, METH_NOARGS, nullptr};

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

  std::unique_ptr<py::Interpreter> interp;
  try {
    // PYRACE_PYTHON_HOME: the interpreter's prefix, when it moved since pyrace was built.
    const char* home = std::getenv("PYRACE_PYTHON_HOME");
    interp = std::make_unique<py::Interpreter>(
        py::InterpreterOptions{home && *home ? home : PYRACE_PYTHON_HOME, gil_on, true});
  } catch (const std::exception& e) {
    const char* home = std::getenv("PYRACE_PYTHON_HOME");
    finish({{"status", "env"},
            {"message", std::string("cannot start the interpreter with home ") +
                            (home && *home ? home : PYRACE_PYTHON_HOME) + ": " + e.what() +
                            " (rebuild pyrace with scripts/bootstrap, or set PYRACE_PYTHON_HOME to the "
                            "interpreter's prefix)"}},
           kWorkerEnvError);
  }
  json out = {{"python", python_version()}};
  const bool gil_at_start = py::gil_enabled();
  out["gil_enabled_at_start"] = gil_at_start;
  if (gil_at_start != gil_on) {
    out["status"] = "env";
    out["message"] = gil_on ? "the GIL could not be forced on (PyConfig.enable_gil = 1 had no effect)"
                            : "the GIL is enabled at startup: this interpreter is not free-threaded, or something "
                              "in its startup (site, sitecustomize) re-enabled it";
    finish(out, kWorkerEnvError);
  }
  if (mode == "probe") {
    out["status"] = "ok";
    finish(out, kWorkerOk);
  }

  try {
    py::Ref loader = import_loader();
    py::Ref json_mod = py::check(PyImport_ImportModule("json"));
    py::check(PyObject_CallMethod(loader.get(), "init_worker", "i", g_result_fd));
    py::Ref fuzz_loader = py::check(PyCFunction_New(&kLoadFuzzRuntime, nullptr));
    py::check(PyObject_CallMethod(loader.get(), "register_fuzz_runtime", "O", fuzz_loader.get()));
    py::Ref sys = py::check(PyImport_ImportModule("sys"));
    py::Ref modules_before = py::check(PySet_New(py::check(PyObject_GetAttrString(sys.get(), "modules")).get()));
    // Explore mode: the scheduler and its blocking stand-ins go into `threading` before the case
    // imports it.
    const ExploreParams explore = explore_params(spec.value("explore", json::object()));
    if (mode == "explore") prepare_explore(explore);

    // File-system decoding (surrogateescape), as Python itself treats file names.
    py::Ref path_obj = py::check(PyUnicode_DecodeFSDefault(path.c_str()));
    py::Ref name_obj = py::check(PyUnicode_DecodeFSDefault(name.c_str()));
    PyObject* c_raw = PyObject_CallMethod(loader.get(), "load", "OO", path_obj.get(), name_obj.get());
    if (!c_raw) {
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
    py::Ref c = py::Ref::steal(c_raw);
    py::Ref desc = py::check(PyObject_CallMethod(loader.get(), "describe", "O", c.get()));
    out["case"] = py_to_json(desc.get(), json_mod.get());
    if (mode == "describe") {
      out["status"] = "ok";
      finish(out, kWorkerOk);
    }
    const bool single =
        py::to_string(py::check(PyObject_GetAttrString(c.get(), "shape")).get()) == to_string(Shape::Single);
    py::Ref actors = py::check(PyObject_GetAttrString(c.get(), "actors"));
    const bool named = !(PyList_Size(actors.get()) == 1 &&
                         py::to_string(PyTuple_GetItem(PyList_GetItem(actors.get(), 0), 0)) == "actor");
    if (mode == "explain") {
      py::Ref ex = py::check(PyObject_CallMethod(loader.get(), "explain", "O", c.get()));
      out["explain"] = py_to_json(ex.get(), json_mod.get());
      out["status"] = "ok";
      finish(out, kWorkerOk);
    }

    auto gil_report = [&](const char* when) {
      py::Ref named = py::check(PyObject_CallMethod(loader.get(), "gil_modules", "O", c.get()));
      py::Ref fresh = py::check(PyObject_CallMethod(loader.get(), "new_extension_modules", "O", modules_before.get()));
      json mods = py_to_json(named.get(), json_mod.get());
      json candidates = py_to_json(fresh.get(), json_mod.get());
      out["status"] = "gil";
      out["gil_modules"] = mods.empty() ? candidates : mods;
      std::string who = mods.empty() ? (candidates.empty() ? std::string("an unknown module")
                                                          : "one of the extension modules " + candidates.dump())
                                     : "module " + mods.dump();
      out["message"] = std::string("the GIL was re-enabled ") + when + " by " + who +
                       " (an extension that does not declare Py_mod_gil = Py_MOD_GIL_NOT_USED); "
                       "results with the GIL on say nothing about the free-threaded build";
      finish(out, kWorkerOk);
    };
    if (!gil_on && py::gil_enabled()) gil_report("while importing the case");
    // Precedence: command line, then the case's own setting, then pyrace's default.
    const int threads = named ? static_cast<int>(PyList_Size(actors.get()))
                              : (cfg.threads > 0 ? cfg.threads : static_cast<int>(case_int(c.get(), "threads", kDefaultThreads)));
    const long loop_iterations = cfg.iterations > 0 ? cfg.iterations : case_int(c.get(), "iterations", kDefaultIterations);
    if (mode == "explore") {
      ExploreParams ep = explore;
      ep.threads = threads;
      if (ep.stress_sizes) {  // the sanity check: as the stress run will run it
        ep.iterations = loop_iterations;
      } else {  // --iterations, else the case's EXPLORE["ITERATIONS"], else 2; EXPLORE's sizes apply
        py::Ref it_req = cfg.iterations > 0 ? py::check(PyLong_FromLong(cfg.iterations)) : py::Ref::borrow(Py_None);
        ep.iterations = PyLong_AsLong(
            py::check(PyObject_CallMethod(loader.get(), "configure_explore", "OO", c.get(), it_req.get())).get());
      }
      py::check(PyObject_CallMethod(loader.get(), "configure", "Oil", c.get(), ep.threads, single ? 1L : ep.iterations));
      write_result({{"event", "loaded"}, {"case", out["case"]}, {"python", out["python"]}});
      LoadedCase lc{c, loader, to_string(single ? Shape::Single : Shape::Loop), path_obj};
      out["explore"] = run_explore(interp->state(), lc, ep);
      if (py::gil_enabled()) gil_report("while the case ran");
      out["status"] = "ok";
      if (out["explore"].contains("error")) {  // case code raised (setup, arbiter), or pyrace failed
        const json& e = out["explore"]["error"];
        out["status"] = "exception";
        const std::string phase = e.value("phase", std::string("harness"));
        out["message"] = phase == "explore" ? e.value("message", "") : "the " + phase + " raised " + e.value("message", "");
        out["traceback"] = e.value("traceback", "");
        out["line"] = e.value("line", 0);
      }
      finish(out, kWorkerOk);
    }

    EngineParams p;
    p.threads = threads;
    p.iterations = single ? 1 : loop_iterations;
    p.trials = cfg.trials > 0 ? cfg.trials : case_int(c.get(), "trials", single ? kDefaultTrialsSingle : kDefaultTrialsLoop);
    p.time_budget_s = cfg.time_budget_s;
    p.early_stop = cfg.early_stop;
    p.gil_on = gil_on;
    // The trial budget (the case's TRIALS, else pyrace's default) adapts: sampling goes on past it
    // until the error-rate bound over concurrent trials is reached, or the time budget ends. A
    // number of trials given on the command line is exact; grading says when it was too few.
    p.max_rate = cfg.trials > 0 ? 0 : cfg.max_rate > 0 ? cfg.max_rate : single ? kDefaultMaxRateSingle : kDefaultMaxRateLoop;
    out["effective"] = {{"threads", p.threads}, {"iterations", p.iterations}, {"trials", p.trials}};
    // A first line now: if the case crashes or hangs, the supervisor still knows what it was.
    write_result({{"event", "loaded"}, {"case", out["case"]}, {"effective", out["effective"]}, {"python", out["python"]}});
    py::check(PyObject_CallMethod(loader.get(), "configure", "Oil", c.get(), p.threads, p.iterations));

    LoadedCase lc{c, loader, to_string(single ? Shape::Single : Shape::Loop), path_obj};
    EngineResult r = run_case(interp->state(), lc, p);
    json outcomes = json::array();
    for (const auto& o : r.outcomes)
      outcomes.push_back({{"outcome", o.outcome}, {"grade", o.grade}, {"count", o.count}, {"listed", o.listed}});
    out["run"] = {{"trials", r.trials},
                  {"outcomes", outcomes},
                  {"raised", raised_json(r.raised)},
                  {"concurrent_trials", r.concurrent_trials},
                  {"load_avg", load_average()},
                  {"elapsed_s", r.elapsed_s},
                  {"first_forbidden_s", r.first_forbidden_s},
                  {"stop_reason", r.stop_reason},
                  {"rounds", r.rounds},
                  {"max_rss_kib", peak_rss_kib()},
                  {"damage", r.damage_n ? json{{"n", r.damage_n}, {"mean", r.damage_sum / r.damage_n},
                                               {"min", r.damage_min}, {"max", r.damage_max}}
                                        : json(nullptr)}};
    if (!gil_on && py::gil_enabled()) gil_report("while the case ran");
    if (!r.ok) {
      out["status"] = "exception";
      out["message"] = "the " + r.phase + " raised " + r.error;
      out["traceback"] = r.traceback;
      out["line"] = r.line;
    } else {
      out["status"] = "ok";
    }
    finish(out, kWorkerOk);
  } catch (const py::ErrorAlreadySet&) {
    py::Error e = py::fetch_error();
    out["status"] = "exception";
    out["message"] = "pyrace's worker failed: " + e.type + ": " + e.message;
    out["traceback"] = e.traceback;
    finish(out, kWorkerOk);
  }
}

}  // namespace pyrace
