// The shape and constants of a LLaDA / RemeDi model (MODEL.md §1, §2, §7), read from an HF
// config.json or taken from a named preset, and the list of tensors such a model must have.
//
//   ModelConfig c = ModelConfig::preset("remedi-9b");   // 8,955,179,009 parameters
//   for (const TensorSpec& t : expected_tensors(c)) ...  // canonical names and shapes
//
// No torch here: the torch model consumes this and does the device upload.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::engine {

struct ModelConfig {
  // Backbone shapes (config.json: d_model, n_layers, n_heads, n_kv_heads, mlp_hidden_size).
  int d_model = 4096;       // hidden size
  int n_layers = 32;        // backbone blocks
  int n_heads = 32;         // query heads
  int n_kv_heads = 32;      // key/value heads (= n_heads: plain multi-head attention in LLaDA)
  int head_dim = 128;       // d_model / n_heads (no config key; derived)
  int mlp_hidden = 12288;   // SwiGLU inner size
  int vocab_size = 126464;      // tokenizer vocabulary
  int embedding_size = 126464;  // rows of wte and of the LM head (>= vocab_size)
  int max_seq_len = 4096;       // max_sequence_length: RoPE tables and KV cache upper bound
  double rope_theta = 500000;   // RoPE base
  double rms_eps = 1e-5;        // rms_norm_eps
  // Special token ids (MODEL.md §1, §3). bos and end-of-turn have no config.json key in the
  // official files; they come from bos_token_id if present, else these defaults.
  int32_t mask_id = 126336, eos_id = 126081, pad_id = 126081, bos_id = 126080, eot_id = 126348;
  // RemeDi unmasking-policy stream (MODEL.md §2). has_ups is decided by the tensors present when a
  // checkpoint is opened; ups_taps are the backbone layers after which UPS block j runs
  // (upm_positions; default 0/10/20/30; config key "upm_positions" if present, else overridable).
  bool has_ups = false;
  std::vector<int> ups_taps{0, 10, 20, 30};
  std::string name;  // preset name or the checkpoint directory's name

  int n_ups_blocks() const { return has_ups ? int(ups_taps.size()) : 0; }

  // Reads an HF config.json (LLaDA or RemeDi keys). A missing required key, a wrong type or a
  // value the engine does not implement (weight tying, biases, non-RMS norms, ...) throws
  // remedi::Error naming the key and `where` (the file).
  static ModelConfig from_json(const nlohmann::json& j, const std::string& where);
  // "remedi-9b", "llada-8b", "tiny-remedi", "tiny-llada"; an unknown name throws, listing these.
  static ModelConfig preset(const std::string& name);
  static std::vector<std::string> preset_names();

  // Checks internal consistency (divisibility, ids inside the vocabulary, taps increasing and
  // below n_layers); throws remedi::Error naming `where`.
  void validate(const std::string& where) const;
  int64_t param_count() const;  // sum of expected_tensors() element counts
  // The official RemeDi / LLaDA config.json keys (model_type "RemeDi" or "llada"), plus
  // "upm_positions" when has_ups (our addition: the official files have no key for the taps).
  nlohmann::json to_json() const;
};

// A tensor a model of this config must have: canonical name (leading "model.transformer." or
// "model." stripped) and shape ([out, in] for linear weights).
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};

// Backbone first (wte, blocks.{i}.*, ln_f, ff_out), then the UPS tensors when has_ups
// (blocks_upm.{j}.*, backprop_linears.{j}.weight/.bias, backprop_norms.{j}.weight, ln_f_upm,
// linear_confidence.weight/.bias).
std::vector<TensorSpec> expected_tensors(const ModelConfig& c);

// The nine tensors of one transformer block under `prefix` (e.g. "blocks.3." or "blocks_upm.0.").
std::vector<TensorSpec> block_tensors(const ModelConfig& c, const std::string& prefix);

}  // namespace remedi::engine
