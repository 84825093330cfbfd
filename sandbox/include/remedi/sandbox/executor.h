// The sandbox as tasks see it: program + tests + limits in, verdict out. Tasks never see how the
// isolation is done (sandbox/src); they hold an Executor& and call run() or run_batch().
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace remedi::sandbox {

enum class Outcome {
  Pass,          // the test code ran every assertion to its end (reported on an unforgeable channel)
  Fail,          // an assertion failed
  Error,         // another exception (detail holds its type)
  Timeout,       // wall-clock or CPU limit
  Oom,           // address-space / memory limit
  OutputLimit,   // stdout+stderr over the cap
  SyntaxError,   // the program does not compile
  SandboxError,  // infrastructure fault: retried, reported separately, never scored as a model failure
};
const char* outcome_name(Outcome o);  // "pass", "fail", "error", "timeout", "oom", "output_limit", "syntax_error", "sandbox_error"

struct Limits {
  double timeout_s = 10.0;         // wall clock per job, seconds
  double cpu_s = 10.0;             // CPU time per job, seconds
  int64_t memory_mb = 1024;        // address space, MiB
  int64_t output_bytes = 1 << 20;  // stdout + stderr kept, bytes; more = OutputLimit
  int64_t file_size_mb = 16;       // largest file the job may write, MiB
  int64_t disk_mb = 64;            // working-directory size, MiB
  int max_processes = 32;          // processes/threads the job may hold
};

struct ExecRequest {
  std::string program;  // Python source under test (the model's code)
  std::string tests;    // Python test code run after the program in the same interpreter; empty =
                        // the program itself is the test (pass = it ran to its last line)
  Limits limits;
};

struct ExecResult {
  Outcome outcome = Outcome::SandboxError;
  std::string detail;          // assertion message, exception type, or why the sandbox failed
  std::string stdout_excerpt;  // first bytes of stdout (capped)
  std::string stderr_excerpt;  // last bytes of stderr (capped)
  double cpu_ms = 0, wall_ms = 0;
  int64_t peak_rss_kb = 0;
  int attempts = 1;            // > 1 when sandbox_error was retried
  std::string isolation;       // isolation level in force for this job ("namespaces", "basic")
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual ExecResult run(const ExecRequest& req) = 0;
  // Runs many jobs concurrently on the worker pool; results in request order.
  virtual std::vector<ExecResult> run_batch(const std::vector<ExecRequest>& reqs) = 0;
};

}  // namespace remedi::sandbox
