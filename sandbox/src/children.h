// The supervisor's child processes: which ones a worker thread owns, and the sweep that kills the
// rest. The supervisor is a child subreaper (PR_SET_CHILD_SUBREAPER), so a job's orphans — a daemon
// that left the process group with setsid(), or a jail init whose relay was killed — are
// re-parented to it; any child no worker owns is such a leftover.
#pragma once
#include <cstdint>
#include <sys/types.h>
#include <unistd.h>

namespace remedi::sandbox {

// Holds the registry lock; forks happen under it so a concurrent sweep never mistakes a
// just-forked relay for a leftover.
class ChildRegistryLock {
 public:
  ChildRegistryLock();
  ~ChildRegistryLock();
  void add(pid_t pid);
};

// fork() under the registry lock; the child runs in_child, which must not return.
template <class Fn>
pid_t fork_registered(Fn&& in_child) {
  ChildRegistryLock lk;
  pid_t pid = ::fork();
  if (pid == 0) in_child();
  if (pid > 0) lk.add(pid);
  return pid;
}

void unregister_child(pid_t pid);  // after the worker reaped it

// Parent pid of `pid` read from /proc/PID/stat (its comm field may hold spaces and parentheses);
// -1 when the process is gone or the file cannot be parsed.
int proc_ppid(pid_t pid);

// Kills and reaps every child of the supervisor that no worker owns; repeats (bounded) while the
// leftovers' own children keep being re-parented to us.
void sweep_orphans();

// Basic level, root: every process of the slot's uid belongs to the job; a helper with that uid
// sends SIGKILL to all of them (kill(2) with pid -1 skips the caller).
void kill_all_of_uid(uid_t uid);

// VmHWM (peak resident set, KiB) of a live process; 0 when it is gone.
int64_t read_vmhwm_kb(pid_t pid);

}  // namespace remedi::sandbox
