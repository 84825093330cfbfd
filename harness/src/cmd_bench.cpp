// remedi-eval bench: ms per forward, tok/s and peak memory per batch size, beside the memory-
// bandwidth floor measured in the same run (issue 6). Random-weight presets ignore EOS.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

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
  --prefix-spread N         ragged batches: row r's prompt is N' = (r*37 mod (N+1)) tokens shorter
                            (default 0: every row has --prefix tokens)
  --gen N                   generated tokens per row, EOS ignored (default 256)
  --device cpu|cuda         default cpu
  --dtype auto|f32|bf16     default auto
  --taps 0,10,20,30         override the UPS tap layers
  --warmup-blocks N         blocks generated before timing (default 1)
  --no-eager                skip the side-by-side plain run (by default each batch also runs the plain
                            eager LibTorch forward — ATen ops launched one by one, no captured graphs,
                            none of the engine's CUDA kernels — and prints the speedup and token parity)
  --json OUT                also write the results as JSON to OUT (rewritten after every batch size)
  --profile PREFIX          after the timings, profile one block per batch size (Kineto, CUDA
                            activity): print the top kernels by device time per forward and write the
                            Chrome trace to PREFIX-b<batch>.json (open in Perfetto or chrome://tracing)
  --profile-top N           kernels listed per batch size (default 15)
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
  // Bad numbers fail here, before a model is built (a real-shape preset takes a while to make).
  auto in_range = [](int64_t v, int64_t lo, int64_t hi, const char* flag, const char* what) {
    if (v < lo || v > hi)
      throw Error(std::string(what) + " must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                      std::to_string(v),
                  flag);
    return static_cast<int>(v);
  };
  constexpr int64_t kMaxTokens = int64_t(1) << 24;
  std::vector<int> batches;
  for (int64_t b : a.get_int_list("--batch", "1")) batches.push_back(in_range(b, 1, 1 << 16, "--batch", "a batch size"));
  engine::BenchConfig base;
  base.prefix = in_range(a.get_int("--prefix", 1024), 1, kMaxTokens, "--prefix", "the prompt length");
  base.gen = in_range(a.get_int("--gen", 256), 1, kMaxTokens, "--gen", "the generated length");
  base.prefix_spread = in_range(a.get_int("--prefix-spread", 0), 0, kMaxTokens, "--prefix-spread", "the prefix spread");
  base.warmup_blocks = in_range(a.get_int("--warmup-blocks", 1), 0, 1 << 16, "--warmup-blocks", "the warm-up");
  base.params = cli::parse_sampler_flags(a);
  auto json_out = a.opt("--json");
  bool with_eager = !a.flag("--no-eager");
  auto profile_prefix = a.opt("--profile");
  int profile_top = in_range(a.get_int("--profile-top", 15), 1, 1 << 20, "--profile-top", "the kernels listed");
  a.finish();
  if (json_out) {
    const auto dir = std::filesystem::path(*json_out).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
      throw Error("the folder of the JSON output does not exist", dir.string(), "create it first");
  }
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
  // The JSON is rewritten after every batch size, so a long run that stops keeps what it measured.
  auto write_json = [&] {
    if (!json_out) return;
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
  };
  // ms/fwd: CUDA events on the model's stream, token upload to outputs on the host (p50, p95);
  // wall: host clock around the step call (host work and synchronisation included), p50.
  // step tok/s: batch x tokens kept per step / ms per step (the denoising rate, the issue's figure);
  // e2e tok/s: generated tokens / wall time of the whole generation (prefill, commits, sampler).
  std::printf("%6s %8s %8s %8s %8s %8s %7s %10s %9s %9s %7s\n", "batch", "ms/fwd", "p95", "wall", "floor", "ratio",
              "commit", "step tok/s", "e2e tok/s", "peak GiB", "graphs");
  for (int b : batches) {
    engine::BenchConfig c = base;
    c.batch = b;
    auto r = engine::bench_generation(*eng, c, bw);
    std::printf("%6d %8.2f %8.2f %8.2f %8.2f %8.3f %7.2f %10.1f %9.1f %9.2f %7lld\n", b, r.step_ms_p50,
                r.step_ms_p95, r.step_wall_ms_p50, r.floor_ms, r.ratio, r.commit_ms_p50, r.step_tok_s, r.tok_s,
                double(r.peak_mem_bytes) / (1 << 30), static_cast<long long>(r.graph_captures));
    if (r.graph_replay_ms > 0)
      std::printf("%6s step graph replayed back to back: %.3f ms per forward (device only)\n", "", r.graph_replay_ms);
    std::fflush(stdout);
    nlohmann::json eager_j = nullptr;
    if (with_eager) {
      engine::BenchConfig ce = c;
      ce.step_graphs = false;
      ce.fused_kernels = false;
      auto e = engine::bench_generation(*eng, ce, bw);
      bool same = e.first_row_tokens == r.first_row_tokens;
      size_t n = std::min(e.first_row_tokens.size(), r.first_row_tokens.size()), agree = 0;
      for (size_t i = 0; i < n; ++i) agree += e.first_row_tokens[i] == r.first_row_tokens[i];
      std::printf("%6s %8.2f %8.2f %8.2f %26s %10.1f %9.1f   plain eager: fast path %.2fx per forward, %.2fx e2e; "
                  "row-0 tokens %s (%zu/%zu)\n",
                  "", e.step_ms_p50, e.step_ms_p95, e.step_wall_ms_p50, "", e.step_tok_s, e.tok_s,
                  e.step_ms_p50 / r.step_ms_p50,
                  r.tok_s / e.tok_s, same ? "identical" : "differ", agree, n);
      std::fflush(stdout);
      eager_j = {{"path", "plain eager LibTorch (ATen ops, no graphs, no engine kernels)"},
                 {"step_ms_p50", e.step_ms_p50}, {"step_ms_p95", e.step_ms_p95},
                 {"step_wall_ms_p50", e.step_wall_ms_p50}, {"tok_s", e.tok_s},
                 {"step_tok_s", e.step_tok_s}, {"speedup_ms_per_forward", e.step_ms_p50 / r.step_ms_p50},
                 {"speedup_tok_s", r.tok_s / e.tok_s}, {"tokens_identical", same},
                 {"tokens_agreeing", agree}, {"tokens_compared", n}};
    }
    nlohmann::json prof_j = nullptr;
    if (profile_prefix) {
      std::string trace = *profile_prefix + "-b" + std::to_string(b) + ".json";
      auto p = engine::profile_generation(*eng, c, trace);
      double per = p.forwards > 0 ? 1.0 / double(p.forwards) : 0.0;
      if (p.kernels.empty())
        std::printf("%6s profile of one block (%lld forwards): no device activity on %s; operators in trace %s\n", "",
                    static_cast<long long>(p.forwards), info.device.c_str(), trace.c_str());
      else
        std::printf("%6s profile of one block (%lld forwards): %.2f ms device time per forward; trace %s\n", "",
                    static_cast<long long>(p.forwards), p.device_ms * per, trace.c_str());
      prof_j = {{"forwards", p.forwards}, {"device_ms_per_forward", p.device_ms * per}, {"trace", trace},
                {"kernels", nlohmann::json::array()}};
      for (size_t i = 0; i < p.kernels.size() && int(i) < profile_top; ++i) {
        const auto& k = p.kernels[i];
        std::printf("%6s %8.3f ms/fwd %6.1f%% %6.1f calls/fwd  %.110s\n", "", k.total_us / 1e3 * per,
                    p.device_ms > 0 ? 100.0 * k.total_us / 1e3 / p.device_ms : 0.0, double(k.count) * per,
                    k.name.c_str());
        prof_j["kernels"].push_back({{"name", k.name}, {"ms_per_forward", k.total_us / 1e3 * per},
                                     {"calls_per_forward", double(k.count) * per}});
      }
      std::fflush(stdout);
    }
    runs.push_back({{"batch", b},
                    {"prefix", c.prefix},
                    {"prefix_spread", c.prefix_spread},
                    {"gen", c.gen},
                    {"step_ms_p50", r.step_ms_p50},
                    {"step_ms_p95", r.step_ms_p95},
                    {"step_ms_mean", r.step_ms_mean},
                    {"step_wall_ms_p50", r.step_wall_ms_p50},
                    {"commit_ms_p50", r.commit_ms_p50},
                    {"graph_replay_ms", r.graph_replay_ms},
                    {"prefill_ms", r.prefill_ms},
                    {"forwards", r.forwards},
                    {"graph_captures", r.graph_captures},
                    {"tok_s", r.tok_s},
                    {"step_tok_s", r.step_tok_s},
                    {"forwards_s", r.forwards_s},
                    {"peak_mem_bytes", r.peak_mem_bytes},
                    {"weight_bytes", r.weight_bytes},
                    {"kv_bytes", r.kv_bytes},
                    {"floor_ms", r.floor_ms},
                    {"ratio", r.ratio},
                    {"eager", eager_j},
                    {"profile", prof_j}});
    write_json();
  }
  return 0;
}

REMEDI_COMMAND(bench, "bench", "time forwards per batch size beside the memory-bandwidth floor", run_bench)
