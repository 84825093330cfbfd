// language:response_language and change_case:* checkers (instructions.py:
// ResponseLanguageChecker, CapitalWordFrequencyChecker, CapitalLettersEnglishChecker,
// LowercaseLettersEnglishChecker). The reference asks langdetect for the language and counts a
// LangDetectException (text without letters) as followed; text::detect_language returns "" in
// that case and we do the same.
#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::detail {
namespace {

bool language_is(const std::string& value, const std::string& code) {
  std::string got = text::detect_language(value);
  return got.empty() || got == code;
}

}  // namespace

Check make_response_language(Kwargs& kw) {
  std::string language = kw.string("language");
  return [language](const std::string& value) { return language_is(value, language); };
}

Check make_capital_word_frequency(Kwargs& kw) {
  long n = kw.integer("capital_frequency");
  std::string relation = kw.relation("capital_relation");
  return [=](const std::string& value) {
    std::size_t capital = 0;
    for (const auto& w : text::word_tokenize(value))
      if (text::py_isupper(w)) ++capital;
    return compare(capital, relation, n);
  };
}

Check make_english_capital(Kwargs&) {
  return [](const std::string& value) {
    // Python evaluates isupper() first; langdetect is consulted only for upper-case text.
    return text::py_isupper(value) && language_is(value, "en");
  };
}

Check make_english_lowercase(Kwargs&) {
  return [](const std::string& value) { return text::py_islower(value) && language_is(value, "en"); };
}

}  // namespace remedi::tasks::ifeval::detail
