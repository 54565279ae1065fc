#include "supervise/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <fmt/core.h>
#include <fmt/format.h>

#include "worker/reap.hpp"
#include "worker/worker.hpp"

namespace pyrace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// CPU time (user + system, in clock ticks) of a process, or -1.
long cpu_ticks(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::atol(field.c_str());
    if (i == 15) stime = std::atol(field.c_str());
  }
  return utime + stime;
}

// The state letter of a process (/proc/PID/stat: R, S, D, T stopped, t traced, Z zombie), or 0.
char proc_state(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() ? s[close + 2] : 0;
}

// The worker's output, at most `limit` bytes: its beginning (where faulthandler puts the Python
// stacks) and its end (the last words before it died), with the middle cut out.
std::string read_output(int fd, size_t limit) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return "";
  auto read_at = [&](off_t from, size_t n) {
    std::string buf(n, '\0');
    ssize_t got = ::pread(fd, buf.data(), n, from);
    buf.resize(got > 0 ? static_cast<size_t>(got) : 0);
    std::erase(buf, '\0');  // holes left by cutting back a worker's output
    return buf;
  };
  if (static_cast<size_t>(size) <= limit) return read_at(0, static_cast<size_t>(size));
  const size_t head = limit / 2, tail = limit - head;
  return read_at(0, head) + "\n[... " + std::to_string(size - static_cast<off_t>(limit)) + " bytes cut ...]\n" +
         read_at(size - static_cast<off_t>(tail), tail);
}

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

WorkerOutcome run_worker(const json& spec, const SuperviseOptions& opts) {
  WorkerOutcome w;
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  char tmpl[] = "/tmp/pyrace-worker-XXXXXX";
  int outfd = ::mkostemp(tmpl, O_CLOEXEC);
  if (outfd < 0) throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
  ::unlink(tmpl);
  json plain = spec;
  const std::string path_arg = plain.value("path", ""), name_arg = plain.value("name", "");
  plain.erase("path");
  plain.erase("name");
#ifdef PYRACE_TSAN_SUPPRESSIONS
  const bool finalising = opts.show_suppressed;  // the worker ends with exit(), not _exit()
  if (finalising) plain["tsan_finalise"] = true;
#else
  const bool finalising = false;  // no sanitizer runtime to finalise
#endif
  const std::string spec_text = plain.dump();
#ifdef PYRACE_TSAN_SUPPRESSIONS
  // Each worker logs its TSan reports into a folder of its own, parsed after it ends.
  char tsan_tmpl[] = "/tmp/pyrace-tsan-XXXXXX";
  const std::string tsan_dir = ::mkdtemp(tsan_tmpl) ? tsan_tmpl : "/tmp";
  const std::string tsan_options = fmt::format(
      "log_path={}/tsan suppressions={} halt_on_error=0 report_signal_unsafe=0 handle_segv=0 "
      "print_suppressions=1 history_size=4 external_symbolizer_path={}",
      tsan_dir, PYRACE_TSAN_SUPPRESSIONS, PYRACE_SYMBOLIZER);
#endif
  const int spec_threads = spec.contains("config") ? spec["config"].value("threads", 0) : 0;
  const rlim_t mem_bytes = static_cast<rlim_t>(memory_limit_mib(opts, spec_threads)) << 20;
  // Orphans of a worker (a child the case started with setsid, whose parent died) become ours,
  // and are killed below once the worker has ended, instead of living on under init.
  static const bool subreaper = become_subreaper();
  (void)subreaper;
  const pid_t supervisor = ::getpid();
  auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group: a timeout kills whatever the case forked too
    // A supervisor killed with -9 takes its worker along, and the worker what it started: the
    // signal's handler (install_worker_reaper) kills the worker's descendants, then the worker.
    ::prctl(PR_SET_PDEATHSIG, worker_death_signal());
    if (::getppid() != supervisor) ::_exit(127);  // ... even if it died before the line above
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(outfd, 1);
    ::dup2(outfd, 2);
    if (pipefd[1] == kResultFd) ::fcntl(kResultFd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
    else ::dup2(pipefd[1], kResultFd);                              // dup2 clears close-on-exec on the new descriptor
    // Nothing else pyrace inherited (a CI runner's pipes) reaches the worker and its case.
    if (::close_range(kResultFd + 1, ~0U, 0) != 0)
      for (int fd = kResultFd + 1; fd < 1024; ++fd) ::close(fd);
#ifdef PYRACE_TSAN_SUPPRESSIONS
    ::setenv("TSAN_OPTIONS", tsan_options.c_str(), 1);
    ::setenv("DEBUGINFOD_URLS", "", 1);  // symbolisation never reaches for the network
#endif
    // Per-worker limits: a case that allocates without bound gets MemoryError, one that burns
    // CPU without bound gets SIGXCPU; either way the supervisor reports it and goes on.
    rlimit mem{mem_bytes, mem_bytes};
#ifndef PYRACE_SANITIZER
    ::setrlimit(RLIMIT_DATA, &mem);
#else
    (void)mem;  // a sanitizer maps terabytes of shadow memory: no data limit can hold it
#endif  // DATA, not AS: mimalloc reserves far more address space than it uses
    if (opts.max_cpu_s > 0) {
      rlimit cpu{static_cast<rlim_t>(opts.max_cpu_s), static_cast<rlim_t>(opts.max_cpu_s) + 5};
      ::setrlimit(RLIMIT_CPU, &cpu);
    }
    // Path and name travel as plain arguments: a file name need not be valid UTF-8, JSON must.
    const char* argv[] = {opts.self_exe.c_str(), "__worker", "--spec", spec_text.c_str(), "--path",
                          path_arg.c_str(), "--name", name_arg.c_str(), nullptr};
    ::execv(opts.self_exe.c_str(), const_cast<char* const*>(argv));
    std::fprintf(stderr, "pyrace: cannot execute %s: %s\n", opts.self_exe.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  ::close(pipefd[1]);
  std::string data;
  char buf[65536];
  auto drain = [&] {  // whatever is in the pipe now, without blocking
    ::fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  };
  int status = 0;
  bool reaped = false;
  bool eof = false;
  while (!eof) {
    if (opts.interrupted && *opts.interrupted) {
      w.interrupted = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    double left = opts.timeout_s - since(t0);
    if (left <= 0) {
      w.timed_out = true;
      break;
    }
    pollfd p{pipefd[0], POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min(left, 0.2) * 1000) + 1);
    if (rc < 0 && errno != EINTR) break;
    if (rc > 0) {
      ssize_t n = ::read(pipefd[0], buf, sizeof buf);
      if (n > 0) {
        data.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        eof = true;
      }
      continue;
    }
    // Output past the limit is cut back: the file is truncated and the worker's shared offset
    // keeps growing, so the file becomes sparse and the disk keeps only what came since.
    struct stat st{};
    if (::fstat(outfd, &st) == 0 && st.st_blocks * 512 > (static_cast<off_t>(opts.max_output_mib) << 20)) {
      ::ftruncate(outfd, 0);
      w.output_cut = true;
    }
    // No data for a while: the worker may have exited while something it forked keeps the pipe open.
    // WUNTRACED: a stop is reported too (not an end): which signal stopped it, for the message.
    if (int st = 0; ::waitpid(pid, &st, WNOHANG | WUNTRACED) == pid) {
      if (WIFSTOPPED(st)) {
        w.stop_signal = WSTOPSIG(st);
        continue;
      }
      status = st;
      reaped = true;
      drain();
      break;
    }
  }
  if (w.timed_out && (proc_state(pid) == 'T' || proc_state(pid) == 't')) {
    // Stopped by a signal (SIGSTOP, SIGTSTP ...), not hung: it would never go on by itself. The
    // stack request stays pending while it is stopped; SIGCONT lets faulthandler answer it.
    // A case that stops itself again stops the dump half-way: it is continued until the end.
    w.stopped = true;
    ::kill(-pid, SIGUSR1);
    for (int i = 0; i < 70; ++i) {
      ::kill(-pid, SIGCONT);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid, SIGKILL);
  } else if (w.timed_out) {
    // Deadlock or busy hang? Blocked threads use no CPU; spinning ones use a core each.
    long c0 = cpu_ticks(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    long c1 = cpu_ticks(pid);
    long hz = ::sysconf(_SC_CLK_TCK);
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;  // it finished just now: its result (if complete) counts, it did not hang
      w.timed_out = false;
    } else {
      w.cpu_idle = c0 >= 0 && c1 >= 0 && (c1 - c0) * 1000 / hz < 25;  // < 5% of one core
      ::kill(-pid, SIGUSR1);  // faulthandler dumps every thread's Python stack
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      ::kill(-pid, SIGKILL);
    }
  }
  if (!reaped && finalising) {
    // The worker closed its result before exit() ran TSan's finaliser: a finaliser stuck behind
    // a thread the case left running must not hold the run past the timeout.
    for (;;) {
      pid_t got = ::waitpid(pid, &status, WNOHANG);
      if (got == pid || (got < 0 && errno != EINTR)) break;
      if (since(t0) > opts.timeout_s || (opts.interrupted && *opts.interrupted)) ::kill(-pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    reaped = true;
  }
  if (!reaped) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::kill(-pid, SIGKILL);  // anything the case forked and left behind
  kill_descendants(supervisor);  // ... in a session of its own too (reparented to us, the subreaper)
  drain();
  ::close(pipefd[0]);
  w.wall_s = since(t0);
  if (WIFSIGNALED(status)) w.signal = WTERMSIG(status);
  if (WIFEXITED(status)) w.exit_code = WEXITSTATUS(status);
  struct stat st{};
  if (::fstat(outfd, &st) == 0 && st.st_size > (static_cast<off_t>(opts.max_output_mib) << 20)) w.output_cut = true;
  w.output_tail = read_output(outfd, opts.output_tail);
#ifdef PYRACE_TSAN_SUPPRESSIONS
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tsan_dir, ec)) {
    std::ifstream f(entry.path());
    std::string log((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (auto& t : parse_tsan_log(log)) w.tsan.push_back(std::move(t));
    w.tsan_log += log;
  }
  std::filesystem::remove_all(tsan_dir, ec);
  // Only a worker that exited by itself went through TSan's finaliser; a killed one says nothing.
  w.tsan_finalised = finalising && WIFEXITED(status) && !w.timed_out && !w.interrupted;
  if (w.tsan_finalised) w.tsan_suppressed = parse_tsan_suppressions(w.tsan_log);
#endif
  ::close(outfd);
  // The worker writes a "loaded" line before running and the final result after; later keys
  // win. A killed worker leaves at most the first: "status" is then missing.
  size_t start = 0;
  while (start < data.size()) {
    size_t nl = data.find('\n', start);
    if (nl == std::string::npos) break;  // a torn last line (killed mid-write) is ignored
    json line = json::parse(data.substr(start, nl - start), nullptr, false);
    if (line.is_object()) w.result.update(line);
    else if (w.stray.empty()) w.stray = data.substr(start, std::min<size_t>(nl - start, 60));
    start = nl + 1;
  }
  // Text without an end of line after the last result: torn by a kill, or not pyrace's at all.
  if (start < data.size() && w.stray.empty() && !(w.signal && data[start] == '{'))
    w.stray = data.substr(start, std::min<size_t>(data.size() - start, 60));
  // A result that arrived complete wins over a timeout declared while it was being written.
  // Not so for a stopped worker: it only went on because pyrace continued it to get its stacks.
  if (w.timed_out && !w.stopped && w.result.contains("status")) w.timed_out = false;
  return w;
}

namespace {
void fill_from_case(Record& r, const json& c) {
  r.actors = c.value("actors", std::vector<std::string>{});
  r.expect = c.value("expect", "");
  r.shape = c.value("shape", "");
  r.doc = c.value("doc", "");
  apply_known_bug(r, c.value("known_bug", json()));
  r.fix = c.value("fix", "");
  auto actors = c.value("actors", json::array());
  r.named_actors = !(actors.size() == 1 && actors[0] == "actor");
  if (c.contains("classic") && c["classic"].is_array() && c["classic"].size() == 2) {
    r.classic_row = c["classic"][0].get<std::string>();
    r.classic_quoted = c["classic"][1].get<std::string>();
  }
}

// The Python-level side of a TSan report: the case, and which actor each thread ran.
TsanContext tsan_context(const Record& r) {
  return TsanContext{r.name, r.config.threads, r.named_actors ? r.actors : std::vector<std::string>{}};
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return std::string("SIG") + (abbrev ? abbrev : std::to_string(sig));
}
}  // namespace

namespace {
// The sequential sanity check, as jcstress's: before any concurrent trial, every order of the
// actors, one after another, on fresh state (explore's schedules without preemption, so that
// one actor waiting for another is modelled, not waited out). If that raises or gives an outcome
// OUTCOMES does not accept, the case itself is wrong, whatever threads do: ERROR, naming the
// order, the outcome and the line. Empty when the case passed, or the check could not run (a
// crash or hang then shows in the stress run itself).
struct Sanity {
  Record failure;  // status "malformed" with the message, when the check failed
  bool failed = false;
};

Sanity sanity_check(const std::string& path, const std::string& name, const Config& cfg, const SuperviseOptions& opts) {
  Config sc;
  sc.threads = cfg.threads;
  sc.iterations = cfg.iterations;
  sc.mode = "explore";
  sc.strategy = "sanity";
  sc.max_schedules = 24;  // every order of up to 4 actors; more threads: the first 24 orders
  sc.time_budget_s = 10;
  json spec = {{"mode", "explore"}, {"path", path}, {"name", name}, {"config", to_json(sc)},
               {"explore", {{"strategy", "sanity"}, {"max_schedules", sc.max_schedules}, {"time_budget_s", 30.0},
                            {"trace", false}, {"stress_sizes", true},
                            // One actor's whole loop may run before the next: no fairness switch
                            // inside it (a switch would interleave them), and room for its steps.
                            {"spin_limit", 2000000L}, {"max_steps", 20000000L}}}};
  SuperviseOptions so = opts;
  so.timeout_s = std::min(opts.timeout_s, 60.0);
  WorkerOutcome w = run_worker(spec, so);
  const json& j = w.result;
  Sanity s;
  if (j.value("status", "") != "ok" || !j.contains("explore")) return s;
  const json& e = j["explore"];
  const json& wit = e.contains("witness") ? e["witness"] : json();
  if (!wit.is_object()) return s;
  Record& r = s.failure;
  r.name = name;
  r.path = path;
  r.config = cfg;
  r.python = j.value("python", "");
  if (j.contains("case")) fill_from_case(r, j["case"]);
  const json lines = j.contains("case") ? j["case"].value("lines", json::object()) : json::object();
  const std::string order = wit.value("order", "");
  const std::string kind = wit.value("kind", "");
  r.status = "malformed";
  if (kind == "raised") {
    const json raised = e.value("raised", json::array());
    const json first = raised.empty() ? json::object() : raised[0];
    r.line = first.value("line", 0);
    r.traceback = first.value("traceback", "");
    // The exception as Python prints it, from its traceback's last line ("IndexError: pop from
    // empty list"); the type alone when there is none.
    std::string what = first.value("type", "an exception");
    std::string last;
    for (std::istringstream lines(r.traceback); std::getline(lines, last);)
      if (last.rfind(what, 0) == 0) what = last;
    r.message = fmt::format("run one after another ({}), the actors raise {}; a case's actors must run alone without "
                            "raising (the exception is then the case's own, not a race's)",
                            order, what);
  } else if (kind == "forbidden") {
    r.line = lines.value("OUTCOMES", lines.value("arbiter", 0));
    r.message = fmt::format("run one after another ({}), the actors give {}, which OUTCOMES grades FORBIDDEN: the "
                            "arbiter or OUTCOMES is wrong (an outcome of running the actors one at a time must be "
                            "ACCEPTABLE)", order, wit.value("outcome", "?"));
  } else {
    // The line of the case where the first thread waits: each wait reads "... at line N" (a
    // Lock's also names the line it was made at, earlier in the text: the last one counts).
    const auto waits = wit.value("waits", std::vector<std::string>{});
    if (kind == "deadlock" && !waits.empty()) {
      const std::string& w0 = waits.front();
      const auto at = w0.rfind("at line ");
      if (at != std::string::npos) r.line = std::atoi(w0.c_str() + at + 8);
    }
    r.message = fmt::format("run one after another ({}), the actors {}: {}", order,
                            kind == "deadlock" ? "deadlock" : "never finish",
                            kind == "deadlock" ? fmt::format("{}", fmt::join(wit.value("waits", std::vector<std::string>{}), "; "))
                                               : wit.value("message", ""));
  }
  r.message += " [pyrace's sequential check, before any concurrent trial]";
  grade_record(r);
  s.failed = true;
  return s;
}
}  // namespace

Record run_one(const std::string& path, const std::string& name, const Config& cfg, const SuperviseOptions& opts) {
  // Explore too (not a replay of a given schedule): without the check, a case whose actors fail
  // when run one after another gets a "witness" with 0 preemptions (RACY), or SAFE when its
  // OUTCOMES accepts the exception the actors raise alone.
  if (cfg.mode == "stress" || (cfg.mode == "explore" && cfg.strategy != "replay")) {
    // Once per case and thread count, whatever the GIL setting or mode: it is about the case.
    static std::map<std::string, Sanity> checked;
    const std::string key = path + "|" + std::to_string(cfg.threads);
    auto it = checked.find(key);
    if (it == checked.end()) it = checked.emplace(key, sanity_check(path, name, cfg, opts)).first;
    if (it->second.failed) {
      Record r = it->second.failure;
      r.config = cfg;
      grade_record(r);
      return r;
    }
  }
  json spec = {{"mode", cfg.mode == "explore" ? "explore" : "run"}, {"path", path}, {"name", name}, {"config", to_json(cfg)}};
  if (cfg.mode == "explore")
    spec["explore"] = {{"strategy", cfg.strategy},     {"preemptions", cfg.preemptions},
                       {"max_schedules", cfg.max_schedules}, {"seed", cfg.seed},
                       {"time_budget_s", cfg.time_budget_s}, {"schedule", cfg.schedule},
                       {"repeat", cfg.strategy == "replay" ? std::max(1L, cfg.trials) : 1L},
                       {"all_points", cfg.explore_points == "all"}, {"scope_all", cfg.explore_scope == "all"}};
  WorkerOutcome w = run_worker(spec, opts);
  Record r;
  r.name = name;
  r.path = path;
  r.config = cfg;
  r.wall_s = w.wall_s;
  r.signal = w.signal;
  r.exit_code = w.exit_code;
  const json& j = w.result;
  if (j.contains("case")) fill_from_case(r, j["case"]);
  if (cfg.mode == "explore" && j.contains("case")) r.expect = j["case"].value("explore_expect", r.expect);
  if (j.contains("effective")) {
    r.config.threads = j["effective"].value("threads", cfg.threads);
    r.config.iterations = j["effective"].value("iterations", cfg.iterations);
    r.config.trials = j["effective"].value("trials", cfg.trials);
  }
  if (j.contains("run")) apply_run_fields(r, j["run"]);
  if (j.contains("explore")) {  // schedules are the trials of an explore run; its outcomes count schedules
    r.explore = j["explore"];
    apply_run_fields(r, json{{"trials", r.explore.value("schedules", 0L)},
                             {"outcomes", r.explore.value("outcomes", json::array())},
                             {"raised", r.explore.value("raised", json::array())},
                             {"elapsed_s", r.explore.value("elapsed_s", 0.0)},
                             {"stop_reason", r.explore.value("stop_reason", "")}});
    if (j.contains("case")) r.config.threads = r.explore.value("threads", r.config.threads);
    r.config.iterations = r.explore.value("iterations", r.config.iterations);
  }
  r.tsan = w.tsan;
  r.tsan_suppressed = w.tsan_suppressed;
  r.tsan_suppressed_collected = w.tsan_finalised;
  r.python = j.value("python", "");
#ifdef PYRACE_TSAN_SUPPRESSIONS
  r.tsan_build = true;  // a KNOWN_BUG whose verdict is TSAN can only show here
#endif
  r.message = j.value("message", "");
  r.line = j.value("line", 0);
  r.traceback = j.value("traceback", "");
  r.gil_modules = j.value("gil_modules", std::vector<std::string>{});
  if (w.timed_out && w.stopped) {
    r.status = "timeout";
    r.message = fmt::format(
        "the worker process was stopped by a signal ({}) and was still stopped after {:g} s (--timeout): "
        "it does not hang, it was stopped (os.kill(os.getpid(), signal.SIGSTOP) in case code, or kill -STOP "
        "from outside); pyrace continued it with SIGCONT to collect every thread's Python stack (below)",
        w.stop_signal ? signal_name(w.stop_signal) : std::string("SIGSTOP, SIGTSTP, SIGTTIN or SIGTTOU"), opts.timeout_s);
    r.output_tail = w.output_tail;
  } else if (w.timed_out) {
    r.status = w.cpu_idle ? "deadlock" : "timeout";
    r.message = fmt::format("{} after {:g} s (--timeout); every thread's Python stack is in the output below",
                            w.cpu_idle ? "deadlock: no progress and no CPU used" : "timeout: still running",
                            opts.timeout_s);
    r.output_tail = w.output_tail;
  } else if (j.contains("status")) {
    r.status = j["status"].get<std::string>();
    if (r.status != "ok") r.output_tail = w.output_tail;
  } else {
    r.status = "crash";
    r.message = w.signal ? "the worker died of " + signal_name(w.signal) + " (" + strsignal(w.signal) + ")"
                         : "the worker exited with status " + std::to_string(w.exit_code) +
                               " before writing a result (sys.exit/os._exit in case code, or a fatal error)";
    if (!w.stray.empty())
      r.message = "the case wrote to pyrace's result channel (a pipe the worker keeps on a high descriptor; it "
                  "held \"" + w.stray + "\", which is not pyrace's JSON), so the result was lost; " + r.message;
    r.output_tail = w.output_tail;
  }
  if (!r.tsan.empty() && r.status == "ok") {
    r.message = tsan_message(r.tsan, tsan_context(r));
    r.output_tail = r.tsan.front().text;
  } else if (!r.tsan.empty()) {
    // A crash (or hang) that TSan saw coming: its races often name the cause.
    r.message += (r.message.empty() ? "" : "\n") + tsan_message(r.tsan, tsan_context(r));
  }
  if (r.status == "crash" && w.signal == SIGXCPU)
    r.message += "; the CPU time limit (--max-cpu " + std::to_string(opts.max_cpu_s) + " s) was reached";
  if (r.message.find("MemoryError") != std::string::npos)
    r.message += " (the worker's memory limit is --max-memory " + std::to_string(memory_limit_mib(opts, cfg.threads)) + " MiB)";
  if (w.output_cut)
    r.message += (r.message.empty() ? "" : "; ") + std::string("the case wrote more than --max-output ") +
                 std::to_string(opts.max_output_mib) + " MiB to stdout/stderr: only the end was kept";
  grade_record(r);
  if (r.config.mode == "explore" && r.status == "ok") r.message = explore_summary(r);
  if (r.xfail)
    r.message = "known interpreter bug " + r.known_bug_issue + " (affects " + r.known_bug_affects + "): " +
                (r.message.empty() ? std::string("verdict ") + to_string(r.verdict) + " as recorded" : r.message);
  if (r.xpass)
    r.message = "KNOWN_BUG " + r.known_bug_issue + " did not show: this build gives the verdict EXPECT names, so "
                "the bug looks fixed here; update the case (drop KNOWN_BUG or narrow \"affects\")";
  if (!r.known_bug_verdict.empty() && !r.known_bug_applies && r.expectation_applies && r.config.mode != "explore") {
    const std::string why = r.known_bug_verdict == to_string(Verdict::Tsan) && !r.tsan_build
                                ? "a race report needs a TSan build"
                                : "affects " + r.known_bug_affects + ", not this interpreter";
    r.message = (r.message.empty() ? "" : r.message + "; ") + "KNOWN_BUG " + r.known_bug_issue +
                " does not apply (" + why + "): graded against EXPECT";
  }
  return r;
}

Record describe_one(const std::string& path, const std::string& name, const SuperviseOptions& opts) {
  WorkerOutcome w = run_worker({{"mode", "describe"}, {"path", path}, {"name", name}}, opts);
  Record r;
  r.name = name;
  r.path = path;
  const json& j = w.result;
  if (j.contains("case")) fill_from_case(r, j["case"]);
  r.status = j.value("status", "crash");
  r.line = j.value("line", 0);
  r.message = j.value("message", w.signal ? "the worker died of " + signal_name(w.signal)
                                           : w.timed_out ? fmt::format("still loading after {:g} s (--timeout)", opts.timeout_s)
                                                         : "");
  grade_record(r);
  return r;
}

json explain_one(const std::string& path, const std::string& name, const SuperviseOptions& opts) {
  WorkerOutcome w = run_worker({{"mode", "explain"}, {"path", path}, {"name", name}}, opts);
  if (w.result.value("status", "") == "ok" && w.result.contains("explain")) return w.result["explain"];
  std::string msg = w.result.value("message", "");
  int line = w.result.value("line", 0);
  if (msg.empty()) msg = w.signal ? "the worker died of " + signal_name(w.signal) : "the case could not be loaded";
  return {{"message", path + (line > 0 ? ":" + std::to_string(line) : "") + ": " + msg}};
}

std::string probe_interpreter(const std::string& gil, const SuperviseOptions& opts, std::string& python) {
  WorkerOutcome w = run_worker({{"mode", "probe"}, {"config", {{"gil", gil}}}}, opts);
  python = w.result.value("python", "");
  if (w.result.value("status", "") == "ok") return "";
  if (w.result.contains("message")) return w.result["message"].get<std::string>();
  std::string why = w.signal ? "died of " + signal_name(w.signal) : "exited with status " + std::to_string(w.exit_code);
  return "the interpreter could not start (" + why + "):\n" + w.output_tail;
}

}  // namespace pyrace
