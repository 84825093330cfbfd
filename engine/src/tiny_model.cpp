// make_tiny_checkpoint: a small RemeDi / LLaDA checkpoint with deterministic random weights.
// See tiny_model.h for what is written and why each tensor's values depend only on its name.
#include "remedi/engine/tiny_model.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"
#include "remedi/engine/tokenizer.h"

namespace remedi::engine {

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose stream is fully determined by its
// 64-bit state, identical on every platform (std::normal_distribution is not).
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double((next() >> 11) + 1) * 0x1.0p-53; }  // (0, 1]
};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Standard normals by Marsaglia's polar method (both outputs of each accepted pair used): no
// trigonometry, so the ~16.5M values of a tiny checkpoint take a fraction of a second.
void fill_normal(std::vector<float>& v, uint64_t state, float mean, float stddev) {
  SplitMix64 g{state};
  for (size_t i = 0; i < v.size(); i += 2) {
    double a, b, s;
    do {
      a = 2.0 * g.uniform() - 1.0;
      b = 2.0 * g.uniform() - 1.0;
      s = a * a + b * b;
    } while (s >= 1.0 || s == 0.0);
    double f = std::sqrt(-2.0 * std::log(s) / s);
    v[i] = mean + stddev * float(a * f);
    if (i + 1 < v.size()) v[i + 1] = mean + stddev * float(b * f);
  }
}

bool is_ups_name(const std::string& n) {
  return starts_with(n, "blocks_upm.") || starts_with(n, "backprop_linears.") || starts_with(n, "backprop_norms.") ||
         starts_with(n, "ln_f_upm.") || starts_with(n, "linear_confidence.");
}

std::vector<unsigned char> encode(const std::vector<float>& v, DType dt) {
  std::vector<unsigned char> out(v.size() * dtype_size(dt));
  for (size_t i = 0; i < v.size(); ++i) {
    if (dt == DType::F32) {
      std::memcpy(out.data() + 4 * i, &v[i], 4);
    } else {
      uint16_t h = dt == DType::BF16 ? float_to_bf16(v[i]) : float_to_f16(v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

}  // namespace

std::string official_tensor_name(const std::string& canonical) {
  return (is_ups_name(canonical) ? "model." : "model.transformer.") + canonical;
}

ModelConfig tiny_config(const TinySpec& s) {
  ModelConfig c = ModelConfig::preset(s.ups ? "tiny-remedi" : "tiny-llada");
  c.d_model = s.d_model;
  c.n_layers = s.n_layers;
  c.n_heads = c.n_kv_heads = s.n_heads;
  c.head_dim = s.n_heads > 0 ? s.d_model / s.n_heads : 0;
  c.mlp_hidden = s.mlp_hidden;
  c.has_ups = s.ups;
  c.ups_taps = s.taps;
  c.validate("tiny model spec");
  if (c.head_dim * c.n_heads != c.d_model) throw Error("d_model is not a multiple of n_heads", "tiny model spec");
  return c;
}

std::vector<float> tiny_tensor_values(const TinySpec& s, const TensorSpec& t) {
  size_t n = 1;
  for (int64_t d : t.shape) n *= size_t(d);
  std::vector<float> v(n);
  uint64_t state = s.seed * 0x9e3779b97f4a7c15ull ^ fnv1a(t.name);
  const std::string& name = t.name;
  if (starts_with(name, "backprop_linears.")) {
    // The feedback path of MODEL.md §2; zero means the UPS cannot influence the backbone.
    if (s.zero_feedback) return v;
    fill_normal(v, state, 0.0f, s.feedback_scale);
  } else if (name.find("norm") != std::string::npos || starts_with(name, "ln_f")) {
    fill_normal(v, state, 1.0f, 0.05f);  // RMSNorm gains near 1, not exactly 1, so a mix-up shows
  } else {
    fill_normal(v, state, 0.0f, 0.02f);  // init_std 0.02 of the official config
  }
  if (name == "ff_out.weight" && t.shape.size() == 2) {
    // LM head rows of ids the tiny tokenizer has no token for are zero: their logits are exactly 0
    // while the ~640 real tokens (and EOS) get random ones, so the random model's argmax decodes to
    // visible text in demos instead of ids that decode to nothing.
    const int64_t rows = t.shape[0], cols = t.shape[1];
    const int64_t regular = 256 + kTinyTokenizerMerges;
    const int64_t eos = ModelConfig{}.eos_id;
    for (int64_t r = regular; r < rows; ++r)
      if (r != eos) std::fill(v.begin() + r * cols, v.begin() + (r + 1) * cols, 0.0f);
  }
  return v;
}

void make_tiny_checkpoint(const std::string& dir, const TinySpec& spec) {
  ModelConfig c = tiny_config(spec);
  make_dirs(dir);

  std::vector<TensorSpec> specs = expected_tensors(c);
  std::vector<std::vector<unsigned char>> bytes;
  bytes.reserve(specs.size());
  std::vector<TensorToWrite> tensors;
  for (const TensorSpec& t : specs) {
    bytes.push_back(encode(tiny_tensor_values(spec, t), spec.dtype));
    tensors.push_back({official_tensor_name(t.name), spec.dtype, t.shape, bytes.back().data(), bytes.back().size()});
  }

  // A previous checkpoint in the same directory must not leave a stale layout behind.
  std::error_code ec;
  std::filesystem::remove(dir + "/model.safetensors", ec);
  std::filesystem::remove(dir + "/model.safetensors.index.json", ec);
  if (spec.shard_bytes == 0) write_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  else write_sharded_safetensors(dir, tensors, spec.shard_bytes);

  nlohmann::json cfg = c.to_json();
  cfg["torch_dtype"] = spec.dtype == DType::F32 ? "float32" : spec.dtype == DType::BF16 ? "bfloat16" : "float16";
  write_file_atomic(dir + "/config.json", cfg.dump(2) + "\n");
  write_tiny_tokenizer_files(dir);  // tokenizer.json + tokenizer_config.json (engine/tokenizer.h)
}

}  // namespace remedi::engine
