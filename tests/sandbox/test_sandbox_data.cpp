// The sandbox against the official data (issue 3, "Acceptance"): every HumanEval canonical solution
// passes its tests, every "pass"-bodied stub does not, and the MBPP test split's reference code is
// run against its test_list (pass count and the failing task ids are printed).
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "../test_support.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"
#include "remedi/sandbox/sandbox.h"
#include "shared_sandbox.h"

using namespace remedi::sandbox;
using nlohmann::json;

namespace {

using remedi::test::box;

std::string gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  REQUIRE(n == 0);
  return out;
}

std::vector<json> jsonl(const std::string& text) {
  std::vector<json> v;
  for (auto& line : remedi::split(text, '\n'))
    if (!remedi::trim(line).empty()) v.push_back(json::parse(line));
  return v;
}

Limits data_limits() {
  Limits l;
  l.timeout_s = 20;  // generous: jobs share 2 cores with the rest of the suite
  l.cpu_s = 20;
  return l;
}

}  // namespace

TEST_CASE("HumanEval: 164 canonical solutions pass, 164 pass-stubs do not", "[data][sandbox]") {
  const std::string dir = remedi::test::require_datasets();
  auto probs = jsonl(gunzip(dir + "/humaneval/HumanEval.jsonl.gz"));
  REQUIRE(probs.size() == 164);
  std::vector<ExecRequest> good, stub;
  for (auto& p : probs) {
    std::string prompt = p["prompt"];
    if (!remedi::ends_with(prompt, "\n")) prompt += "\n";
    std::string tests = p["test"].get<std::string>() + "\ncheck(" + p["entry_point"].get<std::string>() + ")\n";
    good.push_back({prompt + p["canonical_solution"].get<std::string>(), tests, data_limits()});
    stub.push_back({prompt + "    pass\n", tests, data_limits()});
  }
  auto t0 = std::chrono::steady_clock::now();
  auto rg = box().run_batch(good);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto rs = box().run_batch(stub);
  int pass = 0, stub_pass = 0, sandbox_errors = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    INFO(probs[i]["task_id"] << ": " << outcome_name(rg[i].outcome) << " " << rg[i].detail);
    CHECK(rg[i].outcome == Outcome::Pass);
    pass += rg[i].outcome == Outcome::Pass;
    INFO("stub: " << outcome_name(rs[i].outcome) << " " << rs[i].detail);
    CHECK(rs[i].outcome != Outcome::Pass);
    CHECK(rs[i].outcome != Outcome::SandboxError);
    stub_pass += rs[i].outcome == Outcome::Pass;
    sandbox_errors += (rg[i].outcome == Outcome::SandboxError) + (rs[i].outcome == Outcome::SandboxError);
  }
  std::fprintf(stderr, "HumanEval canonical: %d/164 pass (%.1f executions/s); stubs passing: %d; sandbox errors: %d\n",
               pass, 164 / s, stub_pass, sandbox_errors);
}

TEST_CASE("MBPP test split (11-510): reference code against test_list", "[data][sandbox]") {
  const std::string dir = remedi::test::require_datasets();
  auto all = jsonl(remedi::read_file(dir + "/mbpp/mbpp.jsonl"));
  std::vector<json> probs;
  for (auto& p : all)
    if (p["task_id"].get<int>() >= 11 && p["task_id"].get<int>() <= 510) probs.push_back(p);
  REQUIRE(probs.size() == 500);
  std::vector<ExecRequest> reqs;
  for (auto& p : probs) {
    std::string tests = p.value("test_setup_code", std::string()) + "\n";
    for (auto& t : p["test_list"]) tests += t.get<std::string>() + "\n";
    reqs.push_back({p["code"].get<std::string>() + "\n", tests, data_limits()});
  }
  auto res = box().run_batch(reqs);
  int pass = 0;
  std::string failures;
  for (size_t i = 0; i < probs.size(); ++i) {
    CHECK(res[i].outcome != Outcome::SandboxError);
    if (res[i].outcome == Outcome::Pass) {
      ++pass;
    } else {
      failures += "  " + std::to_string(probs[i]["task_id"].get<int>()) + ": " + outcome_name(res[i].outcome) +
                  " " + res[i].detail.substr(0, 120) + "\n";
    }
  }
  std::fprintf(stderr, "MBPP reference code: %d/500 pass; official failures:\n%s", pass, failures.c_str());
  // The reference solutions are meant to pass; a handful of known-broken tasks aside, a low
  // count means the sandbox (not the data) is wrong.
  CHECK(pass >= 490);
}
