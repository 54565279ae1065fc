// Process-tree cleanup: whatever a worker started (setsid'ed children included) ends with it.
// The supervisor is a child subreaper (orphans of a worker become its children) and kills them
// after each worker; the worker is a subreaper too, and kills its descendants when the
// supervisor dies (kill -9), on the parent-death signal.
#pragma once
#include <sys/types.h>

namespace pyrace {

// The worker's parent-death signal (PR_SET_PDEATHSIG): a real-time signal no case is likely to
// use; its handler kills the worker's descendants, then the worker.
int worker_death_signal();

// Makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER); false if refused.
bool become_subreaper();

// SIGKILLs every descendant of `root` (found through the PPid chain in /proc), except `spare`
// and its descendants (0: none), round after round until none is left alive (zombies count as
// dead); the ones that are children of the caller are reaped. Async-signal-safe (system calls
// and static buffers only; not reentrant). Returns how many processes it killed.
int kill_descendants(pid_t root, pid_t spare = 0);

// In the worker, right after it starts: become a subreaper and, on worker_death_signal(), kill
// every descendant and then the worker itself.
void install_worker_reaper();

}  // namespace pyrace
