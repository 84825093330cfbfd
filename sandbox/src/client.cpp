// The client side of the sandbox: lives in the remedi-eval process, forks the supervisor once and
// sends it requests over a Unix socket. run()/run_batch() from several threads are serialised
// (one batch at a time); the parallelism is in the supervisor's worker pool.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <mutex>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "remedi/common/error.h"
#include "remedi/sandbox/sandbox.h"
#include "supervisor.h"
#include "wire.h"

namespace remedi::sandbox {

const char* level_name(Level l) { return l == Level::Namespaces ? "namespaces" : "basic"; }

std::string Isolation::summary() const {
  std::string s = std::string("isolation level: ") + level_name(level) + " [";
  for (size_t i = 0; i < mechanisms.size(); ++i) s += (i ? ", " : "") + mechanisms[i];
  s += "]";
  if (!missing.empty()) {
    s += " missing: [";
    for (size_t i = 0; i < missing.size(); ++i) s += (i ? "; " : "") + missing[i];
    s += "]";
  }
  return s;
}

namespace {

int count_threads() {
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return 1;
  int n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

class SandboxClient final : public Sandbox {
 public:
  SandboxClient(pid_t pid, int sock, Isolation iso, int workers)
      : pid_(pid), sock_(sock), iso_(std::move(iso)), workers_(workers) {}

  ~SandboxClient() override {
    ::close(sock_);  // the supervisor sees EOF and exits
    int st;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
  }

  const Isolation& isolation() const override { return iso_; }
  int workers() const override { return workers_; }
  int supervisor_pid() const override { return pid_; }
  SandboxStats stats() const override {
    std::lock_guard lk(mu_);
    return stats_;
  }

  ExecResult run(const ExecRequest& req) override { return run_batch({req}).at(0); }

  std::vector<ExecResult> run_batch(const std::vector<ExecRequest>& reqs) override {
    std::lock_guard lk(mu_);
    std::vector<ExecResult> out(reqs.size());
    std::vector<bool> done(reqs.size(), false);
    if (reqs.empty()) return out;
    size_t answered = 0;
    if (!dead_) {
      // Requests go out on a second thread so that neither side can block on a full socket
      // buffer while the other waits to be read.
      std::thread writer([&] {
        for (size_t i = 0; i < reqs.size(); ++i)
          if (!wire::write_all(sock_, wire::encode_request(next_id_ + i, reqs[i]))) return;
      });
      while (answered < reqs.size()) {
        auto msg = wire::read_frame(sock_);
        if (!msg) {
          dead_ = true;
          break;
        }
        wire::Reader rd(std::move(*msg));
        uint64_t id;
        ExecResult r;
        wire::decode_result(rd, id, r);
        if (id < next_id_ || id >= next_id_ + reqs.size()) continue;
        size_t i = id - next_id_;
        if (!done[i]) ++answered;
        out[i] = std::move(r);
        done[i] = true;
      }
      if (dead_) ::shutdown(sock_, SHUT_RDWR);  // unblocks the writer
      writer.join();
      next_id_ += reqs.size();
    }
    for (size_t i = 0; i < reqs.size(); ++i) {
      if (!done[i]) {
        out[i].outcome = Outcome::SandboxError;
        out[i].detail = "the sandbox supervisor died";
        out[i].isolation = level_name(iso_.level);
      }
      ++stats_.jobs;
      if (out[i].outcome == Outcome::SandboxError) ++stats_.sandbox_errors;
      stats_.retries += out[i].attempts - 1;
    }
    return out;
  }

 private:
  pid_t pid_;
  int sock_;
  Isolation iso_;
  int workers_;
  mutable std::mutex mu_;
  SandboxStats stats_;
  uint64_t next_id_ = 1;
  bool dead_ = false;
};

}  // namespace

std::unique_ptr<Sandbox> make_sandbox(const SandboxOptions& opts) {
  if (int n = count_threads(); n > 1)
    throw Error("make_sandbox() called while " + std::to_string(n) + " threads run", "remedi::sandbox",
                "create the sandbox at start-up, before any thread pool or CUDA context exists");
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw Error(std::string("socketpair failed: ") + std::strerror(errno), "remedi::sandbox");
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(sv[0]);
    ::close(sv[1]);
    throw Error(std::string("fork failed: ") + std::strerror(errno), "remedi::sandbox");
  }
  if (pid == 0) {
    ::close(sv[0]);
    supervisor_main(sv[1], opts);  // never returns
  }
  ::close(sv[1]);
  auto hello = wire::read_frame(sv[0]);
  Isolation iso;
  int workers = 0;
  std::string fatal = "the supervisor exited during start-up";
  if (hello) {
    wire::Reader rd(std::move(*hello));
    wire::decode_hello(rd, iso, workers, fatal);
  }
  auto client = std::make_unique<SandboxClient>(pid, sv[0], iso, workers);
  if (!fatal.empty())
    throw Error("sandbox unavailable: " + fatal, "remedi::sandbox",
                "check that " + opts.python + " exists and that seccomp is enabled");
  if (iso.level < opts.require_level)
    throw Error(std::string("sandbox isolation is '") + level_name(iso.level) + "', below the required '" +
                    level_name(opts.require_level) + "'",
                iso.summary(), "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)");
  return client;
}

}  // namespace remedi::sandbox
