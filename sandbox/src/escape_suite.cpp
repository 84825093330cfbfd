// Host-side bait and evidence for the escape suite, and the runner shared by the CLI and tests.
#include "remedi/sandbox/escape_suite.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <map>
#include <netinet/in.h>
#include <random>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "children.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"

namespace remedi::sandbox {

namespace {

const char* const kPwnedGlobs[] = {"/tmp/remedi-pwned-*", "/dev/shm/remedi-pwned-*", "/var/tmp/remedi-pwned-*",
                                   "/usr/remedi-pwned-*", "/remedi-pwned-*"};

std::string canary_bytes(const std::string& secret) { return "canary file: " + secret + "\n"; }

// pid -> (ppid, cmdline) of every process on the host.
std::map<int, std::pair<int, std::string>> process_table() {
  std::map<int, std::pair<int, std::string>> t;
  DIR* d = ::opendir("/proc");
  if (!d) return t;
  while (dirent* e = ::readdir(d)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    const int ppid = proc_ppid(pid);
    if (ppid < 0) continue;
    std::string base = std::string("/proc/") + e->d_name;
    char buf[1024];
    std::string cmd;
    if (FILE* c = std::fopen((base + "/cmdline").c_str(), "r")) {
      size_t m = std::fread(buf, 1, sizeof buf, c);
      std::fclose(c);
      cmd.assign(buf, m);
      std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    }
    t[pid] = {ppid, cmd};
  }
  ::closedir(d);
  return t;
}

int count_descendants(int root) {
  auto t = process_table();
  int n = 0;
  for (auto& [pid, pc] : t) {
    for (int p = pc.first, hops = 0; p > 1 && hops < 64; ++hops) {
      if (p == root) {
        ++n;
        break;
      }
      auto it = t.find(p);
      if (it == t.end()) break;
      p = it->second.first;
    }
  }
  return n;
}

bool contains(const std::vector<Outcome>& v, Outcome o) { return std::find(v.begin(), v.end(), o) != v.end(); }

}  // namespace

EscapeEnv::EscapeEnv() {
  std::random_device rd;
  secret_ = "s3cr3t-" + std::to_string(rd()) + "-" + std::to_string(rd());
  ::setenv(env_name(), secret_.c_str(), 1);
  char tmpl[] = "/tmp/remedi-escape-XXXXXX";
  if (!::mkdtemp(tmpl)) throw Error("mkdtemp failed", "/tmp", "is /tmp writable?");
  dir_ = tmpl;
  ::chmod(dir_.c_str(), 0777);  // world-writable: only the jail may stop the job writing here
  canary_file_ = dir_ + "/canary.txt";
  write_file_atomic(canary_file_, canary_bytes(secret_));
  ::chmod(canary_file_.c_str(), 0666);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw Error("cannot listen on 127.0.0.1", "escape suite", "is the loopback interface up?");
  port_ = ntohs(a.sin_port);
}

EscapeEnv::~EscapeEnv() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unsetenv(env_name());
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ::unlink((dir_ + "/" + e->d_name).c_str());
    ::closedir(d);
  }
  ::rmdir(dir_.c_str());
}

int EscapeEnv::accepted_connections() {
  for (;;) {
    int c = ::accept(listen_fd_, nullptr, nullptr);
    if (c < 0) break;
    ::close(c);
    ++accepted_;
  }
  return accepted_;
}

bool EscapeEnv::canary_intact() const {
  try {
    return read_file(canary_file_) == canary_bytes(secret_);
  } catch (const Error&) {
    return false;
  }
}

std::vector<std::string> EscapeEnv::files_written_outside() const {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != ".." && n != "canary.txt") out.push_back(dir_ + "/" + n);
    }
    ::closedir(d);
  }
  for (const char* pat : kPwnedGlobs) {
    glob_t g{};
    if (::glob(pat, 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) out.push_back(g.gl_pathv[i]);
    ::globfree(&g);
  }
  return out;
}

int SuiteReport::escape_count() const {
  int n = static_cast<int>(global_escapes.size());
  for (auto& p : probes) n += p.escapes.empty() ? 0 : 1;
  return n;
}

bool SuiteReport::all_ok() const {
  if (escape_count() != 0 || leftover_processes != 0 || !supervisor_alive) return false;
  for (auto& p : probes)
    if (!p.expected_outcome || !p.in_time) return false;
  return true;
}

SuiteReport run_escape_suite(Sandbox& sb, EscapeEnv& env) {
  SuiteReport rep;
  rep.isolation = sb.isolation();
  std::vector<Probe> probes = escape_probes(env, sb.supervisor_pid());
  std::vector<ExecRequest> reqs;
  for (auto& p : probes) reqs.push_back(p.request);
  std::vector<ExecResult> results = sb.run_batch(reqs);
  for (size_t i = 0; i < probes.size(); ++i) {
    ProbeResult pr;
    pr.probe = probes[i];
    pr.result = results[i];
    const ExecResult& r = pr.result;
    pr.expected_outcome = contains(pr.probe.expected, r.outcome);
    pr.in_time = r.wall_ms <= (pr.probe.request.limits.timeout_s + 2.0) * 1000.0;
    const std::string out = r.stdout_excerpt + r.stderr_excerpt;
    if (out.find("ESCAPED") != std::string::npos) pr.escapes.push_back("probe reported: ESCAPED");
    if (out.find(env.secret()) != std::string::npos) pr.escapes.push_back("the canary secret reached the job");
    if (!pr.probe.linger_token.empty())
      for (auto& [pid, pc] : process_table())
        if (pc.second.find(pr.probe.linger_token) != std::string::npos)
          pr.escapes.push_back("process " + std::to_string(pid) + " outlived the job: " + pc.second);
    rep.probes.push_back(std::move(pr));
  }
  if (!env.canary_intact()) rep.global_escapes.push_back("canary file changed or removed");
  for (auto& f : env.files_written_outside()) rep.global_escapes.push_back("file written outside: " + f);
  if (int n = env.accepted_connections()) rep.global_escapes.push_back(std::to_string(n) + " TCP connection(s) reached 127.0.0.1");
  rep.supervisor_alive = ::kill(sb.supervisor_pid(), 0) == 0;
  rep.leftover_processes = count_descendants(sb.supervisor_pid());
  return rep;
}

std::string format_report(const SuiteReport& rep) {
  std::string s;
  char line[512];
  std::snprintf(line, sizeof line, "%-24s %-22s %-13s %8s  %s\n", "probe", "expected", "got", "time", "verdict");
  s += line;
  for (auto& p : rep.probes) {
    std::string exp;
    for (Outcome o : p.probe.expected) {
      if (!exp.empty()) exp += '|';
      exp += outcome_name(o);
    }
    std::string verdict = !p.escapes.empty() ? "ESCAPE: " + p.escapes.front()
                          : !p.expected_outcome ? "UNEXPECTED: " + p.result.detail.substr(0, 80)
                          : !p.in_time ? "TOO SLOW" : "contained";
    std::snprintf(line, sizeof line, "%-24s %-22s %-13s %7.2fs  %s\n", p.probe.name.c_str(), exp.c_str(),
                  outcome_name(p.result.outcome), p.result.wall_ms / 1000.0, verdict.c_str());
    s += line;
  }
  for (auto& g : rep.global_escapes) s += "ESCAPE: " + g + "\n";
  std::snprintf(line, sizeof line, "%d probes, %d escapes, %d leftover processes, supervisor %s: %s\n",
                static_cast<int>(rep.probes.size()), rep.escape_count(), rep.leftover_processes,
                rep.supervisor_alive ? "alive" : "DEAD", rep.all_ok() ? "OK" : "FAILED");
  s += line;
  s += rep.isolation.summary() + "\n";
  return s;
}

}  // namespace remedi::sandbox
