// GPQA (Rein et al. 2023): idavidrein/gpqa dataset.zip (password-protected, ZipCrypto), CSVs
// gpqa_main (448) and gpqa_diamond (198). Read from <data>/gpqa/dataset.zip in memory (password
// from LoadOptions or $REMEDI_GPQA_PASSWORD), or from extracted CSVs in <data>/gpqa/ or
// <data>/gpqa/dataset/ (never extract into the repository).
//
// Option order: OpenCompass' GPQADataset rotation — options [correct, inc1, inc2, inc3] are
// arranged by the pattern "ABCD", "BCDA", "CDAB", "DABC" cycling with the row index, so the gold
// letter is deterministic and balanced without a random shuffle.
// Protocols
//   llada-oc: OpenCompass gpqa_gen prompt, "What is the correct answer to this question: {q}\n
//     Choices:\n(A){A}\n(B){B}\n(C){C}\n(D){D}\nFormat your response as follows: "The correct
//     answer is (insert answer here)"" (sic: no space after "(A)"), 5-shot as chat turns (LLaDA reports GPQA 5-shot). The
//     exemplars are the first five gpqa_main rows whose Record ID is not in gpqa_diamond, so no
//     evaluated question appears as its own exemplar; answers read "The correct answer is (X)".
//   remedi-0shot: the same question, zero-shot, plus " (Put the final answer in \boxed{})".
// Filter "letter", exact match.
#include <cstdlib>
#include <set>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"
#include "task_common.h"

namespace remedi::tasks::detail {

namespace {

constexpr size_t kShots = 5;

// CSV text of one subset, from extracted files or the zip.
std::string subset_csv(const TaskData& t, const std::string& subset, const LoadOptions& o, std::string* where) {
  for (const std::string& rel : {"gpqa/" + subset + ".csv", "gpqa/dataset/" + subset + ".csv"}) {
    if (file_exists(path_in(t, rel))) {
      *where = path_in(t, rel);
      return read_file(*where);
    }
  }
  const std::string zip = path_in(t, "gpqa/dataset.zip");
  if (!file_exists(zip))
    throw Error("GPQA data not found (neither dataset.zip nor " + subset + ".csv)", path_in(t, "gpqa"),
                "put the authors' dataset.zip in <data>/gpqa/");
  std::string pw = o.gpqa_password;
  if (pw.empty())
    if (const char* e = std::getenv("REMEDI_GPQA_PASSWORD")) pw = e;
  ZipArchive z(zip);
  *where = zip + ":dataset/" + subset + ".csv";
  return z.read("dataset/" + subset + ".csv", pw);
}

std::vector<Doc> load_subset(const TaskData& t, const std::string& subset, const LoadOptions& o) {
  std::string where;
  std::string text = subset_csv(t, subset, o, &where);
  std::vector<Doc> docs;
  static const char* patterns[4] = {"ABCD", "BCDA", "CDAB", "DABC"};
  for (auto& row : parse_csv(text, where)) {
    for (const char* k : {"Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                          "Incorrect Answer 3", "Record ID"})
      if (!row.cols.count(k)) bad_record(std::string("missing column '") + k + "'", where, row.line);
    std::string opts[4] = {trim(row.cols["Correct Answer"]), trim(row.cols["Incorrect Answer 1"]),
                           trim(row.cols["Incorrect Answer 2"]), trim(row.cols["Incorrect Answer 3"])};
    const char* pat = patterns[docs.size() % 4];
    std::vector<std::string> shown;
    Doc d;
    for (int i = 0; i < 4; ++i) {
      int src = pat[i] - 'A';
      shown.push_back(opts[src]);
      if (src == 0) d.gold = std::string(1, static_cast<char>('A' + i));
    }
    d.index = static_cast<int64_t>(docs.size());
    d.id = row.cols["Record ID"];
    d.fields = nlohmann::json::object();
    d.fields["question"] = trim(row.cols["Question"]);
    d.fields["_options"] = shown;
    d.fields["subdomain"] = row.cols.count("Subdomain") ? row.cols["Subdomain"] : "";
    docs.push_back(std::move(d));
  }
  return docs;
}

void load_with_shots(TaskData& t, const std::string& subset, const LoadOptions& o) {
  t.docs = load_subset(t, subset, o);
  std::vector<Doc> main = subset == "gpqa_main" ? t.docs : load_subset(t, "gpqa_main", o);
  std::set<std::string> evaluated;
  for (const auto& d : t.docs) evaluated.insert(d.id);
  // For gpqa_main itself every main row is evaluated: exemplars then come from gpqa_extended rows
  // outside main (the extended set is a superset of main).
  std::vector<Doc> pool = main;
  if (subset == "gpqa_main") pool = load_subset(t, "gpqa_extended", o);
  for (const auto& d : pool) {
    if (t.fewshot.size() == kShots) break;
    if (!evaluated.count(d.id)) t.fewshot.push_back(d);
  }
  if (t.fewshot.size() < kShots) throw Error("not enough GPQA rows outside the evaluated subset for 5 exemplars", path_in(t, "gpqa"));
}

std::string question_text(const Doc& d) {
  auto opts = d.fields["_options"].get<std::vector<std::string>>();
  return "What is the correct answer to this question: " + d.fields["question"].get<std::string>() +
         "\nChoices:\n" + lettered(opts, "", true) +
         "\nFormat your response as follows: \"The correct answer is (insert answer here)\"";
}

}  // namespace

void load_gpqa_diamond(TaskData& t, const LoadOptions& o) { load_with_shots(t, "gpqa_diamond", o); }
void load_gpqa_main(TaskData& t, const LoadOptions& o) { load_with_shots(t, "gpqa_main", o); }

Prompt prompt_gpqa(const TaskData& t, const Doc& d, const std::string& protocol) {
  if (protocol == kRemedi0) return single_turn(question_text(d) + kMathSuffix);
  Prompt p;
  for (const auto& ex : t.fewshot) {
    p.messages.push_back({"user", question_text(ex)});
    p.messages.push_back({"assistant", "The correct answer is (" + ex.gold + ")"});
  }
  p.messages.push_back({"user", question_text(d)});
  return p;
}

Score score_gpqa(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  return score_letter(d, out, 4);
}

std::string ref_gpqa(const TaskData&, const Doc& d, const std::string&) {
  return "The correct answer is (" + d.gold + ")";
}

}  // namespace remedi::tasks::detail
