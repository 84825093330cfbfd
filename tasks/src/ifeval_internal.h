// Private to the IFEval checkers: UTF-8 code point access, Python character predicates, the
// checker type and the typed kwargs reader shared by the instruction families.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace re2 {
class RE2;
}

namespace remedi::tasks::ifeval::detail {

// ---- Unicode (ifeval_unicode.cpp; tables generated from Python 3.11's unicodedata) ----
// Decodes UTF-8; an invalid byte becomes U+FFFD and consumes one byte (never throws: responses
// are model output and may be cut mid-character).
std::vector<char32_t> decode(std::string_view s);
// Same, also filling offsets with each code point's byte offset and, last, s.size().
std::vector<char32_t> decode(std::string_view s, std::vector<std::size_t>& offsets);
std::string encode(const std::vector<char32_t>& cps);
void append_utf8(std::string& out, char32_t cp);
bool is_word(char32_t c);    // Python re's \w on str: c.isalnum() or c == '_'
bool is_upper(char32_t c);   // str.isupper() of the single character
bool is_lower(char32_t c);
bool is_title(char32_t c);   // titlecase letters (Lt), e.g. U+01C5
bool is_space(char32_t c);   // str.isspace()
char32_t to_lower(char32_t c);  // simple lowercase mapping (U+0130 keeps Python's 1:1 part 'i')

// ---- NLTK's English Punkt model (ifeval_punkt_model.cpp, generated data) ----
namespace punkt {
bool is_abbrev(const std::string& type);                          // abbrev_types
bool is_collocation(const std::string& a, const std::string& b);  // collocations
bool is_sent_starter(const std::string& type);                    // sent_starters
int ortho_context(const std::string& type);                       // ortho_context flags, 0 if unseen
}  // namespace punkt

// ---- checkers ----
// A built checker: the reference's check_following(value) with its kwargs bound.
using Check = std::function<bool(const std::string& value)>;

// Reads one instruction's kwargs the way build_description(**kwargs) receives them: null values
// are absent; every non-null key must be consumed by the checker (the reference raises TypeError
// on an unexpected keyword), checked by finish().
class Kwargs {
 public:
  Kwargs(std::string id, const nlohmann::json& kwargs);
  long integer(const std::string& key);                        // required integer
  std::string string(const std::string& key);                  // required string
  std::vector<std::string> strings(const std::string& key);    // required non-empty list
  std::string relation(const std::string& key);                // "less than" | "at least"
  bool has(const std::string& key) const;
  void finish() const;                                          // throws on unused keys
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

 private:
  const nlohmann::json& get(const std::string& key);
  std::string id_;
  nlohmann::json kw_;
  std::set<std::string> used_;
};

// Python re syntax -> RE2: \s and \d outside character classes become Python's Unicode
// classes (str.isspace() characters, \p{Nd}); RE2's own are ASCII-only.
std::string py_re(std::string_view pattern);
// Python's \b at code point boundary i of cps (start and end count as non-word).
bool py_word_boundary(const std::vector<char32_t>& cps, std::size_t i);

// Compiles (through py_re) a pattern that comes from the dataset (keywords are regexes in the reference);
// throws remedi::Error naming the instruction when RE2 rejects it.
std::shared_ptr<re2::RE2> compile(const std::string& pattern, bool ignore_case,
                                  const std::string& instruction_id);
// Number of non-overlapping matches, as len(re.findall(...)).
std::size_t count_matches(const re2::RE2& re, std::string_view text);

// "less than": actual < threshold; "at least": actual >= threshold.
bool compare(std::size_t actual, const std::string& relation, long threshold);

// Factories, one per instruction id; each reads its kwargs and returns the bound check.
using Factory = Check (*)(Kwargs&);
// ifeval_keywords.cpp
Check make_keyword_existence(Kwargs&);
Check make_keyword_frequency(Kwargs&);
Check make_forbidden_words(Kwargs&);
Check make_letter_frequency(Kwargs&);
// ifeval_length.cpp
Check make_number_sentences(Kwargs&);
Check make_number_paragraphs(Kwargs&);
Check make_number_words(Kwargs&);
Check make_nth_paragraph_first_word(Kwargs&);
// ifeval_format.cpp
Check make_number_placeholders(Kwargs&);
Check make_postscript(Kwargs&);
Check make_number_bullet_lists(Kwargs&);
Check make_constrained_response(Kwargs&);
Check make_number_highlighted_sections(Kwargs&);
Check make_multiple_sections(Kwargs&);
Check make_json_format(Kwargs&);
Check make_title(Kwargs&);
// ifeval_startend.cpp
Check make_two_responses(Kwargs&);
Check make_repeat_prompt(Kwargs&);
Check make_end_checker(Kwargs&);
Check make_quotation(Kwargs&);
Check make_no_comma(Kwargs&);
// ifeval_case.cpp
Check make_response_language(Kwargs&);
Check make_capital_word_frequency(Kwargs&);
Check make_english_capital(Kwargs&);
Check make_english_lowercase(Kwargs&);

}  // namespace remedi::tasks::ifeval::detail
