// Fused elementwise kernels for the bf16 CUDA forward. Each replaces a chain of ATen ops whose
// intermediates (float32 copies, concatenations) cost more memory traffic and launches than the
// arithmetic: the rotary embedding of q and k (6 kernels -> 1), SiLU gating (2 -> 1) and RMSNorm
// with its weight (2 -> 1). The CPU twin of each is the ATen composition in fused_ops.cpp.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "fused_kernels.h"

namespace remedi::engine::cuda {
namespace {

__global__ void rope_qk_kernel(__nv_bfloat16* qkv, const float* __restrict__ cos, const float* __restrict__ sin,
                               int64_t rows, int heads, int head_dim) {
  const int half = head_dim / 2;
  const int64_t total = rows * 2 * heads * half;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int i = static_cast<int>(idx % half);
    int64_t r = idx / half;
    const int h = static_cast<int>(r % heads);
    r /= heads;
    const int s = static_cast<int>(r % 2);  // 0 = q, 1 = k
    const int64_t row = r / 2;
    __nv_bfloat16* p = qkv + ((row * 3 + s) * heads + h) * int64_t(head_dim);
    const float x1 = __bfloat162float(p[i]), x2 = __bfloat162float(p[i + half]);
    const float c = cos[row * head_dim + i], sn = sin[row * head_dim + i];  // table duplicated: [i] == [i+half]
    // q' = q cos + rotate_half(q) sin with rotate_half(x) = [-x2, x1]
    p[i] = __float2bfloat16(__fmaf_rn(-x2, sn, __fmul_rn(x1, c)));
    p[i + half] = __float2bfloat16(__fmaf_rn(x1, sn, __fmul_rn(x2, c)));
  }
}

__global__ void silu_mul_kernel(const __nv_bfloat16* __restrict__ gu, __nv_bfloat16* __restrict__ out, int64_t rows,
                                int64_t m) {
  const int64_t total = rows * m;
  for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < total;
       idx += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = idx / m, j = idx % m;
    const float g = __bfloat162float(gu[row * 2 * m + j]);
    const float u = __bfloat162float(gu[row * 2 * m + m + j]);
    const float s = __bfloat162float(__float2bfloat16(g / (1.0f + __expf(-g))));  // silu, rounded like ATen's
    out[idx] = __float2bfloat16(s * u);
  }
}

// One block per row; 256 threads reduce the sum of squares in float32.
__global__ void rms_norm_kernel(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ w,
                                __nv_bfloat16* __restrict__ y, int d, float eps) {
  const int64_t row = blockIdx.x;
  const __nv_bfloat16* xr = x + row * d;
  __nv_bfloat16* yr = y + row * d;
  float acc = 0.f;
  for (int j = threadIdx.x; j < d; j += blockDim.x) {
    const float v = __bfloat162float(xr[j]);
    acc = __fmaf_rn(v, v, acc);
  }
  for (int off = 16; off > 0; off /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, off);
  __shared__ float warp_sums[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0) warp_sums[warp] = acc;
  __syncthreads();
  if (warp == 0) {
    const int nwarps = blockDim.x / 32;
    acc = lane < nwarps ? warp_sums[lane] : 0.f;
    for (int off = 16; off > 0; off /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, off);
    if (lane == 0) warp_sums[0] = rsqrtf(acc / float(d) + eps);
  }
  __syncthreads();
  const float r = warp_sums[0];
  for (int j = threadIdx.x; j < d; j += blockDim.x) {
    const float n = __bfloat162float(__float2bfloat16(__bfloat162float(xr[j]) * r));  // cast back first
    yr[j] = __float2bfloat16(n * __bfloat162float(w[j]));                               // then the weight
  }
}

int grid_for(int64_t total, int threads) {
  int64_t blocks = (total + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 * 8 ? blocks : 65535 * 8);  // grid-stride loops cover the rest
}

}  // namespace

int rope_qk(void* qkv, const float* cos, const float* sin, int64_t rows, int heads, int head_dim, void* stream) {
  const int64_t total = rows * 2 * heads * (head_dim / 2);
  if (total == 0) return 0;
  rope_qk_kernel<<<grid_for(total, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<__nv_bfloat16*>(qkv), cos, sin, rows, heads, head_dim);
  return static_cast<int>(cudaGetLastError());
}

int silu_mul(const void* gu, void* out, int64_t rows, int64_t m, void* stream) {
  if (rows * m == 0) return 0;
  silu_mul_kernel<<<grid_for(rows * m, 256), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const __nv_bfloat16*>(gu), static_cast<__nv_bfloat16*>(out), rows, m);
  return static_cast<int>(cudaGetLastError());
}

int rms_norm(const void* x, const void* w, void* y, int64_t rows, int d, float eps, void* stream) {
  if (rows == 0) return 0;
  rms_norm_kernel<<<static_cast<unsigned>(rows), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const __nv_bfloat16*>(x), static_cast<const __nv_bfloat16*>(w), static_cast<__nv_bfloat16*>(y), d,
      eps);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace remedi::engine::cuda
