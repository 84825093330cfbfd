// ModelConfig: config.json reading and writing, presets, and the expected tensor list.
// Values and key names: MODEL.md §1 (LLaDA-8B-Instruct config.json), §2 (RemeDi), §7 (presets).
#include <algorithm>

#include "remedi/common/error.h"
#include "remedi/common/strutil.h"
#include "remedi/engine/model_config.h"

namespace remedi::engine {

namespace {

const nlohmann::json& need(const nlohmann::json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    throw Error(std::string("config.json has no key '") + key + "'", where,
                "use the config.json that came with the checkpoint (LLaDA / RemeDi keys)");
  return *it;
}

int64_t int_value(const nlohmann::json& v, const char* key, const std::string& where) {
  if (!v.is_number_integer())
    throw Error(std::string("config.json key '") + key + "' must be an integer, got " + v.dump(), where);
  return v.get<int64_t>();
}

double num_value(const nlohmann::json& v, const char* key, const std::string& where) {
  if (!v.is_number()) throw Error(std::string("config.json key '") + key + "' must be a number, got " + v.dump(), where);
  return v.get<double>();
}

int req_int(const nlohmann::json& j, const char* key, const std::string& where) {
  int64_t v = int_value(need(j, key, where), key, where);
  if (v < 0 || v > INT32_MAX) throw Error(std::string("config.json key '") + key + "' is out of range", where);
  return int(v);
}

int opt_int(const nlohmann::json& j, const char* key, int def, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return def;
  return req_int(j, key, where);
}

// A key that, when present, must hold the value the engine implements (MODEL.md §1 table).
template <class T>
void must_equal(const nlohmann::json& j, const char* key, const T& want, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (*it != nlohmann::json(want))
    throw Error(std::string("config.json key '") + key + "' = " + it->dump() + " is not supported (the engine " +
                    "implements " + nlohmann::json(want).dump() + ", the LLaDA / RemeDi block of MODEL.md §1)",
                where);
}

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error("config.json is not a JSON object", where);
  ModelConfig c;
  c.d_model = req_int(j, "d_model", where);
  c.n_layers = req_int(j, "n_layers", where);
  c.n_heads = req_int(j, "n_heads", where);
  c.n_kv_heads = opt_int(j, "n_kv_heads", c.n_heads, where);  // null in OLMo configs means n_heads
  c.mlp_hidden = req_int(j, "mlp_hidden_size", where);
  c.vocab_size = req_int(j, "vocab_size", where);
  // The official class defaults embedding_size to 50304 and weight_tying to true (GPT-2 values),
  // so a missing key would silently mean the wrong model: both are required. An explicit null
  // embedding_size means "= vocab_size" (configuration_remedi.py, ModelConfig.embedding_size).
  if (!j.contains("embedding_size")) need(j, "embedding_size", where);
  c.embedding_size = opt_int(j, "embedding_size", c.vocab_size, where);
  c.max_seq_len = req_int(j, "max_sequence_length", where);
  c.rope_theta = num_value(need(j, "rope_theta", where), "rope_theta", where);
  c.rms_eps = num_value(need(j, "rms_norm_eps", where), "rms_norm_eps", where);
  c.mask_id = req_int(j, "mask_token_id", where);
  c.eos_id = req_int(j, "eos_token_id", where);
  c.pad_id = opt_int(j, "pad_token_id", c.eos_id, where);
  c.bos_id = opt_int(j, "bos_token_id", c.bos_id, where);
  const auto& wt = need(j, "weight_tying", where);
  if (!wt.is_boolean()) throw Error("config.json key 'weight_tying' must be true or false", where);
  if (wt.get<bool>())
    throw Error("config.json key 'weight_tying' = true is not supported (LLaDA / RemeDi have a separate LM head, "
                "ff_out.weight)",
                where);
  if (c.n_heads > 0 && c.d_model % c.n_heads == 0) c.head_dim = c.d_model / c.n_heads;
  else throw Error("config.json: d_model " + std::to_string(c.d_model) + " is not a multiple of n_heads " +
                       std::to_string(c.n_heads), where);

  // Architecture switches with a single supported value.
  must_equal(j, "block_type", "llama", where);
  must_equal(j, "layer_norm_type", "rms", where);
  must_equal(j, "rope", true, where);
  must_equal(j, "alibi", false, where);
  must_equal(j, "include_bias", false, where);
  must_equal(j, "include_qkv_bias", false, where);
  must_equal(j, "attention_layer_norm", false, where);
  must_equal(j, "scale_logits", false, where);
  must_equal(j, "input_emb_norm", false, where);

  // has_ups stays false here: the checkpoint's tensors decide whether the UPS is there (MODEL.md
  // §2), and Checkpoint::open validates the taps once it knows; model_type is not trusted for it.
  c.has_ups = false;
  if (auto up = j.find("upm_positions"); up != j.end() && !up->is_null()) {
    if (!up->is_array()) throw Error("config.json key 'upm_positions' must be a list of layer indices", where);
    c.ups_taps.clear();
    for (const auto& v : *up) c.ups_taps.push_back(int(int_value(v, "upm_positions", where)));
  }
  c.validate(where);
  return c;
}

void ModelConfig::validate(const std::string& where) const {
  auto fail = [&](const std::string& what) { throw Error("invalid model config: " + what, where); };
  if (d_model <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv_heads <= 0 || mlp_hidden <= 0 || vocab_size <= 0)
    fail("d_model, n_layers, n_heads, n_kv_heads, mlp_hidden_size and vocab_size must be positive");
  if (head_dim * n_heads != d_model) fail("head_dim x n_heads != d_model");
  if (head_dim % 2 != 0) fail("head dimension " + std::to_string(head_dim) + " is odd (RoPE rotates pairs)");
  if (n_heads % n_kv_heads != 0) fail("n_heads is not a multiple of n_kv_heads");
  if (embedding_size < vocab_size) fail("embedding_size is smaller than vocab_size");
  if (max_seq_len <= 0) fail("max_sequence_length must be positive");
  if (!(rope_theta > 0) || !(rms_eps > 0)) fail("rope_theta and rms_norm_eps must be positive");
  for (auto [name, id] : {std::pair{"mask_token_id", mask_id}, {"eos_token_id", eos_id}, {"pad_token_id", pad_id},
                          {"bos_token_id", bos_id}, {"end-of-turn id", eot_id}})
    if (id < 0 || id >= vocab_size)
      fail(std::string(name) + " " + std::to_string(id) + " is outside the vocabulary of " +
           std::to_string(vocab_size));
  if (has_ups) {
    if (ups_taps.empty()) fail("a RemeDi model needs at least one UPS tap");
    for (size_t i = 0; i < ups_taps.size(); ++i) {
      if (ups_taps[i] < 0 || ups_taps[i] >= n_layers)
        fail("UPS tap " + std::to_string(ups_taps[i]) + " is not a backbone layer (0.." +
             std::to_string(n_layers - 1) + ")");
      if (i > 0 && ups_taps[i] <= ups_taps[i - 1]) fail("UPS taps must be strictly increasing");
    }
  }
}

std::vector<std::string> ModelConfig::preset_names() { return {"remedi-9b", "llada-8b", "tiny-remedi", "tiny-llada"}; }

ModelConfig ModelConfig::preset(const std::string& name) {
  ModelConfig c;  // the defaults are LLaDA-8B-Instruct (MODEL.md §1)
  c.name = name;
  if (name == "remedi-9b") {
    c.has_ups = true;  // taps 0/10/20/30 (MODEL.md §2)
  } else if (name == "llada-8b") {
    c.has_ups = false;
  } else if (name == "tiny-remedi" || name == "tiny-llada") {
    // MODEL.md §7: 4 layers, d 64, 4 heads, taps 0 and 2. The vocabulary stays full size so that
    // the special tokens keep their real ids.
    c.d_model = 64;
    c.n_layers = 4;
    c.n_heads = c.n_kv_heads = 4;
    c.head_dim = 16;
    c.mlp_hidden = 192;
    c.has_ups = name == "tiny-remedi";
    c.ups_taps = {0, 2};
  } else {
    throw Error("unknown model preset '" + name + "'", "preset:" + name,
                "known presets: " + join(preset_names(), ", "));
  }
  c.validate("preset:" + name);
  return c;
}

std::vector<TensorSpec> block_tensors(const ModelConfig& c, const std::string& p) {
  int64_t d = c.d_model, kv = int64_t(c.n_kv_heads) * c.head_dim, h = c.mlp_hidden;
  return {{p + "attn_norm.weight", {d}},    {p + "q_proj.weight", {d, d}},  {p + "k_proj.weight", {kv, d}},
          {p + "v_proj.weight", {kv, d}},   {p + "attn_out.weight", {d, d}}, {p + "ff_norm.weight", {d}},
          {p + "ff_proj.weight", {h, d}},   {p + "up_proj.weight", {h, d}}, {p + "ff_out.weight", {d, h}}};
}

std::vector<TensorSpec> expected_tensors(const ModelConfig& c) {
  int64_t d = c.d_model, e = c.embedding_size;
  std::vector<TensorSpec> out{{"wte.weight", {e, d}}};
  auto append = [&](std::vector<TensorSpec> v) { out.insert(out.end(), v.begin(), v.end()); };
  for (int i = 0; i < c.n_layers; ++i) append(block_tensors(c, "blocks." + std::to_string(i) + "."));
  out.push_back({"ln_f.weight", {d}});
  out.push_back({"ff_out.weight", {e, d}});
  for (int j = 0; j < c.n_ups_blocks(); ++j) append(block_tensors(c, "blocks_upm." + std::to_string(j) + "."));
  for (int j = 0; j < c.n_ups_blocks(); ++j) {
    std::string s = std::to_string(j);
    out.push_back({"backprop_linears." + s + ".weight", {d, d}});
    out.push_back({"backprop_linears." + s + ".bias", {d}});
    out.push_back({"backprop_norms." + s + ".weight", {d}});
  }
  if (c.has_ups) {
    out.push_back({"ln_f_upm.weight", {d}});
    out.push_back({"linear_confidence.weight", {1, d}});
    out.push_back({"linear_confidence.bias", {1}});
  }
  return out;
}

int64_t ModelConfig::param_count() const {
  int64_t n = 0;
  for (const auto& t : expected_tensors(*this)) {
    int64_t k = 1;
    for (int64_t s : t.shape) k *= s;
    n += k;
  }
  return n;
}

nlohmann::json ModelConfig::to_json() const {
  // Key set and fixed values of LLaDA-8B-Instruct's config.json (MODEL.md §1); model_type and
  // architectures as RemeDi's class writes them (MODEL.md §2).
  nlohmann::json j = {
      {"activation_type", "silu"},        {"alibi", false},
      {"alibi_bias_max", 8.0},            {"attention_dropout", 0.0},
      {"attention_layer_norm", false},    {"attention_layer_norm_with_affine", true},
      {"bias_for_layer_norm", false},     {"block_group_size", 1},
      {"block_type", "llama"},            {"d_model", d_model},
      {"embedding_dropout", 0.0},         {"embedding_size", embedding_size},
      {"eos_token_id", eos_id},           {"flash_attention", false},
      {"include_bias", false},            {"include_qkv_bias", false},
      {"init_device", "meta"},            {"init_fn", "mitchell"},
      {"init_std", 0.02},                 {"input_emb_norm", false},
      {"layer_norm_type", "rms"},         {"layer_norm_with_affine", true},
      {"mask_token_id", mask_id},         {"max_sequence_length", max_seq_len},
      {"mlp_hidden_size", mlp_hidden},    {"mlp_ratio", 4},
      {"multi_query_attention", nullptr}, {"n_heads", n_heads},
      {"n_kv_heads", n_kv_heads},         {"n_layers", n_layers},
      {"pad_token_id", pad_id},           {"bos_token_id", bos_id},
      {"precision", "amp_bf16"},          {"residual_dropout", 0.0},
      {"rms_norm_eps", rms_eps},          {"rope", true},
      {"rope_full_precision", true},      {"rope_theta", rope_theta},
      {"scale_logits", false},            {"torch_dtype", "bfloat16"},
      {"use_cache", false},               {"vocab_size", vocab_size},
      {"weight_tying", false}};
  if (has_ups) {
    j["model_type"] = "RemeDi";
    j["architectures"] = {"RemeDiUPMModelLM"};
    j["upm_positions"] = ups_taps;
  } else {
    j["model_type"] = "llada";
    j["architectures"] = {"LLaDAModelLM"};
  }
  return j;
}

}  // namespace remedi::engine
