// instructions_util.count_sentences: the reference loads NLTK's pretrained Punkt model
// (nltk:tokenizers/punkt/english.pickle) and counts the sentences it finds. Punkt is rules plus
// learned statistics; we reproduce the rules (nltk/tokenize/punkt.py, NLTK 3.8) exactly and
// replace the statistics with fixed lists:
//   * word tokens: PunktLanguageVars._word_tokenize_fmt (a token ends at whitespace, at
//     ?!)";}]*:@'({[ , at "--" or "..", or at a comma that ends a word);
//   * first pass: "." "?" "!" tokens break; "..+" is an ellipsis; a token ending in "." breaks
//     unless its type is an abbreviation -> kAbbrev (the pickle's ~1,300 learned abbreviations
//     are not available; we list the common English ones);
//   * second pass (orthographic heuristic): the pickle's per-word casing statistics become
//     "a capitalised word from kStarters behaves as a sentence starter, a lowercase word never
//     starts a sentence, anything else is unknown"; collocations are not modelled;
//   * candidate ends and boundary realignment: _period_context_fmt (a break needs punctuation or
//     whitespace plus a token after it) and re_boundary_realignment (closing quotes/brackets
//     move back to the sentence they close).
// Known differences: abbreviations outside kAbbrev break where Punkt would not, and proper
// names after an abbreviation or initial are judged by kStarters instead of corpus statistics.
#include <set>
#include <string>

#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::text {
namespace {
using detail::decode;
using detail::is_lower;
using detail::is_space;
using detail::is_upper;
using detail::is_word;

// Types (lowercase, final period removed) Punkt's English model treats as abbreviations.
const std::set<std::u32string>& abbreviations() {
  static const std::set<std::u32string> s = {
      U"mr", U"mrs", U"ms", U"dr", U"prof", U"st", U"jr", U"sr", U"inc", U"ltd", U"co", U"corp",
      U"vs", U"etc", U"e.g", U"i.e", U"u.s", U"u.k", U"u.n", U"u.s.a", U"a.m", U"p.m", U"ph.d",
      U"jan", U"feb", U"mar", U"apr", U"jun", U"jul", U"aug", U"sep", U"sept", U"oct", U"nov",
      U"dec", U"mon", U"tue", U"tues", U"wed", U"thu", U"thurs", U"fri", U"gen", U"gov", U"sen",
      U"rep", U"lt", U"col", U"sgt", U"capt", U"cmdr", U"adm", U"mt", U"ft", U"vol", U"pp",
      U"fig", U"approx", U"dept", U"univ", U"assn", U"bros", U"calif", U"ariz", U"colo", U"conn",
      U"fla", U"okla", U"tenn", U"tex", U"mich", U"minn", U"nev", U"wis", U"cf", U"al", U"est",
      U"no", U"nos", U"esp", U"viz", U"rev", U"hon", U"messrs", U"mme", U"mlle"};
  return s;
}

// Words that, capitalised, Punkt's orthographic statistics mark as sentence starters (seen
// lowercase mid-sentence, never capitalised mid-sentence).
const std::set<std::u32string>& starters() {
  static const std::set<std::u32string> s = {
      U"the", U"a", U"an", U"this", U"that", U"these", U"those", U"it", U"its", U"he", U"she",
      U"we", U"they", U"you", U"there", U"here", U"in", U"on", U"at", U"for", U"but", U"and",
      U"or", U"so", U"if", U"when", U"while", U"after", U"before", U"as", U"with", U"by", U"from",
      U"to", U"of", U"my", U"our", U"your", U"his", U"her", U"their", U"what", U"why", U"how",
      U"where", U"who", U"which", U"each", U"every", U"all", U"some", U"many", U"most", U"not",
      U"one", U"also", U"however", U"then", U"now", U"today", U"finally", U"first", U"second",
      U"next", U"yes", U"please", U"thank", U"thanks", U"let", U"do", U"does", U"is", U"are",
      U"was", U"were", U"be", U"have", U"has", U"can", U"will", U"would", U"should", U"could",
      U"may", U"might", U"must", U"make", U"take", U"use", U"get", U"consider", U"remember",
      U"note", U"just", U"even", U"only", U"because", U"since", U"although", U"though",
      U"overall", U"additionally", U"furthermore", U"moreover", U"instead", U"meanwhile",
      U"otherwise", U"therefore", U"thus", U"still", U"yet", U"again", U"once", U"both", U"such",
      U"other", U"another", U"more", U"any", U"never", U"always", U"often", U"sometimes",
      U"perhaps", U"maybe", U"well", U"start", U"try", U"keep", U"see", U"look", U"go", U"give",
      U"find", U"think", U"know", U"write", U"add", U"check", U"ensure", U"avoid", U"no"};
  return s;
}

struct Token {
  std::size_t begin, end;  // code point offsets into the text
  std::u32string tok;
  bool sentbreak = false, abbr = false, ellipsis = false;
};

bool is_non_word(char32_t c) {  // _re_non_word_chars
  return c == '?' || c == '!' || c == ')' || c == '"' || c == ';' || c == '}' || c == ']' ||
         c == '*' || c == ':' || c == '@' || c == '\'' || c == '(' || c == '{' || c == '[';
}
bool is_word_start_excluded(char32_t c) {  // complement of _re_word_start
  return c == '(' || c == '"' || c == '`' || c == '{' || c == '[' || c == ':' || c == ';' ||
         c == '&' || c == '#' || c == '*' || c == '@' || c == ')' || c == '}' || c == ']' ||
         c == '-' || c == ',';
}

// Length of _re_multi_char_punct at i (0 if none): "--+", "..+", or ". . ." style.
std::size_t multi_char(const std::u32string& t, std::size_t i) {
  std::size_t j = i;
  if (t[i] == '-' || t[i] == '.') {
    while (j < t.size() && t[j] == t[i]) ++j;
    if (j - i >= 2) return j - i;
  }
  j = i;
  std::size_t pairs = 0;
  while (j + 1 < t.size() && t[j] == '.' && is_space(t[j + 1])) j += 2, ++pairs;
  if (pairs >= 2 && j < t.size() && t[j] == '.') return j + 1 - i;
  return 0;
}

bool word_ends_at(const std::u32string& t, std::size_t j) {
  if (j >= t.size() || is_space(t[j]) || is_non_word(t[j]) || multi_char(t, j)) return true;
  if (t[j] == ',') {  // a comma ends a word only if it is followed by an end itself
    std::size_t k = j + 1;
    return k >= t.size() || is_space(t[k]) || is_non_word(t[k]) || multi_char(t, k);
  }
  return false;
}

std::vector<Token> tokenize(const std::u32string& t) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < t.size()) {
    if (is_space(t[i])) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    if (std::size_t m = multi_char(t, i)) {
      j = i + m;
    } else if (!is_word_start_excluded(t[i])) {
      while (!word_ends_at(t, j)) ++j;  // \S+? up to the first word end
    }
    out.push_back({i, j, t.substr(i, j - i)});
    i = j;
  }
  return out;
}

bool first_upper(const std::u32string& s) { return !s.empty() && is_upper(s[0]); }
bool first_lower(const std::u32string& s) { return !s.empty() && is_lower(s[0]); }

std::u32string type_of(std::u32string s) {  // lowercase, final period dropped
  for (auto& c : s) c = detail::to_lower(c);
  if (!s.empty() && s.back() == '.' && s.size() > 1) s.pop_back();
  return s;
}

bool is_number(const std::u32string& s) {  // Punkt's ^-?[\.,]?\d[\d,\.-]*\.?$ -> ##number##
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) ++i;
  if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
  for (++i; i < s.size(); ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ',' || s[i] == '.' || s[i] == '-')) return false;
  return true;
}

// _ortho_heuristic: 1 = sentence starter, 0 = not, -1 = unknown.
int ortho(const Token& next) {
  if (next.tok.size() == 1 && std::u32string(U";:,.!?").find(next.tok[0]) != std::u32string::npos)
    return 0;
  if (first_upper(next.tok) && starters().count(type_of(next.tok))) return 1;
  if (first_lower(next.tok)) return 0;
  return -1;
}

void annotate(std::vector<Token>& toks) {
  for (auto& t : toks) {  // first pass
    const auto& s = t.tok;
    if (s == U"." || s == U"?" || s == U"!") {
      t.sentbreak = true;
    } else if (s.size() >= 2 && s.find_first_not_of(U'.') == std::u32string::npos) {
      t.ellipsis = true;
    } else if (s.back() == '.' && !(s.size() >= 2 && s[s.size() - 2] == '.')) {
      std::u32string typ = type_of(s);
      std::u32string last = typ.substr(typ.rfind(U'-') == std::u32string::npos ? 0 : typ.rfind(U'-') + 1);
      if (abbreviations().count(typ) || abbreviations().count(last)) t.abbr = true;
      else t.sentbreak = true;
    }
  }
  for (std::size_t k = 0; k + 1 < toks.size(); ++k) {  // second pass
    Token& a = toks[k];
    const Token& b = toks[k + 1];
    if (a.tok.back() != '.') continue;
    bool initial = a.tok.size() == 2 && is_word(a.tok[0]) && !(a.tok[0] >= '0' && a.tok[0] <= '9');
    if ((a.abbr || a.ellipsis) && !initial) {
      if (ortho(b) == 1) {
        a.sentbreak = true;
        continue;
      }
    }
    if (initial || is_number(a.tok.substr(0, a.tok.size() - 1))) {
      int o = ortho(b);
      // Unknown capitalised word after an initial: a name ("J. Smith"), not a new sentence.
      if (o == 0 || (o == -1 && initial && first_upper(b.tok))) {
        a.sentbreak = false;
        a.abbr = true;
      }
    }
  }
}

bool closing(char32_t c) { return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}'; }

}  // namespace

std::size_t count_sentences(std::string_view s) {
  std::u32string t;
  for (char32_t c : decode(s)) t += c;
  std::vector<Token> toks = tokenize(t);
  annotate(toks);

  // Break after a sentbreak token when _period_context_fmt would see it: the next character is
  // punctuation from _re_non_word_chars, or whitespace followed by another token. When the next
  // token is glued on and also ends a sentence ("?!", ".\""), Punkt's overlapping-context logic
  // keeps only the last candidate.
  std::vector<std::size_t> breaks;
  for (std::size_t k = 0; k < toks.size(); ++k) {
    if (!toks[k].sentbreak) continue;
    std::size_t e = toks[k].end;
    if (e >= t.size()) continue;
    bool ok = is_non_word(t[e]) || (is_space(t[e]) && k + 1 < toks.size());
    if (!ok) continue;
    if (k + 1 < toks.size() && toks[k + 1].begin == e && (toks[k + 1].sentbreak || toks[k + 1].ellipsis))
      continue;
    breaks.push_back(e);
  }

  // Slices [start, end): each break ends one; the next starts at the following token.
  std::size_t end_all = t.size();
  while (end_all > 0 && is_space(t[end_all - 1])) --end_all;
  std::vector<std::pair<std::size_t, std::size_t>> slices;
  std::size_t start = 0;
  for (std::size_t b : breaks) {
    slices.push_back({start, b});
    start = b;
    while (start < t.size() && is_space(t[start])) ++start;
  }
  slices.push_back({start, std::max(start, end_all)});

  // _realign_boundaries: a slice that starts with closing quotes/brackets followed by
  // whitespace, "--" or the end gives them to the previous slice; empty slices are dropped.
  std::size_t count = 0;
  for (std::size_t k = 0; k < slices.size(); ++k) {
    auto [a, b] = slices[k];
    if (k > 0) {
      std::size_t j = a;
      while (j < b && closing(t[j])) {
        ++j;
        bool after = j >= b || is_space(t[j]) || (j + 1 < b && t[j] == '-' && t[j + 1] == '-');
        if (after) {
          while (j < b && is_space(t[j])) ++j;
          a = j;
          break;
        }
      }
    }
    if (a < b) ++count;
  }
  return count;
}

}  // namespace remedi::tasks::ifeval::text
