// Code tasks through the real sandbox (labels `sandbox` and `data`): HumanEval canonical solutions
// 164/164, MBPP reference code 500/500, and wrong code fails. The sandbox forks its supervisor, so
// it is created before anything else runs (one per test program, shared by the cases).
#include <catch2/catch.hpp>

#include "../test_support.h"
#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/registry.h"
#include "remedi/tasks/selfcheck.h"
#include "remedi/tasks/math_verify.h"

#include <cstdlib>

using namespace remedi::tasks;

namespace {

remedi::sandbox::Sandbox& sandbox() {
  static std::unique_ptr<remedi::sandbox::Sandbox> sb = [] {
    remedi::sandbox::SandboxOptions o;
    o.workers = 2;  // the CI machine has 2 cores shared by everyone
    return remedi::sandbox::make_sandbox(o);
  }();
  return *sb;
}

const std::string kData = std::string(REMEDI_FIXTURES_DIR) + "/tasks/data";

}  // namespace

TEST_CASE("code scoring on fixtures: completion, whole function, wrong code, [BEGIN]/[DONE]", "[tasks][sandbox]") {
  auto& sb = sandbox();
  auto he = load_task("humaneval", kData);
  const Doc& d = he.docs.at(0);
  Score completion = score(he, d, "llada-oc", "    return a + b\n", &sb);
  CHECK(completion.filters.at(0).correct);
  CHECK(completion.graders.at(0).verdict == "pass");
  Score whole = score(he, d, "llada-oc", "Sure:\n```python\ndef add(a, b):\n    return b + a\n```\n", &sb);
  CHECK(whole.filters.at(0).correct);
  Score wrong = score(he, d, "llada-oc", "```python\ndef add(a, b):\n    return a - b\n```", &sb);
  CHECK_FALSE(wrong.filters.at(0).correct);
  CHECK(wrong.graders.at(0).verdict == "fail");
  Score syntax = score(he, d, "llada-oc", "```python\ndef add(a, b) return\n```", &sb);
  CHECK_FALSE(syntax.filters.at(0).correct);
  CHECK(syntax.graders.at(0).verdict == "syntax_error");

  auto mb = load_task("mbpp", kData);
  CHECK(score(mb, mb.docs.at(0), "llada-oc", " 'def sq(a):\n  return a*a' \n[DONE]", &sb).filters.at(0).correct);
  CHECK_FALSE(score(mb, mb.docs.at(0), "llada-oc", " 'def sq(a):\n  return a+a' \n[DONE]", &sb).filters.at(0).correct);
  CHECK(score(mb, mb.docs.at(0), "remedi-0shot", "```python\ndef sq(a):\n    return a ** 2\n```", &sb).filters.at(0).correct);

  // score_batch gives the same verdicts as one-by-one scoring
  std::vector<const Doc*> docs = {&d, &d, &d};
  std::vector<std::string> outs = {"    return a + b\n", "    return a * b\n", "no code at all ```"};
  auto batch = score_batch(he, docs, outs, "llada-oc", &sb);
  REQUIRE(batch.size() == 3);
  CHECK(batch[0].filters[0].correct);
  CHECK_FALSE(batch[1].filters[0].correct);
  CHECK(batch[1].graders.at(0).verdict == "fail");
}

TEST_CASE("selfcheck humaneval 164/164 and mbpp 500/500 in the sandbox", "[tasks][sandbox][data]") {
  auto& sb = sandbox();
  const std::string data = remedi::test::require_datasets();
  for (const char* task : {"humaneval", "mbpp"}) {
    // llada-oc only: the remedi-0shot references differ only in their fence, which the fixture case
    // above covers; running both would double the ~30 s this takes on 2 cores.
    for (const char* proto : {"llada-oc"}) {
      INFO(task << " " << proto);
      TaskData t = load_task(task, data);
      SelfcheckResult r = selfcheck(t, proto, &sb);
      for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
      CHECK(r.status == "ok");
      CHECK(r.total == (std::string(task) == "humaneval" ? 164 : 500));
      CHECK(r.agree == r.total);
    }
  }
}

TEST_CASE("math-verify through the real sandbox: a verdict, or 'unavailable' exactly when not installed",
          "[tasks][sandbox][math-verify]") {
  auto& sb = sandbox();
  // Output with quotes, newlines and backslashes must not break out of the test code.
  auto v = math_verify_batch({"so \"\"\" the answer\nis $\\boxed{\\frac{1}{2}}$", "$\\boxed{3}$"}, {"0.5", "\\frac12"}, sb);
  REQUIRE(v.size() == 2);
  bool installed = std::system("/usr/bin/python3 -c 'import math_verify' >/dev/null 2>&1") == 0;
  if (!installed) {
    CHECK(v[0].verdict == "unavailable");
    CHECK(v[1].verdict == "unavailable");
  } else {
    CHECK(v[0].verdict == "correct");
    CHECK(v[1].verdict == "incorrect");
  }
}
