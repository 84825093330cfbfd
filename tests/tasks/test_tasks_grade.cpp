// grade_file / grade_json (the `remedi-eval grade` core) on fixture outputs.
#include <catch2/catch.hpp>

#include "remedi/common/error.h"
#include "remedi/tasks/grade.h"
#include "remedi/tasks/math_verify.h"

using namespace remedi::tasks;

namespace {
const std::string kFix = std::string(REMEDI_FIXTURES_DIR) + "/tasks";
}

TEST_CASE("grade: per-sample verdicts per filter, metrics, input order", "[tasks][grade]") {
  auto t = load_task("gsm8k", kFix + "/data");
  GradeReport r = grade_file(t, "llada-oc", kFix + "/grade/gsm8k_outputs.jsonl", nullptr);
  REQUIRE(r.records.size() == 3);
  CHECK(r.records[0].doc_id == "0");
  CHECK(r.records[1].doc_id == "1");  // numeric doc_id = 0-based line index
  CHECK(r.records[2].doc_id == "0");
  CHECK(r.records[2].sample_index == 1);
  CHECK(r.records[0].prompt_hash == build_prompt(t, t.docs[0], "llada-oc").hash());

  nlohmann::json j = grade_json(r);
  CHECK(j["task"] == "gsm8k");
  CHECK(j["task_version"] == "1");
  const auto& s = j["samples"];
  REQUIRE(s.size() == 3);
  CHECK(s[0]["doc_id"] == "0");
  CHECK(s[0]["strict"]["extracted"] == "7");
  CHECK(s[0]["strict"]["correct"] == true);
  CHECK(s[1]["strict"]["extracted"] == "[invalid]");
  CHECK(s[1]["strict"]["correct"] == false);
  CHECK(s[1]["flexible"]["correct"] == true);
  CHECK(s[1]["boxed"]["extracted"] == "1000");
  CHECK(s[1]["boxed"]["correct"] == true);
  CHECK(s[2]["flexible"]["extracted"] == "[invalid]");
  // metrics: first sample per doc (doc 0 → correct, doc 1 → strict wrong), pass@1 over samples
  CHECK(j["metrics"]["strict"]["value"].get<double>() == Approx(0.5));
  CHECK(j["metrics"]["strict"]["n"] == 2);
  CHECK(j["metrics"]["flexible"]["value"].get<double>() == Approx(1.0));
  CHECK(j["metrics"]["flexible.pass@1"]["value"].get<double>() == Approx((0.5 + 1.0) / 2));
}

TEST_CASE("grade: bad input lines are errors with file and line", "[tasks][grade]") {
  auto t = load_task("gsm8k", kFix + "/data");
  try {
    grade_file(t, "llada-oc", kFix + "/grade/bad_docid.jsonl", nullptr);
    FAIL("expected an error");
  } catch (const remedi::Error& e) {
    CHECK(e.where().find("bad_docid.jsonl:2") != std::string::npos);
  }
  try {
    grade_file(t, "llada-oc", kFix + "/grade/no_output.jsonl", nullptr);
    FAIL("expected an error");
  } catch (const remedi::Error& e) {
    CHECK(e.where().find("no_output.jsonl:1") != std::string::npos);
  }
  CHECK_THROWS_AS(grade_file(t, "zero-shot", kFix + "/grade/gsm8k_outputs.jsonl", nullptr), remedi::Error);
}

namespace {

// Answers every job with the outcome `f` picks from the request's test code.
class FakeExecutor : public remedi::sandbox::Executor {
 public:
  std::vector<remedi::sandbox::ExecRequest> seen;
  remedi::sandbox::ExecResult run(const remedi::sandbox::ExecRequest& r) override {
    seen.push_back(r);
    remedi::sandbox::ExecResult x;
    // "equivalent" iff the output literal mentions 1000 (the fixture's doc 1 gold)
    x.outcome = r.tests.find("1000") != std::string::npos && r.tests.find("_answer = parse(\"They") != std::string::npos
                    ? remedi::sandbox::Outcome::Pass
                    : remedi::sandbox::Outcome::Fail;
    return x;
  }
  std::vector<remedi::sandbox::ExecResult> run_batch(const std::vector<remedi::sandbox::ExecRequest>& rs) override {
    std::vector<remedi::sandbox::ExecResult> v;
    for (const auto& r : rs) v.push_back(run(r));
    return v;
  }
};

}  // namespace

TEST_CASE("math-verify: request quoting, verdict mapping, disagreement list", "[tasks][grade][math-verify]") {
  auto req = math_verify_request("a \"quoted\"\nline \\boxed{2}", "\\frac{1}{2}");
  CHECK(req.program == "from math_verify import parse, verify\n");
  CHECK(req.tests.find("_gold = parse(\"$\\\\frac{1}{2}$\")") != std::string::npos);
  CHECK(req.tests.find("parse(\"a \\\"quoted\\\"\\nline \\\\boxed{2}\")") != std::string::npos);

  remedi::sandbox::ExecResult r;
  r.outcome = remedi::sandbox::Outcome::Pass;
  CHECK(math_verify_verdict(r).verdict == "correct");
  r.outcome = remedi::sandbox::Outcome::Fail;
  CHECK(math_verify_verdict(r).verdict == "incorrect");
  r.outcome = remedi::sandbox::Outcome::Error;
  r.detail = "ModuleNotFoundError";
  CHECK(math_verify_verdict(r).verdict == "unavailable");
  r.detail = "ValueError";
  CHECK(math_verify_verdict(r).verdict == "error");
  r.outcome = remedi::sandbox::Outcome::Timeout;
  CHECK(math_verify_verdict(r).verdict == "timeout");

  auto t = load_task("gsm8k", kFix + "/data");
  GradeReport rep = grade_file(t, "llada-oc", kFix + "/grade/gsm8k_outputs.jsonl", nullptr);
  FakeExecutor fake;
  cross_grade_math_verify(rep, t, fake);
  REQUIRE(fake.seen.size() == 3);
  REQUIRE(rep.records[1].graders.size() == 1);
  CHECK(rep.records[1].graders[0].grader == "math-verify");
  CHECK(rep.records[1].graders[0].verdict == "correct");
  // sample 0: strict correct, fake says incorrect; sample 1: strict [invalid], fake says correct
  REQUIRE(rep.disagreements.size() == 2);
  CHECK(rep.disagreements[0] == "0#0: strict=correct, math-verify=incorrect");
  CHECK(rep.disagreements[1] == "1#0: strict=incorrect, math-verify=correct");
  CHECK(grade_json(rep)["disagreements"].size() == 2);
}
