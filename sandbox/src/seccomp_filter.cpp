// A deny-list seccomp filter. Default allow (Python and the C extensions in the standard library
// use a wide, version-dependent set of syscalls), with these refused:
//   - network: socket()/socketpair() for any family but AF_UNIX (TCP/UDP/raw/netlink/packet);
//   - other processes and the kernel: ptrace, process_vm_readv/writev, pidfd_getfd, kcmp,
//     perf_event_open, bpf, userfaultfd, the module/kexec/reboot/swap/acct/syslog family,
//     keyctl/add_key/request_key, clock and time setting, iopl/ioperm;
//   - the jail itself: mount and the new mount API, umount2, pivot_root, chroot, unshare, setns,
//     clone() with any namespace flag, clone3 (answers ENOSYS so libc falls back to clone, whose
//     flags are checkable), open_by_handle_at (the classic container-escape call);
//   - io_uring_* (its operations are not seen by seccomp).
// Foreign architectures (i386 int 0x80, x32) kill the process: libseccomp's default bad-arch
// action, since the filter lists the native architecture only.
#include "seccomp_filter.h"

#include <cerrno>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "remedi/common/error.h"

namespace remedi::sandbox {

namespace {

const char* const kDenied[] = {
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "perf_event_open",
    "bpf", "userfaultfd", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "syslog", "keyctl", "add_key",
    "request_key", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at",
    "name_to_handle_at", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "io_uring_setup", "io_uring_enter", "io_uring_register", "quotactl",
    "sethostname", "setdomainname", "vhangup", "personality", "lookup_dcookie", "fanotify_init",
    "uselib", "nfsservctl",
};

struct Ctx {
  scmp_filter_ctx c;
  ~Ctx() { seccomp_release(c); }
};

void check(int rc, const char* what) {
  if (rc < 0) throw Error(std::string("seccomp: ") + what + " failed (" + std::to_string(rc) + ")",
                          "libseccomp", "check the libseccomp installation and kernel seccomp support");
}

}  // namespace

std::vector<std::string> seccomp_denied_names() {
  std::vector<std::string> v(std::begin(kDenied), std::end(kDenied));
  v.insert(v.end(), {"socket(!AF_UNIX)", "socketpair(!AF_UNIX)", "clone(CLONE_NEW*)", "clone3"});
  return v;
}

void build_seccomp(SeccompProgram& out) {
  Ctx ctx{seccomp_init(SCMP_ACT_ALLOW)};
  if (!ctx.c) throw Error("seccomp_init failed", "libseccomp", "is seccomp enabled in the kernel?");
  const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture (e.g. iopl on arm64)
    check(seccomp_rule_add(ctx.c, eperm, nr, 0), name);
  }
  const uint32_t noaf = SCMP_ACT_ERRNO(EAFNOSUPPORT);
  check(seccomp_rule_add(ctx.c, noaf, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)), "socket");
  check(seccomp_rule_add(ctx.c, noaf, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX)), "socketpair");
  check(seccomp_rule_add(ctx.c, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
  const uint64_t ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                               CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
  for (uint64_t f : ns_flags)  // one rule per flag: libseccomp has no "(arg & mask) != 0"
    check(seccomp_rule_add(ctx.c, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, f, f)), "clone");

  // Export the compiled program through a memfd (libseccomp 2.5 has no export-to-memory).
  int fd = ::memfd_create("remedi-seccomp", MFD_CLOEXEC);
  if (fd < 0) throw Error("memfd_create failed", "seccomp export", "kernel >= 3.17 needed");
  int rc = seccomp_export_bpf(ctx.c, fd);
  if (rc < 0) {
    ::close(fd);
    check(rc, "export");
  }
  off_t len = ::lseek(fd, 0, SEEK_END);
  out.code.assign(static_cast<size_t>(len) / sizeof(sock_filter), sock_filter{});
  ssize_t got = ::pread(fd, out.code.data(), static_cast<size_t>(len), 0);
  ::close(fd);
  if (len <= 0 || got != len) throw Error("reading the exported seccomp program failed", "memfd");
  out.prog.len = static_cast<unsigned short>(out.code.size());
  out.prog.filter = out.code.data();
}

}  // namespace remedi::sandbox
