// LLaDA-8B-Instruct chat template (MODEL.md §3). See chat_template.h for the exact layout.
#include "remedi/engine/chat_template.h"

#include "remedi/common/error.h"
#include "tokenizer_internal.h"

namespace remedi::engine {
namespace {

// The markers of the template; the ids they encode to are fixed by the checkpoint
// (MODEL.md §3: 126080, 126346, 126347, 126348).
constexpr const char* kBos = "<|startoftext|>";
constexpr const char* kHeaderStart = "<|start_header_id|>";
constexpr const char* kHeaderEnd = "<|end_header_id|>\n\n";
constexpr const char* kEndOfTurn = "<|eot_id|>";

// Python's str.isspace(): bidi class WS/B/S or category Zs. Unlike Unicode White_Space it includes
// the information separators U+001C..U+001F.
bool python_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace

std::string strip_unicode_whitespace(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    size_t len = 0;
    char32_t c = tok::utf8_decode(s, begin, &len);
    if (c == tok::kInvalidCodePoint || !python_isspace(c)) break;
    begin += len;
  }
  while (end > begin) {
    size_t start = end - 1;  // back up to the first byte of the last code point
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t len = 0;
    char32_t c = tok::utf8_decode(s, start, &len);
    if (c == tok::kInvalidCodePoint || start + len != end || !python_isspace(c)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

std::string apply_chat_template(const std::vector<ChatMessage>& msgs, bool add_generation_prompt) {
  if (msgs.empty() && !add_generation_prompt)
    throw Error("chat template: no messages and no generation prompt", "apply_chat_template",
                "pass at least one message");
  std::string out;
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (i == 0) out += kBos;  // the Jinja template prepends bos_token to loop.index0 == 0 only
    out += kHeaderStart;
    out += msgs[i].role;
    out += kHeaderEnd;
    out += strip_unicode_whitespace(msgs[i].content);
    out += kEndOfTurn;
  }
  if (add_generation_prompt) {
    out += kHeaderStart;
    out += "assistant";
    out += kHeaderEnd;
  }
  return out;
}

}  // namespace remedi::engine
