// remedi-eval bench: ms per forward, tok/s and peak memory per batch size, beside the memory-
// bandwidth floor measured in the same run (issue 6). Random-weight presets ignore EOS.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/bench.h"
#include "sampler_flags.h"

namespace {
const char* kHelp = R"(usage: remedi-eval bench --model DIR|preset:NAME [flags]

  --model DIR|preset:NAME   e.g. preset:remedi-9b (random weights at real shapes)
  --batch 1,8,64            batch sizes to run (default 1)
  --prefix N                prompt tokens per row (default 1024)
  --gen N                   generated tokens per row, EOS ignored (default 256)
  --device cpu|cuda         default cpu
  --dtype auto|f32|bf16     default auto
  --taps 0,10,20,30         override the UPS tap layers
  --warmup-blocks N         blocks generated before timing (default 1)
  --no-eager                skip the side-by-side eager run (by default each batch also runs the plain
                            eager forward and the speedup and token parity are printed)
  --json OUT                also write the results as JSON to OUT
On the CPU the numbers are for checking the pipeline only, not speed claims.
)";
}  // namespace

static int run_bench(remedi::Args& a) {
  using namespace remedi;
  if (a.help()) {
    std::printf("%s%s", kHelp, cli::sampler_flags_help());
    return 0;
  }
  engine::EngineOptions eo = cli::parse_engine_flags(a);
  std::vector<int> batches;
  for (int64_t b : a.get_int_list("--batch", "1")) batches.push_back(static_cast<int>(b));
  engine::BenchConfig base;
  base.prefix = static_cast<int>(a.get_int("--prefix", 1024));
  base.gen = static_cast<int>(a.get_int("--gen", 256));
  base.warmup_blocks = static_cast<int>(a.get_int("--warmup-blocks", 1));
  base.params = cli::parse_sampler_flags(a);
  auto json_out = a.opt("--json");
  bool with_eager = !a.flag("--no-eager");
  a.finish();
  int maxb = 1;
  for (int b : batches) maxb = std::max(maxb, b);
  eo.max_batch = maxb;
  eo.max_seq_len = 0;

  auto eng = engine::Engine::open(eo);
  const auto& info = eng->info();
  double bw = engine::measure_copy_bandwidth(info.device);
  std::fprintf(stderr, "model %s on %s %s (%s), copy bandwidth %.0f GB/s (read+write)\n", info.name.c_str(),
               info.device.c_str(), info.dtype.c_str(), info.gpu_name.empty() ? "cpu" : info.gpu_name.c_str(),
               bw / 1e9);
  nlohmann::json runs = nlohmann::json::array();
  std::printf("%6s %8s %8s %8s %8s %7s %9s %10s %9s\n", "batch", "ms/fwd", "p95", "floor", "ratio", "commit",
              "tok/s", "fwd/s", "peak GiB");
  for (int b : batches) {
    engine::BenchConfig c = base;
    c.batch = b;
    auto r = engine::bench_generation(*eng, c, bw);
    std::printf("%6d %8.2f %8.2f %8.2f %8.2f %7.2f %9.1f %10.1f %9.2f\n", b, r.step_ms_p50, r.step_ms_p95, r.floor_ms,
                r.ratio, r.commit_ms_p50, r.tok_s, r.forwards_s, double(r.peak_mem_bytes) / (1 << 30));
    std::fflush(stdout);
    nlohmann::json eager_j = nullptr;
    if (with_eager) {
      engine::BenchConfig ce = c;
      ce.step_graphs = false;
      auto e = engine::bench_generation(*eng, ce, bw);
      bool same = e.first_row_tokens == r.first_row_tokens;
      std::printf("%6s %8.2f %8.2f   eager: fast path is %.2fx faster per forward, %.2fx in tok/s; tokens %s\n", "",
                  e.step_ms_p50, e.step_ms_p95, e.step_ms_p50 / r.step_ms_p50, r.tok_s / e.tok_s,
                  same ? "identical" : "DIFFER");
      std::fflush(stdout);
      eager_j = {{"step_ms_p50", e.step_ms_p50}, {"step_ms_p95", e.step_ms_p95}, {"tok_s", e.tok_s},
                 {"speedup_ms_per_forward", e.step_ms_p50 / r.step_ms_p50}, {"speedup_tok_s", r.tok_s / e.tok_s},
                 {"tokens_identical", same}};
    }
    runs.push_back({{"batch", b},
                    {"prefix", c.prefix},
                    {"gen", c.gen},
                    {"step_ms_p50", r.step_ms_p50},
                    {"step_ms_p95", r.step_ms_p95},
                    {"step_ms_mean", r.step_ms_mean},
                    {"commit_ms_p50", r.commit_ms_p50},
                    {"prefill_ms", r.prefill_ms},
                    {"forwards", r.forwards},
                    {"tok_s", r.tok_s},
                    {"forwards_s", r.forwards_s},
                    {"peak_mem_bytes", r.peak_mem_bytes},
                    {"weight_bytes", r.weight_bytes},
                    {"kv_bytes", r.kv_bytes},
                    {"floor_ms", r.floor_ms},
                    {"ratio", r.ratio},
                    {"eager", eager_j}});
  }
  if (json_out) {
    nlohmann::json j = {{"schema_version", 1},
                        {"model", info.name},
                        {"device", info.device},
                        {"dtype", info.dtype},
                        {"gpu", info.gpu_name},
                        {"cuda_driver", info.cuda_driver},
                        {"torch_version", info.torch_version},
                        {"remedi_eval", std::string(remedi::version()) + " " + remedi::git_sha()},
                        {"policy", engine::policy_name(base.params.policy)},
                        {"steps", base.params.steps},
                        {"block", base.params.block_size},
                        {"copy_bandwidth_bytes_s", bw},
                        {"runs", runs}};
    write_file_atomic(*json_out, j.dump(2) + "\n");
  }
  return 0;
}

REMEDI_COMMAND(bench, "bench", "time forwards per batch size beside the memory-bandwidth floor", run_bench)
