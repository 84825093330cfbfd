// The options of `remedi-eval run`, parsed once from the command line, and the part of them that can
// change a number (config_json): that part is hashed into the run directory's config.json, and
// --resume refuses to continue a run under a different hash.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "remedi/common/args.h"
#include "remedi/engine/sampler.h"

namespace remedi::cli {

struct RunOptions {
  std::string model;                 // checkpoint directory or "preset:NAME"
  std::vector<std::string> tasks;    // registry names, in report order
  std::string protocol;              // "" = each task's default protocol
  engine::SamplerParams sampler;     // trace is forced off here; --trace-samples selects traced rows
  int64_t limit = 0;                 // docs per task; 0 = all
  int samples = 1;                   // generations per doc (repeat 0..samples-1; pass@k)
  int batch = 8;                     // rows the model runs at once
  int queue = 4;                     // requests per generate call = batch x queue (continuous batching)
  std::string tokenizer;             // tokenizer.json for models without one (presets); "" = the model's
  std::string device = "cpu";        // "cpu", "cuda", "cuda:N"
  std::string dtype = "auto";        // "auto" (cpu f32, cuda bf16), "f32", "bf16"
  std::string out;                   // run directory
  bool resume = false;               // continue an interrupted run in --out
  std::string data_dir;              // resolved: --data-dir, else $REMEDI_DATA, else ./data
  int trace_samples = 0;             // per task: the first N samples keep their denoising trace
  std::string db = "runs.sqlite";    // run database indexed at the end; "" = none (--no-db)
  double stall_warn_s = 300;         // warn when no sample finished for this long, seconds
  uint64_t seed = 0;                 // base seed; each sample's seed derives from (seed, task, doc, repeat)
  std::string label;                 // name of the run in reports; default: the --out folder name
  int sandbox_workers = 0;           // concurrent code executions; 0 = online CPUs

  // Everything that changes a generated token or a verdict; not --out, --resume, --db, --batch,
  // --queue (rows are independent: MODEL.md §4), --label or progress settings.
  nlohmann::json config_json() const;
};

RunOptions parse_run_options(Args& a);  // throws remedi::Error on bad values
const char* run_help();

// Per-sample generation seed: independent of batching, so a resumed run regenerates a lost sample
// exactly as the uninterrupted run would have.
uint64_t sample_seed(uint64_t base, const std::string& task, const std::string& doc_id, int repeat);

}  // namespace remedi::cli
