// remedi-eval sandbox: run one Python file in the sandbox, or run the escape suite.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/sandbox/escape_suite.h"
#include "remedi/sandbox/sandbox.h"

namespace {

namespace sb = remedi::sandbox;

const char* kHelp = R"(usage: remedi-eval sandbox run FILE.py [--timeout S] [--memory MB] [--json]
       remedi-eval sandbox selftest [--basic]

run       executes FILE.py as a test program in the sandbox: it passes if it runs to its last
          line (sys.exit/os._exit before that is an error). Prints the outcome, detail, output
          excerpts, CPU/wall time, peak RSS and the isolation level. Exit code 0 = pass, 1 = other.
selftest  runs the escape suite (fork/memory/disk bombs, loops in Python and C, canary reads,
          writes outside, TCP to 127.0.0.1, signals, early exits, fake verdicts, __eq__ tricks,
          output flood, ctypes, shells, lingering processes) and prints one row per probe.
          Exit code 0 = every probe contained with its expected outcome, 1 = otherwise.

  --timeout S     wall-clock and CPU limit per job, seconds (default 10)
  --memory MB     address-space limit, MiB (default 1024)
  --json          run: one JSON object {outcome, detail, stdout, stderr, cpu_ms, wall_ms, ...}
  --python PATH   interpreter inside the jail (default /usr/bin/python3)
  --workers N     concurrent jobs (default: number of CPUs)
  --basic         use the basic level even where namespaces work (to see what it holds)
)";

sb::SandboxOptions options(remedi::Args& a) {
  sb::SandboxOptions o;
  o.python = a.get("--python", o.python);
  o.workers = static_cast<int>(a.get_int("--workers", 0));
  o.force_basic = a.flag("--basic");
  return o;
}

int run_file(remedi::Args& a, const std::string& file) {
  sb::ExecRequest req;
  req.limits.timeout_s = req.limits.cpu_s = a.get_double("--timeout", 10.0);
  req.limits.memory_mb = a.get_int("--memory", 1024);
  const bool json = a.flag("--json");
  sb::SandboxOptions o = options(a);
  a.finish();
  if (req.limits.timeout_s <= 0 || req.limits.memory_mb <= 0)
    throw remedi::Error("--timeout and --memory must be positive", "sandbox run");
  req.program = remedi::read_file(file);
  auto box = sb::make_sandbox(o);
  sb::ExecResult r = box->run(req);
  if (json) {
    nlohmann::json j = {{"outcome", sb::outcome_name(r.outcome)}, {"detail", r.detail},
                        {"stdout", r.stdout_excerpt}, {"stderr", r.stderr_excerpt},
                        {"cpu_ms", r.cpu_ms}, {"wall_ms", r.wall_ms}, {"peak_rss_kb", r.peak_rss_kb},
                        {"attempts", r.attempts}, {"isolation", r.isolation},
                        {"isolation_summary", box->isolation().summary()}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("outcome: %s\n", sb::outcome_name(r.outcome));
    if (!r.detail.empty()) std::printf("detail: %s\n", r.detail.c_str());
    std::printf("cpu: %.1f ms  wall: %.1f ms  peak rss: %lld KiB  attempts: %d\n", r.cpu_ms, r.wall_ms,
                static_cast<long long>(r.peak_rss_kb), r.attempts);
    std::printf("%s\n", box->isolation().summary().c_str());
    if (!r.stdout_excerpt.empty()) std::printf("--- stdout (first %zu bytes)\n%s\n", r.stdout_excerpt.size(), r.stdout_excerpt.c_str());
    if (!r.stderr_excerpt.empty()) std::printf("--- stderr (last %zu bytes)\n%s\n", r.stderr_excerpt.size(), r.stderr_excerpt.c_str());
  }
  return r.outcome == sb::Outcome::Pass ? 0 : 1;
}

int selftest(remedi::Args& a) {
  sb::SandboxOptions o = options(a);
  a.finish();
  sb::EscapeEnv env;  // before the supervisor is forked: it must inherit (and scrub) the secret
  auto box = sb::make_sandbox(o);
  std::fprintf(stderr, "running %zu escape probes on %d workers...\n",
               sb::escape_probes(env, box->supervisor_pid()).size(), box->workers());
  sb::SuiteReport rep = sb::run_escape_suite(*box, env);
  std::fputs(sb::format_report(rep).c_str(), stdout);
  return rep.all_ok() ? 0 : 1;
}

int run_sandbox(remedi::Args& a) {
  if (a.help()) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  // value flags must be declared before positional() so their values are not taken as words
  for (const char* f : {"--timeout", "--memory", "--python", "--workers"}) a.opt(f);
  auto pos = a.positional();
  if (pos.empty()) throw remedi::Error("missing subcommand", "sandbox", "use `sandbox run FILE.py` or `sandbox selftest`");
  if (pos[0] == "run") {
    if (pos.size() != 2) throw remedi::Error("sandbox run takes exactly one FILE.py", "sandbox run", kHelp);
    return run_file(a, pos[1]);
  }
  if (pos[0] == "selftest") {
    if (pos.size() != 1) throw remedi::Error("sandbox selftest takes no file", "sandbox selftest");
    return selftest(a);
  }
  throw remedi::Error("unknown sandbox subcommand '" + pos[0] + "'", "sandbox", "use `run` or `selftest`");
}

}  // namespace

REMEDI_COMMAND(sandbox, "sandbox", "run Python in the sandbox (run FILE.py) or its escape suite (selftest)", run_sandbox)
