// One job inside the supervisor: prepare the jail plan, fork, feed the spec pipe, drain
// stdout/stderr/verdict while the wall-clock watchdog runs, reap, and classify the outcome.
#pragma once
#include <string>
#include <vector>

#include "remedi/sandbox/executor.h"
#include "remedi/sandbox/sandbox.h"
#include "landlock.h"
#include "seccomp_filter.h"

namespace remedi::sandbox {

// Constants of one supervisor, shared read-only by its worker threads.
struct JobContext {
  Level level = Level::Basic;
  bool root = false;                // supervisor runs as uid 0: jobs drop to a plain uid
  uint32_t nobody_uid = 65534;      // namespaces level, root: the uid jobs run as
  uint32_t basic_uid_base = 61000;  // basic level, root: worker slot k runs as base + k
  pid_t supervisor_pid = 0;
  std::string python;
  bool site_packages = false;       // run without -S
  std::string basic_dir;            // basic level: parent of the per-job working directories
  LandlockPlan landlock;            // basic level: file-system/TCP/signal confinement (abi 0 = none)
  SeccompProgram seccomp;
  // Host top-level entries mirrored into the jail root (usr-merge links or directories).
  // Plus SandboxOptions::ro_paths, bound read-only at the same path (bind_parents: the
  // directories to create first, in order; ro_paths: the canonical host paths, for landlock).
  bool tmp_holds_binds = false;  // see JailPlan
  std::vector<std::string> link_paths, link_targets, bind_parents, bind_paths, bind_sources, ro_paths;
  std::vector<const char*> link_paths_c, link_targets_c, bind_parents_c, bind_paths_c, bind_sources_c,
      ro_paths_c;  // null-ended views of the above, handed to the child
};

// Fills the mirrored entries (bin, lib, lib64, lib32, sbin) from the host root, and the extra
// read-only directories; throws remedi::Error for a path that is missing or cannot be shown.
void mirror_host_root(JobContext& ctx, const std::vector<std::string>& extra_ro = {});

// One attempt; sandbox_error on infrastructure faults.
ExecResult run_job_once(const JobContext& ctx, const ExecRequest& req, int slot);

// Up to 1 + retries attempts while the outcome is sandbox_error; ExecResult::attempts says how many.
ExecResult run_job(const JobContext& ctx, const ExecRequest& req, int slot, int retries);

}  // namespace remedi::sandbox
