// combination:*, startend:* and punctuation:no_comma checkers (instructions.py:
// TwoResponsesChecker, RepeatPromptThenAnswer, EndChecker, QuotationChecker, CommaChecker).
#include "ifeval_internal.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::detail {

Check make_two_responses(Kwargs&) {
  return [](const std::string& value) {
    // Exactly two non-blank parts around "******"; a blank part is allowed only at either end,
    // and the two answers must differ after stripping.
    std::vector<std::string> valid;
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (true) {
      std::size_t k = value.find("******", pos);
      parts.push_back(value.substr(pos, k == std::string::npos ? std::string::npos : k - pos));
      if (k == std::string::npos) break;
      pos = k + 6;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (text::py_strip(parts[i]).empty()) {
        if (i != 0 && i != parts.size() - 1) return false;
      } else {
        valid.push_back(parts[i]);
      }
    }
    return valid.size() == 2 && text::py_strip(valid[0]) != text::py_strip(valid[1]);
  };
}

Check make_repeat_prompt(Kwargs& kw) {
  std::string prompt = kw.string("prompt_to_repeat");
  if (prompt.empty()) kw.fail("prompt_to_repeat", "must not be empty");
  std::string want = text::py_lower(text::py_strip(prompt));
  return [want](const std::string& value) {
    return starts_with(text::py_lower(text::py_strip(value)), want);
  };
}

Check make_end_checker(Kwargs& kw) {
  std::string phrase = text::py_lower(text::py_strip(kw.string("end_phrase")));
  return [phrase](const std::string& value) {
    // value.strip().strip('"').lower().endswith(end_phrase)
    std::string v = text::py_strip(value);
    std::size_t a = v.find_first_not_of('"');
    v = a == std::string::npos ? "" : v.substr(a, v.find_last_not_of('"') - a + 1);
    return ends_with(text::py_lower(v), phrase);
  };
}

Check make_quotation(Kwargs&) {
  return [](const std::string& value) {
    std::string v = text::py_strip(value);
    return text::py_len(v) > 1 && v.front() == '"' && v.back() == '"';
  };
}

Check make_no_comma(Kwargs&) {
  return [](const std::string& value) { return value.find(',') == std::string::npos; };
}

}  // namespace remedi::tasks::ifeval::detail
