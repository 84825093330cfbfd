// The supervisor's job runner used directly (private API): sandbox_error retries and the jail step
// reported when the interpreter cannot be started.
#include <catch2/catch.hpp>
#include <unistd.h>

#include "job.h"

using namespace remedi::sandbox;

namespace {

JobContext context(const std::string& python) {
  JobContext ctx;
  ctx.level = Level::Namespaces;
  ctx.root = ::geteuid() == 0;
  ctx.supervisor_pid = ::getpid();
  ctx.python = python;
  build_seccomp(ctx.seccomp);
  mirror_host_root(ctx);
  return ctx;
}

}  // namespace

TEST_CASE("an interpreter that cannot start is a sandbox_error, retried", "[sandbox]") {
  JobContext ctx = context("/nonexistent/python3");
  ExecRequest req;
  req.program = "x = 1\n";
  ExecResult r = run_job(ctx, req, 0, 2);
  CHECK(r.outcome == Outcome::SandboxError);
  CHECK(r.attempts == 3);
  CHECK(r.detail.find("jail step") != std::string::npos);
  ExecResult once = run_job(ctx, req, 0, 0);
  CHECK(once.attempts == 1);
}

TEST_CASE("a working job is not retried", "[sandbox]") {
  JobContext ctx = context("/usr/bin/python3");
  ExecRequest req;
  req.program = "x = 1\n";
  ExecResult r = run_job(ctx, req, 0, 2);
  // Where user namespaces are unavailable the jail itself fails (a sandbox_error, retried);
  // make_sandbox() would then have chosen the basic level instead.
  if (r.outcome != Outcome::SandboxError) {
    CHECK(r.outcome == Outcome::Pass);
    CHECK(r.attempts == 1);
  } else {
    CHECK(r.attempts == 3);
  }
}
