// MATH (Hendrycks et al. 2021): MATH-500 (math500/test.jsonl, the "Let's Verify Step by Step"
// subset) and the full 5000-problem test set in its original layout, one JSON file per problem
// under MATH/test/<subject>/<n>.json.
//
// Protocols
//   llada-oc: OpenCompass' math 0-shot chat prompt as LLaDA used it:
//     "{problem}\nPlease reason step by step, and put your final answer within \boxed{}."
//   remedi-0shot: "{problem} (Put the final answer in \boxed{})" (RemeDi's RL math suffix).
// Filter "boxed": the last \boxed{}/\fbox{} (brace-matched), else Minerva's "final answer is";
// scorer: native MATH equivalence (math_equiv.h), recorded as grader "native-equiv".
#include <algorithm>
#include <filesystem>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/tasks/extract.h"
#include "remedi/tasks/math_equiv.h"
#include "task_common.h"

namespace remedi::tasks::detail {

void load_math500(TaskData& t, const LoadOptions&) {
  const std::string file = path_in(t, "math500/test.jsonl");
  for (auto& l : read_jsonl(file)) {
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    str_field(l, "problem", file);
    str_field(l, "solution", file);
    d.gold = str_field(l, "answer", file);
    d.id = str_field(l, "unique_id", file);
    d.fields = std::move(l.value);
    t.docs.push_back(std::move(d));
  }
}

void load_math_full(TaskData& t, const LoadOptions&) {
  namespace fs = std::filesystem;
  std::string root = path_in(t, "MATH/test");
  if (!fs::is_directory(root)) root = path_in(t, "math/test");
  if (!fs::is_directory(root))
    throw Error("MATH test folder not found", path_in(t, "MATH/test"),
                "unpack the original MATH release so that MATH/test/<subject>/<n>.json exist");
  // Deterministic order: subject folders by name, problems by their number.
  std::vector<std::pair<std::string, int64_t>> files;
  for (const auto& sub : fs::directory_iterator(root)) {
    if (!sub.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(sub.path())) {
      if (f.path().extension() != ".json") continue;
      std::string stem = f.path().stem().string();
      int64_t n = std::all_of(stem.begin(), stem.end(), ::isdigit) && !stem.empty() ? std::stoll(stem) : -1;
      files.push_back({f.path().string(), n});
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    std::string da = fs::path(a.first).parent_path().string(), db = fs::path(b.first).parent_path().string();
    return da != db ? da < db : a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  if (files.empty()) throw Error("no problem files under the MATH test folder", root);
  for (const auto& [path, n] : files) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(std::string("malformed JSON: ") + e.what(), path + ":1");
    }
    if (!j.is_object() || !j.contains("problem") || !j.contains("solution") || !j["solution"].is_string())
      throw Error("a MATH problem file needs 'problem' and 'solution'", path + ":1");
    Doc d;
    d.index = static_cast<int64_t>(t.docs.size());
    fs::path p(path);
    d.id = "test/" + p.parent_path().filename().string() + "/" + p.filename().string();  // MATH-500's unique_id form
    d.gold = extract_last_boxed(j["solution"].get<std::string>());
    if (d.gold == kInvalid) throw Error("solution has no \\boxed{} answer", path + ":1");
    d.fields = std::move(j);
    t.docs.push_back(std::move(d));
  }
}

Prompt prompt_math(const TaskData&, const Doc& d, const std::string& protocol) {
  const std::string problem = d.fields["problem"].get<std::string>();
  if (protocol == kRemedi0) return single_turn(problem + kMathSuffix);
  return single_turn(problem + "\nPlease reason step by step, and put your final answer within \\boxed{}.");
}

Score score_math(const TaskData&, const Doc& d, const std::string&, const std::string& out, sandbox::Executor*) {
  Score s;
  FilterVerdict f;
  f.filter = "boxed";
  f.extracted = extract_math_answer(out);
  MathEquivResult r = f.extracted == kInvalid ? MathEquivResult{false, "no"} : math_equiv(f.extracted, d.gold);
  f.correct = r.equal;
  s.filters.push_back(f);
  s.graders.push_back({"native-equiv", r.equal ? "correct" : "incorrect",
                       "how=" + r.how + " answer=" + normalize_math_answer(f.extracted) +
                           " gold=" + normalize_math_answer(d.gold)});
  return s;
}

std::string ref_math(const TaskData&, const Doc& d, const std::string&) {
  return d.fields["solution"].get<std::string>();
}

}  // namespace remedi::tasks::detail
