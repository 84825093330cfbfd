#include "torch_model.h"

#include <ATen/CPUGeneratorImpl.h>

#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "device_info.h"
#include "fused_ops.h"
#include "remedi/common/error.h"

namespace remedi::engine {

TorchModel::TorchModel(ModelConfig cfg, ModelWeights w, at::Device dev, at::ScalarType dtype,
                       std::shared_ptr<const void> keep_alive)
    : cfg_(std::move(cfg)), w_(std::move(w)), dev_(dev), dtype_(dtype), keep_alive_(std::move(keep_alive)),
      rope_(cfg_, dev) {
  if (!w_.ups.empty()) {
    if (w_.ups.size() != cfg_.ups_taps.size())
      throw Error("UPS has " + std::to_string(w_.ups.size()) + " blocks but " + std::to_string(cfg_.ups_taps.size()) +
                  " tap layers", cfg_.name, "pass one tap per UPS block");
    for (size_t j = 0; j < cfg_.ups_taps.size(); ++j) {
      int t = cfg_.ups_taps[j];
      if (t < 0 || t >= cfg_.n_layers || (j > 0 && t <= cfg_.ups_taps[j - 1]))
        throw Error("UPS tap layers must be increasing and below n_layers=" + std::to_string(cfg_.n_layers), cfg_.name);
    }
  }
}

at::Tensor TorchModel::host_tokens(const std::vector<int32_t>& tokens) const {
  if (rows_ == 0 || tokens.size() % rows_ != 0)
    throw Error("step/commit got " + std::to_string(tokens.size()) + " tokens for " + std::to_string(rows_) + " rows",
                "engine", "call prefill first; pass rows x block tokens");
  const int64_t T = int64_t(tokens.size()) / rows_;
  if (dev_.is_cuda()) {
    // Pinned staging: copies from it are asynchronous, so the host goes on to launch the step at
    // once instead of waiting for a pageable copy (the caching host allocator keeps the buffer until
    // the copy is done). H200, batch 1: the step's span (upload to outputs on the host) was ~0.05 ms
    // longer than its graph replay, most of it this wait.
    auto h = at::empty({rows_, T}, at::TensorOptions().dtype(at::kLong).pinned_memory(true));
    int64_t* p = h.data_ptr<int64_t>();
    for (size_t i = 0; i < tokens.size(); ++i) p[i] = tokens[i];
    return h;
  }
  return at::from_blob(const_cast<int32_t*>(tokens.data()), {rows_, T}, at::kInt).to(at::kLong);
}

at::Tensor TorchModel::to_device_tokens(const std::vector<int32_t>& tokens) const {
  return on_device(host_tokens(tokens));
}

at::Tensor TorchModel::on_device(const at::Tensor& x) const {
  return x.device() == dev_ ? x : x.to(dev_, /*non_blocking=*/true);
}

void TorchModel::check_prompt(const std::vector<int32_t>& p) const {
  if (p.empty()) throw Error("empty prompt", "engine", "a prompt needs at least one token (the chat template adds BOS)");
  for (int32_t id : p)
    if (id < 0 || id >= cfg_.embedding_size)
      throw Error("token id " + std::to_string(id) + " outside the vocabulary (0.." +
                  std::to_string(cfg_.embedding_size - 1) + ")", "prompt");
}

void TorchModel::prefill(const std::vector<std::vector<int32_t>>& prompts) {
  c10::InferenceMode inference;
  if (prompts.empty()) throw Error("prefill needs at least one prompt", "engine");
  graph_.reset();
  warm_key_ = GraphKey{};
  rows_ = static_cast<int64_t>(prompts.size());
  pmax_ = refill_prompt_;
  std::vector<int64_t> lens;
  for (auto& p : prompts) {
    check_prompt(p);
    lens.push_back(static_cast<int64_t>(p.size()));
    pmax_ = std::max<int64_t>(pmax_, p.size());
  }
  if (pmax_ + reserve_new_ > cfg_.max_seq_len)  // the last position must stay inside the RoPE range
    throw Error("prompt (" + std::to_string(pmax_) + " tokens) + max_new_tokens (" + std::to_string(reserve_new_) +
                ") exceeds max_sequence_length " + std::to_string(cfg_.max_seq_len), cfg_.name,
                "shorten the prompt or lower --max-new-tokens");
  // On CUDA a ragged batch attends through per-row slot ranges (the engine's attention kernel, or a
  // key-padding mask); the generated slots then start at a multiple of 16, the alignment the fused
  // masked kernels want. (Bitwise batch invariance is not on offer from cuBLAS anyway; on the CPU
  // the exact per-row path keeps batched rows bit-identical to single runs.)
  const bool ragged = std::any_of(lens.begin(), lens.end(), [&](int64_t l) { return l != pmax_; });
  if (ragged && dev_.is_cuda()) pmax_ = (pmax_ + 15) / 16 * 16;
  const int64_t slots = cache_slots(pmax_, reserve_new_, refill_new_);
  cache_.ensure(cfg_.n_layers + static_cast<int>(w_.ups.size()), rows_, cfg_.n_heads, slots, cfg_.head_dim,
                at::TensorOptions().device(dev_).dtype(dtype_));

  prompt_len_host_ = lens;
  start_host_.assign(rows_, pmax_);
  rows_changed();
  // One prefill forward per row, each into its own rows of the cache: a row's prompt states are
  // then computed exactly as when it runs alone (one batched forward would change the matmul
  // shapes, and with them the floating-point summation order of small prompts). Prefill is
  // compute-bound for long prompts, so this costs little next to the denoising steps.
  for (int64_t r = 0; r < rows_; ++r) prefill_row(r, prompts[r]);
  cache_len_ = pmax_;
}

int64_t TorchModel::cache_slots(int64_t pmax, int new_tokens, int refill_new) {
  const int64_t gen_room = ((new_tokens + 31) / 32) * 32 + ((refill_new + 31) / 32) * 32;
  return pmax + gen_room + 64;  // + slack for a block size other than 32
}

int64_t TorchModel::cache_bytes_for(int64_t rows, int64_t prompt_tokens, int new_tokens, int refill_prompt,
                                    int refill_new) const {
  const int64_t pmax = (std::max<int64_t>(prompt_tokens, refill_prompt) + 15) / 16 * 16;  // ragged rounding, at most
  const int64_t layers = cfg_.n_layers + static_cast<int64_t>(w_.ups.size());
  return layers * 2 * rows * cfg_.n_heads * cache_slots(pmax, new_tokens, refill_new) * cfg_.head_dim *
         static_cast<int64_t>(c10::elementSize(dtype_));
}

int64_t TorchModel::cache_bytes() const {
  int64_t b = 0;
  for (const auto& t : cache_.k) b += t.nbytes();
  for (const auto& t : cache_.v) b += t.nbytes();
  return b;
}

void TorchModel::prefill_row(int64_t r, const std::vector<int32_t>& prompt) {
  const int64_t P = static_cast<int64_t>(prompt.size());
  KvCache row;  // views of row r of every layer
  for (size_t l = 0; l < cache_.k.size(); ++l) {
    row.k.push_back(cache_.k[l].narrow(0, r, 1));
    row.v.push_back(cache_.v[l].narrow(0, r, 1));
  }
  row.rows = 1;
  row.slots = cache_.slots;
  auto tokens = at::tensor(std::vector<int64_t>(prompt.begin(), prompt.end()), at::kLong).view({1, P});
  AttnContext ctx;
  std::tie(ctx.cos, ctx.sin) = rope_.tables(at::arange(P, at::kLong).view({1, P}).to(dev_));
  ctx.write_slot = 0;
  ctx.kv_len = P;
  run_streams(w_, cfg_, tokens.to(dev_), row, ctx);  // fills the row's cache; no head needed
}

void TorchModel::rows_changed() {
  // In place when the batch keeps its rows: a captured graph reads these tensors' memory.
  auto put = [this](at::Tensor& dst, const std::vector<int64_t>& v) {
    auto src = at::tensor(v, at::kLong);
    if (dst.defined() && dst.numel() == src.numel())  // (dev_ may lack the index: never compare devices)
      dst.copy_(src);
    else
      dst = src.to(dev_);
  };
  put(prompt_len_, prompt_len_host_);
  put(start_, start_host_);
  ragged_ = false;
  for (int64_t r = 0; r < rows_; ++r) ragged_ = ragged_ || prompt_len_host_[r] != pmax_ || start_host_[r] != pmax_;
}

bool TorchModel::refill(int row, const std::vector<int32_t>& prompt) {
  c10::InferenceMode inference;
  if (row < 0 || row >= rows_)
    throw Error("refill of row " + std::to_string(row) + " in a batch of " + std::to_string(rows_) + " rows", "engine");
  check_prompt(prompt);
  const int64_t need = ((reserve_new_ + 31) / 32) * 32;  // a whole generation from this block on
  if (static_cast<int64_t>(prompt.size()) > pmax_ || cache_len_ + need + 64 > cache_.slots) return false;
  prefill_row(row, prompt);
  prompt_len_host_[row] = static_cast<int64_t>(prompt.size());
  start_host_[row] = cache_len_;
  rows_changed();
  ++refills_;
  return true;
}

bool TorchModel::device_positions(int64_t T) const {
  return dev_.is_cuda() && fused_kernels() && dtype_ == at::kBFloat16 && cfg_.head_dim == 128 && T >= 1 && T <= 64;
}

void TorchModel::set_pos(int64_t T) {
  if (!pos_.defined()) pos_ = at::empty({2}, at::TensorOptions().device(dev_).dtype(at::kLong));
  if (pos_host_[0] == cache_len_ && pos_host_[1] == cache_len_ + T) return;
  pos_.copy_(at::tensor(std::vector<int64_t>{cache_len_, cache_len_ + T}, at::kLong));
  pos_host_[0] = cache_len_;
  pos_host_[1] = cache_len_ + T;
}

AttnContext TorchModel::block_context(int64_t T) {
  if (cache_len_ + T > cache_.slots)
    throw Error("generation ran past the reserved KV cache (" + std::to_string(cache_.slots) + " slots)", "engine",
                "reserve_new_tokens must cover max_new_tokens");
  AttnContext ctx;
  // Row r's block covers positions P_r + (cache_len - start_r) + [0, T).
  auto offs = at::arange(T, at::TensorOptions().device(dev_).dtype(at::kLong)).unsqueeze(0);
  if (device_positions(T)) {
    // Everything that moves from block to block is read from pos_ on the device, so a graph captured
    // once replays correctly at every block; the attention plans for the whole cache (kv_len = its
    // capacity, the same for every block of the batch, eager or replayed). Per-row ranges always:
    // for a row with start = P = pmax they cover [0, kv_len) exactly as the plain path does.
    set_pos(T);
    auto positions = (prompt_len_ - start_).unsqueeze(1) + pos_.narrow(0, 0, 1) + offs;  // (B, T)
    std::tie(ctx.cos, ctx.sin) = rope_.tables(positions);
    ctx.write_slot = cache_len_;
    ctx.write_slot_dev = pos_.narrow(0, 0, 1);
    ctx.kv_len = cache_.slots;
    ctx.kv_len_dev = pos_.narrow(0, 1, 1);
    ctx.dev_keys_last = true;  // set_pos: pos_ = {cache_len, cache_len + T}
    ctx.lo_len = prompt_len_;
    ctx.hi_start = start_;
    return ctx;
  }
  auto positions = (prompt_len_ - start_ + cache_len_).unsqueeze(1) + offs;  // (B, T)
  std::tie(ctx.cos, ctx.sin) = rope_.tables(positions);
  ctx.write_slot = cache_len_;
  ctx.kv_len = cache_len_ + T;
  if (ragged_ && dev_.is_cuda()) {
    auto s = at::arange(ctx.kv_len, at::TensorOptions().device(dev_)).unsqueeze(0);  // (1, S)
    ctx.mask = ((s < prompt_len_.unsqueeze(1)) | (s >= start_.unsqueeze(1))).view({rows_, 1, 1, ctx.kv_len});
    ctx.lo_len = prompt_len_;
    ctx.hi_start = start_;
  } else if (ragged_) {
    ctx.row_len = prompt_len_host_;
    ctx.row_start = start_host_;
  }
  return ctx;
}

std::pair<at::Tensor, at::Tensor> TorchModel::heads(const StreamsOut& s, bool need_conf) {
  at::Tensor hf = s.x.delta.defined() ? add_rms_norm(s.x.x, s.x.delta, w_.ln_f, cfg_.rms_eps).second
                                      : rms_norm(s.x.x, w_.ln_f, cfg_.rms_eps);
  auto logits = engine::linear(hf, w_.lm_head);  // (B, T, V)
  at::Tensor conf;
  if (s.u.defined() && need_conf)
    conf = engine::linear(rms_norm(s.u, w_.ln_f_ups, cfg_.rms_eps), w_.conf_w, w_.conf_b).squeeze(-1);  // (B, T)
  return {logits, conf};
}

std::pair<at::Tensor, at::Tensor> TorchModel::step_logits(const std::vector<int32_t>& tokens) {
  c10::InferenceMode inference;
  auto x = to_device_tokens(tokens);
  auto ctx = block_context(x.size(1));
  return heads(run_streams(w_, cfg_, x, cache_, ctx));  // writes scratch K/V past cache_len_: not committed
}

std::vector<at::Tensor> TorchModel::select(const at::Tensor& x, const at::Tensor& logits, const at::Tensor& cand_in,
                                           const at::Tensor& conf, bool need_prob) const {
  // On the GPU every output also goes into one float32 buffer [cand | logit | conf? | prob?] (token ids
  // < 2^24 are exact in float32), so that the host fetches a step with a single copy; the greedy
  // kernel writes its head itself.
  const int64_t n = x.numel();
  at::Tensor packed;
  if (logits.is_cuda() && logits.size(-1) <= (int64_t(1) << 24))
    packed = at::empty({n * (2 + (conf.defined() ? 1 : 0) + (need_prob ? 1 : 0))},
                       logits.options().dtype(at::kFloat));
  at::Tensor cand, logit;
  if (cand_in.defined()) {
    cand = at::where(x.eq(cfg_.mask_id), cand_in, x);  // unmasked positions keep their token
    // float32 value of the candidate's logit, gathered before any upcast of the (B, T, V) tensor.
    logit = logits.gather(-1, cand.unsqueeze(-1)).squeeze(-1).to(at::kFloat);
  } else {
    std::tie(cand, logit) = greedy_select(logits, x, cfg_.mask_id, packed);  // the same, fused on the GPU
  }
  at::Tensor prob;
  if (need_prob) prob = at::exp(logit - at::logsumexp(logits.to(at::kFloat), -1));  // softmax prob, f32
  at::Tensor cf = conf.defined() ? conf.to(at::kFloat) : conf;
  if (packed.defined()) {  // greedy_select wrote [cand | logit] already; sampled candidates start at 0
    const bool sampled = cand_in.defined();
    int64_t at_n = sampled ? 0 : 2 * n;
    for (const at::Tensor* t : {&cand, &logit, &cf, &prob}) {
      if (!t->defined() || (!sampled && (t == &cand || t == &logit))) continue;
      packed.narrow(0, at_n, n).copy_(t->reshape(-1));
      at_n += n;
    }
  }
  return {cand, logit, cf, prob, packed};
}

std::vector<at::Tensor> TorchModel::eager_step(const at::Tensor& x, const StepSampling& sampling) {
  const int64_t B = x.size(0), T = x.size(1);
  auto ctx = block_context(T);
  auto [logits, conf] = heads(run_streams(w_, cfg_, x, cache_, ctx), sampling.need_confidence);  // (B,T,V), (B,T)
  const bool greedy = std::all_of(sampling.temperature.begin(), sampling.temperature.end(),
                                  [](float t) { return t <= 0.f; });
  if (greedy) return select(x, logits, at::Tensor(), conf, sampling.need_prob);  // argmax candidates
  auto cand = logits.argmax(-1);  // first maximum on ties (MODEL.md §5)
  for (int64_t r = 0; r < B; ++r) {
    float temp = r < int64_t(sampling.temperature.size()) ? sampling.temperature[r] : 0.f;
    if (temp <= 0.f) continue;
    // Gumbel-max sampling at temperature `temp`; the row's noise comes from its own seed only, so a
    // row's draw never depends on the rest of the batch.
    auto gen = at::detail::createCPUGenerator(sampling.noise_seed[r]);
    auto u = at::empty({T, logits.size(2)}, at::kFloat).uniform_(1e-10, 1.0, gen).to(dev_);
    auto g = -at::log(-at::log(u));
    cand.select(0, r).copy_((logits[r].to(at::kFloat) / temp + g).argmax(-1));
  }
  return select(x, logits, cand, conf, sampling.need_prob);
}

std::vector<at::Tensor> TorchModel::graph_step(const at::Tensor& x, bool need_prob, bool need_conf) {
  const GraphKey key = step_key(x.size(1), need_prob, need_conf);
  const bool dev_pos = key.cache_len == -1;
  if (graph_ && graph_key_ == key) {
    if (dev_pos) set_pos(x.size(1));
    graph_x_.copy_(x, /*non_blocking=*/true);  // from pinned host memory: straight into the graph's input
    graph_->replay();
    return graph_->outputs();
  }
  return graph_step_slow(on_device(x), need_prob, need_conf);
}

std::vector<at::Tensor> TorchModel::graph_step_slow(const at::Tensor& x, bool need_prob, bool need_conf) {
  const GraphKey key = step_key(x.size(1), need_prob, need_conf);
  const bool dev_pos = key.cache_len == -1;
  if (!(warm_key_ == key)) {  // first step of the block (batch): eager, also warms up kernels and workspaces
    warm_key_ = key;
    StepSampling greedy;
    greedy.need_prob = need_prob;
    greedy.need_confidence = need_conf;
    return eager_step(x, greedy);
  }
  // The new graph shares the previous block's memory pool (captured before the old one is dropped,
  // so the pool stays alive): no device memory is freed and reallocated between blocks.
  graph_x_ = x.clone();
  const int64_t T = x.size(1);
  if (dev_pos)
    set_pos(T);  // before the capture: inside it the context only reads pos_
  else
    graph_ctx_ = block_context(T);
  auto fresh = StepGraph::capture(
      dev_,
      [this, need_prob, need_conf, dev_pos, T] {
        // With device positions the graph computes the positions and rotary tables itself.
        if (dev_pos) graph_ctx_ = block_context(T);
        auto [logits, conf] = heads(run_streams(w_, cfg_, graph_x_, cache_, graph_ctx_), need_conf);
        return select(graph_x_, logits, at::Tensor(), conf, need_prob);  // greedy: argmax candidates
      },
      graph_.get());
  graph_ = std::move(fresh);
  graph_key_ = key;
  ++captures_;
  return graph_->outputs();
}

double TorchModel::replay_step_graph_ms(int reps) {
  if (!graph_ || !graph_->is_cuda_graph() || reps < 1) return -1;
  c10::InferenceMode inference;
  graph_->replay();  // warm
  StreamTimer t(dev_.str());
  t.begin();
  for (int i = 0; i < reps; ++i) graph_->replay();
  t.end();
  return t.elapsed_ms() / reps;
}

void TorchModel::step(const std::vector<int32_t>& tokens, const StepSampling& sampling, StepOutput& out) {
  c10::InferenceMode inference;
  if (timer_ != nullptr) timer_->begin();
  auto x = host_tokens(tokens);  // (B, T); a replayed graph copies it straight into its input
  bool greedy = std::all_of(sampling.temperature.begin(), sampling.temperature.end(), [](float t) { return t <= 0.f; });
  auto res = graphs_on_ && greedy ? graph_step(x, sampling.need_prob, sampling.need_confidence)
                                  : eager_step(on_device(x), sampling);
  const int64_t n = x.numel();
  if (res.size() > 4 && res[4].defined()) {  // one copy into pinned host memory, then unpacked
    const at::Tensor& packed = res[4];
    if (!host_out_.defined() || host_out_.numel() < packed.numel())
      host_out_ = at::empty({packed.numel()}, at::TensorOptions().dtype(at::kFloat).pinned_memory(true));
    auto h = host_out_.narrow(0, 0, packed.numel());
    h.copy_(packed, /*non_blocking=*/true);
    if (timer_ != nullptr) timer_->end();
    device_synchronize(dev_.str());  // the step's outputs are on the host
    const float* p = h.data_ptr<float>();
    out.candidate.resize(n);
    for (int64_t i = 0; i < n; ++i) out.candidate[i] = static_cast<int32_t>(p[i]);
    out.logit.assign(p + n, p + 2 * n);
    int64_t off = 2 * n;  // conf, then prob, where present
    if (res[2].defined()) {
      out.confidence.assign(p + off, p + off + n);
      off += n;
    } else {
      out.confidence.clear();
    }
    if (res[3].defined())
      out.prob.assign(p + off, p + off + n);
    else
      out.prob.clear();
    return;
  }
  auto copy = [n](const at::Tensor& t, auto* tag) {
    using E = std::remove_pointer_t<decltype(tag)>;
    auto h = t.cpu().contiguous();
    return std::vector<E>(h.template data_ptr<E>(), h.template data_ptr<E>() + n);
  };
  out.candidate = copy(res[0].to(at::kInt), static_cast<int32_t*>(nullptr));
  out.logit = copy(res[1], static_cast<float*>(nullptr));
  if (res[2].defined())
    out.confidence = copy(res[2], static_cast<float*>(nullptr));
  else
    out.confidence.clear();
  if (res[3].defined())
    out.prob = copy(res[3], static_cast<float*>(nullptr));
  else
    out.prob.clear();
  if (timer_ != nullptr) timer_->end();
}

void TorchModel::commit(const std::vector<int32_t>& tokens) {
  c10::InferenceMode inference;
  if (timer_ != nullptr) timer_->begin();
  auto x = host_tokens(tokens);
  const bool dev_pos = device_positions(x.size(1));
  // Any need_prob / need_conf: the head outputs are unused.
  if (graph_ && graph_key_ == step_key(x.size(1), graph_key_.need_prob, graph_key_.need_conf)) {
    if (dev_pos) set_pos(x.size(1));
    graph_x_.copy_(x, /*non_blocking=*/true);  // the block's graph writes the same slots; its head outputs are ignored
    graph_->replay();
  } else {
    auto ctx = block_context(x.size(1));
    run_streams(w_, cfg_, on_device(x), cache_, ctx);  // writes the final block's K/V at cache_len_
  }
  if (timer_ != nullptr) timer_->end();
  cache_len_ += x.size(1);
  // A per-block graph is stale now (the next block has other slots and positions; kept for its
  // pool); a device-position graph serves the next block too.
  if (!dev_pos) graph_key_ = GraphKey{};
}

std::pair<at::Tensor, at::Tensor> TorchModel::full_forward(const at::Tensor& tokens, const at::Tensor& positions,
                                                           const at::Tensor& mask) {
  c10::InferenceMode inference;
  KvCache scratch;
  const int64_t B = tokens.size(0), N = tokens.size(1);
  scratch.ensure(cfg_.n_layers + static_cast<int>(w_.ups.size()), B, cfg_.n_heads, N, cfg_.head_dim,
                 at::TensorOptions().device(dev_).dtype(dtype_));
  AttnContext ctx;
  std::tie(ctx.cos, ctx.sin) = rope_.tables(positions.to(dev_));
  ctx.write_slot = 0;
  ctx.kv_len = N;
  ctx.mask = mask.to(dev_);
  return heads(run_streams(w_, cfg_, tokens.to(dev_), scratch, ctx));
}

}  // namespace remedi::engine
