// IFEval text utilities with Python/NLTK semantics (Punkt sentence counts, str predicates,
// language identification) and the golden verdicts of the reference checkers.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "remedi/tasks/ifeval.h"

using nlohmann::json;
namespace ifeval = remedi::tasks::ifeval;
namespace text = remedi::tasks::ifeval::text;

TEST_CASE("ifeval: count_sentences is NLTK Punkt with the English model", "[ifeval]") {
  // Expected counts are NLTK 3.10's PunktSentenceTokenizer with the punkt_tab English model.
  CHECK(text::count_sentences("Mr. Smith went to Washington. He arrived at 3 p.m. today.") == 2);
  CHECK(text::count_sentences("He said \"Stop.\" Then he left.") == 2);
  CHECK(text::count_sentences("I scored 3.5 points") == 1);
  CHECK(text::count_sentences("What?! No way.") == 2);
  CHECK(text::count_sentences("The U.S. is big.") == 1);
  CHECK(text::count_sentences("Wait... what happened? Nothing.") == 2);
  CHECK(text::count_sentences("J. K. Rowling wrote it.") == 1);
  CHECK(text::count_sentences("end.Next") == 1);
  CHECK(text::count_sentences("") == 0);
  CHECK(text::count_sentences("A. \"B.\"") == 2);
  // "i.e" and "e.g" are not abbreviations of the model: Punkt breaks after them.
  CHECK(text::count_sentences("Use a title, i.e. <<title>>. Then write.") == 3);
  CHECK(text::count_sentences("Fruits, e.g. apples. Pears too.") == 3);
  CHECK(text::count_sentences("Write SECTION X. Finish it.") == 2);   // "finish" starts sentences
  CHECK(text::count_sentences("Vitamin C. Apples help.") == 1);       // "c" is an abbreviation
  CHECK(text::count_sentences("1. First item\n2. Second item") == 3);
  CHECK(text::count_sentences("Very bad acting!!! I promise.") == 2);
  CHECK(text::count_sentences("(See above.) Then more.") == 2);
}

// 250 synthesised texts (abbreviations, initials, numbers, ellipses, quotes, lists) with the
// sentence counts of NLTK's Punkt (tests/fixtures/tasks/ifeval/README.md).
TEST_CASE("ifeval: count_sentences agrees with NLTK Punkt on the golden texts", "[ifeval]") {
  std::ifstream f(std::string(REMEDI_FIXTURES_DIR) + "/tasks/ifeval/punkt_sentences.jsonl");
  REQUIRE(f.good());
  std::string line;
  std::size_t rows = 0;
  while (std::getline(f, line)) {
    json d = json::parse(line);
    INFO(d["text"].dump());
    CHECK(text::count_sentences(d["text"].get<std::string>()) == d["sentences"].get<std::size_t>());
    ++rows;
  }
  CHECK(rows == 250);
}

TEST_CASE("ifeval: text helpers match Python str methods", "[ifeval]") {
  CHECK(text::py_isupper("HELLO 123"));
  CHECK_FALSE(text::py_isupper("123"));
  CHECK_FALSE(text::py_isupper("HELLo"));
  CHECK(text::py_isupper("ÉCOLE"));
  CHECK(text::py_islower("école 1"));
  CHECK(text::py_lower("ÀÉÎ ΣΑ ДОМ") == "àéî σα дом");
  CHECK(text::py_strip("\xC2\xA0 x \xE3\x80\x80") == "x");  // NBSP and ideographic space
  CHECK(text::py_len("añb") == 3);
  CHECK(text::detect_language("") == "");
  CHECK(text::detect_language("The cat is on the mat and it is happy.") == "en");
}

// Verdicts of the reference checkers on 343 synthesised responses (see
// tests/fixtures/tasks/ifeval/README.md for how they were produced).
TEST_CASE("ifeval: agrees with the reference's verdicts", "[ifeval]") {
  std::ifstream f(std::string(REMEDI_FIXTURES_DIR) + "/tasks/ifeval/reference_verdicts.jsonl");
  REQUIRE(f.good());
  std::string line;
  std::size_t rows = 0;
  std::set<std::string> ids;
  while (std::getline(f, line)) {
    json d = json::parse(line);
    std::string id = d["instruction_id"];
    INFO("key " << d["key"] << " " << id << " " << d["kwargs"].dump() << " response " << d["response"].dump());
    auto v = ifeval::evaluate("", {{id, d["kwargs"]}}, d["response"]);
    CHECK(v.strict.at(0) == d["strict"].get<bool>());
    CHECK(v.loose.at(0) == d["loose"].get<bool>());
    ids.insert(id);
    ++rows;
  }
  CHECK(rows == 343);
  CHECK(ids.size() == 22);
}
