#include "transformer.h"

#include <cstdlib>
#include <string>

#include "fused_ops.h"
#include "remedi/common/error.h"

namespace remedi::engine {

Rope::Rope(const ModelConfig& c, at::Device dev) {
  const int64_t D = c.head_dim;
  // inv_freq_i = 1 / theta^(2i / D), i < D/2, in float32 (rope_full_precision = true)
  auto i = at::arange(0, D, 2, at::TensorOptions().dtype(at::kDouble)) / double(D);
  inv_freq = at::pow(at::scalar_tensor(c.rope_theta, at::kDouble), i).reciprocal().to(at::kFloat).to(dev);
}

std::pair<at::Tensor, at::Tensor> Rope::tables(const at::Tensor& positions) const {
  auto ang = positions.to(at::kFloat).unsqueeze(-1) * inv_freq;  // (B, T, D/2)
  auto emb = at::cat({ang, ang}, -1);                             // (B, T, D): angle table duplicated
  emb = emb.view({emb.size(0), emb.size(1), 1, 1, emb.size(2)});  // (B, T, 1, 1, D): broadcast over q/k, heads
  return {emb.cos(), emb.sin()};
}

namespace {
// Attention of q (B, T, H, D) over the cache (B, H, S_cap, D): no causal mask, scale 1/sqrt(D).
// Returns (B, T, H, D). On CUDA the engine's kernel serves every block it supports (ragged ones by
// per-row valid slots, no mask tensor); flash attention what it declines, ATen's SDPA the rest (the
// CPU, explicit masks, the exact per-row path of ragged CPU batches).
at::Tensor attend(const at::Tensor& q, const at::Tensor& K, const at::Tensor& V, const AttnContext& ctx) {
  const int64_t B = q.size(0);
  if (ctx.lo_len.defined() || (!ctx.mask && ctx.row_len.empty())) {
    auto out = block_attention(q, K, V, ctx.kv_len, ctx.lo_len, ctx.hi_start, ctx.kv_len_dev);
    if (out.defined()) return out;
  }
  auto qh = q.transpose(1, 2);  // (B, H, T, D)
  if (q.is_cuda() && fused_kernels() && !ctx.mask && ctx.row_len.empty() && q.scalar_type() == at::kBFloat16) {
    // The flash kernel beats SDPA's default (cuDNN) choice for a few rows by ~15% on an H200 (17.6
    // vs 21.2 us per layer at batch 1); it declines some inputs, then SDPA decides.
    try {
      return std::get<0>(at::_scaled_dot_product_flash_attention(qh, K.narrow(2, 0, ctx.kv_len),
                                                                 V.narrow(2, 0, ctx.kv_len)))
          .transpose(1, 2);
    } catch (const c10::Error&) {
    }
  }
  if (ctx.row_len.empty())
    return at::scaled_dot_product_attention(qh, K.narrow(2, 0, ctx.kv_len), V.narrow(2, 0, ctx.kv_len), ctx.mask)
        .transpose(1, 2);
  std::vector<at::Tensor> rows;
  rows.reserve(B);
  for (int64_t r = 0; r < B; ++r) {  // a block: the row's prompt slots, then its generated slots
    const int64_t P = ctx.row_len[r], start = ctx.row_start[r];
    auto Kr = K.narrow(0, r, 1), Vr = V.narrow(0, r, 1);
    auto Ks = at::cat({Kr.narrow(2, 0, P), Kr.narrow(2, start, ctx.kv_len - start)}, 2);
    auto Vs = at::cat({Vr.narrow(2, 0, P), Vr.narrow(2, start, ctx.kv_len - start)}, 2);
    rows.push_back(at::scaled_dot_product_attention(qh.narrow(0, r, 1), Ks, Vs));
  }
  return at::cat(rows, 0).transpose(1, 2);
}

}  // namespace

Residual block_forward(const BlockWeights& w, const Residual& in, KvCache& cache, int layer, const AttnContext& ctx,
                       const ModelConfig& c, at::Tensor* in_value) {
  const int64_t B = in.x.size(0), T = in.x.size(1), H = c.n_heads, D = c.head_dim, d = c.d_model;
  at::Tensor x, h;
  if (in.delta.defined())
    std::tie(x, h) = add_rms_norm(in.x, in.delta, w.attn_norm, c.rms_eps);
  else
    x = in.x, h = rms_norm(x, w.attn_norm, c.rms_eps);
  if (in_value != nullptr) *in_value = x;
  auto qkv = engine::linear(h, w.wqkv).view({B, T, 3, H, D});  // (B, T, 3, H, D)
  // q and k rotated in one pass; K is rotated before it is stored (MODEL.md §1).
  auto K = cache.key(layer), V = cache.value(layer);       // (B, H, S_cap, D)
  at::Tensor att;                                          // (B, T, H, D)
  // The new keys as the last slots attended (every block and prefill here): one kernel rotates,
  // stores and attends where it applies (the same bits as the two steps below).
  const bool keys_last = ctx.kv_len_dev.defined() ? ctx.dev_keys_last && ctx.write_slot_dev.defined()
                                                  : !ctx.write_slot_dev.defined() && ctx.write_slot + T == ctx.kv_len;
  static const bool fold = [] {  // REMEDI_ROPE_ATTENTION=0: the two steps always (A/B timing)
    const char* e = std::getenv("REMEDI_ROPE_ATTENTION");
    return e == nullptr || std::string(e) != "0";
  }();
  if (fold && keys_last && (ctx.lo_len.defined() || (!ctx.mask && ctx.row_len.empty())))
    att = rope_block_attention(qkv, ctx.cos, ctx.sin, K, V, ctx.kv_len, ctx.lo_len, ctx.hi_start, ctx.kv_len_dev);
  if (!att.defined()) {
    auto q = rope_qk_store(qkv, ctx.cos, ctx.sin, K, V, ctx.write_slot, ctx.write_slot_dev);  // (B, T, H, D)
    att = attend(q, K, V, ctx);
  }
  auto o = engine::linear(att.reshape({B, T, d}), w.wo, {}, /*stream_weights=*/false);  // after attention: cuBLASLt
  auto [x1, h2] = add_rms_norm(x, o, w.ff_norm, c.rms_eps);
  auto gu = engine::linear(h2, w.w_gate_up);  // (B, T, 2 mlp) = [gate | up]
  return {x1, engine::linear(silu_mul(gu), w.w_down)};
}

StreamsOut run_streams(const ModelWeights& w, const ModelConfig& c, const at::Tensor& tokens, KvCache& cache,
                       const AttnContext& ctx) {
  StreamsOut out;
  Residual x{at::embedding(w.wte, tokens), {}};  // (B, T, d)
  at::Tensor u;
  size_t j = 0;
  for (int t = 0; t < c.n_layers; ++t) {
    x = block_forward(w.blocks[t], x, cache, t, ctx, c);
    if (j < w.ups.size() && c.ups_taps[j] == t) {
      // u = ups_block_j(x if j == 0 else x + u); x += feedback_j(RMS_fb_j(u))   (MODEL.md §2)
      // The pending adds run inside the norms that read them (add_rms_norm returns the sum too).
      const int layer = c.n_layers + static_cast<int>(j);
      at::Tensor xv, hfb;
      Residual ur;
      if (j == 0) {
        ur = block_forward(w.ups[j], x, cache, layer, ctx, c, &xv);
      } else {
        xv = x.value();
        ur = block_forward(w.ups[j], Residual{xv, u}, cache, layer, ctx, c);
      }
      std::tie(u, hfb) = add_rms_norm(ur.x, ur.delta, w.fb_norm[j], c.rms_eps);
      x = Residual{xv, engine::linear(hfb, w.fb_w[j], w.fb_b[j])};
      ++j;
    }
  }
  out.x = x;
  out.u = u;
  return out;
}

}  // namespace remedi::engine
