// Tokenizer: loads HF tokenizer.json and runs the encode/decode pipeline of
// tokenizers/src/tokenizer/mod.rs (see tokenizer_internal.h for the stages).
#include "remedi/engine/tokenizer.h"

#include <sys/stat.h>

#include <algorithm>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "tokenizer_internal.h"

namespace remedi::engine {

struct Tokenizer::Impl {
  std::unique_ptr<tok::Normalizer> normalizer;
  std::unique_ptr<tok::PreTokenizer> pre_tokenizer;
  std::unique_ptr<tok::BpeModel> model;
  std::unique_ptr<tok::Decoder> decoder;
  tok::AddedVocabulary added;
  // Ids whose token text is a special added token's content (HF skips by content, so a vocab entry
  // with the same text is skipped too); computed once so decode does no string lookups.
  std::unordered_set<int32_t> skip_ids;

  // Normalize → pre-tokenize → BPE for one piece of text between added tokens.
  void encode_text(std::string piece, bool parse_special, std::vector<int32_t>& out) const {
    if (normalizer) normalizer->apply(piece);
    if (piece.empty()) return;
    std::vector<tok::Segment> segs;
    added.split(piece, /*normalized=*/true, !parse_special, segs);
    for (auto& seg : segs) {
      if (seg.added_id >= 0) {
        out.push_back(seg.added_id);
        continue;
      }
      tok::Pieces pieces{std::move(seg.text)};
      if (pre_tokenizer) pre_tokenizer->apply(pieces);
      for (const auto& p : pieces)
        if (!p.empty()) model->encode_word(p, out);
    }
  }
};

namespace {
// HF tokenizers ignores the "id" of an added token when loading: a token found in model.vocab gets
// its vocab id, any other gets the next id after len(vocab) / the largest added id so far
// (AddedVocabulary::add_tokens). A file whose declared ids disagree would encode differently in HF
// than the ids it states, so it is refused instead of guessed at.
void check_hf_id(const tok::AddedToken& t, const tok::BpeModel& model, int64_t& hf_max, const std::string& where) {
  int64_t hf_id;
  if (auto v = model.token_to_id(t.content)) {
    hf_id = *v;
  } else {
    const int64_t n = model.vocab_count();
    hf_id = (hf_max >= 0 && (hf_max >= n || n == 0)) ? hf_max + 1 : n;
  }
  if (hf_id != t.id)
    throw Error("added token '" + t.content + "' is declared with id " + std::to_string(t.id) +
                    " but HF tokenizers would give it id " + std::to_string(hf_id),
                where, "list the token in model.vocab at its id, or number added tokens right after the vocab");
  hf_max = std::max(hf_max, hf_id);
}
}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error("tokenizer file not found", path, "the model directory needs an HF tokenizer.json");
  if (!S_ISREG(st.st_mode)) throw Error("tokenizer path is not a regular file", path);
  return from_json(read_file(path), path);
}

Tokenizer Tokenizer::from_json(const std::string& json_text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(std::string("malformed JSON: ") + e.what(), where, "is it a complete HF tokenizer.json?");
  }
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object())
    throw Error("no \"model\" object: not an HF tokenizer.json", where);
  auto impl = std::make_unique<Impl>();
  try {
    const auto& m = j["model"];
    // Old files omit the type; HF then guesses from the fields, and merges mean BPE.
    const std::string type = m.contains("type") ? m["type"].get<std::string>() : (m.contains("merges") ? "BPE" : "");
    if (type != "BPE")
      throw Error("unsupported tokenizer model type '" + type + "'", where, "only BPE tokenizers are supported");
    impl->model = std::make_unique<tok::BpeModel>(m, where);
    impl->normalizer = tok::make_normalizer(j.value("normalizer", nlohmann::json()), where);
    impl->pre_tokenizer = tok::make_pre_tokenizer(j.value("pre_tokenizer", nlohmann::json()), where);
    impl->decoder = tok::make_decoder(j.value("decoder", nlohmann::json()), where);
    int64_t hf_next_id = -1;  // the largest id HF has handed to an added token so far
    for (const auto& a : j.value("added_tokens", nlohmann::json::array())) {
      tok::AddedToken t;
      t.id = a.at("id").get<int32_t>();
      t.content = a.at("content").get<std::string>();
      t.special = a.value("special", false);
      t.single_word = a.value("single_word", false);
      t.lstrip = a.value("lstrip", false);
      t.rstrip = a.value("rstrip", false);
      t.normalized = a.value("normalized", !t.special);  // HF's default: specials are not normalized
      if (t.id < 0) throw Error("added token '" + t.content + "' has a negative id", where);
      check_hf_id(t, *impl->model, hf_next_id, where);
      impl->added.add(std::move(t));
    }
    impl->added.build();
    for (const auto& a : impl->added.tokens())
      if (a.special) {
        impl->skip_ids.insert(a.id);
        if (auto v = impl->model->token_to_id(a.content)) impl->skip_ids.insert(*v);
      }
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong JSON type, a missing key
    throw Error(std::string("invalid tokenizer.json: ") + e.what(), where);
  }
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special) const {
  const std::string valid = tok::utf8_lossy(text);
  std::vector<int32_t> out;
  out.reserve(valid.size() / 3 + 4);
  std::vector<tok::Segment> segs;
  impl_->added.split(valid, /*normalized=*/false, !parse_special, segs);
  for (auto& seg : segs) {
    if (seg.added_id >= 0)
      out.push_back(seg.added_id);
    else
      impl_->encode_text(std::move(seg.text), parse_special, out);
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) {
    const std::string* s = nullptr;
    if (const auto* a = impl_->added.by_id(id))
      s = &a->content;
    else
      s = impl_->model->id_to_token(id);
    if (!s) continue;  // an unused id
    if (skip_special && impl_->skip_ids.count(id)) continue;
    tokens.push_back(*s);
  }
  if (!impl_->decoder) {
    std::string out;
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  impl_->decoder->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto* a = impl_->added.by_content(token)) return a->id;
  return impl_->model->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  if (const auto* a = impl_->added.by_id(id)) return a->content;
  const std::string* s = impl_->model->id_to_token(id);
  return s ? *s : std::string();
}

size_t Tokenizer::vocab_size() const {
  return static_cast<size_t>(std::max(impl_->model->max_id(), impl_->added.max_id()) + 1);
}

bool Tokenizer::is_special(int32_t id) const {
  const auto* a = impl_->added.by_id(id);
  return a && a->special;
}

}  // namespace remedi::engine
