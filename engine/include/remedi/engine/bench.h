// Forward-pass benchmarking of a loaded Engine (remedi-eval bench). Warm-up is excluded. A forward's
// time is measured with CUDA events on the model's stream, from before its token upload to its
// outputs' arrival in host memory; its host wall time (synchronised before and after, host work
// included) is kept beside it. On the CPU (host clock) it runs too (tiny models), but its numbers
// make no speed claims.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "remedi/engine/engine.h"

namespace remedi::engine {

struct BenchConfig {
  int batch = 1;           // rows per forward
  int prefix = 1024;       // prompt tokens per row (random ids)
  int prefix_spread = 0;   // > 0: row r's prompt is prefix - (r * 37 mod (spread + 1)) tokens (a ragged batch)
  int gen = 256;           // generated tokens per row (EOS ignored: fixed lengths)
  SamplerParams params;    // policy, steps, block size (stop_at_eos is forced off)
  int warmup_blocks = 1;   // blocks generated before timing starts
  uint64_t seed = 0;       // prompt ids and request seeds
  bool step_graphs = true; // captured step graphs (false: every forward launched op by op)
  bool fused_kernels = true; // the engine's CUDA kernels (false: ATen compositions only)
};

struct BenchResult {
  BenchConfig config;
  int64_t forwards = 0;          // timed step + commit passes
  int64_t step_forwards = 0;     // timed denoising steps
  double step_ms_p50 = 0, step_ms_p95 = 0, step_ms_mean = 0;  // per denoising forward (CUDA events)
  double step_wall_ms_p50 = 0;   // per denoising forward, host wall time around the call
  double commit_ms_p50 = 0;      // per commit forward
  // The last step graph replayed back to back after the run (CUDA events around 20 replays): the
  // device's time per forward without the token upload, the output copy and the host's launch and
  // sampling between steps. 0 without a CUDA step graph.
  double graph_replay_ms = 0;
  double prefill_ms = 0;
  double total_s = 0;            // wall time of the timed generation (sampler included)
  double tok_s = 0;              // generated tokens (all rows) per second, end to end (prefill, commits,
                                 // sampler and host transfers included)
  double step_tok_s = 0;         // batch x tokens kept per step / step_ms_p50: the denoising rate alone
  double forwards_s = 0;         // forwards per second
  int64_t peak_mem_bytes = 0;    // device peak (CUDA caching allocator); 0 on cpu
  double weight_bytes = 0;       // bytes of weights streamed per forward (embedding table excluded)
  double kv_bytes = 0;           // mean bytes of KV cache read per step forward
  double floor_ms = 0;           // (weight_bytes + kv_bytes) / copy bandwidth
  double ratio = 0;              // step_ms_p50 / floor_ms
  std::vector<int32_t> first_row_tokens;  // generated ids of row 0 (fast/eager parity check)
  int64_t graph_captures = 0;    // step graphs captured during the timed generation (1 = one per batch)
};

// Device time per kernel name over one profiled block (profile_generation).
struct KernelStat {
  std::string name;
  int64_t count = 0;
  double total_us = 0;
};
struct ProfileResult {
  int64_t forwards = 0;            // forwards in the profiled block (steps + commit)
  double device_ms = 0;            // summed device activity (kernels, copies, memsets)
  std::vector<KernelStat> kernels; // by total time, largest first
};

// Generates one block (after a warm-up block) under the Kineto profiler with CUDA activity — its
// steps and commit; the prompt's prefill runs before the profiler starts — and sums device time per
// kernel name; writes the Chrome trace to `trace_path` unless empty. On the
// CPU the list is empty (no device activity) but the trace still holds the operators.
ProfileResult profile_generation(Engine& engine, const BenchConfig& cfg, const std::string& trace_path);

// Device-to-device copy bandwidth in bytes/s, counting bytes read plus bytes written (the floor's
// denominator, measured in the same run). On cpu: a memcpy of a large buffer.
double measure_copy_bandwidth(const std::string& device);

BenchResult bench_generation(Engine& engine, const BenchConfig& cfg, double copy_bandwidth);

}  // namespace remedi::engine
