// Plain value types that cross the tasks module boundary: a document of a benchmark, the prompt
// built for it, the verdicts of scoring one model output, and the per-sample record that the
// results store keeps (one JSON object per line). Modelled on lm-evaluation-harness / inspect_ai:
// a task is data plus small hooks; every extraction filter is scored and recorded; a sample that
// cannot be parsed is the recorded outcome "[invalid]", never an exception.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::tasks {

// What an extraction filter records when nothing matched (lm-evaluation-harness' convention).
inline constexpr const char* kInvalid = "[invalid]";

// One chat turn. The engine applies the model's chat template; few-shot exemplars are user /
// assistant turns before the final user turn when the protocol says so.
struct Message {
  std::string role;     // "system" | "user" | "assistant"
  std::string content;  // exact text, no template tokens
};

// Everything the generator needs for one document under one protocol.
struct Prompt {
  std::vector<Message> messages;   // ends with the user turn to answer
  std::string answer_prefix;       // text the assistant turn starts with (forced prefix); "" = none
  std::vector<std::string> stop;   // stop strings; generation is cut at the first one; may be empty
  std::string hash() const;        // sha256 hex over roles, contents, prefix and stops (records)
};

// One benchmark item as loaded from the official file.
struct Doc {
  std::string id;        // the record's own id (e.g. "HumanEval/0", "Mercury_7175875", "1000");
                         // for files without one, the 0-based line index as a string
  int64_t index = 0;     // 0-based position in the data file (line index for jsonl)
  nlohmann::json fields; // the raw record, as in the file (GPQA: question and shown options only);
                         // loaders add derived keys prefixed with '_' ("_options", "_ctx")
  std::string gold;      // the reference answer in the scorer's terms: a number (GSM8K), a LaTeX
                         // answer (MATH), a letter (multiple choice); "" for code and IFEval
};

// One extraction filter applied to one output.
struct FilterVerdict {
  std::string filter;             // e.g. "strict", "flexible", "boxed", "letter", "code"
  std::string extracted;          // what the filter pulled out, or kInvalid
  bool correct = false;           // the task's scorer verdict for this extraction
  std::vector<bool> items;        // per-item verdicts where a sample has several (IFEval
                                  // instructions); empty otherwise
};

// A second opinion on a sample (a sandbox run, an equivalence checker, Math-Verify).
struct GraderVerdict {
  std::string grader;   // "native-equiv", "sandbox", ...
  std::string verdict;  // "correct" | "incorrect" | sandbox outcome name ("pass", "timeout", ...)
  std::string detail;   // free text: assertion message, normalised forms compared, ...
};

// The result of scoring one output.
struct Score {
  std::vector<FilterVerdict> filters;  // in the task's filter order; the first is the primary
  std::vector<GraderVerdict> graders;
  const FilterVerdict* find(const std::string& filter) const;  // nullptr if absent
};

// The per-sample record stored under results/ (schema below is versioned by the results module).
struct SampleRecord {
  std::string task;            // registry name, e.g. "gsm8k"
  std::string task_version;    // TaskSpec::version at scoring time
  std::string protocol;        // e.g. "llada-oc"
  std::string doc_id;          // Doc::id
  std::string prompt_hash;     // Prompt::hash()
  std::string output;          // raw model output, untouched
  std::string gold;            // Doc::gold
  int sample_index = 0;        // 0..n-1 when n samples are drawn per doc (pass@k)
  std::vector<FilterVerdict> filters;
  std::vector<GraderVerdict> graders;
};

void to_json(nlohmann::json& j, const Message& m);
void from_json(const nlohmann::json& j, Message& m);
void to_json(nlohmann::json& j, const FilterVerdict& f);
void from_json(const nlohmann::json& j, FilterVerdict& f);
void to_json(nlohmann::json& j, const GraderVerdict& g);
void from_json(const nlohmann::json& j, GraderVerdict& g);
void to_json(nlohmann::json& j, const SampleRecord& r);
void from_json(const nlohmann::json& j, SampleRecord& r);  // throws remedi::Error on missing keys

}  // namespace remedi::tasks
