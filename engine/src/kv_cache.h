// Exact KV cache for every layer (n_layers backbone + one per UPS block), sized once per batch shape
// and written in place. Slots, not positions: a row's prompt occupies slots [0, P_r) of [0, Pmax)
// (the rest is masked padding) and block b occupies [Pmax + 32b, Pmax + 32b + 32) for every row, so
// all rows write the same slots. Keys are stored already rotated, so slot order never matters.
#pragma once
#include <ATen/ATen.h>

#include <vector>

namespace remedi::engine {

struct KvCache {
  std::vector<at::Tensor> k, v;  // per layer: (B_cap, H, S_cap, D) — allocated storage
  int64_t rows = 0, slots = 0;   // the shape in use: views are [:rows, :, :slots]

  // Makes room for `rows` x `slots`, reusing the allocation when it is large enough.
  void ensure(int layers, int64_t rows, int64_t heads, int64_t slots, int64_t head_dim, const at::TensorOptions& o);
  at::Tensor key(int layer) const { return k[layer].narrow(0, 0, rows); }    // (B, H, S_cap, D)
  at::Tensor value(int layer) const { return v[layer].narrow(0, 0, rows); }
};

}  // namespace remedi::engine
