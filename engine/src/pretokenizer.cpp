// Pre-tokenizers of HF tokenizer.json (tokenizers/src/pre_tokenizers/*.rs). Their regexes run on
// PCRE2 (tokenizer_regex.cpp).
//
// Supported: ByteLevel (add_prefix_space, use_regex; trim_offsets only moves offsets, which we do
// not expose), Split (Regex or String pattern; behavior Removed, Isolated, MergedWithPrevious,
// MergedWithNext, Contiguous; invert), Digits (individual_digits), Sequence.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine::tok {

// ---------------------------------------------------------------- splitting
namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct Span {
  size_t start, end;
  bool match;
};

// HF SplitDelimiterBehavior applied to the (offsets, is_match) list of one piece
// (tokenizers/src/tokenizer/normalizer.rs, NormalizedString::split).
void split_by(const std::string& piece, std::vector<Span> spans, Behavior b, bool invert, Pieces& out) {
  if (invert)
    for (auto& s : spans) s.match = !s.match;
  std::vector<Span> merged;
  bool prev_match = false;
  switch (b) {
    case Behavior::Isolated:
      merged = std::move(spans);
      break;
    case Behavior::Removed:
      for (auto& s : spans)
        if (!s.match) merged.push_back(s);
      break;
    case Behavior::MergedWithPrevious:
      for (auto& s : spans) {
        if (s.match && !prev_match && !merged.empty())
          merged.back().end = s.end;
        else
          merged.push_back(s);
        prev_match = s.match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->match && !prev_match && !merged.empty())
          merged.back().start = it->start;
        else
          merged.push_back(*it);
        prev_match = it->match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    case Behavior::Contiguous:
      for (size_t i = 0; i < spans.size(); ++i) {
        if (i > 0 && spans[i].match == prev_match)
          merged.back().end = spans[i].end;
        else
          merged.push_back(spans[i]);
        prev_match = spans[i].match;
      }
      break;
  }
  for (auto& s : merged)
    if (s.end > s.start) out.push_back(piece.substr(s.start, s.end - s.start));
}

// HF Pattern::find_matches: the whole piece as alternating non-match / match spans.
std::vector<Span> to_spans(size_t size, const std::vector<std::pair<size_t, size_t>>& matches) {
  std::vector<Span> spans;
  size_t prev = 0;
  for (auto [s, e] : matches) {
    if (prev != s) spans.push_back({prev, s, false});
    spans.push_back({s, e, true});
    prev = e;
  }
  if (prev != size) spans.push_back({prev, size, false});
  return spans;
}

void literal_matches(std::string_view s, const std::string& lit, std::vector<std::pair<size_t, size_t>>& out) {
  if (lit.empty()) return;
  for (size_t p = s.find(lit); p != std::string_view::npos; p = s.find(lit, p + lit.size()))
    out.emplace_back(p, p + lit.size());
}

Behavior parse_behavior(const std::string& s, const std::string& where) {
  if (s == "Removed") return Behavior::Removed;
  if (s == "Isolated") return Behavior::Isolated;
  if (s == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (s == "MergedWithNext") return Behavior::MergedWithNext;
  if (s == "Contiguous") return Behavior::Contiguous;
  throw Error("unknown Split behavior '" + s + "'", where,
              "expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");
}

// The GPT-2 pattern ByteLevel uses when use_regex is true (tokenizers byte_level.rs).
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex, const std::string& where)
      : add_prefix_space_(add_prefix_space),
        regex_(use_regex ? std::make_unique<Regex>(kGpt2Pattern, where) : nullptr) {}
  void apply(Pieces& pieces) const override {
    const auto& table = byte_to_unicode();
    Pieces split;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      if (add_prefix_space_ && (p.empty() || p[0] != ' ')) p.insert(p.begin(), ' ');
      if (regex_) {
        m.clear();
        regex_->find_all(p, m);
        split_by(p, to_spans(p.size(), m), Behavior::Isolated, false, split);
      } else if (!p.empty()) {
        split.push_back(std::move(p));
      }
    }
    // Every byte becomes the printable character that stands for it.
    for (auto& p : split) {
      std::string mapped;
      mapped.reserve(p.size() * 2);
      for (unsigned char c : p) mapped += table[c];
      p = std::move(mapped);
    }
    pieces = std::move(split);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Split final : public PreTokenizer {
 public:
  Split(const nlohmann::json& j, const std::string& where) {
    const auto& pat = j.at("pattern");
    if (pat.contains("Regex"))
      regex_ = std::make_unique<Regex>(pat.at("Regex").get<std::string>(), where);
    else if (pat.contains("String"))
      literal_ = pat.at("String").get<std::string>();
    else
      throw Error("Split pattern must be {\"Regex\": ...} or {\"String\": ...}", where);
    behavior_ = parse_behavior(j.at("behavior").get<std::string>(), where);
    invert_ = j.value("invert", false);
  }
  void apply(Pieces& pieces) const override {
    Pieces out;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      m.clear();
      if (regex_)
        regex_->find_all(p, m);
      else
        literal_matches(p, literal_, m);
      split_by(p, to_spans(p.size(), m), behavior_, invert_, out);
    }
    pieces = std::move(out);
  }

 private:
  std::unique_ptr<Regex> regex_;
  std::string literal_;
  Behavior behavior_ = Behavior::Isolated;
  bool invert_ = false;
};

// Digits: Rust char::is_numeric is Unicode N (Nd, Nl, No), i.e. \p{N}, one character per match.
class Digits final : public PreTokenizer {
 public:
  Digits(bool individual, const std::string& where) : individual_(individual), regex_("\\p{N}", where) {}
  void apply(Pieces& pieces) const override {
    Pieces out;
    std::vector<std::pair<size_t, size_t>> m;
    for (auto& p : pieces) {
      m.clear();
      regex_.find_all(p, m);
      split_by(p, to_spans(p.size(), m), individual_ ? Behavior::Isolated : Behavior::Contiguous, false, out);
    }
    pieces = std::move(out);
  }

 private:
  bool individual_;
  Regex regex_;
};

class SequencePre final : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void apply(Pieces& pieces) const override {
    for (auto& s : steps_) s->apply(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const std::string& where) {
  if (j.is_null()) return nullptr;
  const std::string type = j.value("type", "");
  const std::string at = where + ": pre_tokenizer " + type;
  if (type == "ByteLevel") return std::make_unique<ByteLevel>(j.value("add_prefix_space", true), j.value("use_regex", true), at);
  if (type == "Split") return std::make_unique<Split>(j, at);
  if (type == "Digits") return std::make_unique<Digits>(j.value("individual_digits", false), at);
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& s : j.at("pretokenizers"))
      if (auto p = make_pre_tokenizer(s, where)) steps.push_back(std::move(p));
    return std::make_unique<SequencePre>(std::move(steps));
  }
  throw Error("unsupported pre_tokenizer type '" + type + "'", where,
              "supported: ByteLevel, Split, Digits, Sequence");
}

}  // namespace remedi::engine::tok
