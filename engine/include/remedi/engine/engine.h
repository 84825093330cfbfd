// The engine's front door: open a model (checkpoint directory or random-weight preset) on a device
// and generate. Opaque handle; no torch in this header, so the harness compiles without torch.
//
//   auto eng = Engine::open({.model = "preset:tiny-remedi", .device = "cpu"});
//   auto ids = eng->encode_chat({{"user", "What is 2+2?"}});
//   auto res = eng->generate({{ids, /*seed=*/1}}, params);
//   std::string text = eng->decode(res[0].tokens);
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "remedi/engine/chat_template.h"
#include "remedi/engine/sampler.h"

namespace remedi::engine {

struct EngineOptions {
  std::string model;             // checkpoint directory, or "preset:NAME" (random weights at real shapes)
  std::string device = "cpu";    // "cpu" or "cuda" (or "cuda:N")
  std::string dtype = "auto";    // "auto" (cpu: f32, cuda: bf16), "f32", "bf16"
  int max_batch = 8;             // rows per forward; with more requests, finished rows take queued ones
  bool continuous_batching = true;  // refill finished rows at block boundaries (false: whole batches)
  std::vector<int> ups_taps;     // override the UPS tap layers; empty = checkpoint/default (0,10,20,30)
  uint64_t weight_seed = 0;      // presets only: seed of the random weights
  int max_seq_len = 0;           // KV cache length per row; 0 = the model's max_sequence_length
  bool step_graphs = true;       // replay greedy steps as captured graphs (CUDA graphs on GPU); false = eager
};

struct ModelInfo {
  std::string name;              // directory or preset name
  std::string kind;              // "remedi" (with UPS) or "llada"
  bool has_confidence = false;   // UPS head present
  int64_t params = 0;
  std::string device, dtype;     // as resolved
  std::string torch_version;
  std::string gpu_name;          // empty on cpu
  std::string cuda_driver;       // CUDA driver API version, e.g. "13.0"; empty on cpu
};

class Engine {
 public:
  static std::unique_ptr<Engine> open(const EngineOptions& opts);  // throws remedi::Error
  virtual ~Engine() = default;

  virtual const ModelInfo& info() const = 0;
  using FileHashes = std::vector<std::pair<std::string, std::string>>;  // (file path, sha256)
  // sha256 of every checkpoint file; empty for presets. Reads every byte (minutes for a 9B model),
  // so it runs on first call only — `run` asks for it, `generate` and `bench` never do.
  virtual const FileHashes& file_hashes() const = 0;
  virtual bool has_tokenizer() const = 0;  // presets have none: use prompt ids
  // Chat template (MODEL.md §3) + tokenizer; throws if there is no tokenizer.
  virtual std::vector<int32_t> encode_chat(const std::vector<ChatMessage>& messages) const = 0;
  virtual std::vector<int32_t> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;  // special tokens skipped
  // Any number of requests; batched max_batch at a time. Results in request order.
  virtual std::vector<GenerateResult> generate(const std::vector<GenerateRequest>& requests,
                                               const SamplerParams& params,
                                               const StepCallback& on_step = {}) = 0;
  // Direct access for benchmarks and tests (prefill / step / commit on the loaded model).
  virtual DenoiseModel& model() = 0;
};

}  // namespace remedi::engine
