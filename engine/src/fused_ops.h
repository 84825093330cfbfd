// The forward's elementwise stages, each with a fused CUDA kernel for contiguous bf16 tensors on
// the GPU (cuda/fused_kernels.cu) and its ATen composition — the reference and the CPU twin —
// everywhere else. Both compute MODEL.md §1's arithmetic: float32 inside, bf16 roundings where
// LLaDA rounds.
#pragma once
#include <ATen/ATen.h>

namespace remedi::engine {

// x * rsqrt(mean(x^2) + eps) in float32, cast back to x's dtype, then * w.   x: (..., d)
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps);
// Rotates q and k of qkv (B, T, 3, H, D) with cos/sin (B, T, 1, 1, D) float32; returns (B, T, 2, H, D).
// May work in place on qkv.
at::Tensor rope_qk(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin);
// silu(g) * u for gu = [g | u] along the last dim: (..., 2M) -> (..., M).
at::Tensor silu_mul(const at::Tensor& gu);

}  // namespace remedi::engine
