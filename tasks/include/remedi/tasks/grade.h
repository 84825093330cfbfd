// Re-grading outputs produced elsewhere (`remedi-eval grade`): a jsonl file of
// {"doc_id": <record id string | 0-based line index number>, "output": "..."} lines is scored with
// a task's filters, and the verdicts and metrics are returned as records and as the CLI's JSON.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/tasks/metrics.h"
#include "remedi/tasks/registry.h"

namespace remedi::tasks {

struct GradeReport {
  std::string task, protocol, task_version;
  std::vector<SampleRecord> records;  // input order; sample_index counts repeats of a doc_id
  std::vector<Metric> metrics;
  // Samples where a cross-grader's verdict differs from the primary filter's (filled by
  // cross_grade_math_verify): "doc_id#sample: <filter>=correct|incorrect, math-verify=...".
  std::vector<std::string> disagreements;
};

// Adds Math-Verify's verdict (math_verify.h) to every record of a math task (Kind::Math) and
// lists the samples where it disagrees with the protocol's primary filter. Other kinds: no-op.
void cross_grade_math_verify(GradeReport& r, const TaskData& t, sandbox::Executor& sandbox);

// Throws remedi::Error naming FILE:LINE for a malformed line, a missing field or an unknown doc_id.
GradeReport grade_file(const TaskData& t, const std::string& protocol, const std::string& input_path,
                       sandbox::Executor* sandbox, const std::vector<int64_t>& ks = {1});

// {"task", "protocol", "task_version", "metrics": {name: {value, stderr, n}},
//  "samples": [{"doc_id", "gold", <filter>: {"extracted", "correct"[, "items"]}, "graders"}],
//  "disagreements": [...] (only after cross-grading)}
nlohmann::json grade_json(const GradeReport& r);

}  // namespace remedi::tasks
