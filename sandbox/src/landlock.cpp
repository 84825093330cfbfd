// Landlock rules of the basic level. The constants and the v6 ruleset layout are spelled out here
// because Debian 12's <linux/landlock.h> predates ABI 3-6 (values: include/uapi/linux/landlock.h).
#include "landlock.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace remedi::sandbox {

namespace {

constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2, kReadDir = 1ull << 3;
constexpr uint64_t kFsAbi1 = (1ull << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr uint64_t kRefer = 1ull << 13;           // ABI 2
constexpr uint64_t kTruncate = 1ull << 14;        // ABI 3
constexpr uint64_t kIoctlDev = 1ull << 15;        // ABI 5
constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;           // ABI 4
constexpr uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;     // ABI 6
constexpr int kRuleTypePathBeneath = 1;
constexpr unsigned kCreateRulesetVersion = 1u << 0;

struct RulesetAttr {  // struct landlock_ruleset_attr, ABI 6 layout
  uint64_t handled_access_fs, handled_access_net, scoped;
};
struct __attribute__((packed)) PathBeneath {  // struct landlock_path_beneath_attr
  uint64_t allowed_access;
  int32_t parent_fd;
};

// Adds one path; a path missing on this host (e.g. /lib32) is skipped.
int allow(int ruleset, const char* path, uint64_t access) {
  int fd = ::open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  PathBeneath pb{access, fd};
  long rc = ::syscall(SYS_landlock_add_rule, ruleset, kRuleTypePathBeneath, &pb, 0);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return rc == 0 ? 0 : -1;
}

}  // namespace

LandlockPlan landlock_plan() {
  LandlockPlan p;
  long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  if (abi <= 0) return p;
  p.abi = static_cast<int>(abi);
  p.handled_fs = kFsAbi1 | (abi >= 2 ? kRefer : 0) | (abi >= 3 ? kTruncate : 0) | (abi >= 5 ? kIoctlDev : 0);
  p.handled_net = abi >= 4 ? (kNetBindTcp | kNetConnectTcp) : 0;
  p.scoped = abi >= 6 ? (kScopeAbstractUnix | kScopeSignal) : 0;
  return p;
}

int landlock_apply(const LandlockPlan& p) {
  if (p.abi <= 0) return 0;
  RulesetAttr attr{p.handled_fs, p.handled_net, p.scoped};
  const size_t size = p.abi >= 6 ? 24 : p.abi >= 4 ? 16 : 8;
  int rs = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (rs < 0) return -1;
  const uint64_t ro = kExecute | kReadFile | kReadDir;
  const uint64_t dev = kReadFile | kWriteFile | (p.handled_fs & kIoctlDev);
  static const char* const ro_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
  static const char* const devs[] = {"/dev/null", "/dev/zero", "/dev/random", "/dev/urandom"};
  int rc = 0;
  for (const char* d : ro_dirs) rc |= allow(rs, d, ro);
  for (int i = 0; p.extra_ro && p.extra_ro[i]; ++i) rc |= allow(rs, p.extra_ro[i], ro);
  for (const char* d : devs) rc |= allow(rs, d, dev);
  rc |= allow(rs, "/proc/self", kReadFile | kReadDir);  // resolves to this process's own entry
  rc |= allow(rs, p.workdir, p.handled_fs);
  if (rc == 0) rc = static_cast<int>(::syscall(SYS_landlock_restrict_self, rs, 0));
  int saved = errno;
  ::close(rs);
  errno = saved;
  return rc == 0 ? 0 : -1;
}

}  // namespace remedi::sandbox
