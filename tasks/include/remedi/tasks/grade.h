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
};

// Throws remedi::Error naming FILE:LINE for a malformed line, a missing field or an unknown doc_id.
GradeReport grade_file(const TaskData& t, const std::string& protocol, const std::string& input_path,
                       sandbox::Executor* sandbox, const std::vector<int64_t>& ks = {1});

// {"task", "protocol", "task_version", "metrics": {name: {value, stderr, n}},
//  "samples": [{"doc_id", "gold", <filter>: {"extracted", "correct"[, "items"]}, "graders"}]}
nlohmann::json grade_json(const GradeReport& r);

}  // namespace remedi::tasks
