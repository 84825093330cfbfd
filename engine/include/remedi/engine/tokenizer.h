// Tokenizer: the BPE tokenizer of an HF `tokenizer.json` (PreTrainedTokenizerFast), encoding and
// decoding exactly as HF `tokenizers` does for the configuration the file specifies. No torch.
//
//   auto tok = Tokenizer::from_file(dir + "/tokenizer.json");
//   std::vector<int32_t> ids = tok.encode(apply_chat_template({{"user", "Hi"}}));
//   std::string text = tok.decode(ids);                 // special tokens dropped
//
// Supported configuration (anything else is refused with a remedi::Error naming it):
//   model         BPE: vocab, merges ("a b" or ["a","b"]), unk_token, fuse_unk, byte_fallback,
//                 ignore_merges (no dropout, no continuing_subword_prefix / end_of_word_suffix)
//   normalizer    null, NFC, NFD, Sequence, Replace, Prepend, Strip  (not NFKC/NFKD/Lowercase)
//   pre_tokenizer null, ByteLevel, Split (Regex/String; all behaviors; invert), Digits, Sequence
//   decoder       ByteLevel, Sequence, Replace, ByteFallback, Fuse, Strip
//   added_tokens  special and non-special; single_word, lstrip, rstrip, normalized
// post_processor is ignored on purpose: no BOS/EOS is ever added automatically (MODEL.md §3).
// Invalid UTF-8 in the input text is replaced by U+FFFD before encoding (HF only accepts valid
// strings). Decoding does not apply transformers' clean_up_tokenization_spaces.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace remedi::engine {

class Tokenizer {
 public:
  // Throws remedi::Error (naming the file) for a missing/unreadable file, malformed JSON, an
  // unknown model type, a merge that references a token not in the vocab, or an unsupported
  // normalizer / pre-tokenizer / decoder.
  static Tokenizer from_file(const std::string& path);
  // Same, from the file's text; `where` names it in errors.
  static Tokenizer from_json(const std::string& json_text, const std::string& where);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // parse_special = true: special tokens written in the text (e.g. "<|eot_id|>") become their ids;
  // false: they are tokenized as plain text (non-special added tokens are still recognised, as in
  // HF with split_special_tokens=True). Thread-safe.
  std::vector<int32_t> encode(std::string_view text, bool parse_special = true) const;
  // Ids without a token (unused ids of a padded vocabulary) are skipped, as HF does.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = true) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;  // added tokens first, then vocab
  std::string id_to_token(int32_t id) const;                         // "" if the id has no token
  size_t vocab_size() const;  // one past the largest id of the vocab and added tokens
  bool is_special(int32_t id) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes DIR/tokenizer.json and DIR/tokenizer_config.json of a tiny byte-level BPE tokenizer for
// test checkpoints (`remedi-eval make-tiny-model`): the 256 byte tokens (ids 0..255), merges learned
// deterministically from a small built-in English/code corpus (ids 256..), and the LLaDA special
// tokens at their real ids (126080 <|startoftext|>, 126081 <|endoftext|>, 126336 <|mdm_mask|>,
// 126346 <|start_header_id|>, 126347 <|end_header_id|>, 126348 <|eot_id|>). Ids in between are
// unused. Same pre-tokenizer/decoder style as LLaDA's file. Creates DIR; throws remedi::Error.
void write_tiny_tokenizer_files(const std::string& dir);

// Number of merges write_tiny_tokenizer_files learns (its regular vocabulary is 256 + this).
inline constexpr int kTinyTokenizerMerges = 384;

}  // namespace remedi::engine
