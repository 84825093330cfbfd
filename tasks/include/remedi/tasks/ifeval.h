// IFEval (Zhou et al. 2023, arXiv 2311.07911): verifiable instruction following.
//
// The 25 instruction checkers of Google's reference implementation
// (google-research/instruction_following_eval: instructions.py, instructions_util.py,
// evaluation_lib.py), rewritten in C++. Each checker reproduces the reference's check_following()
// line by line (same regexes, same strip/split/lower steps, same relations); the places where
// the reference calls a library are ports or approximations, listed here and at the code:
//   * count_sentences: a port of NLTK's Punkt sentence tokenizer (NLTK 3.10) with NLTK's
//     pretrained English parameters as generated data (ifeval_punkt_model.cpp); it agrees with
//     NLTK on every text we tried (3,541 texts, the 541 prompts among them).
//   * capital_word_frequency: nltk.word_tokenize -> a Treebank-style split (ifeval_tokenize.cpp).
//   * language:response_language, english_capital/lowercase: langdetect -> script detection plus
//     stop-word profiles (ifeval_language.cpp). Where langdetect would raise (no letters at all)
//     the reference counts the instruction as followed; so does detect_language() returning "".
//   * Python's Unicode str predicates (\w, isupper, islower, lower, strip) come from tables
//     generated from Python 3.11's unicodedata (ifeval_unicode.cpp), so they are exact, not guesses.
//   * Regexes run on RE2 with Python's Unicode \s, \d (translated classes) and \b (checked by
//     hand for forbidden_words), since RE2's are ASCII-only.
//   * detectable_format:json_format: nlohmann::json instead of Python's json.loads, with the bare
//     NaN/Infinity/-Infinity that Python accepts; lone UTF-16 surrogate escapes ("\ud800"),
//     which Python accepts, are still rejected.
// Reference versions differ in two places; we follow google-research's current code:
//   * keywords:letter_frequency counts any single character ('#', '!'); lm-evaluation-harness's
//     copy replaces a letter outside a-z by a random one (2 prompts of the data use '#'/'!').
//   * count_words uses Python's re \w (no combining marks, as NLTK's RegexpTokenizer did until
//     it moved to the `regex` module, whose \w includes them; only non-Latin scripts differ).
// Measured against the reference checkers (lm-evaluation-harness 0.4.13 copy with NLTK 3.10 and
// the English Punkt model; 45,036 strict and loose verdicts on synthesised responses for the
// 541 prompts): identical for the 22 ids that need no language model (letter_frequency apart
// from the two random-letter prompts); language:response_language 99.4%; english_capital 90%
// and english_lowercase 89% (langdetect misnames short or all-capitals English text, e.g. as
// "de" or "so"; we say "en"; langdetect is also unseeded in the reference, so its own verdicts
// on such texts vary between runs). On the 541 prompts themselves, as written and lower-cased,
// detect_language and langdetect both say "en" for every one.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::tasks::ifeval {

// One instruction of a prompt: id as in the dataset's instruction_id_list ("keywords:existence")
// and its kwargs object (keys with null values are ignored, as lm-evaluation-harness does for
// the Hugging Face copy of the data, whose kwargs list every key).
struct Instruction {
  std::string id;
  nlohmann::json kwargs;
};

// Per-instruction verdicts (same order as the instructions) and the prompt-level verdicts
// (all instructions followed). strict: the response as given; loose: any of the reference's 8
// variants (as is, first/last/both lines removed, each with and without '*') follows it.
struct Verdict {
  std::vector<bool> strict, loose;
  bool prompt_strict = false, prompt_loose = false;
};

// Scores one response. prompt is accepted for parity with the reference's call; none of the 25
// checkers reads it (combination:repeat_prompt takes its text from kwargs.prompt_to_repeat).
// Throws remedi::Error for an unknown instruction id or missing/invalid kwargs (bad dataset);
// an empty or malformed response is an ordinary "not followed".
Verdict evaluate(const std::string& prompt, const std::vector<Instruction>& instr,
                 const std::string& response);

// The 25 supported instruction ids, in the reference registry's order.
std::vector<std::string> supported_instructions();

// Parses and validates one instruction's kwargs without scoring anything (the data check uses
// it). Throws remedi::Error naming the id and the offending key.
void validate(const Instruction& instr);

// ---- Text utilities with the reference's semantics, public so they can be tested directly ----
namespace text {

// Python's len(nltk.tokenize.RegexpTokenizer(r"\w+").tokenize(s)) with Unicode \w.
std::size_t count_words(std::string_view s);
// instructions_util.count_sentences: NLTK Punkt with its English model (ported, see above).
std::size_t count_sentences(std::string_view s);
// nltk.word_tokenize, approximated (Treebank-style punctuation and contraction splitting).
std::vector<std::string> word_tokenize(std::string_view s);
// Python str methods on UTF-8 text.
bool py_isupper(std::string_view s);
bool py_islower(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_strip(std::string_view s);                   // Unicode whitespace both ends
std::vector<std::string> py_split_ws(std::string_view s);    // str.split() with no argument
std::size_t py_len(std::string_view s);                      // code points

// ISO 639-1 code of the response's language as langdetect would name it ("en", "hi", "zh-cn"),
// or "" when the text has no letters (where langdetect raises).
std::string detect_language(std::string_view s);

}  // namespace text
}  // namespace remedi::tasks::ifeval
