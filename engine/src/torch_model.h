// The LibTorch model behind DenoiseModel: prefill / step / commit over an exact KV cache
// (MODEL.md §4). CPU float32 for tests, CUDA bf16 for real work. Private to the engine.
#pragma once
#include <ATen/ATen.h>

#include <memory>

#include "device_info.h"
#include "kv_cache.h"
#include "remedi/engine/denoise_model.h"
#include "step_graph.h"
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
  // Prefills `prompt` into row `row`'s cache and starts its generated slots at the current block
  // boundary (the row's earlier slots are masked out from then on). Refused (false) when the prompt
  // is longer than the batch's prompt area or the cache lacks room for another full generation.
  bool refill(int row, const std::vector<int32_t>& prompt) override;

  // Cache slots per row reserved for generated tokens at the next prefill (the sampler's
  // max_new_tokens rounded up to whole blocks); the cache is sized once to Pmax + this.
  void reserve_new_tokens(int n) { reserve_new_ = n; }
  // Room for continuous batching, used from the next prefill on: a prompt area of at least
  // `prompt_tokens` slots per row (so queued prompts up to that length fit) and `new_tokens` more
  // generated slots (refills are accepted while a whole generation still fits). 0, 0 = none.
  void reserve_refill(int prompt_tokens, int new_tokens) {
    refill_prompt_ = prompt_tokens;
    refill_new_ = new_tokens;
  }
  int64_t refills() const { return refills_; }
  // Bytes of the KV cache a prefill of `rows` prompts of up to `prompt_tokens` would allocate with
  // the given reservations (see prefill), and of the cache allocated now (0 before any prefill).
  int64_t cache_bytes_for(int64_t rows, int64_t prompt_tokens, int new_tokens, int refill_prompt,
                          int refill_new) const;
  int64_t cache_bytes() const;
  // Greedy steps replay a captured graph (StepGraph); off = the plain eager path. Both compute the
  // same kernels in the same order: results are identical. On CUDA with the engine's kernels the
  // block's slots and positions are read from device memory, so one graph, captured at the batch's
  // second step, serves every later step and commit of the batch; elsewhere a graph is captured
  // per block (at its second step).
  void set_step_graphs(bool on) { graphs_on_ = on; graph_.reset(); }
  bool step_graphs() const { return graphs_on_; }
  int64_t graph_captures() const { return captures_; }
  // Benchmarks: the current step graph replayed `reps` times back to back; ms per replay on the
  // device's clock, or -1 without a CUDA step graph. The replays redo the last step in place (same
  // inputs, same cache slots): call it only after a generation is finished.
  double replay_step_graph_ms(int reps);
  // Benchmarks: when set, step() and commit() record their span on `timer` — from before the token
  // upload to the outputs' arrival in host memory (a commit: to its last kernel) — for the caller to
  // read with timer->elapsed_ms(). Null (the default) records nothing.
  void set_step_timer(StreamTimer* timer) { timer_ = timer; }

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

 private:
  at::Tensor to_device_tokens(const std::vector<int32_t>& tokens) const;  // (B, T) int64
  // (B, T) int64 on the host (pinned when the model is on a GPU), and a tensor moved to the model's
  // device (asynchronously from pinned memory; as is when already there).
  at::Tensor host_tokens(const std::vector<int32_t>& tokens) const;
  at::Tensor on_device(const at::Tensor& x) const;
  AttnContext block_context(int64_t T);   // for the current block (T tokens) of every row
  // Whether blocks of T tokens take their slots and positions from device memory (pos_): CUDA,
  // bf16, the engine's kernels on, shapes the kernels take.
  bool device_positions(int64_t T) const;
  void set_pos(int64_t T);  // pos_ = {cache_len_, cache_len_ + T} (a copy only when it changes)
  void check_prompt(const std::vector<int32_t>& p) const;
  void prefill_row(int64_t r, const std::vector<int32_t>& prompt);  // row r's cache slots [0, P)
  void rows_changed();  // device copies of the row layout, and whether the batch is ragged
  static int64_t cache_slots(int64_t pmax, int new_tokens, int refill_new);  // slots per row
  // logits, confidence (undefined without UPS, or when need_conf is false: the head is skipped)
  std::pair<at::Tensor, at::Tensor> heads(const StreamsOut& s, bool need_conf = true);
  // Candidate selection on the device: {cand (B,T) int64, logit (B,T) f32, conf (B,T) f32 or
  // undefined, prob (B,T) f32 (only when need_prob), packed (on the GPU: the four in one float32
  // buffer, fetched with one copy; else undefined)}. `cand` holds the (sampled) candidates; undefined:
  // greedy argmax candidates (greedy_select, one kernel on the GPU).
  std::vector<at::Tensor> select(const at::Tensor& x, const at::Tensor& logits, const at::Tensor& cand,
                                 const at::Tensor& conf, bool need_prob) const;
  std::vector<at::Tensor> eager_step(const at::Tensor& x, const StepSampling& sampling);
  // x on the host or the device: a replay copies it straight into the graph's input; the eager
  // first step and the capture (graph_step_slow) take it on the device.
  std::vector<at::Tensor> graph_step(const at::Tensor& x, bool need_prob, bool need_conf);
  std::vector<at::Tensor> graph_step_slow(const at::Tensor& x, bool need_prob, bool need_conf);

  ModelConfig cfg_;
  ModelWeights w_;
  at::Device dev_;
  at::ScalarType dtype_;
  std::shared_ptr<const void> keep_alive_;
  Rope rope_;
  KvCache cache_;
  int reserve_new_ = 1024;
  int refill_prompt_ = 0, refill_new_ = 0;
  int64_t refills_ = 0;
  // Batch state, set by prefill (and refill). Row r holds its prompt in slots [0, P_r) and its
  // generated blocks from slot start_r on; every row writes the current block at cache_len_.
  int64_t rows_ = 0, pmax_ = 0, cache_len_ = 0;
  std::vector<int64_t> prompt_len_host_, start_host_;  // (B) P_r and start_r
  at::Tensor prompt_len_, start_;  // the same, (B) int64 on the device
  bool ragged_ = false;            // some row's slots are not [0, pmax) + [pmax, ...): per-row ranges
  at::Tensor pos_;                 // (2) int64 on the device: the block's first slot, the attended length
  int64_t pos_host_[2] = {-1, -1};
  // Step graph state: captured at the second greedy step of a block (or of the batch, with device
  // positions: cache_len is then -1 in the key), replayed until the commit (the batch's end).
  struct GraphKey {
    int64_t cache_len = -2, rows = 0, T = 0;
    bool need_prob = false, need_conf = false;
    bool operator==(const GraphKey&) const = default;
  };
  bool graphs_on_ = true;
  std::unique_ptr<StepGraph> graph_;
  GraphKey graph_key_, warm_key_;  // key of the captured graph; key of the last eager step
  GraphKey step_key(int64_t T, bool need_prob, bool need_conf) const {  // the graph a step of T tokens replays
    return {device_positions(T) ? -1 : cache_len_, rows_, T, need_prob, need_conf};
  }
  at::Tensor graph_x_;             // (B, T) int64 static input of the graph
  StreamTimer* timer_ = nullptr;
  at::Tensor host_out_;            // pinned float32 host buffer a CUDA step's packed outputs are copied to
  AttnContext graph_ctx_;          // kept alive: the graph reads its tables and mask
  int64_t captures_ = 0;
};

}  // namespace remedi::engine
