// What a run has to do: every (task, doc, repeat) with its prompt ids, minus the samples already on
// disk (--resume). Prompts are built once per doc and shared by its repeats.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "remedi/engine/engine.h"
#include "remedi/results/sample_record.h"
#include "remedi/tasks/registry.h"
#include "run_options.h"
#include "text_codec.h"

namespace remedi::cli {

// One sample to generate. Pointers point into the RunPlan that owns the prompts.
struct WorkItem {
  size_t task = 0;                            // index into RunPlan::data
  const tasks::Doc* doc = nullptr;
  const tasks::Prompt* prompt = nullptr;
  const std::vector<int32_t>* ids = nullptr;  // chat-templated prompt + answer prefix, token ids
  int repeat = 0;
  bool trace = false;                         // among the first --trace-samples of its task
  uint64_t seed = 0;                          // sample_seed(): independent of batching
  results::SampleKey key;
};

struct RunPlan {
  std::vector<tasks::TaskData> data;          // [tasks]
  std::vector<std::string> protocols;         // [tasks] protocol used per task
  std::vector<std::vector<tasks::Prompt>> prompts;            // [tasks][docs]
  std::vector<std::vector<std::vector<int32_t>>> prompt_ids;  // [tasks][docs]
  std::vector<std::vector<WorkItem>> work;    // [tasks] samples still to generate, doc order
  std::vector<int64_t> todo, done_before;     // [tasks] counts
};

// Loads the tasks (throws remedi::Error for a missing or malformed data file).
void load_plan_tasks(RunPlan& plan, const RunOptions& o);

// Builds prompts and the work list; keys in `done` (SampleKey::str()) are skipped and counted.
void plan_work(RunPlan& plan, const RunOptions& o, const TextCodec& codec, const std::string& sampler_hash,
               const std::string& model_hash, const std::set<std::string>& done);

}  // namespace remedi::cli
