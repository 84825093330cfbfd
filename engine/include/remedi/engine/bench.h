// Forward-pass benchmarking of a loaded Engine (remedi-eval bench). Warm-up is excluded; every
// timed forward is bracketed by device synchronisation, so host clocks measure device time.
// On the CPU it runs too (tiny models), but its numbers make no speed claims.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "remedi/engine/engine.h"

namespace remedi::engine {

struct BenchConfig {
  int batch = 1;           // rows per forward
  int prefix = 1024;       // prompt tokens per row (random ids)
  int gen = 256;           // generated tokens per row (EOS ignored: fixed lengths)
  SamplerParams params;    // policy, steps, block size (stop_at_eos is forced off)
  int warmup_blocks = 1;   // blocks generated before timing starts
  uint64_t seed = 0;       // prompt ids and request seeds
  bool step_graphs = true; // fast path (captured step graphs); false = the plain eager forward
};

struct BenchResult {
  BenchConfig config;
  int64_t forwards = 0;          // timed step + commit passes
  int64_t step_forwards = 0;     // timed denoising steps
  double step_ms_p50 = 0, step_ms_p95 = 0, step_ms_mean = 0;  // per denoising forward
  double commit_ms_p50 = 0;      // per commit forward
  double prefill_ms = 0;
  double total_s = 0;            // wall time of the timed generation (sampler included)
  double tok_s = 0;              // generated tokens (all rows) per second
  double forwards_s = 0;         // forwards per second
  int64_t peak_mem_bytes = 0;    // device peak (CUDA caching allocator); 0 on cpu
  double weight_bytes = 0;       // bytes of weights streamed per forward (embedding table excluded)
  double kv_bytes = 0;           // mean bytes of KV cache read per step forward
  double floor_ms = 0;           // (weight_bytes + kv_bytes) / copy bandwidth
  double ratio = 0;              // step_ms_p50 / floor_ms
  std::vector<int32_t> first_row_tokens;  // generated ids of row 0 (fast/eager parity check)
};

// Device-to-device copy bandwidth in bytes/s, counting bytes read plus bytes written (the floor's
// denominator, measured in the same run). On cpu: a memcpy of a large buffer.
double measure_copy_bandwidth(const std::string& device);

BenchResult bench_generation(Engine& engine, const BenchConfig& cfg, double copy_bandwidth);

}  // namespace remedi::engine
