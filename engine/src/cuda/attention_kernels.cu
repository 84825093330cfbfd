// Block attention for one denoising step (T <= 64 queries per row) over an exact KV cache.
//
// Flash-decoding: CTA (b, h, split) streams a chunk of whole 64-key tiles of K[b,h] and V[b,h]
// through shared memory (cp.async, up to 3 tiles in flight) and keeps an online softmax for ALL T
// queries of (b, h). Tensor cores via mma.sync m16n8k16 bf16: S = Q K^T with K fragments from
// ldmatrix (K is key-major with D contiguous = the "col" B layout), O += P V with P re-packed from
// the S accumulators (C layout of two n8 tiles = A layout of one k16 tile) and V fragments from
// ldmatrix.trans. 4 warps: warp w takes query tile w % NQ and key group w / NQ of each tile (KW
// keys), so that all warps work whether T is 16, 32 or 64; the warps' partials are merged through
// shared memory at the end. With one split the CTA writes the bf16 output. With 2-8 splits on a GPU
// with thread-block clusters (sm_90), the splits of one (b, h) form a cluster: each CTA merges its
// key groups in registers, then sends every CTA of the cluster its partial (max, sum, unnormalised
// float32 output) for the slice of output dims that CTA combines (stores into distributed shared
// memory); after one cluster barrier each CTA combines its slice over the splits in split order.
// Otherwise each CTA writes its partial to the workspace and the last CTA of (b, h) (atomic counter,
// reset by that CTA) combines the partials in split order. Both are deterministic.
//
// Shared memory rows are 256 bytes (128 bf16) with the 16-byte chunk index XOR-swizzled by
// (row & 7), so that ldmatrix's 8 row addresses hit 8 different bank groups.
#include <cooperative_groups.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "attention_kernels.h"
#include "pdl.h"
#include "ptx.h"

namespace remedi::engine::cuda {
namespace {

constexpr int kD = 128;
constexpr int kThreads = 128;
constexpr int kTileKeys = 64;
constexpr int kRowBytes = kD * 2;                           // one key / query row in smem
constexpr int kHalfStage = kTileKeys * kRowBytes;           // K (or V) of one tile: 16 KiB
constexpr int kStageBytes = 2 * kHalfStage;                 // K + V of one tile: 32 KiB
constexpr int kMaxSplits = 64;                              // splits per (b, h)
constexpr int kMaxClusterSplits = 8;                        // portable cluster size
constexpr int kMaxPartialCtas = 512;                        // B*H*splits when splits > 1
constexpr int kMaxCounters = kMaxPartialCtas / 2;           // splits > 1 only when B*H <= 256
constexpr int64_t kCounterBytes = kMaxCounters * 4;         // 1 KiB at the workspace's start
constexpr int kMergeStride = kD + 8;                        // floats per merge row (bank spread)
constexpr int kMergeRows = 64;                              // 4 warps x 16 query rows
constexpr int kMergeBytes = (kMergeRows * kMergeStride + 2 * kMergeRows + kMaxSplits * 64 + 64) * 4;
constexpr float kLog2e = 1.4426950408889634f;
static_assert(kMergeBytes <= 2 * kStageBytes, "merge buffers live in the K/V stages");
// Cluster combine (CL): CTA o of a cluster of S combines the output dims of n tiles [o*NC, o*NC+NC),
// NC = ceil(16 / S) 8-dim tiles; every split sends it those tiles of its partial, one slot of
// NC + 1 float4 per (split, query tile, lane), in a region past the stages.
__host__ __device__ constexpr int cl_slots(int s) { return s * ((16 + s - 1) / s + 1); }  // per (query tile, lane)
__host__ __device__ constexpr int cl_max_slots(int s = 2) {
  return s > kMaxClusterSplits ? 0 : (cl_slots(s) > cl_max_slots(s + 1) ? cl_slots(s) : cl_max_slots(s + 1));
}
__host__ __device__ constexpr int cl_bytes(int kw) { return (kw / 16) * 32 * cl_max_slots() * 16; }

struct AttnParams {
  const __nv_bfloat16* q;
  int64_t q_sb, q_st, q_sh;
  const __nv_bfloat16* k;
  const __nv_bfloat16* v;
  int64_t s_cap;
  __nv_bfloat16* out;
  int T, H, kv_len;         // kv_len: the plan's length, an upper bound when kv_len_dev is given
  const int64_t* kv_len_dev;  // null, or the device int64 holding the actual length (<= kv_len)
  const int64_t* lo_len;
  const int64_t* hi_rows;  // per-row start of the second range, or null: hi_start for every row
  int hi_start;
  int splits, tiles_per_split, nst;
  float scale_log2;
  int* counters;
  float* pm;  // (B*H*splits, T) running max (log2 units)
  float* pl;  // (B*H*splits, T) sum of exp2
  float* po;  // (B*H*splits, T, D) unnormalised output
  // Rotary mode (RP): q is the block's raw (unrotated) q; kn / vn its raw new keys and values (same
  // strides as q); cos / sin (B, T, D) float32. The new keys are the last T attended slots.
  const __nv_bfloat16* kn;
  const __nv_bfloat16* vn;
  const float* cos;
  const float* sin;
  __nv_bfloat16* kc;  // = k, v: the caches the CTAs owning the new slots write them to
  __nv_bfloat16* vc;
};

// Thread-block cluster barrier, split into arrive and wait (every thread of every CTA takes part).
__device__ __forceinline__ void cluster_arrive_relaxed() {
  asm volatile("barrier.cluster.arrive.relaxed.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void cluster_arrive() { asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void cluster_wait() { asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory"); }

__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);  // .x (low 16 bits) = lo
  return *reinterpret_cast<const uint32_t*>(&v);
}

__device__ __forceinline__ float fast_exp2(float x) {  // exp2(-inf) = +0
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

__device__ __forceinline__ void store_bf16x4(__nv_bfloat16* dst, float a, float b, float c, float d) {
  uint2 u;
  u.x = pack_bf16(a, b);
  u.y = pack_bf16(c, d);
  *reinterpret_cast<uint2*>(dst) = u;
}

__device__ __forceinline__ void unpack8(const uint4& v, float (&f)[8]) {
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 q = __bfloat1622float2(h[i]);
    f[2 * i] = q.x;
    f[2 * i + 1] = q.y;
  }
}

// Rotates one 8-wide chunk pair (elements i0..i0+7 of the first half in a, the same of the second
// half in b) with cos/sin values c, s (the table is duplicated: [i] == [i + D/2]):
// x' = x cos + rotate_half(x) sin, rotate_half(x) = [-x2, x1], float32 inside, one bf16 rounding;
// the arithmetic of rope_qk_store_kernel (fused_kernels.cu), so both give the same bits.
__device__ __forceinline__ void rotate_pair(uint4& a, uint4& b, const float (&c)[8], const float (&s)[8]) {
  float x1[8], x2[8];
  unpack8(a, x1);
  unpack8(b, x2);
  uint32_t* pa = reinterpret_cast<uint32_t*>(&a);
  uint32_t* pb = reinterpret_cast<uint32_t*>(&b);
#pragma unroll
  for (int e = 0; e < 8; e += 2) {
    pa[e / 2] = pack_bf16(__fmaf_rn(-x2[e], s[e], __fmul_rn(x1[e], c[e])),
                          __fmaf_rn(-x2[e + 1], s[e + 1], __fmul_rn(x1[e + 1], c[e + 1])));
    pb[e / 2] = pack_bf16(__fmaf_rn(x1[e], s[e], __fmul_rn(x2[e], c[e])),
                          __fmaf_rn(x1[e + 1], s[e + 1], __fmul_rn(x2[e + 1], c[e + 1])));
  }
}

// KW: keys of a 64-key tile per warp (16, 32, 64 for T <= 16, 32, 64). NQ query tiles of 16 rows
// (the smem Q holds KW = 16*NQ rows, rows >= T zero), KG = 4 / NQ key groups. CL: launched in
// clusters of p.splits CTAs (2..8), the splits combined through distributed shared memory.
// RP: rotary mode (AttnParams): the CTA rotates its queries into shared memory itself, and the CTA
// whose chunk holds a new key's slot rotates that key and stores it and its value in the caches
// before its tile loads read them back (the rotary/cache kernel folded in).
template <int KW, bool CL, bool RP>
__global__ void __launch_bounds__(kThreads, KW == 64 ? 2 : 3) block_attention_kernel(const AttnParams p) {
  constexpr int NQ = KW / 16;
  constexpr int KG = 4 / NQ;
  static_assert(NQ * KG == 4 && KW * KG == kTileKeys, "warp layout");
  constexpr float kNegInf = -INFINITY;

  extern __shared__ __align__(128) unsigned char smem[];
  unsigned char* q_s = smem;                   // KW rows x 256 B
  unsigned char* kv_s = smem + KW * kRowBytes;  // nst stages of [K tile | V tile]
  __shared__ int s_is_last;

  // The next kernel may launch now (pdl.h); if this one was launched early (REMEDI_ATTN_EARLY=1),
  // nothing is read before the previous kernel is done.
  allow_dependents();
  wait_for_previous_grid();
  // Cluster barrier phase 1: this CTA has started. Its peers wait for it before they write their
  // partials into its shared memory (after their tile loops, so the wait costs nothing).
  if constexpr (CL) cluster_arrive_relaxed();
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int S = p.splits;
  const int sp = static_cast<int>(blockIdx.x % S);
  const int bh = static_cast<int>(blockIdx.x / S);
  const int h = bh % p.H, b = bh / p.H;
  const int T = p.T, nst = p.nst;
  int kv_len = p.kv_len;
  if (p.kv_len_dev != nullptr) {
    const int64_t n = *p.kv_len_dev;
    kv_len = static_cast<int>(n < 0 ? 0 : (n > kv_len ? kv_len : n));
  }
  const int total_tiles = (kv_len + kTileKeys - 1) / kTileKeys;
  const int tile0 = sp * p.tiles_per_split;
  const int ntiles = max(0, min(total_tiles, tile0 + p.tiles_per_split) - tile0);

  // Valid slots: s < lo, or hi <= s < kv_len.
  int lo = kv_len, hi = kv_len;
  if (p.lo_len != nullptr) {
    const int64_t l = p.lo_len[b];
    lo = static_cast<int>(l < 0 ? 0 : (l > kv_len ? kv_len : l));
    const int64_t h0 = p.hi_rows != nullptr ? p.hi_rows[b] : p.hi_start;
    hi = max(static_cast<int>(h0 < 0 ? 0 : (h0 > kv_len ? kv_len : h0)), lo);
  }

  const int64_t kv_off = (static_cast<int64_t>(b) * p.H + h) * p.s_cap * kD;
  const __nv_bfloat16* kg = p.k + kv_off;
  const __nv_bfloat16* vg = p.v + kv_off;
  const __nv_bfloat16* qg = p.q + b * p.q_sb + h * p.q_sh;

  // Group 0: Q (rows >= T zero-filled); in rotary mode an empty group (the threads write Q below).
  const uint32_t q_base = smem_addr(q_s);
  if constexpr (!RP) {
    for (int c = tid; c < KW * 16; c += kThreads) {
      const int r = c >> 4, ch = c & 15;
      const bool ok = r < T;
      cp_async16(q_base + r * kRowBytes + ((ch ^ (r & 7)) << 4), qg + (ok ? r : 0) * p.q_st + ch * 8, ok);
    }
  }
  cp_async_commit();

  const uint32_t kv_base = smem_addr(kv_s);
  auto load_tile = [&](int j, int stage) {
    const int key0 = (tile0 + j) * kTileKeys;
    const uint32_t ks = kv_base + stage * kStageBytes, vs = ks + kHalfStage;
#pragma unroll
    for (int i = 0; i < kTileKeys * 16 / kThreads; ++i) {
      const int c = tid + i * kThreads;
      const int r = c >> 4, ch = c & 15;
      const int s = key0 + r;
      const bool ok = s < lo || (s >= hi && s < kv_len);  // invalid rows are zero-filled, never read
      const int64_t off = static_cast<int64_t>(ok ? s : 0) * kD + ch * 8;
      const uint32_t dst = r * kRowBytes + ((ch ^ (r & 7)) << 4);
      cp_async16(ks + dst, kg + off, ok);
      cp_async16(vs + dst, vg + off, ok);
    }
  };

  // Groups 1..nst: the first nst tiles (empty groups past the chunk keep the counting uniform).
  auto load_first = [&] {
    for (int i = 0; i < nst; ++i) {
      if (i < ntiles) load_tile(i, i);
      cp_async_commit();
    }
  };
  if constexpr (RP) {
    // The new keys are slots [nb0, kv_len). This CTA stores the ones in its chunk [c0, c1) before
    // any tile load reads them: first when a tile of the first nst holds one, else the first tiles
    // are requested before the rotations and the loop's barriers order the stores before the later
    // loads.
    const int nb0 = kv_len - T;
    const int c0 = tile0 * kTileKeys, c1 = min((tile0 + ntiles) * kTileKeys, kv_len);
    const bool store_first = ntiles > 0 && c0 + min(nst, ntiles) * kTileKeys > nb0;
    const __nv_bfloat16* kng = p.kn + b * p.q_sb + h * p.q_sh;
    const __nv_bfloat16* vng = p.vn + b * p.q_sb + h * p.q_sh;
    // Items (row, chunk pair ch / ch + 8), NIT per thread: every global load of all items first (one
    // memory latency, not NIT), then the first tiles' copies (so that the few rotary loads are not
    // queued behind 96 KiB of K/V), then the rotations and stores.
    constexpr int NIT = KW * 8 / kThreads;
    static_assert(NIT * kThreads == KW * 8, "rotary items");
    float4 cw[NIT][2], sw4[NIT][2];
    uint4 qa[NIT][2], kn[NIT][2], vn[NIT][2];
    bool own[NIT];
#pragma unroll
    for (int i = 0; i < NIT; ++i) {
      const int it = tid + i * kThreads;
      const int r = it >> 3, ch = it & 7;
      own[i] = false;
      qa[i][0] = qa[i][1] = kn[i][0] = kn[i][1] = vn[i][0] = vn[i][1] = make_uint4(0, 0, 0, 0);
      cw[i][0] = cw[i][1] = sw4[i][0] = sw4[i][1] = make_float4(0.f, 0.f, 0.f, 0.f);
      if (r < T) {
        const int64_t tr = (static_cast<int64_t>(b) * T + r) * kD + ch * 8;
        cw[i][0] = __ldg(reinterpret_cast<const float4*>(p.cos + tr));
        cw[i][1] = __ldg(reinterpret_cast<const float4*>(p.cos + tr + 4));
        sw4[i][0] = __ldg(reinterpret_cast<const float4*>(p.sin + tr));
        sw4[i][1] = __ldg(reinterpret_cast<const float4*>(p.sin + tr + 4));
        const int64_t qo = static_cast<int64_t>(r) * p.q_st + ch * 8;
        qa[i][0] = __ldg(reinterpret_cast<const uint4*>(qg + qo));
        qa[i][1] = __ldg(reinterpret_cast<const uint4*>(qg + qo + kD / 2));
        const int slot = nb0 + r;
        own[i] = slot >= c0 && slot < c1;
        if (own[i]) {
          kn[i][0] = __ldg(reinterpret_cast<const uint4*>(kng + qo));
          kn[i][1] = __ldg(reinterpret_cast<const uint4*>(kng + qo + kD / 2));
          vn[i][0] = __ldg(reinterpret_cast<const uint4*>(vng + qo));
          vn[i][1] = __ldg(reinterpret_cast<const uint4*>(vng + qo + kD / 2));
        }
      }
    }
    if (!store_first) load_first();
#pragma unroll
    for (int i = 0; i < NIT; ++i) {
      const int it = tid + i * kThreads;
      const int r = it >> 3, ch = it & 7;
      const float cv[8] = {cw[i][0].x, cw[i][0].y, cw[i][0].z, cw[i][0].w,
                           cw[i][1].x, cw[i][1].y, cw[i][1].z, cw[i][1].w};
      const float sv[8] = {sw4[i][0].x, sw4[i][0].y, sw4[i][0].z, sw4[i][0].w,
                           sw4[i][1].x, sw4[i][1].y, sw4[i][1].z, sw4[i][1].w};
      uint4 a = qa[i][0], bb = qa[i][1];
      if (r < T) rotate_pair(a, bb, cv, sv);
      if (own[i]) {
        rotate_pair(kn[i][0], kn[i][1], cv, sv);
        const int64_t co = kv_off + static_cast<int64_t>(nb0 + r) * kD + ch * 8;  // (b, h)'s cache rows
        *reinterpret_cast<uint4*>(p.kc + co) = kn[i][0];
        *reinterpret_cast<uint4*>(p.kc + co + kD / 2) = kn[i][1];
        *reinterpret_cast<uint4*>(p.vc + co) = vn[i][0];
        *reinterpret_cast<uint4*>(p.vc + co + kD / 2) = vn[i][1];
      }
      const uint32_t d0 = q_base + r * kRowBytes + ((ch ^ (r & 7)) << 4);
      const uint32_t d1 = q_base + r * kRowBytes + (((ch + 8) ^ (r & 7)) << 4);
      asm volatile("st.shared.v4.u32 [%0], {%1,%2,%3,%4};\n" ::"r"(d0), "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w)
                   : "memory");
      asm volatile("st.shared.v4.u32 [%0], {%1,%2,%3,%4};\n" ::"r"(d1), "r"(bb.x), "r"(bb.y), "r"(bb.z), "r"(bb.w)
                   : "memory");
    }
    if (store_first) {
      __syncthreads();  // the stores above happen before every thread's loads below
      load_first();
    }
  } else {
    load_first();
  }

  const int qi = warp % NQ, kgi = warp / NQ;
  const int g = lane >> 2, t4 = lane & 3;
  const int mi = lane >> 3, r8 = lane & 7;  // ldmatrix: this lane addresses row r8 of matrix mi

  float o[16][4];
#pragma unroll
  for (int n = 0; n < 16; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m0 = kNegInf, m1 = kNegInf, l0 = 0.f, l1 = 0.f;  // rows g and g + 8 of the warp's query tile

  if (ntiles > 0) {
    // Q A fragments are re-read from smem per tile (cheap; keeps registers for O). A 16x16 by ldmatrix:
    // a0 rows 0-7 / cols 0-7, a1 rows 8-15 / cols 0-7, a2 rows 0-7 / cols 8-15, a3 rows 8-15 / cols 8-15.
    const uint32_t q_frag = q_base + (qi * 16 + r8 + ((mi & 1) << 3)) * kRowBytes;
    for (int j = 0; j < ntiles; ++j) {
      cp_async_wait(nst - 1);  // Q and tile j landed (this thread's copies) ...
      __syncthreads();         // ... and everyone's
      const int stage = j % nst;
      const uint32_t ks = kv_base + stage * kStageBytes, vs = ks + kHalfStage;
      const int kb = kgi * KW;  // the warp's keys within the tile

      // S = Q K^T for the warp's 16 queries x KW keys.
      float s[KW / 8][4];
#pragma unroll
      for (int n = 0; n < KW / 8; ++n) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < 8; ++kk) {
        uint32_t qa[4];
        ldsm_x4(qa, q_frag + (((2 * kk + (mi >> 1)) ^ r8) << 4));
#pragma unroll
        for (int np = 0; np < KW / 16; ++np) {
          // matrices: (keys +0..7, d 16kk+0..7), (keys +0..7, d +8..15), (keys +8..15, d +0..7), (keys +8..15, d +8..15)
          const int key = kb + np * 16 + r8 + ((mi >> 1) << 3);
          const int ch = 2 * kk + (mi & 1);
          uint32_t kf[4];
          ldsm_x4(kf, ks + key * kRowBytes + ((ch ^ r8) << 4));
          mma_bf16(s[2 * np], qa, kf[0], kf[1]);
          mma_bf16(s[2 * np + 1], qa, kf[2], kf[3]);
        }
      }

      // Scale into log2 units, mask, online softmax (each row lives in the 4 lanes of a quad).
      const int key0 = (tile0 + j) * kTileKeys + kb + 2 * t4;
      float mx0 = kNegInf, mx1 = kNegInf;
#pragma unroll
      for (int n = 0; n < KW / 8; ++n) {
        const int key = key0 + n * 8;
        const bool v0 = key < lo || (key >= hi && key < kv_len);
        const bool v1 = key + 1 < lo || (key + 1 >= hi && key + 1 < kv_len);
        s[n][0] = v0 ? s[n][0] * p.scale_log2 : kNegInf;
        s[n][1] = v1 ? s[n][1] * p.scale_log2 : kNegInf;
        s[n][2] = v0 ? s[n][2] * p.scale_log2 : kNegInf;
        s[n][3] = v1 ? s[n][3] * p.scale_log2 : kNegInf;
        mx0 = fmaxf(mx0, fmaxf(s[n][0], s[n][1]));
        mx1 = fmaxf(mx1, fmaxf(s[n][2], s[n][3]));
      }
      mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
      mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
      mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
      mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
      const float mn0 = fmaxf(m0, mx0), mn1 = fmaxf(m1, mx1);
      const float mu0 = mn0 == kNegInf ? 0.f : mn0;  // all masked so far: keep exp2 away from -inf - -inf
      const float mu1 = mn1 == kNegInf ? 0.f : mn1;
      const float al0 = fast_exp2(m0 - mu0), al1 = fast_exp2(m1 - mu1);
      m0 = mn0;
      m1 = mn1;
      float rs0 = 0.f, rs1 = 0.f;
#pragma unroll
      for (int n = 0; n < KW / 8; ++n) {
        s[n][0] = fast_exp2(s[n][0] - mu0);
        s[n][1] = fast_exp2(s[n][1] - mu0);
        s[n][2] = fast_exp2(s[n][2] - mu1);
        s[n][3] = fast_exp2(s[n][3] - mu1);
        rs0 += s[n][0] + s[n][1];
        rs1 += s[n][2] + s[n][3];
      }
      l0 = l0 * al0 + rs0;  // per-lane partial sums; the quad is reduced once at the end
      l1 = l1 * al1 + rs1;
#pragma unroll
      for (int n = 0; n < 16; ++n) {
        o[n][0] *= al0;
        o[n][1] *= al0;
        o[n][2] *= al1;
        o[n][3] *= al1;
      }

      // O += P V: P's k16 tile jj = S n8 tiles 2jj, 2jj+1; V fragments by ldmatrix.trans.
#pragma unroll
      for (int jj = 0; jj < KW / 16; ++jj) {
        uint32_t pa[4];
        pa[0] = pack_bf16(s[2 * jj][0], s[2 * jj][1]);          // (g,   keys 2t..2t+1)
        pa[1] = pack_bf16(s[2 * jj][2], s[2 * jj][3]);          // (g+8, keys 2t..2t+1)
        pa[2] = pack_bf16(s[2 * jj + 1][0], s[2 * jj + 1][1]);  // (g,   keys 2t+8..)
        pa[3] = pack_bf16(s[2 * jj + 1][2], s[2 * jj + 1][3]);  // (g+8, keys 2t+8..)
#pragma unroll
        for (int dp = 0; dp < 8; ++dp) {
          // matrices: (keys +0..7, d 16dp+0..7), (keys +8..15, d +0..7), (keys +0..7, d +8..15), (keys +8..15, d +8..15)
          const int key = kb + jj * 16 + r8 + ((mi & 1) << 3);
          const int ch = 2 * dp + (mi >> 1);
          uint32_t vf[4];
          ldsm_x4_trans(vf, vs + key * kRowBytes + ((ch ^ r8) << 4));
          mma_bf16(o[2 * dp], pa, vf[0], vf[1]);
          mma_bf16(o[2 * dp + 1], pa, vf[2], vf[3]);
        }
      }

      if (j + nst < ntiles) {
        __syncthreads();  // everyone is done with this stage
        load_tile(j + nst, stage);
      }
      cp_async_commit();
    }
  }
  cp_async_wait(0);
  __syncthreads();  // stages free for the merge buffers

  l0 += __shfl_xor_sync(0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync(0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync(0xffffffffu, l1, 2);

  if constexpr (CL) {
    // 1. The KG key groups' partials merge into warp (qi, 0), in its registers: the other warps of
    //    the query tile leave theirs in the (now free) stages in the same fragment layout, so each
    //    lane reads exactly its counterpart's values. 2. Warp (qi, 0) of every split sends CTA o of
    //    the cluster its max, sum and output n tiles [o*NC, o*NC + NC) (distributed shared memory;
    //    stores, nothing waits for an answer). 3. After one cluster barrier, CTA o combines those
    //    tiles over the splits in split order from its own shared memory and writes them as bf16.
    //    Nobody reads a peer's memory, so no CTA has to stay for the others past the barrier.
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    if constexpr (KG > 1) {
      float4* xs = reinterpret_cast<float4*>(kv_s);  // [KG - 1][NQ][32 lanes][17]
      if (kgi > 0) {
        float4* x = xs + (((kgi - 1) * NQ + qi) * 32 + lane) * 17;
        x[0] = make_float4(m0, m1, l0, l1);
#pragma unroll
        for (int n = 0; n < 16; ++n) x[1 + n] = make_float4(o[n][0], o[n][1], o[n][2], o[n][3]);
      }
      __syncthreads();
      if (kgi == 0) {
#pragma unroll
        for (int k = 1; k < KG; ++k) {
          const float4* x = xs + (((k - 1) * NQ + qi) * 32 + lane) * 17;
          const float4 ml = x[0];
          const float n0 = fmaxf(m0, ml.x), n1 = fmaxf(m1, ml.y);
          const float u0 = n0 == kNegInf ? 0.f : n0, u1 = n1 == kNegInf ? 0.f : n1;
          const float a0 = fast_exp2(m0 - u0), b0 = fast_exp2(ml.x - u0);
          const float a1 = fast_exp2(m1 - u1), b1 = fast_exp2(ml.y - u1);
          m0 = n0;
          m1 = n1;
          l0 = l0 * a0 + ml.z * b0;
          l1 = l1 * a1 + ml.w * b1;
#pragma unroll
          for (int n = 0; n < 16; ++n) {
            const float4 v = x[1 + n];
            o[n][0] = o[n][0] * a0 + v.x * b0;
            o[n][1] = o[n][1] * a0 + v.y * b0;
            o[n][2] = o[n][2] * a1 + v.z * b1;
            o[n][3] = o[n][3] * a1 + v.w * b1;
          }
        }
      }
    }
    const int NC = (16 + S - 1) / S;  // n tiles per combining CTA
    const int stride = NC + 1;        // float4 per (split, query tile, lane): (m0, m1, l0, l1), NC tiles
    float4* ys = reinterpret_cast<float4*>(kv_s + nst * kStageBytes);  // [S][NQ][32 lanes][stride]
    cluster_wait();  // phase 1 complete: every CTA of the cluster runs
    if (kgi == 0) {
      for (int ow = 0; ow < S; ++ow) {
        float4* y = (ow == sp ? ys : cluster.map_shared_rank(ys, ow)) + ((sp * NQ + qi) * 32 + lane) * stride;
        y[0] = make_float4(m0, m1, l0, l1);
        const int n0 = ow * NC;
#pragma unroll
        for (int n = 0; n < 16; ++n)
          if (n >= n0 && n < n0 + NC) y[1 + n - n0] = make_float4(o[n][0], o[n][1], o[n][2], o[n][3]);
      }
    }
    cluster_arrive();  // phase 2: the partials are in place everywhere
    cluster_wait();
    const int n0 = sp * NC;
    if (kgi == 0 && n0 < 16) {
      // Every load first (independent, one shared-memory latency), then the weights, then the sums.
      const float4* y = ys + (qi * 32 + lane) * stride;
      const int split_step = NQ * 32 * stride;
      float4 ml[kMaxClusterSplits];
      float M0 = kNegInf, M1 = kNegInf;
#pragma unroll
      for (int si = 0; si < kMaxClusterSplits; ++si) {
        if (si < S) {
          ml[si] = y[si * split_step];
          M0 = fmaxf(M0, ml[si].x);
          M1 = fmaxf(M1, ml[si].y);
        }
      }
      const float u0 = M0 == kNegInf ? 0.f : M0, u1 = M1 == kNegInf ? 0.f : M1;
      float L0 = 0.f, L1 = 0.f;
      float w0[kMaxClusterSplits], w1[kMaxClusterSplits];
#pragma unroll
      for (int si = 0; si < kMaxClusterSplits; ++si) {
        if (si < S) {
          w0[si] = fast_exp2(ml[si].x - u0);
          w1[si] = fast_exp2(ml[si].y - u1);
          L0 += w0[si] * ml[si].z;
          L1 += w1[si] * ml[si].w;
        }
      }
      float4 acc[8];
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        acc[j] = make_float4(0.f, 0.f, 0.f, 0.f);
        if (j < NC) {
#pragma unroll
          for (int si = 0; si < kMaxClusterSplits; ++si) {
            if (si < S) {
              const float4 v = y[si * split_step + 1 + j];
              acc[j].x += w0[si] * v.x;
              acc[j].y += w0[si] * v.y;
              acc[j].z += w1[si] * v.z;
              acc[j].w += w1[si] * v.w;
            }
          }
        }
      }
      const float inv0 = L0 > 0.f ? 1.f / L0 : 0.f, inv1 = L1 > 0.f ? 1.f / L1 : 0.f;
      const int r0 = qi * 16 + g, r1 = r0 + 8;
      __nv_bfloat16* out0 = p.out + ((static_cast<int64_t>(b) * T + r0) * p.H + h) * kD + 2 * t4;
      __nv_bfloat16* out1 = out0 + static_cast<int64_t>(8) * p.H * kD;
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        if (j < NC && n0 + j < 16) {
          const int col = (n0 + j) * 8;
          if (r0 < T) *reinterpret_cast<uint32_t*>(out0 + col) = pack_bf16(acc[j].x * inv0, acc[j].y * inv0);
          if (r1 < T) *reinterpret_cast<uint32_t*>(out1 + col) = pack_bf16(acc[j].z * inv1, acc[j].w * inv1);
        }
      }
    }
    return;
  }

  float* mo = reinterpret_cast<float*>(kv_s);  // [kMergeRows][kMergeStride], row = kgi*KW + query
  float* mm = mo + kMergeRows * kMergeStride;  // [kMergeRows]
  float* ml = mm + kMergeRows;                 // [kMergeRows]
  float* sw = ml + kMergeRows;                 // [kMaxSplits][64] split weights (last CTA)
  float* sinv = sw + kMaxSplits * 64;          // [64] 1 / total sum (last CTA)
  {
    const int r0 = kgi * KW + qi * 16 + g, r1 = r0 + 8;
#pragma unroll
    for (int n = 0; n < 16; ++n) {
      *reinterpret_cast<float2*>(&mo[r0 * kMergeStride + n * 8 + 2 * t4]) = make_float2(o[n][0], o[n][1]);
      *reinterpret_cast<float2*>(&mo[r1 * kMergeStride + n * 8 + 2 * t4]) = make_float2(o[n][2], o[n][3]);
    }
    if (t4 == 0) {
      mm[r0] = m0;
      ml[r0] = l0;
      mm[r1] = m1;
      ml[r1] = l1;
    }
  }
  __syncthreads();

  // Merge the KG key groups: item = (query, 4 dims).
  const bool single = S == 1;
  const int64_t part = static_cast<int64_t>(bh) * S + sp;
  for (int it = tid; it < T * 32; it += kThreads) {
    const int qr = it >> 5, d = (it & 31) * 4;
    float M = kNegInf;
#pragma unroll
    for (int gi = 0; gi < KG; ++gi) M = fmaxf(M, mm[gi * KW + qr]);
    const float Mu = M == kNegInf ? 0.f : M;
    float L = 0.f;
    float4 O = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
    for (int gi = 0; gi < KG; ++gi) {
      const float w = fast_exp2(mm[gi * KW + qr] - Mu);
      L += w * ml[gi * KW + qr];
      const float4 x = *reinterpret_cast<const float4*>(&mo[(gi * KW + qr) * kMergeStride + d]);
      O.x += w * x.x;
      O.y += w * x.y;
      O.z += w * x.z;
      O.w += w * x.w;
    }
    if (single) {
      const float inv = L > 0.f ? 1.f / L : 0.f;
      store_bf16x4(p.out + ((static_cast<int64_t>(b) * T + qr) * p.H + h) * kD + d, O.x * inv, O.y * inv,
                   O.z * inv, O.w * inv);
    } else {
      *reinterpret_cast<float4*>(&p.po[(part * T + qr) * kD + d]) = O;
      if (d == 0) {
        p.pm[part * T + qr] = M;
        p.pl[part * T + qr] = L;
      }
    }
  }
  if (single) return;

  // Last CTA of (b, h) combines the S partials in split order.
  __threadfence();
  __syncthreads();
  if (tid == 0) {
    const int prev = atomicAdd(&p.counters[bh], 1);
    s_is_last = prev == S - 1;
    if (prev == S - 1) atomicExch(&p.counters[bh], 0);  // every split has arrived: ready for the next call
  }
  __syncthreads();
  if (!s_is_last) return;
  __threadfence();

  const int64_t base = static_cast<int64_t>(bh) * S;
  for (int qr = tid; qr < T; qr += kThreads) {
    float M = kNegInf;
    for (int si = 0; si < S; ++si) M = fmaxf(M, __ldcg(&p.pm[(base + si) * T + qr]));
    const float Mu = M == kNegInf ? 0.f : M;
    float L = 0.f;
    for (int si = 0; si < S; ++si) {
      const float w = fast_exp2(__ldcg(&p.pm[(base + si) * T + qr]) - Mu);
      sw[si * 64 + qr] = w;
      L += w * __ldcg(&p.pl[(base + si) * T + qr]);
    }
    sinv[qr] = L > 0.f ? 1.f / L : 0.f;
  }
  __syncthreads();
  for (int it = tid; it < T * 32; it += kThreads) {
    const int qr = it >> 5, d = (it & 31) * 4;
    float4 O = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 8
    for (int si = 0; si < S; ++si) {
      const float w = sw[si * 64 + qr];
      const float4 x = __ldcg(reinterpret_cast<const float4*>(&p.po[((base + si) * T + qr) * kD + d]));
      O.x += w * x.x;
      O.y += w * x.y;
      O.z += w * x.z;
      O.w += w * x.w;
    }
    const float inv = sinv[qr];
    store_bf16x4(p.out + ((static_cast<int64_t>(b) * T + qr) * p.H + h) * kD + d, O.x * inv, O.y * inv, O.z * inv,
                 O.w * inv);
  }
}

// ---------------------------------------------------------------------------------------------
// Host side: device facts (cached per device), the split plan, the launch.

constexpr int kUnsupported = 1;  // cudaErrorInvalidValue: the caller falls back to ATen
constexpr int kMaxDevices = 64;

int kw_for(int T) { return T <= 16 ? 16 : (T <= 32 ? 32 : 64); }
int kw_index(int kw) { return kw == 16 ? 0 : (kw == 32 ? 1 : 2); }
int smem_bytes(int kw, int nst) {
  const int stages = nst * kStageBytes;
  return kw * kRowBytes + (stages > kMergeBytes ? stages : kMergeBytes);
}
int cl_smem_bytes(int kw, int nst) { return kw * kRowBytes + nst * kStageBytes + cl_bytes(kw); }

struct DeviceFacts {
  int sms = 0;
  bool cluster[3] = {};       // clusters of kMaxClusterSplits CTAs (3 stages each) can run, by kw_index
  // Cluster launches ask for spread_smem bytes of shared memory (just over half an SM's), so that
  // their CTAs never share an SM; spread[kw_index][s]: clusters of s such CTAs resident at once.
  int spread_smem = 0;
  int spread[3][kMaxClusterSplits + 1] = {};
};

template <int KW>
cudaError_t kernel_facts(bool* cluster, int spread_smem, int (&spread)[kMaxClusterSplits + 1]) {
  for (auto* k : {block_attention_kernel<KW, false, false>, block_attention_kernel<KW, false, true>}) {
    const cudaError_t e = cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes(KW, 3));
    if (e != cudaSuccess) return e;
  }
  *cluster = false;
  int dev = 0, can = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&can, cudaDevAttrClusterLaunch, dev) != cudaSuccess ||
      !can)
    return cudaSuccess;  // no clusters (before sm_90): the workspace combine serves every split count
  const int cl_smem = spread_smem > cl_smem_bytes(KW, 3) ? spread_smem : cl_smem_bytes(KW, 3);
  if (cudaFuncSetAttribute(block_attention_kernel<KW, true, false>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                           cl_smem) != cudaSuccess ||
      cudaFuncSetAttribute(block_attention_kernel<KW, true, true>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                           cl_smem) != cudaSuccess) {
    cudaGetLastError();
    return cudaSuccess;
  }
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(kMaxClusterSplits);
  cfg.blockDim = dim3(kThreads);
  cfg.dynamicSmemBytes = cl_smem_bytes(KW, 3);
  cudaLaunchAttribute attr;
  attr.id = cudaLaunchAttributeClusterDimension;
  attr.val.clusterDim.x = kMaxClusterSplits;
  attr.val.clusterDim.y = 1;
  attr.val.clusterDim.z = 1;
  cfg.attrs = &attr;
  cfg.numAttrs = 1;
  int clusters = 0;
  if (cudaOccupancyMaxActiveClusters(&clusters, block_attention_kernel<KW, true, false>, &cfg) != cudaSuccess) {
    cudaGetLastError();
    return cudaSuccess;
  }
  *cluster = clusters > 0;
  for (int sz = 2; sz <= kMaxClusterSplits && *cluster && spread_smem > 0; ++sz) {
    cfg.gridDim = dim3(sz);
    cfg.dynamicSmemBytes = cl_smem;
    attr.val.clusterDim.x = sz;
    if (cudaOccupancyMaxActiveClusters(&spread[sz], block_attention_kernel<KW, true, false>, &cfg) != cudaSuccess) {
      cudaGetLastError();
      spread[sz] = 0;
    }
  }
  return cudaSuccess;
}

std::mutex g_facts_mu;
DeviceFacts g_facts[kMaxDevices];
bool g_facts_ready[kMaxDevices] = {};
std::atomic<int> g_force_splits{0};
std::atomic<bool> g_clusters{true};

cudaError_t device_facts(DeviceFacts* out) {
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  if (dev < 0 || dev >= kMaxDevices) return cudaErrorInvalidDevice;
  std::lock_guard<std::mutex> lock(g_facts_mu);
  if (!g_facts_ready[dev]) {
    DeviceFacts f;
    e = cudaDeviceGetAttribute(&f.sms, cudaDevAttrMultiProcessorCount, dev);
    int per_sm = 0, per_block = 0;
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, dev);
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&per_block, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev);
    // REMEDI_ATTN_SPREAD=0 (A/B timing): neither the padding nor the cluster residency count.
    const char* spread_env = std::getenv("REMEDI_ATTN_SPREAD");
    const bool spread_on = spread_env == nullptr || std::strcmp(spread_env, "0") != 0;
    // Just over half of what two CTAs can hold once each has its reserved shared memory: two never
    // fit on one SM, while a CTA of up to (per_sm / 2 - reserved - 128) bytes (a skinny matmul's
    // with two 192-column stages) still fits beside one.
    int reserved = 0;
    if (e == cudaSuccess && cudaDeviceGetAttribute(&reserved, cudaDevAttrReservedSharedMemoryPerBlock, dev) != cudaSuccess) {
      cudaGetLastError();
      reserved = 1024;
    }
    const int spread = per_sm / 2 - reserved + 128;
    f.spread_smem = spread_on && spread <= per_block ? spread : 0;  // 0: none
    if (e == cudaSuccess) e = kernel_facts<16>(&f.cluster[0], f.spread_smem, f.spread[0]);
    if (e == cudaSuccess) e = kernel_facts<32>(&f.cluster[1], f.spread_smem, f.spread[1]);
    if (e == cudaSuccess) e = kernel_facts<64>(&f.cluster[2], f.spread_smem, f.spread[2]);
    if (e != cudaSuccess) return e;
    g_facts[dev] = f;
    g_facts_ready[dev] = true;
  }
  *out = g_facts[dev];
  return cudaSuccess;
}

struct Plan {
  int kw = 32, splits = 1, tps = 1, nst = 2, smem = 0;
  bool cluster = false;  // splits combined in a thread-block cluster (2..kMaxClusterSplits splits)
};

void shape_plan(int tiles, int s, Plan& pl) {
  pl.tps = (tiles + s - 1) / s;
  pl.splits = (tiles + pl.tps - 1) / pl.tps;  // no empty chunk
  pl.nst = pl.tps >= 3 ? 3 : 2;               // tiles in flight: the whole chunk when it has <= 3 tiles
  pl.smem = smem_bytes(pl.kw, pl.nst);
}

// Splits: a crude cost in units of one tile's load time. CTAs that run in one wave cost their chunk
// plus a fixed overhead; every extra wave costs again; splitting adds the combine: through the
// cluster's shared memory (2-8 splits, when the GPU has clusters) a small constant, else the last
// CTA reads S partials of T x D floats from L2.
Plan make_plan(int B, int T, int H, int kv_len, const DeviceFacts& f) {
  Plan pl;
  pl.kw = kw_for(T);
  const int tiles = (kv_len + kTileKeys - 1) / kTileKeys;
  const int64_t bh = static_cast<int64_t>(B) * H;
  int64_t max_s = tiles < kMaxSplits ? tiles : kMaxSplits;  // workspace combine
  if (bh > kMaxCounters) max_s = 1;
  else if (max_s > kMaxPartialCtas / bh) max_s = kMaxPartialCtas / bh;
  if (max_s < 1) max_s = 1;
  const bool clusters = f.cluster[kw_index(pl.kw)] && g_clusters.load(std::memory_order_relaxed);
  const int64_t max_cs = clusters ? (tiles < kMaxClusterSplits ? tiles : kMaxClusterSplits) : 1;
  auto finish = [&](Plan& c) {
    c.cluster = c.splits > 1 && c.splits <= max_cs;
    if (c.cluster) c.smem = cl_smem_bytes(c.kw, c.nst);
    if (c.cluster && f.spread_smem > c.smem) c.smem = f.spread_smem;  // one CTA per SM
    return c;
  };
  const int forced = g_force_splits.load(std::memory_order_relaxed);
  if (forced > 0) {
    const int64_t cap = max_s > max_cs ? max_s : max_cs;
    shape_plan(tiles, static_cast<int>(forced < cap ? forced : cap), pl);
    if (pl.splits > max_s && pl.splits > max_cs) shape_plan(tiles, static_cast<int>(max_s), pl);
    return finish(pl);
  }
  double best = 1e300;
  Plan best_plan = pl;
  const int64_t top = max_s > max_cs ? max_s : max_cs;
  for (int s = 1; s <= top; ++s) {
    Plan c = pl;
    shape_plan(tiles, s, c);
    if (c.splits != s) continue;
    finish(c);
    if (s > 1 && !c.cluster && s > max_s) continue;
    // A wave is one CTA per SM, not the occupancy: a CTA's tile loop is latency-bound (4 warps),
    // and CTAs sharing an SM slow each other about as much as a second wave would (H200 sweep at
    // T=32, kv=1184: batch 1 best at 3-7 splits, 2 at 2 splits, 4 and 8 at one). Clusters are
    // placed whole inside one GPC, so fewer fit at once than SMs / s (H200: 30 clusters of 4 for
    // 132 SMs; batch 1's 32 heads in clusters of 4 took two waves, 14.3 us against 12.9 with 3).
    const int64_t slots = f.sms > 0 ? f.sms : 1;
    int64_t waves = (bh * s + slots - 1) / slots;
    const int fit = kw_index(c.kw) < 3 && s <= kMaxClusterSplits ? f.spread[kw_index(c.kw)][s] : 0;
    if (c.cluster && fit > 0 && (bh + fit - 1) / fit > waves) waves = (bh + fit - 1) / fit;
    double cost = static_cast<double>(waves) * (c.tps + 1.0);
    if (c.cluster)
      cost += 0.3;
    else if (s > 1)
      cost += 0.5 + s * T / (64.0 * 3.0);
    if (cost < best - 1e-9) {
      best = cost;
      best_plan = c;
    }
  }
  return best_plan;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

}  // namespace

int64_t block_attention_workspace_bytes(int /*B*/, int T, int /*H*/, int D, int /*kv_len*/) {
  if (D != kD) return 0;
  const int64_t t = T < 1 ? 1 : (T > 64 ? 64 : T);
  return kCounterBytes + static_cast<int64_t>(kMaxPartialCtas) * t * (kD + 2) * 4;
}

int block_attention_splits(int B, int T, int H, int D, int kv_len) {
  if (D != kD || T < 1 || T > 64 || kv_len < 1 || B < 1 || H < 1) return -kUnsupported;
  DeviceFacts f;
  const cudaError_t e = device_facts(&f);
  if (e != cudaSuccess) return -static_cast<int>(e);
  return make_plan(B, T, H, kv_len, f).splits;
}

void block_attention_force_splits(int splits) { g_force_splits.store(splits > 0 ? splits : 0); }

void block_attention_allow_clusters(bool on) { g_clusters.store(on); }

bool block_attention_uses_cluster(int B, int T, int H, int D, int kv_len) {
  if (D != kD || T < 1 || T > 64 || kv_len < 1 || B < 1 || H < 1) return false;
  DeviceFacts f;
  if (device_facts(&f) != cudaSuccess) return false;
  return make_plan(B, T, H, kv_len, f).cluster;
}

namespace {

// Launched plainly unless REMEDI_ATTN_EARLY=1 or block_attention_early(true): early, its CTAs
// (over half an SM's shared memory each) wait on SMs the matmul after it would stream into, and
// the H200 batch-1 forward was 0.01-0.03 ms slower (results/bench/README.md). The kernel waits
// for the previous grid either way (a no-op after a plain launch).
std::atomic<int> g_attn_early{-1};
bool attention_early() {
  int on = g_attn_early.load(std::memory_order_relaxed);
  if (on < 0) {
    const char* e = std::getenv("REMEDI_ATTN_EARLY");
    on = e != nullptr && std::strcmp(e, "1") == 0 ? 1 : 0;
    g_attn_early.store(on);
  }
  return on == 1;
}

template <int KW, bool CL, bool RP>
cudaError_t launch_kw(const AttnParams& p, const Plan& pl, unsigned blocks, cudaStream_t st) {
  if constexpr (CL) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(blocks);
    cfg.blockDim = dim3(kThreads);
    cfg.dynamicSmemBytes = static_cast<size_t>(pl.smem);
    cfg.stream = st;
    cudaLaunchAttribute attrs[2];
    attrs[0].id = cudaLaunchAttributeClusterDimension;
    attrs[0].val.clusterDim.x = static_cast<unsigned>(pl.splits);  // the splits of one (b, h): consecutive CTAs
    attrs[0].val.clusterDim.y = 1;
    attrs[0].val.clusterDim.z = 1;
    cfg.attrs = attrs;
    cfg.numAttrs = 1 + (attention_early() ? early_launch_attr(&attrs[1]) : 0);
    const cudaError_t le = cudaLaunchKernelEx(&cfg, block_attention_kernel<KW, true, RP>, p);
    return le != cudaSuccess ? le : cudaGetLastError();
  } else {
    if (!attention_early()) {
      block_attention_kernel<KW, false, RP><<<blocks, kThreads, pl.smem, st>>>(p);
      return cudaGetLastError();
    }
    const cudaError_t le = launch_early(block_attention_kernel<KW, false, RP>, dim3(blocks), dim3(kThreads),
                                        static_cast<size_t>(pl.smem), st, p);
    return le != cudaSuccess ? le : cudaGetLastError();
  }
}

template <bool RP>
cudaError_t launch_plan(const AttnParams& p, const Plan& pl, unsigned blocks, cudaStream_t st) {
  switch (pl.kw) {
    case 16:
      return pl.cluster ? launch_kw<16, true, RP>(p, pl, blocks, st) : launch_kw<16, false, RP>(p, pl, blocks, st);
    case 32:
      return pl.cluster ? launch_kw<32, true, RP>(p, pl, blocks, st) : launch_kw<32, false, RP>(p, pl, blocks, st);
    default:
      return pl.cluster ? launch_kw<64, true, RP>(p, pl, blocks, st) : launch_kw<64, false, RP>(p, pl, blocks, st);
  }
}

// Both entry points: checks, the plan, the parameters, the launch. rope: null for plain attention.
struct RopeArgs {
  const void* kn;
  const void* vn;
  const float* cos;
  const float* sin;
};

int attention_launch(const void* q, int64_t q_sb, int64_t q_st, int64_t q_sh, const void* k, const void* v,
                     int64_t s_cap, void* out, int B, int T, int H, int D, int kv_len, const int64_t* kv_len_dev,
                     const int64_t* lo_len, int hi_start, const int64_t* hi_rows, void* workspace, void* stream,
                     const RopeArgs* rope) {
  if (D != kD || T < 1 || T > 64 || B < 1 || H < 1 || kv_len < 1 || kv_len > s_cap) return kUnsupported;
  if (!aligned16(q) || !aligned16(k) || !aligned16(v) || !aligned16(out) || q_sb % 8 != 0 || q_st % 8 != 0 ||
      q_sh % 8 != 0)
    return kUnsupported;
  if (rope != nullptr && (!aligned16(rope->kn) || !aligned16(rope->vn) || !aligned16(rope->cos) ||
                          !aligned16(rope->sin) || kv_len < T))
    return kUnsupported;
  DeviceFacts f;
  const cudaError_t e = device_facts(&f);
  if (e != cudaSuccess) return static_cast<int>(e);
  const Plan pl = make_plan(B, T, H, kv_len, f);
  const int64_t grid = static_cast<int64_t>(B) * H * pl.splits;
  if (grid > 0x7fffffff) return kUnsupported;
  if (pl.splits > 1 && !pl.cluster && (workspace == nullptr || !aligned16(workspace))) return kUnsupported;

  AttnParams p{};
  p.q = static_cast<const __nv_bfloat16*>(q);
  p.q_sb = q_sb;
  p.q_st = q_st;
  p.q_sh = q_sh;
  p.k = static_cast<const __nv_bfloat16*>(k);
  p.v = static_cast<const __nv_bfloat16*>(v);
  p.s_cap = s_cap;
  p.out = static_cast<__nv_bfloat16*>(out);
  p.T = T;
  p.H = H;
  p.kv_len = kv_len;
  p.kv_len_dev = kv_len_dev;
  p.lo_len = lo_len;
  p.hi_start = hi_start;
  p.hi_rows = hi_rows;
  p.splits = pl.splits;
  p.tiles_per_split = pl.tps;
  p.nst = pl.nst;
  p.scale_log2 = kLog2e / sqrtf(static_cast<float>(D));
  if (pl.splits > 1 && !pl.cluster) {
    unsigned char* ws = static_cast<unsigned char*>(workspace);
    const int64_t rows = static_cast<int64_t>(kMaxPartialCtas) * T;
    p.counters = reinterpret_cast<int*>(ws);
    p.pm = reinterpret_cast<float*>(ws + kCounterBytes);
    p.pl = p.pm + rows;
    p.po = p.pl + rows;
  }
  const cudaStream_t st = static_cast<cudaStream_t>(stream);
  const unsigned blocks = static_cast<unsigned>(grid);
  if (rope == nullptr) return static_cast<int>(launch_plan<false>(p, pl, blocks, st));
  p.kn = static_cast<const __nv_bfloat16*>(rope->kn);
  p.vn = static_cast<const __nv_bfloat16*>(rope->vn);
  p.cos = rope->cos;
  p.sin = rope->sin;
  p.kc = static_cast<__nv_bfloat16*>(const_cast<void*>(k));
  p.vc = static_cast<__nv_bfloat16*>(const_cast<void*>(v));
  return static_cast<int>(launch_plan<true>(p, pl, blocks, st));
}

}  // namespace

int block_attention(const void* q, int64_t q_sb, int64_t q_st, int64_t q_sh, const void* k, const void* v,
                    int64_t s_cap, void* out, int B, int T, int H, int D, int kv_len, const int64_t* kv_len_dev,
                    const int64_t* lo_len, int hi_start, const int64_t* hi_rows, void* workspace, void* stream) {
  return attention_launch(q, q_sb, q_st, q_sh, k, v, s_cap, out, B, T, H, D, kv_len, kv_len_dev, lo_len, hi_start,
                          hi_rows, workspace, stream, nullptr);
}

int rope_block_attention(const void* qkv, int64_t q_sb, int64_t q_st, int64_t q_sh, const float* cos,
                         const float* sin, void* k, void* v, int64_t s_cap, void* out, int B, int T, int H, int D,
                         int kv_len, const int64_t* kv_len_dev, const int64_t* lo_len, int hi_start,
                         const int64_t* hi_rows, void* workspace, void* stream) {
  const int64_t slot = static_cast<int64_t>(H) * D;  // q, k, v of one token are H * D apart
  const RopeArgs rope{static_cast<const uint16_t*>(qkv) + slot, static_cast<const uint16_t*>(qkv) + 2 * slot, cos,
                      sin};
  return attention_launch(qkv, q_sb, q_st, q_sh, k, v, s_cap, out, B, T, H, D, kv_len, kv_len_dev, lo_len, hi_start,
                          hi_rows, workspace, stream, &rope);
}

void block_attention_early(bool on) { g_attn_early.store(on ? 1 : 0); }

}  // namespace remedi::engine::cuda
