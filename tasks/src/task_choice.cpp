// Multiple-choice tasks: ARC-Challenge (Clark et al. 2018) and HellaSwag (Zellers et al. 2019).
//
// ARC-C, ARC-Challenge-Test.jsonl (AI2 ARC-V1-Feb2018), 1172 questions with 3-5 options labelled
// A-E or 1-4; options are shown as letters A.. in file order, and the gold is the letter at the
// answerKey's position. OpenCompass' ARCDataset skips the questions that do not have exactly four
// options; we keep all 1172 (3 and 5 options lettered the same way) so the count matches the paper's
// test set — a deliberate deviation, recorded here.
//   llada-oc: OpenCompass ARC_c_gen_1e0de5: "Question: {q}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:"
//   remedi-0shot: the same question and options, then "Answer with the option's letter." and
//     RemeDi's " (Put the final answer in \boxed{})". (Our choice: the paper gives no MC prompt.)
// HellaSwag, rowanz/hellaswag data/hellaswag_val.jsonl (10042 rows; not shipped here): context
// ctx_a + " " + ctx_b capitalised, cleaned as lm-evaluation-harness hellaswag/utils.py preprocess
// (" [title]" → ". ", bracketed tags dropped, double spaces collapsed).
//   llada-oc: OpenCompass hellaswag_gen_6faab5: "{ctx}\nQuestion: Which ending makes the most
//     sense?\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nYou may choose from 'A', 'B', 'C', 'D'.\nAnswer:"
//   remedi-0shot: as ARC's.
// Filter "letter" (extract_choice_letter), exact match.
#include <re2/re2.h>

#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"
#include "task_common.h"

namespace remedi::tasks::detail {

namespace {

const std::string kLetterAsk = "\nAnswer with the option's letter.";

std::vector<std::string> options_of(const Doc& d) { return d.fields["_options"].get<std::vector<std::string>>(); }

std::string hellaswag_clean(std::string s) {
  s = trim(s);
  s = replace_all(s, " [title]", ". ");
  static const RE2 tag("\\[.*?\\]");
  RE2::GlobalReplace(&s, tag, "");
  s = replace_all(s, "  ", " ");
  return trim(s);  // a leading tag ("[header] ...") would otherwise leave a leading space
}

}  // namespace

void load_arc(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "arc_challenge/ARC-Challenge-Test.jsonl");
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    d.id = str_field(l, "id", file);
    std::string key = str_field(l, "answerKey", file);
    const auto& q = l.value["question"];
    if (!q.is_object() || !q.contains("stem") || !q.contains("choices") || !q["choices"].is_array())
      bad_record("missing question.stem / question.choices", file, l.line);
    std::vector<std::string> opts;
    int gold = -1;
    for (const auto& c : q["choices"]) {
      if (!c.contains("text") || !c.contains("label")) bad_record("choice without text/label", file, l.line);
      if (c["label"].get<std::string>() == key) gold = static_cast<int>(opts.size());
      opts.push_back(c["text"].get<std::string>());
    }
    if (gold < 0) bad_record("answerKey '" + key + "' is not one of the choice labels", file, l.line);
    d.gold = std::string(1, static_cast<char>('A' + gold));
    d.fields = std::move(l.value);
    d.fields["_options"] = opts;
    t.docs.push_back(std::move(d));
  }
}

Prompt prompt_arc(const TaskData&, const Doc& d, const std::string& protocol) {
  std::string body = "Question: " + d.fields["question"]["stem"].get<std::string>() + "\n" + lettered(options_of(d));
  if (protocol == kRemedi0) return single_turn(body + kLetterAsk + kMathSuffix);
  return single_turn(body + "\nAnswer:");
}

Score score_arc(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  return score_letter(d, out, options_of(d).size());
}

std::string ref_arc(const TaskData&, const Doc& d, const std::string&) {
  int i = d.gold[0] - 'A';
  return d.gold + ". " + options_of(d)[static_cast<size_t>(i)];
}

void load_hellaswag(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "hellaswag/hellaswag_val.jsonl");
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    auto ind = l.value.find("ind");
    d.id = ind != l.value.end() && ind->is_number_integer() ? std::to_string(ind->get<int64_t>()) : std::to_string(d.index);
    std::string a = str_field(l, "ctx_a", file);
    std::string b = str_field(l, "ctx_b", file);
    str_field(l, "activity_label", file);
    if (!l.value.contains("endings") || !l.value["endings"].is_array() || l.value["endings"].size() != 4)
      bad_record("'endings' must be a list of 4 strings", file, l.line);
    if (!l.value.contains("label") || !l.value["label"].is_number_integer())
      bad_record("missing integer 'label'", file, l.line);
    int label = l.value["label"].get<int>();
    if (label < 0 || label > 3) bad_record("'label' must be 0..3", file, l.line);
    if (!b.empty()) b[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(b[0])));
    std::vector<std::string> opts;
    for (const auto& e : l.value["endings"]) opts.push_back(hellaswag_clean(e.get<std::string>()));
    d.gold = std::string(1, static_cast<char>('A' + label));
    d.fields = std::move(l.value);
    d.fields["_ctx"] = hellaswag_clean(a + " " + b);
    d.fields["_options"] = opts;
    t.docs.push_back(std::move(d));
  }
}

Prompt prompt_hellaswag(const TaskData&, const Doc& d, const std::string& protocol) {
  std::string ctx = d.fields["_ctx"].get<std::string>();
  if (protocol == kRemedi0)
    return single_turn(ctx + "\nQuestion: Which ending makes the most sense?\n" + lettered(options_of(d)) + kLetterAsk + kMathSuffix);
  return single_turn(ctx + "\nQuestion: Which ending makes the most sense?\n" + lettered(options_of(d)) +
                     "\nYou may choose from 'A', 'B', 'C', 'D'.\nAnswer:");
}

Score score_hellaswag(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  return score_letter(d, out, 4);
}

std::string ref_hellaswag(const TaskData&, const Doc& d, const std::string&) {
  return d.gold + ". " + options_of(d)[static_cast<size_t>(d.gold[0] - 'A')];
}

}  // namespace remedi::tasks::detail
