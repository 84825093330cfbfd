// The task table and the entry points that dispatch to each task's hooks.
#include "remedi/tasks/registry.h"

#include <cstdlib>

#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "task_common.h"

namespace remedi::tasks {

using namespace detail;

const std::vector<TaskSpec>& task_table() {
  // RemeDi Table 1 (GSM8K, MATH, GPQA, HumanEval, MBPP) then Table 2 (HellaSwag, ARC-C, IFEval);
  // AlpacaEval needs a judge model and is not here. Bump `version` on any change to a prompt
  // string, exemplar choice, filter or scorer of that task.
  static const std::vector<TaskSpec> table = [] {
    std::vector<TaskSpec> v;
    const std::vector<std::string> both = {kLladaOc, kRemedi0};
    v.push_back({"gsm8k", "1", Kind::Math, both, {"strict", "flexible", "boxed"}, {"strict", "flexible"},
                 {{kRemedi0, "boxed"}},
                 "gsm8k/test.jsonl, gsm8k/train.jsonl", "GSM8K test (1319); 4-shot exemplars from train",
                 load_gsm8k, prompt_gsm8k, score_gsm8k, ref_gsm8k});
    v.push_back({"math500", "1", Kind::Math, both, {"boxed"}, {"boxed"}, {}, "math500/test.jsonl",
                 "MATH-500 (500), native equivalence", load_math500, prompt_math, score_math, ref_math});
    v.push_back({"math", "1", Kind::Math, both, {"boxed"}, {"boxed"}, {}, "MATH/test/<subject>/<n>.json",
                 "MATH full test set (5000) in the original layout", load_math_full, prompt_math, score_math, ref_math});
    v.push_back({"gpqa_diamond", "1", Kind::MultipleChoice, both, {"letter"}, {"letter"}, {},
                 "gpqa/dataset.zip (or gpqa_diamond.csv)", "GPQA diamond (198), 5-shot exemplars from main",
                 load_gpqa_diamond, prompt_gpqa, score_gpqa, ref_gpqa});
    v.push_back({"gpqa_main", "1", Kind::MultipleChoice, both, {"letter"}, {"letter"}, {},
                 "gpqa/dataset.zip (or gpqa_main.csv)", "GPQA main (448), 5-shot exemplars from extended",
                 load_gpqa_main, prompt_gpqa, score_gpqa, ref_gpqa});
    v.push_back({"humaneval", "1", Kind::Code, both, {"code"}, {"code"}, {}, "humaneval/HumanEval.jsonl.gz",
                 "HumanEval (164), sandboxed, pass@k", load_humaneval, prompt_humaneval, score_humaneval, ref_humaneval});
    v.push_back({"mbpp", "1", Kind::Code, both, {"code"}, {"code"}, {}, "mbpp/mbpp.jsonl",
                 "MBPP test split task_id 11-510 (500), 3-shot [BEGIN]/[DONE]", load_mbpp, prompt_mbpp, score_mbpp, ref_mbpp});
    v.push_back({"hellaswag", "1", Kind::MultipleChoice, both, {"letter"}, {"letter"}, {}, "hellaswag/hellaswag_val.jsonl",
                 "HellaSwag validation (10042), lettered endings", load_hellaswag, prompt_hellaswag, score_hellaswag, ref_hellaswag});
    v.push_back({"arc_challenge", "1", Kind::MultipleChoice, both, {"letter"}, {"letter"}, {},
                 "arc_challenge/ARC-Challenge-Test.jsonl", "ARC-Challenge test (1172), lettered options",
                 load_arc, prompt_arc, score_arc, ref_arc});
    {
      TaskSpec ifeval{"ifeval", "1", Kind::Instruction, both, {"prompt_strict", "prompt_loose"}, {}, {},
                      "ifeval/input_data.jsonl", "IFEval (541), 25 instruction types, strict and loose",
                      load_ifeval, prompt_ifeval, score_ifeval, nullptr};
      ifeval.check_doc = check_ifeval;
      v.push_back(ifeval);
    }
    return v;
  }();
  return table;
}

const TaskSpec& find_task(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& t : task_table()) {
    if (t.name == name) return t;
    names.push_back(t.name);
  }
  throw Error("unknown task '" + name + "'", "--task", "one of: " + join(names, ", "));
}

const std::string& primary_filter(const TaskSpec& spec, const std::string& protocol) {
  for (const auto& [p, f] : spec.primary_by_protocol)
    if (p == protocol) return f;
  return spec.filters.front();
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Math: return "math";
    case Kind::Code: return "code";
    case Kind::MultipleChoice: return "multiple_choice";
    case Kind::Instruction: return "instruction";
  }
  return "?";
}

std::string resolve_data_dir(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* e = std::getenv("REMEDI_DATA"); e && *e) return e;
  return "./data";
}

const Doc* TaskData::find_doc(const std::string& key) const {
  for (const auto& d : docs)
    if (d.id == key) return &d;
  // 0-based index, only when the key is all digits and no id matched
  if (key.empty() || key.find_first_not_of("0123456789") != std::string::npos || key.size() > 12) return nullptr;
  int64_t i = std::stoll(key);
  for (const auto& d : docs)
    if (d.index == i) return &d;
  return nullptr;
}

TaskData load_task(const std::string& name, const std::string& data_dir, const LoadOptions& opts) {
  TaskData t;
  t.spec = &find_task(name);
  t.data_dir = data_dir;
  t.spec->load(t, opts);
  return t;
}

void check_protocol(const TaskSpec& spec, const std::string& protocol) {
  for (const auto& p : spec.protocols)
    if (p == protocol) return;
  throw Error("task '" + spec.name + "' has no protocol '" + protocol + "'", "--protocol",
              "one of: " + join(spec.protocols, ", "));
}

Prompt build_prompt(const TaskData& t, const Doc& d, const std::string& protocol) {
  check_protocol(*t.spec, protocol);
  return t.spec->prompt(t, d, protocol);
}

Score score(const TaskData& t, const Doc& d, const std::string& protocol, const std::string& output,
            sandbox::Executor* sandbox) {
  check_protocol(*t.spec, protocol);
  return t.spec->score(t, d, protocol, output, sandbox);
}

SampleRecord make_record(const TaskData& t, const Doc& d, const std::string& protocol, const Prompt& p,
                         const std::string& output, const Score& s, int sample_index) {
  SampleRecord r;
  r.task = t.spec->name;
  r.task_version = t.spec->version;
  r.protocol = protocol;
  r.doc_id = d.id;
  r.prompt_hash = p.hash();
  r.output = output;
  r.gold = d.gold;
  r.sample_index = sample_index;
  r.filters = s.filters;
  r.graders = s.graders;
  return r;
}

}  // namespace remedi::tasks
