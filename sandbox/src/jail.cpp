// The ordered list of fallible steps that contains one job (the nsjail pattern: one short list,
// each step a syscall with a C-style return code). Runs between fork() and execve() in a child of
// the multi-threaded supervisor, so only async-signal-safe calls appear here (signal-safety(7)):
// no malloc, no stdio, no locks, no exceptions. Failures are reported as a StatusRecord
// {1, step, errno} on plan.status_fd, which the supervisor turns into a sandbox_error.
#include "jail.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

namespace remedi::sandbox {

const char* step_name(int step) {
  switch (step) {
    case kStepSetsid: return "setsid";
    case kStepDropPrivs: return "drop-privileges";
    case kStepDeathSig: return "parent-death-signal";
    case kStepUnshare: return "unshare-namespaces";
    case kStepIdMap: return "uid/gid-map";
    case kStepForkInit: return "fork-init";
    case kStepMountPrivate: return "mount-private";
    case kStepMountRoot: return "mount-root-tmpfs";
    case kStepMkdir: return "mkdir-root-layout";
    case kStepBindUsr: return "bind-usr-readonly";
    case kStepBindDev: return "bind-dev-nodes";
    case kStepMountProc: return "mount-proc";
    case kStepMountWork: return "mount-work-tmpfs";
    case kStepPivot: return "pivot-root";
    case kStepChdir: return "chdir-workdir";
    case kStepFds: return "set-up-descriptors";
    case kStepRlimit: return "rlimits";
    case kStepNoNewPrivs: return "no-new-privs";
    case kStepSeccomp: return "seccomp";
    case kStepExec: return "exec-interpreter";
    case kStepLandlock: return "landlock";
  }
  return "unknown-step";
}

namespace {

[[noreturn]] void fail(const JailPlan& p, int step) {
  StatusRecord r{1, step, errno};
  ssize_t n = ::write(p.status_fd, &r, sizeof r);
  (void)n;
  ::_exit(127);
}

// Writes a whole small string to a file (uid_map and friends); 0 on success.
int write_text(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  while (text[n]) ++n;
  ssize_t w = ::write(fd, text, n);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return w == static_cast<ssize_t>(n) ? 0 : -1;
}

int make_file(const char* path) {
  int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return -1;
  ::close(fd);
  return 0;
}

// "/proc/self/fd/<fd>" into buf (>= 32 bytes), without snprintf (not async-signal-safe).
void fd_path(char* buf, int fd) {
  const char prefix[] = "/proc/self/fd/";
  int n = 0;
  for (; prefix[n]; ++n) buf[n] = prefix[n];
  char digits[12];
  int d = 0;
  do {
    digits[d++] = static_cast<char>('0' + fd % 10);
    fd /= 10;
  } while (fd > 0);
  while (d > 0) buf[n++] = digits[--d];
  buf[n] = '\0';
}

// Read-only, nosuid, nodev on a whole mount tree. mount_setattr(2) (Linux 5.12) changes only the
// named attributes; a MS_REMOUNT would also have to repeat the locked atime flags of the source.
int make_readonly(const char* path, bool recursive) {
  struct mount_attr attr {};
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  return static_cast<int>(::syscall(SYS_mount_setattr, AT_FDCWD, path,
                                    recursive ? AT_RECURSIVE : 0, &attr, sizeof attr));
}

// The jail's file system: a tmpfs root holding read-only /usr (the Python installation), the
// host's usr-merge links, four device nodes, a fresh /proc for the new PID namespace and a
// size-limited tmpfs /sandbox (the working directory). pivot_root then drops every host path from view.
void build_root(const JailPlan& p) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(p, kStepMountPrivate);
  // Bind sources are opened before the root tmpfs hides /tmp, and bound through
  // /proc/self/fd/N, so a read-only path under the host's /tmp still works.
  int src_fd[kMaxBinds];
  int nsrc = 0;
  for (; p.bind_sources && p.bind_sources[nsrc]; ++nsrc) {
    if (nsrc == kMaxBinds) {
      errno = E2BIG;
      fail(p, kStepBindUsr);
    }
    if ((src_fd[nsrc] = ::open(p.bind_sources[nsrc], O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) fail(p, kStepBindUsr);
  }
  if (::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, p.root_opts) != 0) fail(p, kStepMountRoot);
  static const char* const dirs[] = {"/tmp/usr", "/tmp/dev", "/tmp/proc", "/tmp/sandbox", nullptr};
  for (int i = 0; dirs[i]; ++i)
    if (::mkdir(dirs[i], 0755) != 0) fail(p, kStepMkdir);
  if (!p.tmp_holds_binds && ::symlink("sandbox", "/tmp/tmp") != 0) fail(p, kStepMkdir);
  for (int i = 0; p.link_paths && p.link_paths[i]; ++i)
    if (::symlink(p.link_targets[i], p.link_paths[i]) != 0) fail(p, kStepMkdir);
  if (::mount("/usr", "/tmp/usr", nullptr, MS_BIND | MS_REC, nullptr) != 0) fail(p, kStepBindUsr);
  if (make_readonly("/tmp/usr", true) != 0) fail(p, kStepBindUsr);
  for (int i = 0; p.bind_parents && p.bind_parents[i]; ++i)
    if (::mkdir(p.bind_parents[i], 0755) != 0 && errno != EEXIST) fail(p, kStepMkdir);
  for (int i = 0; i < nsrc; ++i) {
    if (::mkdir(p.bind_paths[i], 0755) != 0 && errno != EEXIST) fail(p, kStepMkdir);
    char src[40];
    fd_path(src, src_fd[i]);
    if (::mount(src, p.bind_paths[i], nullptr, MS_BIND | MS_REC, nullptr) != 0) fail(p, kStepBindUsr);
    if (make_readonly(p.bind_paths[i], true) != 0) fail(p, kStepBindUsr);
    ::close(src_fd[i]);
  }
  static const char* const devs[][2] = {{"/dev/null", "/tmp/dev/null"}, {"/dev/zero", "/tmp/dev/zero"},
                                        {"/dev/random", "/tmp/dev/random"}, {"/dev/urandom", "/tmp/dev/urandom"}};
  for (auto& d : devs) {
    if (make_file(d[1]) != 0) fail(p, kStepBindDev);
    if (::mount(d[0], d[1], nullptr, MS_BIND, nullptr) != 0) fail(p, kStepBindDev);
  }
  static const char* const devlinks[][2] = {{"/proc/self/fd", "/tmp/dev/fd"}, {"/proc/self/fd/0", "/tmp/dev/stdin"},
                                            {"/proc/self/fd/1", "/tmp/dev/stdout"}, {"/proc/self/fd/2", "/tmp/dev/stderr"}};
  for (auto& l : devlinks)
    if (::symlink(l[0], l[1]) != 0) fail(p, kStepBindDev);
  if (::mount("proc", "/tmp/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) fail(p, kStepMountProc);
  if (::mount("tmpfs", "/tmp/sandbox", "tmpfs", MS_NOSUID | MS_NODEV, p.work_opts) != 0) fail(p, kStepMountWork);
  // pivot_root(".", ".") stacks the old root under the new one; the detach then removes it
  // (pivot_root(2), "NOTES"), so no host path stays reachable.
  if (::chdir("/tmp") != 0) fail(p, kStepPivot);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) fail(p, kStepPivot);
  if (::umount2(".", MNT_DETACH) != 0) fail(p, kStepPivot);
  if (make_readonly("/", false) != 0) fail(p, kStepPivot);
  if (::chdir("/sandbox") != 0) fail(p, kStepChdir);
}

// Places stdin=/dev/null, stdout, stderr, the spec pipe (3) and the verdict pipe (4); every other
// descriptor, the status pipe included, is marked close-on-exec. Copies go through fds >= 5 first
// so a source that happens to sit on a target number is not clobbered.
void place_fds(const JailPlan& p) {
  const int src[5] = {p.null_fd, p.out_fd, p.err_fd, p.spec_fd, p.verdict_fd};
  int tmp[5];
  for (int i = 0; i < 5; ++i)
    if ((tmp[i] = ::fcntl(src[i], F_DUPFD_CLOEXEC, 5)) < 0) fail(p, kStepFds);
  for (int i = 0; i < 5; ++i)
    if (::dup2(tmp[i], i) != i) fail(p, kStepFds);
  if (::syscall(SYS_close_range, 5u, ~0u, CLOSE_RANGE_CLOEXEC) != 0) fail(p, kStepFds);
}

[[noreturn]] void finish_and_exec(const JailPlan& p) {
  place_fds(p);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) ::sigaction(s, &dfl, nullptr);  // EINVAL for SIGKILL/STOP: fine
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setrlimit(RLIMIT_CPU, &p.lim_cpu) != 0 || ::setrlimit(RLIMIT_AS, &p.lim_as) != 0 ||
      ::setrlimit(RLIMIT_FSIZE, &p.lim_fsize) != 0 || ::setrlimit(RLIMIT_NOFILE, &p.lim_nofile) != 0 ||
      ::setrlimit(RLIMIT_NPROC, &p.lim_nproc) != 0 || ::setrlimit(RLIMIT_CORE, &p.lim_core) != 0)
    fail(p, kStepRlimit);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(p, kStepNoNewPrivs);
  if (!p.namespaces && landlock_apply(p.landlock) != 0) fail(p, kStepLandlock);
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p.seccomp, 0, 0) != 0) fail(p, kStepSeccomp);
  ::execve(p.exe, p.argv, p.envp);
  fail(p, kStepExec);
}

void drop_privileges(const JailPlan& p) {
  if (!p.drop_privs) return;
  if (::setgroups(0, nullptr) != 0 || ::setresgid(p.gid, p.gid, p.gid) != 0 ||
      ::setresuid(p.uid, p.uid, p.uid) != 0)
    fail(p, kStepDropPrivs);
  // The uid change made us non-dumpable, which makes /proc/self/{uid_map,gid_map,setgroups} owned
  // by root and unwritable for the namespace set-up (proc(5), PR_SET_DUMPABLE). execve resets it.
  if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) fail(p, kStepDropPrivs);
}

// A credential change clears the parent-death signal (prctl(2)), so this comes after the uid drop.
void die_with_parent(const JailPlan& p, pid_t expected_parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(p, kStepDeathSig);
  if (::getppid() != expected_parent) ::_exit(127);  // the parent died before the prctl
}

}  // namespace

void jail_child(const JailPlan& p) {
  if (::setsid() < 0) fail(p, kStepSetsid);
  drop_privileges(p);
  die_with_parent(p, p.supervisor_pid);
  if (!p.namespaces) {
    if (::chdir(p.workdir) != 0) fail(p, kStepChdir);
    finish_and_exec(p);
  }
  if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) != 0)
    fail(p, kStepUnshare);
  if (write_text("/proc/self/setgroups", "deny") != 0 || write_text("/proc/self/uid_map", p.uid_map) != 0 ||
      write_text("/proc/self/gid_map", p.gid_map) != 0)
    fail(p, kStepIdMap);
  pid_t init = ::fork();
  if (init < 0) fail(p, kStepForkInit);
  if (init == 0) {
    // PID 1 of the new namespace: when it exits the kernel kills everything left inside, so no
    // thread or child of the job outlives the verdict. Its parent (the relay) is outside the
    // namespace, hence getppid() == 0 here.
    die_with_parent(p, 0);
    // Its own session too: the relay's process group must not be reachable with kill(0, ...).
    if (::setsid() < 0) fail(p, kStepSetsid);
    build_root(p);
    finish_and_exec(p);
  }
  // The relay: holds nothing of the job's, waits for init and reports its pid and status.
  StatusRecord started{3, init, 0};
  if (::write(p.status_fd, &started, sizeof started) < 0) {
  }
  ::syscall(SYS_close_range, 0u, static_cast<unsigned>(p.status_fd - 1), 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(p.status_fd + 1), ~0u, 0u);
  int st = 0;
  while (::waitpid(init, &st, 0) < 0 && errno == EINTR) {
  }
  StatusRecord r{2, st, 0};
  ssize_t n = ::write(p.status_fd, &r, sizeof r);
  (void)n;
  ::_exit(0);
}

}  // namespace remedi::sandbox
