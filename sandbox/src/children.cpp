#include "children.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <mutex>
#include <set>
#include <sys/wait.h>
#include <vector>

namespace remedi::sandbox {

namespace {
std::mutex g_mu;
std::set<pid_t> g_children;
}  // namespace

ChildRegistryLock::ChildRegistryLock() { g_mu.lock(); }
ChildRegistryLock::~ChildRegistryLock() { g_mu.unlock(); }
void ChildRegistryLock::add(pid_t pid) { g_children.insert(pid); }

void unregister_child(pid_t pid) {
  std::lock_guard lk(g_mu);
  g_children.erase(pid);
}

int proc_ppid(pid_t pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* rp = std::strrchr(buf, ')');  // comm may contain spaces and parentheses
  int ppid = 0;
  char state;
  return rp && std::sscanf(rp + 1, " %c %d", &state, &ppid) == 2 ? ppid : -1;
}

void sweep_orphans() {
  const pid_t self = ::getpid();
  for (int round = 0; round < 8; ++round) {
    std::vector<pid_t> victims;
    {
      std::lock_guard lk(g_mu);
      DIR* d = ::opendir("/proc");
      if (!d) return;
      while (dirent* e = ::readdir(d)) {
        const pid_t pid = std::atoi(e->d_name);
        if (pid <= 0 || g_children.count(pid)) continue;
        if (proc_ppid(pid) == self) {
          ::kill(pid, SIGKILL);
          victims.push_back(pid);
        }
      }
      ::closedir(d);
    }
    if (victims.empty()) return;
    for (pid_t v : victims)
      while (::waitpid(v, nullptr, 0) < 0 && errno == EINTR) {
      }
  }
}

void kill_all_of_uid(uid_t uid) {
  pid_t h = fork_registered([uid] {
    if (::setresuid(uid, uid, uid) == 0) ::kill(-1, SIGKILL);
    ::_exit(0);
  });
  if (h > 0)
    while (::waitpid(h, nullptr, 0) < 0 && errno == EINTR) {
    }
  unregister_child(h);
}

// getrusage's ru_maxrss is no use for jobs: it keeps the high-water mark of the pre-exec image,
// a copy of the supervisor (and so of whatever process created it).
int64_t read_vmhwm_kb(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  FILE* f = std::fopen(path, "r");
  if (!f) return 0;
  char line[256];
  long long kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lld", &kb) == 1) break;
  std::fclose(f);
  return kb;
}

}  // namespace remedi::sandbox
