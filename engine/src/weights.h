// Model weights as device tensors, fetched by canonical name (see checkpoint.h) so that a missing or
// misshapen tensor is reported by its exact name. Private to the engine (includes ATen).
#pragma once
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "remedi/engine/model_config.h"

namespace remedi::engine {

class Checkpoint;

// One LLaDA block (MODEL.md §1). Linear weights are [out, in], as stored.
struct BlockWeights {
  at::Tensor attn_norm;            // (d)
  at::Tensor wqkv;                 // (3d, d)  q_proj, k_proj, v_proj stacked into one matmul
  at::Tensor wq, wk, wv;           // (d, d)   views into wqkv
  at::Tensor wo;                   // (d, d)   attn_out
  at::Tensor ff_norm;              // (d)
  at::Tensor w_gate_up;            // (2*mlp, d) ff_proj (gate) and up_proj stacked into one matmul
  at::Tensor w_gate, w_up;         // (mlp, d)   views into w_gate_up
  at::Tensor w_down;               // (d, mlp)   ff_out
};

struct ModelWeights {
  at::Tensor wte;                  // (vocab, d)
  std::vector<BlockWeights> blocks;      // n_layers
  at::Tensor ln_f;                 // (d)
  at::Tensor lm_head;              // (vocab, d)
  // RemeDi unmasking-policy stream (MODEL.md §2); empty for a plain LLaDA model.
  std::vector<BlockWeights> ups;   // one per tap
  std::vector<at::Tensor> fb_norm, fb_w, fb_b;   // (d), (d, d), (d)
  at::Tensor ln_f_ups;             // (d)
  at::Tensor conf_w, conf_b;       // (1, d), (1)
  int64_t bytes() const;           // total bytes of every tensor above (device memory)
};

// Loads every tensor of `ckpt` to (device, dtype). Tensors already in the target dtype on the CPU
// alias the memory map (no copy); others are converted one tensor at a time, so the host never
// holds a second full copy of the model.
ModelWeights load_weights(const Checkpoint& ckpt, const ModelConfig& cfg, at::Device device, at::ScalarType dtype);

// A copy of every tensor on (device, dtype), the fused views rebuilt over the new storage. Never
// aliases `w` (tests use it for independent models and for CPU/GPU twins of one set of weights).
ModelWeights copy_weights(const ModelWeights& w, at::Device device, at::ScalarType dtype);

// Random weights at the config's shapes (presets, throughput work): N(0, 0.02) linears, norms 1,
// feedback linears N(0, 0.02) too (so the UPS stream affects the logits). Deterministic in `seed`.
ModelWeights random_weights(const ModelConfig& cfg, at::Device device, at::ScalarType dtype, uint64_t seed);

}  // namespace remedi::engine
