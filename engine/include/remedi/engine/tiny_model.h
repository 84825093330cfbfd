// Tiny RemeDi / LLaDA checkpoints with deterministic random weights, for tests and for trying the
// CLI without downloading 18 GB (issue 2, part 7; MODEL.md §7).
//
//   make_tiny_checkpoint("/tmp/tiny", TinySpec{});            // RemeDi, taps 0 and 2, bf16
//   make_tiny_checkpoint("/tmp/tiny-llada", {.ups = false});  // the same backbone without the UPS
//
// The directory is a normal HF checkpoint (config.json with the official keys, model.safetensors or
// shards + index, tokenizer.json, tokenizer_config.json) that Checkpoint::open reads like any other.
// The vocabulary is full size (126464) so the special tokens sit at their real ids.
//
// Every tensor's values depend only on (seed, canonical tensor name), so a RemeDi and a LLaDA
// checkpoint made with the same seed share their backbone bit for bit; with zero_feedback the
// RemeDi logits must then equal the LLaDA logits exactly (MODEL.md §2).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "remedi/engine/model_config.h"
#include "remedi/engine/safetensors.h"

namespace remedi::engine {

struct TinySpec {
  bool ups = true;                 // write the RemeDi UPS tensors (false: a plain LLaDA model)
  std::vector<int> taps{0, 2};     // UPS tap layers, one UPS block each (written as upm_positions)
  int n_layers = 4;                // backbone blocks
  int d_model = 64;                // hidden size
  int n_heads = 4;                 // heads (head dim = d_model / n_heads = 16)
  int mlp_hidden = 192;            // SwiGLU inner size
  DType dtype = DType::BF16;       // storage dtype; bf16 halves the file (~33 MB vs ~66 MB for f32)
  uint64_t seed = 1;               // weight seed
  bool zero_feedback = false;      // backprop_linears weights and biases all zero (UPS cannot change x)
  float feedback_scale = 0.02f;    // std of the backprop_linears weights and biases otherwise
  size_t shard_bytes = 0;          // 0: one model.safetensors; else shards of at most this many bytes
};

// The config a TinySpec describes (name "tiny-remedi" / "tiny-llada" at the default shapes).
ModelConfig tiny_config(const TinySpec& spec);

// Canonical tensor name -> name in the file, as the official classes save them: backbone tensors
// under "model.transformer.", UPS tensors under "model." (MODEL.md §1, §2).
std::string official_tensor_name(const std::string& canonical);

// Writes the checkpoint into `dir` (created if needed; existing files of the same names replaced).
void make_tiny_checkpoint(const std::string& dir, const TinySpec& spec);

// The float32 values make_tiny_checkpoint writes for one tensor before dtype rounding (tests use it
// to check what the loader returns).
std::vector<float> tiny_tensor_values(const TinySpec& spec, const TensorSpec& t);

}  // namespace remedi::engine
