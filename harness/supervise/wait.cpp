#include "supervise/wait.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "supervise/linux.hpp"
#include "worker/reap.hpp"

namespace pyrace {

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Whatever is in the pipe now, without blocking.
void drain(int fd, std::string& data) {
  char buf[65536];
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
}

// Reads the result channel until its end, the worker's end, the timeout or an interruption;
// true when the worker was reaped (its wait status in end.status).
bool poll_worker(const WorkerProcess& p, const SuperviseOptions& opts, WorkerOutcome& w, WorkerEnd& end) {
  char buf[65536];
  bool eof = false;
  while (!eof) {
    if (opts.interrupted && *opts.interrupted) {
      w.interrupted = true;
      ::kill(-p.pid, SIGKILL);
      break;
    }
    double left = opts.timeout_s - since(p.t0);
    if (left <= 0) {
      w.timed_out = true;
      break;
    }
    pollfd pfd{p.result_fd, POLLIN, 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(std::min(left, 0.2) * 1000) + 1);
    if (rc < 0 && errno != EINTR) break;
    if (rc > 0) {
      ssize_t n = ::read(p.result_fd, buf, sizeof buf);
      if (n > 0) {
        end.channel.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        eof = true;
      }
      continue;
    }
    // Output past the limit is cut back: the file is truncated and the worker's shared offset
    // keeps growing, so the file becomes sparse and the disk keeps only what came since.
    struct stat st{};
    if (::fstat(p.output_fd, &st) == 0 && st.st_blocks * 512 > (static_cast<off_t>(opts.max_output_mib) << 20)) {
      ::ftruncate(p.output_fd, 0);
      w.output_cut = true;
    }
    // No data for a while: the worker may have exited while something it forked keeps the pipe open.
    // WUNTRACED: a stop is reported too (not an end): which signal stopped it, for the message.
    if (int st = 0; ::waitpid(p.pid, &st, WNOHANG | WUNTRACED) == p.pid) {
      if (WIFSTOPPED(st)) {
        w.stop_signal = WSTOPSIG(st);
        continue;
      }
      end.status = st;
      drain(p.result_fd, end.channel);
      return true;
    }
  }
  return false;
}

// A timed-out worker stopped by a signal (SIGSTOP, SIGTSTP ...), not hung: it would never go on
// by itself. The stack request stays pending while it is stopped; SIGCONT lets faulthandler
// answer it. A case that stops itself again stops the dump half-way: it is continued until the end.
void kill_stopped(pid_t pid) {
  ::kill(-pid, SIGUSR1);
  for (int i = 0; i < 70; ++i) {
    ::kill(-pid, SIGCONT);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid, SIGKILL);
}

// A timed-out worker: deadlock or busy hang? Blocked threads use no CPU; spinning ones use a
// core each. Its stacks, then the kill; true when it ended by itself meanwhile (and was reaped).
bool kill_hung(pid_t pid, WorkerOutcome& w, WorkerEnd& end) {
  long c0 = cpu_ticks(pid);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long c1 = cpu_ticks(pid);
  long hz = ::sysconf(_SC_CLK_TCK);
  if (::waitpid(pid, &end.status, WNOHANG) == pid) {
    w.timed_out = false;  // it finished just now: its result (if complete) counts, it did not hang
    return true;
  }
  w.cpu_idle = c0 >= 0 && c1 >= 0 && (c1 - c0) * 1000 / hz < 25;  // < 5% of one core
  ::kill(-pid, SIGUSR1);  // faulthandler dumps every thread's Python stack
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ::kill(-pid, SIGKILL);
  return false;
}

// The worker closed its result before exit() ran TSan's finaliser: a finaliser stuck behind a
// thread the case left running must not hold the run past the timeout.
void reap_finalising(const WorkerProcess& p, const SuperviseOptions& opts, WorkerEnd& end) {
  for (;;) {
    pid_t got = ::waitpid(p.pid, &end.status, WNOHANG);
    if (got == p.pid || (got < 0 && errno != EINTR)) break;
    if (since(p.t0) > opts.timeout_s || (opts.interrupted && *opts.interrupted)) ::kill(-p.pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

WorkerEnd wait_worker(const WorkerProcess& p, const SuperviseOptions& opts, WorkerOutcome& w) {
  WorkerEnd end;
  bool reaped = poll_worker(p, opts, w, end);
  if (w.timed_out && (proc_state(p.pid) == 'T' || proc_state(p.pid) == 't')) {
    w.stopped = true;
    kill_stopped(p.pid);
  } else if (w.timed_out) {
    reaped = kill_hung(p.pid, w, end);
  }
  if (!reaped && p.finalising) {
    reap_finalising(p, opts, end);
    reaped = true;
  }
  if (!reaped) {
    while (::waitpid(p.pid, &end.status, 0) < 0 && errno == EINTR) {
    }
  }
  ::kill(-p.pid, SIGKILL);  // anything the case forked and left behind
  kill_descendants(::getpid());  // ... in a session of its own too (reparented to us, the subreaper)
  drain(p.result_fd, end.channel);
  ::close(p.result_fd);
  w.wall_s = since(p.t0);
  return end;
}

}  // namespace pyrace
