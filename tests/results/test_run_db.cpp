#include <catch2/catch.hpp>

#include "remedi/results/run_db.h"
#include "synthetic_run.h"

using namespace remedi::results;
using namespace remedi::results::test;

TEST_CASE("run database indexes runs, metrics and verdicts; re-indexing replaces", "[results][db]") {
  std::string root = temp_dir("db");
  std::vector<SampleRecord> a, b;
  for (int d = 0; d < 5; ++d) {
    a.push_back(make_record("gsm8k", d, d % 2));
    b.push_back(make_record("gsm8k", d, d == 0 ? 0 : d % 2));  // doc 0 flips 0 -> 0? no: stays 0
  }
  b[1].verdicts["strict"] = 0;  // doc 1 flips 1 -> 0
  RunData ra = load_run(write_run(root + "/a", a, "ckpt-100"));
  RunData rb = load_run(write_run(root + "/b", b, "ckpt-200"));
  {
    RunDb db(root + "/runs.sqlite");
    CHECK(db.index_run(ra) == "ckpt-100-id");
    db.index_run(rb);
    CHECK(db.count("runs") == 2);
    CHECK(db.count("task_metrics") == 4);  // 2 runs x (strict, flexible)
    CHECK(db.count("samples") == 20);      // 2 runs x 5 docs x 2 filters
    db.index_run(ra);                       // again: replaced, not added
    CHECK(db.count("samples") == 20);
  }
  RunDb db(root + "/runs.sqlite");  // reopen: schema already there
  auto acc = db.query(
      "SELECT r.label, m.mean FROM runs r JOIN task_metrics m USING (run_id) "
      "WHERE m.task = 'gsm8k' AND m.is_primary ORDER BY r.label");
  REQUIRE(acc.size() == 2);
  CHECK(acc[0][0] == "ckpt-100");
  CHECK(std::stod(acc[0][1]) == Approx(0.4));
  CHECK(std::stod(acc[1][1]) == Approx(0.2));
  auto flips = db.query(
      "SELECT a.doc_id, a.verdict, b.verdict FROM samples a JOIN samples b "
      "ON a.task = b.task AND a.doc_id = b.doc_id AND a.repeat = b.repeat AND a.filter = b.filter "
      "WHERE a.run_id = 'ckpt-100-id' AND b.run_id = 'ckpt-200-id' AND a.is_primary AND a.verdict <> b.verdict");
  REQUIRE(flips.size() == 1);
  CHECK(flips[0][0] == "gsm8k-1");
  auto summary = db.query("SELECT json_extract(summary_json, '$.tasks.gsm8k.n_docs') FROM runs LIMIT 1");
  CHECK(summary[0][0] == "5");
}
