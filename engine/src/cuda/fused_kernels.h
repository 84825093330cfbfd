// Launchers of the engine's fused CUDA kernels (fused_kernels.cu). Plain C++ types only, so the
// .cu file needs no torch headers and compiles with nvcc alone (CI compiles it without a GPU).
// Every pointer is device memory holding bf16 (as uint16_t bits) or float32; `stream` is a
// cudaStream_t. Each returns the launch's cudaError_t as int (0 = success).
#pragma once
#include <cstdint>

namespace remedi::engine::cuda {

// In place on qkv (rows, 3, H, D) bf16: rotates the q (slot 0) and k (slot 1) heads with
// cos/sin (rows, D) float32 — rotate-half form, float32 arithmetic, one rounding to bf16.
int rope_qk(void* qkv, const float* cos, const float* sin, int64_t rows, int heads, int head_dim, void* stream);

// out (rows, M) = bf16(bf16(silu(g)) * u) with gu (rows, 2M) = [g | u], as ATen's silu then mul.
int silu_mul(const void* gu, void* out, int64_t rows, int64_t m, void* stream);

// y (rows, d) = bf16(bf16(x * rsqrt(mean(x^2) + eps)) * w): LLaDA's RMSNorm (float32 statistics,
// cast back, then the weight in bf16), one pass.
int rms_norm(const void* x, const void* w, void* y, int64_t rows, int d, float eps, void* stream);

}  // namespace remedi::engine::cuda
