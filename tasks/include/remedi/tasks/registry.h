// The task registry: one explicit table of the paper's benchmarks (RemeDi Table 1 and 2, minus
// AlpacaEval, which needs a judge model). Each entry is data (name, version, protocols, filters)
// plus hooks (load, prompt, score), as in lm-evaluation-harness task configs.
//
//   auto data = remedi::tasks::load_task("gsm8k", remedi::tasks::resolve_data_dir(flag));
//   Prompt p  = remedi::tasks::build_prompt(data, data.docs[0], "llada-oc");
//   Score s   = remedi::tasks::score(data, data.docs[0], "llada-oc", output, /*sandbox=*/nullptr);
//
// Bump a task's version whenever a prompt string, an exemplar choice, a filter or a scorer changes:
// the version is stored with every sample record.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "remedi/tasks/types.h"

namespace remedi::sandbox { class Executor; }

namespace remedi::tasks {

enum class Kind { Math, Code, MultipleChoice, Instruction };

struct TaskData;

// Options a loader may need beyond the data folder.
struct LoadOptions {
  std::string gpqa_password;  // GPQA dataset.zip password; "" = $REMEDI_GPQA_PASSWORD, else error
                              // (published in the GPQA README; not stored in this code base)
};

struct TaskSpec {
  std::string name;                     // registry key, e.g. "gsm8k"
  std::string version;                  // e.g. "1"; recorded with every sample
  Kind kind = Kind::Math;
  std::vector<std::string> protocols;   // first = default, e.g. {"llada-oc", "remedi-0shot"}
  std::vector<std::string> filters;     // filter names in Score order; first = primary metric
  std::vector<std::string> selfcheck_filters;  // filters the dataset's own reference must pass
  // The headline filter per protocol where it is not filters[0] (GSM8K remedi-0shot asks for
  // \boxed{}, so "boxed" is its headline number, not "strict"). See primary_filter().
  std::vector<std::pair<std::string, std::string>> primary_by_protocol;
  std::string data_files;               // relative to the data dir, for messages and `tasks`
  std::string description;              // one line for `remedi-eval tasks`
  // hooks
  void (*load)(TaskData& into, const LoadOptions& opts) = nullptr;  // fills docs (+ fewshot) from into.data_dir
  Prompt (*prompt)(const TaskData& t, const Doc& d, const std::string& protocol) = nullptr;
  Score (*score)(const TaskData& t, const Doc& d, const std::string& protocol,
                 const std::string& output, sandbox::Executor* sandbox) = nullptr;
  // The dataset's own reference answer written as a model output would be (selfcheck): e.g.
  // GSM8K's solution text, MATH's solution, "The answer is (C)", the canonical code.
  std::string (*reference_output)(const TaskData& t, const Doc& d, const std::string& protocol) = nullptr;
  // For tasks without reference outputs (IFEval): "" when the scorer accepts the doc as given
  // (every instruction supported, kwargs valid), else why not. Used by selfcheck.
  std::string (*check_doc)(const TaskData& t, const Doc& d) = nullptr;
};

// A loaded task: the spec, the evaluation documents, and the exemplars few-shot protocols use.
struct TaskData {
  const TaskSpec* spec = nullptr;
  std::string data_dir;
  std::vector<Doc> docs;      // evaluation split, file order
  std::vector<Doc> fewshot;   // exemplars in prompt order (may be empty)
  const Doc* find_doc(const std::string& id_or_index) const;  // id, else 0-based index; nullptr
};

// The table, in the paper's order.
const std::vector<TaskSpec>& task_table();
const TaskSpec& find_task(const std::string& name);  // throws remedi::Error listing the names

// --data-dir flag value (may be empty) → flag, else $REMEDI_DATA, else "./data".
std::string resolve_data_dir(const std::optional<std::string>& flag);

// Loads docs and exemplars; throws remedi::Error naming the file (and line) when missing/malformed.
TaskData load_task(const std::string& name, const std::string& data_dir, const LoadOptions& opts = {});

// Throw remedi::Error when the protocol is not one of the task's.
void check_protocol(const TaskSpec& spec, const std::string& protocol);
Prompt build_prompt(const TaskData& t, const Doc& d, const std::string& protocol);
// sandbox may be nullptr for tasks that do not run code; code tasks then record the grader verdict
// "needs_sandbox" and score incorrect.
Score score(const TaskData& t, const Doc& d, const std::string& protocol, const std::string& output,
            sandbox::Executor* sandbox);

// Scores many outputs at once; code tasks send all their sandbox jobs in one run_batch() call
// (the sandbox runs them on its worker pool). Same verdicts as calling score() on each.
std::vector<Score> score_batch(const TaskData& t, const std::vector<const Doc*>& docs,
                               const std::vector<std::string>& outputs, const std::string& protocol,
                               sandbox::Executor* sandbox);

// The record for one scored sample (fills hashes and versions).
SampleRecord make_record(const TaskData& t, const Doc& d, const std::string& protocol,
                         const Prompt& p, const std::string& output, const Score& s,
                         int sample_index = 0);

// The filter whose accuracy is the task's headline number under `protocol`.
const std::string& primary_filter(const TaskSpec& spec, const std::string& protocol);

const char* kind_name(Kind k);  // "math", "code", "multiple_choice", "instruction"

}  // namespace remedi::tasks
