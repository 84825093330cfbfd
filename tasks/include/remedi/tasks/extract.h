// Answer extraction filters. Each returns the extracted text, or kInvalid when nothing matched
// (never throws on model output). The names are the filter names recorded per sample.
#pragma once
#include <string>

#include "remedi/tasks/types.h"  // kInvalid

namespace remedi::tasks {

// GSM8K `strict`: the number after the last "#### " (lm-evaluation-harness gsm8k "strict-match",
// regex "#### (\-?[0-9\.\,]+)"), commas and a leading $ removed.
std::string extract_gsm8k_strict(const std::string& out);
// GSM8K `flexible`: the last number in the text (lm-eval "flexible-extract",
// "(-?[$0-9.,]{2,})|(-?[0-9]+)"), with commas and $ removed and a trailing '.' dropped.
std::string extract_gsm8k_flexible(const std::string& out);
// Last \boxed{...} / \fbox{...} content with brace matching ("\boxed 5" too); kInvalid when the last
// \boxed is truncated (unbalanced braces) or absent.
std::string extract_last_boxed(const std::string& out);
// MATH: last \boxed, else the text after the last "final answer is" (Minerva's "Final Answer: The
// final answer is $X$. I hope it is correct." format), trimmed of $ and a trailing '.'.
std::string extract_math_answer(const std::string& out);
// Multiple choice: one of `letters` (e.g. "ABCD") from "The answer is (B)", "Answer: B", "**B**",
// "B.", "(B)", "\boxed{B}", or a lone letter; the last explicit answer statement wins, else the first
// line-initial letter, else kInvalid.
std::string extract_choice_letter(const std::string& out, const std::string& letters);
// Code: [BEGIN]...[DONE] content when either marker is present (quotes around it stripped, as
// OpenCompass' MBPP evaluator does), else the first ```python block (else the first fenced block of
// any tag; an unclosed fence runs to the end), else the raw text untouched (HumanEval completions
// keep their indentation).
std::string extract_code(const std::string& out);

// Number canonical form used by GSM8K equality: strips commas, $, spaces and trailing '.';
// "18.00" → "18", "-0" → "0", "1e3" stays parseable. Returns "" when not a number.
std::string canonical_number(const std::string& s);
// Numeric equality of two number strings (after canonical_number); false if either isn't a number.
bool numbers_equal(const std::string& a, const std::string& b);

}  // namespace remedi::tasks
