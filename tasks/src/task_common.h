// Helpers shared by the task definitions (private to the tasks module).
#pragma once
#include <string>
#include <vector>

#include "remedi/tasks/data_io.h"
#include "remedi/tasks/registry.h"

namespace remedi::tasks::detail {

// Protocol names (see registry.cpp for what each means per task).
inline const std::string kLladaOc = "llada-oc";
inline const std::string kRemedi0 = "remedi-0shot";

// Suffixes of RemeDi's RL training prompts (RemeDi, arXiv 2509.23653, RL data section): math
// questions end with " (Put the final answer in \boxed{})", code problems with
// " (DO NOT contains unit test in your code)" (sic: the training data's wording).
inline const std::string kMathSuffix = " (Put the final answer in \\boxed{})";
inline const std::string kCodeSuffix = " (DO NOT contains unit test in your code)";

std::string path_in(const TaskData& t, const std::string& rel);  // data_dir + "/" + rel
// A required string field of a jsonl record; throws remedi::Error naming file:line and the key.
std::string str_field(const JsonLine& l, const std::string& key, const std::string& file);
// Error for a record that does not have the official shape.
[[noreturn]] void bad_record(const std::string& what, const std::string& file, int64_t line);

Prompt single_turn(const std::string& user);
// Multiple-choice body "A. text\nB. text..." with letters A, B, C, ...
std::string lettered(const std::vector<std::string>& options, const std::string& sep = ". ",
                     bool paren = false);
std::string letters_for(size_t n);  // "ABCD" for 4
// Scores one multiple-choice output: filter "letter", exact letter match with doc.gold.
Score score_letter(const Doc& d, const std::string& output, size_t n_options);

// Hooks of each task, defined in task_<name>.cpp.
void load_gsm8k(TaskData&, const LoadOptions&);
Prompt prompt_gsm8k(const TaskData&, const Doc&, const std::string&);
Score score_gsm8k(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_gsm8k(const TaskData&, const Doc&, const std::string&);

void load_math500(TaskData&, const LoadOptions&);
void load_math_full(TaskData&, const LoadOptions&);
Prompt prompt_math(const TaskData&, const Doc&, const std::string&);
Score score_math(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_math(const TaskData&, const Doc&, const std::string&);

void load_humaneval(TaskData&, const LoadOptions&);
Prompt prompt_humaneval(const TaskData&, const Doc&, const std::string&);
Score score_humaneval(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_humaneval(const TaskData&, const Doc&, const std::string&);

void load_mbpp(TaskData&, const LoadOptions&);
Prompt prompt_mbpp(const TaskData&, const Doc&, const std::string&);
Score score_mbpp(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_mbpp(const TaskData&, const Doc&, const std::string&);

void load_arc(TaskData&, const LoadOptions&);
Prompt prompt_arc(const TaskData&, const Doc&, const std::string&);
Score score_arc(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_arc(const TaskData&, const Doc&, const std::string&);

void load_hellaswag(TaskData&, const LoadOptions&);
Prompt prompt_hellaswag(const TaskData&, const Doc&, const std::string&);
Score score_hellaswag(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_hellaswag(const TaskData&, const Doc&, const std::string&);

void load_gpqa_diamond(TaskData&, const LoadOptions&);
void load_gpqa_main(TaskData&, const LoadOptions&);
Prompt prompt_gpqa(const TaskData&, const Doc&, const std::string&);
Score score_gpqa(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string ref_gpqa(const TaskData&, const Doc&, const std::string&);

void load_ifeval(TaskData&, const LoadOptions&);
Prompt prompt_ifeval(const TaskData&, const Doc&, const std::string&);
Score score_ifeval(const TaskData&, const Doc&, const std::string&, const std::string&, sandbox::Executor*);
std::string check_ifeval(const TaskData&, const Doc&);

}  // namespace remedi::tasks::detail
