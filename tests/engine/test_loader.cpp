// Model configs, presets, tiny checkpoints and Checkpoint::open validation (engine/checkpoint.h):
// every broken checkpoint must give a remedi::Error naming the tensor or the file, and the CLI must
// exit 2 on it without crashing (issue 2, part 2 and acceptance).
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/checkpoint.h"
#include "remedi/engine/tiny_model.h"
#include "../test_support.h"

using namespace remedi;
using namespace remedi::engine;
namespace fs = std::filesystem;

namespace {

using remedi::test::TempDir;

TempDir& scratch() {
  static TempDir d("remedi-ld");
  return d;
}

// Checkpoints shared by the tests, each made once per run on first use (about 1 s each).
const std::string& made(const std::string& name, const TinySpec& spec) {
  static std::map<std::string, std::string> dirs;
  auto it = dirs.find(name);
  if (it != dirs.end()) return it->second;
  std::string d = scratch().path + "/" + name;
  auto t0 = std::chrono::steady_clock::now();
  make_tiny_checkpoint(d, spec);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(d)) bytes += e.file_size();
  std::printf("made tiny checkpoint %-12s %ju bytes on disk in %.0f ms\n", name.c_str(), bytes, ms);
  return dirs[name] = d;
}
const std::string& base_remedi() { return made("base-remedi", TinySpec{}); }                  // bf16, seed 1
const std::string& base_llada() { return made("base-llada", {.ups = false}); }               // same backbone
const std::string& base_sharded() { return made("base-sharded", {.shard_bytes = 8u << 20}); }  // 4 shards

// A copy of `src` under a fresh name; the weight files are symlinked unless they will be damaged.
std::string copy_ckpt(const std::string& src, const std::string& name, bool copy_weights) {
  std::string dst = scratch().path + "/" + name;
  fs::remove_all(dst);
  fs::create_directories(dst);
  for (const auto& e : fs::directory_iterator(src)) {
    std::string fn = e.path().filename().string();
    if (!copy_weights && e.path().extension() == ".safetensors") fs::create_symlink(e.path(), dst + "/" + fn);
    else fs::copy_file(e.path(), dst + "/" + fn);
  }
  return dst;
}

// Rewrites a safetensors header (same data buffer; the header is re-padded to 8 bytes).
void rewrite_header(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
  std::string bytes = read_file(path);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
  nlohmann::json h = nlohmann::json::parse(bytes.substr(8, n));
  edit(h);
  std::string hs = h.dump();
  while ((8 + hs.size()) % 8) hs += ' ';
  std::string len(8, '\0');
  for (int i = 0; i < 8; ++i) len[i] = char((hs.size() >> (8 * i)) & 0xff);
  write_file_atomic(path, len + hs + bytes.substr(8 + n));
}

void edit_config(const std::string& dir, const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = nlohmann::json::parse(read_file(dir + "/config.json"));
  edit(j);
  write_file_atomic(dir + "/config.json", j.dump(2));
}

// Checkpoint::open must throw a remedi::Error whose text contains every needle.
std::string expect_open_error(const std::string& dir, const std::vector<std::string>& needles,
                              std::optional<std::vector<int>> taps = {}) {
  try {
    Checkpoint::open(dir, taps);
  } catch (const Error& e) {
    std::string msg = e.what();
    INFO(msg);
    for (const auto& n : needles) CHECK(msg.find(n) != std::string::npos);
    return msg;
  }
  FAIL("Checkpoint::open accepted the broken checkpoint " << dir);
  return {};
}

struct RunResult {
  int exit_code = -1;  // -1: did not exit normally (signal)
  std::string output;  // stdout + stderr
};

RunResult run_cli(const std::string& args) {
  std::string cmd = "'";  // built with += : GCC 12 warns (-Wrestrict, a false positive) on "x" + string&&
  cmd += remedi::test::remedi_bin();
  cmd += "' " + args + " 2>&1";
  RunResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
  return r;
}

std::vector<float> rounded_bf16(std::vector<float> v) {
  for (float& x : v) x = bf16_to_float(float_to_bf16(x));
  return v;
}

}  // namespace

TEST_CASE("presets have the published parameter counts", "[loader]") {
  CHECK(ModelConfig::preset("remedi-9b").param_count() == 8'955'179'009);  // MODEL.md §2
  CHECK(ModelConfig::preset("llada-8b").param_count() == 8'015'581'184);   // MODEL.md §1
  // Tiny: 2 x 126464 x 64 embeddings/head + 4 blocks x 53376 + ln_f 64 = 16,400,960; the UPS adds
  // 2 blocks (106,752) + 2 feedback linears with bias (8,320) + 2 norms (128) + ln_f_upm 64 + head 65.
  CHECK(ModelConfig::preset("tiny-llada").param_count() == 16'400'960);
  CHECK(ModelConfig::preset("tiny-remedi").param_count() == 16'400'960 + 115'329);
  ModelConfig r = ModelConfig::preset("remedi-9b");
  CHECK(r.has_ups);
  CHECK(r.ups_taps == std::vector<int>{0, 10, 20, 30});
  CHECK(r.head_dim == 128);
  CHECK_FALSE(ModelConfig::preset("llada-8b").has_ups);
  try {
    ModelConfig::preset("gpt2");
    FAIL("unknown preset accepted");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("gpt2") != std::string::npos);
    CHECK(m.find("remedi-9b, llada-8b, tiny-remedi, tiny-llada") != std::string::npos);
  }
}

TEST_CASE("config.json written by to_json reads back and carries the official keys", "[loader]") {
  for (const char* name : {"remedi-9b", "llada-8b", "tiny-remedi"}) {
    ModelConfig a = ModelConfig::preset(name);
    nlohmann::json j = a.to_json();
    CHECK(j["model_type"] == (a.has_ups ? "RemeDi" : "llada"));
    CHECK(j["architectures"][0] == (a.has_ups ? "RemeDiUPMModelLM" : "LLaDAModelLM"));
    for (const char* k : {"d_model", "n_heads", "n_kv_heads", "n_layers", "mlp_hidden_size", "rope_theta",
                          "rms_norm_eps", "vocab_size", "embedding_size", "weight_tying", "mask_token_id",
                          "eos_token_id", "pad_token_id", "max_sequence_length"})
      CHECK(j.contains(k));
    ModelConfig b = ModelConfig::from_json(j, "test");
    CHECK(b.d_model == a.d_model);
    CHECK(b.n_layers == a.n_layers);
    CHECK(b.n_heads == a.n_heads);
    CHECK(b.head_dim == a.head_dim);
    CHECK(b.mlp_hidden == a.mlp_hidden);
    CHECK(b.embedding_size == a.embedding_size);
    CHECK(b.rope_theta == a.rope_theta);
    CHECK(b.rms_eps == a.rms_eps);
    CHECK(b.mask_id == 126336);
    CHECK(b.eos_id == 126081);
    CHECK(b.pad_id == 126081);
    CHECK(b.bos_id == 126080);
    CHECK(b.ups_taps == a.ups_taps);
    CHECK_FALSE(b.has_ups);  // decided by the tensors at open, not by model_type
  }
}

TEST_CASE("config.json errors name the key and the file", "[loader]") {
  const nlohmann::json good = ModelConfig::preset("llada-8b").to_json();
  auto expect = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& needle) {
    nlohmann::json j = good;
    edit(j);
    try {
      ModelConfig::from_json(j, "/m/config.json");
      FAIL("accepted: " << needle);
    } catch (const Error& e) {
      std::string m = e.what();
      INFO(m);
      CHECK(m.find(needle) != std::string::npos);
      CHECK(m.find("/m/config.json") != std::string::npos);
    }
  };
  for (const char* k : {"d_model", "n_layers", "n_heads", "mlp_hidden_size", "vocab_size", "embedding_size",
                        "rope_theta", "rms_norm_eps", "mask_token_id", "eos_token_id", "weight_tying",
                        "max_sequence_length"})
    expect([&](nlohmann::json& j) { j.erase(k); }, std::string("'") + k + "'");
  expect([](nlohmann::json& j) { j["weight_tying"] = true; }, "'weight_tying'");
  expect([](nlohmann::json& j) { j["n_layers"] = "32"; }, "'n_layers' must be an integer");
  expect([](nlohmann::json& j) { j["d_model"] = 4001; }, "not a multiple of n_heads");
  expect([](nlohmann::json& j) { j["block_type"] = "sequential"; }, "'block_type'");
  expect([](nlohmann::json& j) { j["include_bias"] = true; }, "'include_bias'");
  expect([](nlohmann::json& j) { j["layer_norm_type"] = "default"; }, "'layer_norm_type'");
  expect([](nlohmann::json& j) { j["mask_token_id"] = 200000; }, "mask_token_id 200000 is outside the vocabulary");
  expect([](nlohmann::json& j) { j["embedding_size"] = 1000; }, "embedding_size is smaller than vocab_size");
  // Absent optional keys take the documented defaults.
  nlohmann::json j = good;
  j.erase("n_kv_heads");
  j.erase("pad_token_id");
  j["embedding_size"] = nullptr;
  j["vocab_size"] = 126400;
  ModelConfig c = ModelConfig::from_json(j, "x");
  CHECK(c.n_kv_heads == 32);
  CHECK(c.pad_id == c.eos_id);
  CHECK(c.embedding_size == 126400);
}

TEST_CASE("a tiny RemeDi checkpoint loads back with every tensor, shape and value", "[loader]") {
  TinySpec spec;
  const std::string& dir = base_remedi();
  auto t0 = std::chrono::steady_clock::now();
  Checkpoint ck = Checkpoint::open(dir);
  std::printf("opened the tiny RemeDi checkpoint (%ju-byte model.safetensors) in %.2f ms\n",
              uintmax_t(fs::file_size(dir + "/model.safetensors")),
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());

  const ModelConfig& c = ck.config();
  CHECK(c.has_ups);
  CHECK(c.ups_taps == std::vector<int>{0, 2});
  CHECK(c.n_layers == 4);
  CHECK(c.d_model == 64);
  CHECK(c.head_dim == 16);
  CHECK(c.vocab_size == 126464);
  CHECK(c.param_count() == 16'516'289);
  CHECK(c.name == "base-remedi");
  auto specs = expected_tensors(c);
  CHECK(ck.names().size() == specs.size());
  CHECK(ck.extra_names().empty());
  for (const TensorSpec& s : specs) {
    const TensorView& v = ck.tensor(s.name);
    REQUIRE(v.shape == s.shape);
    CHECK(v.dtype == DType::BF16);
    CHECK(v.name == official_tensor_name(s.name));
    REQUIRE(to_float(v) == rounded_bf16(tiny_tensor_values(spec, s)));
  }
  CHECK(ck.tensor("backprop_linears.1.bias").name == "model.backprop_linears.1.bias");
  CHECK(ck.tensor("blocks.3.ff_out.weight").name == "model.transformer.blocks.3.ff_out.weight");
  CHECK(ck.tokenizer_path() == ck.dir() + "/tokenizer.json");
  CHECK(fs::exists(ck.tokenizer_path()));
  CHECK(ck.files() == std::vector<std::string>{ck.dir() + "/config.json", ck.dir() + "/tokenizer.json",
                                               ck.dir() + "/tokenizer_config.json",
                                               ck.dir() + "/model.safetensors"});
  CHECK(ck.tensor_bytes() == size_t(c.param_count()) * 2);
  CHECK_THROWS_AS(ck.tensor("blocks.4.q_proj.weight"), Error);
  // Copies share the mappings: views stay valid after the original is gone.
  const void* p = ck.tensor("wte.weight").data;
  Checkpoint copy = ck;
  ck = Checkpoint();
  CHECK(copy.tensor("wte.weight").data == p);
  CHECK(to_float(copy.tensor("ln_f.weight")).size() == 64);
}

TEST_CASE("tiny LLaDA and RemeDi share the backbone; zero feedback writes zeros", "[loader]") {
  Checkpoint l = Checkpoint::open(base_llada()), r = Checkpoint::open(base_remedi()),
             z = Checkpoint::open(made("zero-feedback", {.zero_feedback = true}));
  CHECK_FALSE(l.config().has_ups);
  CHECK(l.names().size() == expected_tensors(l.config()).size());
  CHECK_FALSE(l.has("blocks_upm.0.q_proj.weight"));
  CHECK(z.config().has_ups);
  for (const auto& s : expected_tensors(l.config())) {
    const TensorView &a = l.tensor(s.name), &b = z.tensor(s.name), &c = r.tensor(s.name);
    REQUIRE(a.nbytes == b.nbytes);
    CHECK(std::memcmp(a.data, b.data, a.nbytes) == 0);
    CHECK(std::memcmp(a.data, c.data, a.nbytes) == 0);
  }
  for (const char* n : {"backprop_linears.0.weight", "backprop_linears.0.bias", "backprop_linears.1.weight",
                        "backprop_linears.1.bias"}) {
    auto v = to_float(z.tensor(n));
    CHECK(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; }));
    auto w = to_float(r.tensor(n));
    CHECK(std::count(w.begin(), w.end(), 0.0f) * 100 <= int64_t(w.size()));
  }
  // The other UPS tensors do not depend on zero_feedback.
  CHECK(std::memcmp(z.tensor("blocks_upm.1.q_proj.weight").data, r.tensor("blocks_upm.1.q_proj.weight").data,
                    64 * 64 * 2) == 0);
  // A different seed gives different weights.
  TensorSpec q{"blocks.0.q_proj.weight", {64, 64}};
  CHECK(tiny_tensor_values({.seed = 2}, q) != tiny_tensor_values({.seed = 1}, q));
  CHECK(tiny_tensor_values({.seed = 1}, q) == tiny_tensor_values({.ups = false, .seed = 1}, q));
  nlohmann::json cj = nlohmann::json::parse(read_file(base_llada() + "/config.json"));
  CHECK(cj["model_type"] == "llada");
  CHECK_FALSE(cj.contains("upm_positions"));
  nlohmann::json rj = nlohmann::json::parse(read_file(base_remedi() + "/config.json"));
  CHECK(rj["model_type"] == "RemeDi");
  CHECK(rj["architectures"][0] == "RemeDiUPMModelLM");
  CHECK(rj["upm_positions"] == nlohmann::json({0, 2}));
}

TEST_CASE("f32 and sharded tiny checkpoints load the same values", "[loader]") {
  TinySpec f32{.dtype = DType::F32};
  Checkpoint a = Checkpoint::open(made("f32", f32)), b = Checkpoint::open(base_sharded()),
             c = Checkpoint::open(base_remedi());
  CHECK(a.tensor("wte.weight").dtype == DType::F32);
  CHECK(to_float(a.tensor("blocks.1.q_proj.weight")) == tiny_tensor_values(f32, {"blocks.1.q_proj.weight", {64, 64}}));
  CHECK(to_float(c.tensor("blocks.1.q_proj.weight")) == rounded_bf16(to_float(a.tensor("blocks.1.q_proj.weight"))));
  REQUIRE(b.weight_files().size() == 4);  // 16 MB wte | blocks + ln_f | 16 MB head | UPS
  CHECK(std::find(b.files().begin(), b.files().end(), b.dir() + "/model.safetensors.index.json") != b.files().end());
  CHECK(b.names() == c.names());
  for (const auto& n : c.names()) {
    const TensorView &x = b.tensor(n), &y = c.tensor(n);
    REQUIRE(x.nbytes == y.nbytes);
    CHECK(std::memcmp(x.data, y.data, x.nbytes) == 0);
  }
}

TEST_CASE("UPS taps come from config.json or an override, and are validated", "[loader]") {
  const std::string& base = base_remedi();
  CHECK(Checkpoint::open(base, std::vector<int>{1, 3}).config().ups_taps == std::vector<int>{1, 3});
  expect_open_error(base, {"2 UPS blocks but 1 taps"}, std::vector<int>{0});
  expect_open_error(base, {"UPS tap 9 is not a backbone layer"}, std::vector<int>{0, 9});
  expect_open_error(base, {"strictly increasing"}, std::vector<int>{2, 0});
  // Without "upm_positions" the default 0,10,20,30 does not fit 2 UPS blocks: the error says what to do.
  std::string d = copy_ckpt(base, "no-taps", false);
  edit_config(d, [](nlohmann::json& j) { j.erase("upm_positions"); });
  expect_open_error(d, {"2 UPS blocks but 4 taps", "--taps"});
  CHECK(Checkpoint::open(d, std::vector<int>{0, 2}).config().ups_taps == std::vector<int>{0, 2});
  expect_open_error(base_llada(), {"no UPS tensors"}, std::vector<int>{0, 2});
}

TEST_CASE("every broken checkpoint gives an error naming the tensor or the file", "[loader]") {
  const std::string& base = base_remedi();
  std::string d;

  d = copy_ckpt(base, "truncated", true);
  fs::resize_file(d + "/model.safetensors", fs::file_size(d + "/model.safetensors") / 2);
  expect_open_error(d, {"truncated", "tensor 'model.", "truncated/model.safetensors"});

  d = copy_ckpt(base, "corrupt-json", true);
  {
    std::string b = read_file(d + "/model.safetensors");
    for (int i = 8; i < 40; ++i) b[i] = '#';
    write_file_atomic(d + "/model.safetensors", b);
  }
  expect_open_error(d, {"corrupt safetensors header", "JSON parse error", "corrupt-json/model.safetensors"});

  d = copy_ckpt(base, "corrupt-length", true);
  {
    std::string b = read_file(d + "/model.safetensors");
    b[5] = char(0x7f);
    write_file_atomic(d + "/model.safetensors", b);
  }
  expect_open_error(d, {"header length", "runs past the end", "corrupt-length/model.safetensors"});

  d = copy_ckpt(base, "dtype", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) { h["model.transformer.ln_f.weight"]["dtype"] = "F64"; });
  expect_open_error(d, {"unsupported dtype 'F64'", "model.transformer.ln_f.weight", "dtype/model.safetensors"});

  d = copy_ckpt(base, "offsets", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) {
    auto& o = h["model.transformer.blocks.0.q_proj.weight"]["data_offsets"];
    o[1] = o[1].template get<uint64_t>() - 2;
  });
  expect_open_error(d, {"do not match shape [64, 64]", "model.transformer.blocks.0.q_proj.weight", "offsets/"});

  d = copy_ckpt(base, "dropped", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) { h.erase("model.transformer.blocks.2.up_proj.weight"); });
  expect_open_error(d, {"missing tensor 'blocks.2.up_proj.weight'", "dropped/model.safetensors"});

  d = copy_ckpt(base, "dropped-ups", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) { h.erase("model.ln_f_upm.weight"); });
  expect_open_error(d, {"missing tensor 'ln_f_upm.weight'", "dropped-ups/model.safetensors"});

  d = copy_ckpt(base, "shape", true);
  rewrite_header(d + "/model.safetensors",
                 [](auto& h) { h["model.transformer.blocks.1.ff_out.weight"]["shape"] = {192, 64}; });
  expect_open_error(d, {"'blocks.1.ff_out.weight' has shape [192, 64] but config.json needs [64, 192]",
                        "model.transformer.blocks.1.ff_out.weight", "shape/model.safetensors"});

  d = copy_ckpt(base, "duplicate", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) {
    h["ln_f.weight"] = {{"dtype", "BF16"}, {"shape", {0}}, {"data_offsets", {0, 0}}};
  });
  expect_open_error(d, {"'ln_f.weight' appears twice", "duplicate/model.safetensors"});

  d = copy_ckpt(base, "config-shape", false);
  edit_config(d, [](nlohmann::json& j) { j["mlp_hidden_size"] = 256; });
  expect_open_error(d, {"'blocks.0.ff_proj.weight' has shape [192, 64] but config.json needs [256, 64]"});

  d = copy_ckpt(base, "config-key", false);
  edit_config(d, [](nlohmann::json& j) { j.erase("n_layers"); });
  expect_open_error(d, {"no key 'n_layers'", "config-key/config.json"});

  d = copy_ckpt(base, "config-json", false);
  write_file_atomic(d + "/config.json", "{\"d_model\": 64,");
  expect_open_error(d, {"not valid JSON", "config-json/config.json"});

  d = copy_ckpt(base, "no-config", false);
  fs::remove(d + "/config.json");
  expect_open_error(d, {"missing config.json", "no-config/config.json"});

  d = copy_ckpt(base, "no-tokenizer", false);
  fs::remove(d + "/tokenizer.json");
  expect_open_error(d, {"missing tokenizer.json", "no-tokenizer/tokenizer.json"});

  d = copy_ckpt(base, "no-weights", false);
  fs::remove(d + "/model.safetensors");
  expect_open_error(d, {"no weights", "no-weights"});

  expect_open_error(scratch().path + "/does-not-exist", {"model directory not found", "does-not-exist"});

  // A zero-size tensor the model does not use is listed, not fatal.
  d = copy_ckpt(base, "extra", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) {
    h["model.transformer.rotary.inv_freq"] = {{"dtype", "F32"}, {"shape", {0}}, {"data_offsets", {0, 0}}};
  });
  CHECK(Checkpoint::open(d).extra_names() == std::vector<std::string>{"rotary.inv_freq"});
}

TEST_CASE("sharded checkpoints: a missing shard or a wrong index entry is named", "[loader]") {
  const std::string& src = base_sharded();
  REQUIRE(fs::exists(src + "/model-00002-of-00004.safetensors"));
  CHECK_NOTHROW(Checkpoint::open(src));

  std::string d = copy_ckpt(src, "missing-shard", false);
  fs::remove(d + "/model-00002-of-00004.safetensors");
  expect_open_error(d, {"model-00002-of-00004.safetensors", "missing", "model.safetensors.index.json"});

  d = copy_ckpt(src, "wrong-index", false);
  {
    nlohmann::json idx = nlohmann::json::parse(read_file(d + "/model.safetensors.index.json"));
    std::string shard = idx["weight_map"]["model.transformer.ln_f.weight"];
    idx["weight_map"]["model.transformer.ln_f.weight"] =
        shard == "model-00001-of-00004.safetensors" ? "model-00002-of-00004.safetensors"
                                                    : "model-00001-of-00004.safetensors";
    write_file_atomic(d + "/model.safetensors.index.json", idx.dump());
  }
  expect_open_error(d, {"'model.transformer.ln_f.weight'", "does not contain it", "wrong-index/model-0000"});

  d = copy_ckpt(src, "bad-index", false);
  write_file_atomic(d + "/model.safetensors.index.json", "{\"weight_map\": [");
  expect_open_error(d, {"not valid JSON", "bad-index/model.safetensors.index.json"});
}

TEST_CASE("remedi-eval inspect-model and make-tiny-model: exit 0 on good input, 2 with a named error on bad",
          "[loader][cli]") {
  const std::string& base = base_remedi();
  RunResult ok = run_cli("inspect-model '" + base + "'");
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("16,516,289") != std::string::npos);
  CHECK(ok.output.find("UPS taps 0,2") != std::string::npos);

  RunResult js = run_cli("inspect-model --json '" + base + "'");
  REQUIRE(js.exit_code == 0);
  nlohmann::json j = nlohmann::json::parse(js.output);
  CHECK(j["params"] == 16'516'289);
  CHECK(j["kind"] == "remedi");
  CHECK(j["tensor_count"] == expected_tensors(ModelConfig::preset("tiny-remedi")).size());

  RunResult preset = run_cli("inspect-model preset:remedi-9b");
  CHECK(preset.exit_code == 0);
  CHECK(preset.output.find("8,955,179,009") != std::string::npos);

  std::string d = copy_ckpt(base, "cli-truncated", true);
  fs::resize_file(d + "/model.safetensors", fs::file_size(d + "/model.safetensors") / 3);
  RunResult bad = run_cli("inspect-model '" + d + "'");
  INFO(bad.output);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("cli-truncated/model.safetensors") != std::string::npos);
  CHECK(bad.output.find("tensor 'model.") != std::string::npos);

  d = copy_ckpt(base, "cli-dropped", true);
  rewrite_header(d + "/model.safetensors", [](auto& h) { h.erase("model.backprop_linears.1.weight"); });
  bad = run_cli("inspect-model '" + d + "'");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("missing tensor 'backprop_linears.1.weight'") != std::string::npos);

  // The same checks guard `generate` (issue 2 acceptance: exit != 0, a message, no crash).
  bad = run_cli("generate --model '" + d + "' --prompt-ids 1,2,3 --max-new-tokens 32");
  INFO(bad.output);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("missing tensor 'backprop_linears.1.weight'") != std::string::npos);
  bad = run_cli("generate --model '" + scratch().path + "/cli-truncated' --prompt-ids 1,2,3 --max-new-tokens 32");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("cli-truncated/model.safetensors") != std::string::npos);

  d = copy_ckpt(base, "cli-no-tokenizer", false);
  fs::remove(d + "/tokenizer.json");
  bad = run_cli("inspect-model '" + d + "'");
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("cli-no-tokenizer/tokenizer.json") != std::string::npos);

  std::string made = scratch().path + "/cli-made";
  RunResult mk = run_cli("make-tiny-model '" + made + "' --llada --dtype f32 --seed 5");
  INFO(mk.output);
  REQUIRE(mk.exit_code == 0);
  Checkpoint ck = Checkpoint::open(made);
  CHECK_FALSE(ck.config().has_ups);
  CHECK(ck.tensor("wte.weight").dtype == DType::F32);
  CHECK(to_float(ck.tensor("ln_f.weight")) ==
        tiny_tensor_values({.ups = false, .dtype = DType::F32, .seed = 5}, {"ln_f.weight", {64}}));
  CHECK(run_cli("make-tiny-model '" + made + "' --dtype f8").exit_code == 2);
  CHECK(run_cli("make-tiny-model").exit_code == 2);
}
