#include "worker/reap.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace pyrace {

namespace {

constexpr int kMaxProcs = 65536;
// Static, not on the stack: the handler may run on a small thread stack.
pid_t g_pid[kMaxProcs];
pid_t g_ppid[kMaxProcs];
char g_state[kMaxProcs];
bool g_mark[kMaxProcs];
char g_dents[32768];

// "123" -> 123; anything else -> -1.
long parse_pid(const char* s) {
  if (!*s) return -1;
  long v = 0;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

// State and PPid of a process from /proc/PID/stat: "pid (comm) S ppid ...", comm may hold ')'.
bool read_stat(long pid, char& state, pid_t& ppid) {
  char path[64] = "/proc/";
  char digits[24];
  int n = 0;
  for (long v = pid; v > 0 || n == 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  int at = 6;
  while (n > 0) path[at++] = digits[--n];
  const char* tail = "/stat";
  for (int i = 0; tail[i]; ++i) path[at++] = tail[i];
  path[at] = 0;
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0) return false;
  buf[got] = 0;
  char* close = nullptr;
  for (char* p = buf; *p; ++p)
    if (*p == ')') close = p;
  if (!close || close[1] != ' ' || !close[2] || close[3] != ' ') return false;
  state = close[2];
  long v = 0;
  for (char* p = close + 4; *p >= '0' && *p <= '9'; ++p) v = v * 10 + (*p - '0');
  ppid = static_cast<pid_t>(v);
  return true;
}

// Every process now: fills g_pid/g_ppid/g_state; returns the count.
int scan() {
  int fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  int count = 0;
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, g_dents, sizeof g_dents);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(g_dents + off);
      off += d->d_reclen;
      long pid = parse_pid(d->d_name);
      if (pid <= 0 || count >= kMaxProcs) continue;
      char state;
      pid_t ppid;
      if (!read_stat(pid, state, ppid)) continue;  // gone meanwhile
      g_pid[count] = static_cast<pid_t>(pid);
      g_ppid[count] = ppid;
      g_state[count] = state;
      ++count;
    }
  }
  ::close(fd);
  return count;
}

void on_death_signal(int) {
  kill_descendants(::getpid());
  ::kill(::getpid(), SIGKILL);
}

}  // namespace

int worker_death_signal() { return SIGRTMIN + 7; }

bool become_subreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

int kill_descendants(pid_t root, pid_t spare) {
  const pid_t self = ::getpid();
  int killed = 0;
  for (int round = 0; round < 1000; ++round) {
    int n = scan();
    for (int i = 0; i < n; ++i) g_mark[i] = false;
    // Mark the descendants of root: a process whose parent is root or marked (a fixed point).
    for (bool changed = true; changed;) {
      changed = false;
      for (int i = 0; i < n; ++i) {
        if (g_mark[i] || g_pid[i] == spare || g_pid[i] == root) continue;
        bool parent_marked = g_ppid[i] == root;
        for (int j = 0; j < n && !parent_marked; ++j) parent_marked = g_mark[j] && g_pid[j] == g_ppid[i];
        if (parent_marked) g_mark[i] = changed = true;
      }
    }
    int alive = 0;
    for (int i = 0; i < n; ++i) {
      if (!g_mark[i]) continue;
      if (g_state[i] != 'Z' && g_state[i] != 'X') {
        ::kill(g_pid[i], SIGKILL);
        ++alive;
      }
      if (g_ppid[i] == self) ::waitpid(g_pid[i], nullptr, __WALL);  // ours: reap it (SIGKILLed, so soon)
    }
    killed += alive;
    if (alive == 0) break;
    // Killed processes' children are being reparented to the nearest subreaper (root or us):
    // look again until nothing is left.
    timespec pause{0, 2'000'000};
    ::nanosleep(&pause, nullptr);
  }
  return killed;
}

void install_worker_reaper() {
  become_subreaper();
  struct sigaction sa{};
  sa.sa_handler = on_death_signal;
  sigfillset(&sa.sa_mask);
  ::sigaction(worker_death_signal(), &sa, nullptr);
}

}  // namespace pyrace
