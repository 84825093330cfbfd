// The LibTorch model behind DenoiseModel: prefill / step / commit over an exact KV cache
// (MODEL.md §4). CPU float32 for tests, CUDA bf16 for real work. Private to the engine.
#pragma once
#include <ATen/ATen.h>

#include <memory>

#include "kv_cache.h"
#include "remedi/engine/denoise_model.h"
#include "transformer.h"

namespace remedi::engine {

class TorchModel : public DenoiseModel {
 public:
  // `keep_alive` holds whatever the weights alias (the checkpoint's memory maps).
  TorchModel(ModelConfig cfg, ModelWeights w, at::Device dev, at::ScalarType dtype,
             std::shared_ptr<const void> keep_alive = {});

  int32_t mask_id() const override { return cfg_.mask_id; }
  int32_t eos_id() const override { return cfg_.eos_id; }
  bool has_confidence() const override { return !w_.ups.empty(); }
  void prefill(const std::vector<std::vector<int32_t>>& prompts) override;
  void step(const std::vector<int32_t>& tokens, const StepSampling& sampling, StepOutput& out) override;
  void commit(const std::vector<int32_t>& tokens) override;

  // Cache slots per row reserved for generated tokens at the next prefill (the sampler's
  // max_new_tokens rounded up to whole blocks); the cache is sized once to Pmax + this.
  void reserve_new_tokens(int n) { reserve_new_ = n; }

  // For tests and benchmarks: the block's logits (B, block, V) and confidence (B, block) of one step,
  // without candidate selection.
  std::pair<at::Tensor, at::Tensor> step_logits(const std::vector<int32_t>& tokens);
  // Whole sequence in one forward under an explicit (B, 1, N, N) attention mask (true = attend),
  // with a fresh cache; returns logits (B, N, V) and confidence (B, N). The reference that the
  // cached path must reproduce.
  std::pair<at::Tensor, at::Tensor> full_forward(const at::Tensor& tokens, const at::Tensor& positions,
                                                 const at::Tensor& mask);

  const ModelConfig& config() const { return cfg_; }
  const ModelWeights& weights() const { return w_; }
  at::Device device() const { return dev_; }
  at::ScalarType dtype() const { return dtype_; }
  const KvCache& cache() const { return cache_; }

 private:
  at::Tensor to_device_tokens(const std::vector<int32_t>& tokens) const;  // (B, T) int64
  AttnContext block_context(int64_t T) const;   // for the current block (T tokens) of every row
  std::pair<at::Tensor, at::Tensor> heads(const StreamsOut& s);  // logits, confidence

  ModelConfig cfg_;
  ModelWeights w_;
  at::Device dev_;
  at::ScalarType dtype_;
  std::shared_ptr<const void> keep_alive_;
  Rope rope_;
  KvCache cache_;
  int reserve_new_ = 1024;
  // Batch state, set by prefill.
  int64_t rows_ = 0, pmax_ = 0, cache_len_ = 0;
  at::Tensor prompt_len_;          // (B) int64 on device
  bool ragged_ = false;            // prompts of different lengths -> key padding mask needed
};

}  // namespace remedi::engine
