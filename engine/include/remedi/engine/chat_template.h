// The LLaDA-8B-Instruct chat template (MODEL.md §3), written out in C++ instead of evaluating the
// Jinja string of tokenizer_config.json. For messages m_0..m_n it produces
//
//   <|startoftext|>                                           (BOS, before the first turn only)
//   <|start_header_id|>{role}<|end_header_id|>\n\n{content.strip()}<|eot_id|>   (every turn)
//   <|start_header_id|>assistant<|end_header_id|>\n\n          (if add_generation_prompt)
//
// which is what GSAI-ML/LLaDA-8B-Instruct's Llama-3-style template renders (content `| trim`,
// i.e. Python str.strip(): Unicode whitespace at both ends). The result is text: encode it with
// Tokenizer::encode(text, /*parse_special=*/true) so the markers become their special ids.
#pragma once
#include <string>
#include <vector>

namespace remedi::engine {

struct ChatMessage {
  std::string role;     // "system", "user" or "assistant" (any string is rendered as given)
  std::string content;  // UTF-8; leading/trailing whitespace is stripped when rendered
};

// Throws remedi::Error if msgs is empty and add_generation_prompt is false (nothing to render).
std::string apply_chat_template(const std::vector<ChatMessage>& msgs, bool add_generation_prompt = true);

// Python str.strip() semantics (what Jinja's `trim` filter calls): removes every code point for
// which str.isspace() is true from both ends. Invalid UTF-8 bytes are never stripped.
std::string strip_unicode_whitespace(const std::string& s);

}  // namespace remedi::engine
