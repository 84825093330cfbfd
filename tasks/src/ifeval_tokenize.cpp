// nltk.word_tokenize for change_case:capital_word_frequency, which counts the tokens for which
// str.isupper() holds. NLTK runs Punkt, then its Treebank-derived NLTKWordTokenizer on each
// sentence. Only splits that change which tokens are all-capitals matter for that count, so we
// keep those rules of nltk/tokenize/destructive.py and drop the rest (``/'' quote rewriting,
// sentence-final period handling, which never change an isupper() verdict):
//   * whitespace separates tokens;
//   * ; @ # $ % & ? ! ( ) [ ] { } < > " ` en/em dashes and "--", "..." are tokens of their own;
//   * "," and ":" split unless a digit follows ("3,000" and "10:30" stay whole);
//   * contractions split off: 's 'm 'd 'll 're 've n't (DON'T -> DO + N'T: two capital tokens),
//     and cannot/gimme/gonna/gotta/lemme/wanna split in two (CONTRACTIONS2);
//   * a leading or trailing single quote is its own token; hyphens and inner periods stay
//     ("WELL-KNOWN", "U.S.A." are one token each).
#include <string>

#include "ifeval_internal.h"
#include "remedi/tasks/ifeval.h"

namespace remedi::tasks::ifeval::text {
namespace {
using detail::decode;
using detail::encode;
using detail::is_space;

bool own_token(char32_t c) {
  return std::u32string(U";@#$%&?!()[]{}<>\"`").find(c) != std::u32string::npos ||
         c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019 || c == 0xAB || c == 0xBB ||
         c == 0x2013 || c == 0x2014;  // en and em dash split like "--"
}

std::u32string lower_ascii(std::u32string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c += 32;
  return s;
}

// Splits a punctuation-free chunk's contraction suffix, if any, into out.
void split_contractions(const std::u32string& w, std::vector<std::u32string>& out) {
  std::u32string lw = lower_ascii(w);
  static const std::u32string two[][2] = {{U"can", U"not"}, {U"gim", U"me"}, {U"gon", U"na"},
                                          {U"got", U"ta"},  {U"lem", U"me"}, {U"wan", U"na"}};
  for (const auto& p : two)
    if (lw == p[0] + p[1]) {
      out.push_back(w.substr(0, p[0].size()));
      out.push_back(w.substr(p[0].size()));
      return;
    }
  static const std::u32string suffixes[] = {U"n't", U"'ll", U"'re", U"'ve", U"'s", U"'m", U"'d"};
  for (const auto& suf : suffixes)
    if (lw.size() > suf.size() && lw.compare(lw.size() - suf.size(), suf.size(), suf) == 0 &&
        lw[lw.size() - suf.size() - 1] != '\'') {
      out.push_back(w.substr(0, w.size() - suf.size()));
      out.push_back(w.substr(w.size() - suf.size()));
      return;
    }
  out.push_back(w);
}

void split_chunk(const std::u32string& c, std::vector<std::u32string>& out) {
  std::u32string cur;
  auto flush = [&] {
    if (cur.empty()) return;
    // A quote that opens or closes the chunk is its own token ('hello' -> ' hello ').
    std::size_t lead = 0;
    while (lead < cur.size() && cur[lead] == '\'') ++lead;
    for (std::size_t k = 0; k < lead; ++k) out.push_back(U"'");
    std::u32string body = cur.substr(lead);
    std::size_t trail = 0;
    while (trail < body.size() && body[body.size() - 1 - trail] == '\'') ++trail;
    body.resize(body.size() - trail);
    if (!body.empty()) split_contractions(body, out);
    for (std::size_t k = 0; k < trail; ++k) out.push_back(U"'");
    cur.clear();
  };
  for (std::size_t i = 0; i < c.size(); ++i) {
    char32_t ch = c[i];
    if ((ch == '-' || ch == '.') && i + 1 < c.size() && c[i + 1] == ch) {
      std::size_t j = i;
      while (j < c.size() && c[j] == ch) ++j;
      if (ch == '-' || j - i >= 3) {  // "--" and "..." are tokens
        flush();
        out.push_back(c.substr(i, j - i));
        i = j - 1;
        continue;
      }
    }
    bool split_punct = own_token(ch) ||
                       ((ch == ',' || ch == ':') && !(i + 1 < c.size() && c[i + 1] >= '0' && c[i + 1] <= '9'));
    if (split_punct) {
      flush();
      out.push_back(std::u32string(1, ch));
    } else {
      cur += ch;
    }
  }
  flush();
}

}  // namespace

std::vector<std::string> word_tokenize(std::string_view s) {
  std::vector<std::u32string> toks;
  std::u32string chunk;
  for (char32_t c : decode(s)) {
    if (is_space(c)) {
      if (!chunk.empty()) split_chunk(chunk, toks);
      chunk.clear();
    } else {
      chunk += c;
    }
  }
  if (!chunk.empty()) split_chunk(chunk, toks);
  std::vector<std::string> out;
  out.reserve(toks.size());
  for (const auto& t : toks) out.push_back(encode(std::vector<char32_t>(t.begin(), t.end())));
  return out;
}

}  // namespace remedi::tasks::ifeval::text
