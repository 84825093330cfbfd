// Pre-tokenizers of HF tokenizer.json (tokenizers/src/pre_tokenizers/*.rs) and the PCRE2 regex
// they run on. Regexes are compiled with PCRE2_UTF | PCRE2_UCP so \s, \d, \w and \p{..} follow
// Unicode exactly like the Oniguruma engine HF uses, and lookahead such as `\s+(?!\S)` works.
//
// Supported: ByteLevel (add_prefix_space, use_regex; trim_offsets only moves offsets, which we do
// not expose), Split (Regex or String pattern; behavior Removed, Isolated, MergedWithPrevious,
// MergedWithNext, Contiguous; invert), Digits (individual_digits), Sequence.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {

// ---------------------------------------------------------------- Regex
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

// ---------------------------------------------------------------- splitting
namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Span {
  size_t start, end;
  bool match;
};

// HF SplitDelimiterBehavior applied to the (offsets, is_match) list of one piece
// (tokenizers/src/tokenizer/normalizer.rs, NormalizedString::split).
void split_by(const std::string& piece, std::vector<Span> spans, Behavior b, bool invert, Pieces& out) {
  if (invert)
    for (auto& s : spans) s.match = !s.match;
  std::vector<Span> merged;
  bool prev_match = false;
  switch (b) {
    case Behavior::Isolated:
      merged = std::move(spans);
      break;
    case Behavior::Removed:
      for (auto& s : spans)
        if (!s.match) merged.push_back(s);
      break;
    case Behavior::MergedWithPrevious:
      for (auto& s : spans) {
        if (s.match && !prev_match && !merged.empty())
          merged.back().end = s.end;
        else
          merged.push_back(s);
        prev_match = s.match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->match && !prev_match && !merged.empty())
          merged.back().start = it->start;
        else
          merged.push_back(*it);
        prev_match = it->match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    case Behavior::Contiguous:
      for (size_t i = 0; i < spans.size(); ++i) {
        if (i > 0 && spans[i].match == prev_match)
          merged.back().end = spans[i].end;
        else
          merged.push_back(spans[i]);
        prev_match = spans[i].match;
      }
      break;
  }
  for (auto& s : merged)
    if (s.end > s.start) out.push_back(piece.substr(s.start, s.end - s.start));
}

// HF Pattern::find_matches: the whole piece as alternating non-match / match spans.
std::vector<Span> to_spans(size_t size, const std::vector<std::pair<size_t, size_t>>& matches) {
  std::vector<Span> spans;
  size_t prev = 0;
  for (auto [s, e] : matches) {
    if (prev != s) spans.push_back({prev, s, false});
    spans.push_back({s, e, true});
    prev = e;
  }
  if (prev != size) spans.push_back({prev, size, false});
  return spans;
}

void literal_matches(std::string_view s, const std::string& lit, std::vector<std::pair<size_t, size_t>>& out) {
  if (lit.empty()) return;
  for (size_t p = s.find(lit); p != std::string_view::npos; p = s.find(lit, p + lit.size()))
    out.emplace_back(p, p + lit.size());
}

Behavior parse_behavior(const std::string& s, const std::string& where) {
  if (s == "Removed") return Behavior::Removed;
  if (s == "Isolated") return Behavior::Isolated;
  if (s == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (s == "MergedWithNext") return Behavior::MergedWithNext;
  if (s == "Contiguous") return Behavior::Contiguous;
  throw Error("unknown Split behavior '" + s + "'", where,
              "expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

// The GPT-2 pattern ByteLevel uses when use_regex is true (tokenizers byte_level.rs).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? std::make_unique<Regex>(kGpt2Pattern, where) : nullptr) {}
  void apply(Pieces& pieces) const override {
    const auto& table = byte_to_unicode();
    Pieces split;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      if (add_prefix_space_ && (p.empty() || p[0] != ' ')) p.insert(p.begin(), ' ');
      if (regex_) {
        m.clear();
        regex_->find_all(p, m);
        split_by(p, to_spans(p.size(), m), Behavior::Isolated, false, split);
      } else if (!p.empty()) {
        split.push_back(std::move(p));
      }
    }
    // Every byte becomes the printable character that stands for it.
    for (auto& p : split) {
      std::string mapped;
      mapped.reserve(p.size() * 2);
      for (unsigned char c : p) mapped += table[c];
      p = std::move(mapped);
    }
    pieces = std::move(split);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Split final : public PreTokenizer {
 public:
  Split(const nlohmann::json& j, const std::string& where) {
    const auto& pat = j.at("pattern");
    if (pat.contains("Regex"))
      regex_ = std::make_unique<Regex>(pat.at("Regex").get<std::string>(), where);
    else if (pat.contains("String"))
      literal_ = pat.at("String").get<std::string>();
    else
      throw Error("Split pattern must be {\"Regex\": ...} or {\"String\": ...}", where);
    behavior_ = parse_behavior(j.at("behavior").get<std::string>(), where);
    invert_ = j.value("invert", false);
  }
  void apply(Pieces& pieces) const override {
    Pieces out;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      m.clear();
      if (regex_)
        regex_->find_all(p, m);
      else
        literal_matches(p, literal_, m);
      split_by(p, to_spans(p.size(), m), behavior_, invert_, out);
    }
    pieces = std::move(out);
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string literal_;
  Behavior behavior_ = Behavior::Isolated;
  bool invert_ = false;
};

// Digits: Rust char::is_numeric is Unicode N (Nd, Nl, No), i.e. \p{N}, one character per match.
class Digits final : public PreTokenizer {
 public:
  Digits(bool individual, const std::string& where) : individual_(individual), regex_("\\p{N}", where) {}
  void apply(Pieces& pieces) const override {
    Pieces out;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      m.clear();
      regex_.find_all(p, m);
      split_by(p, to_spans(p.size(), m), individual_ ? Behavior::Isolated : Behavior::Contiguous, false, out);
    }
    pieces = std::move(out);
  }

 private:
  bool individual_;
  Regex regex_;
};

class SequencePre final : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void apply(Pieces& pieces) const override {
    for (auto& s : steps_) s->apply(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = j.value("type", "");
  const std::string at = where + ": pre_tokenizer " + type;
  if (type == "ByteLevel") return std::make_unique<ByteLevel>(j.value("add_prefix_space", true), j.value("use_regex", true), at);
  if (type == "Split") return std::make_unique<Split>(j, at);
  if (type == "Digits") return std::make_unique<Digits>(j.value("individual_digits", false), at);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& s : j.at("pretokenizers"))
      if (auto p = make_pre_tokenizer(s, where)) steps.push_back(std::move(p));
    return std::make_unique<SequencePre>(std::move(steps));
  }
  throw Error("unsupported pre_tokenizer type '" + type + "'", where,
              "supported: ByteLevel, Split, Digits, Sequence");
}

}  // namespace remedi::engine::tok
