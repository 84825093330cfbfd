// Turning what the supervisor observed about one job into an Outcome. Pure function, unit-tested
// without running anything.
#pragma once
#include <cstdint>
#include <string>

#include "remedi/sandbox/executor.h"

namespace remedi::sandbox {

struct JobObservation {
  std::string nonce;           // the job's secret; a verdict line must start with it
  std::string verdict;         // bytes read from the verdict pipe
  bool wall_timeout = false;   // the watchdog killed the job
  bool output_limit = false;   // stdout+stderr exceeded Limits::output_bytes (job killed)
  int64_t output_bytes = 0;
  bool disk_quota = false;     // basic level: the working directory outgrew Limits::disk_mb (killed)
  bool reaped = false;
  int relay_status = 0;        // wait status of the forked child (relay or interpreter)
  bool setup_failed = false;   // a jail step failed before exec
  int setup_step = 0, setup_errno = 0;
  bool have_init_status = false;
  int init_status = 0;         // wait status of the interpreter
  double cpu_limit_s = 0;      // Limits::cpu_s, to recognise RLIMIT_CPU kills
};

// Sets res.outcome and res.detail (uses res.stderr_excerpt and res.cpu_ms), and raises
// res.peak_rss_kb to the interpreter's own VmHWM when the verdict reports it. Precedence:
// setup failure (sandbox_error) > output limit > disk quota > wall timeout > authentic verdict line >
// how the interpreter ended (CPU limit, memory, signal, early exit).
void classify(const JobObservation& obs, ExecResult& res);

}  // namespace remedi::sandbox
