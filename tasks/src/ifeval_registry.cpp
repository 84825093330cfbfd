// The IFEval instruction registry (instructions_registry.py's INSTRUCTION_DICT restricted to the
// 25 ids of the released data) and the strict/loose scoring of evaluation_lib.py.
#include <algorithm>
#include <array>

#include "ifeval_internal.h"
#include "remedi/common/error.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval {
namespace {
using namespace detail;

struct Entry {
  const char* id;
  Factory make;
};

// In the reference registry's order.
constexpr std::array<Entry, 25> kRegistry = {{
    {"keywords:existence", make_keyword_existence},
    {"keywords:frequency", make_keyword_frequency},
    {"keywords:forbidden_words", make_forbidden_words},
    {"keywords:letter_frequency", make_letter_frequency},
    {"language:response_language", make_response_language},
    {"length_constraints:number_sentences", make_number_sentences},
    {"length_constraints:number_paragraphs", make_number_paragraphs},
    {"length_constraints:number_words", make_number_words},
    {"length_constraints:nth_paragraph_first_word", make_nth_paragraph_first_word},
    {"detectable_content:number_placeholders", make_number_placeholders},
    {"detectable_content:postscript", make_postscript},
    {"detectable_format:number_bullet_lists", make_number_bullet_lists},
    {"detectable_format:constrained_response", make_constrained_response},
    {"detectable_format:number_highlighted_sections", make_number_highlighted_sections},
    {"detectable_format:multiple_sections", make_multiple_sections},
    {"detectable_format:json_format", make_json_format},
    {"detectable_format:title", make_title},
    {"combination:two_responses", make_two_responses},
    {"combination:repeat_prompt", make_repeat_prompt},
    {"startend:end_checker", make_end_checker},
    {"change_case:capital_word_frequency", make_capital_word_frequency},
    {"change_case:english_capital", make_english_capital},
    {"change_case:english_lowercase", make_english_lowercase},
    {"punctuation:no_comma", make_no_comma},
    {"startend:quotation", make_quotation},
}};

Check build(const Instruction& in) {
  for (const auto& e : kRegistry) {
    if (in.id != e.id) continue;
    Kwargs kw(in.id, in.kwargs);
    Check c = e.make(kw);
    kw.finish();
    return c;
  }
  throw Error("unknown IFEval instruction id '" + in.id + "'", in.id,
              "supported ids: remedi::tasks::ifeval::supported_instructions()");
}

// Python's "\n".join(lines[a:b]) for a list from str.split("\n").
std::string join_lines(const std::vector<std::string>& lines, std::size_t a, std::size_t b) {
  std::string out;
  for (std::size_t i = a; i < b && i < lines.size(); ++i) {
    if (i > a) out += '\n';
    out += lines[i];
  }
  return out;
}

std::string without_stars(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '*'), s.end());
  return s;
}

// test_instruction_following_loose's 8 variants, in the reference's order.
std::array<std::string, 8> loose_variants(const std::string& response) {
  std::vector<std::string> r;
  std::size_t pos = 0;
  while (true) {
    std::size_t k = response.find('\n', pos);
    r.push_back(response.substr(pos, k == std::string::npos ? std::string::npos : k - pos));
    if (k == std::string::npos) break;
    pos = k + 1;
  }
  std::size_t n = r.size();
  std::string remove_first = text::py_strip(join_lines(r, 1, n));
  std::string remove_last = text::py_strip(join_lines(r, 0, n - 1));
  std::string remove_both = text::py_strip(n >= 2 ? join_lines(r, 1, n - 1) : "");
  return {response,           without_stars(response),     remove_first,
          remove_last,        remove_both,                 without_stars(remove_first),
          without_stars(remove_last), without_stars(remove_both)};
}

}  // namespace

std::vector<std::string> supported_instructions() {
  std::vector<std::string> out;
  for (const auto& e : kRegistry) out.emplace_back(e.id);
  return out;
}

void validate(const Instruction& instr) { (void)build(instr); }

Verdict evaluate(const std::string& prompt, const std::vector<Instruction>& instr,
                 const std::string& response) {
  (void)prompt;  // see the header: no checker of the 25 reads the prompt
  std::vector<Check> checks;
  checks.reserve(instr.size());
  for (const auto& in : instr) checks.push_back(build(in));

  auto variants = loose_variants(response);
  std::array<bool, 8> nonblank;
  for (std::size_t v = 0; v < variants.size(); ++v) nonblank[v] = !text::py_strip(variants[v]).empty();

  Verdict out;
  for (const auto& check : checks) {
    // A blank response follows nothing, whatever the checker would say.
    bool strict = nonblank[0] && check(response);
    bool loose = strict;
    for (std::size_t v = 1; v < variants.size() && !loose; ++v) loose = nonblank[v] && check(variants[v]);
    out.strict.push_back(strict);
    out.loose.push_back(loose);
  }
  out.prompt_strict = std::all_of(out.strict.begin(), out.strict.end(), [](bool b) { return b; });
  out.prompt_loose = std::all_of(out.loose.begin(), out.loose.end(), [](bool b) { return b; });
  return out;
}

}  // namespace remedi::tasks::ifeval
