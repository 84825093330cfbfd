// selfcheck on the official data (label `data`; skipped with exit 77 when ../shared/datasets is
// absent): each dataset's own references must pass its task's extraction and scoring.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "../test_support.h"
#include "remedi/common/fsutil.h"
#include "remedi/tasks/math_equiv.h"
#include "remedi/tasks/registry.h"
#include "remedi/tasks/selfcheck.h"

using namespace remedi::tasks;

namespace {

// The GPQA zip password: $REMEDI_GPQA_PASSWORD, else the one SOURCES.md quotes from the GPQA README
// ("It is `...`"); "" when neither is available.
std::string gpqa_password(const std::string& data) {
  if (const char* e = std::getenv("REMEDI_GPQA_PASSWORD")) return e;
  std::string src = data + "/SOURCES.md";
  if (!remedi::file_exists(src)) return "";
  std::string s = remedi::read_file(src);
  size_t p = s.find("## GPQA password");
  if (p == std::string::npos) return "";
  size_t a = s.find("It is `", p), b = a == std::string::npos ? a : s.find('`', a + 7);
  return b == std::string::npos ? "" : s.substr(a + 7, b - a - 7);
}

SelfcheckResult check(const std::string& task, const std::string& protocol, const LoadOptions& o = {}) {
  TaskData t = load_task(task, remedi::test::require_datasets(), o);
  SelfcheckResult r = selfcheck(t, protocol, nullptr);
  for (const auto& d : r.disagreements) UNSCOPED_INFO(d);
  return r;
}

}  // namespace

TEST_CASE("selfcheck gsm8k: reference solutions pass strict and flexible (1319/1319)", "[tasks][data]") {
  for (const char* proto : {"llada-oc", "remedi-0shot"}) {
    SelfcheckResult r = check("gsm8k", proto);
    CHECK(r.status == "ok");
    CHECK(r.total == 1319);
    CHECK(r.per_filter["strict"] == 1319);
    CHECK(r.per_filter["flexible"] == 1319);
    CHECK(r.agree == 1319);
  }
}

TEST_CASE("selfcheck math500: last \\boxed of each solution equals its answer (500/500)", "[tasks][data]") {
  SelfcheckResult r = check("math500", "llada-oc");
  CHECK(r.total == 500);
  CHECK(r.agree == 500);
}

TEST_CASE("selfcheck arc_challenge: answer keys (1172/1172)", "[tasks][data]") {
  SelfcheckResult r = check("arc_challenge", "llada-oc");
  CHECK(r.total == 1172);
  CHECK(r.agree == 1172);
}

TEST_CASE("selfcheck ifeval: every instruction and kwargs accepted (541/541)", "[tasks][data]") {
  SelfcheckResult r = check("ifeval", "llada-oc");
  CHECK(r.total == 541);
  CHECK(r.agree == 541);
}

TEST_CASE("GPQA from the authors' dataset.zip: diamond 198, main 448", "[tasks][data]") {
  LoadOptions o;
  o.gpqa_password = gpqa_password(remedi::test::require_datasets());
  if (o.gpqa_password.empty()) {
    WARN("no GPQA password (REMEDI_GPQA_PASSWORD / SOURCES.md): GPQA checks not run");
    return;
  }
  SelfcheckResult d = check("gpqa_diamond", "llada-oc", o);
  CHECK(d.total == 198);
  CHECK(d.agree == 198);
  SelfcheckResult m = check("gpqa_main", "remedi-0shot", o);
  CHECK(m.total == 448);
  CHECK(m.agree == 448);
}

TEST_CASE("exemplars come from the official splits", "[tasks][data]") {
  const std::string data = remedi::test::require_datasets();
  auto g = load_task("gsm8k", data);
  Prompt p = build_prompt(g, g.docs[0], "llada-oc");
  REQUIRE(p.messages.size() == 9);
  CHECK(p.messages[0].content.rfind("Question: Natalia sold clips to 48 of her friends in April", 0) == 0);
  CHECK(p.messages[1].content.find("<<") == std::string::npos);
  CHECK(p.messages[8].content.rfind("Question: Janet", 0) == 0);

  // MBPP tasks 2, 3, 4: the exemplars of OpenCompass' mbpp_gen_830460 (and the MBPP paper)
  auto m = load_task("mbpp", data);
  CHECK(m.docs.size() == 500);
  CHECK(m.docs.front().id == "11");
  CHECK(m.docs.back().id == "510");
  Prompt q = build_prompt(m, m.docs[0], "llada-oc");
  REQUIRE(q.messages.size() == 7);
  CHECK(q.messages[0].content.rfind("You are an expert Python programmer, and here is your task: Write a function to "
                                    "find the similar elements from the given two tuple lists.", 0) == 0);
  CHECK(q.messages[1].content ==
        "[BEGIN]\n 'def similar_elements(test_tup1, test_tup2):\r\n  res = tuple(set(test_tup1) & set(test_tup2))\r\n  "
        "return (res) ' \n[DONE] \n\n ");
  CHECK(q.messages[2].content.find("identify non-prime numbers") != std::string::npos);
  CHECK(q.messages[4].content.find("heap queue algorithm") != std::string::npos);
}

TEST_CASE("references of the wrong document are rejected (the scorers are not vacuous)", "[tasks][data]") {
  const std::string data = remedi::test::require_datasets();
  // Score doc i with doc i+1's reference: it may only count as correct where the two golds are the
  // same answer written the same way (after normalisation).
  for (const char* task : {"gsm8k", "math500", "arc_challenge"}) {
    INFO(task);
    TaskData t = load_task(task, data);
    const std::string filter = t.spec->filters.front();
    int64_t correct = 0, same_gold = 0;
    for (size_t i = 0; i + 1 < t.docs.size(); ++i) {
      const Doc& d = t.docs[i];
      const Doc& other = t.docs[i + 1];
      Score s = score(t, d, "llada-oc", t.spec->reference_output(t, other, "llada-oc"), nullptr);
      correct += s.find(filter)->correct ? 1 : 0;
      same_gold += normalize_math_answer(d.gold) == normalize_math_answer(other.gold) ? 1 : 0;
    }
    CHECK(correct == same_gold);
    CHECK(correct < static_cast<int64_t>(t.docs.size()) / 2);
  }
}
