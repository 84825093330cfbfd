// Launchers of the engine's fused CUDA kernels (fused_kernels.cu). Plain C++ types only, so the
// .cu file needs no torch headers and compiles with nvcc alone (CI compiles it without a GPU).
// Every pointer is device memory holding bf16 (as uint16_t bits) or float32; `stream` is a
// cudaStream_t. Each returns the launch's cudaError_t as int (0 = success).
#pragma once
#include <cstdint>

namespace remedi::engine::cuda {

// qkv (B*T rows, 3, H, D) bf16: rotates the q heads (slot 0) in place with cos/sin (B*T, D) float32
// — rotate-half form, float32 arithmetic, one rounding to bf16 — and writes the rotated k (slot 1)
// and the v (slot 2) of row (b, t) to the caches at slot `slot0 + t`: element (b, h, s, i) of kc/vc
// lives at b*cache_row_stride + h*cache_head_stride + s*D + i. slot0_dev: null, or a device int64
// read in place of slot0 (so one captured graph writes wherever the current block starts); the
// caller guarantees slot0 + T fits the cache.
int rope_qk_store(void* qkv, const float* cos, const float* sin, void* kc, void* vc, int B, int T, int heads,
                  int head_dim, int64_t cache_row_stride, int64_t cache_head_stride, int64_t slot0,
                  const int64_t* slot0_dev, void* stream);

// out (rows, M) = bf16(bf16(silu(g)) * u) with gu (rows, 2M) = [g | u], as ATen's silu then mul.
int silu_mul(const void* gu, void* out, int64_t rows, int64_t m, void* stream);

// LLaDA's RMSNorm, float32 statistics, cast back, then the weight in bf16:
//   s = bf16(x + r)   (only when r is given; written to `sum`, as ATen's bf16 add rounds)
//   y = bf16(bf16(s * rsqrt(mean(s^2) + eps)) * w)            x, r, sum, y: (rows, d); w: (d)
int add_rms_norm(const void* x, const void* r, void* sum, const void* w, void* y, int64_t rows, int d, float eps,
                 void* stream);

// Greedy candidates of a denoising step, in one pass over the block's logits (rows, V) bf16:
//   cand[r]  = x[r] == mask_id ? argmax(logits[r]) : x[r]     (first maximum; NaN counts as the largest)
//   logit[r] = float(logits[r, cand[r]])
// as where(x == mask, logits.argmax(-1), x) then gather would give, without the intermediates.
// x, cand: int64 (rows); logit: float32 (rows). packed: null, or float32 (2 * rows) that also gets
// [float(cand) | logit] (the head of a step's packed output; exact for V <= 2^24). Declines (1) when
// V is not a multiple of 8, logits is not 16-byte aligned, or packed is given and V > 2^24.
int greedy_pick(const void* logits, const int64_t* x, int64_t mask_id, int64_t* cand, float* logit, float* packed,
                int64_t rows, int64_t V, void* stream);

}  // namespace remedi::engine::cuda
