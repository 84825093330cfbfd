#include <catch2/catch.hpp>

#include "remedi/results/compare.h"
#include "synthetic_run.h"

using namespace remedi::results;
using namespace remedi::results::test;

TEST_CASE("a run compared with itself shows no difference", "[results][compare]") {
  std::string root = temp_dir("cmp_self");
  std::vector<SampleRecord> a;
  for (int d = 0; d < 10; ++d) a.push_back(make_record("gsm8k", d, d % 3 == 0));
  RunData r = load_run(write_run(root + "/a", a, "a"));
  Comparison c = compare_runs(r, r);
  CHECK(c.identical());
  REQUIRE(c.tasks.size() == 1);
  CHECK(c.tasks[0].test == "mcnemar-exact");
  CHECK(c.tasks[0].p == 1.0);
  CHECK(c.tasks[0].delta == 0.0);
  CHECK(c.worse_than(0).empty());
  CHECK(format_comparison(c).find("no difference") != std::string::npos);
}

TEST_CASE("altered verdicts are reported with McNemar and the gate trips", "[results][compare]") {
  std::string root = temp_dir("cmp_alt");
  std::vector<SampleRecord> a, b;
  for (int d = 0; d < 12; ++d) a.push_back(make_record("gsm8k", d, 1));
  b = a;
  for (int d = 0; d < 5; ++d) b[d].verdicts["strict"] = 0;  // 5 passes lost, 0 gained
  b[11].key.model_hash = "other-model";                     // pairs ignore the model hash
  RunData ra = load_run(write_run(root + "/a", a, "a"));
  RunData rb = load_run(write_run(root + "/b", b, "b"));
  Comparison c = compare_runs(ra, rb);
  REQUIRE(c.tasks.size() == 1);
  const auto& t = c.tasks[0];
  CHECK(t.pairs == 12);
  CHECK(t.flips.size() == 5);
  CHECK(t.a_only_pass == 5);
  CHECK(t.b_only_pass == 0);
  CHECK(t.p == Approx(0.0625));  // 2 * 2^-5
  CHECK(t.delta == Approx(-5.0 / 12));
  CHECK_FALSE(c.identical());
  CHECK(c.worse_than(40) == std::vector<std::string>{"gsm8k"});   // dropped 41.7 points
  CHECK(c.worse_than(42).empty());
  std::string text = format_comparison(c);
  CHECK(text.find("gsm8k gsm8k-0 #0: 1 -> 0") != std::string::npos);
}

TEST_CASE("graded verdicts use the paired bootstrap; unpaired samples are counted", "[results][compare]") {
  std::string root = temp_dir("cmp_boot");
  std::vector<SampleRecord> a, b;
  for (int d = 0; d < 8; ++d) {
    a.push_back(make_record("ifeval", d, 0.5));
    b.push_back(make_record("ifeval", d, 0.75));
  }
  a.push_back(make_record("ifeval", 8, 1));          // only in A
  b.push_back(make_record("gsm8k", 0, 1));           // task only in B
  Comparison c = compare_runs(load_run(write_run(root + "/a", a, "a")), load_run(write_run(root + "/b", b, "b")));
  REQUIRE(c.tasks.size() == 1);
  CHECK(c.tasks[0].test == "paired-bootstrap");
  CHECK(c.tasks[0].delta == Approx(0.25));
  CHECK(c.tasks[0].ci_low == Approx(0.25));
  CHECK(c.tasks[0].p == 0.0);
  CHECK(c.tasks[0].only_a == 1);
  CHECK(c.tasks_only_b == std::vector<std::string>{"gsm8k"});
  CHECK_FALSE(c.identical());
}
