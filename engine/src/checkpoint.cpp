// Checkpoint::open: config, tokenizer, safetensors (single file or sharded index), UPS detection and
// the tensor-by-tensor check against the config. See checkpoint.h.
#include "remedi/engine/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"

namespace remedi::engine {

namespace fs = std::filesystem;

std::string canonical_tensor_name(const std::string& n) {
  if (starts_with(n, "model.transformer.")) return n.substr(18);
  if (starts_with(n, "model.")) return n.substr(6);
  return n;
}

namespace {

nlohmann::json read_json(const std::string& path, const char* what) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string(what) + " is not valid JSON: " + e.what(), path, "the file is damaged; download it again");
  }
}

// Index of UPS block j from "blocks_upm.{j}.", "backprop_linears.{j}." or "backprop_norms.{j}.", or -1.
int ups_index(const std::string& name) {
  for (const char* p : {"blocks_upm.", "backprop_linears.", "backprop_norms."}) {
    if (!starts_with(name, p)) continue;
    std::string rest = name.substr(std::string(p).size());
    size_t dot = rest.find('.');
    std::string num = rest.substr(0, dot);
    if (num.empty() || num.size() > 6 || !std::all_of(num.begin(), num.end(), ::isdigit)) return -1;
    return std::stoi(num);
  }
  return -1;
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& dir_in, std::optional<std::vector<int>> taps_override) {
  Checkpoint ck;
  std::error_code ec;
  fs::path dir = fs::absolute(dir_in, ec).lexically_normal();
  if (ec || !fs::is_directory(dir))
    throw Error("model directory not found", dir_in,
                "pass a checkpoint directory (config.json, *.safetensors, tokenizer.json) or preset:NAME");
  ck.dir_ = dir.string();
  if (ck.dir_.size() > 1 && ck.dir_.back() == '/') ck.dir_.pop_back();
  auto in_dir = [&](const std::string& f) { return ck.dir_ + "/" + f; };

  // ---- config.json
  std::string cfg_path = in_dir("config.json");
  if (!fs::is_regular_file(cfg_path))
    throw Error("missing config.json", cfg_path, "copy config.json from the model's original repository");
  ck.config_ = ModelConfig::from_json(read_json(cfg_path, "config.json"), cfg_path);
  ck.config_.name = fs::path(ck.dir_).filename().string();
  ck.files_.push_back(cfg_path);

  // ---- tokenizer files
  ck.tokenizer_path_ = in_dir("tokenizer.json");
  if (!fs::is_regular_file(ck.tokenizer_path_))
    throw Error("missing tokenizer.json", ck.tokenizer_path_,
                "copy tokenizer.json from the model's original repository");
  ck.files_.push_back(ck.tokenizer_path_);
  if (fs::is_regular_file(in_dir("tokenizer_config.json"))) {
    ck.tokenizer_config_path_ = in_dir("tokenizer_config.json");
    ck.files_.push_back(ck.tokenizer_config_path_);
  }

  // ---- weights: model.safetensors, else the sharded index (transformers tries them in that order)
  auto add = [&](const TensorView& v) {
    std::string c = canonical_tensor_name(v.name);
    auto [it, fresh] = ck.tensors_.emplace(c, v);
    if (!fresh)
      throw Error("tensor '" + c + "' appears twice: '" + it->second.name + "' in " + it->second.file + " and '" +
                      v.name + "'",
                  v.file, "remove the duplicate from the checkpoint");
  };
  std::string single = in_dir("model.safetensors"), index = in_dir("model.safetensors.index.json");
  if (fs::exists(single)) {
    auto f = SafetensorsFile::open(single);
    for (const auto& t : f->tensors()) add(t);
    ck.mapped_.push_back(f);
    ck.weight_files_.push_back(f->path());
  } else if (fs::exists(index)) {
    nlohmann::json idx = read_json(index, "model.safetensors.index.json");
    if (!idx.is_object() || !idx.contains("weight_map") || !idx["weight_map"].is_object())
      throw Error("model.safetensors.index.json has no \"weight_map\" object", index);
    ck.files_.push_back(index);
    std::map<std::string, std::shared_ptr<const SafetensorsFile>> shards;
    std::map<std::string, std::map<std::string, const TensorView*>> by_name;  // shard -> name -> view
    for (const auto& [name, shard_v] : idx["weight_map"].items()) {
      if (!shard_v.is_string())
        throw Error("weight_map entry for '" + name + "' is not a file name", index);
      std::string shard = shard_v.get<std::string>();
      if (shard.empty() || shard[0] == '/' || shard.find("..") != std::string::npos)
        throw Error("weight_map names shard '" + shard + "' outside the model directory", index);
      if (!shards.count(shard)) {
        std::string p = in_dir(shard);
        if (!fs::is_regular_file(p))
          throw Error("the index names shard '" + shard + "' (for tensor '" + name + "') but the file is missing",
                      index, "download every shard listed in model.safetensors.index.json");
        auto f = SafetensorsFile::open(p);
        shards[shard] = f;
        for (const auto& t : f->tensors()) by_name[shard][t.name] = &t;
        ck.mapped_.push_back(f);
        ck.weight_files_.push_back(f->path());
      }
      auto hit = by_name[shard].find(name);
      if (hit == by_name[shard].end())
        throw Error("the index maps tensor '" + name + "' to this shard, which does not contain it",
                    shards[shard]->path(), "the index and the shards disagree; download them again");
      add(*hit->second);
    }
  } else {
    throw Error("no weights: neither model.safetensors nor model.safetensors.index.json", ck.dir_,
                "the checkpoint directory is incomplete");
  }
  for (const auto& f : ck.weight_files_) ck.files_.push_back(f);

  // ---- RemeDi UPS: present iff any of its tensors is (MODEL.md §2)
  int n_ups = 0;
  bool any_ups = false;
  for (const auto& [name, v] : ck.tensors_) {
    int j = ups_index(name);
    if (j >= 0) n_ups = std::max(n_ups, j + 1);
    any_ups = any_ups || j >= 0 || starts_with(name, "ln_f_upm.") || starts_with(name, "linear_confidence.");
  }
  ModelConfig& c = ck.config_;
  if (any_ups) {
    c.has_ups = true;
    if (taps_override) c.ups_taps = *taps_override;
    if (int(c.ups_taps.size()) != n_ups)
      throw Error("the checkpoint has " + std::to_string(n_ups) + " UPS blocks but " +
                      std::to_string(c.ups_taps.size()) + " taps are configured (" +
                      (taps_override ? "override" : "config.json upm_positions or the default 0,10,20,30") + ")",
                  ck.dir_, "give one backbone layer per UPS block (--taps)");
  } else {
    c.has_ups = false;
    if (taps_override && !taps_override->empty())
      throw Error("UPS taps were given but the checkpoint has no UPS tensors (a plain LLaDA model)", ck.dir_,
                  "drop the taps override");
  }
  c.validate(cfg_path);

  // ---- every tensor the config needs, with its shape
  std::set<std::string> wanted;
  for (const TensorSpec& s : expected_tensors(c)) {
    wanted.insert(s.name);
    auto it = ck.tensors_.find(s.name);
    if (it == ck.tensors_.end())
      throw Error("missing tensor '" + s.name + "'", "searched " + join(ck.weight_files_, ", "),
                  "the checkpoint is incomplete or is not a LLaDA / RemeDi model");
    if (it->second.shape != s.shape)
      throw Error("tensor '" + s.name + "' has shape " + shape_str(it->second.shape) + " but config.json needs " +
                      shape_str(s.shape),
                  "tensor '" + it->second.name + "' in " + it->second.file,
                  "config.json (d_model, n_heads, mlp_hidden_size, embedding_size) and the weights disagree");
  }
  for (const auto& [name, v] : ck.tensors_)
    if (!wanted.count(name)) ck.extra_.push_back(name);
  return ck;
}

bool Checkpoint::has(const std::string& name) const { return tensors_.count(name) > 0; }

const TensorView& Checkpoint::tensor(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end())
    throw Error("missing tensor '" + name + "'", "searched " + join(weight_files_, ", "),
                "the checkpoint is incomplete or is not a LLaDA / RemeDi model");
  return it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, v] : tensors_) out.push_back(name);
  return out;
}

std::vector<std::string> Checkpoint::extra_names() const { return extra_; }
std::vector<std::string> Checkpoint::files() const { return files_; }
std::vector<std::string> Checkpoint::weight_files() const { return weight_files_; }

size_t Checkpoint::tensor_bytes() const {
  size_t n = 0;
  for (const auto& [name, v] : tensors_)
    if (std::find(extra_.begin(), extra_.end(), name) == extra_.end()) n += v.nbytes;
  return n;
}

}  // namespace remedi::engine
