// instructions_util.count_sentences: len(PunktSentenceTokenizer(english).tokenize(text)).
//
// A port of NLTK's Punkt sentence tokenizer (nltk/tokenize/punkt.py, NLTK 3.10: the
// ReDoS-safe candidate search and curly-quote handling) with its pretrained English
// parameters (ifeval_punkt_model.cpp). The steps, as in punkt.py:
//   1. candidates: every . ? ! followed by punctuation from _re_non_word_chars, or by
//      whitespace and a token (_period_context_fmt); overlapping candidates ("!!!") keep the last
//      (_match_potential_end_contexts);
//   2. each candidate's context (previous word + end char + what follows) is split into
//      Punkt word tokens and annotated: first pass (. ? ! break; "..+" is an ellipsis; a
//      token ending in "." breaks unless its type is an abbreviation), second pass
//      (collocations, orthographic heuristic, frequent sentence starters); the candidate is a
//      boundary when a sentence-break token is followed by another (text_contains_sentbreak);
//   3. slices between boundaries, closing quotes/brackets realigned onto the sentence they
//      close, empty ones dropped (_slices_from_text, _realign_boundaries).
// Only \d is narrowed to ASCII digits in the initial test ([^\W\d]\.).
#include <string>

#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::text {
namespace {
using detail::is_space;
using detail::is_word;

constexpr int kOrthoMidUc = 4, kOrthoBegLc = 16;
constexpr int kOrthoUc = 2 | 4 | 8, kOrthoLc = 16 | 32 | 64;

bool ascii_space(char32_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0D); }  // string.whitespace

bool is_non_word(char32_t c) {  // _re_non_word_chars
  return std::u32string_view(U")\";}]*:@'({[?!\u2018\u2019\u201C\u201D\u00AB\u00BB").find(c) !=
         std::u32string_view::npos;
}
bool word_start_excluded(char32_t c) {  // complement of _re_word_start
  return std::u32string_view(U"(\"`{[:;&#*@)}]-,").find(c) != std::u32string_view::npos;
}

// Length of _re_multi_char_punct at i: -{2,} | \.{2,} | (?:\.\s){2,}\.   (0 if none).
std::size_t multi_char(std::u32string_view t, std::size_t i) {
  if (i >= t.size()) return 0;
  if (t[i] == '-' || t[i] == '.') {
    std::size_t j = i;
    while (j < t.size() && t[j] == t[i]) ++j;
    if (j - i >= 2) return j - i;
  }
  std::size_t j = i, pairs = 0;
  while (j + 1 < t.size() && t[j] == '.' && is_space(t[j + 1])) j += 2, ++pairs;
  if (pairs >= 2 && j < t.size() && t[j] == '.') return j + 1 - i;
  return 0;
}

bool word_ends_at(std::u32string_view t, std::size_t j) {
  if (j >= t.size() || is_space(t[j]) || is_non_word(t[j]) || multi_char(t, j)) return true;
  if (t[j] != ',') return false;
  std::size_t k = j + 1;  // a comma ends a word only before an end itself
  return k >= t.size() || is_space(t[k]) || is_non_word(t[k]) || multi_char(t, k);
}

// PunktLanguageVars.word_tokenize on one line.
void word_tokenize_line(std::u32string_view t, std::vector<std::u32string>& out) {
  std::size_t i = 0;
  while (i < t.size()) {
    if (is_space(t[i])) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    if (std::size_t m = multi_char(t, i)) {
      j = i + m;
    } else if (!word_start_excluded(t[i])) {
      while (!word_ends_at(t, j)) ++j;
    }
    out.emplace_back(t.substr(i, j - i));
    i = j;
  }
}

struct Token {
  std::u32string tok;
  std::string type;  // lower case, numbers -> "##number##"
  bool sentbreak = false, abbr = false, ellipsis = false;

  bool period_final() const { return tok.back() == '.'; }
  std::string type_no_period() const {
    return type.size() > 1 && type.back() == '.' ? type.substr(0, type.size() - 1) : type;
  }
  std::string type_no_sentperiod() const { return sentbreak ? type_no_period() : type; }
  bool first_upper() const { return detail::is_upper(tok[0]); }
  bool first_lower() const { return detail::is_lower(tok[0]); }
  bool is_initial() const {  // [^\W\d]\.$
    return tok.size() == 2 && tok[1] == '.' && is_word(tok[0]) && !(tok[0] >= '0' && tok[0] <= '9');
  }
  bool is_ellipsis() const {  // \.\.+$
    return tok.size() >= 2 && tok.find_first_not_of(U'.') == std::u32string::npos;
  }
};

std::string lower_utf8(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) detail::append_utf8(out, detail::to_lower(c));
  return out;
}

bool is_numeric(std::u32string_view s) {  // ^-?[\.,]?\d[\d,\.-]*\.?$
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) ++i;
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  for (++i; i < s.size(); ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ',' || s[i] == '.' || s[i] == '-')) return false;
  return true;
}

Token make_token(const std::u32string& tok) {
  Token t;
  t.tok = tok;
  t.type = is_numeric(t.tok) ? "##number##" : lower_utf8(t.tok);
  return t;
}

// _ortho_heuristic: 1 sentence starter, 0 not, -1 unknown.
int ortho_heuristic(const Token& t) {
  if (t.tok.size() == 1 && std::u32string_view(U";:,.!?").find(t.tok[0]) != std::u32string_view::npos) return 0;
  int ctx = detail::punkt::ortho_context(t.type_no_sentperiod());
  if (t.first_upper() && (ctx & kOrthoLc) && !(ctx & kOrthoMidUc)) return 1;
  if (t.first_lower() && ((ctx & kOrthoUc) || !(ctx & kOrthoBegLc))) return 0;
  return -1;
}

void first_pass(Token& t) {
  const auto& s = t.tok;
  if (s == U"." || s == U"?" || s == U"!") {
    t.sentbreak = true;
  } else if (t.is_ellipsis()) {
    t.ellipsis = true;
  } else if (t.period_final() && !(s.size() >= 2 && s[s.size() - 2] == '.')) {
    std::string stem = lower_utf8(std::u32string_view(s).substr(0, s.size() - 1));
    std::size_t dash = stem.rfind('-');
    std::string last = dash == std::string::npos ? stem : stem.substr(dash + 1);
    if (detail::punkt::is_abbrev(stem) || detail::punkt::is_abbrev(last)) t.abbr = true;
    else t.sentbreak = true;
  }
}

void second_pass(Token& a, const Token& b) {
  if (!a.period_final()) return;
  std::string typ = a.type_no_period(), next_typ = b.type_no_sentperiod();
  bool initial = a.is_initial();
  if (detail::punkt::is_collocation(typ, next_typ)) {  // [4.1.2] collocation heuristic
    a.sentbreak = false;
    a.abbr = true;
    return;
  }
  if ((a.abbr || a.ellipsis) && !initial) {  // [4.2] abbreviation that also ends a sentence
    int o = ortho_heuristic(b);
    if (o == 1 || (b.first_upper() && detail::punkt::is_sent_starter(next_typ))) {
      a.sentbreak = true;
      return;
    }
  }
  if (initial || typ == "##number##") {  // [4.1.1] orthographic heuristic
    int o = ortho_heuristic(b);
    if (o == 0 || (o == -1 && initial && b.first_upper() &&
                   !(detail::punkt::ortho_context(next_typ) & kOrthoLc))) {
      a.sentbreak = false;
      a.abbr = true;
    }
  }
}

// text_contains_sentbreak: a sentence-break token followed by any token.
bool contains_sentbreak(std::u32string_view context) {
  std::vector<std::u32string> words;
  std::size_t pos = 0;
  while (pos <= context.size()) {  // _tokenize_words: line by line
    std::size_t nl = context.find(U'\n', pos);
    if (nl == std::u32string_view::npos) nl = context.size();
    word_tokenize_line(context.substr(pos, nl - pos), words);
    pos = nl + 1;
  }
  std::vector<Token> toks;
  for (const auto& w : words) toks.push_back(make_token(w));
  for (auto& t : toks) first_pass(t);
  for (std::size_t k = 0; k + 1 < toks.size(); ++k) second_pass(toks[k], toks[k + 1]);
  for (std::size_t k = 0; k + 1 < toks.size(); ++k)
    if (toks[k].sentbreak) return true;
  return false;
}

struct Candidate {
  std::size_t pos;         // the end character
  std::size_t after_end;   // end of after_tok
  std::size_t next_tok;    // start of next_tok, or npos when after_tok is punctuation
};

}  // namespace

std::size_t count_sentences(std::string_view s) {
  auto cps = detail::decode(s);
  std::u32string text(cps.begin(), cps.end());
  const std::size_t n = text.size();

  // _period_context_fmt matches.
  std::vector<Candidate> cands;
  for (std::size_t i = 0; i < n; ++i) {
    if (text[i] != '.' && text[i] != '?' && text[i] != '!') continue;
    if (i + 1 < n && is_non_word(text[i + 1])) {
      cands.push_back({i, i + 2, std::u32string::npos});
    } else if (i + 1 < n && is_space(text[i + 1])) {
      std::size_t j = i + 1;
      while (j < n && is_space(text[j])) ++j;
      if (j == n) continue;
      std::size_t k = j;
      while (k < n && !is_space(text[k])) ++k;
      cands.push_back({i, k, j});
    }
  }

  // _match_potential_end_contexts + _slices_from_text.
  std::vector<std::pair<std::size_t, std::size_t>> slices;
  std::size_t last_break = 0;
  auto consider = [&](const Candidate& c, std::size_t word_start) {
    // previous word + end char + after_tok: one contiguous stretch of the text.
    if (!contains_sentbreak(std::u32string_view(text).substr(word_start, c.after_end - word_start))) return;
    slices.push_back({last_break, c.pos + 1});
    last_break = c.next_tok != std::u32string::npos ? c.next_tok : c.pos + 1;
  };
  std::size_t prev_start = 0, prev_stop = 0;
  const Candidate* prev = nullptr;
  for (const auto& c : cands) {
    // Last ASCII whitespace in text[prev_stop, c.pos); index 0 counts as none (as in punkt.py).
    std::size_t idx = 0;
    for (std::size_t k = c.pos; k > prev_stop; --k)
      if (ascii_space(text[k - 1])) {
        idx = k - 1 - prev_stop;
        break;
      }
    std::size_t word_start = idx ? idx + prev_stop + 1 : prev_start;
    if (prev && prev_stop <= word_start) consider(*prev, prev_start);
    prev = &c;
    prev_start = word_start;
    prev_stop = c.pos;
  }
  if (prev) consider(*prev, prev_start);
  std::size_t end = n;
  while (end > 0 && is_space(text[end - 1])) --end;
  slices.push_back({last_break, std::max(last_break, end)});

  // _realign_boundaries: re_boundary_realignment = ["')\]}‘’“”«»]+?(?:\s+|(?=--)|$) (multiline).
  auto closing = [](char32_t c) {
    return std::u32string_view(U"\"')]}\u2018\u2019\u201C\u201D\u00AB\u00BB").find(c) != std::u32string_view::npos;
  };
  std::size_t count = 0, realign = 0;
  for (std::size_t k = 0; k < slices.size(); ++k) {
    std::size_t a = slices[k].first + realign, b = slices[k].second;
    if (k + 1 == slices.size()) {
      if (a < b) ++count;
      break;
    }
    auto [c, d] = slices[k + 1];
    std::size_t j = c, matched = 0;
    while (j < d && closing(text[j])) {
      ++j;
      bool at_end = j >= d || text[j] == '\n';
      bool dashes = j + 1 < d && text[j] == '-' && text[j + 1] == '-';
      if (at_end || dashes || is_space(text[j])) {
        std::size_t m_end = j;
        while (m_end < d && is_space(text[m_end])) ++m_end;
        matched = m_end - c;
        break;
      }
    }
    if (matched) {
      ++count;  // sentence1 extended by the closing run (never empty)
      realign = matched;
    } else {
      realign = 0;
      if (a < b) ++count;
    }
  }
  return count;
}

}  // namespace remedi::tasks::ifeval::text
