// Landlock (Linux 5.13+, unprivileged) for the basic level, where no mount namespace hides the
// host: the job may read and execute only the Python installation, use four device nodes and its
// own /proc entry, and write only its working directory. From ABI 4 TCP bind/connect are refused
// as well, and from ABI 6 the job cannot signal processes outside its Landlock domain (the
// supervisor, other jobs, the remedi-eval process). See landlock(7).
#pragma once
#include <cstdint>

namespace remedi::sandbox {

struct LandlockPlan {
  int abi = 0;                  // 0 = unavailable; else the kernel's Landlock ABI version
  uint64_t handled_fs = 0;      // access rights the ruleset governs (for this ABI)
  uint64_t handled_net = 0;
  uint64_t scoped = 0;
  const char* workdir = nullptr;  // read-write
  const char* const* extra_ro = nullptr;  // SandboxOptions::ro_paths (read + execute), null-ended
};

// Supervisor side, before fork: the ABI version and the masks it supports.
LandlockPlan landlock_plan();

// Child side, after PR_SET_NO_NEW_PRIVS: builds and enforces the ruleset. Async-signal-safe
// (syscalls only); returns 0, or -1 with errno set.
int landlock_apply(const LandlockPlan& plan);

}  // namespace remedi::sandbox
