// Normalizers of HF tokenizer.json (tokenizers/src/normalizers/*.rs), applied to each piece of text
// between added tokens before pre-tokenization.
//
// Supported: null, Sequence, Replace (String or Regex pattern), Prepend, Strip, NFC, NFD. The
// compatibility forms (NFKC, NFKD), Lowercase and the Bert/Precompiled normalizers are refused with
// an Error naming the type rather than silently skipped.
#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {
namespace {

class Replace final : public Normalizer {
 public:
  Replace(const nlohmann::json& j, const std::string& where) : content_(j.at("content").get<std::string>()) {
    const auto& pat = j.at("pattern");
    if (pat.contains("Regex"))
      regex_ = std::make_unique<Regex>(pat.at("Regex").get<std::string>(), where);
    else
      literal_ = pat.at("String").get<std::string>();
  }
  void apply(std::string& s) const override {
    std::vector<std::pair<size_t, size_t>> m;
    if (regex_) {
      regex_->find_all(s, m);
    } else if (!literal_.empty()) {
      for (size_t p = s.find(literal_); p != std::string::npos; p = s.find(literal_, p + literal_.size()))
        m.emplace_back(p, p + literal_.size());
    }
    if (m.empty()) return;
    std::string out;
    size_t prev = 0;
    for (auto [b, e] : m) {
      out.append(s, prev, b - prev);
      out += content_;
      prev = e;
    }
    out.append(s, prev, std::string::npos);
    s = std::move(out);
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string literal_, content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prepend_(std::move(p)) {}
  void apply(std::string& s) const override {
    if (!s.empty()) s.insert(0, prepend_);  // HF prepends to non-empty strings only
  }

 private:
  std::string prepend_;
};

class Strip final : public Normalizer {  // Unicode White_Space at the chosen ends
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void apply(std::string& s) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      while (b < e) {
        size_t len = 0;
        char32_t c = utf8_decode(s, b, &len);
        if (!is_white_space(c)) break;
        b += len;
      }
    }
    if (right_) {
      while (e > b) {
        size_t st = e - 1;
        while (st > b && (static_cast<unsigned char>(s[st]) & 0xC0) == 0x80) --st;
        size_t len = 0;
        char32_t c = utf8_decode(s, st, &len);
        if (!is_white_space(c)) break;
        e = st;
      }
    }
    s = s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

// Unicode canonical forms (tokenizer_nfc.cpp).
class Nfc final : public Normalizer {
 public:
  void apply(std::string& s) const override { s = nfc(s); }
};
class Nfd final : public Normalizer {
 public:
  void apply(std::string& s) const override { s = nfd(s); }
};

class SequenceNorm final : public Normalizer {
 public:
  explicit SequenceNorm(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void apply(std::string& s) const override {
    for (auto& n : steps_) n->apply(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = j.value("type", "");
  const std::string at = where + ": normalizer " + type;
  if (type == "Replace") return std::make_unique<Replace>(j, at);
  if (type == "Prepend") return std::make_unique<Prepend>(j.at("prepend").get<std::string>());
  if (type == "Strip") return std::make_unique<Strip>(j.value("strip_left", true), j.value("strip_right", true));
  if (type == "NFC") return std::make_unique<Nfc>();
  if (type == "NFD") return std::make_unique<Nfd>();
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& s : j.at("normalizers"))
      if (auto n = make_normalizer(s, where)) steps.push_back(std::move(n));
    return std::make_unique<SequenceNorm>(std::move(steps));
  }
  throw Error("unsupported normalizer type '" + type + "'", where,
              "supported: null, Sequence, Replace, Prepend, Strip, NFC, NFD (not NFKC, NFKD, Lowercase)");
}

}  // namespace remedi::engine::tok
