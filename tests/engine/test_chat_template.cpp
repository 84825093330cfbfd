// Chat template golden strings (MODEL.md §3). The expected strings were produced once by rendering
// LLaDA-8B-Instruct's Jinja chat_template (the string write_tiny_tokenizer_files puts in
// tokenizer_config.json) with jinja2's sandboxed environment, as transformers does.
#include <catch2/catch.hpp>

#include "remedi/common/error.h"
#include "remedi/engine/chat_template.h"

using remedi::engine::apply_chat_template;
using remedi::engine::ChatMessage;
using remedi::engine::strip_unicode_whitespace;

TEST_CASE("single user turn: BOS, header, stripped content, eot, assistant header", "[chat]") {
  const std::vector<ChatMessage> m = {{"user", "What is 2+2?"}};
  CHECK(apply_chat_template(m) ==
        "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(apply_chat_template(m, /*add_generation_prompt=*/false) ==
        "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>");
}

TEST_CASE("multi-turn: BOS only before the first turn, every turn stripped", "[chat]") {
  const std::vector<ChatMessage> m = {{"system", "You are a helpful assistant."},
                                      {"user", "  Hi!\n"},
                                      {"assistant", "\tHello. How can I help?  "},
                                      {"user", "Add 1 and 2.\n\nThanks"}};
  const std::string turns =
      "<|startoftext|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
      "<|start_header_id|>assistant<|end_header_id|>\n\nHello. How can I help?<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\nAdd 1 and 2.\n\nThanks<|eot_id|>";
  CHECK(apply_chat_template(m) == turns + "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(apply_chat_template(m, false) == turns);
}

TEST_CASE("content is stripped of Unicode whitespace like Python str.strip", "[chat]") {
  const std::vector<ChatMessage> m = {{"user", "\u3000\u00a0 \u00bfQu\u00e9 tal? \u4e2d\u6587 \u2003\n"}};
  CHECK(apply_chat_template(m) ==
        "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\n\u00bfQu\u00e9 tal? \u4e2d\u6587<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(strip_unicode_whitespace("\x1c a b \x1f") == "a b");  // Python counts U+001C..U+001F as space
  CHECK(strip_unicode_whitespace(" \t\n") == "");
  CHECK(strip_unicode_whitespace("\xff ") == "\xff");           // invalid UTF-8 is kept, not stripped
  CHECK(strip_unicode_whitespace("x\u200b") == "x\u200b");     // zero-width space is not whitespace
}

TEST_CASE("nothing to render is an error", "[chat]") {
  CHECK_THROWS_AS(apply_chat_template({}, false), remedi::Error);
  CHECK(apply_chat_template({}, true) == "<|start_header_id|>assistant<|end_header_id|>\n\n");
}
