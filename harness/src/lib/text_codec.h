// Text <-> token ids for a run: the model's own tokenizer, or a tokenizer.json given with
// --tokenizer. The second makes random-weight presets at real shapes (preset:remedi-9b, which have
// no tokenizer) usable for whole-pipeline throughput runs, e.g. with the tiny checkpoint's
// tokenizer, whose ids all lie inside the full 126464-token vocabulary.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "remedi/engine/engine.h"

namespace remedi::cli {

class TextCodec {
 public:
  virtual ~TextCodec() = default;
  // Chat template (MODEL.md §3) with the assistant header appended, special markers parsed.
  virtual std::vector<int32_t> encode_chat(const std::vector<engine::ChatMessage>& msgs) const = 0;
  virtual std::vector<int32_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;  // special tokens skipped
  virtual std::string source() const = 0;  // "model" or the tokenizer file path
};

// tokenizer_file "" = the engine's tokenizer (remedi::Error when the model has none).
std::unique_ptr<TextCodec> make_text_codec(const engine::Engine& eng, const std::string& tokenizer_file);

}  // namespace remedi::cli
