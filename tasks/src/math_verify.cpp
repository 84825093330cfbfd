// Math-Verify cross-grading through the sandbox (see math_verify.h).
#include "remedi/tasks/math_verify.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "code_score.h"

namespace remedi::tasks {

namespace {

// A JSON string literal is also a valid Python 3 string literal (same escapes: \" \\ \n \t \uXXXX),
// which keeps arbitrary model output from breaking out of the test code.
std::string py_literal(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

sandbox::ExecRequest math_verify_request(const std::string& output, const std::string& gold) {
  sandbox::ExecRequest r;
  r.program = "from math_verify import parse, verify\n";
  r.tests = "_gold = parse(" + py_literal("$" + gold + "$") + ")\n" +
            "_answer = parse(" + py_literal(output) + ")\n" +
            "assert verify(_gold, _answer), 'math-verify: not equivalent'\n";
  r.limits.timeout_s = 20;  // sympy's first import is slow; parse has its own 5 s timeouts
  r.limits.cpu_s = 20;
  r.limits.memory_mb = 2048;
  return r;
}

GraderVerdict math_verify_verdict(const sandbox::ExecResult& r) {
  GraderVerdict g;
  g.grader = "math-verify";
  g.detail = r.detail;
  using O = sandbox::Outcome;
  if (r.outcome == O::Pass) {
    g.verdict = "correct";
  } else if (r.outcome == O::Fail) {
    g.verdict = "incorrect";
  } else if ((r.detail + r.stderr_excerpt).find("ModuleNotFoundError") != std::string::npos ||
             (r.detail + r.stderr_excerpt).find("No module named") != std::string::npos) {
    g.verdict = "unavailable";
  } else {
    g.verdict = detail::outcome_str(r.outcome);
  }
  return g;
}

std::vector<GraderVerdict> math_verify_batch(const std::vector<std::string>& outputs,
                                             const std::vector<std::string>& golds, sandbox::Executor& sb) {
  if (outputs.size() != golds.size()) throw std::invalid_argument("math_verify_batch: sizes differ");
  std::vector<sandbox::ExecRequest> reqs;
  for (size_t i = 0; i < outputs.size(); ++i) reqs.push_back(math_verify_request(outputs[i], golds[i]));
  std::vector<GraderVerdict> out;
  if (reqs.empty()) return out;
  for (const auto& r : sb.run_batch(reqs)) out.push_back(math_verify_verdict(r));
  return out;
}

}  // namespace remedi::tasks
