// The end of a run, shared by `run` and `score`: aggregate the records into summary.json (the
// generic blocks of results::make_summary plus the task module's own metrics, e.g. pass@k and
// IFEval's instruction-level accuracy), write it atomically and index the run into the database.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/results/run_dir.h"

namespace remedi::cli {

struct FinalizeResult {
  nlohmann::json summary;
  std::string db_run_id;  // "" when no database
};

// header: identity, config, sampler, model, environment (everything but the aggregated blocks).
// db: run database path, "" = none.
FinalizeResult finalize_run(const results::RunPaths& p, const nlohmann::json& header,
                            const std::vector<std::string>& task_order, const std::string& db);

// A few lines for the terminal: per task, the primary score ± se, n, tok/s and remasks/token.
std::string summary_text(const nlohmann::json& summary);

}  // namespace remedi::cli
