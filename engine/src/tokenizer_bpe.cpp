// The BPE model of HF tokenizer.json (tokenizers/src/models/bpe/{model,word}.rs).
//
// A pre-token is split into characters, each looked up in the vocabulary (byte_fallback: its UTF-8
// bytes as <0xXX> tokens; otherwise unk, fused if fuse_unk). Then merges are applied lowest rank
// first, ties to the leftmost pair, with a min-heap over a doubly linked symbol list so a word of
// n symbols costs O(n log n) rather than O(n^2). Results are cached per pre-token string.
#include <algorithm>
#include <cstdio>
#include <mutex>
#include <queue>

#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {
namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

struct Symbol {
  int32_t id;
  int32_t prev, next;  // neighbours in the list; -1 = none
  bool alive;
};

struct Candidate {
  int32_t rank, pos, new_id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

}  // namespace

BpeModel::BpeModel(const nlohmann::json& m, const std::string& where) {
  byte_ids_.fill(-1);
  if (m.contains("dropout") && !m["dropout"].is_null() && m["dropout"].get<double>() > 0.0)
    throw Error("BPE dropout is not supported (encoding would be random)", where, "set \"dropout\": null");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (m.contains(key) && !m[key].is_null() && !m[key].get<std::string>().empty())
      throw Error(std::string("BPE ") + key + " is not supported", where);
  if (!m.contains("vocab") || !m["vocab"].is_object())
    throw Error("BPE model has no \"vocab\" object", where);

  int32_t max_id = -1;
  for (const auto& [tok, idj] : m["vocab"].items()) {
    const int32_t id = idj.get<int32_t>();
    if (id < 0) throw Error("negative id for vocab token '" + tok + "'", where);
    vocab_.emplace(tok, id);
    max_id = std::max(max_id, id);
  }
  id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
  has_token_.assign(static_cast<size_t>(max_id + 1), false);
  for (const auto& [tok, id] : vocab_) {
    id_to_token_[id] = tok;
    has_token_[id] = true;
  }

  // Merges come as "a b" strings (tokenizers < 0.20) or as ["a", "b"] pairs (newer files).
  const auto& merges = m.value("merges", nlohmann::json::array());
  if (!merges.is_array()) throw Error("BPE \"merges\" must be an array", where);
  merges_.reserve(merges.size() * 2);
  int32_t rank = 0;
  for (const auto& mj : merges) {
    std::string a, b;
    if (mj.is_string()) {
      const std::string s = mj.get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        throw Error("merge #" + std::to_string(rank) + " '" + s + "' is not of the form \"a b\"", where);
      a = s.substr(0, sp), b = s.substr(sp + 1);
    } else if (mj.is_array() && mj.size() == 2) {
      a = mj[0].get<std::string>(), b = mj[1].get<std::string>();
    } else {
      throw Error("merge #" + std::to_string(rank) + " is neither \"a b\" nor [a, b]", where);
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b), iab = vocab_.find(a + b);
    for (auto [it, name] : {std::pair{ia, &a}, std::pair{ib, &b}})
      if (it == vocab_.end())
        throw Error("merge #" + std::to_string(rank) + " references token '" + *name + "' that is not in the vocab",
                    where, "the merges must only use vocab tokens");
    if (iab == vocab_.end())
      throw Error("merge #" + std::to_string(rank) + " produces '" + a + b + "' that is not in the vocab", where);
    merges_.emplace(pair_key(ia->second, ib->second), std::pair{rank, iab->second});  // first rank wins
    ++rank;
  }

  byte_fallback_ = m.value("byte_fallback", false);
  ignore_merges_ = m.value("ignore_merges", false);
  fuse_unk_ = m.value("fuse_unk", false);
  if (m.contains("unk_token") && m["unk_token"].is_string()) {
    auto it = vocab_.find(m["unk_token"].get<std::string>());
    if (it == vocab_.end())
      throw Error("unk_token '" + m["unk_token"].get<std::string>() + "' is not in the vocab", where);
    unk_id_ = it->second;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);  // Rust format!("<{:#04X}>", b)
    auto it = vocab_.find(name);
    if (it != vocab_.end()) byte_ids_[b] = it->second;
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !has_token_[id]) return nullptr;
  return &id_to_token_[id];
}

void BpeModel::encode_word(const std::string& word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {  // Llama-3 style: a pre-token that is itself a token is taken whole
    auto it = vocab_.find(word);
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const bool cacheable = word.size() <= 256;
  if (cacheable) {
    std::shared_lock lock(cache_mutex_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  merge_word(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::unique_lock lock(cache_mutex_);
    if (cache_.size() < kCacheMax) cache_.emplace(word, std::move(ids));
  }
}

void BpeModel::merge_word(const std::string& word, std::vector<int32_t>& out) const {
  std::vector<Symbol> sym;
  sym.reserve(word.size());
  auto add = [&](int32_t id) {
    const auto n = static_cast<int32_t>(sym.size());
    sym.push_back({id, n - 1, -1, true});
    if (n > 0) sym[n - 1].next = n;
  };
  // Characters → initial symbols (BPE::merge_word). A pending unk is emitted before the next vocab
  // character; with fuse_unk consecutive unknown characters share one unk.
  bool pending_unk = false;
  std::string ch;
  for (size_t i = 0; i < word.size();) {
    size_t len = 0;
    utf8_decode(word, i, &len);
    ch.assign(word, i, len);
    i += len;
    auto it = vocab_.find(ch);
    if (it != vocab_.end()) {
      if (pending_unk) add(*unk_id_), pending_unk = false;
      add(it->second);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char c : ch) all = all && byte_ids_[c] >= 0;
      if (all) {  // HF quirk kept on purpose: a pending unk is NOT emitted before byte tokens, so
                  // it lands after them (at the next vocab character or the end of the word)
        for (unsigned char c : ch) add(byte_ids_[c]);
        continue;
      }
    }
    if (!unk_id_) continue;  // HF drops characters it cannot represent when there is no unk token
    if (pending_unk && !fuse_unk_) add(*unk_id_);
    pending_unk = true;
  }
  if (pending_unk) add(*unk_id_);

  // Word::merge_all: lowest rank first, then leftmost; stale heap entries are skipped.
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int32_t pos) {
    const int32_t nx = sym[pos].next;
    if (nx < 0) return;
    auto it = merges_.find(pair_key(sym[pos].id, sym[nx].id));
    if (it != merges_.end()) heap.push({it->second.first, pos, it->second.second});
  };
  for (int32_t p = 0; p + 1 < static_cast<int32_t>(sym.size()); ++p) push(p);
  while (!heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    Symbol& left = sym[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[left.next];
    auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.second != top.new_id) continue;
    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) sym[right.next].prev = top.pos;
    if (left.prev >= 0) push(left.prev);
    push(top.pos);
  }
  for (const auto& s : sym)
    if (s.alive) out.push_back(s.id);
}

}  // namespace remedi::engine::tok
