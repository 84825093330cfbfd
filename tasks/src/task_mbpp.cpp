// MBPP (Austin et al. 2021): google-research mbpp/mbpp.jsonl; test split = task_id 11..510.
//
// Protocols
//   llada-oc: OpenCompass' mbpp_gen_830460 (3-shot chat turns, the format of the MBPP paper):
//     user "You are an expert Python programmer, and here is your task: {text} Your code should
//     pass these tests:\n\n {tests}  \n", assistant "[BEGIN]\n '{code}' \n[DONE] \n\n ", and the
//     answer turn starts with "[BEGIN]\n". Exemplars: task_id 2, 3, 4 (the prompt split 1..10, the
//     three the MBPP paper's prompt uses), built from the file rather than copied.
//   remedi-0shot: the same task text, no exemplars, plus " (DO NOT contains unit test in your code)".
// Filter "code": [BEGIN]...[DONE] / fenced / raw (extract_code); tests = test_setup_code + test_list.
#include "code_score.h"
#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"
#include "task_common.h"

namespace remedi::tasks::detail {

namespace {

std::string tests_of(const Doc& d) {
  std::vector<std::string> v;
  for (const auto& t : d.fields["test_list"]) v.push_back(t.get<std::string>());
  return join(v, "\n");
}

std::string task_turn(const Doc& d) {
  return "You are an expert Python programmer, and here is your task: " + d.fields["text"].get<std::string>() +
         " Your code should pass these tests:\n\n " + tests_of(d) + "  \n";
}

}  // namespace

void load_mbpp(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "mbpp/mbpp.jsonl");
  std::vector<Doc> shots(3);
  for (auto& l : read_jsonl(file)) {
    auto id = l.value.find("task_id");
    if (id == l.value.end() || !id->is_number_integer()) bad_record("missing integer 'task_id'", file, l.line);
    for (const char* k : {"text", "code"}) str_field(l, k, file);
    if (!l.value.contains("test_list") || !l.value["test_list"].is_array())
      bad_record("missing list 'test_list'", file, l.line);
    int64_t tid = id->get<int64_t>();
    Doc d;
    d.id = std::to_string(tid);
    d.index = l.line - 1;  // 0-based line index in the file
    d.fields = std::move(l.value);
    if (tid >= 2 && tid <= 4) shots[tid - 2] = d;
    if (tid >= 11 && tid <= 510) t.docs.push_back(std::move(d));
  }
  for (const auto& s : shots)
    if (s.id.empty()) throw Error("few-shot tasks 2, 3, 4 not found", file);
  t.fewshot = shots;
  if (t.docs.empty()) throw Error("no test-split tasks (task_id 11..510)", file);
}

Prompt prompt_mbpp(const TaskData& t, const Doc& d, const std::string& protocol) {
  if (protocol == kRemedi0) return single_turn(task_turn(d) + kCodeSuffix);
  Prompt p;
  for (const auto& ex : t.fewshot) {
    p.messages.push_back({"user", task_turn(ex)});
    p.messages.push_back({"assistant", "[BEGIN]\n '" + ex.fields["code"].get<std::string>() + "' \n[DONE] \n\n "});
  }
  p.messages.push_back({"user", task_turn(d)});
  p.answer_prefix = "[BEGIN]\n";
  p.stop = {"[DONE]"};
  return p;
}

Score score_mbpp(const TaskData&, const Doc& d, const std::string& protocol, const std::string& out,
                 sandbox::Executor* sb) {
  // With llada-oc the answer turn was forced to start with "[BEGIN]\n": put it back if the output
  // does not repeat it, so [BEGIN]...[DONE] extraction sees the whole answer.
  std::string text = out;
  if (protocol == kLladaOc && text.find("[BEGIN]") == std::string::npos) text = "[BEGIN]\n" + text;
  std::string code = extract_code(text);
  std::string tests = d.fields.value("test_setup_code", std::string()) + "\n" + tests_of(d) + "\n";
  return run_code(code, code, tests, sb);
}

std::string ref_mbpp(const TaskData&, const Doc& d, const std::string& protocol) {
  const std::string code = d.fields["code"].get<std::string>();
  if (protocol == kLladaOc) return " '" + code + "' \n[DONE]";  // continues the forced "[BEGIN]\n"
  return "```python\n" + code + "\n```";
}

}  // namespace remedi::tasks::detail
