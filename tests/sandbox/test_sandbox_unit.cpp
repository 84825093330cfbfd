// Pure parts of the sandbox: outcome classification from what the supervisor observed, the wire
// format, the job header. No process is forked here.
#include <catch2/catch.hpp>
#include <csignal>

#include "classify.h"
#include "driver.h"
#include "jail.h"
#include "wire.h"

using namespace remedi::sandbox;

namespace {

JobObservation base() {
  JobObservation o;
  o.nonce = "00112233445566778899aabbccddeeff";
  o.reaped = true;
  o.have_init_status = true;
  o.init_status = 0;  // exited 0
  o.cpu_limit_s = 10;
  return o;
}

ExecResult classify_(const JobObservation& o, double cpu_ms = 10, std::string err = "") {
  ExecResult r;
  r.cpu_ms = cpu_ms;
  r.stderr_excerpt = std::move(err);
  classify(o, r);
  return r;
}

}  // namespace

TEST_CASE("a pass needs the job's nonce on the verdict channel", "[sandbox][unit]") {
  auto o = base();
  o.verdict = o.nonce + " PASS 9000 \n";
  auto p = classify_(o);
  CHECK(p.outcome == Outcome::Pass);
  CHECK(p.peak_rss_kb == 9000);  // the interpreter's VmHWM, reported with the verdict
  o.verdict = "ffffffffffffffffffffffffffffffff PASS 9000 \n";  // another nonce
  CHECK(classify_(o).outcome == Outcome::Error);
  o.verdict = o.nonce + " PASS\n";  // no rss field: malformed
  CHECK(classify_(o).outcome == Outcome::Error);
  o.verdict = o.nonce + " PASS 9000 ";  // no newline: the line was cut off
  CHECK(classify_(o).outcome == Outcome::Error);
  o.verdict = "";  // exited 0 without a verdict (os._exit(0))
  auto r = classify_(o);
  CHECK(r.outcome == Outcome::Error);
  CHECK(r.detail.find("before the tests completed") != std::string::npos);
}

TEST_CASE("verdict kinds map to outcomes", "[sandbox][unit]") {
  auto o = base();
  auto with = [&](const std::string& kind) {
    o.verdict = o.nonce + " " + kind + " 100 some detail\n";
    return classify_(o);
  };
  CHECK(with("FAIL").outcome == Outcome::Fail);
  CHECK(with("FAIL").detail == "some detail");
  CHECK(with("ERROR").outcome == Outcome::Error);
  CHECK(with("SYNTAX").outcome == Outcome::SyntaxError);
  CHECK(with("OOM").outcome == Outcome::Oom);
  CHECK(with("TESTSYNTAX").outcome == Outcome::Error);
}

TEST_CASE("limits take precedence over a verdict", "[sandbox][unit]") {
  auto o = base();
  o.verdict = o.nonce + " PASS 100 \n";
  o.output_limit = true;
  CHECK(classify_(o).outcome == Outcome::OutputLimit);
  o.output_limit = false;
  o.wall_timeout = true;
  CHECK(classify_(o).outcome == Outcome::Timeout);
}

TEST_CASE("signals: CPU limit, memory failure, crash", "[sandbox][unit]") {
  auto o = base();
  o.init_status = SIGXCPU;  // WIFSIGNALED with that signal
  CHECK(classify_(o).outcome == Outcome::Timeout);
  o.init_status = SIGKILL;
  CHECK(classify_(o, 10000).outcome == Outcome::Timeout);  // hard RLIMIT_CPU kill
  CHECK(classify_(o, 50).outcome == Outcome::Error);
  o.init_status = SIGABRT;
  CHECK(classify_(o, 50, "Fatal Python error: MemoryError").outcome == Outcome::Oom);
  o.init_status = SIGSEGV;
  auto r = classify_(o, 50);
  CHECK(r.outcome == Outcome::Error);
  CHECK(r.detail.find("SIGSEGV") != std::string::npos);
}

TEST_CASE("a failed jail step is a sandbox_error naming the step", "[sandbox][unit]") {
  auto o = base();
  o.setup_failed = true;
  o.setup_step = kStepUnshare;
  o.setup_errno = EPERM;
  auto r = classify_(o);
  CHECK(r.outcome == Outcome::SandboxError);
  CHECK(r.detail.find("unshare") != std::string::npos);
  o = base();
  o.have_init_status = false;  // relay killed before reporting
  CHECK(classify_(o).outcome == Outcome::SandboxError);
}

TEST_CASE("wire format round-trips requests, results and hello", "[sandbox][unit]") {
  ExecRequest q;
  q.program = std::string("print('\0x')\n", 12);
  q.tests = "assert 1\n";
  q.limits.timeout_s = 2.5;
  q.limits.memory_mb = 77;
  q.limits.max_processes = 3;
  std::string f = wire::encode_request(42, q);
  wire::Reader rd(f.substr(4));
  uint64_t id = 0;
  ExecRequest back;
  wire::decode_request(rd, id, back);
  CHECK(id == 42);
  CHECK(back.program == q.program);
  CHECK(back.tests == q.tests);
  CHECK(back.limits.timeout_s == 2.5);
  CHECK(back.limits.memory_mb == 77);
  CHECK(back.limits.max_processes == 3);

  ExecResult r;
  r.outcome = Outcome::Oom;
  r.detail = "d";
  r.cpu_ms = 1.5;
  r.attempts = 3;
  r.isolation = "namespaces";
  std::string g = wire::encode_result(7, r);
  wire::Reader rd2(g.substr(4));
  ExecResult rb;
  wire::decode_result(rd2, id, rb);
  CHECK(id == 7);
  CHECK(rb.outcome == Outcome::Oom);
  CHECK(rb.cpu_ms == 1.5);
  CHECK(rb.attempts == 3);
  CHECK(rb.isolation == "namespaces");

  wire::Reader bad(g.substr(4, 10));
  CHECK_THROWS(wire::decode_result(bad, id, rb));
}

TEST_CASE("job header states byte lengths and mode", "[sandbox][unit]") {
  std::string s = job_spec("abc", "prog\n", "t\n", false);
  CHECK(s == "REMEDI1 abc 5 2 lib\nprog\nt\n");
  CHECK(job_spec("n", "é", "", true).rfind("REMEDI1 n 2 0 main\n", 0) == 0);
  CHECK(std::string(outcome_name(Outcome::OutputLimit)) == "output_limit");
  CHECK(std::string(outcome_name(Outcome::SandboxError)) == "sandbox_error");
}
