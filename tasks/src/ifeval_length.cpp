// length_constraints:* checkers (instructions.py: NumberOfSentences, ParagraphChecker,
// NumberOfWords, ParagraphFirstWordCheck).
#include <re2/re2.h>

#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::detail {
namespace {

// re.split(pattern, value) for a pattern that never matches the empty string.
std::vector<std::string> re_split(const re2::RE2& re, const std::string& value) {
  std::vector<std::string> parts;
  std::size_t pos = 0, last = 0;
  re2::StringPiece m;
  re2::StringPiece all(value);
  while (pos <= value.size() && re.Match(all, pos, value.size(), re2::RE2::UNANCHORED, &m, 1)) {
    std::size_t b = static_cast<std::size_t>(m.data() - value.data());
    parts.push_back(value.substr(last, b - last));
    last = pos = b + m.size();
    if (m.empty()) ++pos;
  }
  parts.push_back(value.substr(last));
  return parts;
}

bool blank(const std::string& s) { return text::py_strip(s).empty(); }

}  // namespace

Check make_number_sentences(Kwargs& kw) {
  long n = kw.integer("num_sentences");
  std::string relation = kw.relation("relation");
  return [=](const std::string& value) { return compare(text::count_sentences(value), relation, n); };
}

Check make_number_words(Kwargs& kw) {
  long n = kw.integer("num_words");
  std::string relation = kw.relation("relation");
  return [=](const std::string& value) { return compare(text::count_words(value), relation, n); };
}

Check make_number_paragraphs(Kwargs& kw) {
  long n = kw.integer("num_paragraphs");
  return [n](const std::string& value) {
    // Paragraphs are separated by the markdown divider "***"; an empty first or last part is
    // not a paragraph, an empty middle one fails the instruction.
    static const re2::RE2 divider(py_re("\\s?\\*\\*\\*\\s?"));
    auto parts = re_split(divider, value);
    long count = static_cast<long>(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (!blank(parts[i])) continue;
      if (i == 0 || i == parts.size() - 1) --count;
      else return false;
    }
    return count == n;
  };
}

Check make_nth_paragraph_first_word(Kwargs& kw) {
  long num = kw.integer("num_paragraphs");
  long nth = kw.integer("nth_paragraph");
  // Out-of-range nth makes the reference draw a random one; reject it instead.
  if (nth <= 0 || nth > num) kw.fail("nth_paragraph", "must be in 1..num_paragraphs");
  std::string first_word = text::py_lower(kw.string("first_word"));
  return [=](const std::string& value) {
    // Paragraphs are split on "\n\n"; blank ones are not counted, but the n-th paragraph is
    // taken from the unfiltered list (as the reference does).
    std::vector<std::string> paragraphs;
    std::size_t pos = 0;
    while (true) {
      std::size_t k = value.find("\n\n", pos);
      paragraphs.push_back(value.substr(pos, k == std::string::npos ? std::string::npos : k - pos));
      if (k == std::string::npos) break;
      pos = k + 2;
    }
    long count = static_cast<long>(paragraphs.size());
    for (const auto& p : paragraphs)
      if (blank(p)) --count;
    if (nth > count) return false;
    std::string paragraph = text::py_strip(paragraphs[static_cast<std::size_t>(nth - 1)]);
    if (paragraph.empty()) return false;

    // First whitespace-separated word, leading ' then " removed, cut at the first punctuation.
    std::string word = text::py_split_ws(paragraph).at(0);
    std::size_t a = word.find_first_not_of('\'');
    word = a == std::string::npos ? "" : word.substr(a);
    a = word.find_first_not_of('"');
    word = a == std::string::npos ? "" : word.substr(a);
    std::size_t cut = word.find_first_of(".,?!'\"");
    std::string got = text::py_lower(word.substr(0, cut));
    return count == num && got == first_word;
  };
}

}  // namespace remedi::tasks::ifeval::detail
