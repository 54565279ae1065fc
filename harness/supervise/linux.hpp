// What the supervisor asks of Linux itself: a process's state and CPU time from /proc, and
// glibc's names of signals. The rest of supervise/ reads these, not /proc.
#pragma once
#include <sys/types.h>

#include <string>

namespace pyrace {

// CPU time (user + system, in clock ticks) of a process, or -1.
long cpu_ticks(pid_t pid);

// The state letter of a process (/proc/PID/stat: R, S, D, T stopped, t traced, Z zombie), or 0.
char proc_state(pid_t pid);

// A signal's name as the shell spells it ("SIGSEGV"), or SIG and its number when it has none.
std::string signal_name(int sig);

}  // namespace pyrace
