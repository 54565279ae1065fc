#include "supervise/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

#include "worker/reap.hpp"
#include "worker/worker.hpp"

namespace pyrace {

using nlohmann::json;

namespace {

// What the child needs, all made before the fork: after it, the child only sets up its
// descriptors, environment and limits, and execs.
struct ExecPlan {
  std::string spec_text;  // the spec without path and name
  std::string path, name;
  std::string tsan_options;  // TSan builds: the worker's TSAN_OPTIONS
  rlim_t mem_bytes = 0;
  pid_t supervisor = 0;
  int outfd = -1;
  int pipefd[2] = {-1, -1};
};

// The spec as the worker gets it: path and name apart, the rest as JSON text.
void plan_spec(const json& spec, const SuperviseOptions& opts, ExecPlan& x, WorkerProcess& p) {
  json plain = spec;
  x.path = plain.value("path", "");
  x.name = plain.value("name", "");
  plain.erase("path");
  plain.erase("name");
#ifdef PYRACE_TSAN_SUPPRESSIONS
  p.finalising = opts.show_suppressed;  // the worker ends with exit(), not _exit()
  if (p.finalising) plain["tsan_finalise"] = true;
#else
  (void)opts;
  p.finalising = false;  // no sanitizer runtime to finalise
#endif
  x.spec_text = plain.dump();
#ifdef PYRACE_TSAN_SUPPRESSIONS
  // Each worker logs its TSan reports into a folder of its own, parsed after it ends.
  char tsan_tmpl[] = "/tmp/pyrace-tsan-XXXXXX";
  p.tsan_dir = ::mkdtemp(tsan_tmpl) ? tsan_tmpl : "/tmp";
  x.tsan_options = fmt::format(
      "log_path={}/tsan suppressions={} halt_on_error=0 report_signal_unsafe=0 handle_segv=0 "
      "print_suppressions=1 history_size=4 external_symbolizer_path={}",
      p.tsan_dir, PYRACE_TSAN_SUPPRESSIONS, PYRACE_SYMBOLIZER);
#endif
}

// The worker's stdin, stdout, stderr and result channel; nothing else it inherited.
void set_descriptors(const ExecPlan& x) {
  int devnull = ::open("/dev/null", O_RDONLY);
  ::dup2(devnull, 0);
  ::dup2(x.outfd, 1);
  ::dup2(x.outfd, 2);
  if (x.pipefd[1] == kResultFd) ::fcntl(kResultFd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
  else ::dup2(x.pipefd[1], kResultFd);  // dup2 clears close-on-exec on the new descriptor
  // Nothing else pyrace inherited (a CI runner's pipes) reaches the worker and its case.
  if (::close_range(kResultFd + 1, ~0U, 0) != 0)
    for (int fd = kResultFd + 1; fd < 1024; ++fd) ::close(fd);
}

// Per-worker limits: a case that allocates without bound gets MemoryError, one that burns CPU
// without bound gets SIGXCPU; either way the supervisor reports it and goes on.
void set_limits(const ExecPlan& x, const SuperviseOptions& opts) {
  rlimit mem{x.mem_bytes, x.mem_bytes};
#ifndef PYRACE_SANITIZER
  ::setrlimit(RLIMIT_DATA, &mem);
#else
  (void)mem;  // a sanitizer maps terabytes of shadow memory: no data limit can hold it
#endif  // DATA, not AS: mimalloc reserves far more address space than it uses
  if (opts.max_cpu_s > 0) {
    rlimit cpu{static_cast<rlim_t>(opts.max_cpu_s), static_cast<rlim_t>(opts.max_cpu_s) + 5};
    ::setrlimit(RLIMIT_CPU, &cpu);
  }
}

// In the child, right after the fork: becomes the worker, or exits 127.
[[noreturn]] void exec_worker(const ExecPlan& x, const SuperviseOptions& opts) {
  ::setpgid(0, 0);  // its own process group: a timeout kills whatever the case forked too
  // A supervisor killed with -9 takes its worker along, and the worker what it started: the
  // signal's handler (install_worker_reaper) kills the worker's descendants, then the worker.
  ::prctl(PR_SET_PDEATHSIG, worker_death_signal());
  if (::getppid() != x.supervisor) ::_exit(127);  // ... even if it died before the line above
  set_descriptors(x);
#ifdef PYRACE_TSAN_SUPPRESSIONS
  ::setenv("TSAN_OPTIONS", x.tsan_options.c_str(), 1);
  ::setenv("DEBUGINFOD_URLS", "", 1);  // symbolisation never reaches for the network
#endif
  set_limits(x, opts);
  // Path and name travel as plain arguments: a file name need not be valid UTF-8, JSON must.
  const char* argv[] = {
      opts.self_exe.c_str(), "__worker", "--spec", x.spec_text.c_str(), "--path", x.path.c_str(), "--name",
      x.name.c_str(),        nullptr};
  ::execv(opts.self_exe.c_str(), const_cast<char* const*>(argv));
  std::fprintf(stderr, "pyrace: cannot execute %s: %s\n", opts.self_exe.c_str(), std::strerror(errno));
  ::_exit(127);
}

}  // namespace

WorkerProcess spawn_worker(const json& spec, const SuperviseOptions& opts) {
  WorkerProcess p;
  ExecPlan x;
  if (::pipe2(x.pipefd, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  char tmpl[] = "/tmp/pyrace-worker-XXXXXX";
  x.outfd = ::mkostemp(tmpl, O_CLOEXEC);
  if (x.outfd < 0) throw std::runtime_error(std::string("cannot create a temporary file: ") + std::strerror(errno));
  ::unlink(tmpl);
  plan_spec(spec, opts, x, p);
  const int spec_threads = spec.contains("config") ? spec["config"].value("threads", 0) : 0;
  x.mem_bytes = static_cast<rlim_t>(memory_limit_mib(opts, spec_threads)) << 20;
  // Orphans of a worker (a child the case started with setsid, whose parent died) become ours,
  // and are killed by wait_worker once the worker has ended, instead of living on under init.
  static const bool subreaper = become_subreaper();
  (void)subreaper;
  x.supervisor = ::getpid();
  p.t0 = Clock::now();
  p.pid = ::fork();
  if (p.pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (p.pid == 0) exec_worker(x, opts);
  ::setpgid(p.pid, p.pid);
  ::close(x.pipefd[1]);
  p.result_fd = x.pipefd[0];
  p.output_fd = x.outfd;
  return p;
}

}  // namespace pyrace
