// Behaviour of real jobs: outcomes, output excerpts, limits, batch order, isolation stamping.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "remedi/common/error.h"
#include "remedi/sandbox/sandbox.h"
#include "shared_sandbox.h"

using namespace remedi::sandbox;

namespace {

using remedi::test::box;

ExecResult run(std::string program, std::string tests = "", double timeout = 5) {
  ExecRequest r;
  r.program = std::move(program);
  r.tests = std::move(tests);
  r.limits.timeout_s = r.limits.cpu_s = timeout;
  return box().run(r);
}

}  // namespace

TEST_CASE("program + tests: pass, fail, error, syntax error", "[sandbox]") {
  auto p = run("def add(a, b):\n    return a + b\n", "assert add(2, 3) == 5\nassert add('a', 'b') == 'ab'\n");
  CHECK(p.outcome == Outcome::Pass);
  CHECK(p.isolation == level_name(box().isolation().level));
  CHECK(p.wall_ms > 0);
  CHECK(p.cpu_ms > 0);
  CHECK(p.peak_rss_kb > 1000);

  auto f = run("def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5, 'add is wrong'\n");
  CHECK(f.outcome == Outcome::Fail);
  CHECK(f.detail.find("add is wrong") != std::string::npos);
  CHECK(f.detail.find("(tests line 1)") != std::string::npos);

  auto e = run("def add(a, b):\n    return a + None\n", "assert add(2, 3) == 5\n");
  CHECK(e.outcome == Outcome::Error);
  CHECK(e.detail.find("TypeError") != std::string::npos);

  auto s = run("def add(a, b)\n    return a + b\n", "assert add(2, 3) == 5\n");
  CHECK(s.outcome == Outcome::SyntaxError);
  CHECK(s.detail.find("line 1") != std::string::npos);

  auto ts = run("x = 1\n", "assert x ==\n");
  CHECK(ts.outcome == Outcome::Error);
  CHECK(ts.detail.find("test code does not compile") != std::string::npos);
}

TEST_CASE("a program without tests passes when it runs to its last line", "[sandbox]") {
  auto p = run("import sys\nprint('hello'); print('oops', file=sys.stderr)\nassert __name__ == '__main__'\n");
  CHECK(p.outcome == Outcome::Pass);
  CHECK(p.stdout_excerpt == "hello\n");
  CHECK(p.stderr_excerpt == "oops\n");
  CHECK(run("raise ValueError('no')\n").outcome == Outcome::Error);
  CHECK(run("exit(0)\n").outcome == Outcome::Error);  // exit() exists (-S) and is not a pass
  CHECK(run("input()\n").outcome == Outcome::Error);  // stdin is /dev/null: EOFError
}

TEST_CASE("with tests, the program is not __main__ (as in published harnesses)", "[sandbox]") {
  auto p = run("if __name__ == '__main__':\n    raise SystemExit(input())\ndef f():\n    return 1\n",
               "assert f() == 1\n");
  CHECK(p.outcome == Outcome::Pass);
}

TEST_CASE("strict equality: stdlib and test-defined types are trusted, program types are not", "[sandbox]") {
  CHECK(run("from collections import Counter\ndef f(s):\n    return Counter(s)\n",
            "assert f('aab') == Counter({'a': 2, 'b': 1})\n").outcome == Outcome::Pass);
  CHECK(run("from fractions import Fraction\ndef f():\n    return Fraction(1, 2)\n",
            "assert f() == Fraction(2, 4)\nassert f() != 1\n").outcome == Outcome::Pass);
  CHECK(run("def f(P):\n    return P(1)\n",
            "class P:\n    def __init__(self, v): self.v = v\n    def __eq__(self, o): return self.v == o.v\n"
            "assert f(P) == P(1)\n").outcome == Outcome::Pass);
  auto r = run("class L(list):\n    def __eq__(self, o): return True\ndef f():\n    return [L([1])]\n",
               "assert f() == [[2]]\n");
  CHECK(r.outcome == Outcome::Fail);
  CHECK(r.detail.find("refused") != std::string::npos);
}

TEST_CASE("limits: timeout, CPU, memory, output, file size", "[sandbox]") {
  auto t = run("import time\ntime.sleep(30)\n", "", 1);
  CHECK(t.outcome == Outcome::Timeout);
  CHECK(t.wall_ms < 3000);
  ExecRequest cpu;
  cpu.program = "while True:\n    pass\n";
  cpu.limits.timeout_s = 10;
  cpu.limits.cpu_s = 1;
  auto c = box().run(cpu);
  CHECK(c.outcome == Outcome::Timeout);
  CHECK(c.detail.find("CPU") != std::string::npos);  // RLIMIT_CPU, not the 10 s watchdog
  CHECK(c.cpu_ms < 2600);                            // SIGXCPU at 1 s, SIGKILL at 2 s
  ExecRequest mem;
  mem.program = "x = bytearray(300 * 1024 * 1024)\n";
  mem.limits.memory_mb = 200;
  CHECK(box().run(mem).outcome == Outcome::Oom);
  mem.limits.memory_mb = 1024;
  CHECK(box().run(mem).outcome == Outcome::Pass);
  ExecRequest out;
  out.program = "print('y' * 5000)\n";
  out.limits.output_bytes = 1000;
  auto o = box().run(out);
  CHECK(o.outcome == Outcome::OutputLimit);
  ExecRequest fs;
  fs.program = "open('f', 'wb').write(b'x' * (3 << 20))\n";
  fs.limits.file_size_mb = 2;
  auto f = box().run(fs);
  CHECK(f.outcome == Outcome::Error);
  CHECK(f.detail.find("File too large") != std::string::npos);
}

TEST_CASE("run_batch keeps request order and runs concurrently", "[sandbox]") {
  std::vector<ExecRequest> reqs;
  for (int i = 0; i < 12; ++i) {
    ExecRequest r;
    r.program = "import time\ntime.sleep(0.2)\nprint(" + std::to_string(i) + ")\n";
    reqs.push_back(r);
  }
  auto t0 = std::chrono::steady_clock::now();
  auto res = box().run_batch(reqs);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(res.size() == reqs.size());
  for (int i = 0; i < 12; ++i) {
    CHECK(res[i].outcome == Outcome::Pass);
    CHECK(res[i].stdout_excerpt == std::to_string(i) + "\n");
  }
  if (box().workers() >= 2) CHECK(s < 12 * 0.2);  // sleeps overlap on the pool
  auto st = box().stats();
  CHECK(st.jobs >= 12);
  CHECK(st.sandbox_errors == 0);
}

TEST_CASE("the jail's view: no host paths, no network, scrubbed environment", "[sandbox]") {
  auto r = run(R"(
import os
assert sorted(os.environ) == ['HOME', 'LANG', 'PATH', 'TMPDIR'], sorted(os.environ)
assert os.getcwd() == os.environ['HOME']
open('scratch', 'w').write('ok')
assert open('scratch').read() == 'ok'
)");
  CHECK(r.outcome == Outcome::Pass);
  if (box().isolation().level == Level::Namespaces) {
    auto n = run(R"(
import os
assert os.getpid() == 1, os.getpid()
assert os.getcwd() == '/sandbox' and not os.path.exists('/etc/passwd')
assert not os.path.exists('/home') and not os.path.exists('/root')
assert os.path.exists('/proc/self/status')
try:
    open('/usr/remedi-x', 'w')
    raise SystemExit('wrote /usr')
except OSError:
    pass
)");
    CHECK(n.outcome == Outcome::Pass);
    CHECK(n.detail == "");
  }
}

TEST_CASE("bad options are refused with an Error", "[sandbox]") {
  SandboxOptions o;
  o.python = "/nonexistent/python3";
  CHECK_THROWS_AS(make_sandbox(o), remedi::Error);
}

TEST_CASE("peak RSS is the interpreter's own, not the supervisor's", "[sandbox]") {
  auto small = run("x = 1\n");
  auto big = run("x = b'x' * (120 * 1024 * 1024)\n");
  REQUIRE(small.outcome == Outcome::Pass);
  REQUIRE(big.outcome == Outcome::Pass);
  CHECK(small.peak_rss_kb > 1000);
  CHECK(small.peak_rss_kb < 60 * 1024);
  CHECK(big.peak_rss_kb > 120 * 1024);
  CHECK(big.peak_rss_kb < 200 * 1024);
}

TEST_CASE("site-packages and extra read-only paths are opt-in", "[sandbox]") {
  auto plain = run("import sys\nassert not any('-packages' in p for p in sys.path), sys.path\n");
  CHECK(plain.outcome == Outcome::Pass);

  const std::string fx = std::string(REMEDI_FIXTURES_DIR) + "/sandbox";
  SandboxOptions o;
  o.site_packages = true;
  o.ro_paths = {fx};
  auto sb = make_sandbox(o);
  ExecRequest r;
  r.program = "import sys, os\n"
              "assert any('-packages' in p for p in sys.path), sys.path\n"
              "assert 'fib ok' in open('" + fx + "/runs_to_end.py').read()\n"
              "try:\n    open('" + fx + "/new.py', 'w')\n    raise SystemExit('wrote into a read-only path')\n"
              "except OSError:\n    pass\n";
  auto res = sb->run(r);
  INFO(res.detail);
  CHECK(res.outcome == Outcome::Pass);

  SandboxOptions bad;
  bad.ro_paths = {"/nonexistent-dir"};
  CHECK_THROWS_AS(make_sandbox(bad), remedi::Error);
  bad.ro_paths = {"/tmp"};
  CHECK_THROWS_AS(make_sandbox(bad), remedi::Error);
  bad.ro_paths = {"/proc/self"};
  CHECK_THROWS_AS(make_sandbox(bad), remedi::Error);
}
