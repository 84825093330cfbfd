// The run database: every finished run indexed in one SQLite file that users query with sqlite3
// (docs/run-database.md has the queries). The schema lives in one place, run_db.cpp's kSchema:
//
//   runs(run_id PK, label, run_dir, model, model_hash, sampler_hash, policy, protocol, steps,
//        git_sha, started_at, finished_at, n_samples, summary_json)
//   task_metrics(run_id, task, filter, is_primary, mean, se, n)          PK (run_id, task, filter)
//   samples(run_id, task, doc_id, repeat, filter, is_primary, verdict)   PK (run_id, task, doc_id, repeat, filter)
//
// Indexing a run again (after `score`) replaces its rows in one transaction.
#pragma once
#include <string>
#include <vector>

#include "remedi/results/run_dir.h"

struct sqlite3;

namespace remedi::results {

inline constexpr int kRunDbSchemaVersion = 1;

class RunDb {
 public:
  explicit RunDb(const std::string& path);  // creates the file and schema if needed; throws remedi::Error
  ~RunDb();
  RunDb(const RunDb&) = delete;
  RunDb& operator=(const RunDb&) = delete;

  // Inserts or replaces the run (key: summary["run_id"], else a hash of the directory).
  std::string index_run(const RunData& run);
  // Number of rows of a table (for tests and a one-line confirmation on the CLI).
  int64_t count(const std::string& table);
  // Runs a query and returns its rows as text (NULL -> ""), for tests and docs checks.
  std::vector<std::vector<std::string>> query(const std::string& sql);

 private:
  void exec(const std::string& sql);
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace remedi::results
