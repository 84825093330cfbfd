// UTF-8 helpers and the GPT-2 byte-level alphabet used by the tokenizer.
#include <cstdint>

#include "tokenizer_internal.h"

namespace remedi::engine::tok {

char32_t utf8_decode(std::string_view s, size_t i, size_t* len) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *len = 1;
    return c0;
  }
  // Well-formed sequences per Unicode Table 3-7; lo/hi bound the second byte.
  int need = 0;
  char32_t cp = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    need = 1, cp = c0 & 0x1F;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    need = 2, cp = c0 & 0x0F;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    need = 3, cp = c0 & 0x07;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    *len = 1;
    return kInvalidCodePoint;
  }
  for (int k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      *len = k;
      return kInvalidCodePoint;
    }
    const auto c = static_cast<unsigned char>(s[i + k]);
    if (c < lo || c > hi) {
      *len = k;  // the maximal subpart ends before the offending byte
      return kInvalidCodePoint;
    }
    lo = 0x80, hi = 0xBF;
    cp = (cp << 6) | (c & 0x3F);
  }
  *len = need + 1;
  return cp;
}

void utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool utf8_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    if (utf8_decode(s, i, &len) == kInvalidCodePoint) return false;
    i += len;
  }
  return true;
}

std::string utf8_lossy(std::string_view s) {
  if (utf8_valid(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    size_t len = 0;
    char32_t c = utf8_decode(s, i, &len);
    if (c == kInvalidCodePoint)
      out += "\xEF\xBF\xBD";  // U+FFFD
    else
      out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

namespace {
// bytes_to_unicode() of openai/gpt-2 src/encoder.py: printable Latin-1 bytes stand for themselves,
// the other 68 bytes are given the code points 256, 257, ... in byte order.
struct ByteTable {
  std::array<std::string, 256> to_unicode;
  std::array<int, 324> to_byte;  // code points < 324 cover the whole image
  ByteTable() {
    to_byte.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      utf8_append(to_unicode[b], cp);
      to_byte[cp] = b;
    }
  }
};
const ByteTable& table() {
  static const ByteTable t;
  return t;
}
}  // namespace

const std::array<std::string, 256>& byte_to_unicode() { return table().to_unicode; }

int unicode_to_byte(char32_t c) { return c < 324 ? table().to_byte[c] : -1; }

}  // namespace remedi::engine::tok
