// Multiple-choice letter extraction (ARC-C, HellaSwag, GPQA). Models answer in many shapes:
// "The answer is (B)", "Answer: B", "**B**", "B. Paris", "\boxed{B}". Order of trust:
//   1. explicit answer statements ("answer is/:" + letter, \boxed{letter}): the LAST one wins
//      (models often restate or correct themselves at the end);
//   2. a line that starts with the letter ("B.", "B)", "(B)", "**B**", "B" alone): the FIRST one
//      (a bare lettered reply; later lines are usually explanation listing other options);
//   3. "**B**" or "(B)" anywhere: the last one;
//   4. otherwise kInvalid.
#include <optional>
#include <string>

#include <re2/re2.h>

#include "remedi/common/strutil.h"
#include "remedi/tasks/extract.h"

namespace remedi::tasks {

namespace {

struct Hit {
  size_t pos = 0;
  std::string letter;
};

// All matches of `re` (group 1 = the letter), in order.
std::vector<Hit> matches(const std::string& text, const RE2& re) {
  std::vector<Hit> hits;
  re2::StringPiece input(text), groups[2];
  size_t start = 0;
  while (start <= text.size() &&
         re.Match(input, start, text.size(), RE2::UNANCHORED, groups, 2)) {
    hits.push_back({static_cast<size_t>(groups[1].data() - text.data()), std::string(groups[1])});
    size_t next = static_cast<size_t>(groups[0].data() - text.data()) + std::max<size_t>(groups[0].size(), 1);
    if (next <= start) next = start + 1;
    start = next;
  }
  return hits;
}

std::string letter_class(const std::string& letters) {
  std::string cls = "[";
  for (char c : letters)
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) cls += c;
  return cls + "]";
}

}  // namespace

std::string extract_choice_letter(const std::string& out, const std::string& letters) {
  const std::string L = letter_class(letters);
  std::string t = trim(out);
  if (t.size() == 1 && letters.find(t[0]) != std::string::npos) return t;

  // 1. explicit statements
  const RE2 answer_is("(?i:answer)[^A-Za-z0-9\\n]{0,4}(?:(?i:is|would be|should be|will be)[^A-Za-z0-9\\n]{0,4})?"
                      "(?:(?i:option|choice)\\s*)?[\\(\\[\\*\\s]*(" + L + ")(?:[^A-Za-z0-9]|$)");
  const RE2 boxed("\\\\boxed\\{\\s*(?:\\\\text(?:bf)?\\{)?\\s*\\(?(" + L + ")\\)?\\s*\\}");
  std::optional<Hit> best;
  for (const RE2* re : {&answer_is, &boxed})
    for (const auto& h : matches(out, *re))
      if (!best || h.pos > best->pos) best = h;
  if (best) return best->letter;

  // 2. a line starting with the letter
  const RE2 line_start("(?m)^[ \\t]*[\\(\\[\\*]*(" + L + ")(?:[\\.\\):\\]\\*]|[ \\t]*$)");
  auto ls = matches(out, line_start);
  if (!ls.empty()) return ls.front().letter;

  // 3. emphasised or parenthesised letters anywhere
  const RE2 marked("(?:\\*\\*|\\()(" + L + ")(?:\\*\\*|\\))");
  auto mk = matches(out, marked);
  if (!mk.empty()) return mk.back().letter;
  return kInvalid;
}

}  // namespace remedi::tasks
