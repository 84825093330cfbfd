// IFEval checkers: for each of the 25 instruction types, responses that the reference
// (google-research instruction_following_eval) accepts and rejects, strict vs loose scoring,
// kwargs validation. Text utilities and golden data: test_ifeval_text.cpp; the released data:
// test_ifeval_data.cpp.
#include <catch2/catch.hpp>

#include <set>

#include "remedi/common/error.h"
#include "remedi/tasks/ifeval.h"

using nlohmann::json;
namespace ifeval = remedi::tasks::ifeval;
namespace text = remedi::tasks::ifeval::text;

namespace {

bool strict(const std::string& id, const json& kwargs, const std::string& response) {
  return ifeval::evaluate("", {{id, kwargs}}, response).strict.at(0);
}
bool loose(const std::string& id, const json& kwargs, const std::string& response) {
  return ifeval::evaluate("", {{id, kwargs}}, response).loose.at(0);
}

}  // namespace

TEST_CASE("ifeval: registry lists the 25 reference ids", "[ifeval]") {
  auto ids = ifeval::supported_instructions();
  CHECK(ids.size() == 25);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 25);
  CHECK(ids.front() == "keywords:existence");
}

TEST_CASE("ifeval: keywords:existence (regex search, no word boundaries)", "[ifeval]") {
  json kw = {{"keywords", {"cat", "dog"}}};
  CHECK(strict("keywords:existence", kw, "I have a cat and a dog."));
  CHECK(strict("keywords:existence", kw, "CAT DOG"));
  CHECK(strict("keywords:existence", kw, "concatenate the hotdog"));
  CHECK_FALSE(strict("keywords:existence", kw, "I have a cat."));
  CHECK_FALSE(strict("keywords:existence", kw, ""));
  CHECK_FALSE(strict("keywords:existence", kw, "c a t and dog"));
}

TEST_CASE("ifeval: keywords:frequency", "[ifeval]") {
  json kw = {{"keyword", "hello"}, {"frequency", 2}, {"relation", "at least"}};
  CHECK(strict("keywords:frequency", kw, "hello hello"));
  CHECK(strict("keywords:frequency", kw, "Hello there. HELLO again"));
  CHECK(strict("keywords:frequency", kw, "hellohello"));
  CHECK_FALSE(strict("keywords:frequency", kw, "hello"));
  CHECK_FALSE(strict("keywords:frequency", kw, "hell o hello"));
  CHECK_FALSE(strict("keywords:frequency", kw, "   "));
  json lt = {{"keyword", "the"}, {"frequency", 2}, {"relation", "less than"}};
  CHECK(strict("keywords:frequency", lt, "the cat"));
  CHECK_FALSE(strict("keywords:frequency", lt, "the cat and the dog"));
  CHECK_FALSE(strict("keywords:frequency", lt, "there and then"));  // substrings count
}

TEST_CASE("ifeval: keywords:forbidden_words (word boundaries)", "[ifeval]") {
  json kw = {{"forbidden_words", {"bad", "evil"}}};
  CHECK(strict("keywords:forbidden_words", kw, "a good day"));
  CHECK(strict("keywords:forbidden_words", kw, "badminton is fun"));
  CHECK(strict("keywords:forbidden_words", kw, "EVILS abound"));
  CHECK_FALSE(strict("keywords:forbidden_words", kw, "that is bad."));
  CHECK_FALSE(strict("keywords:forbidden_words", kw, "Evil!"));
  CHECK_FALSE(strict("keywords:forbidden_words", kw, "so BAD"));
  // Python's \b is Unicode-aware: "é" is a word character, "—" is not.
  CHECK(strict("keywords:forbidden_words", kw, "badé"));
  CHECK_FALSE(strict("keywords:forbidden_words", kw, "bad\xE2\x80\x94worse"));
}

TEST_CASE("ifeval: keywords:letter_frequency", "[ifeval]") {
  json kw = {{"letter", "a"}, {"let_frequency", 3}, {"let_relation", "at least"}};
  CHECK(strict("keywords:letter_frequency", kw, "banana"));
  CHECK(strict("keywords:letter_frequency", kw, "AAA"));
  CHECK(strict("keywords:letter_frequency", kw, "a a a"));
  CHECK_FALSE(strict("keywords:letter_frequency", kw, "ab"));
  CHECK_FALSE(strict("keywords:letter_frequency", kw, "bbb"));
  CHECK_FALSE(strict("keywords:letter_frequency", kw, "\xC3\xA0\xC3\xA0\xC3\xA0"));  // "ààà" is not 'a'
  json lt = {{"letter", "Z"}, {"let_frequency", 2}, {"let_relation", "less than"}};
  CHECK(strict("keywords:letter_frequency", lt, "zoo"));
  CHECK_FALSE(strict("keywords:letter_frequency", lt, "Zzz"));
}

TEST_CASE("ifeval: language:response_language", "[ifeval]") {
  CHECK(strict("language:response_language", {{"language", "de"}},
               "Das ist ein kurzer Text, und er ist auf Deutsch geschrieben. Wir sind hier."));
  CHECK(strict("language:response_language", {{"language", "hi"}},
               "यह एक छोटा सा वाक्य है और यह हिंदी में लिखा गया है।"));
  CHECK(strict("language:response_language", {{"language", "ko"}}, "안녕하세요. 이것은 한국어 문장입니다."));
  CHECK(strict("language:response_language", {{"language", "mr"}},
               "हे एक छोटे वाक्य आहे आणि ते मराठी मध्ये लिहिले आहे."));
  CHECK(strict("language:response_language", {{"language", "fa"}}, "این یک جمله کوتاه است که به زبان فارسی نوشته شده است."));
  CHECK(strict("language:response_language", {{"language", "ur"}}, "یہ ایک مختصر جملہ ہے جو اردو میں لکھا گیا ہے۔"));
  CHECK(strict("language:response_language", {{"language", "bg"}}, "Това е кратко изречение, което е написано на български език."));
  CHECK(strict("language:response_language", {{"language", "vi"}}, "Đây là một câu ngắn được viết bằng tiếng Việt."));
  // No letters: langdetect raises and the reference counts the instruction as followed.
  CHECK(strict("language:response_language", {{"language", "de"}}, "12345 !!!"));
  CHECK_FALSE(strict("language:response_language", {{"language", "de"}},
                     "This is a short text and it is written in English."));
  CHECK_FALSE(strict("language:response_language", {{"language", "hi"}},
                     "हे एक छोटे वाक्य आहे आणि ते मराठी मध्ये लिहिले आहे."));
  CHECK_FALSE(strict("language:response_language", {{"language", "ko"}}, "This is English, not Korean."));
  CHECK_FALSE(strict("language:response_language", {{"language", "ru"}},
                     "Това е кратко изречение, което е написано на български език."));
  CHECK_FALSE(strict("language:response_language", {{"language", "ar"}}, "یہ ایک مختصر جملہ ہے جو اردو میں لکھا گیا ہے۔"));
}

TEST_CASE("ifeval: length_constraints:number_sentences", "[ifeval]") {
  json lt = {{"num_sentences", 3}, {"relation", "less than"}};
  CHECK(strict("length_constraints:number_sentences", lt, "One. Two."));
  CHECK(strict("length_constraints:number_sentences", lt, "Dr. Smith arrived. He sat down."));
  CHECK(strict("length_constraints:number_sentences", lt, "No punctuation at all\nnew line\n* bullet"));
  CHECK_FALSE(strict("length_constraints:number_sentences", lt, "One. Two. Three."));
  CHECK_FALSE(strict("length_constraints:number_sentences", lt, "Really? Yes! Fine."));
  CHECK_FALSE(strict("length_constraints:number_sentences", lt, "ab cd. ef gh. ij kl."));  // lowercase after a period still breaks
  CHECK(strict("length_constraints:number_sentences", lt, "a b. c d. e f."));  // "b." "d." are initials
  json ge = {{"num_sentences", 2}, {"relation", "at least"}};
  CHECK(strict("length_constraints:number_sentences", ge, "Hi. There."));
  CHECK_FALSE(strict("length_constraints:number_sentences", ge, "Hi there."));
}

TEST_CASE("ifeval: length_constraints:number_paragraphs", "[ifeval]") {
  json kw = {{"num_paragraphs", 3}};
  CHECK(strict("length_constraints:number_paragraphs", kw, "A\n***\nB\n***\nC"));
  CHECK(strict("length_constraints:number_paragraphs", kw, "***\nA\n***\nB\n***\nC\n***"));
  CHECK(strict("length_constraints:number_paragraphs", kw, "A *** B *** C"));
  CHECK_FALSE(strict("length_constraints:number_paragraphs", kw, "A\n***\nB"));
  CHECK_FALSE(strict("length_constraints:number_paragraphs", kw, "A\n***\n\n***\nB\n***\nC"));
  CHECK_FALSE(strict("length_constraints:number_paragraphs", kw, "A\n\nB\n\nC"));
}

TEST_CASE("ifeval: length_constraints:number_words", "[ifeval]") {
  json ge = {{"num_words", 5}, {"relation", "at least"}};
  CHECK(strict("length_constraints:number_words", ge, "one two three four five"));
  CHECK(strict("length_constraints:number_words", ge, "It's a well-known fact"));  // It s a well known fact
  CHECK(strict("length_constraints:number_words", ge, "naïve café résumé x y"));
  CHECK_FALSE(strict("length_constraints:number_words", ge, "one two three four"));
  CHECK_FALSE(strict("length_constraints:number_words", ge, "a, b; c!"));
  CHECK_FALSE(strict("length_constraints:number_words", ge, "... --- !!!"));
  json lt = {{"num_words", 3}, {"relation", "less than"}};
  CHECK(strict("length_constraints:number_words", lt, "hi there"));
  CHECK_FALSE(strict("length_constraints:number_words", lt, "one two three"));
  // Python re's \w excludes combining marks: नमस्ते splits at the virama and the vowel sign
  // (NLTK releases that compile RegexpTokenizer with the `regex` module count it as one word).
  CHECK(text::count_words("नमस्ते") == 2);
  CHECK(text::count_words("snake_case 42") == 2);
}

TEST_CASE("ifeval: length_constraints:nth_paragraph_first_word", "[ifeval]") {
  json kw = {{"num_paragraphs", 2}, {"nth_paragraph", 2}, {"first_word", "then"}};
  const char* id = "length_constraints:nth_paragraph_first_word";
  CHECK(strict(id, kw, "First para.\n\nThen second."));
  CHECK(strict(id, kw, "First.\n\n\"Then,\" she said."));
  CHECK(strict(id, kw, "A\n\nTHEN b"));
  CHECK_FALSE(strict(id, kw, "First.\n\nNow second."));
  CHECK_FALSE(strict(id, kw, "Only one paragraph Then"));
  CHECK_FALSE(strict(id, kw, "A\n\nThen b\n\nC"));
  CHECK_FALSE(strict(id, kw, "A\n\n\n\nThen b"));  // reference indexes the unfiltered split
}

TEST_CASE("ifeval: detectable_content:number_placeholders", "[ifeval]") {
  json kw = {{"num_placeholders", 2}};
  const char* id = "detectable_content:number_placeholders";
  CHECK(strict(id, kw, "[name] lives at [address]"));
  CHECK(strict(id, kw, "[a][b][c]"));
  CHECK(strict(id, kw, "Dear [x],\n[y]"));
  CHECK_FALSE(strict(id, kw, "[name] only"));
  CHECK_FALSE(strict(id, kw, "no placeholders"));
  CHECK_FALSE(strict(id, kw, "[broken\n] and [one]"));
}

TEST_CASE("ifeval: detectable_content:postscript", "[ifeval]") {
  json ps = {{"postscript_marker", "P.S."}};
  const char* id = "detectable_content:postscript";
  CHECK(strict(id, ps, "Hello.\nP.S. see you"));
  CHECK(strict(id, ps, "text\np.s. lower"));
  CHECK(strict(id, ps, "Hi\nP. S. spaced"));
  CHECK_FALSE(strict(id, ps, "Hello"));
  CHECK_FALSE(strict(id, ps, "PS: note"));
  CHECK_FALSE(strict(id, ps, "P.S without the period"));
  json pps = {{"postscript_marker", "P.P.S"}};
  CHECK(strict(id, pps, "x\nP.P.S. more"));
  CHECK_FALSE(strict(id, pps, "x\nP.S. more"));
}

TEST_CASE("ifeval: detectable_format:number_bullet_lists", "[ifeval]") {
  json kw = {{"num_bullets", 3}};
  const char* id = "detectable_format:number_bullet_lists";
  CHECK(strict(id, kw, "* a\n* b\n* c"));
  CHECK(strict(id, kw, "- a\n- b\n- c"));
  CHECK(strict(id, kw, "Intro\n* a\n- b\n  * c"));
  CHECK_FALSE(strict(id, kw, "* a\n* b"));
  CHECK_FALSE(strict(id, kw, "* a\n* b\n* c\n* d"));
  CHECK_FALSE(strict(id, kw, "**bold**\n**b**\n**c**"));
  CHECK(strict(id, kw, "\xC2\xA0* a\n\xC2\xA0* b\n\xC2\xA0* c"));  // NBSP indent is \s in Python
}

TEST_CASE("ifeval: detectable_format:constrained_response", "[ifeval]") {
  const char* id = "detectable_format:constrained_response";
  CHECK(strict(id, json::object(), "My answer is yes."));
  CHECK(strict(id, json::object(), "Well, My answer is maybe. Because"));
  CHECK(strict(id, json::object(), "  My answer is no.  "));
  CHECK_FALSE(strict(id, json::object(), "my answer is yes."));
  CHECK_FALSE(strict(id, json::object(), "My answer is yes"));
  CHECK_FALSE(strict(id, json::object(), "Yes."));
}

TEST_CASE("ifeval: detectable_format:number_highlighted_sections", "[ifeval]") {
  json kw = {{"num_highlights", 2}};
  const char* id = "detectable_format:number_highlighted_sections";
  CHECK(strict(id, kw, "*one* and *two*"));
  CHECK(strict(id, kw, "**bold one** and *two*"));
  CHECK(strict(id, kw, "*a*\n*b*"));
  CHECK_FALSE(strict(id, kw, "*one* only"));
  CHECK_FALSE(strict(id, kw, "* * and **  **"));
  CHECK_FALSE(strict(id, kw, "*multi\nline* *x"));
}

TEST_CASE("ifeval: detectable_format:multiple_sections", "[ifeval]") {
  json kw = {{"section_spliter", "Section"}, {"num_sections", 2}};
  const char* id = "detectable_format:multiple_sections";
  CHECK(strict(id, kw, "Section 1\nA\nSection 2\nB"));
  CHECK(strict(id, kw, "Section1 a Section2 b"));
  CHECK(strict(id, kw, "Section 1 x Section 2 y Section 3 z"));
  CHECK_FALSE(strict(id, kw, "Section 1 only"));
  CHECK_FALSE(strict(id, kw, "section 1 a section 2 b"));
  CHECK_FALSE(strict(id, kw, "Section A\nSection B"));
  CHECK(strict(id, kw, "Section \xD9\xA1 a Section \xD9\xA2 b"));  // Arabic-Indic digits are \d in Python
}

TEST_CASE("ifeval: detectable_format:json_format", "[ifeval]") {
  const char* id = "detectable_format:json_format";
  CHECK(strict(id, json::object(), "{\"a\": 1}"));
  CHECK(strict(id, json::object(), "```json\n{\"a\": [1, 2]}\n```"));
  CHECK(strict(id, json::object(), "  [1, 2, 3]  "));
  CHECK(strict(id, json::object(), "```\n{}\n```"));
  CHECK_FALSE(strict(id, json::object(), "{a: 1}"));
  CHECK_FALSE(strict(id, json::object(), "Here is JSON: {\"a\": 1}"));
  CHECK_FALSE(strict(id, json::object(), "```json\n{\"a\": 1}\n``` trailing"));
  // Python's json.loads takes the bare constants NaN / Infinity / -Infinity, not "1NaN".
  CHECK(strict(id, json::object(), "{\"x\": NaN, \"y\": [-Infinity, Infinity], \"s\": \"NaN\"}"));
  CHECK_FALSE(strict(id, json::object(), "[1NaN]"));
  CHECK_FALSE(strict(id, json::object(), "{\"x\": nan}"));
}

TEST_CASE("ifeval: detectable_format:title", "[ifeval]") {
  const char* id = "detectable_format:title";
  CHECK(strict(id, json::object(), "<<My Title>>\nbody"));
  CHECK(strict(id, json::object(), "text <<t>> text"));
  CHECK(strict(id, json::object(), "<< a >>"));
  CHECK_FALSE(strict(id, json::object(), "<<>>"));
  CHECK_FALSE(strict(id, json::object(), "<< >>"));
  CHECK_FALSE(strict(id, json::object(), "<<broken\ntitle>>"));
  CHECK_FALSE(strict(id, json::object(), "<Title>"));
}

TEST_CASE("ifeval: combination:two_responses", "[ifeval]") {
  const char* id = "combination:two_responses";
  CHECK(strict(id, json::object(), "Answer A\n******\nAnswer B"));
  CHECK(strict(id, json::object(), "******\nA\n******\nB"));
  CHECK(strict(id, json::object(), "A******B"));
  CHECK_FALSE(strict(id, json::object(), "A\n******\nA"));
  CHECK_FALSE(strict(id, json::object(), "A\n******\nB\n******\nC"));
  CHECK_FALSE(strict(id, json::object(), "A\n******\n\n******\nB"));
  CHECK_FALSE(strict(id, json::object(), "Only one answer"));
}

TEST_CASE("ifeval: combination:repeat_prompt", "[ifeval]") {
  json kw = {{"prompt_to_repeat", "Write a poem."}};
  const char* id = "combination:repeat_prompt";
  CHECK(strict(id, kw, "Write a poem.\nRoses are red"));
  CHECK(strict(id, kw, "  write a POEM. Sure!"));
  CHECK(strict(id, kw, "Write a poem."));
  CHECK_FALSE(strict(id, kw, "Sure! Write a poem."));
  CHECK_FALSE(strict(id, kw, "Write a poem"));
  CHECK_FALSE(strict(id, kw, "Write a story."));
}

TEST_CASE("ifeval: startend:end_checker", "[ifeval]") {
  json kw = {{"end_phrase", "Any other questions?"}};
  const char* id = "startend:end_checker";
  CHECK(strict(id, kw, "Blah.\nAny other questions?"));
  CHECK(strict(id, kw, "Blah. any other QUESTIONS?  \n"));
  CHECK(strict(id, kw, "\"Blah. Any other questions?\""));
  CHECK_FALSE(strict(id, kw, "Any other questions? Yes."));
  CHECK_FALSE(strict(id, kw, "Blah. Any other questions"));
  CHECK_FALSE(strict(id, kw, "Any other questions?!"));
}

TEST_CASE("ifeval: startend:quotation", "[ifeval]") {
  const char* id = "startend:quotation";
  CHECK(strict(id, json::object(), "\"Hello\""));
  CHECK(strict(id, json::object(), "  \"multi\nline\"  "));
  CHECK(strict(id, json::object(), "\"\""));
  CHECK_FALSE(strict(id, json::object(), "\""));
  CHECK_FALSE(strict(id, json::object(), "Hello"));
  CHECK_FALSE(strict(id, json::object(), "\xE2\x80\x9CHello\xE2\x80\x9D"));  // curly quotes
  CHECK_FALSE(strict(id, json::object(), "\"Hello\" said"));
}

TEST_CASE("ifeval: punctuation:no_comma", "[ifeval]") {
  const char* id = "punctuation:no_comma";
  CHECK(strict(id, json::object(), "No commas here"));
  CHECK(strict(id, json::object(), "fullwidth comma \xEF\xBC\x8C is not ASCII"));
  CHECK(strict(id, json::object(), "semi; colon:"));
  CHECK_FALSE(strict(id, json::object(), "a, b"));
  CHECK_FALSE(strict(id, json::object(), ","));
  CHECK_FALSE(strict(id, json::object(), "1,000"));
}

TEST_CASE("ifeval: change_case:capital_word_frequency", "[ifeval]") {
  json ge = {{"capital_frequency", 3}, {"capital_relation", "at least"}};
  const char* id = "change_case:capital_word_frequency";
  CHECK(strict(id, ge, "THIS IS BIG"));
  CHECK(strict(id, ge, "DON'T STOP"));  // DO N'T STOP
  CHECK(strict(id, ge, "I am A B"));
  CHECK_FALSE(strict(id, ge, "This Is Big"));
  CHECK_FALSE(strict(id, ge, "WELL-KNOWN fact, ok"));
  CHECK_FALSE(strict(id, ge, ""));
  json lt = {{"capital_frequency", 2}, {"capital_relation", "less than"}};
  CHECK(strict(id, lt, "Only ONE here"));
  CHECK_FALSE(strict(id, lt, "TWO WORDS"));
  CHECK(text::word_tokenize("DON'T (stop), U.S.A.") ==
        std::vector<std::string>{"DO", "N'T", "(", "stop", ")", ",", "U.S.A."});
}

TEST_CASE("ifeval: change_case:english_capital", "[ifeval]") {
  const char* id = "change_case:english_capital";
  CHECK(strict(id, json::object(), "HELLO WORLD, THIS IS ENGLISH."));
  CHECK(strict(id, json::object(), "THE END 123"));
  CHECK(strict(id, json::object(), "I AM HERE AND IT IS FINE."));
  CHECK_FALSE(strict(id, json::object(), "Hello world"));
  CHECK_FALSE(strict(id, json::object(), "DAS IST NICHT ENGLISCH UND DIE KATZE IST AUCH HIER."));
  CHECK_FALSE(strict(id, json::object(), "123"));
}

TEST_CASE("ifeval: change_case:english_lowercase", "[ifeval]") {
  const char* id = "change_case:english_lowercase";
  CHECK(strict(id, json::object(), "hello world, this is english."));
  CHECK(strict(id, json::object(), "the end"));
  CHECK(strict(id, json::object(), "it is what it is."));
  CHECK_FALSE(strict(id, json::object(), "Hello world"));
  CHECK_FALSE(strict(id, json::object(), "das ist nicht englisch und die katze ist auch hier."));
  CHECK_FALSE(strict(id, json::object(), "123"));
  CHECK_FALSE(strict(id, json::object(), "the \xC3\x89nd"));  // É is upper case
}

TEST_CASE("ifeval: loose scoring tries the reference's 8 variants", "[ifeval]") {
  json end = {{"end_phrase", "Any other questions?"}};
  std::string r = "Text. Any other questions?\nHope this helps";
  CHECK_FALSE(strict("startend:end_checker", end, r));
  CHECK(loose("startend:end_checker", end, r));  // last line removed
  r = "Here you go:\n\"Quoted\"";
  CHECK_FALSE(strict("startend:quotation", json::object(), r));
  CHECK(loose("startend:quotation", json::object(), r));  // first line removed
  r = "Sure, here it is:\nNo commas here";
  CHECK_FALSE(strict("punctuation:no_comma", json::object(), r));
  CHECK(loose("punctuation:no_comma", json::object(), r));
  r = "```json\n{\"a\": 1}\n```\nHope it helps";
  CHECK_FALSE(strict("detectable_format:json_format", json::object(), r));
  CHECK(loose("detectable_format:json_format", json::object(), r));
  r = "**Any other questions?**";
  CHECK_FALSE(strict("startend:end_checker", end, r));
  CHECK(loose("startend:end_checker", end, r));  // '*' removed
  r = "Intro\nSure, x\nmid, y\nend, z";
  CHECK_FALSE(loose("punctuation:no_comma", json::object(), r));  // every variant has a comma
  // Blank responses follow nothing, even where the checker alone would say yes.
  CHECK_FALSE(strict("keywords:forbidden_words", {{"forbidden_words", {"x"}}}, ""));
  CHECK_FALSE(loose("keywords:forbidden_words", {{"forbidden_words", {"x"}}}, " \n \n"));
  // Removing a line can make an otherwise passing response blank: "Line\nx" without both ends.
  CHECK(loose("keywords:forbidden_words", {{"forbidden_words", {"x"}}}, "x\nok\nx"));
}

TEST_CASE("ifeval: prompt-level verdicts", "[ifeval]") {
  std::vector<ifeval::Instruction> in = {{"punctuation:no_comma", json::object()},
                                         {"startend:end_checker", {{"end_phrase", "Bye."}}}};
  auto v = ifeval::evaluate("p", in, "Hello there\nBye.");
  CHECK(v.strict == std::vector<bool>{true, true});
  CHECK(v.prompt_strict);
  CHECK(v.prompt_loose);
  v = ifeval::evaluate("p", in, "Hello, there\nBye.\nP.S. nothing");
  CHECK(v.strict == std::vector<bool>{false, false});
  CHECK(v.loose == std::vector<bool>{true, true});  // first line and last line removed
  CHECK_FALSE(v.prompt_strict);
  CHECK(v.prompt_loose);
  v = ifeval::evaluate("p", in, "Hello, there, friend");
  CHECK_FALSE(v.prompt_loose);
  CHECK(ifeval::evaluate("p", {}, "x").prompt_strict);  // all([]) is True
}

TEST_CASE("ifeval: kwargs are validated like build_description", "[ifeval]") {
  using remedi::Error;
  CHECK_THROWS_AS(strict("keywords:nope", json::object(), "x"), Error);
  CHECK_THROWS_AS(strict("keywords:frequency", {{"keyword", "a"}, {"frequency", 2}}, "x"), Error);
  CHECK_THROWS_AS(strict("keywords:frequency", {{"keyword", "a"}, {"frequency", 2}, {"relation", "at most"}}, "x"),
                  Error);
  CHECK_THROWS_AS(strict("punctuation:no_comma", {{"unexpected", 1}}, "x"), Error);
  CHECK_THROWS_AS(strict("length_constraints:number_words", {{"num_words", "5"}, {"relation", "at least"}}, "x"),
                  Error);
  CHECK_THROWS_AS(strict("keywords:existence", {{"keywords", {"(unclosed"}}}, "x"), Error);
  CHECK_THROWS_AS(strict("length_constraints:nth_paragraph_first_word",
                         {{"num_paragraphs", 2}, {"nth_paragraph", 3}, {"first_word", "a"}}, "x"),
                  Error);
  // Null values are absent keys (the Hugging Face copy lists every key with null).
  CHECK(strict("punctuation:no_comma", {{"num_words", nullptr}, {"keywords", nullptr}}, "ok"));
}

TEST_CASE("ifeval: every checker takes arbitrary bytes without throwing", "[ifeval]") {
  // Model output can be cut mid-character or degenerate; a bad sample is a verdict, not an error.
  const std::vector<ifeval::Instruction> all = {
      {"keywords:existence", {{"keywords", {"cat"}}}},
      {"keywords:frequency", {{"keyword", "the"}, {"frequency", 1}, {"relation", "at least"}}},
      {"keywords:forbidden_words", {{"forbidden_words", {"dog"}}}},
      {"keywords:letter_frequency", {{"letter", "a"}, {"let_frequency", 1}, {"let_relation", "at least"}}},
      {"language:response_language", {{"language", "en"}}},
      {"length_constraints:number_sentences", {{"num_sentences", 1}, {"relation", "at least"}}},
      {"length_constraints:number_paragraphs", {{"num_paragraphs", 1}}},
      {"length_constraints:number_words", {{"num_words", 1}, {"relation", "at least"}}},
      {"length_constraints:nth_paragraph_first_word", {{"num_paragraphs", 1}, {"nth_paragraph", 1}, {"first_word", "ok"}}},
      {"detectable_content:number_placeholders", {{"num_placeholders", 1}}},
      {"detectable_content:postscript", {{"postscript_marker", "P.S."}}},
      {"detectable_format:number_bullet_lists", {{"num_bullets", 1}}},
      {"detectable_format:constrained_response", json::object()},
      {"detectable_format:number_highlighted_sections", {{"num_highlights", 1}}},
      {"detectable_format:multiple_sections", {{"section_spliter", "Section"}, {"num_sections", 1}}},
      {"detectable_format:json_format", json::object()},
      {"detectable_format:title", json::object()},
      {"combination:two_responses", json::object()},
      {"combination:repeat_prompt", {{"prompt_to_repeat", "ok"}}},
      {"startend:end_checker", {{"end_phrase", "utf8"}}},
      {"change_case:capital_word_frequency", {{"capital_frequency", 1}, {"capital_relation", "at least"}}},
      {"change_case:english_capital", json::object()},
      {"change_case:english_lowercase", json::object()},
      {"punctuation:no_comma", json::object()},
      {"startend:quotation", json::object()},
  };
  REQUIRE(all.size() == 25);
  const std::string broken = "ok \xff\xfe broken \xe0\xa4 utf8";
  for (const std::string& r : {broken, std::string(5000, '!'), std::string("\n\n\n"), std::string("\xe2\x80"),
                               std::string(3000, '.') + " " + std::string(3000, '?')}) {
    ifeval::Verdict v;
    REQUIRE_NOTHROW(v = ifeval::evaluate("p", all, r));
    CHECK(v.strict.size() == 25);
    CHECK(v.loose.size() == 25);
  }
  auto v = ifeval::evaluate("p", all, broken);
  CHECK_FALSE(v.strict[0]);  // no "cat"
  CHECK(v.strict[18]);       // starts with "ok"
  CHECK(v.strict[19]);       // ends with "utf8"
  CHECK(v.strict[23]);       // no comma
}
