// Tokenizer tests: HF-generated golden ids for three hand-written tokenizer.json fixtures
// (tests/fixtures/engine/tokenizer/make_golden.py says how they were made), round trips, special
// tokens, loader errors, and the tiny tokenizer written for test checkpoints.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/chat_template.h"
#include "remedi/engine/tokenizer.h"

using remedi::Error;
using remedi::engine::Tokenizer;
using Ids = std::vector<int32_t>;

namespace {

std::string fixture(const std::string& name) {
  return std::string(REMEDI_FIXTURES_DIR) + "/engine/tokenizer/" + name;
}

std::string show(const Ids& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s + "]";
}

// Every case of golden_<name>.json: encode with and without special-token parsing, decode with and
// without skipping specials, all equal to what HF tokenizers produced.
void check_golden(const std::string& name) {
  const Tokenizer tok = Tokenizer::from_file(fixture(name + ".tokenizer.json"));
  const auto golden = nlohmann::json::parse(remedi::read_file(fixture("golden_" + name + ".json")));
  const auto& cases = golden.at("cases");
  REQUIRE(cases.size() > 100);
  int mismatches = 0;
  for (const auto& c : cases) {
    const std::string text = c.at("text");
    const Ids ids = c.at("ids").get<Ids>(), plain = c.at("ids_no_special").get<Ids>();
    const Ids got = tok.encode(text), got_plain = tok.encode(text, /*parse_special=*/false);
    const std::string keep = tok.decode(ids, /*skip_special=*/false), skip = tok.decode(ids, true);
    const bool ok = got == ids && got_plain == plain && keep == c.at("decode_keep") && skip == c.at("decode_skip");
    if (!ok && ++mismatches <= 5) {
      INFO(name << " text: " << nlohmann::json(text).dump());
      CHECK(show(got) == show(ids));
      CHECK(show(got_plain) == show(plain));
      CHECK(keep == c.at("decode_keep").get<std::string>());
      CHECK(skip == c.at("decode_skip").get<std::string>());
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("golden ids: Llama-3/LLaDA layout (Split regex + ByteLevel, list merges, added tokens)", "[tokenizer]") {
  check_golden("llama3_style");
}

TEST_CASE("golden ids: GPT-2 layout (Digits + ByteLevel with regex and prefix space)", "[tokenizer]") {
  check_golden("gpt2_style");
}

TEST_CASE("golden ids: Llama-2 layout (byte fallback, unk, Replace/Prepend normalizer)", "[tokenizer]") {
  check_golden("byte_fallback");
}

TEST_CASE("golden ids: every Split behavior, invert, String/Regex patterns, contiguous Digits", "[tokenizer]") {
  check_golden("split_a");
  check_golden("split_b");
}

// ---------------------------------------------------------------- the tiny tokenizer
namespace {
const Tokenizer& tiny() {
  static const Tokenizer t = [] {
    const std::string dir = std::filesystem::temp_directory_path() / ("remedi_tiny_tok_" + std::to_string(::getpid()));
    remedi::engine::write_tiny_tokenizer_files(dir);
    Tokenizer tok = Tokenizer::from_file(dir + "/tokenizer.json");
    std::filesystem::remove_all(dir);
    return tok;
  }();
  return t;
}
}  // namespace

TEST_CASE("tiny tokenizer: byte tokens, learned merges, LLaDA specials at their real ids", "[tokenizer]") {
  const Tokenizer& t = tiny();
  CHECK(t.token_to_id("<|startoftext|>") == 126080);
  CHECK(t.token_to_id("<|endoftext|>") == 126081);
  CHECK(t.token_to_id("<|mdm_mask|>") == 126336);
  CHECK(t.token_to_id("<|start_header_id|>") == 126346);
  CHECK(t.token_to_id("<|end_header_id|>") == 126347);
  CHECK(t.token_to_id("<|eot_id|>") == 126348);
  CHECK(t.vocab_size() == 126349);
  CHECK(t.is_special(126336));
  CHECK_FALSE(t.is_special(65));
  CHECK(t.id_to_token(65) == "A");        // id = byte value for the 256 byte tokens
  CHECK(t.id_to_token(32) == "\u0120");   // the space byte is 'Ġ' in the GPT-2 alphabet
  CHECK(t.id_to_token(1000).empty());     // unused id between the merges and the specials
  CHECK(t.id_to_token(256 + remedi::engine::kTinyTokenizerMerges - 1).size() > 1);  // last merge exists
  CHECK(t.id_to_token(256 + remedi::engine::kTinyTokenizerMerges).empty());
  // The merges compress the kind of text they were learned from.
  const std::string text = "The answer is 72. def fibonacci(n):\n    return n";
  CHECK(t.encode(text).size() * 2 < text.size());
}

TEST_CASE("tiny tokenizer encodes like HF tokenizers does with the same file", "[tokenizer]") {
  // golden_tiny.json: HF's ids for the file write_tiny_tokenizer_files() writes (make_golden.py).
  const auto golden = nlohmann::json::parse(remedi::read_file(fixture("golden_tiny.json")));
  REQUIRE(golden.at("cases").size() > 30);
  for (const auto& c : golden.at("cases")) {
    INFO(c.at("text").dump());
    CHECK(show(tiny().encode(c.at("text").get<std::string>())) == show(c.at("ids").get<Ids>()));
  }
}

TEST_CASE("tiny tokenizer file is deterministic", "[tokenizer]") {
  const auto base = std::filesystem::temp_directory_path() / ("remedi_tiny_det_" + std::to_string(::getpid()));
  remedi::engine::write_tiny_tokenizer_files((base / "a").string());
  remedi::engine::write_tiny_tokenizer_files((base / "b").string());
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
    CHECK(remedi::read_file((base / "a" / f).string()) == remedi::read_file((base / "b" / f).string()));
  const auto cfg = nlohmann::json::parse(remedi::read_file((base / "a" / "tokenizer_config.json").string()));
  CHECK(cfg.at("bos_token") == "<|startoftext|>");
  CHECK(cfg.at("eos_token") == "<|endoftext|>");
  CHECK(cfg.at("add_bos_token") == false);
  std::filesystem::remove_all(base);
}

TEST_CASE("round trip: ASCII, UTF-8 (CJK, emoji, combining marks), whitespace runs", "[tokenizer]") {
  const Tokenizer& t = tiny();
  const std::vector<std::string> texts = {
      "Hello, world! The quick brown fox jumps over the lazy dog.",
      "def f(x):\n    return {\"a\": [1, 2, 3]}  # comment\n",
      "中文测试：你好，世界。日本語のテキスト、한국어",
      "emoji 👍🏽 👨‍👩‍👧 🇫🇷 and a rocket 🚀",
      "e\u0301 vs \u00e9, Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f alg\u00f6",
      "   leading", "trailing   ", "a\n\n\n\nb", "\t\t tabs \r\n crlf  \u00a0nbsp\u3000ideo",
      "       ", "\n", "x", "",
      std::string(5000, ' ') + "end", std::string(3000, 'a'),
  };
  for (const auto& s : texts) {
    INFO(nlohmann::json(s).dump());
    const Ids ids = t.encode(s);
    CHECK(t.decode(ids) == s);
    CHECK(t.decode(ids, false) == s);
    for (int32_t id : ids) CHECK(id < 256 + remedi::engine::kTinyTokenizerMerges);  // no special ids
  }
}

TEST_CASE("special tokens in text: parsed, kept or dropped on decode, or taken literally", "[tokenizer]") {
  const Tokenizer& t = tiny();
  const std::string text = remedi::engine::apply_chat_template({{"user", "Hi <|mdm_mask|> there"}});
  const Ids ids = t.encode(text);
  REQUIRE(ids.size() > 6);
  CHECK(ids.front() == 126080);
  CHECK(std::count(ids.begin(), ids.end(), 126346) == 2);
  CHECK(std::count(ids.begin(), ids.end(), 126347) == 2);
  CHECK(std::count(ids.begin(), ids.end(), 126348) == 1);
  CHECK(std::count(ids.begin(), ids.end(), 126336) == 1);
  CHECK(t.decode(ids, /*skip_special=*/false) == text);
  CHECK(t.decode(ids, /*skip_special=*/true) == "user\n\nHi  thereassistant\n\n");
  // Glued to words and repeated.
  const Ids glued = t.encode("ab<|eot_id|><|eot_id|>cd<|endoftext|>");
  CHECK(std::count(glued.begin(), glued.end(), 126348) == 2);
  CHECK(glued.back() == 126081);
  CHECK(t.decode(glued, false) == "ab<|eot_id|><|eot_id|>cd<|endoftext|>");
  CHECK(t.decode(glued) == "abcd");
  // parse_special = false: the markers are plain text and round-trip as such.
  const Ids literal = t.encode(text, /*parse_special=*/false);
  for (int32_t id : literal) CHECK(id < 126080);
  CHECK(t.decode(literal) == text);
  // Near misses are text.
  const Ids near = t.encode("<|eot_id| <|eot_id");
  for (int32_t id : near) CHECK(id < 126080);
  // Unused ids are skipped on decode, as HF does.
  CHECK(t.decode({72, 5000, 105}) == "Hi");
}

TEST_CASE("invalid UTF-8: input becomes U+FFFD, partial characters decode like from_utf8_lossy", "[tokenizer]") {
  const Tokenizer& t = tiny();
  CHECK(t.decode(t.encode("a\xff" "b\xe2\x82" "c")) == "a\uFFFDb\uFFFDc");
  // 中 is E4 B8 AD; byte tokens have id = byte value. A truncated character is one U+FFFD.
  CHECK(t.decode({0xE4, 0xB8, 0xAD}) == "\u4e2d");
  CHECK(t.decode({0xE4, 0xB8}) == "\uFFFD");
  CHECK(t.decode({0xE4, 0xB8, 'x'}) == "\uFFFDx");
  CHECK(t.decode({0xB8, 0xAD}) == "\uFFFD\uFFFD");
}

TEST_CASE("encode is thread-safe and gives the same ids from every thread", "[tokenizer]") {
  const Tokenizer& t = tiny();
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i)
    texts.push_back("line " + std::to_string(i * 7919) + ": the model \u4e2d\u6587 " + std::string(i % 9, ' ') + "<|eot_id|>x");
  std::vector<Ids> expected;
  for (const auto& s : texts) expected.push_back(t.encode(s));
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int rep = 0; rep < 20; ++rep)
        for (size_t i = 0; i < texts.size(); ++i) bad[k] += t.encode(texts[(i + k * 13) % texts.size()]) != expected[(i + k * 13) % texts.size()];
    });
  for (auto& th : threads) th.join();
  CHECK(bad == std::vector<int>(4, 0));
}

// ---------------------------------------------------------------- loader errors
namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}
std::string write_temp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("remedi_tok_" + std::to_string(::getpid()) + "_" + name);
  remedi::write_file_atomic(p.string(), text);
  return p.string();
}
nlohmann::json small_tokenizer() {
  return nlohmann::json::parse(R"({"added_tokens": [], "normalizer": null, "pre_tokenizer": null, "decoder": null,
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}
}  // namespace

TEST_CASE("loader errors name the file and the problem", "[tokenizer]") {
  CHECK_THAT(error_of([] { Tokenizer::from_file("/nonexistent/dir/tokenizer.json"); }),
             Catch::Contains("not found") && Catch::Contains("/nonexistent/dir/tokenizer.json"));
  CHECK_THAT(error_of([] { Tokenizer::from_file(std::filesystem::temp_directory_path().string()); }),
             Catch::Contains("not a regular file"));

  const std::string trunc = write_temp("truncated.json", small_tokenizer().dump().substr(0, 60));
  CHECK_THAT(error_of([&] { Tokenizer::from_file(trunc); }), Catch::Contains("malformed JSON") && Catch::Contains(trunc));

  auto j = small_tokenizer();
  j["model"]["type"] = "WordPiece";
  const std::string wp = write_temp("wordpiece.json", j.dump());
  CHECK_THAT(error_of([&] { Tokenizer::from_file(wp); }), Catch::Contains("WordPiece") && Catch::Contains(wp));

  j = small_tokenizer();
  j["model"]["merges"] = {"a c"};
  const std::string bad_merge = write_temp("badmerge.json", j.dump());
  CHECK_THAT(error_of([&] { Tokenizer::from_file(bad_merge); }),
             Catch::Contains("merge #0") && Catch::Contains("'c'") && Catch::Contains(bad_merge));

  j = small_tokenizer();
  j["model"]["merges"] = nlohmann::json::array({nlohmann::json::array({"a", "b"}), nlohmann::json::array({"b", "x"})});
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "mem.json"); }), Catch::Contains("merge #1"));

  j = small_tokenizer();
  j["normalizer"] = {{"type", "NFKC"}};
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "nfc.json"); }),
             Catch::Contains("normalizer type 'NFKC'") && Catch::Contains("nfc.json"));

  j = small_tokenizer();
  j["pre_tokenizer"] = {{"type", "Metaspace"}};
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "m.json"); }), Catch::Contains("pre_tokenizer type 'Metaspace'"));

  j = small_tokenizer();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "re.json"); }), Catch::Contains("cannot compile regex"));

  j = small_tokenizer();
  j["decoder"] = {{"type", "WordPiece"}};
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "d.json"); }), Catch::Contains("decoder type 'WordPiece'"));

  j = small_tokenizer();  // HF would number this token 3, not 500
  j["added_tokens"] = {{{"id", 500}, {"content", "<x>"}, {"special", true}}};
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "ids.json"); }),
             Catch::Contains("declared with id 500") && Catch::Contains("give it id 3"));

  j = small_tokenizer();
  j["model"]["vocab"] = "oops";
  CHECK_THAT(error_of([&] { Tokenizer::from_json(j.dump(), "v.json"); }), Catch::Contains("vocab"));

  for (const auto& p : {trunc, wp, bad_merge}) std::filesystem::remove(p);
}

TEST_CASE("a minimal file without pre-tokenizer or decoder works", "[tokenizer]") {
  const Tokenizer t = Tokenizer::from_json(small_tokenizer().dump(), "mem.json");
  CHECK(t.encode("abba") == Ids{2, 1, 0});
  CHECK(t.decode({2, 1, 0}) == "ab b a");  // no decoder: HF joins tokens with spaces
  CHECK(t.vocab_size() == 3);
  CHECK_FALSE(t.token_to_id("c").has_value());
}
