// selfcheck: feed a dataset's own reference answers (GSM8K solutions, MATH solutions, ARC answer
// keys, canonical code, ...) through the task's extraction and scoring. Any disagreement means the
// scorer and the data file do not fit together (a format change, a loader bug, a scorer bug).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "remedi/tasks/registry.h"

namespace remedi::tasks {

struct SelfcheckResult {
  std::string task;
  std::string protocol;
  std::string status;                      // "ok" | "needs sandbox" | "no reference outputs"
  int64_t total = 0;                       // documents checked
  int64_t agree = 0;                       // documents where every selfcheck filter was correct
  std::map<std::string, int64_t> per_filter;  // filter → documents correct under it
  std::vector<std::string> disagreements;  // "doc_id: filter extracted=… gold=…" (first 20)
};

// sandbox may be nullptr: code tasks then return status "needs sandbox" without scoring.
SelfcheckResult selfcheck(const TaskData& t, const std::string& protocol, sandbox::Executor* sandbox);

}  // namespace remedi::tasks
