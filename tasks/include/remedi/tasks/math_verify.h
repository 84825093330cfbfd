// Optional cross-grading of math answers with Math-Verify (huggingface/Math-Verify, PyPI package
// `math-verify`), run as Python through the sandbox interface: the model's whole output and the
// gold answer (wrapped in $...$, as Math-Verify's README parses gold LaTeX) go to
// `verify(parse(gold), parse(output))`. Its verdict is recorded as grader "math-verify" beside the
// native one; where the two disagree the sample is listed, so a scorer bug shows up as a list of
// concrete cases rather than a silent point of accuracy.
//
// Math-Verify must be importable by the sandbox's interpreter (SandboxOptions::python, by default
// /usr/bin/python3); when it is not, the verdict is "unavailable" (never "incorrect").
#pragma once
#include <string>
#include <vector>

#include "remedi/sandbox/executor.h"
#include "remedi/tasks/types.h"

namespace remedi::tasks {

// The sandbox job for one (output, gold) pair: the program imports math_verify; the tests assert
// the verdict, so Outcome::Pass = equivalent and Outcome::Fail = not equivalent.
sandbox::ExecRequest math_verify_request(const std::string& output, const std::string& gold);

// Maps a job's result to a grader verdict: "correct", "incorrect", "unavailable" (math_verify not
// importable) or the sandbox outcome's name ("timeout", "error", ...).
GraderVerdict math_verify_verdict(const sandbox::ExecResult& r);

// All pairs in one run_batch(); results in input order.
std::vector<GraderVerdict> math_verify_batch(const std::vector<std::string>& outputs,
                                             const std::vector<std::string>& golds, sandbox::Executor& sandbox);

}  // namespace remedi::tasks
