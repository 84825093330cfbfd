#include "code_score.h"

namespace remedi::tasks::detail {

const char* outcome_str(sandbox::Outcome o) {
  using O = sandbox::Outcome;
  switch (o) {
    case O::Pass: return "pass";
    case O::Fail: return "fail";
    case O::Error: return "error";
    case O::Timeout: return "timeout";
    case O::Oom: return "oom";
    case O::OutputLimit: return "output_limit";
    case O::SyntaxError: return "syntax_error";
    case O::SandboxError: return "sandbox_error";
  }
  return "sandbox_error";
}

Score run_code(const std::string& extracted, const std::string& program, const std::string& tests,
               sandbox::Executor* sb) {
  Score s;
  FilterVerdict f;
  f.filter = "code";
  f.extracted = extracted;
  if (extracted == kInvalid) {
    s.filters.push_back(f);
    return s;
  }
  if (!sb) {
    s.filters.push_back(f);
    s.graders.push_back({"sandbox", "needs_sandbox", "no sandbox executor was given"});
    return s;
  }
  sandbox::ExecRequest req;
  req.program = program;
  req.tests = tests;
  sandbox::ExecResult r = sb->run(req);
  f.correct = r.outcome == sandbox::Outcome::Pass;
  s.filters.push_back(f);
  s.graders.push_back({"sandbox", outcome_str(r.outcome), r.detail});
  return s;
}

}  // namespace remedi::tasks::detail
