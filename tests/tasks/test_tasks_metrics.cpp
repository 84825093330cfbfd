// Metrics (accuracy with standard error, unbiased pass@k) and the per-sample record's JSON form.
#include <catch2/catch.hpp>

#include <cmath>

#include "remedi/common/error.h"
#include "remedi/tasks/metrics.h"
#include "remedi/tasks/types.h"

using namespace remedi::tasks;

namespace {

double choose(int n, int k) {
  if (k < 0 || k > n) return 0;
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

SampleRecord rec(const std::string& doc, bool ok, int idx = 0, std::vector<bool> items = {}) {
  SampleRecord r;
  r.task = "t";
  r.task_version = "1";
  r.protocol = "p";
  r.doc_id = doc;
  r.prompt_hash = "h";
  r.output = "o";
  r.sample_index = idx;
  r.filters.push_back({"f", ok ? "1" : kInvalid, ok, items});
  return r;
}

}  // namespace

TEST_CASE("accuracy and its standard error", "[tasks][metrics]") {
  Accuracy a = accuracy({true, true, false, false});
  CHECK(a.n == 4);
  CHECK(a.correct == 2);
  CHECK(a.mean == Approx(0.5));
  CHECK(a.stderr_ == Approx(std::sqrt(0.25 / 3)));  // sqrt(p(1-p)/(n-1))
  CHECK(accuracy({}).mean == 0);
  CHECK(accuracy({true}).stderr_ == 0);
  CHECK(accuracy({true, true, true}).stderr_ == 0);
}

TEST_CASE("pass@k equals 1 - C(n-c,k)/C(n,k)", "[tasks][metrics]") {
  for (int n = 1; n <= 12; ++n)
    for (int c = 0; c <= n; ++c)
      for (int k = 1; k <= n; ++k) {
        INFO("n=" << n << " c=" << c << " k=" << k);
        CHECK(pass_at_k(n, c, k) == Approx(1.0 - choose(n - c, k) / choose(n, k)).margin(1e-12));
      }
  CHECK(pass_at_k(10, 3, 1) == Approx(0.3));
  CHECK(pass_at_k(3, 1, 5) == -1);  // undefined when n < k
  CHECK(pass_at_k(5, 0, 1) == 0);
  CHECK(pass_at_k(5, 5, 5) == 1);
}

TEST_CASE("aggregate: accuracy on first samples, item level, pass@k", "[tasks][metrics]") {
  std::vector<SampleRecord> rs = {rec("a", true, 0), rec("a", false, 1), rec("b", false, 0), rec("b", false, 1)};
  auto m = aggregate(rs, {1, 2});
  REQUIRE(m.size() == 3);
  CHECK(m[0].name == "f");
  CHECK(m[0].value == Approx(0.5));  // first sample of each doc
  CHECK(m[0].n == 2);
  CHECK(m[1].name == "f.pass@1");
  CHECK(m[1].value == Approx((0.5 + 0.0) / 2));
  CHECK(m[2].name == "f.pass@2");
  CHECK(m[2].value == Approx((1.0 + 0.0) / 2));

  std::vector<SampleRecord> ifl = {rec("x", false, 0, {true, false, true}), rec("y", true, 0, {true})};
  auto mi = aggregate(ifl);
  REQUIRE(mi.size() == 2);
  CHECK(mi[0].value == Approx(0.5));
  CHECK(mi[1].name == "f.items");
  CHECK(mi[1].value == Approx(3.0 / 4));
  CHECK(mi[1].n == 4);
}

TEST_CASE("SampleRecord JSON round trip", "[tasks][records]") {
  SampleRecord r = rec("HumanEval/3", true, 2, {true, false});
  r.gold = "42";
  r.output = "line1\n\"quoted\" \\boxed{42}";
  r.graders.push_back({"sandbox", "pass", "ok"});
  nlohmann::json j = r;
  CHECK(j["doc_id"] == "HumanEval/3");
  CHECK(j["filters"][0]["items"] == nlohmann::json::array({true, false}));
  SampleRecord back = nlohmann::json::parse(j.dump()).get<SampleRecord>();
  CHECK(back.doc_id == r.doc_id);
  CHECK(back.output == r.output);
  CHECK(back.sample_index == 2);
  REQUIRE(back.filters.size() == 1);
  CHECK(back.filters[0].items == r.filters[0].items);
  CHECK(back.filters[0].correct);
  REQUIRE(back.graders.size() == 1);
  CHECK(back.graders[0].verdict == "pass");
  nlohmann::json bad = j;
  bad.erase("prompt_hash");
  CHECK_THROWS_AS(bad.get<SampleRecord>(), remedi::Error);
}

TEST_CASE("prompt hash covers roles, contents, prefix and stops", "[tasks][records]") {
  Prompt a;
  a.messages = {{"user", "ab"}, {"assistant", "c"}};
  Prompt b = a;
  b.messages = {{"user", "a"}, {"assistant", "bc"}};
  Prompt c = a;
  c.answer_prefix = "[BEGIN]\n";
  Prompt d = a;
  d.stop = {"Question:"};
  Prompt e = a;
  e.messages[1].role = "user";
  CHECK(a.hash().size() == 64);
  CHECK(a.hash() == Prompt(a).hash());
  CHECK(a.hash() != b.hash());
  CHECK(a.hash() != c.hash());
  CHECK(a.hash() != d.hash());
  CHECK(a.hash() != e.hash());
}
