// IFEval against the released data (../shared/datasets/ifeval/input_data.jsonl, 541 prompts):
// every instruction id is supported and every kwargs object parses; exits 77 (skipped) when the
// datasets are absent.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "../test_support.h"
#include "remedi/tasks/ifeval.h"

using nlohmann::json;
namespace ifeval = remedi::tasks::ifeval;

// Every instruction of the released data must be supported and its kwargs must parse; a
// response that repeats prompt_to_repeat must pass combination:repeat_prompt.
TEST_CASE("ifeval: every instruction of input_data.jsonl is supported", "[ifeval][data]") {
  std::string path = remedi::test::require_datasets() + "/ifeval/input_data.jsonl";
  std::ifstream f(path);
  REQUIRE(f.good());
  auto supported = ifeval::supported_instructions();
  std::set<std::string> ids(supported.begin(), supported.end()), seen;
  std::string line;
  std::size_t prompts = 0, instructions = 0, repeats = 0;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    json d = json::parse(line);
    ++prompts;
    std::vector<ifeval::Instruction> in;
    REQUIRE(d["instruction_id_list"].size() == d["kwargs"].size());
    for (std::size_t i = 0; i < d["instruction_id_list"].size(); ++i) {
      ifeval::Instruction ins{d["instruction_id_list"][i].get<std::string>(), d["kwargs"][i]};
      INFO("key " << d["key"] << " " << ins.id << " " << ins.kwargs.dump());
      CHECK(ids.count(ins.id) == 1);
      CHECK_NOTHROW(ifeval::validate(ins));
      seen.insert(ins.id);
      ++instructions;
      if (ins.id == "combination:repeat_prompt") {
        ++repeats;
        std::string resp = ins.kwargs["prompt_to_repeat"].get<std::string>() + "\nMy answer follows.";
        CHECK(ifeval::evaluate(d["prompt"], {ins}, resp).strict.at(0));
      }
      in.push_back(ins);
    }
    auto v = ifeval::evaluate(d["prompt"], in, d["prompt"].get<std::string>());
    CHECK(v.strict.size() == in.size());
    CHECK(v.loose.size() == in.size());
  }
  CHECK(prompts == 541);
  CHECK(instructions == 834);
  CHECK(seen.size() == 25);
  CHECK(repeats == 41);
}

// The prompts' own sentence counts under NLTK's Punkt (fixture made with NLTK 3.10 and the
// punkt_tab English model): 541 real texts for count_sentences.
TEST_CASE("ifeval: count_sentences matches Punkt on the 541 prompts", "[ifeval][data]") {
  std::string path = remedi::test::require_datasets() + "/ifeval/input_data.jsonl";
  std::ifstream data(path), gold(std::string(REMEDI_FIXTURES_DIR) + "/tasks/ifeval/prompt_sentences.jsonl");
  REQUIRE(data.good());
  REQUIRE(gold.good());
  std::string a, b;
  std::size_t rows = 0;
  while (std::getline(data, a) && std::getline(gold, b)) {
    json d = json::parse(a), g = json::parse(b);
    REQUIRE(d["key"] == g["key"]);
    INFO("key " << d["key"]);
    CHECK(ifeval::text::count_sentences(d["prompt"].get<std::string>()) == g["sentences"].get<std::size_t>());
    ++rows;
  }
  CHECK(rows == 541);
}
