// summary.json: what a run measured, aggregated from its sample records, next to everything that can
// change a number (STYLE.md §5). The harness supplies the header (config, sampler, model, git sha,
// environment, task versions, timings); this file adds the schema version and the per-task blocks:
//
//   "tasks": { "<task>": {
//       "primary": "<filter>", "n_docs": 8, "n_samples": 8, "repeats": 1,
//       "metrics":    { "<filter>": {"mean": 0.25, "se": 0.16, "n": 8}, ... },   // se over docs
//       "pass_at_k":  { "k": 4, "mean": 0.5, "se": ... }                          // only when repeats > 1
//       "throughput": { "tokens", "nfe", "batches", "forwards", "gen_s", "tok_per_s", "ms_per_forward" },
//       "remask":     { "remasks", "revisions", "blocks", "remasks_per_token", "remasks_per_block",
//                       "revisions_per_token", "histogram": {"edges": [...], "counts": [...]} } } },
//   "totals": { same throughput and remask fields over every task, "n_samples" }
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/results/sample_record.h"

namespace remedi::results {

// Version of the summary.json layout (and of samples.jsonl's envelope). Bump on any change that an
// old reader would misread.
inline constexpr int kSummarySchemaVersion = 1;

// Per-task and total blocks from the records (any order). Tasks appear in first-seen order of
// `task_order` when given, then alphabetically.
nlohmann::json summarize_records(const std::vector<SampleRecord>& records,
                                 const std::vector<std::string>& task_order = {});

// header + {"schema_version", "tasks", "totals"}. header must be a JSON object.
nlohmann::json make_summary(const nlohmann::json& header, const std::vector<SampleRecord>& records,
                            const std::vector<std::string>& task_order = {});

// Unbiased pass@k for one doc with n samples of which c pass (Chen et al. 2021, "Evaluating Large
// Language Models Trained on Code", eq. 1): 1 - C(n-c, k) / C(n, k).
double pass_at_k(int n, int c, int k);

}  // namespace remedi::results
