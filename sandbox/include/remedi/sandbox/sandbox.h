// The sandbox implementation behind remedi::sandbox::Executor: a supervisor process that runs
// untrusted Python in a pool of jailed worker processes.
//
//   auto sb = remedi::sandbox::make_sandbox({});      // forks the supervisor: call this FIRST,
//                                                      // before any thread or CUDA context exists
//   std::fprintf(stderr, "%s\n", sb->isolation().summary().c_str());
//   ExecResult r = sb->run({program, tests, limits});
//
// Why a separate supervisor process: forking a process that holds a CUDA context and tens of GB
// of mappings is slow and unsafe, so remedi-eval forks the small supervisor once, at start-up, and
// every job is forked from it. The supervisor talks to this process over a Unix socket.
//
// Layers of one job (sandbox/src/jail.cpp has the ordered list of steps):
//   namespaces level: own session + process group; uid dropped to nobody when started as root;
//     new user, PID, network, mount, IPC and UTS namespaces; a tmpfs root holding only a read-only
//     bind of /usr (the Python installation), /dev/{null,zero,random,urandom}, a fresh /proc and a
//     size-limited tmpfs /sandbox (the working directory); rlimits; no_new_privs; seccomp filter.
//   basic level (no user namespaces, e.g. Docker's default seccomp profile): session + process
//     group, uid drop when root (one uid per worker slot), a private temp dir whose size is polled
//     every 100 ms, Landlock where the kernel has it (read-only /usr, read-write temp dir, no TCP,
//     no signals outside the job), rlimits, no_new_privs, seccomp; leftovers that left the process
//     group are re-parented to the supervisor (a child subreaper) and killed after the job.
// Both levels: the program never sees the exit status or output used as a verdict; a pass needs
// the per-job nonce on a private pipe (sandbox/src/driver.cpp documents what that does and does
// not protect against). The level in force is detected at start-up, returned by isolation(),
// stamped on every ExecResult, and make_sandbox() refuses to run below
// SandboxOptions::require_level. Performance (tests/bench/bench_sandbox.cpp): a fresh interpreter
// per job, no zygote; measured on one core, the jail (forks, namespaces, mounts, seccomp) costs
// ~2.5 ms per job and the interpreter with the driver ~15-20 ms.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "remedi/sandbox/executor.h"

namespace remedi::sandbox {

enum class Level {
  Basic,       // rlimits + seccomp + no_new_privs + session; no namespaces
  Namespaces,  // Basic + user/pid/net/mount/ipc/uts namespaces, tmpfs root, read-only /usr
};
const char* level_name(Level l);  // "basic", "namespaces"

struct Isolation {
  Level level = Level::Basic;
  std::vector<std::string> mechanisms;  // in force, e.g. "user-ns", "seccomp", "uid-drop(65534)"
  std::vector<std::string> missing;     // not in force, each with the reason
  std::string summary() const;          // one line: level, mechanisms, missing
};

struct SandboxOptions {
  std::string python = "/usr/bin/python3";  // interpreter run inside the jail (read-only /usr)
  int workers = 0;                          // concurrent jobs; 0 = number of online CPUs
  int retries = 2;                          // extra attempts after a sandbox_error
  Level require_level = Level::Basic;       // make_sandbox() throws if less is available
  bool force_basic = false;                 // skip namespaces even where available (testing)
  uint32_t nobody_uid = 65534;              // uid/gid jobs run as when started as root
  bool site_packages = false;               // false: python -S, the standard library only; true:
                                            // site.py runs, so e.g. /usr/lib/python3/dist-packages
                                            // (math-verify, ...) is importable
  std::vector<std::string> ro_paths;        // extra host directories shown read-only at the same
                                            // path (e.g. a venv); not under /sandbox, /proc, /dev
};

struct SandboxStats {
  int64_t jobs = 0;            // requests answered
  int64_t sandbox_errors = 0;  // final results that are sandbox_error (after retries)
  int64_t retries = 0;         // extra attempts spent on sandbox_error
};

class Sandbox : public Executor {
 public:
  virtual const Isolation& isolation() const = 0;
  virtual int workers() const = 0;
  virtual SandboxStats stats() const = 0;
  virtual int supervisor_pid() const = 0;  // for tests: liveness and leftover-process checks
};

// Forks the supervisor and waits until it has probed the isolation level. Throws remedi::Error if
// the supervisor cannot start, if this process already runs several threads (fork would copy
// locked mutexes), or if the level found is below opts.require_level.
std::unique_ptr<Sandbox> make_sandbox(const SandboxOptions& opts = {});

}  // namespace remedi::sandbox
