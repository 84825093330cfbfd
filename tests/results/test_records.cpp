#include <catch2/catch.hpp>

#include <filesystem>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "synthetic_run.h"

using namespace remedi::results;
using remedi::results::test::make_record;
using remedi::results::test::temp_dir;

TEST_CASE("sample records round-trip through JSON", "[results][records]") {
  SampleRecord r = make_record("gsm8k", 3, 1.0, 2);
  r.task_record = {{"filters", {{{"filter", "strict"}, {"extracted", "18"}}}}};
  r.trace = {{"block_size", 4}, {"steps", nlohmann::json::array()}};
  SampleRecord back = record_from_json(to_json(r));
  CHECK(back.key == r.key);
  CHECK(back.output == r.output);
  CHECK(back.verdicts == r.verdicts);
  CHECK(back.gen.block_remasks == r.gen.block_remasks);
  CHECK(back.batch.ms == r.batch.ms);
  CHECK(back.task_record == r.task_record);
  CHECK(back.trace == r.trace);
  CHECK(back.primary_verdict() == 1.0);
  auto j = to_json(r);
  j.erase("output");
  CHECK_THROWS_AS(record_from_json(j, "x:1"), remedi::Error);
}

TEST_CASE("a torn last line is dropped and truncated, never duplicated", "[results][records]") {
  std::string dir = temp_dir("torn");
  std::string path = dir + "/samples.jsonl";
  append_records(path, {make_record("gsm8k", 0, 1), make_record("gsm8k", 1, 0)});
  // Simulate kill -9 in the middle of the next batch's write: half a line, no newline.
  std::string line = to_json(make_record("gsm8k", 2, 1)).dump();
  remedi::append_durable(path, line.substr(0, line.size() / 2));
  auto c = read_records(path);
  CHECK(c.records.size() == 2);
  CHECK(c.torn_tail);
  auto rec = recover_records(path);
  CHECK(rec.records.size() == 2);
  CHECK(std::filesystem::file_size(path) == static_cast<uintmax_t>(rec.complete_bytes));
  // The resumed run appends the lost sample and a new one: nothing glued to the fragment.
  append_records(path, {make_record("gsm8k", 2, 1), make_record("gsm8k", 3, 1)});
  auto after = read_records(path);
  REQUIRE(after.records.size() == 4);
  CHECK_FALSE(after.torn_tail);
  CHECK(after.duplicates == 0);
  CHECK(after.records[2].key.doc_id == "gsm8k-2");
  // The same key twice is kept once.
  append_records(path, {make_record("gsm8k", 3, 0)});
  auto dup = read_records(path);
  CHECK(dup.records.size() == 4);
  CHECK(dup.duplicates == 1);
  CHECK(dup.records[3].verdicts.at("strict") == 1.0);  // first occurrence wins
}

TEST_CASE("a complete but corrupt line is an error with its line number", "[results][records]") {
  std::string dir = temp_dir("corrupt");
  std::string path = dir + "/samples.jsonl";
  append_records(path, {make_record("gsm8k", 0, 1)});
  remedi::append_durable(path, "{not json}\n");
  try {
    read_records(path);
    FAIL("expected an error");
  } catch (const remedi::Error& e) {
    CHECK(e.where() == path + ":2");
  }
  CHECK(read_records(dir + "/missing.jsonl").records.empty());
}

TEST_CASE("run directory: fresh start, resume, config mismatch", "[results][rundir]") {
  std::string dir = temp_dir("rundir") + "/run";
  RunPaths p(dir);
  nlohmann::json cfg = {{"model", "preset:tiny"}, {"steps", 8}, {"tasks", {"gsm8k"}}};
  RunIdentity id = open_run_dir(p, cfg, false);
  CHECK(id.run_id.size() == 16);
  append_records(p.samples(), {make_record("gsm8k", 0, 1)});
  // A fresh start over existing samples is refused.
  CHECK_THROWS_AS(open_run_dir(p, cfg, false), remedi::Error);
  // Resume with the same config keeps the identity.
  RunIdentity again = open_run_dir(p, cfg, true);
  CHECK(again.run_id == id.run_id);
  CHECK(again.started_at == id.started_at);
  // Resume with another config names the key that differs.
  nlohmann::json other = cfg;
  other["steps"] = 16;
  try {
    open_run_dir(p, other, true);
    FAIL("expected an error");
  } catch (const remedi::Error& e) {
    CHECK(std::string(e.what()).find("steps: was 8, now 16") != std::string::npos);
  }
  // Unfinished run: load_run refuses with a hint to resume.
  CHECK_THROWS_AS(load_run(dir), remedi::Error);
}

TEST_CASE("summary aggregates per task with standard errors over docs", "[results][summary]") {
  std::vector<SampleRecord> recs;
  for (int d = 0; d < 4; ++d) recs.push_back(make_record("gsm8k", d, d < 3 ? 1 : 0));
  for (int d = 0; d < 3; ++d)
    for (int k = 0; k < 2; ++k) recs.push_back(make_record("humaneval", d, (d == 0 || k == 1) ? 1 : 0, k));
  auto s = make_summary({{"label", "x"}}, recs, {"humaneval", "gsm8k"});
  CHECK(s["schema_version"] == kSummarySchemaVersion);
  CHECK(s["task_order"] == nlohmann::json({"humaneval", "gsm8k"}));
  const auto& g = s["tasks"]["gsm8k"];
  CHECK(g["metrics"]["strict"]["mean"].get<double>() == Approx(0.75));
  CHECK(g["metrics"]["strict"]["se"].get<double>() == Approx(0.25));  // sd 0.5 / sqrt(4)
  CHECK(g["n_docs"] == 4);
  CHECK_FALSE(g.contains("pass_at_k"));
  const auto& h = s["tasks"]["humaneval"];
  CHECK(h["n_docs"] == 3);
  CHECK(h["n_samples"] == 6);
  CHECK(h["metrics"]["strict"]["mean"].get<double>() == Approx((1 + 0.5 + 0.5) / 3));
  CHECK(h["pass_at_k"]["k"] == 2);
  CHECK(h["pass_at_k"]["mean"].get<double>() == Approx(1.0));  // every doc has a pass in 2 draws
  // Throughput: batches count once. gsm8k docs 0-3 share batch 0 (100 ms, 11 forwards).
  CHECK(g["throughput"]["batches"] == 1);
  CHECK(g["throughput"]["forwards"] == 11);
  CHECK(g["throughput"]["tokens"] == 10 + 11 + 12 + 13);
  CHECK(g["throughput"]["tok_per_s"].get<double>() == Approx(46 / 0.1));
  CHECK(g["remask"]["remasks"] == 0 + 1 + 2 + 0);
  CHECK(g["remask"]["remasks_per_token"].get<double>() == Approx(3.0 / 46));
  int hist_total = 0;
  for (int c : s["totals"]["remask"]["histogram"]["counts"]) hist_total += c;
  CHECK(hist_total == static_cast<int>(recs.size()));
}

TEST_CASE("invalid UTF-8 in an output is replaced, not fatal", "[results][records]") {
  std::string dir = temp_dir("utf8");
  std::string path = dir + "/samples.jsonl";
  SampleRecord r = make_record("gsm8k", 0, 1);
  r.output = std::string("half a char: \xE4\xB8") + " end";  // a byte-level token cut inside U+4E00
  r.trace = {{"steps", {{{"tokens", {std::string("\xE4")}}}}}};
  REQUIRE_NOTHROW(append_records(path, {r}));
  auto c = read_records(path);
  REQUIRE(c.records.size() == 1);
  CHECK(c.records[0].output == "half a char: \xEF\xBF\xBD end");  // U+FFFD for the invalid bytes
  CHECK(c.records[0].trace["steps"][0]["tokens"][0] == "\xEF\xBF\xBD");
}
