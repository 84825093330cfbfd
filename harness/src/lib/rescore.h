// `remedi-eval score RUN_DIR`: recompute every verdict and metric from the stored raw outputs,
// without the engine (STYLE.md §6: generation and scoring are separate stages joined by the record
// file). Tasks are reloaded from the run's recorded data dir (or an override), prompts rebuilt (for
// the stop strings and hashes), every output scored again with the current extraction code, the
// records rewritten atomically, summary.json rebuilt and the run re-indexed.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace remedi::cli {

struct RescoreOptions {
  std::string run_dir;
  std::string data_dir;        // "" = the data dir recorded in config.json
  std::string db = "runs.sqlite";  // "" = do not index
  int sandbox_workers = 0;     // 0 = online CPUs
};

struct RescoreOutcome {
  int64_t samples = 0;
  int64_t changed = 0;         // samples whose primary verdict changed
  nlohmann::json summary;
};

RescoreOutcome rescore_run(const RescoreOptions& o);

}  // namespace remedi::cli
