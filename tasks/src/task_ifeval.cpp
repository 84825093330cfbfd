// IFEval (Zhou et al. 2023): google-research instruction_following_eval data/input_data.jsonl, 541
// prompts with key, prompt, instruction_id_list and kwargs. The checkers are remedi::tasks::ifeval
// (ifeval.h); this file wires them into the registry.
//
// Protocols: llada-oc and remedi-0shot both send the raw prompt as the only user turn (LLaDA's
// OpenCompass IFEval config uses the prompt as is; RemeDi adds no suffix for IFEval).
// Filters: "prompt_strict" and "prompt_loose" — the prompt-level verdicts (all instructions
// followed), with the per-instruction verdicts in FilterVerdict::items, so aggregate() reports
// prompt-level accuracy as "prompt_strict" / "prompt_loose" and instruction-level accuracy as
// "prompt_strict.items" / "prompt_loose.items" (evaluation_lib.py's four numbers).
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/ifeval.h"
#include "task_common.h"

namespace remedi::tasks::detail {

namespace {

std::vector<ifeval::Instruction> instructions_of(const Doc& d) {
  std::vector<ifeval::Instruction> v;
  const auto& ids = d.fields["instruction_id_list"];
  const auto& kw = d.fields["kwargs"];
  for (size_t i = 0; i < ids.size(); ++i) v.push_back({ids[i].get<std::string>(), kw[i]});
  return v;
}

std::string summary(const std::vector<bool>& v) {
  std::string s;
  for (bool b : v) s += b ? '1' : '0';
  return s;
}

}  // namespace

void load_ifeval(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "ifeval/input_data.jsonl");
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    auto key = l.value.find("key");
    if (key == l.value.end() || !key->is_number_integer()) bad_record("missing integer 'key'", file, l.line);
    d.id = std::to_string(key->get<int64_t>());
    str_field(l, "prompt", file);
    const auto& ids = l.value["instruction_id_list"];
    const auto& kw = l.value["kwargs"];
    if (!ids.is_array() || !kw.is_array() || ids.size() != kw.size() || ids.empty())
      bad_record("'instruction_id_list' and 'kwargs' must be lists of equal, non-zero length", file, l.line);
    for (size_t i = 0; i < ids.size(); ++i)
      if (!ids[i].is_string() || !kw[i].is_object())
        bad_record("instruction ids must be strings and kwargs objects", file, l.line);
    d.fields = std::move(l.value);
    t.docs.push_back(std::move(d));
  }
}

Prompt prompt_ifeval(const TaskData&, const Doc& d, const std::string&) {
  return single_turn(d.fields["prompt"].get<std::string>());
}

Score score_ifeval(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  ifeval::Verdict v = ifeval::evaluate(d.fields["prompt"].get<std::string>(), instructions_of(d), out);
  Score s;
  // IFEval scores the whole response: "extracted" records the per-instruction verdicts as 0/1.
  s.filters.push_back({"prompt_strict", summary(v.strict), v.prompt_strict, v.strict});
  s.filters.push_back({"prompt_loose", summary(v.loose), v.prompt_loose, v.loose});
  return s;
}

std::string check_ifeval(const TaskData&, const Doc& d) {
  std::vector<std::string> bad;
  for (const auto& in : instructions_of(d)) {
    try {
      ifeval::validate(in);
    } catch (const remedi::Error& e) {
      bad.push_back(in.id + ": " + e.what());
    }
  }
  return join(bad, "; ");
}

}  // namespace remedi::tasks::detail
