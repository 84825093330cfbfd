// Unicode canonical normalization, NFC and NFD (Unicode Standard Annex #15), for tokenizer.json
// files whose normalizer is NFC (e.g. Qwen2-style BPE) or NFD. Data: tokenizer_nfc_tables.cpp,
// generated from Python's unicodedata; Hangul syllables are handled arithmetically (UAX #15 /
// Unicode §3.12). HF tokenizers uses the Rust unicode-normalization crate, whose Unicode version
// may be newer: the forms differ only for characters assigned after our table's version.
#include <algorithm>

#include "tokenizer_internal.h"

namespace remedi::engine::tok {
namespace {

// Hangul syllable constants (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount;
constexpr char32_t kSCount = kLCount * kNCount;

uint8_t ccc(char32_t c) {
  if (c < 0x300) return 0;  // nothing below U+0300 combines
  const auto* end = unicode_data::kCcc + unicode_data::kCccCount;
  const auto* it = std::lower_bound(unicode_data::kCcc, end, c, [](const unicode_data::CccEntry& e, char32_t v) { return e.cp < v; });
  return it != end && it->cp == c ? it->ccc : 0;
}

void decompose(char32_t c, std::u32string& out) {
  if (c >= kSBase && c < kSBase + kSCount) {
    const char32_t s = c - kSBase;
    out += kLBase + s / kNCount;
    out += kVBase + (s % kNCount) / kTCount;
    if (s % kTCount) out += kTBase + s % kTCount;
    return;
  }
  if (c >= 0xC0) {
    const auto* end = unicode_data::kDecomp + unicode_data::kDecompCount;
    const auto* it = std::lower_bound(unicode_data::kDecomp, end, c, [](const unicode_data::DecompEntry& e, char32_t v) { return e.cp < v; });
    if (it != end && it->cp == c) {
      out.append(unicode_data::kDecompData + it->offset, it->length);
      return;
    }
  }
  out += c;
}

// Primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const auto* end = unicode_data::kCompose + unicode_data::kComposeCount;
  const auto* it = std::lower_bound(unicode_data::kCompose, end, std::pair{a, b}, [](const unicode_data::ComposeEntry& e, std::pair<char32_t, char32_t> v) {
    return e.first != v.first ? e.first < v.first : e.second < v.second;
  });
  return it != end && it->first == a && it->second == b ? it->composite : 0;
}

// Canonical decomposition followed by the canonical ordering of combining marks.
std::u32string decompose_ordered(std::string_view s) {
  std::u32string d;
  d.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    decompose(utf8_decode(s, i, &len), d);
    i += len;
  }
  for (size_t i = 1; i < d.size(); ++i) {  // stable insertion sort of each run of non-starters
    const uint8_t ci = ccc(d[i]);
    if (ci == 0) continue;
    for (size_t j = i; j > 0 && ccc(d[j - 1]) > ci; --j) std::swap(d[j - 1], d[j]);
  }
  return d;
}

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string to_utf8(const std::u32string& d) {
  std::string out;
  out.reserve(d.size() * 2);
  for (char32_t c : d) utf8_append(out, c);
  return out;
}

}  // namespace

std::string nfd(std::string_view s) {
  if (ascii(s)) return std::string(s);
  return to_utf8(decompose_ordered(s));
}

std::string nfc(std::string_view s) {
  if (ascii(s)) return std::string(s);
  const std::u32string d = decompose_ordered(s);
  if (d.empty()) return {};
  // Canonical composition (UAX #15 §1.3, its sample code): a character joins the last starter
  // unless a character in between has a combining class >= its own (it is "blocked").
  std::u32string out(1, d[0]);
  size_t starter = 0;
  int last_class = ccc(d[0]) ? 256 : 0;  // a leading non-starter blocks every composition
  for (size_t i = 1; i < d.size(); ++i) {
    const char32_t c = d[i];
    const int cls = ccc(c);
    if (last_class < cls || last_class == 0) {
      if (char32_t comp = compose(out[starter], c)) {
        out[starter] = comp;
        continue;
      }
    }
    if (cls == 0) starter = out.size();
    last_class = cls;
    out += c;
  }
  return to_utf8(out);
}

}  // namespace remedi::engine::tok
