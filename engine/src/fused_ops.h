// The forward's elementwise stages, each with a fused CUDA kernel for contiguous bf16 tensors on
// the GPU (cuda/fused_kernels.cu) and its ATen composition — the reference and the CPU twin —
// everywhere else. Both compute MODEL.md §1's arithmetic: float32 inside, bf16 roundings where
// LLaDA rounds.
#pragma once
#include <ATen/ATen.h>

#include <utility>

namespace remedi::engine {

// Process-wide switch (default on): off = every stage below runs its ATen composition on every
// device — the plain LibTorch forward that bench times beside the fast path, and the reference the
// GPU tests compare the kernels with.
void set_fused_kernels(bool on);
bool fused_kernels();

// x * rsqrt(mean(x^2) + eps) in float32, cast back to x's dtype, then * w.   x: (..., d)
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps);
// The residual add and the norm that follows it: s = x + r (rounded to x's dtype), y = rms_norm(s, w).
// Returns {s, y}.
std::pair<at::Tensor, at::Tensor> add_rms_norm(const at::Tensor& x, const at::Tensor& r, const at::Tensor& w,
                                               double eps);
// qkv (B, T, 3, H, D): rotates q and k with cos/sin (B, T, 1, 1, D) float32, stores the rotated k
// and v in the caches K, V (B, H, S, D) at slots [slot0, slot0 + T), and returns q (B, T, H, D)
// rotated (may be a view into qkv, which it may modify in place).
at::Tensor rope_qk_store(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& K,
                         const at::Tensor& V, int64_t slot0);
// The engine's split-key attention kernel (cuda/attention_kernels.h) for one block's queries q
// (B, T, H, D) (a view with unit stride in D) over the caches K, V (B, H, S, D): valid slots
// [0, kv_len), or per row [0, lo_len[b]) and [hi_start[b], kv_len) when lo_len and hi_start, device
// int64 (B), are given.
// Returns (B, T, H, D), or an undefined tensor where the kernel does not apply (CPU, fused kernels
// off, other dtypes or shapes): the caller then uses ATen's attention.
at::Tensor block_attention(const at::Tensor& q, const at::Tensor& K, const at::Tensor& V, int64_t kv_len,
                           const at::Tensor& lo_len, const at::Tensor& hi_start);
// silu(g) * u for gu = [g | u] along the last dim: (..., 2M) -> (..., M).
at::Tensor silu_mul(const at::Tensor& gu);

}  // namespace remedi::engine
