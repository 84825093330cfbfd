// Added tokens (special and not) of HF tokenizer.json: recognised in the text before anything else,
// leftmost first and the longest among those starting there (the aho-corasick LeftmostLongest
// matcher of tokenizers/src/tokenizer/added_vocabulary.rs), then lstrip / rstrip / single_word.
// Tokens with normalized=false are matched on the raw text, those with normalized=true on each
// remaining piece after the normalizer ran — HF's two passes.
#include <algorithm>

#include "tokenizer_internal.h"

namespace remedi::engine::tok {

void AddedVocabulary::Trie::insert(const std::string& s, int32_t token) {
  int32_t node = 0;
  for (unsigned char c : s) {
    auto& next = nodes[node].next;
    auto it = std::lower_bound(next.begin(), next.end(), c,
                               [](const std::pair<unsigned char, int32_t>& e, unsigned char v) { return e.first < v; });
    if (it != next.end() && it->first == c) {
      node = it->second;
      continue;
    }
    const auto child = static_cast<int32_t>(nodes.size());
    nodes[node].next.insert(it, {c, child});  // may reallocate `nodes`: do not keep references
    nodes.emplace_back();
    node = child;
  }
  if (nodes[node].token < 0) nodes[node].token = token;  // duplicates: the first added wins
  if (!s.empty()) first[static_cast<unsigned char>(s[0])] = true;
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::longest(std::string_view s, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, pos};
  int32_t node = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto& next = nodes[node].next;
    auto it = std::lower_bound(next.begin(), next.end(), c,
                               [](const std::pair<unsigned char, int32_t>& e, unsigned char v) { return e.first < v; });
    if (it == next.end() || it->first != c) break;
    node = it->second;
    if (nodes[node].token >= 0) best = {nodes[node].token, i + 1};
  }
  return best;
}

void AddedVocabulary::add(AddedToken t) {
  if (t.content.empty()) return;  // HF ignores empty added tokens
  const auto idx = tokens_.size();
  by_id_[t.id] = idx;
  by_content_.emplace(t.content, idx);
  tokens_.push_back(std::move(t));
}

void AddedVocabulary::build() {
  raw_ = Trie{}, norm_ = Trie{};
  for (size_t i = 0; i < tokens_.size(); ++i)
    (tokens_[i].normalized ? norm_ : raw_).insert(tokens_[i].content, static_cast<int32_t>(i));
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

int32_t AddedVocabulary::max_id() const {
  int32_t m = -1;
  for (const auto& t : tokens_) m = std::max(m, t.id);
  return m;
}

namespace {
// Code point ending just before `end` (end > 0).
char32_t last_char(std::string_view s, size_t end, size_t* start) {
  size_t st = end - 1;
  while (st > 0 && (static_cast<unsigned char>(s[st]) & 0xC0) == 0x80) --st;
  size_t len = 0;
  *start = st;
  return utf8_decode(s, st, &len);
}
}  // namespace

void AddedVocabulary::split(const std::string& text, bool normalized, bool skip_special,
                            std::vector<Segment>& out) const {
  const Trie& trie = normalized ? norm_ : raw_;
  size_t emitted = 0;  // text before this offset has been emitted
  size_t pos = 0;
  while (pos < text.size()) {
    if (!trie.first[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    auto [tok, end] = trie.longest(text, pos);
    if (tok < 0) {
      ++pos;
      continue;
    }
    const AddedToken& t = tokens_[tok];
    size_t start = pos;
    pos = end;  // the matcher moves on past this match whatever we do with it
    if (skip_special && t.special) continue;
    if (t.single_word) {
      size_t st = 0, len = 0;
      const bool word_before = start > 0 && is_word_char(last_char(text, start, &st));
      const bool word_after = end < text.size() && is_word_char(utf8_decode(text, end, &len));
      if (word_before || word_after) continue;
    }
    if (t.lstrip) {  // swallow the whitespace before it, but never text already emitted
      size_t s = start;
      while (s > emitted) {
        size_t st = 0;
        if (!is_white_space(last_char(text, s, &st))) break;
        s = st;
      }
      start = s;
    }
    if (t.rstrip) {  // and the whitespace after it
      while (end < text.size()) {
        size_t len = 0;
        if (!is_white_space(utf8_decode(text, end, &len))) break;
        end += len;
      }
      pos = end;
    }
    if (start > emitted) out.push_back({-1, text.substr(emitted, start - emitted)});
    out.push_back({t.id, {}});
    emitted = end;
  }
  if (emitted < text.size()) out.push_back({-1, text.substr(emitted)});
}

}  // namespace remedi::engine::tok
