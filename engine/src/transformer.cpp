#include "transformer.h"

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
  auto emb = at::cat({ang, ang}, -1).unsqueeze(1);                // (B, 1, T, D): angle table duplicated
  return {emb.cos(), emb.sin()};
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps) {
  auto xf = x.to(at::kFloat);
  auto y = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
  return w * y.to(x.scalar_type());  // cast back to the input dtype, then scale (LLaDA's order)
}

namespace {
// q' = q cos + rotate_half(q) sin, rotate_half(x) = [-x2, x1]; float32 inside, cast back.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  auto xf = x.to(at::kFloat);
  auto halves = xf.chunk(2, -1);
  auto rot = at::cat({-halves[1], halves[0]}, -1);
  return (xf * cos + rot * sin).to(x.scalar_type());
}
}  // namespace

at::Tensor block_forward(const BlockWeights& w, const at::Tensor& x, KvCache& cache, int layer,
                         const AttnContext& ctx, const ModelConfig& c) {
  const int64_t B = x.size(0), T = x.size(1), H = c.n_heads, D = c.head_dim, d = c.d_model;
  auto h = rms_norm(x, w.attn_norm, c.rms_eps);
  auto qkv = at::linear(h, w.wqkv).view({B, T, 3, H, D});  // (B, T, 3, H, D)
  auto q = qkv.select(2, 0).transpose(1, 2);                // (B, H, T, D)
  auto k = qkv.select(2, 1).transpose(1, 2);
  auto v = qkv.select(2, 2).transpose(1, 2);
  q = apply_rope(q, ctx.cos, ctx.sin);
  k = apply_rope(k, ctx.cos, ctx.sin);  // K is rotated before it is stored (MODEL.md §1)
  auto K = cache.key(layer), V = cache.value(layer);       // (B, H, S_cap, D)
  K.narrow(2, ctx.write_slot, T).copy_(k);
  V.narrow(2, ctx.write_slot, T).copy_(v);
  auto att = at::scaled_dot_product_attention(q, K.narrow(2, 0, ctx.kv_len), V.narrow(2, 0, ctx.kv_len),
                                              ctx.mask);    // no causal mask; scale 1/sqrt(D)
  auto o = at::linear(att.transpose(1, 2).reshape({B, T, d}), w.wo);
  auto x1 = x + o;
  auto gu = at::linear(rms_norm(x1, w.ff_norm, c.rms_eps), w.w_gate_up).chunk(2, -1);  // (B, T, mlp) x2
  return x1 + at::linear(at::silu(gu[0]) * gu[1], w.w_down);
}

StreamsOut run_streams(const ModelWeights& w, const ModelConfig& c, const at::Tensor& tokens, KvCache& cache,
                       const AttnContext& ctx) {
  StreamsOut out;
  auto x = at::embedding(w.wte, tokens);  // (B, T, d)
  at::Tensor u;
  size_t j = 0;
  for (int t = 0; t < c.n_layers; ++t) {
    x = block_forward(w.blocks[t], x, cache, t, ctx, c);
    if (j < w.ups.size() && c.ups_taps[j] == t) {
      // u = ups_block_j(x if j == 0 else x + u); x += feedback_j(RMS_fb_j(u))   (MODEL.md §2)
      u = block_forward(w.ups[j], j == 0 ? x : x + u, cache, c.n_layers + static_cast<int>(j), ctx, c);
      x = x + at::linear(rms_norm(u, w.fb_norm[j], c.rms_eps), w.fb_w[j], w.fb_b[j]);
      ++j;
    }
  }
  out.x = x;
  out.u = u;
  return out;
}

}  // namespace remedi::engine
