// Fused elementwise kernels for the bf16 CUDA forward. Each replaces a chain of ATen ops whose
// intermediates (float32 copies, concatenations, cache copies) cost more memory traffic and launches
// than the arithmetic: rotary q/k plus the K/V cache store (8 kernels -> 1), SiLU gating (2 -> 1),
// and the residual add with the RMSNorm that follows it (3 -> 1). All move 16 bytes (8 bf16) per
// load and store. The CPU twin of each is the ATen composition in fused_ops.cpp, which also serves
// shapes these kernels do not take (head_dim not a multiple of 16, widths not a multiple of 8).
// Every kernel is launched early (pdl.h): it lets the next kernel launch as soon as it starts, and
// waits for the previous one before it reads anything that kernel (or any before it) wrote.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "fused_kernels.h"
#include "pdl.h"

namespace remedi::engine::cuda {
namespace {

__device__ __forceinline__ void unpack8(const uint4& v, float (&f)[8]) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float2 p = __bfloat1622float2(h[i]);
    f[2 * i] = p.x;
    f[2 * i + 1] = p.y;
  }
}

__device__ __forceinline__ uint4 pack8(const float (&f)[8]) {
  uint4 v;
  __nv_bfloat162* h = reinterpret_cast<__nv_bfloat162*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i) h[i] = __floats2bfloat162_rn(f[2 * i], f[2 * i + 1]);
  return v;
}

__device__ __forceinline__ float round_bf16(float x) { return __bfloat162float(__float2bfloat16(x)); }

// One block per (b, t) row. Work items: (slot q|k|v, head, 8-wide chunk of the first half); each
// pairs elements i and i + D/2 (rotate_half).
__global__ void rope_qk_store_kernel(uint4* __restrict__ qkv, const float* __restrict__ cos,
                                     const float* __restrict__ sin, uint4* __restrict__ kc, uint4* __restrict__ vc,
                                     int T, int heads, int head_dim, int64_t row_stride, int64_t head_stride,
                                     int64_t slot0, const int64_t* __restrict__ slot0_dev) {
  allow_dependents();
  wait_for_previous_grid();
  const int row = blockIdx.x, b = row / T, t = row % T;
  if (slot0_dev != nullptr) slot0 = *slot0_dev;
  const int cph = head_dim / 16;  // 8-wide chunks per half head
  const int half = head_dim / 2;
  const int items = 3 * heads * cph;
  uint4* qrow = qkv + int64_t(row) * 3 * heads * head_dim / 8;
  for (int j = threadIdx.x; j < items; j += blockDim.x) {
    const int slot = j / (heads * cph), rem = j % (heads * cph), h = rem / cph, c = rem % cph;
    const int i0 = c * 8;
    uint4* src = qrow + (int64_t(slot) * heads * head_dim + int64_t(h) * head_dim + i0) / 8;
    uint4 a = src[0], bb = src[half / 8];
    if (slot < 2) {
      float x1[8], x2[8], y1[8], y2[8];
      unpack8(a, x1);
      unpack8(bb, x2);
      const float4* cp = reinterpret_cast<const float4*>(cos + int64_t(row) * head_dim + i0);
      const float4* sp = reinterpret_cast<const float4*>(sin + int64_t(row) * head_dim + i0);
      const float4 c0 = cp[0], c1 = cp[1], s0 = sp[0], s1 = sp[1];
      const float cv[8] = {c0.x, c0.y, c0.z, c0.w, c1.x, c1.y, c1.z, c1.w};
      const float sv[8] = {s0.x, s0.y, s0.z, s0.w, s1.x, s1.y, s1.z, s1.w};  // table duplicated: [i] == [i+half]
#pragma unroll
      for (int e = 0; e < 8; ++e) {  // q' = q cos + rotate_half(q) sin, rotate_half(x) = [-x2, x1]
        y1[e] = __fmaf_rn(-x2[e], sv[e], __fmul_rn(x1[e], cv[e]));
        y2[e] = __fmaf_rn(x1[e], sv[e], __fmul_rn(x2[e], cv[e]));
      }
      a = pack8(y1);
      bb = pack8(y2);
    }
    if (slot == 0) {
      src[0] = a;
      src[half / 8] = bb;
    } else {
      uint4* dst = (slot == 1 ? kc : vc) + (int64_t(b) * row_stride + int64_t(h) * head_stride +
                                            (slot0 + t) * int64_t(head_dim) + i0) / 8;
      dst[0] = a;
      dst[half / 8] = bb;
    }
  }
}

// grid (rows, chunks / blockDim): 8 outputs per thread.
__global__ void silu_mul_kernel(const uint4* __restrict__ gu, uint4* __restrict__ out, int64_t chunks) {
  allow_dependents();
  wait_for_previous_grid();
  const int64_t j = int64_t(blockIdx.y) * blockDim.x + threadIdx.x;
  if (j >= chunks) return;
  const int64_t row = blockIdx.x;
  float g[8], u[8], o[8];
  unpack8(gu[row * 2 * chunks + j], g);
  unpack8(gu[row * 2 * chunks + chunks + j], u);
#pragma unroll
  for (int e = 0; e < 8; ++e) o[e] = round_bf16(g[e] / (1.0f + expf(-g[e]))) * u[e];  // silu as ATen computes and rounds it
  out[row * chunks + j] = pack8(o);
}

// One block per row; each thread keeps up to kMaxChunks 8-wide chunks in registers.
constexpr int kMaxChunks = 4;
__global__ void add_rms_norm_kernel(const uint4* __restrict__ x, const uint4* __restrict__ r, uint4* __restrict__ sum,
                                    const uint4* __restrict__ w, uint4* __restrict__ y, int chunks, float eps) {
  allow_dependents();
  const int64_t base = int64_t(blockIdx.x) * chunks;
  float v[kMaxChunks][8];
  uint4 wq[kMaxChunks];  // the weight (no kernel writes it): requested before the wait
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int j = threadIdx.x + c * blockDim.x;
    if (j < chunks) wq[c] = w[j];
  }
  wait_for_previous_grid();
  float acc = 0.f;
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int j = threadIdx.x + c * blockDim.x;
    if (j >= chunks) break;
    unpack8(x[base + j], v[c]);
    if (r) {
      float d[8];
      unpack8(r[base + j], d);
#pragma unroll
      for (int e = 0; e < 8; ++e) v[c][e] = round_bf16(v[c][e] + d[e]);
      sum[base + j] = pack8(v[c]);
    }
#pragma unroll
    for (int e = 0; e < 8; ++e) acc = __fmaf_rn(v[c][e], v[c][e], acc);
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
    if (lane == 0) warp_sums[0] = rsqrtf(acc / float(chunks * 8) + eps);
  }
  __syncthreads();
  const float rs = warp_sums[0];
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int j = threadIdx.x + c * blockDim.x;
    if (j >= chunks) break;
    float wv[8], o[8];
    unpack8(wq[c], wv);
#pragma unroll
    for (int e = 0; e < 8; ++e) o[e] = round_bf16(v[c][e] * rs) * wv[e];  // cast back first, then the weight
    y[base + j] = pack8(o);
  }
}

// (v, i) before (w, j): NaN first (as torch's argmax propagates NaN), then the larger value, then
// the lower index (the first maximum).
__device__ __forceinline__ bool pick_before(float v, int64_t i, float w, int64_t j) {
  const bool vn = v != v, wn = w != w;
  if (vn != wn) return vn;
  if (!vn && v != w) return v > w;
  return i < j;
}

// The warp's pick_before winner, in every lane.
__device__ __forceinline__ void warp_pick(float& best, int64_t& bi) {
  for (int off = 16; off > 0; off /= 2) {
    const float ob = __shfl_xor_sync(0xffffffffu, best, off);
    const int64_t oi = __shfl_xor_sync(0xffffffffu, bi, off);
    if (pick_before(ob, oi, best, bi)) best = ob, bi = oi;
  }
}

// One block per row: each thread scans 8-wide chunks j = tid, tid + blockDim, ... (4 loads in
// flight), then a warp and a block reduction keep the pick_before winner.
constexpr int kPickThreads = 1024;
__global__ void __launch_bounds__(kPickThreads) greedy_pick_kernel(const uint4* __restrict__ logits,
                                                                   const int64_t* __restrict__ x, int64_t mask_id,
                                                                   int64_t* __restrict__ cand,
                                                                   float* __restrict__ logit,
                                                                   float* __restrict__ packed, int64_t chunks) {
  allow_dependents();
  wait_for_previous_grid();
  const int64_t row = blockIdx.x;
  const uint4* lr = logits + row * chunks;
  float best = -INFINITY;
  int64_t bi = INT64_MAX;
  auto scan = [&](const uint4& v, int64_t j) {
    float f[8];
    unpack8(v, f);
#pragma unroll
    for (int e = 0; e < 8; ++e)
      if (pick_before(f[e], j * 8 + e, best, bi)) best = f[e], bi = j * 8 + e;
  };
  int64_t j = threadIdx.x;
  for (; j + 3 * kPickThreads < chunks; j += 4 * kPickThreads) {
    const uint4 a = lr[j], b = lr[j + kPickThreads], c = lr[j + 2 * kPickThreads], d = lr[j + 3 * kPickThreads];
    scan(a, j);
    scan(b, j + kPickThreads);
    scan(c, j + 2 * kPickThreads);
    scan(d, j + 3 * kPickThreads);
  }
  for (; j < chunks; j += kPickThreads) scan(lr[j], j);
  warp_pick(best, bi);
  __shared__ float sb[32];
  __shared__ int64_t si[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) sb[warp] = best, si[warp] = bi;
  __syncthreads();
  if (warp == 0) {
    const int nw = blockDim.x / 32;
    best = lane < nw ? sb[lane] : -INFINITY;
    bi = lane < nw ? si[lane] : INT64_MAX;
    warp_pick(best, bi);
    if (lane == 0) {
      const int64_t xr = x[row];
      const int64_t c = xr == mask_id ? bi : xr;
      const float lv = __bfloat162float(reinterpret_cast<const __nv_bfloat16*>(lr)[c]);
      cand[row] = c;
      logit[row] = lv;
      if (packed != nullptr) {
        packed[row] = static_cast<float>(c);
        packed[gridDim.x + row] = lv;
      }
    }
  }
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }
constexpr int kUnsupported = 1;  // cudaErrorInvalidValue: the caller falls back to ATen
// A launch's error, else the pending one (as cudaGetLastError after <<<>>>).
int launched(cudaError_t e) { return static_cast<int>(e != cudaSuccess ? e : cudaGetLastError()); }

}  // namespace

int rope_qk_store(void* qkv, const float* cos, const float* sin, void* kc, void* vc, int B, int T, int heads,
                  int head_dim, int64_t cache_row_stride, int64_t cache_head_stride, int64_t slot0,
                  const int64_t* slot0_dev, void* stream) {
  if (head_dim % 16 != 0 || !aligned16(qkv) || !aligned16(cos) || !aligned16(sin) || !aligned16(kc) ||
      !aligned16(vc) || cache_row_stride % 8 != 0 || cache_head_stride % 8 != 0)
    return kUnsupported;
  if (B * T == 0) return 0;
  const int items = 3 * heads * (head_dim / 16);
  const int threads = items >= 1024 ? 1024 : (items + 31) / 32 * 32;
  return launched(launch_early(rope_qk_store_kernel, dim3(B * T), dim3(threads), 0, static_cast<cudaStream_t>(stream),
                               static_cast<uint4*>(qkv), cos, sin, static_cast<uint4*>(kc), static_cast<uint4*>(vc), T,
                               heads, head_dim, cache_row_stride, cache_head_stride, slot0, slot0_dev));
}

int silu_mul(const void* gu, void* out, int64_t rows, int64_t m, void* stream) {
  if (m % 8 != 0 || !aligned16(gu) || !aligned16(out)) return kUnsupported;
  if (rows * m == 0) return 0;
  const int64_t chunks = m / 8;
  const int threads = 256;
  dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>((chunks + threads - 1) / threads));
  return launched(launch_early(silu_mul_kernel, grid, dim3(threads), 0, static_cast<cudaStream_t>(stream),
                               static_cast<const uint4*>(gu), static_cast<uint4*>(out), chunks));
}

int add_rms_norm(const void* x, const void* r, void* sum, const void* w, void* y, int64_t rows, int d, float eps,
                 void* stream) {
  const int chunks = d / 8;
  if (d % 8 != 0 || !aligned16(x) || !aligned16(w) || !aligned16(y) || (r && (!aligned16(r) || !aligned16(sum))))
    return kUnsupported;
  // Two chunks per thread where the row is wide enough (fewer threads waiting on the reduction).
  int threads = (chunks + 1) / 2;
  threads = threads < 32 ? 32 : threads > 1024 ? 1024 : (threads + 31) / 32 * 32;
  if (chunks > threads * kMaxChunks) return kUnsupported;
  if (rows == 0) return 0;
  return launched(launch_early(add_rms_norm_kernel, dim3(static_cast<unsigned>(rows)), dim3(threads), 0,
                               static_cast<cudaStream_t>(stream), static_cast<const uint4*>(x),
                               static_cast<const uint4*>(r), static_cast<uint4*>(sum), static_cast<const uint4*>(w),
                               static_cast<uint4*>(y), chunks, eps));
}

int greedy_pick(const void* logits, const int64_t* x, int64_t mask_id, int64_t* cand, float* logit, float* packed,
                int64_t rows, int64_t V, void* stream) {
  if (V < 8 || V % 8 != 0 || !aligned16(logits) || (packed != nullptr && V > (int64_t(1) << 24))) return kUnsupported;
  if (rows == 0) return 0;
  return launched(launch_early(greedy_pick_kernel, dim3(static_cast<unsigned>(rows)), dim3(kPickThreads), 0,
                               static_cast<cudaStream_t>(stream), static_cast<const uint4*>(logits), x, mask_id, cand,
                               logit, packed, V / 8));
}

}  // namespace remedi::engine::cuda
