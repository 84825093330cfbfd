// The regex engine of the tokenizer: PCRE2 compiled with PCRE2_UTF | PCRE2_UCP, so \d and \p{..}
// follow Unicode like the Oniguruma engine HF tokenizers uses, and lookahead such as `\s+(?!\S)`
// (GPT-2 / Llama-3 pre-tokenizer patterns) works. \s and \w are rewritten to Oniguruma's
// definitions (see onig_compatible).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {

namespace {
struct MatchData {  // one per thread, shared by every pattern (we only read the whole match)
  pcre2_match_data* p = pcre2_match_data_create(1, nullptr);
  ~MatchData() { pcre2_match_data_free(p); }
};
size_t char_len(std::string_view s, size_t i) {
  size_t len = 1;
  utf8_decode(s, i, &len);
  return len;
}

// Oniguruma (HF's regex engine) and PCRE2 disagree on two shorthand classes in Unicode mode:
// PCRE2's \s also matches U+180E (no longer White_Space since Unicode 6.3) and its \w omits marks.
// So \s \S \w \W are spelled out as Oniguruma defines them (White_Space; Letter | Mark |
// Decimal_Number | Connector_Punctuation). Inside a character class only \s and \w can be
// expanded (PCRE2 has no class subtraction); a bracketed \S or \W keeps PCRE2's meaning.
constexpr const char* kOnigSpace = "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
constexpr const char* kOnigWord = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

std::string onig_compatible(const std::string& pat) {
  std::string out;
  bool in_class = false;
  size_t class_start = 0;  // index in `pat` just after '[' or '[^'
  for (size_t i = 0; i < pat.size(); ++i) {
    const char c = pat[i];
    if (c == '\\' && i + 1 < pat.size()) {
      const char e = pat[++i];
      const char* set = (e == 's' || e == 'S') ? kOnigSpace : (e == 'w' || e == 'W') ? kOnigWord : nullptr;
      if (set && !in_class)
        out += std::string(e == 's' || e == 'w' ? "[" : "[^") + set + "]";
      else if (set && (e == 's' || e == 'w'))
        out += set;
      else
        out += {'\\', e};
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      class_start = i + 1 + (i + 1 < pat.size() && pat[i + 1] == '^');
    } else if (in_class && c == ']' && i != class_start) {
      in_class = false;  // a ']' right after '[' or '[^' is a literal
    }
    out += c;
  }
  return out;
}

}  // namespace

Regex::Regex(const std::string& pattern_in, const std::string& where) : where_(where) {
  int err = 0;
  PCRE2_SIZE off = 0;
  const std::string pattern = onig_compatible(pattern_in);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &err, &off, nullptr);
  if (!code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw Error("cannot compile regex /" + pattern_in + "/: " + reinterpret_cast<char*>(msg) +
                    " (at offset " + std::to_string(off) + ")",
                where, "the pattern must be valid PCRE2/Oniguruma syntax");
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; the interpreter is the fallback
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

void Regex::find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const {
  thread_local MatchData md;
  auto* code = static_cast<pcre2_code*>(code_);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  size_t pos = 0, last_end = std::string_view::npos;
  while (pos <= s.size()) {
    // The caller guarantees valid UTF-8, so skip PCRE2's O(n) check that would otherwise run on
    // every call and make the loop quadratic.
    int rc = pcre2_match(code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, md.p, nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // long whitespace runs under lookahead: interpret instead
      rc = pcre2_match(code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md.p, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      throw Error(std::string("regex match failed: ") + reinterpret_cast<char*>(msg), where_);
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.p);
    const size_t start = ov[0], end = ov[1];
    if (start == end) {
      // An empty match right after the previous match is not reported (regex/onig find_iter);
      // after an empty match the search moves on by one character.
      if (start != last_end) out.emplace_back(start, end);
      if (start >= s.size()) break;
      pos = start + char_len(s, start);
    } else {
      out.emplace_back(start, end);
      pos = end;
    }
    last_end = end;
  }
}

// Rust regex's Unicode \w (UTS #18 Annex C), which HF's single_word check uses (`\w$`, `^\w`):
// Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  static const Regex word("^[\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}]", "single_word boundary");
  std::string one;
  utf8_append(one, c);
  std::vector<std::pair<size_t, size_t>> m;
  word.find_all(one, m);
  return !m.empty();
}

}  // namespace remedi::engine::tok
