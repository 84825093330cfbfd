// Decoders of HF tokenizer.json (tokenizers/src/decoders/*.rs): the token strings of the ids are
// passed through decode_chain and concatenated.
//
// Supported: ByteLevel (GPT-2 byte alphabet back to bytes, invalid UTF-8 → U+FFFD like Rust's
// from_utf8_lossy), Sequence, Replace, ByteFallback, Fuse, Strip.
#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {
namespace {

class ByteLevelDec final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      // A token whose every character is in the byte alphabet contributes those bytes; any other
      // token (an added token with e.g. a space in it) contributes its text unchanged.
      const size_t mark = bytes.size();
      bool all = true;
      for (size_t i = 0; i < t.size();) {
        size_t len = 0;
        char32_t c = utf8_decode(t, i, &len);
        int b = c == kInvalidCodePoint ? -1 : unicode_to_byte(c);
        if (b < 0) {
          all = false;
          break;
        }
        bytes += static_cast<char>(b);
        i += len;
      }
      if (!all) {
        bytes.resize(mark);
        bytes += t;
      }
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

class ReplaceDec final : public Decoder {
 public:
  ReplaceDec(const nlohmann::json& j, const std::string& where) {
    nlohmann::json n = j;
    n["type"] = "Replace";
    norm_ = make_normalizer(n, where);  // same replacement, applied per token
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) norm_->apply(t);
  }

 private:
  std::unique_ptr<Normalizer> norm_;
};

class ByteFallbackDec final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;  // consecutive <0xXX> bytes
    size_t pending_n = 0;
    auto flush = [&] {
      if (pending_n == 0) return;
      if (utf8_valid(pending))
        out.push_back(pending);
      else
        for (size_t i = 0; i < pending_n; ++i) out.emplace_back("\xEF\xBF\xBD");
      pending.clear();
      pending_n = 0;
    };
    for (auto& t : tokens) {
      int byte = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        char* end = nullptr;
        const std::string hex = t.substr(3, 2);
        long v = std::strtol(hex.c_str(), &end, 16);
        if (end == hex.c_str() + 2) byte = static_cast<int>(v);
      }
      if (byte >= 0) {
        pending += static_cast<char>(byte);
        ++pending_n;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    tokens = std::move(out);
  }
};

class FuseDec final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDec final : public Decoder {  // removes up to start/stop copies of `content` per token
 public:
  StripDec(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::vector<std::pair<size_t, char32_t>> chars;  // (byte offset, code point)
      for (size_t i = 0; i < t.size();) {
        size_t len = 0;
        chars.emplace_back(i, utf8_decode(t, i, &len));
        i += len;
      }
      size_t b = 0, e = chars.size();
      while (b < start_ && b < e && chars[b].second == content_) ++b;
      size_t removed = 0;
      while (removed < stop_ && e > b && chars[e - 1].second == content_) --e, ++removed;
      const size_t from = b < chars.size() ? chars[b].first : t.size();
      const size_t to = e < chars.size() ? chars[e].first : t.size();
      t = t.substr(from, to - from);
    }
  }

 private:
  char32_t content_;
  size_t start_, stop_;
};

class SequenceDec final : public Decoder {
 public:
  explicit SequenceDec(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& d : steps_) d->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = j.value("type", "");
  const std::string at = where + ": decoder " + type;
  if (type == "ByteLevel") return std::make_unique<ByteLevelDec>();
  if (type == "Replace") return std::make_unique<ReplaceDec>(j, at);
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDec>();
  if (type == "Fuse") return std::make_unique<FuseDec>();
  if (type == "Strip") {
    const std::string c = j.at("content").get<std::string>();
    size_t len = 0;
    if (c.empty()) throw Error("Strip decoder needs a one-character content", at);
    return std::make_unique<StripDec>(utf8_decode(c, 0, &len), j.value("start", size_t{0}), j.value("stop", size_t{0}));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& s : j.at("decoders"))
      if (auto d = make_decoder(s, where)) steps.push_back(std::move(d));
    return std::make_unique<SequenceDec>(std::move(steps));
  }
  throw Error("unsupported decoder type '" + type + "'", where,
              "supported: ByteLevel, Sequence, Replace, ByteFallback, Fuse, Strip");
}

}  // namespace remedi::engine::tok
