// An HF model directory, opened and validated before any weight reaches a device (issue 2, part 2).
//
//   DIR/config.json                       LLaDA / RemeDi keys (ModelConfig::from_json)
//   DIR/model.safetensors                 one file, or
//   DIR/model.safetensors.index.json      {"weight_map": {tensor: shard}} + the shards it names
//   DIR/tokenizer.json                    required; DIR/tokenizer_config.json optional
//
//   Checkpoint ck = Checkpoint::open("/models/RemeDi-Instruct");
//   const TensorView& w = ck.tensor("blocks.3.q_proj.weight");   // canonical name, mmapped bytes
//
// Tensor names are canonical: a leading "model.transformer." or "model." is stripped, so LLaDA's
// "model.transformer.blocks.0.q_proj.weight" and RemeDi's "model.blocks_upm.0.q_proj.weight" become
// "blocks.0.q_proj.weight" and "blocks_upm.0.q_proj.weight". The UPS (MODEL.md §2) is detected from
// the tensors present. Every tensor the config needs is checked for presence and shape at open, so
// a bad checkpoint fails here with a remedi::Error naming the tensor and the file, never later.
//
// Files stay memory-mapped (read-only, private) for as long as any copy of the Checkpoint lives;
// copies share the mappings. No torch here.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "remedi/engine/model_config.h"
#include "remedi/engine/safetensors.h"

namespace remedi::engine {

class Checkpoint {
 public:
  // ups_taps_override replaces the taps from config.json ("upm_positions") or the default 0/10/20/30;
  // it must name one backbone layer per UPS block, strictly increasing.
  static Checkpoint open(const std::string& dir, std::optional<std::vector<int>> ups_taps_override = {});

  const ModelConfig& config() const { return config_; }  // has_ups / ups_taps as detected
  bool has(const std::string& canonical_name) const;
  // Throws remedi::Error naming the tensor and the files searched if absent.
  const TensorView& tensor(const std::string& canonical_name) const;
  std::vector<std::string> names() const;         // canonical names of every tensor loaded, sorted
  std::vector<std::string> extra_names() const;   // present but not part of the model (ignored)
  std::vector<std::string> files() const;         // absolute paths of every file read (for hashing)
  std::vector<std::string> weight_files() const;  // the safetensors files only
  std::string tokenizer_path() const { return tokenizer_path_; }                // tokenizer.json
  std::string tokenizer_config_path() const { return tokenizer_config_path_; }  // "" if absent
  const std::string& dir() const { return dir_; }                               // absolute
  size_t tensor_bytes() const;  // sum of nbytes over the model's tensors

 private:
  std::string dir_;
  ModelConfig config_;
  std::map<std::string, TensorView> tensors_;  // canonical name -> view (view.name: name in file)
  std::vector<std::string> extra_;
  std::vector<std::string> files_, weight_files_;
  std::string tokenizer_path_, tokenizer_config_path_;
  std::vector<std::shared_ptr<const SafetensorsFile>> mapped_;  // keeps every TensorView's bytes alive
};

// "model.transformer.x" -> "x", "model.x" -> "x", anything else unchanged.
std::string canonical_tensor_name(const std::string& name_in_file);

}  // namespace remedi::engine
