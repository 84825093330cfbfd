// The LLaDA block and the RemeDi two-stream forward (MODEL.md §1–§2) over a KV cache.
// Private to the engine (includes ATen). Shapes: B rows, T query tokens, S cache slots, d model
// width, H heads, D = d / H head width.
#pragma once
#include <ATen/ATen.h>

#include <optional>

#include "fused_ops.h"
#include "kv_cache.h"
#include "weights.h"

namespace remedi::engine {

// Rotary tables for a batch of positions (rotate-half / NeoX form, float32; MODEL.md §1).
struct Rope {
  at::Tensor inv_freq;  // (D/2) float32, 1 / theta^(2i/D)
  Rope(const ModelConfig& c, at::Device dev);
  // positions (B, T) int64 -> cos, sin (B, T, 1, 1, D) float32 (broadcast over q/k and heads)
  std::pair<at::Tensor, at::Tensor> tables(const at::Tensor& positions) const;
};

// Where a forward reads and writes the cache.
struct AttnContext {
  at::Tensor cos, sin;             // (B, T, 1, 1, D) float32 for the query tokens
  int64_t write_slot = 0;          // the T new keys/values go to slots [write_slot, write_slot+T)
  int64_t kv_len = 0;              // attention reads slots [0, kv_len)
  std::optional<at::Tensor> mask;  // (B, 1, 1|T, kv_len) bool, true = attend; none = every slot valid
  // Ragged blocks (prompts of different lengths, rows refilled at different blocks): row b attends
  // its prompt's slots [0, len_b) and its generated slots [start_b, kv_len), nothing between.
  //  - CPU: row_len / row_start on the host, one attention call per row over exactly those slots, so
  //    a row computes bit for bit what it computes alone (a padding mask would shift the kernel's
  //    blocking of the keys);
  //  - CUDA: lo_len / hi_start, device int64 (B), read by the engine's attention kernel (`mask`
  //    says the same for ATen's attention).
  std::vector<int64_t> row_len, row_start;  // empty = not ragged
  at::Tensor lo_len, hi_start;
  // One graph for every block (CUDA, engine kernels): the block's first slot and the attended
  // length as device int64 (1) tensors, read by the rotary store and the attention kernel when the
  // graph replays. write_slot / kv_len then hold the current values (write_slot) and the bound the
  // attention plans for (kv_len: the cache's capacity), the same for every block of a batch.
  at::Tensor write_slot_dev, kv_len_dev;
  // The device values keep write_slot_dev + T == kv_len_dev (the block's new keys are the last
  // slots attended), so the attention kernel may store them itself.
  bool dev_keys_last = false;
};


// The residual stream as x + delta with the add still pending, so that it can run fused with the
// RMSNorm that reads the sum (add_rms_norm). delta undefined = nothing pending.
struct Residual {
  at::Tensor x, delta;
  at::Tensor value() const { return delta.defined() ? x + delta : x; }  // (B, T, d)
};

// One pre-norm LLaDA block; writes this layer's K (rotated) and V into the cache. Input and output
// (B, T, d), the output's last residual add left pending. in_value: if given, receives the input's
// value (x with its pending add done, as the block's first norm computes it).
Residual block_forward(const BlockWeights& w, const Residual& x, KvCache& cache, int layer, const AttnContext& ctx,
                       const ModelConfig& c, at::Tensor* in_value = nullptr);

struct StreamsOut {
  Residual x;    // (B, T, d) backbone state after the last block (and every feedback)
  at::Tensor u;  // (B, T, d) UPS state after the last tap; undefined without UPS
};

// Embedding + all backbone blocks + UPS blocks at the taps (cache layers n_layers + j).
StreamsOut run_streams(const ModelWeights& w, const ModelConfig& c, const at::Tensor& tokens, KvCache& cache,
                       const AttnContext& ctx);

}  // namespace remedi::engine
