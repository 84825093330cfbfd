#include "text_codec.h"

#include "remedi/common/error.h"
#include "remedi/engine/chat_template.h"
#include "remedi/engine/tokenizer.h"

namespace remedi::cli {

namespace {

class EngineCodec : public TextCodec {
 public:
  explicit EngineCodec(const engine::Engine& e) : e_(e) {}
  std::vector<int32_t> encode_chat(const std::vector<engine::ChatMessage>& m) const override { return e_.encode_chat(m); }
  std::vector<int32_t> encode(const std::string& t) const override { return e_.encode(t); }
  std::string decode(const std::vector<int32_t>& ids) const override { return e_.decode(ids); }
  std::string source() const override { return "model"; }

 private:
  const engine::Engine& e_;
};

// The same calls Engine makes with its own tokenizer (engine/src/engine.cpp).
class FileCodec : public TextCodec {
 public:
  explicit FileCodec(const std::string& path) : path_(path), tok_(engine::Tokenizer::from_file(path)) {}
  std::vector<int32_t> encode_chat(const std::vector<engine::ChatMessage>& m) const override {
    return tok_.encode(engine::apply_chat_template(m, /*add_generation_prompt=*/true), /*parse_special=*/true);
  }
  std::vector<int32_t> encode(const std::string& t) const override { return tok_.encode(t, true); }
  std::string decode(const std::vector<int32_t>& ids) const override { return tok_.decode(ids, /*skip_special=*/true); }
  std::string source() const override { return path_; }

 private:
  std::string path_;
  engine::Tokenizer tok_;
};

}  // namespace

std::unique_ptr<TextCodec> make_text_codec(const engine::Engine& eng, const std::string& tokenizer_file) {
  if (!tokenizer_file.empty()) return std::make_unique<FileCodec>(tokenizer_file);
  if (!eng.has_tokenizer())
    throw Error("the model has no tokenizer, so prompts cannot be encoded", eng.info().name,
                "use a checkpoint directory (`remedi-eval make-tiny-model DIR` makes a tiny one), or give a "
                "preset a tokenizer with --tokenizer DIR/tokenizer.json");
  return std::make_unique<EngineCodec>(eng);
}

}  // namespace remedi::cli
