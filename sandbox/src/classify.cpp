#include "classify.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <sys/wait.h>

#include "jail.h"

namespace remedi::sandbox {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Error: return "error";
    case Outcome::Timeout: return "timeout";
    case Outcome::Oom: return "oom";
    case Outcome::OutputLimit: return "output_limit";
    case Outcome::SyntaxError: return "syntax_error";
    case Outcome::SandboxError: return "sandbox_error";
  }
  return "sandbox_error";
}

namespace {

bool mentions_memory(const std::string& err) {
  return err.find("MemoryError") != std::string::npos || err.find("Cannot allocate memory") != std::string::npos ||
         err.find("out of memory") != std::string::npos;
}

std::string sig_name(int sig) {
  const char* a = sigabbrev_np(sig);
  return a ? std::string("SIG") + a : "signal " + std::to_string(sig);
}

void set(ExecResult& r, Outcome o, std::string detail) {
  r.outcome = o;
  r.detail = std::move(detail);
}

// The first verdict line, if it carries the job's nonce: "<nonce> <KIND> <peak_rss_kb> <detail>".
bool parse_verdict(const JobObservation& obs, std::string& kind, int64_t& rss_kb, std::string& detail) {
  std::string_view v(obs.verdict);
  size_t nl = v.find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view line = v.substr(0, nl);
  if (line.size() < obs.nonce.size() + 2 || line.substr(0, obs.nonce.size()) != obs.nonce ||
      line[obs.nonce.size()] != ' ')
    return false;
  line.remove_prefix(obs.nonce.size() + 1);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  kind = std::string(line.substr(0, sp));
  line.remove_prefix(sp + 1);
  sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  rss_kb = std::strtoll(std::string(line.substr(0, sp)).c_str(), nullptr, 10);
  detail = std::string(line.substr(sp + 1));
  return true;
}

}  // namespace

void classify(const JobObservation& obs, ExecResult& res) {
  if (obs.setup_failed) {
    set(res, Outcome::SandboxError, std::string("jail step '") + step_name(obs.setup_step) + "' failed: " +
                                        std::strerror(obs.setup_errno));
    return;
  }
  if (obs.output_limit) {
    set(res, Outcome::OutputLimit, "stdout+stderr exceeded the limit (" + std::to_string(obs.output_bytes) + "+ bytes)");
    return;
  }
  if (obs.disk_quota) {
    set(res, Outcome::Error, "the working directory exceeded its disk quota; job killed");
    return;
  }
  if (obs.wall_timeout) {
    set(res, Outcome::Timeout, "wall-clock limit reached; job killed");
    return;
  }
  std::string kind, detail;
  int64_t rss_kb = 0;
  if (parse_verdict(obs, kind, rss_kb, detail)) {
    if (rss_kb > 0) res.peak_rss_kb = std::max(res.peak_rss_kb, rss_kb);
    if (kind == "PASS") set(res, Outcome::Pass, "");
    else if (kind == "FAIL") set(res, Outcome::Fail, detail);
    else if (kind == "SYNTAX") set(res, Outcome::SyntaxError, detail);
    else if (kind == "OOM") set(res, Outcome::Oom, detail);
    else if (kind == "TESTSYNTAX") set(res, Outcome::Error, "the test code does not compile: " + detail);
    else set(res, Outcome::Error, detail);
    return;
  }
  if (!obs.verdict.empty()) {
    set(res, Outcome::Error, "forged or malformed verdict on the verdict channel");
    return;
  }
  if (!obs.have_init_status) {
    set(res, Outcome::SandboxError, "the jail ended without reporting the interpreter's status");
    return;
  }
  const int st = obs.init_status;
  if (WIFSIGNALED(st)) {
    const int sig = WTERMSIG(st);
    const bool cpu_spent = res.cpu_ms >= obs.cpu_limit_s * 1000.0 * 0.95;
    if (sig == SIGXCPU || (sig == SIGKILL && cpu_spent)) {
      set(res, Outcome::Timeout, "CPU-time limit reached");
    } else if (mentions_memory(res.stderr_excerpt)) {
      set(res, Outcome::Oom, "killed by " + sig_name(sig) + " after a memory failure");
    } else {
      set(res, Outcome::Error, "interpreter killed by " + sig_name(sig));
    }
    return;
  }
  const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (code != 0 && mentions_memory(res.stderr_excerpt)) {
    set(res, Outcome::Oom, "interpreter exited after a memory failure");
    return;
  }
  set(res, Outcome::Error, "exited with status " + std::to_string(code) + " before the tests completed");
}

}  // namespace remedi::sandbox
