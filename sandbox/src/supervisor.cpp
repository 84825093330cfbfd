// Supervisor: isolation probe, worker pool, request loop.
//
// Level detection runs the real thing: a trivial job through the full namespaces jail. If any jail
// step fails (unprivileged user namespaces disabled, /proc not mountable in a container, ...) the
// supervisor falls back to the basic level and records the failing step in Isolation::missing;
// make_sandbox() then reports or refuses it. No job ever silently runs at a lower level than the
// one announced: a job whose jail fails is a sandbox_error, not a degraded run.
#include "supervisor.h"

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "job.h"
#include "remedi/common/error.h"
#include "wire.h"

namespace remedi::sandbox {

namespace {

struct Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<uint64_t, ExecRequest>> queue;
  std::mutex write_mu;
};

void describe(JobContext& ctx, Isolation& iso) {
  iso.level = ctx.level;
  iso.mechanisms.clear();
  auto& m = iso.mechanisms;
  m.push_back("own-session+process-group");
  if (ctx.root)
    m.push_back(ctx.level == Level::Namespaces ? "uid-drop(" + std::to_string(ctx.nobody_uid) + ")"
                                               : "uid-drop(per-slot uid " + std::to_string(ctx.basic_uid_base) + "+k)");
  if (ctx.level == Level::Namespaces) {
    for (const char* n : {"user-ns", "pid-ns", "net-ns", "mount-ns", "ipc-ns", "uts-ns"}) m.push_back(n);
    std::string shown = "ro /usr";
    for (auto& r : ctx.ro_paths) shown += ", ro " + r;
    m.push_back("tmpfs-root(" + shown + "; no other host paths)");
    m.push_back("tmpfs-workdir(disk_mb)");
  } else {
    m.push_back("private-tempdir");
    const LandlockPlan& ll = ctx.landlock;
    if (ll.abi > 0)
      m.push_back("landlock(abi " + std::to_string(ll.abi) + ": ro /usr, rw workdir" +
                  (ll.handled_net ? ", tcp denied" : "") + (ll.scoped ? ", signals scoped" : "") + ")");
  }
  m.push_back("rlimits(cpu,as,fsize,nofile,nproc,core)");
  m.push_back("no-new-privs");
  m.push_back("seccomp(" + std::to_string(seccomp_denied_names().size()) + " denials)");
  m.push_back(ctx.level == Level::Namespaces ? "watchdog(killpg+pid-ns teardown)"
                                             : (ctx.root ? "watchdog(killpg+kill-all-of-slot-uid+subreaper sweep)"
                                                        : "watchdog(killpg+subreaper sweep)"));
  if (ctx.level == Level::Basic) {
    const LandlockPlan& ll = ctx.landlock;
    iso.missing.push_back("disk quota: RLIMIT_FSIZE per file + working-directory size polled every 100 ms (no tmpfs)");
    if (ll.abi == 0) iso.missing.push_back("landlock unavailable: host paths readable/writable per Unix permissions");
    if (!ctx.root && ll.scoped == 0) iso.missing.push_back("same uid as the supervisor: a job can signal it");
    if (!ctx.root)  // root gives each worker slot its own uid; without namespaces NPROC is per uid
      iso.missing.push_back("RLIMIT_NPROC is shared by all jobs (one uid): a fork bomb can make concurrent jobs fail to fork");
    // Leftovers that left the process group are re-parented to the subreaper supervisor and killed
    // after the job; until then (at most the job's lifetime) they run.
  }
}

}  // namespace

void supervisor_main(int sock, const SandboxOptions& opts) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);  // the client dies: so do we, and then every job
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGCHLD, SIG_DFL);  // inherited SIG_IGN would auto-reap the jobs before wait4 sees them
  ::syscall(SYS_close_range, 3u, static_cast<unsigned>(sock - 1), 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(sock + 1), ~0u, 0u);
  ::prctl(PR_SET_NAME, "remedi-sandbox", 0, 0, 0);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);  // a job's orphans come back to us (job.cpp sweeps them)

  JobContext ctx;
  Isolation iso;
  std::string fatal;
  int workers = opts.workers > 0 ? opts.workers : static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  if (workers < 1) workers = 1;
  try {
    ctx.root = ::geteuid() == 0;
    ctx.nobody_uid = opts.nobody_uid;
    ctx.supervisor_pid = ::getpid();
    ctx.python = opts.python;
    ctx.site_packages = opts.site_packages;
    build_seccomp(ctx.seccomp);
    mirror_host_root(ctx, opts.ro_paths);
    if (::access(opts.python.c_str(), X_OK) != 0) throw Error("python interpreter not executable", opts.python,
                                                               "pass --python or install python3");
    ExecRequest probe;
    probe.program = "x = 1\n";
    probe.limits.timeout_s = 10;
    if (!opts.force_basic) {
      ctx.level = Level::Namespaces;
      ExecResult r = run_job(ctx, probe, 0, 1);
      if (r.outcome != Outcome::Pass) {
        iso.missing.push_back("namespaces: " + r.detail);
        ctx.level = Level::Basic;
      }
    } else {
      iso.missing.push_back("namespaces: disabled by SandboxOptions::force_basic");
    }
    if (ctx.level == Level::Basic) {
      char tmpl[] = "/tmp/remedi-sandbox-XXXXXX";
      if (!::mkdtemp(tmpl)) throw Error("mkdtemp failed", "/tmp", "is /tmp writable?");
      ::chmod(tmpl, 0711);
      ctx.basic_dir = tmpl;
      ctx.landlock = landlock_plan();
      ExecResult r = run_job(ctx, probe, 0, 1);
      if (r.outcome != Outcome::Pass) fatal = "basic jail does not work either: " + r.detail;
    }
    describe(ctx, iso);
  } catch (const std::exception& e) {
    fatal = e.what();
  }
  if (!wire::write_all(sock, wire::encode_hello(iso, workers, fatal)) || !fatal.empty()) ::_exit(1);

  Pool pool;
  std::vector<std::thread> threads;
  for (int k = 0; k < workers; ++k) {
    threads.emplace_back([&, k] {
      for (;;) {
        std::pair<uint64_t, ExecRequest> job;
        {
          std::unique_lock lk(pool.mu);
          pool.cv.wait(lk, [&] { return !pool.queue.empty(); });
          job = std::move(pool.queue.front());
          pool.queue.pop_front();
        }
        ExecResult r = run_job(ctx, job.second, k, opts.retries);
        std::string frame = wire::encode_result(job.first, r);
        std::lock_guard lk(pool.write_mu);
        if (!wire::write_all(sock, frame)) ::_exit(0);
      }
    });
  }
  for (;;) {
    auto msg = wire::read_frame(sock);
    if (!msg) {
      // Client gone. _exit ends every worker thread; each running job's relay has
      // PR_SET_PDEATHSIG(SIGKILL) on its thread, and the jail's PID 1 on the relay.
      if (!ctx.basic_dir.empty()) ::rmdir(ctx.basic_dir.c_str());
      ::_exit(0);
    }
    std::pair<uint64_t, ExecRequest> job;
    try {
      wire::Reader rd(std::move(*msg));
      wire::decode_request(rd, job.first, job.second);
    } catch (const std::exception&) {
      ::_exit(3);  // the client is the same binary: a malformed frame means memory corruption
    }
    std::lock_guard lk(pool.mu);
    pool.queue.push_back(std::move(job));
    pool.cv.notify_one();
  }
}

}  // namespace remedi::sandbox
