#include "run_options.h"

#include <filesystem>
#include <string>

#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/tasks/registry.h"
#include "sampler_flags.h"

namespace remedi::cli {

nlohmann::json RunOptions::config_json() const {
  return {{"model", model},
          {"tasks", tasks},
          {"protocol", protocol},
          {"sampler", nlohmann::json::parse(engine::params_json(sampler))},
          {"steps", sampler.steps},
          {"limit", limit},
          {"samples", samples},
          {"tokenizer", tokenizer.empty() ? nlohmann::json() : nlohmann::json(sha256_file(tokenizer))},
          {"device", device},
          {"dtype", dtype},
          {"data_dir", data_dir},
          {"seed", seed},
          {"trace_samples", trace_samples}};
}

uint64_t sample_seed(uint64_t base, const std::string& task, const std::string& doc_id, int repeat) {
  std::string h = sha256_hex(std::to_string(base) + "\x1f" + task + "\x1f" + doc_id + "\x1f" + std::to_string(repeat));
  return std::stoull(h.substr(0, 15), nullptr, 16);
}

RunOptions parse_run_options(Args& a) {
  RunOptions o;
  // Paths are recorded absolute: a resume from another working directory has the same config hash,
  // and `score` finds the data wherever it is started.
  o.model = a.get("--model");
  if (o.model.rfind("preset:", 0) != 0) o.model = std::filesystem::absolute(o.model).lexically_normal().string();
  o.tasks = a.get_list("--tasks");
  if (o.tasks.empty()) throw Error("--tasks is empty", "run", "e.g. --tasks gsm8k,humaneval (see `remedi-eval tasks`)");
  for (const auto& t : o.tasks) tasks::find_task(t);  // throws listing the valid names
  o.protocol = a.get("--protocol", "");
  if (!o.protocol.empty())
    for (const auto& t : o.tasks) tasks::check_protocol(tasks::find_task(t), o.protocol);
  o.sampler = parse_sampler_flags(a);
  o.sampler.trace = false;
  o.limit = a.get_int("--limit", 0);
  o.samples = static_cast<int>(a.get_int("--samples", 1));
  o.batch = static_cast<int>(a.get_int("--batch", 8));
  o.queue = static_cast<int>(a.get_int("--queue", 4));
  o.tokenizer = a.get("--tokenizer", "");
  if (!o.tokenizer.empty()) o.tokenizer = std::filesystem::absolute(o.tokenizer).lexically_normal().string();
  o.device = a.get("--device", "cpu");
  o.dtype = a.get("--dtype", "auto");
  o.out = a.get("--out");
  o.resume = a.flag("--resume");
  o.data_dir = std::filesystem::absolute(tasks::resolve_data_dir(a.opt("--data-dir"))).lexically_normal().string();
  o.trace_samples = static_cast<int>(a.get_int("--trace-samples", 0));
  o.db = a.get("--db", "runs.sqlite");
  if (a.flag("--no-db")) o.db.clear();
  o.stall_warn_s = a.get_double("--stall-warn", 300);
  o.seed = static_cast<uint64_t>(a.get_int("--seed", 0));
  o.label = a.get("--label", "");
  o.sandbox_workers = static_cast<int>(a.get_int("--sandbox-workers", 0));
  if (o.limit < 0) throw Error("--limit must be >= 0", "run");
  if (o.samples < 1) throw Error("--samples must be >= 1", "run");
  if (o.batch < 1) throw Error("--batch must be >= 1", "run");
  if (o.queue < 1) throw Error("--queue must be >= 1", "run", "1 = plain batches, no continuous batching");
  if (o.trace_samples < 0) throw Error("--trace-samples must be >= 0", "run");
  if (o.stall_warn_s <= 0) throw Error("--stall-warn must be > 0 seconds", "run");
  return o;
}

const char* run_help() {
  return R"(usage: remedi-eval run --model DIR|preset:NAME --tasks a,b --out DIR [flags]

Generates every (doc, repeat) of the tasks, B rows at a time, B x Q requests per generate call (a row
whose request ends takes the next queued one at a block boundary); scores each call's samples while
the next call generates, appends one record per sample to OUT/samples.jsonl (fsynced per call),
writes OUT/summary.json and indexes the run into the run database.

  --model DIR|preset:NAME   checkpoint directory (make one with `remedi-eval make-tiny-model DIR`)
  --tasks a,b               task names (`remedi-eval tasks` lists them)
  --protocol P              prompt protocol for every task (default: each task's first protocol)
  --limit N                 first N docs per task (default 0 = all)
  --samples K               generations per doc, repeat 0..K-1 (default 1); with --temperature 0 the
                            repeats are identical, so use --temperature > 0 for pass@k
  --batch B                 rows the model runs at once (default 8)
  --queue Q                 requests per generate call = B x Q (default 4): rows whose request ends
                            early (EOS) take the next request instead of idling; 1 = plain batches.
                            The refill room doubles the generated part of the KV cache; on a GPU
                            without that memory it is left out (a note says so)
  --tokenizer FILE          tokenizer.json to use instead of the model's (presets have none), e.g.
                            TINY/tokenizer.json with --model preset:remedi-9b for a real-shape run
  --device cpu|cuda         default cpu
  --dtype auto|f32|bf16     default auto
  --data-dir D              benchmark files (default $REMEDI_DATA, else ./data); harness/data is a small
                            embedded set
  --out DIR                 run directory (required)
  --resume                  continue the run in --out: done samples are skipped; refuses if the
                            configuration differs
  --trace-samples N         keep the denoising trace of the first N samples per task (default 0)
  --db FILE                 run database (default ./runs.sqlite); --no-db to skip
  --label NAME              run name in reports (default: the --out folder name)
  --stall-warn S            warn when no sample finished for S seconds (default 300)
  --seed N                  base seed; per-sample seeds derive from it (default 0)
  --sandbox-workers N       concurrent code executions (default: online CPUs)
)";
}

}  // namespace remedi::cli
