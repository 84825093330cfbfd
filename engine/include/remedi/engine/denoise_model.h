// The model as the sampler sees it: three calls over a batch of rows (MODEL.md §4).
//
//   prefill(prompts)      prompts of any lengths fill the KV cache (1 forward)
//   step(block, ...)      predicts all block positions of every row against the cache (1 forward);
//                         nothing is written to the cache
//   commit(block)         forwards the finished block once more and appends its K/V (1 forward)
//   refill(row, prompt)   optional, at a block boundary: a finished row takes a new prompt
//                         (continuous batching; 1 forward for that row's prompt)
//
// Real models (engine/src/model*) and the tests' scripted fake implement it. No torch here.
#pragma once
#include <cstdint>
#include <vector>

namespace remedi::engine {

// Per-row candidate sampling for one step.
struct StepSampling {
  std::vector<float> temperature;   // [B]; 0 = argmax
  std::vector<uint64_t> noise_seed; // [B]; seeds the row's sampling noise for this step (ignored at T=0)
  bool need_prob = true;            // false: StepOutput::prob may be left empty (skips a full-vocab
                                    // float32 softmax; remedi-logit and remedi-ups never read it)
  bool need_confidence = true;      // false: StepOutput::confidence may be left empty (skips the UPS
                                    // confidence head; only remedi-ups reads it)
};

// Everything a ranking policy needs, per position, flattened [B * block_size].
struct StepOutput {
  std::vector<int32_t> candidate;   // masked: argmax (or sample); unmasked: the current token
  std::vector<float> logit;         // logit of the candidate (float32 value of the model's dtype)
  std::vector<float> prob;          // softmax probability of the candidate (temperature 1)
  std::vector<float> confidence;    // UPS confidence head output; empty if the model has no UPS
};

class DenoiseModel {
 public:
  virtual ~DenoiseModel() = default;
  virtual int32_t mask_id() const = 0;
  virtual int32_t eos_id() const = 0;
  virtual bool has_confidence() const = 0;  // RemeDi UPS present
  virtual int max_rows() const { return 1 << 30; }

  // Starts a new batch: resets the cache and prefills every prompt (rows = prompts.size()).
  virtual void prefill(const std::vector<std::vector<int32_t>>& prompts) = 0;
  // tokens: [B * block_size], mask_id where masked. Fills out (resized by the callee).
  virtual void step(const std::vector<int32_t>& tokens, const StepSampling& sampling, StepOutput& out) = 0;
  // tokens: [B * block_size], the finished block of every row; appends to the cache.
  virtual void commit(const std::vector<int32_t>& tokens) = 0;
  // After a commit: row `row` drops what it had and starts over on `prompt`, as if it had been
  // prefilled alone; the other rows go on untouched. Returns false (and changes nothing) when the
  // model cannot take it now (no room left in its cache, prompt too long, not supported): the row
  // then idles until the batch ends. Default: not supported.
  virtual bool refill(int row, const std::vector<int32_t>& prompt) {
    (void)row, (void)prompt;
    return false;
  }
};

}  // namespace remedi::engine
