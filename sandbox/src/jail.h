// The code that runs between fork() and execve() of one job. The supervisor is multi-threaded, so
// after fork only async-signal-safe calls are allowed: everything the child needs (paths, option
// strings, argv, envp, the seccomp program) is prepared in a JailPlan before the fork, and every
// step reports failure as (step, errno) on a pipe with C-style return codes — no exceptions, no
// allocation, no stdio.
#pragma once
#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "landlock.h"

namespace remedi::sandbox {

// Fixed descriptor numbers inside the jail (see driver.cpp for how they are used).
constexpr int kSpecFd = 3;     // read end: job header + program + tests; the driver closes it first
constexpr int kVerdictFd = 4;
constexpr int kMaxBinds = 32;  // host directories bound into the jail root (mirrored + ro_paths)  // write end: the driver's verdict line, prefixed by the job nonce

// Steps of the jail, in order; a failed step is reported by number (names in step_name()).
enum JailStep : int {
  kStepSetsid = 1, kStepDropPrivs, kStepDeathSig, kStepUnshare, kStepIdMap, kStepForkInit,
  kStepMountPrivate, kStepMountRoot, kStepMkdir, kStepBindUsr, kStepBindDev, kStepMountProc,
  kStepMountWork, kStepPivot, kStepChdir, kStepFds, kStepRlimit, kStepNoNewPrivs, kStepSeccomp,
  kStepExec, kStepLandlock,
};
const char* step_name(int step);

// Records written on the status pipe (each write is < PIPE_BUF, so atomic).
struct StatusRecord {
  int kind;   // 1 = setup failure (a = step, b = errno); 2 = exit status of the jailed init (a);
              // 3 = host pid of the jailed init (a), for memory sampling
  int a, b;
};

struct JailPlan {
  bool namespaces = false;
  bool drop_privs = false;         // started as root: setgroups/setresgid/setresuid to uid, gid
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t supervisor_pid = 0;        // for the PR_SET_PDEATHSIG race check
  // namespaces level
  char uid_map[64] = {}, gid_map[64] = {};   // "U U 1": map our own ids (allowed unprivileged)
  char root_opts[64] = {};                   // tmpfs options of the new root
  char work_opts[96] = {};                   // tmpfs options of /sandbox (size = Limits::disk_mb)
  // Top-level entries of the new root besides usr/dev/proc/sandbox/tmp, mirroring the host's
  // usr-merge links: links[i] = {"/tmp/lib", "usr/lib"} becomes a symlink; binds[i] = "/tmp/lib"
  // bind-mounts the host directory of the same name read-only. Both null-terminated.
  const char* const* link_paths = nullptr;
  const char* const* link_targets = nullptr;
  const char* const* bind_parents = nullptr; // directories to create first ("/tmp/opt")
  bool tmp_holds_binds = false;  // a read-only path lives under the host's /tmp: the jail's /tmp is
                                 // then a read-only directory holding it, not a link to /sandbox
  const char* const* bind_paths = nullptr;   // paths in the new root ("/tmp/lib")
  const char* const* bind_sources = nullptr; // host paths ("/lib")
  // basic level
  const char* workdir = nullptr;   // private, pre-created directory owned by uid
  LandlockPlan landlock;           // abi 0 = not available (then the level report says so)
  // both
  int spec_fd = -1, out_fd = -1, err_fd = -1, verdict_fd = -1, status_fd = -1, null_fd = -1;
  struct rlimit lim_cpu {}, lim_as {}, lim_fsize {}, lim_nofile {}, lim_nproc {}, lim_core {};
  const struct sock_fprog* seccomp = nullptr;
  const char* exe = nullptr;       // interpreter
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

// Runs in the forked child; never returns. Namespaces: the child becomes a relay that forks the
// jail's init (PID 1 of the new PID namespace), waits for it and writes its exit status as a
// StatusRecord. Basic: the child execs the interpreter itself.
[[noreturn]] void jail_child(const JailPlan& plan);

}  // namespace remedi::sandbox
