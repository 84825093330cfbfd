#include "remedi/results/run_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "remedi/common/error.h"
#include "remedi/common/sha256.h"

namespace remedi::results {

using nlohmann::json;

// The whole schema. IF NOT EXISTS makes opening idempotent; the indexes serve the two documented
// queries (metrics of one task across runs; one sample across runs).
static const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs (
  run_id       TEXT PRIMARY KEY,
  label        TEXT,
  run_dir      TEXT,
  model        TEXT,
  model_hash   TEXT,
  sampler_hash TEXT,
  policy       TEXT,
  protocol     TEXT,
  steps        INTEGER,
  git_sha      TEXT,
  started_at   TEXT,
  finished_at  TEXT,
  n_samples    INTEGER,
  summary_json TEXT
);
CREATE TABLE IF NOT EXISTS task_metrics (
  run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  task       TEXT NOT NULL,
  filter     TEXT NOT NULL,
  is_primary INTEGER NOT NULL,
  mean       REAL,
  se         REAL,
  n          INTEGER,
  PRIMARY KEY (run_id, task, filter)
);
CREATE TABLE IF NOT EXISTS samples (
  run_id     TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  task       TEXT NOT NULL,
  doc_id     TEXT NOT NULL,
  repeat     INTEGER NOT NULL,
  filter     TEXT NOT NULL,
  is_primary INTEGER NOT NULL,
  verdict    REAL,
  PRIMARY KEY (run_id, task, doc_id, repeat, filter)
);
CREATE INDEX IF NOT EXISTS runs_model_time ON runs (model, finished_at);
CREATE INDEX IF NOT EXISTS task_metrics_task ON task_metrics (task, filter);
CREATE INDEX IF NOT EXISTS samples_doc ON samples (task, doc_id, repeat, filter);
)sql";

RunDb::RunDb(const std::string& path) : path_(path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error("cannot open the run database: " + msg, path, "check the --db path and its directory");
  }
  sqlite3_busy_timeout(db_, 5000);  // two runs finishing together wait for each other
  exec("PRAGMA foreign_keys = ON;");
  exec(kSchema);
  auto v = query("SELECT value FROM meta WHERE key = 'schema_version'");
  if (v.empty()) {
    exec("INSERT INTO meta VALUES ('schema_version', '" + std::to_string(kRunDbSchemaVersion) + "')");
  } else if (v[0][0] != std::to_string(kRunDbSchemaVersion)) {
    throw Error("run database has schema version " + v[0][0] + ", this build writes " +
                    std::to_string(kRunDbSchemaVersion), path, "use a new --db file");
  }
}

RunDb::~RunDb() { sqlite3_close(db_); }

void RunDb::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error("run database statement failed: " + msg, path_);
  }
}

// A prepared statement bound positionally; finalised on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql, const std::string& where) : db_(db), where_(where) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK)
      throw Error(std::string("run database: cannot prepare statement: ") + sqlite3_errmsg(db), where);
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& text(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.c_str(), -1, SQLITE_TRANSIENT); return *this; }
  Stmt& num(int i, double v) { sqlite3_bind_double(s_, i, v); return *this; }
  Stmt& integer(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
  void run() {
    if (sqlite3_step(s_) != SQLITE_DONE)
      throw Error(std::string("run database: insert failed: ") + sqlite3_errmsg(db_), where_);
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  sqlite3_stmt* get() { return s_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  std::string where_;
};

static std::string str_at(const json& j, const char* a, const char* b = nullptr) {
  const json* p = &j;
  for (const char* k : {a, b}) {
    if (!k) break;
    if (!p->is_object() || !p->contains(k)) return "";
    p = &(*p)[k];
  }
  if (p->is_string()) return p->get<std::string>();
  if (p->is_null()) return "";
  return dump_json(*p);
}

// The run's protocol: the --protocol flag, else the distinct per-task defaults joined by ','.
static std::string protocol_of(const json& s) {
  std::string p = str_at(s, "config", "protocol");
  if (!p.empty() || !s.contains("protocols") || !s["protocols"].is_object()) return p;
  std::vector<std::string> seen;
  for (auto& [task, v] : s["protocols"].items())
    if (v.is_string() && std::find(seen.begin(), seen.end(), v.get<std::string>()) == seen.end())
      seen.push_back(v.get<std::string>());
  for (size_t i = 0; i < seen.size(); ++i) p += (i ? "," : "") + seen[i];
  return p;
}

std::string RunDb::index_run(const RunData& run) {
  const json& s = run.summary;
  std::string run_id = str_at(s, "run_id");
  if (run_id.empty()) run_id = sha256_hex(std::filesystem::absolute(run.dir).string()).substr(0, 16);
  exec("BEGIN IMMEDIATE");
  try {
    Stmt del(db_, "DELETE FROM runs WHERE run_id = ?", path_);
    del.text(1, run_id).run();
    Stmt ins(db_, "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", path_);
    int64_t steps = s.contains("sampler") && s["sampler"].contains("params") && s["sampler"]["params"].contains("steps")
                        ? s["sampler"]["params"]["steps"].get<int64_t>() : 0;
    ins.text(1, run_id).text(2, run.label()).text(3, std::filesystem::absolute(run.dir).string())
        .text(4, str_at(s, "model", "name")).text(5, str_at(s, "model", "hash"))
        .text(6, str_at(s, "sampler", "hash")).text(7, str_at(s, "sampler", "policy"))
        .text(8, protocol_of(s)).integer(9, steps).text(10, str_at(s, "git_sha"))
        .text(11, str_at(s, "started_at")).text(12, str_at(s, "finished_at"))
        .integer(13, static_cast<int64_t>(run.records.size())).text(14, dump_json(s));
    ins.run();
    Stmt tm(db_, "INSERT INTO task_metrics VALUES (?,?,?,?,?,?,?)", path_);
    if (s.contains("tasks"))
      for (auto& [task, t] : s["tasks"].items()) {
        const std::string primary = t.value("primary", "");
        for (auto& [filter, m] : t["metrics"].items())
          tm.text(1, run_id).text(2, task).text(3, filter).integer(4, filter == primary)
              .num(5, m.value("mean", 0.0)).num(6, m.value("se", 0.0)).integer(7, m.value("n", 0)).run();
      }
    Stmt sm(db_, "INSERT INTO samples VALUES (?,?,?,?,?,?,?)", path_);
    for (const SampleRecord& r : run.records)
      for (auto& [filter, v] : r.verdicts)
        sm.text(1, run_id).text(2, r.key.task).text(3, r.key.doc_id).integer(4, r.key.repeat)
            .text(5, filter).integer(6, filter == r.primary).num(7, v).run();
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return run_id;
}

int64_t RunDb::count(const std::string& table) {
  auto rows = query("SELECT COUNT(*) FROM " + table);
  return rows.empty() ? 0 : std::stoll(rows[0][0]);
}

std::vector<std::vector<std::string>> RunDb::query(const std::string& sql) {
  Stmt st(db_, sql, path_);
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(st.get()); ++i) {
      const unsigned char* t = sqlite3_column_text(st.get(), i);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) throw Error(std::string("run database query failed: ") + sqlite3_errmsg(db_), path_);
  return rows;
}

}  // namespace remedi::results
