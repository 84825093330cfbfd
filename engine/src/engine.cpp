// Engine::open — resolves a model spec to a TorchModel on a device, with its tokenizer.
#include "remedi/engine/engine.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/csrc/api/include/torch/version.h>

#include <cstdio>
#include <mutex>
#include <optional>

#include "device_info.h"
#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/common/strutil.h"
#include "remedi/engine/checkpoint.h"
#include "remedi/engine/tokenizer.h"
#include "torch_model.h"

namespace remedi::engine {
namespace {

at::Device parse_device(const std::string& s) {
  if (s == "cpu") return at::Device(at::kCPU);
  if (s == "cuda" || starts_with(s, "cuda:")) {
    if (!cuda_available())
      throw Error("device '" + s + "' requested but CUDA is not available", "--device",
                  "this build has no CUDA support (configure with -DREMEDI_CUDA=ON on a GPU host) or no GPU is visible; "
                  "use --device cpu");
    return at::Device(s);
  }
  throw Error("unknown device '" + s + "'", "--device", "use cpu, cuda or cuda:N");
}

at::ScalarType resolve_dtype(const std::string& s, const at::Device& dev) {
  if (s == "auto") return dev.is_cpu() ? at::kFloat : at::kBFloat16;
  if (s == "f32" || s == "float32") return at::kFloat;
  if (s == "bf16" || s == "bfloat16") return at::kBFloat16;
  throw Error("unknown dtype '" + s + "'", "--dtype", "use auto, f32 or bf16");
}

class EngineImpl : public Engine {
 public:
  explicit EngineImpl(const EngineOptions& o) {
    at::Device dev = parse_device(o.device);
    at::ScalarType dt = resolve_dtype(o.dtype, dev);
    std::optional<std::vector<int>> taps;
    if (!o.ups_taps.empty()) taps = o.ups_taps;
    ModelConfig cfg;
    ModelWeights w;
    std::shared_ptr<const void> keep;
    if (starts_with(o.model, "preset:")) {
      cfg = ModelConfig::preset(o.model.substr(7));
      if (taps) cfg.ups_taps = *taps;
      w = random_weights(cfg, dev, dt, o.weight_seed);
      info_.name = o.model;
    } else {
      auto ckpt = std::make_shared<Checkpoint>(Checkpoint::open(o.model, taps));
      cfg = ckpt->config();
      w = load_weights(*ckpt, cfg, dev, dt);
      tokenizer_ = Tokenizer::from_file(ckpt->tokenizer_path());
      files_ = ckpt->files();
      keep = ckpt;  // CPU float32 weights may alias its memory maps
      info_.name = o.model;
    }
    if (o.max_seq_len > 0) cfg.max_seq_len = o.max_seq_len;
    info_.kind = cfg.has_ups ? "remedi" : "llada";
    info_.has_confidence = cfg.has_ups;
    info_.params = cfg.param_count();
    info_.device = dev.str();
    info_.dtype = dt == at::kFloat ? "f32" : "bf16";
    info_.torch_version = TORCH_VERSION;
    info_.gpu_name = dev.is_cuda() ? gpu_name(dev.index() < 0 ? 0 : dev.index()) : "";
    info_.cuda_driver = dev.is_cuda() ? cuda_driver_version() : "";
    max_batch_ = std::max(1, o.max_batch);
    continuous_ = o.continuous_batching;
    model_ = std::make_unique<TorchModel>(cfg, std::move(w), dev, dt, keep);
    model_->set_step_graphs(o.step_graphs);
  }

  const ModelInfo& info() const override { return info_; }
  const FileHashes& file_hashes() const override {
    std::call_once(hashed_, [this] {
      for (auto& f : files_) hashes_.emplace_back(f, sha256_file(f));
    });
    return hashes_;
  }
  bool has_tokenizer() const override { return tokenizer_.has_value(); }

  std::vector<int32_t> encode_chat(const std::vector<ChatMessage>& messages) const override {
    return tok().encode(apply_chat_template(messages, /*add_generation_prompt=*/true), /*parse_special=*/true);
  }
  std::vector<int32_t> encode(const std::string& text) const override { return tok().encode(text, true); }
  std::string decode(const std::vector<int32_t>& ids) const override { return tok().decode(ids, /*skip_special=*/true); }

  std::vector<GenerateResult> generate(const std::vector<GenerateRequest>& requests, const SamplerParams& params,
                                       const StepCallback& on_step) override {
    const int blocks = (params.max_new_tokens + params.block_size - 1) / std::max(1, params.block_size);
    model_->reserve_new_tokens(blocks * params.block_size);
    // A queue longer than the batch: give every batch room for queued prompts and one more
    // generation per row, so rows that finish early can take the next request.
    size_t longest = 0;
    for (const auto& r : requests) longest = std::max(longest, r.prompt.size());
    bool queue = continuous_ && requests.size() > static_cast<size_t>(max_batch_);
    if (queue && model_->device().is_cuda()) {
      // The refill room doubles the generated part of the cache: only where the device has it (the
      // current cache is freed before a new one is allocated). 2 GiB stay for activations and logits.
      const int dev = model_->device().has_index() ? model_->device().index() : 0;
      const int64_t avail = cuda_available_memory_bytes(dev);
      const int64_t need = model_->cache_bytes_for(max_batch_, static_cast<int64_t>(longest),
                                                   blocks * params.block_size, static_cast<int>(longest),
                                                   blocks * params.block_size);
      if (avail >= 0 && need + (int64_t(2) << 30) > avail + model_->cache_bytes()) {
        queue = false;
        static std::once_flag said;
        std::call_once(said, [&] {
          std::fprintf(stderr,
                       "note: continuous batching off: a KV cache with refill room needs %.1f GiB, %.1f GiB is "
                       "available (lower --batch or --max-new-tokens to get it back)\n",
                       double(need) / (1 << 30), double(avail + model_->cache_bytes()) / (1 << 30));
        });
      }
    }
    model_->reserve_refill(queue ? static_cast<int>(longest) : 0, queue ? blocks * params.block_size : 0);
    return engine::generate(*model_, requests, params, on_step, max_batch_);
  }

  DenoiseModel& model() override { return *model_; }

 private:
  const Tokenizer& tok() const {
    if (!tokenizer_)
      throw Error("model '" + info_.name + "' has no tokenizer", info_.name,
                  "presets carry random weights only: pass token ids (--prompt-ids) or use a checkpoint directory");
    return *tokenizer_;
  }

  ModelInfo info_;
  std::vector<std::string> files_;  // checkpoint files, hashed lazily
  mutable std::once_flag hashed_;
  mutable FileHashes hashes_;
  std::optional<Tokenizer> tokenizer_;
  std::unique_ptr<TorchModel> model_;
  int max_batch_ = 8;
  bool continuous_ = true;
};

}  // namespace

std::unique_ptr<Engine> Engine::open(const EngineOptions& opts) { return std::make_unique<EngineImpl>(opts); }

}  // namespace remedi::engine
