// The escape suite (issue 3, "Acceptance"): every probe gets its expected outcome within its limit
// + 2 s, with zero escapes, no process left behind, canaries untouched and no TCP connection
// reaching the listener at 127.0.0.1. The probes run once, concurrently, on the pool; each probe
// is then asserted in its own section.
#include <catch2/catch.hpp>
#include <cstdio>
#include <set>
#include <unistd.h>

#include "remedi/sandbox/escape_suite.h"

using namespace remedi::sandbox;

namespace {

// Bait first: every supervisor must inherit the secret in its environment and still keep it out.
EscapeEnv& env() {
  static EscapeEnv e;
  return e;
}

SuiteReport run_suite(bool basic) {
  env();
  SandboxOptions o;
  o.force_basic = basic;
  auto sb = make_sandbox(o);
  SuiteReport r = run_escape_suite(*sb, env());
  std::fprintf(stderr, "uid %d\n%s", static_cast<int>(::geteuid()), format_report(r).c_str());
  return r;
}

// The best level this kernel offers (namespaces on the CI machine).
const SuiteReport& report() {
  static SuiteReport rep = run_suite(false);
  return rep;
}

void check_contained(const SuiteReport& rep) {
  REQUIRE(rep.probes.size() >= 20);
  for (const auto& p : rep.probes) {
    DYNAMIC_SECTION(p.probe.name) {
      INFO(p.probe.name << ": " << p.probe.attack);
      INFO("got " << outcome_name(p.result.outcome) << " (" << p.result.detail << ") in " << p.result.wall_ms << " ms");
      INFO("stdout: " << p.result.stdout_excerpt.substr(0, 500));
      CHECK(p.escapes.empty());
      CHECK(p.expected_outcome);
      CHECK(p.in_time);
      CHECK(p.result.outcome != Outcome::SandboxError);
    }
  }
}

}  // namespace

TEST_CASE("every escape probe is contained with its expected outcome, in time", "[sandbox]") {
  check_contained(report());
}

TEST_CASE("host-side evidence: canaries, outside files, TCP, processes, supervisor", "[sandbox]") {
  const auto& rep = report();
  for (auto& g : rep.global_escapes) INFO(g);
  CHECK(rep.global_escapes.empty());
  CHECK(rep.leftover_processes == 0);
  CHECK(rep.supervisor_alive);
  CHECK(rep.escape_count() == 0);
  CHECK(rep.all_ok());
}

TEST_CASE("the probes cover the acceptance list", "[sandbox]") {
  const auto& rep = report();
  std::set<std::string> names;
  for (auto& p : rep.probes) names.insert(p.probe.name);
  for (const char* n : {"fork_bomb", "memory_bomb", "loop_python", "loop_c_bigpow", "loop_c_regex", "disk_fill",
                        "write_outside", "read_canary", "tcp_connect", "signal_supervisor", "sys_exit_early",
                        "os_exit_early", "eq_always_true", "stdout_flood", "ignore_signals", "ctypes_syscalls",
                        "ctypes_in_driver", "forge_via_introspection", "print_fake_pass",
                        "spawn_shell", "exec_shell", "linger_after_verdict"})
    CHECK(names.count(n) == 1);
}

// The fallback for kernels without user namespaces (e.g. Docker's default seccomp profile):
// landlock, the polled disk quota and the subreaper sweep must hold the same suite. Without
// landlock the file-system probes escape, and this test says so.
TEST_CASE("the basic level holds the suite too", "[sandbox]") {
  static SuiteReport rep = run_suite(true);
  REQUIRE(rep.isolation.level == Level::Basic);
  check_contained(rep);
  for (auto& g : rep.global_escapes) INFO(g);
  CHECK(rep.global_escapes.empty());
  CHECK(rep.leftover_processes == 0);
  CHECK(rep.all_ok());
}
