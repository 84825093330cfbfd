// One job in the supervisor. The wall-clock watchdog lives in the drain loop: when the deadline
// passes, the job's process group gets SIGKILL; at the namespaces level that kills the relay and
// the jail's PID 1 (both in the group, and PID 1 also has PR_SET_PDEATHSIG on the relay), and the
// death of PID 1 makes the kernel kill every process left in the namespace (pid_namespaces(7)).
#include "job.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "classify.h"
#include "driver.h"
#include "jail.h"

namespace remedi::sandbox {

namespace {

constexpr size_t kExcerpt = 4096;       // bytes kept of stdout (first) and stderr (last)
constexpr size_t kVerdictMax = 8192;    // the driver's verdict line is < 2 KiB
constexpr int kDrainMs = 500;           // after the job's parent exits, wait this long for EOF

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool make_pipe(Fd& r, Fd& w) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return false;
  r.fd = p[0];
  w.fd = p[1];
  return true;
}

std::string random_nonce() {
  unsigned char b[16];
  size_t got = 0;
  while (got < sizeof b) {
    ssize_t n = ::getrandom(b + got, sizeof b - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

rlim_t mib(int64_t v) { return static_cast<rlim_t>(std::max<int64_t>(v, 1)) << 20; }

int rm_entry(const char* path, const struct stat*, int, struct FTW*) { return ::remove(path); }

void remove_tree(const std::string& dir) { ::nftw(dir.c_str(), rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

// Basic level's disk quota: blocks allocated under the working directory, KiB. nftw has no
// user-data argument, hence the thread-local accumulator (one job per worker thread).
thread_local int64_t t_usage_kb = 0;
int add_usage(const char*, const struct stat* st, int, struct FTW*) {
  t_usage_kb += static_cast<int64_t>(st->st_blocks) / 2;  // st_blocks counts 512-byte units
  return 0;
}
int64_t dir_usage_kb(const std::string& dir) {
  t_usage_kb = 0;
  ::nftw(dir.c_str(), add_usage, 16, FTW_PHYS);
  return t_usage_kb;
}

std::atomic<uint64_t> g_job_counter{0};

}  // namespace

void mirror_host_root(JobContext& ctx, const std::vector<std::string>& extra_ro) {
  for (const char* name : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    std::string host = std::string("/") + name;
    struct stat st;
    if (::lstat(host.c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      char buf[256];
      ssize_t n = ::readlink(host.c_str(), buf, sizeof buf - 1);
      if (n <= 0) continue;
      ctx.link_paths.push_back("/tmp/" + std::string(name));
      ctx.link_targets.emplace_back(buf, static_cast<size_t>(n));
    } else if (S_ISDIR(st.st_mode)) {
      ctx.bind_paths.push_back("/tmp/" + std::string(name));
      ctx.bind_sources.push_back(host);
    }
  }
  for (const std::string& path : extra_ro) {
    char real[PATH_MAX];
    struct stat st;
    if (!::realpath(path.c_str(), real) || ::stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
      throw Error("read-only path is not an existing directory", path, "fix SandboxOptions::ro_paths");
    const std::string host = real;
    if (host == "/usr" || starts_with(host, "/usr/")) continue;  // already visible
    // /sandbox, /tmp, /dev and /proc are the jail's own (its tmp is a link to /sandbox).
    for (const char* own : {"/sandbox", "/proc", "/dev"})
      if (host == own || starts_with(host, std::string(own) + "/"))
        throw Error("read-only path cannot be shown inside the jail", host,
                    "use a directory outside /sandbox, /proc and /dev");
    if (host == "/tmp") throw Error("read-only path /tmp would hide the jail's own /tmp", host, "name a subdirectory");
    if (starts_with(host, "/tmp/")) ctx.tmp_holds_binds = true;
    if (host == "/") throw Error("read-only path '/' would expose the whole host", host, "name a directory");
    ctx.ro_paths.push_back(host);
    for (size_t pos = 1; (pos = host.find('/', pos)) != std::string::npos; ++pos)
      ctx.bind_parents.push_back("/tmp" + host.substr(0, pos));
    ctx.bind_paths.push_back("/tmp" + host);
    ctx.bind_sources.push_back(host);
  }
  if (ctx.bind_sources.size() > static_cast<size_t>(kMaxBinds))
    throw Error("too many read-only paths", std::to_string(ctx.bind_sources.size()),
                "at most " + std::to_string(kMaxBinds) + " directories, mirrored ones included");
  auto freeze = [](const std::vector<std::string>& v, std::vector<const char*>& c) {
    c.clear();
    for (auto& s : v) c.push_back(s.c_str());
    c.push_back(nullptr);
  };
  freeze(ctx.link_paths, ctx.link_paths_c);
  freeze(ctx.link_targets, ctx.link_targets_c);
  freeze(ctx.bind_parents, ctx.bind_parents_c);
  freeze(ctx.bind_paths, ctx.bind_paths_c);
  freeze(ctx.bind_sources, ctx.bind_sources_c);
  freeze(ctx.ro_paths, ctx.ro_paths_c);
}

ExecResult run_job_once(const JobContext& ctx, const ExecRequest& req, int slot) {
  const auto t0 = std::chrono::steady_clock::now();
  const Limits& lim = req.limits;
  const bool ns = ctx.level == Level::Namespaces;
  ExecResult res;
  res.isolation = level_name(ctx.level);
  auto infra = [&](const std::string& why) {
    res.outcome = Outcome::SandboxError;
    res.detail = why + ": " + std::strerror(errno);
    return res;
  };

  const std::string nonce = random_nonce();
  const std::string spec = job_spec(nonce, req.program, req.tests, req.tests.empty());
  Fd spec_r, spec_w, out_r, out_w, err_r, err_w, ver_r, ver_w, st_r, st_w;
  if (!make_pipe(spec_r, spec_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w) ||
      !make_pipe(ver_r, ver_w) || !make_pipe(st_r, st_w))
    return infra("pipe");
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.fd < 0) return infra("open /dev/null");

  // ---- everything the child needs, prepared before fork ----
  JailPlan p;
  p.namespaces = ns;
  p.drop_privs = ctx.root;
  p.uid = ctx.root ? (ns ? ctx.nobody_uid : ctx.basic_uid_base + static_cast<uint32_t>(slot)) : ::geteuid();
  p.gid = ctx.root ? p.uid : ::getegid();
  p.supervisor_pid = ctx.supervisor_pid;
  std::snprintf(p.uid_map, sizeof p.uid_map, "%u %u 1", p.uid, p.uid);
  std::snprintf(p.gid_map, sizeof p.gid_map, "%u %u 1", p.gid, p.gid);
  std::snprintf(p.root_opts, sizeof p.root_opts, "size=1m,nr_inodes=256,mode=0755");
  std::snprintf(p.work_opts, sizeof p.work_opts, "size=%lldm,nr_inodes=16384,mode=0755",
                static_cast<long long>(std::max<int64_t>(lim.disk_mb, 1)));
  p.link_paths = ctx.link_paths_c.data();
  p.link_targets = ctx.link_targets_c.data();
  p.bind_parents = ctx.bind_parents_c.data();
  p.tmp_holds_binds = ctx.tmp_holds_binds;
  p.bind_paths = ctx.bind_paths_c.data();
  p.bind_sources = ctx.bind_sources_c.data();
  std::string workdir;
  if (!ns) {
    workdir = ctx.basic_dir + "/job-" + std::to_string(slot) + "-" + std::to_string(g_job_counter++);
    if (::mkdir(workdir.c_str(), 0700) != 0) return infra("mkdir " + workdir);
    if (ctx.root && ::chown(workdir.c_str(), p.uid, p.gid) != 0) return infra("chown " + workdir);
    p.workdir = workdir.c_str();
    p.landlock = ctx.landlock;
    p.landlock.workdir = p.workdir;
    p.landlock.extra_ro = ctx.ro_paths_c.data();
  }
  p.spec_fd = spec_r.fd;
  p.out_fd = out_w.fd;
  p.err_fd = err_w.fd;
  p.verdict_fd = ver_w.fd;
  p.status_fd = st_w.fd;
  p.null_fd = null_fd.fd;
  const rlim_t cpu = static_cast<rlim_t>(std::max(1.0, std::ceil(lim.cpu_s)));
  p.lim_cpu = {cpu, cpu + 1};  // SIGXCPU at the soft limit, SIGKILL one second later
  p.lim_as = {mib(lim.memory_mb), mib(lim.memory_mb)};
  p.lim_fsize = {mib(lim.file_size_mb), mib(lim.file_size_mb)};
  p.lim_nofile = {256, 256};
  p.lim_nproc = {static_cast<rlim_t>(std::max(lim.max_processes, 1)), static_cast<rlim_t>(std::max(lim.max_processes, 1))};
  p.lim_core = {0, 0};
  p.seccomp = &ctx.seccomp.prog;
  p.exe = ctx.python.c_str();
  const std::string home = std::string("HOME=") + (ns ? "/sandbox" : workdir);
  const std::string tmpdir = std::string("TMPDIR=") + (ns ? "/sandbox" : workdir);
  // -I: ignore PYTHON* variables and the user site; -S (unless site_packages): no site.py, so
  // only the standard library is importable; -B: write no .pyc; -u: unbuffered, so the excerpts
  // hold what a killed job printed.
  std::vector<const char*> argv = {ctx.python.c_str(), "-I", "-B", "-u", "-X", "utf8"};
  if (!ctx.site_packages) argv.push_back("-S");
  argv.insert(argv.end(), {"-c", driver_source().c_str(), nullptr});
  const char* envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", home.c_str(), tmpdir.c_str(), nullptr};
  p.argv = const_cast<char* const*>(argv.data());
  p.envp = const_cast<char* const*>(envp);

  pid_t pid = fork_registered([&p] { jail_child(p); });
  if (pid < 0) return infra("fork");

  spec_r.reset();
  out_w.reset();
  err_w.reset();
  ver_w.reset();
  st_w.reset();
  null_fd.reset();
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  for (int fd : {spec_w.fd, out_r.fd, err_r.fd, ver_r.fd, st_r.fd})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  // ---- drain loop with the watchdog ----
  JobObservation obs;
  size_t spec_off = 0;
  std::string status_bytes;
  const auto deadline = t0 + std::chrono::duration<double>(lim.timeout_s);
  pid_t interpreter = ns ? 0 : pid;  // namespaces: the relay reports the init's host pid
  size_t status_parsed = 0;
  std::chrono::steady_clock::time_point last_sample{}, last_du{};
  std::chrono::steady_clock::time_point reaped_at{};
  bool killed = false;
  auto kill_tree = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    killed = true;
  };
  char buf[65536];
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && now >= deadline) {
      obs.wall_timeout = true;
      kill_tree();
    }
    if (obs.reaped && (now - reaped_at > std::chrono::milliseconds(kDrainMs) ||
                       (out_r.fd < 0 && err_r.fd < 0 && ver_r.fd < 0 && st_r.fd < 0)))
      break;
    pollfd fds[6];
    Fd* owners[6];
    int n = 0;
    auto add = [&](Fd& f, short ev) {
      if (f.fd < 0) return;
      fds[n] = {f.fd, ev, 0};
      owners[n++] = &f;
    };
    add(spec_w, POLLOUT);
    add(out_r, POLLIN);
    add(err_r, POLLIN);
    add(ver_r, POLLIN);
    add(st_r, POLLIN);
    if (!obs.reaped && pidfd.fd >= 0) add(pidfd, POLLIN);
    int wait_ms = 50;
    if (!killed) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      wait_ms = static_cast<int>(std::clamp<long long>(left, 1, 100));  // 100 ms: memory samples
    }
    if (pidfd.fd < 0 && !obs.reaped) wait_ms = std::min(wait_ms, 20);  // no pidfd: poll waitpid
    int r = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (r < 0 && errno != EINTR) return infra("poll");
    for (int i = 0; i < n && r > 0; ++i) {
      if (!fds[i].revents) continue;
      Fd& f = *owners[i];
      if (&f == &spec_w) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          spec_w.reset();
          continue;
        }
        ssize_t w = ::write(f.fd, spec.data() + spec_off, spec.size() - spec_off);
        if (w > 0) spec_off += static_cast<size_t>(w);
        if (spec_off == spec.size() || (w < 0 && errno != EAGAIN)) spec_w.reset();
        continue;
      }
      if (&f == &pidfd) continue;  // handled by the waitpid below
      ssize_t got = ::read(f.fd, buf, sizeof buf);
      if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
        f.reset();
        continue;
      }
      if (got < 0) continue;
      std::string_view chunk(buf, static_cast<size_t>(got));
      if (&f == &out_r || &f == &err_r) {
        obs.output_bytes += static_cast<int64_t>(got);
        if (&f == &out_r) {
          if (res.stdout_excerpt.size() < kExcerpt)
            res.stdout_excerpt.append(chunk.substr(0, kExcerpt - res.stdout_excerpt.size()));
        } else {
          res.stderr_excerpt.append(chunk);
          if (res.stderr_excerpt.size() > 2 * kExcerpt)
            res.stderr_excerpt.erase(0, res.stderr_excerpt.size() - kExcerpt);
        }
        if (obs.output_bytes > lim.output_bytes && !killed) {
          obs.output_limit = true;
          kill_tree();
        }
      } else if (&f == &ver_r) {
        if (obs.verdict.size() < kVerdictMax) obs.verdict.append(chunk.substr(0, kVerdictMax - obs.verdict.size()));
      } else {
        status_bytes.append(chunk);
      }
    }
    for (; status_parsed + sizeof(StatusRecord) <= status_bytes.size(); status_parsed += sizeof(StatusRecord)) {
      StatusRecord rec;
      std::memcpy(&rec, status_bytes.data() + status_parsed, sizeof rec);
      if (rec.kind == 3) interpreter = rec.a;
    }
    if (interpreter > 0 && !obs.reaped && std::chrono::steady_clock::now() - last_sample > std::chrono::milliseconds(50)) {
      res.peak_rss_kb = std::max(res.peak_rss_kb, read_vmhwm_kb(interpreter));
      last_sample = std::chrono::steady_clock::now();
    }
    if (!ns && !killed && std::chrono::steady_clock::now() - last_du > std::chrono::milliseconds(100)) {
      if (dir_usage_kb(workdir) > std::max<int64_t>(lim.disk_mb, 1) * 1024) {
        obs.disk_quota = true;
        kill_tree();
      }
      last_du = std::chrono::steady_clock::now();
    }
    if (!obs.reaped) {
      struct rusage ru {};
      int st = 0;
      pid_t w = ::wait4(pid, &st, WNOHANG, &ru);
      if (w == pid) {
        obs.reaped = true;
        obs.relay_status = st;
        reaped_at = std::chrono::steady_clock::now();
        res.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
        ::kill(-pid, SIGKILL);  // anything left in the group (group id stays reserved while used)
      }
    }
  }
  if (!obs.reaped) {  // EOF on everything but the child is still there: should not happen
    kill_tree();
    while (::waitpid(pid, &obs.relay_status, 0) < 0 && errno == EINTR) {
    }
    obs.reaped = true;
  }
  unregister_child(pid);
  if (res.stderr_excerpt.size() > kExcerpt) res.stderr_excerpt.erase(0, res.stderr_excerpt.size() - kExcerpt);
  for (size_t off = 0; off + sizeof(StatusRecord) <= status_bytes.size(); off += sizeof(StatusRecord)) {
    StatusRecord rec;
    std::memcpy(&rec, status_bytes.data() + off, sizeof rec);
    if (rec.kind == 1) {
      obs.setup_failed = true;
      obs.setup_step = rec.a;
      obs.setup_errno = rec.b;
    } else if (rec.kind == 2) {
      obs.have_init_status = true;
      obs.init_status = rec.a;
    }
  }
  if (!ns) {  // basic level: the child exec'd the interpreter itself
    obs.have_init_status = !obs.setup_failed;
    obs.init_status = obs.relay_status;
    if (ctx.root) kill_all_of_uid(p.uid);
    remove_tree(workdir);
  }
  // Namespaces: only a killed relay leaves orphans (its jail init, dying of PR_SET_PDEATHSIG).
  if (!ns || killed) sweep_orphans();
  res.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  obs.cpu_limit_s = lim.cpu_s;
  obs.nonce = nonce;
  classify(obs, res);
  return res;
}

ExecResult run_job(const JobContext& ctx, const ExecRequest& req, int slot, int retries) {
  ExecResult r;
  for (int attempt = 1; attempt <= retries + 1; ++attempt) {
    r = run_job_once(ctx, req, slot);
    r.attempts = attempt;
    if (r.outcome != Outcome::SandboxError) break;
  }
  return r;
}

}  // namespace remedi::sandbox
