// Golden prompt strings per task and protocol (fixture data), and the score() path per task.
#include <catch2/catch.hpp>

#include "remedi/common/error.h"
#include "remedi/tasks/registry.h"

using namespace remedi::tasks;

namespace {
const std::string kData = std::string(REMEDI_FIXTURES_DIR) + "/tasks/data";
}

TEST_CASE("gsm8k prompts", "[tasks][prompts]") {
  auto t = load_task("gsm8k", kData);
  Prompt p = build_prompt(t, t.docs[0], "llada-oc");
  REQUIRE(p.messages.size() == 9);  // 4 exemplars as user/assistant turns + the question
  CHECK(p.messages[0].role == "user");
  CHECK(p.messages[0].content == "Question: Ann reads 2 pages a day for 5 days. How many pages?\nLet's think step by step\nAnswer:");
  CHECK(p.messages[1].role == "assistant");
  CHECK(p.messages[1].content == "2 * 5 = 10 pages.\n#### 10");  // calculator annotation removed
  CHECK(p.messages[7].content == "12 / 4 = 3\n#### 3");
  CHECK(p.messages[8].role == "user");
  CHECK(p.messages[8].content ==
        "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\nLet's think step by step\nAnswer:");
  CHECK(p.stop == std::vector<std::string>{"Question:"});
  Prompt z = build_prompt(t, t.docs[0], "remedi-0shot");
  REQUIRE(z.messages.size() == 1);
  CHECK(z.messages[0].content ==
        "Tom has 3 apples and buys 4 more. How many apples does he have? (Put the final answer in \\boxed{})");
  CHECK(p.hash() != z.hash());
  CHECK(p.hash() == build_prompt(t, t.docs[0], "llada-oc").hash());
  CHECK_THROWS_AS(build_prompt(t, t.docs[0], "nope"), remedi::Error);

  Score s = score(t, t.docs[1], "llada-oc", "so 1,000 pens remain.\n#### 1,000", nullptr);
  REQUIRE(s.filters.size() == 3);
  CHECK(s.filters[0].filter == "strict");
  CHECK(s.filters[0].correct);
  CHECK(s.filters[1].correct);
  CHECK(s.filters[2].extracted == "[invalid]");
  CHECK_FALSE(s.filters[2].correct);
  Score b = score(t, t.docs[0], "remedi-0shot", "He has \\boxed{7} apples", nullptr);
  CHECK(b.find("boxed")->correct);
  CHECK(b.find("boxed")->extracted == "7");
  CHECK_FALSE(b.find("strict")->correct);
  CHECK(b.find("flexible")->correct);
}

TEST_CASE("math prompts and scoring", "[tasks][prompts]") {
  auto t = load_task("math500", kData);
  CHECK(build_prompt(t, t.docs[0], "llada-oc").messages.at(0).content ==
        "What is $\\frac{1}{2}+\\frac{1}{4}$?\nPlease reason step by step, and put your final answer within \\boxed{}.");
  CHECK(build_prompt(t, t.docs[0], "remedi-0shot").messages.at(0).content ==
        "What is $\\frac{1}{2}+\\frac{1}{4}$? (Put the final answer in \\boxed{})");
  Score s = score(t, t.docs[0], "llada-oc", "... so the sum is $\\boxed{0.75}$.", nullptr);
  CHECK(s.filters.at(0).correct);
  REQUIRE(s.graders.size() == 1);
  CHECK(s.graders[0].grader == "native-equiv");
  CHECK(s.graders[0].verdict == "correct");
  CHECK_FALSE(score(t, t.docs[0], "llada-oc", "$\\boxed{\\frac{3}{5}}$", nullptr).filters[0].correct);
  CHECK(score(t, t.docs[0], "llada-oc", "no answer", nullptr).filters[0].extracted == "[invalid]");
}

TEST_CASE("code prompts; scoring without a sandbox records needs_sandbox", "[tasks][prompts]") {
  auto he = load_task("humaneval", kData);
  CHECK(build_prompt(he, he.docs[0], "llada-oc").messages.at(0).content ==
        "Complete the following python code:\ndef add(a, b):\n    \"\"\"Return a + b.\"\"\"\n");
  CHECK(build_prompt(he, he.docs[0], "remedi-0shot").messages.at(0).content ==
        "Complete the following python code:\ndef add(a, b):\n    \"\"\"Return a + b.\"\"\"\n (DO NOT contains unit test in your code)");
  Score s = score(he, he.docs[0], "llada-oc", "    return a + b\n", nullptr);
  CHECK_FALSE(s.filters.at(0).correct);
  REQUIRE(s.graders.size() == 1);
  CHECK(s.graders[0].verdict == "needs_sandbox");

  auto mb = load_task("mbpp", kData);
  Prompt p = build_prompt(mb, mb.docs[0], "llada-oc");
  REQUIRE(p.messages.size() == 7);
  CHECK(p.messages[0].content ==
        "You are an expert Python programmer, and here is your task: Write a function to add two numbers. Your code "
        "should pass these tests:\n\n assert add(1, 2) == 3\nassert add(1, 2) == 3  \n");
  CHECK(p.messages[1].content == "[BEGIN]\n 'def add(a, b):\r\n  return a + b' \n[DONE] \n\n ");
  CHECK(p.messages[6].content ==
        "You are an expert Python programmer, and here is your task: Write a function to square a number. Your code "
        "should pass these tests:\n\n assert sq(3) == 9\nassert sq(3) == 9  \n");
  CHECK(p.answer_prefix == "[BEGIN]\n");
  Prompt z = build_prompt(mb, mb.docs[0], "remedi-0shot");
  REQUIRE(z.messages.size() == 1);
  CHECK(z.messages[0].content ==
        "You are an expert Python programmer, and here is your task: Write a function to square a number. Your code "
        "should pass these tests:\n\n assert sq(3) == 9\nassert sq(3) == 9  \n (DO NOT contains unit test in your code)");
  // the forced "[BEGIN]\n" prefix is restored before extraction
  CHECK(score(mb, mb.docs[0], "llada-oc", " 'def sq(a):\n  return a*a' \n[DONE]", nullptr).filters[0].extracted ==
        "def sq(a):\n  return a*a");
}

TEST_CASE("multiple-choice prompts", "[tasks][prompts]") {
  auto arc = load_task("arc_challenge", kData);
  CHECK(build_prompt(arc, arc.docs[0], "llada-oc").messages.at(0).content ==
        "Question: Which is a liquid at room temperature?\nA. iron\nB. water\nC. salt\nD. wood\nAnswer:");
  CHECK(build_prompt(arc, arc.docs[1], "llada-oc").messages.at(0).content ==
        "Question: How many legs does a spider have?\nA. six\nB. eight\nC. ten\nAnswer:");
  CHECK(build_prompt(arc, arc.docs[0], "remedi-0shot").messages.at(0).content ==
        "Question: Which is a liquid at room temperature?\nA. iron\nB. water\nC. salt\nD. wood\nAnswer with the "
        "option's letter. (Put the final answer in \\boxed{})");
  CHECK(score(arc, arc.docs[0], "llada-oc", "The answer is (B).", nullptr).filters.at(0).correct);
  CHECK_FALSE(score(arc, arc.docs[1], "llada-oc", "Answer: D", nullptr).filters.at(0).correct);  // 3 options: D invalid
  CHECK(score(arc, arc.docs[1], "llada-oc", "Answer: D", nullptr).filters.at(0).extracted == "[invalid]");

  auto hs = load_task("hellaswag", kData);
  CHECK(build_prompt(hs, hs.docs[0], "llada-oc").messages.at(0).content ==
        "A man is sitting on a roof. He\nQuestion: Which ending makes the most sense?\nA. is using wrap to wrap a pair "
        "of skis.\nB. is ripping level tiles off.\nC. is holding a rubik's cube.\nD. starts pulling up roofing on a "
        "roof.\nYou may choose from 'A', 'B', 'C', 'D'.\nAnswer:");

  auto gp = load_task("gpqa_diamond", kData);
  Prompt p = build_prompt(gp, gp.docs[0], "llada-oc");
  REQUIRE(p.messages.size() == 11);  // 5 exemplars + question
  CHECK(p.messages[10].content ==
        "What is the correct answer to this question: main question 1: what is 1+1?\nSecond line, with a comma.\n"
        "Choices:\n(A)2\n(B)3\n(C)4\n(D)\"1\"\nFormat your response as follows: \"The correct answer is (insert "
        "answer here)\"");
  CHECK(p.messages[1].content == "The correct answer is (A)");  // rec0: row 0, pattern ABCD
  CHECK(p.messages[3].content == "The correct answer is (C)");  // rec2: row 2, pattern CDAB
  CHECK(p.messages[9].content == "The correct answer is (B)");  // rec7: row 7, pattern DABC
  CHECK(build_prompt(gp, gp.docs[1], "remedi-0shot").messages.size() == 1);
}

TEST_CASE("registry: every task has a version, two protocols and hooks", "[tasks][registry]") {
  for (const auto& t : task_table()) {
    INFO(t.name);
    CHECK(!t.version.empty());
    CHECK(t.protocols.size() >= 2);
    CHECK(t.protocols[0] == "llada-oc");
    CHECK(!t.filters.empty());
    CHECK(t.load != nullptr);
    CHECK(t.prompt != nullptr);
    CHECK(t.score != nullptr);
  }
  CHECK(resolve_data_dir(std::string("/x")) == "/x");
  CHECK(primary_filter(find_task("gsm8k"), "llada-oc") == "strict");
  CHECK(primary_filter(find_task("gsm8k"), "remedi-0shot") == "boxed");
  CHECK(primary_filter(find_task("mbpp"), "remedi-0shot") == "code");
}

TEST_CASE("ifeval: raw prompt, prompt- and instruction-level verdicts", "[tasks][prompts][ifeval]") {
  auto t = load_task("ifeval", kData);
  REQUIRE(t.docs.size() == 2);
  CHECK(t.docs[1].id == "9");
  for (const char* proto : {"llada-oc", "remedi-0shot"})
    CHECK(build_prompt(t, t.docs[0], proto).messages.at(0).content == "Describe a cat. Do not use any commas.");
  Score ok = score(t, t.docs[1], "llada-oc", "dogs are loyal and friendly animals.", nullptr);
  REQUIRE(ok.filters.size() == 2);
  CHECK(ok.filters[0].filter == "prompt_strict");
  CHECK(ok.filters[0].correct);
  CHECK(ok.filters[0].items == std::vector<bool>{true, true});
  Score half = score(t, t.docs[1], "llada-oc", "dogs are loyal, friendly animals.", nullptr);
  CHECK_FALSE(half.filters[0].correct);
  CHECK(half.filters[0].items == std::vector<bool>{true, false});
  CHECK(half.filters[0].extracted == "10");
  Score upper = score(t, t.docs[1], "llada-oc", "Dogs Are Loyal.", nullptr);
  CHECK_FALSE(upper.filters[0].correct);
  CHECK(upper.filters[0].items == std::vector<bool>{false, true});
}
