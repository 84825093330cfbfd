// The escape suite: hostile programs, each with the outcome it must get, plus the host-side
// evidence that nothing got out. Shared by `remedi-eval sandbox selftest` and tests/sandbox.
//
//   EscapeEnv env;                       // BEFORE make_sandbox: canary env var, canary file,
//   auto sb = make_sandbox({});          // outside dir, TCP listener on 127.0.0.1
//   SuiteReport rep = run_escape_suite(*sb, env);
//   std::puts(format_report(rep).c_str());
#pragma once
#include <string>
#include <vector>

#include "remedi/sandbox/sandbox.h"

namespace remedi::sandbox {

// Host-side bait. The constructor puts a secret in this process's environment (so the supervisor,
// forked later, inherits it and must scrub it), writes a world-readable canary file and creates a
// world-writable directory outside the sandbox, and listens on a TCP port at 127.0.0.1.
class EscapeEnv {
 public:
  EscapeEnv();
  ~EscapeEnv();
  EscapeEnv(const EscapeEnv&) = delete;
  EscapeEnv& operator=(const EscapeEnv&) = delete;

  const std::string& secret() const { return secret_; }
  const std::string& canary_file() const { return canary_file_; }
  const std::string& outside_dir() const { return dir_; }
  int port() const { return port_; }
  static const char* env_name() { return "REMEDI_CANARY_SECRET"; }

  int accepted_connections();      // connections that reached the listener so far
  bool canary_intact() const;      // canary file still there with its original bytes
  std::vector<std::string> files_written_outside() const;  // new entries in outside_dir

 private:
  std::string secret_, dir_, canary_file_;
  int listen_fd_ = -1, port_ = 0, accepted_ = 0;
};

struct Probe {
  std::string name;                // e.g. "fork_bomb"
  std::string attack;              // one line: what the program tries
  ExecRequest request;             // program, tests, limits
  std::vector<Outcome> expected;   // the outcome must be one of these
  std::string linger_token;        // non-empty: no host process may carry it after the job
};

// The probes, with the bait's coordinates and the pids to attack (this process, the supervisor)
// filled in.
std::vector<Probe> escape_probes(const EscapeEnv& env, int supervisor_pid);

struct ProbeResult {
  Probe probe;
  ExecResult result;
  bool expected_outcome = false;
  bool in_time = false;            // wall time <= timeout + 2 s
  std::vector<std::string> escapes;  // evidence of an escape; empty = contained
};

struct SuiteReport {
  Isolation isolation;
  std::vector<ProbeResult> probes;
  std::vector<std::string> global_escapes;  // canary changed, outside files, TCP accepts, ...
  int leftover_processes = 0;               // descendants of the supervisor after the suite
  bool supervisor_alive = false;
  int escape_count() const;                 // probes with evidence + global evidence
  bool all_ok() const;                      // zero escapes, expected outcomes, in time, nothing left
};

// Runs every probe (concurrently on the pool), then checks the host-side evidence.
SuiteReport run_escape_suite(Sandbox& sb, EscapeEnv& env);

// A fixed-width table: probe, expected, got, time, verdict; then the isolation line and totals.
std::string format_report(const SuiteReport& rep);

}  // namespace remedi::sandbox
