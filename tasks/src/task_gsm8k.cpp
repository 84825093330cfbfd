// GSM8K (Cobbe et al. 2021): openai/grade-school-math test.jsonl (1319) and train.jsonl (exemplars).
//
// Protocols
//   llada-oc: OpenCompass' gsm8k_gen_1d7fe4 format used by LLaDA (4-shot chat turns, user
//     "Question: {q}\nLet's think step by step\nAnswer:"). OpenCompass writes its own four
//     rationales; we take the exemplars from the official train split instead (issue 4): the first
//     four records of train.jsonl, their solutions with the "<<48/2=24>>" calculator annotations
//     removed, ending in "#### N" as in the dataset.
//   remedi-0shot: the question plus RemeDi's math suffix " (Put the final answer in \boxed{})".
// Filters: strict ("#### N"), flexible (last number), boxed (last \boxed{}); numeric equality.
#include <re2/re2.h>

#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"
#include "task_common.h"

namespace remedi::tasks::detail {

namespace {

constexpr size_t kShots = 4;

std::string gold_of(const std::string& answer, const std::string& file, int64_t line) {
  size_t p = answer.rfind("#### ");
  if (p == std::string::npos) bad_record("answer has no '#### N' final line", file, line);
  std::string g = canonical_number(answer.substr(p + 5));
  if (g.empty()) bad_record("answer after '####' is not a number", file, line);
  return g;
}

std::vector<Doc> load_file(const std::string& file, size_t limit) {
  std::vector<Doc> docs;
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(docs.size());
    d.id = std::to_string(d.index);  // GSM8K has no ids: the 0-based line index
    str_field(l, "question", file);
    d.gold = gold_of(str_field(l, "answer", file), file, l.line);
    d.fields = std::move(l.value);
    docs.push_back(std::move(d));
    if (docs.size() == limit) break;
  }
  return docs;
}

std::string question_turn(const Doc& d) {
  return "Question: " + d.fields["question"].get<std::string>() + "\nLet's think step by step\nAnswer:";
}

std::string strip_calculator(const std::string& s) {
  std::string out = s;
  static const RE2 calc("<<[^>]*>>");
  RE2::GlobalReplace(&out, calc, "");
  return out;
}

}  // namespace

void load_gsm8k(TaskData& t, const LoadOptions&) {
  t.docs = load_file(path_in(t, "gsm8k/test.jsonl"), 0);
  t.fewshot = load_file(path_in(t, "gsm8k/train.jsonl"), kShots);
  if (t.fewshot.size() < kShots)
    throw Error("train.jsonl has fewer than 4 records", path_in(t, "gsm8k/train.jsonl"));
}

Prompt prompt_gsm8k(const TaskData& t, const Doc& d, const std::string& protocol) {
  if (protocol == kRemedi0) return single_turn(d.fields["question"].get<std::string>() + kMathSuffix);
  Prompt p;
  for (const auto& ex : t.fewshot) {
    p.messages.push_back({"user", question_turn(ex)});
    p.messages.push_back({"assistant", strip_calculator(ex.fields["answer"].get<std::string>())});
  }
  p.messages.push_back({"user", question_turn(d)});
  p.stop = {"Question:"};  // a few-shot continuation starts the next exemplar
  return p;
}

Score score_gsm8k(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  Score s;
  auto add = [&](const char* name, std::string x) {
    FilterVerdict f;
    f.filter = name;
    // \boxed{18} may hold "18", "\$18" or "18 \text{ dollars}": keep the number only
    if (std::string(name) == "boxed" && x != kInvalid) {
      std::string n = extract_gsm8k_flexible(x);
      x = n;
    }
    f.extracted = x;
    f.correct = x != kInvalid && numbers_equal(x, d.gold);
    s.filters.push_back(f);
  };
  add("strict", extract_gsm8k_strict(out));
  add("flexible", extract_gsm8k_flexible(out));
  add("boxed", extract_last_boxed(out));
  return s;
}

std::string ref_gsm8k(const TaskData&, const Doc& d, const std::string&) {
  return d.fields["answer"].get<std::string>();
}

}  // namespace remedi::tasks::detail
