// The layout of a run directory and the few operations on it as a whole.
//
//   RUN_DIR/config.json     the run's configuration and its hash, written when the run starts;
//                           --resume refuses to continue under a different hash
//   RUN_DIR/samples.jsonl   one SampleRecord per line, appended + fsynced per batch (record_file.h)
//   RUN_DIR/summary.json    written atomically when the run finishes (summary.h); its presence
//                           marks the run as finished
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/results/sample_record.h"

namespace remedi::results {

struct RunPaths {
  std::string root;
  explicit RunPaths(std::string dir) : root(std::move(dir)) {}
  std::string config() const { return root + "/config.json"; }
  std::string samples() const { return root + "/samples.jsonl"; }
  std::string summary() const { return root + "/summary.json"; }
};

// sha256 of the config's canonical dump (nlohmann::json sorts object keys).
std::string config_hash(const nlohmann::json& config);

// Starts or resumes a run directory with `config`:
//   fresh (resume=false): the directory must not hold samples yet (else Error: use --resume or a new
//     --out); writes config.json with a new run id and start time.
//   resume=true: config.json must exist and carry the same hash (else Error showing which keys
//     differ); a missing directory starts fresh. The original run id and start time are kept.
struct RunIdentity {
  std::string run_id;      // 16 hex digits, unique per started run; the run database's key
  std::string started_at;  // ISO 8601 UTC, when the run first started
  std::string config_hash;
};
RunIdentity open_run_dir(const RunPaths& p, const nlohmann::json& config, bool resume);
std::string utc_now_iso();  // "2026-11-28T13:07:07Z"

// The keys of `config` whose values differ from `other` (both objects; missing counts as different).
std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b);

// A finished run: its summary and records (records sorted by task order, doc_index, repeat).
struct RunData {
  std::string dir;
  nlohmann::json summary;
  std::vector<SampleRecord> records;
  std::string label() const;   // summary["label"] if set, else the directory's last component
};
// Throws remedi::Error when summary.json is missing (the run did not finish: resume it).
RunData load_run(const std::string& dir);
void write_summary(const RunPaths& p, const nlohmann::json& summary);  // atomic

}  // namespace remedi::results
