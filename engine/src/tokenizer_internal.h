// Private pieces of the tokenizer (engine/src/tokenizer*.cpp, pretokenizer.cpp). The pipeline
// follows HF `tokenizers` (tokenizers/src/tokenizer/mod.rs, encode_single_sequence):
//
//   text ─ AddedVocabulary::split (special/added tokens, longest match first)
//        ─ per remaining piece: Normalizer → PreTokenizer → BPE model (per pre-token, cached)
//   ids  ─ id → token string (added or model) ─ Decoder::decode_chain ─ concatenate
//
// No torch here.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace remedi::engine::tok {

// ---- UTF-8 (tokenizer_utf8.cpp) ----
constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
// Decodes the code point at s[pos]. On invalid input returns kInvalidCodePoint and sets *len to the
// length of the maximal invalid subpart (Unicode 15 §3.9, what Rust's from_utf8_lossy replaces by
// one U+FFFD).
char32_t utf8_decode(std::string_view s, size_t pos, size_t* len);
void utf8_append(std::string& out, char32_t c);
// Valid UTF-8 is returned unchanged; every maximal invalid subpart becomes U+FFFD.
std::string utf8_lossy(std::string_view s);
bool utf8_valid(std::string_view s);
// Rust char::is_whitespace (Unicode White_Space), used by lstrip/rstrip of added tokens.
bool is_white_space(char32_t c);
// Rust regex Unicode \w (Alphabetic, M, Nd, Pc, Join_Control): single_word boundaries
// (tokenizer_regex.cpp).
bool is_word_char(char32_t c);

// ---- Unicode normalization (tokenizer_nfc.cpp; tables generated into tokenizer_nfc_tables.cpp) ----
std::string nfc(std::string_view s);  // valid UTF-8 in, NFC out (UAX #15)
std::string nfd(std::string_view s);  // canonical decomposition + canonical order
namespace unicode_data {
struct CccEntry { char32_t cp; uint8_t ccc; };
struct DecompEntry { char32_t cp; uint16_t offset; uint8_t length; };
struct ComposeEntry { char32_t first, second, composite; };
extern const char* const kUnicodeVersion;
extern const CccEntry kCcc[];
extern const size_t kCccCount;
extern const DecompEntry kDecomp[];
extern const size_t kDecompCount;
extern const char32_t kDecompData[];
extern const ComposeEntry kCompose[];
extern const size_t kComposeCount;
}  // namespace unicode_data

// ---- GPT-2 byte-level alphabet (openai/gpt-2 encoder.py bytes_to_unicode) ----
// byte b → the UTF-8 of the printable code point that stands for it.
const std::array<std::string, 256>& byte_to_unicode();
// The inverse; -1 for code points that are not in the table.
int unicode_to_byte(char32_t c);

// ---- PCRE2 regex, compiled with UTF | UCP so \p{L}, \s, \w are Unicode-aware (tokenizer_regex.cpp) ----
class Regex {
 public:
  Regex(const std::string& pattern, const std::string& where);  // throws remedi::Error
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // Non-overlapping matches [start, end) of s (valid UTF-8), left to right, as Oniguruma's
  // find_iter reports them (empty matches included; after one the search advances one character).
  void find_all(std::string_view s, std::vector<std::pair<size_t, size_t>>& out) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8*
  std::string where_;
};

// A piece of text flowing through the pre-tokenizers (HF NormalizedString without offsets).
using Pieces = std::vector<std::string>;

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void apply(std::string& s) const = 0;
};
// null → nullptr. Supported: Sequence, Replace, Prepend, Strip, NFC, NFD. Throws naming others.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where);

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void apply(Pieces& pieces) const = 0;
};
// null → nullptr. Supported: Sequence, ByteLevel, Split, Digits. Throws naming others.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const std::string& where);

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};
// null → nullptr (tokens joined with " ", as HF does). Supported: ByteLevel, Sequence, Replace,
// ByteFallback, Fuse, Strip. Throws naming others.
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& where);

// ---- BPE model (tokenizer_bpe.cpp; HF tokenizers/src/models/bpe) ----
class BpeModel {
 public:
  BpeModel(const nlohmann::json& model, const std::string& where);  // throws remedi::Error
  // Appends the ids of one pre-token (already normalized and byte-mapped). Thread-safe.
  void encode_word(const std::string& word, std::vector<int32_t>& out) const;
  std::optional<int32_t> token_to_id(std::string_view token) const;
  const std::string* id_to_token(int32_t id) const;  // nullptr if the id has no token
  int32_t max_id() const { return static_cast<int32_t>(id_to_token_.size()) - 1; }
  int64_t vocab_count() const { return static_cast<int64_t>(vocab_.size()); }  // HF get_vocab_size()

 private:
  void merge_word(const std::string& word, std::vector<int32_t>& out) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;       // [max id + 1]; "" where no token has that id
  std::vector<bool> has_token_;                // [max id + 1]
  // (left id << 32 | right id) → (rank, merged id); rank = position in the merges list.
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;
  std::optional<int32_t> unk_id_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::array<int32_t, 256> byte_ids_{};        // "<0xXX>" ids for byte_fallback; -1 if absent
  // Per pre-token cache (HF keeps 10k words; we keep up to kCacheMax, then stop inserting).
  static constexpr size_t kCacheMax = 200000;
  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

// ---- added tokens (tokenizer_added.cpp; HF tokenizers/src/tokenizer/added_vocabulary.rs) ----
struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false, single_word = false, lstrip = false, rstrip = false, normalized = false;
};

// One piece of the input after the added-token split: either an added token's id or text.
struct Segment {
  int32_t added_id = -1;  // >= 0: an added token, text unused
  std::string text;
};

class AddedVocabulary {
 public:
  void add(AddedToken t);
  void build();  // after all add(): builds the two matchers
  const AddedToken* by_id(int32_t id) const;
  const AddedToken* by_content(std::string_view content) const;
  bool empty() const { return tokens_.empty(); }
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  int32_t max_id() const;
  // Splits `text` on tokens whose `normalized` flag equals `normalized`. skip_special: specials
  // still consume their match but stay text (HF encode_special_tokens / split_special_tokens).
  void split(const std::string& text, bool normalized, bool skip_special, std::vector<Segment>& out) const;

 private:
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> next;  // sorted by byte
      int32_t token = -1;                                   // index into tokens_
    };
    std::vector<Node> nodes{Node{}};
    std::array<bool, 256> first{};                          // fast reject of start bytes
    void insert(const std::string& s, int32_t token);
    // Longest token starting at pos: (token index, end) or (-1, pos).
    std::pair<int32_t, size_t> longest(std::string_view s, size_t pos) const;
  };
  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Trie raw_, norm_;
};

}  // namespace remedi::engine::tok
