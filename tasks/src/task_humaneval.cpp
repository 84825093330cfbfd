// HumanEval (Chen et al. 2021): openai/human-eval data/HumanEval.jsonl.gz, 164 problems.
//
// Protocols
//   llada-oc: OpenCompass' humaneval_gen prompt used by LLaDA:
//     "Complete the following python code:\n{prompt}"
//   remedi-0shot: the same text plus RemeDi's code suffix " (DO NOT contains unit test in your code)".
// Filter "code": fenced block / raw text (extract_code), then the prompt-completion rule:
//   - if the extracted code defines the entry point ("def {entry_point}("), it is a whole function:
//     the program is the prompt (imports, helper functions) followed by the code, whose definition
//     replaces the prompt's docstring-only stub;
//   - otherwise it is a completion of the prompt's function body: program = prompt + code.
// Test: the dataset's `test` followed by "check({entry_point})" (human_eval/execution.py).
#include "code_score.h"
#include "remedi/tasks/extract.h"
#include "task_common.h"

namespace remedi::tasks::detail {

void load_humaneval(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "humaneval/HumanEval.jsonl.gz");
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    d.id = str_field(l, "task_id", file);
    for (const char* k : {"prompt", "entry_point", "canonical_solution", "test"}) str_field(l, k, file);
    d.fields = std::move(l.value);
    t.docs.push_back(std::move(d));
  }
}

Prompt prompt_humaneval(const TaskData&, const Doc& d, const std::string& protocol) {
  std::string text = "Complete the following python code:\n" + d.fields["prompt"].get<std::string>();
  if (protocol == kRemedi0) text += kCodeSuffix;
  return single_turn(text);
}

Score score_humaneval(const TaskData&, const Doc& d, const std::string&, const std::string& out,
                      sandbox::Executor* sb) {
  const std::string prompt = d.fields["prompt"].get<std::string>();
  const std::string entry = d.fields["entry_point"].get<std::string>();
  std::string code = extract_code(out);
  std::string program;
  if (code != kInvalid) {
    bool whole = code.find("def " + entry + "(") != std::string::npos;
    program = whole ? prompt + "\n" + code : prompt + code;
  }
  std::string tests = d.fields["test"].get<std::string>() + "\ncheck(" + entry + ")\n";
  return run_code(code == kInvalid ? code : program, program, tests, sb);
}

std::string ref_humaneval(const TaskData&, const Doc& d, const std::string&) {
  return d.fields["canonical_solution"].get<std::string>();
}

}  // namespace remedi::tasks::detail
