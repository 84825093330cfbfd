// Loaders on fixture data in the official formats, and clear errors (file and line) on bad files.
#include <catch2/catch.hpp>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/tasks/data_io.h"
#include "remedi/tasks/registry.h"

using namespace remedi::tasks;

namespace {

const std::string kFix = std::string(REMEDI_FIXTURES_DIR) + "/tasks";
const std::string kData = kFix + "/data";

// Runs f, requires a remedi::Error whose where() contains `where` and whose message contains `what`.
template <class F>
void require_error(F f, const std::string& where, const std::string& what) {
  try {
    f();
    FAIL("expected remedi::Error at " << where);
  } catch (const remedi::Error& e) {
    INFO("error: " << e.what());
    CHECK(e.where().find(where) != std::string::npos);
    CHECK(std::string(e.what()).find(what) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("fixture datasets load with ids, golds and exemplars", "[tasks][loaders]") {
  auto g = load_task("gsm8k", kData);
  REQUIRE(g.docs.size() == 2);
  CHECK(g.docs[0].id == "0");
  CHECK(g.docs[0].gold == "7");
  CHECK(g.docs[1].gold == "1000");  // "#### 1,000"
  REQUIRE(g.fewshot.size() == 4);   // first four train records
  CHECK(g.fewshot[3].fields["question"] == "Di splits 12 sweets among 4 kids. How many each?");

  auto m = load_task("math500", kData);
  REQUIRE(m.docs.size() == 2);
  CHECK(m.docs[1].id == "test/algebra/7.json");
  CHECK(m.docs[0].gold == "\\frac{3}{4}");

  auto full = load_task("math", kData);
  REQUIRE(full.docs.size() == 3);
  CHECK(full.docs[0].id == "test/algebra/3.json");  // numeric order within a subject
  CHECK(full.docs[1].id == "test/algebra/12.json");
  CHECK(full.docs[2].id == "test/geometry/5.json");
  CHECK(full.docs[2].gold == "1");

  auto he = load_task("humaneval", kData);  // jsonl.gz
  REQUIRE(he.docs.size() == 1);
  CHECK(he.docs[0].id == "HumanEval/0");

  auto mb = load_task("mbpp", kData);
  REQUIRE(mb.docs.size() == 1);  // only task_id 11..510 is the test split (600 is train)
  CHECK(mb.docs[0].id == "11");
  CHECK(mb.docs[0].index == 3);  // 0-based line index
  REQUIRE(mb.fewshot.size() == 3);
  CHECK(mb.fewshot[0].id == "2");
  CHECK(mb.fewshot[2].id == "4");

  auto arc = load_task("arc_challenge", kData);
  REQUIRE(arc.docs.size() == 2);
  CHECK(arc.docs[0].gold == "B");
  CHECK(arc.docs[1].gold == "B");  // numeric label "2" → second option → B

  auto hs = load_task("hellaswag", kData);
  REQUIRE(hs.docs.size() == 2);
  CHECK(hs.docs[0].id == "24");
  CHECK(hs.docs[0].gold == "D");
  CHECK(hs.docs[0].fields["_ctx"] == "A man is sitting on a roof. He");
  CHECK(hs.docs[1].fields["_ctx"] == "How to bake cookies. Preheat the oven. Then");

  auto gp = load_task("gpqa_diamond", kData);
  REQUIRE(gp.docs.size() == 3);
  CHECK(gp.docs[0].id == "rec1");
  // OpenCompass rotation ABCD, BCDA, CDAB by row index: correct answer lands on A, D, C
  CHECK(gp.docs[0].gold == "A");
  CHECK(gp.docs[1].gold == "D");
  CHECK(gp.docs[2].gold == "C");
  REQUIRE(gp.fewshot.size() == 5);  // main rows outside diamond
  CHECK(gp.fewshot[0].id == "rec0");
  CHECK(gp.fewshot[1].id == "rec2");
  CHECK(gp.fewshot[4].id == "rec7");
  for (const auto& ex : gp.fewshot)
    for (const auto& d : gp.docs) CHECK(ex.id != d.id);
  auto gm = load_task("gpqa_main", kData);
  REQUIRE(gm.docs.size() == 8);
  REQUIRE(gm.fewshot.size() == 5);
  CHECK(gm.fewshot[0].id == "rec8");  // from extended, outside main
}

TEST_CASE("doc lookup by id, then by 0-based index", "[tasks][loaders]") {
  auto mb = load_task("mbpp", kData);
  REQUIRE(mb.find_doc("11") != nullptr);
  CHECK(mb.find_doc("11")->id == "11");
  REQUIRE(mb.find_doc("3") != nullptr);  // no id "3" in the test split: line index 3
  CHECK(mb.find_doc("3")->id == "11");
  CHECK(mb.find_doc("999") == nullptr);
  CHECK(mb.find_doc("x") == nullptr);
}

TEST_CASE("GPQA from the password-protected zip (ZipCrypto), in memory", "[tasks][loaders][zip]") {
  LoadOptions o;
  o.gpqa_password = "fixture-pw";
  auto z = load_task("gpqa_diamond", kFix + "/gpqa_zip", o);
  auto c = load_task("gpqa_diamond", kData);
  REQUIRE(z.docs.size() == c.docs.size());
  for (size_t i = 0; i < z.docs.size(); ++i) {
    CHECK(z.docs[i].id == c.docs[i].id);
    CHECK(z.docs[i].gold == c.docs[i].gold);
    CHECK(z.docs[i].fields["question"] == c.docs[i].fields["question"]);
  }
  o.gpqa_password = "wrong";
  require_error([&] { load_task("gpqa_diamond", kFix + "/gpqa_zip", o); }, "dataset.zip:dataset/gpqa_diamond.csv",
                "wrong zip password");
  ZipArchive s(kFix + "/gpqa_zip/streamed.zip");  // stored member, sizes in a data descriptor
  CHECK(s.read("-", "fixture-pw") == "streamed stored member\n");
  require_error([&] { s.read("-", ""); }, "streamed.zip:-", "no password");
  require_error([&] { s.read("absent", "x"); }, "streamed.zip:absent", "not in zip");
}

TEST_CASE("bad data files are errors naming the file and the line", "[tasks][loaders][errors]") {
  const std::string bad = kFix + "/bad/";
  require_error([&] { load_task("gsm8k", bad + "bad_json"); }, "gsm8k/test.jsonl:2", "malformed JSON");
  require_error([&] { load_task("gsm8k", bad + "no_hash"); }, "gsm8k/test.jsonl:1", "####");
  require_error([&] { load_task("arc_challenge", bad + "arc_badkey"); }, "ARC-Challenge-Test.jsonl:2", "answerKey 'E'");
  require_error([&] { load_task("mbpp", bad + "mbpp_nolist"); }, "mbpp.jsonl:3", "test_list");
  require_error([&] { load_task("hellaswag", bad + "hellaswag_badlabel"); }, "hellaswag_val.jsonl:1", "label");
  require_error([&] { load_task("gpqa_diamond", bad + "gpqa_badcsv"); }, "gpqa_diamond.csv:3", "unterminated");
  require_error([&] { load_task("math", bad + "math_nobox"); }, "algebra/1.json:1", "boxed");
  require_error([&] { load_task("humaneval", bad + "humaneval_corrupt"); }, "HumanEval.jsonl.gz", "gzip");
  require_error([&] { load_task("gsm8k", bad + "does_not_exist"); }, "does_not_exist/gsm8k/test.jsonl", "not found");
  require_error([&] { load_task("math", bad + "does_not_exist"); }, "MATH/test", "not found");
  require_error([&] { load_task("nope", kData); }, "--task", "unknown task");
  require_error([&] { parse_csv(remedi::read_file(bad + "csv_fields.csv"), "f.csv"); }, "f.csv:3", "fields");
}
