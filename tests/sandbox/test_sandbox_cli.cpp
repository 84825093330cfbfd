// `remedi-eval sandbox run|selftest` end to end, through the built binary.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "../test_support.h"

namespace {

struct Cmd {
  int code;
  std::string out;
};

Cmd sh(const std::string& args) {
  std::string cmd = remedi::test::remedi_bin() + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

const std::string fx = std::string(REMEDI_FIXTURES_DIR) + "/sandbox/";

}  // namespace

TEST_CASE("sandbox run --json: pass and early exit", "[sandbox][cli]") {
  auto ok = sh("sandbox run " + fx + "runs_to_end.py --json --timeout 5");
  CHECK(ok.code == 0);
  auto j = nlohmann::json::parse(ok.out);
  CHECK(j["outcome"] == "pass");
  CHECK(j["stdout"] == "fib ok\n");
  for (const char* k : {"detail", "stderr", "cpu_ms", "wall_ms", "peak_rss_kb", "isolation"}) CHECK(j.contains(k));

  auto early = sh("sandbox run " + fx + "exits_early.py --json");
  CHECK(early.code == 1);
  auto e = nlohmann::json::parse(early.out);
  CHECK(e["outcome"] == "error");
  CHECK(e["stdout"] == "leaving early\n");
}

TEST_CASE("sandbox run: bad input is exit code 2", "[sandbox][cli]") {
  CHECK(sh("sandbox run /nonexistent/file.py").code == 2);
  CHECK(sh("sandbox run " + fx + "runs_to_end.py --timeout abc").code == 2);
  CHECK(sh("sandbox run " + fx + "runs_to_end.py --bogus").code == 2);
  CHECK(sh("sandbox frobnicate").code == 2);
}

TEST_CASE("sandbox selftest prints the table and passes", "[sandbox][cli]") {
  auto r = sh("sandbox selftest");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("fork_bomb") != std::string::npos);
  CHECK(r.out.find("0 escapes") != std::string::npos);
  CHECK(r.out.find("isolation level:") != std::string::npos);
}
