// libFuzzer target: each input decodes (fuzz_driver.py) into a concurrent Python program that
// persistent native threads run together in one embedded free-threaded interpreter.
// Oracles: a crash or sanitizer report (libFuzzer and TSan see those), a hang (-timeout), and
// the driver's semantic checks, which end the process with abort() so libFuzzer keeps the input.
//
// Environment:
//   PYRACE_FUZZ_REPRO=FILE   write the reproducer script of each input run to FILE
//   PYRACE_FUZZ_SPEC=FILE    write its program as a spec (names, not bytes: for minimising)
//   PYRACE_FUZZ_TYPES=FILE   write the types of its program's objects (fuzz_driver.types_text)
//   PYRACE_FUZZ_DESCRIBE=1   print each input's program before running it
//   PYRACE_FUZZ_FINDINGS=DIR also write each oracle finding to DIR/finding.<pid>
//   PYRACE_FUZZ_HOME=PREFIX  the interpreter's prefix (default: pyrace-python/ beside the binary,
//                            else the interpreter it was built against)
//   PYRACE_FUZZ_HEARTBEAT=DIR  publish which input runs since when in DIR/hb.<pid> (fuzz/watchdog.py)
//   PYRACE_FUZZ_NO_RUN=1     decode, describe and render each input, but do not run it (triage of hangs)
//   PYRACE_FUZZ_START=MODE   together (default: the actors released by a start barrier),
//                            staggered (each as soon as it wakes) or sequential (one after another)
//   PYRACE_FUZZ_SERVE=1      triage's minimisation server: no fuzzing; read "RUNS PATH" lines on
//                            stdin, run each input up to RUNS times (stopping after the first run
//                            with a sanitizer report), write its reports to PATH.reports and answer
//                            "==pyrace-serve== DONE <runs> <reports>" on stdout (serve() below)
//   PYRACE_FUZZ_STATS=FILE   at exit, write JSON: inputs run, time per phase (prepare, run,
//                            finish) and how together the actors ran (bench/fuzz.py reads it)
//   PYRACE_FUZZ_DENY=FILE    read at start-up: operations ("module.Type method" lines, learnt by
//                            fuzz/watchdog.py from known crashes) that programs skip; a file that
//                            cannot be read or parsed is a DRIVER ERROR (exit 3)
// With TSAN_OPTIONS=halt_on_error=0 a race does not end the process: the input that raised it is
// saved as <artifact_prefix>race-<hash> and fuzzing goes on (TSan itself reports each stack once).
#include <Python.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "worker/actor_pool.hpp"
#include "worker/fuzz_driver_module.hpp"
#include "fuzz_mutator.hpp"
#include "heartbeat.hpp"
#include "input_stats.hpp"
#include "py/interp.hpp"
#include "py/ref.hpp"

using pyrace::py::Ref;

namespace {

struct State {
  std::unique_ptr<pyrace::py::Interpreter> interp;
  std::unique_ptr<pyrace::ActorPool> pool;
  Ref module, prepare, run_thread, finish;
  std::string repro_path, spec_path, types_path;
  std::string artifact_prefix = "./";  // libFuzzer's -artifact_prefix, for race-* artifacts
  bool describe = false;
  bool no_run = false;
  bool sequential = false;  // PYRACE_FUZZ_START=sequential
  bool serving = false;     // PYRACE_FUZZ_SERVE: inputs are triage's candidates, not artifacts to keep
  int race_artifacts = 0;
  long log_read = 0;  // bytes of the sanitizer's log already kept beside a race input (or before any input)
};
State* g = nullptr;

// The driver failing is pyrace's bug, not the interpreter's: say so, distinctly, and stop.
[[noreturn]] void driver_error(const char* where) {
  std::fprintf(stderr, "==pyrace-fuzz== DRIVER ERROR in %s (a bug in pyrace's fuzz driver, not a finding):\n", where);
  if (PyErr_Occurred()) PyErr_Print();
  std::fflush(stderr);
  std::_Exit(3);
}

Ref attr(const Ref& mod, const char* name) {
  Ref r = Ref::steal(PyObject_GetAttrString(mod.get(), name));
  if (!r) driver_error(name);
  return r;
}

std::string call_str(const char* fn, PyObject* arg) {
  Ref f = attr(g->module, fn);
  Ref r = Ref::steal(PyObject_CallOneArg(f.get(), arg));
  if (!r) driver_error(fn);
  const char* s = PyUnicode_AsUTF8(r.get());
  if (!s) driver_error(fn);
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) std::fprintf(stderr, "==pyrace-fuzz== cannot write %s\n", path.c_str());
}

// The interpreter's prefix: PYRACE_FUZZ_HOME, else pyrace-python/ beside the binary (how
// ClusterFuzzLite's build.sh ships it in $OUT), else the one it was built against.
std::string interpreter_home() {
  if (const char* h = std::getenv("PYRACE_FUZZ_HOME")) return h;
  std::error_code ec;
  auto beside = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "pyrace-python";
  if (!ec && std::filesystem::is_directory(beside / "lib" / "python3.14t", ec)) return beside.string();
  return PYRACE_PYTHON_HOME;
}

// ThreadSanitizer reports so far in this process, counted by the __tsan_on_report hook below.
std::atomic<long> g_tsan_reports{0};
constexpr int kMaxRaceArtifacts = 20;  // per process: TSan reports more than this in its log only

uint64_t fnv1a(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

// Where the sanitizer writes its reports (log_path.<pid>), or null: weak, because only the
// sanitizer runtimes define it and the plain target has none.
extern "C" __attribute__((weak)) const char* __sanitizer_get_report_path();

std::string report_log() {
  const char* p = __sanitizer_get_report_path ? __sanitizer_get_report_path() : nullptr;
  if (!p || !*p || std::strcmp(p, "stderr") == 0 || std::strcmp(p, "stdout") == 0) return {};
  return p;
}

long file_size(const std::string& path) {
  struct stat st;
  return !path.empty() && ::stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : 0;
}

// A race reported while this input ran, with TSan told not to halt: keep the input as libFuzzer
// keeps a crash, and beside it (.tsan) the reports it raised, cut from the sanitizer's log, so
// that triage knows its signature without running it again.
void save_race_input(const uint8_t* data, size_t size) {
  if (g->serving || ++g->race_artifacts > kMaxRaceArtifacts) return;
  char name[32];
  std::snprintf(name, sizeof name, "race-%016llx", static_cast<unsigned long long>(fnv1a(data, size)));
  const std::string path = g->artifact_prefix + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const std::string log = report_log();
  if (!log.empty()) {
    // Only inputs with reports write to the log, so what came since the last one is this input's.
    std::ifstream in(log, std::ios::binary);
    in.seekg(g->log_read);
    std::ofstream reports(path + ".tsan", std::ios::binary | std::ios::trunc);
    reports << in.rdbuf();
    g->log_read = file_size(log);
  }
  std::fprintf(stderr, "==pyrace-fuzz== RACE INPUT: a ThreadSanitizer report while running this input; saved to %s\n",
               path.c_str());
}

}  // namespace

// The TSan runtime's, weak: only the TSan target has them.
extern "C" __attribute__((weak)) void __tsan_ignore_thread_begin();
extern "C" __attribute__((weak)) void __tsan_ignore_thread_end();

namespace {
// Serving triage, a candidate's first reports are all it needs: a thread that has reported this
// many stops being watched until its next run (one input can raise hundreds, seconds of output).
constexpr long kServeReportsPerCandidate = 8;
std::atomic<long> g_candidate_reports{0};
thread_local bool t_unwatched = false;
}  // namespace

extern "C" void __tsan_on_report(void*) {
  g_tsan_reports.fetch_add(1, std::memory_order_relaxed);
  if (g && g->serving && __tsan_ignore_thread_begin && !t_unwatched &&
      g_candidate_reports.fetch_add(1, std::memory_order_relaxed) + 1 >= kServeReportsPerCandidate) {
    __tsan_ignore_thread_begin();
    t_unwatched = true;
  }
}
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
// PYRACE_FUZZ_SERVE: one process for a whole minimisation instead of one per candidate (a TSan
// interpreter takes seconds to start; a candidate's runs take milliseconds). Races must not end
// the process and must be reported again for every candidate: triage sets TSAN_OPTIONS
// halt_on_error=0:suppress_equal_stacks=0 and a log_path, from which
// each candidate's reports are cut. A crash ends the server; triage reads it from stderr.
[[noreturn]] void serve() {
  char line[4096];
  while (std::fgets(line, sizeof line, stdin)) {
    long runs = 0;
    char path[4000];
    if (std::sscanf(line, "%ld %3999[^\n]", &runs, path) != 2 || runs <= 0) {
      std::fprintf(stderr, "==pyrace-fuzz== DRIVER ERROR: the server expects \"RUNS PATH\" lines, got: %s", line);
      std::_Exit(3);
    }
    std::ifstream in(path, std::ios::binary);
    const std::string input((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const long reports_before = g_tsan_reports.load(std::memory_order_relaxed);
    const long log_before = file_size(report_log());
    g_candidate_reports.store(0, std::memory_order_relaxed);
    long done = 0;
    while (done < runs && g_tsan_reports.load(std::memory_order_relaxed) == reports_before) {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
      ++done;
    }
    const long reports = g_tsan_reports.load(std::memory_order_relaxed) - reports_before;
    std::ofstream out(std::string(path) + ".reports", std::ios::binary | std::ios::trunc);
    if (const std::string log = report_log(); reports > 0 && !log.empty()) {
      std::ifstream rep(log, std::ios::binary);
      rep.seekg(log_before);
      out << rep.rdbuf();
    }
    out.close();
    std::fprintf(stdout, "==pyrace-serve== DONE %ld %ld\n", done, reports);
    std::fflush(stdout);
  }
  std::exit(0);
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  pyrace::fuzz::heartbeat_open();
  g = new State;
  for (int i = 1; argc && i < *argc; ++i)
    if (std::strncmp((*argv)[i], "-artifact_prefix=", 17) == 0) g->artifact_prefix = (*argv)[i] + 17;
  pyrace::py::InterpreterOptions opts;
  opts.home = interpreter_home();
  opts.import_site = false;  // the program's objects come from the stdlib only
  g->interp = std::make_unique<pyrace::py::Interpreter>(opts);
  g->module = pyrace::load_fuzz_driver();
  if (!g->module) driver_error("loading the driver");
  g->prepare = attr(g->module, "prepare");
  g->run_thread = attr(g->module, "run_thread");
  g->finish = attr(g->module, "finish");
  if (const char* p = std::getenv("PYRACE_FUZZ_REPRO")) g->repro_path = p;
  if (const char* p = std::getenv("PYRACE_FUZZ_SPEC")) g->spec_path = p;
  if (const char* p = std::getenv("PYRACE_FUZZ_TYPES")) g->types_path = p;
  g->describe = std::getenv("PYRACE_FUZZ_DESCRIBE") != nullptr;
  pyrace::fuzz::stats_open();
  g->no_run = std::getenv("PYRACE_FUZZ_NO_RUN") != nullptr;
  if (const char* p = std::getenv("PYRACE_FUZZ_DENY"); p && *p) {
    Ref n = Ref::steal(PyObject_CallMethod(g->module.get(), "load_deny", "s", p));
    if (!n) driver_error("reading the deny list named by PYRACE_FUZZ_DENY");
    std::fprintf(stderr, "pyrace-fuzz: deny list %s: %ld operations skipped where programs call them\n", p,
                 PyLong_AsLong(n.get()));
  }
  Ref digest = Ref::steal(PyObject_CallMethod(g->module.get(), "vocabulary_digest", nullptr));
  Ref ntypes = attr(g->module, "KINDS");
  if (!digest) driver_error("vocabulary_digest");
  std::fprintf(stderr, "pyrace-fuzz: interpreter %s; vocabulary %s (%ld kinds of object)%s\n", Py_GetVersion(),
               PyUnicode_AsUTF8(digest.get()), PyLong_AsLong(ntypes.get()),
#ifdef PYRACE_SANITIZER
               "; harness built with -fsanitize=" PYRACE_SANITIZER
#else
               ""
#endif
  );
  // Persistent actors for every input: thread start-up would cost more than most programs.
  // PYRACE_FUZZ_START: together (a start barrier, the default), staggered (each actor starts as
  // soon as it wakes: more executions, less overlap; docs/generated/benchmarks-fuzz.md) or
  // sequential (the threads one after another on the calling thread: the cost without concurrency).
  bool staggered = false;
  if (const char* p = std::getenv("PYRACE_FUZZ_START"); p && *p) {
    staggered = std::strcmp(p, "staggered") == 0;
    g->sequential = std::strcmp(p, "sequential") == 0;
    if (!staggered && !g->sequential && std::strcmp(p, "together") != 0) {
      std::fprintf(stderr,
                   "==pyrace-fuzz== DRIVER ERROR: PYRACE_FUZZ_START=%s (expected together, staggered or sequential)\n",
                   p);
      std::_Exit(3);
    }
  }
  g->pool = std::make_unique<pyrace::ActorPool>(g->interp->state(), static_cast<int>(pyrace::fuzz::kMaxThreads), false,
                                                /*handoff=*/staggered);
  g->log_read = file_size(report_log());  // reports of start-up belong to no input
  pyrace::fuzz::heartbeat_ready();
  if (const char* p = std::getenv("PYRACE_FUZZ_SERVE"); p && *p) {
    g->serving = true;
    serve();
  }
  return 0;
}

namespace {
// Ends the heartbeat's current input on every way out of LLVMFuzzerTestOneInput.
struct HeartbeatInput {
  HeartbeatInput(const uint8_t* data, size_t size) { pyrace::fuzz::heartbeat_input_begin(data, size); }
  ~HeartbeatInput() { pyrace::fuzz::heartbeat_input_end(); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HeartbeatInput beat(data, size);
  Ref bytes = Ref::steal(PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data), static_cast<Py_ssize_t>(size)));
  if (!bytes) driver_error("bytes");
  if (!g->repro_path.empty()) write_file(g->repro_path, call_str("render_input", bytes.get()));
  if (!g->spec_path.empty()) write_file(g->spec_path, call_str("spec_text", bytes.get()));
  if (!g->types_path.empty()) write_file(g->types_path, call_str("types_text", bytes.get()));
  if (g->describe) std::fputs(call_str("describe_text", bytes.get()).c_str(), stderr);
  if (g->no_run) return 0;
  const long reports_before = g_tsan_reports.load(std::memory_order_relaxed);
  pyrace::fuzz::InputTimes times;  // PYRACE_FUZZ_STATS (input_stats.hpp)
  const bool timed = pyrace::fuzz::stats_on();
  if (timed) times.begin = pyrace::fuzz::stats_now();
  Ref n = Ref::steal(PyObject_CallOneArg(g->prepare.get(), bytes.get()));
  if (!n) driver_error("prepare");
  // A program given as a spec may name more threads than the pool has actors: those never run.
  long threads = std::min(PyLong_AsLong(n.get()), static_cast<long>(pyrace::fuzz::kMaxThreads));
  if (threads <= 0) return -1;  // nothing to run: keep it out of the corpus
  bool failed = false;
  if (timed) times.prepared = pyrace::fuzz::stats_now();
  const auto actor = [&](int i) {
    if (t_unwatched) {  // watched again from this run on (see __tsan_on_report)
      __tsan_ignore_thread_end();
      t_unwatched = false;
    }
    if (i >= threads) return;
    if (timed) times.start[i] = pyrace::fuzz::stats_now(), times.cpu[i] = pyrace::fuzz::stats_thread_cpu();
    Ref idx = Ref::steal(PyLong_FromLong(i));
    Ref r = Ref::steal(PyObject_CallOneArg(g->run_thread.get(), idx.get()));
    if (!r) {
      PyErr_Print();
      failed = true;
    }
    if (timed) times.end[i] = pyrace::fuzz::stats_now(), times.cpu[i] = pyrace::fuzz::stats_thread_cpu() - times.cpu[i];
  };
  if (g->sequential) {
    for (int i = 0; i < threads; ++i) actor(i);
  } else {
    g->pool->run(actor);
  }
  if (failed) driver_error("run_thread");
  if (timed) times.ran = pyrace::fuzz::stats_now();
  Ref finding = Ref::steal(PyObject_CallNoArgs(g->finish.get()));
  if (!finding) driver_error("finish");
  if (timed) {
    times.finished = pyrace::fuzz::stats_now();
    pyrace::fuzz::stats_record(times, static_cast<size_t>(threads));
  }
  // Before a finding's abort: the races this input raised keep their program too (libFuzzer keeps
  // the input as a crash, whose re-run need not raise them again).
  if (g_tsan_reports.load(std::memory_order_relaxed) != reports_before) save_race_input(data, size);
  if (finding.get() != Py_None) {
    std::string what = PyUnicode_AsUTF8(finding.get());
    std::string program = call_str("describe_text", bytes.get());
    std::fprintf(stderr, "==pyrace-fuzz== FINDING: %s\n%s", what.c_str(), program.c_str());
    std::fflush(stderr);
    if (const char* dir = std::getenv("PYRACE_FUZZ_FINDINGS"))  // kept when the engine drops our output
      write_file(std::string(dir) + "/finding." + std::to_string(::getpid()),
                 "==pyrace-fuzz== FINDING: " + what + "\n" + program);
    std::abort();  // libFuzzer saves the input as a crash artifact
  }
  return 0;
}

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::minstd_rand rng(seed);
  if (rng() % 3 == 0) return LLVMFuzzerMutate(data, size, max_size);
  return pyrace::fuzz::mutate_program(data, size, max_size, rng);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t max_out, unsigned int seed) {
  std::minstd_rand rng(seed);
  return pyrace::fuzz::cross_over(d1, s1, d2, s2, out, max_out, rng);
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
// The fuzz-asan variant. No leak checks: the interpreter keeps caches and interned objects for
// its lifetime by design, and each would read as a leak of the input that first filled it.
// ASAN_OPTIONS still wins.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
// Its libpython carries UBSan's checks, recoverable: a report must end the run (so libFuzzer
// keeps the input) and carry its stack (triage's signature). UBSAN_OPTIONS still wins.
extern "C" const char* __ubsan_default_options() { return "halt_on_error=1:print_stacktrace=1"; }
#endif
#endif

#if defined(PYRACE_TSAN_SUPPRESSIONS)
// A race report must end the run so that libFuzzer keeps the input; TSAN_OPTIONS still wins.
extern "C" const char* __tsan_default_options() {
  return "halt_on_error=1:report_signal_unsafe=0:second_deadlock_stack=1:suppressions=" PYRACE_TSAN_SUPPRESSIONS;
}
#endif
