// Weight-streaming matmul for steps of <= 32 rows, K split over a thread-block cluster where the
// output is narrow (see skinny_gemm.h for why and when).
//
// CTA (n tile t, split s) of a cluster of `splits` CTAs (1: no cluster) computes the float32 partial
//   P_s = x[:, Ks] . w[t*BN : (t+1)*BN, Ks]^T       Ks = the split's K / splits columns
// 4 warps; warp w owns BN / 4 output columns and all 32 rows. K advances in 128-column stages: the
// weight tile (BN rows x 256 bytes) and the x tile (32 rows x 256 bytes) of a stage arrive by
// cp.async (16 bytes per copy; x rows >= M are zero-filled), NST stages in the ring, NST - 1 in
// flight while one is multiplied. Shared-memory rows are 256 bytes with the 16-byte chunk index
// XOR-swizzled by (row & 7), so ldmatrix's 8 row addresses fall in 8 different bank groups (the
// layout of the attention kernel's K tiles). mma.sync m16n8k16: A = x (16 rows x 16 k, ldmatrix),
// B = the weight rows (k16 x n8 "col" layout = w's rows with k contiguous, ldmatrix), C float32.
// After the loop each CTA leaves its partial in its own shared memory; after a cluster barrier, CTA s
// sums a 1/splits share of the tile's (row, 4 columns) items over all splits in split order, adds
// the bias, rounds once to bf16 and stores; a second barrier keeps every partial alive until its
// readers are done.
#include <cooperative_groups.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "pdl.h"
#include "ptx.h"
#include "skinny_gemm.h"

namespace remedi::engine::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kRows = 32;                // x rows a CTA holds (M <= 32)
constexpr int kBK = 128;                 // K columns per stage
constexpr int kRowBytes = kBK * 2;       // one smem row: 256 bytes
constexpr int kXBytes = kRows * kRowBytes;  // 8 KiB
constexpr int kMaxSplits = 8;            // portable cluster size

struct Params {
  const __nv_bfloat16* x;
  const __nv_bfloat16* w;
  const __nv_bfloat16* bias;
  __nv_bfloat16* y;
  int M, N, K;
  int splits, stages_per_split;  // K / 128 / splits stages per CTA
};

template <int BN, int NST>
constexpr int smem_bytes() {
  // The ring of stages; the float32 partial tile (kRows x (BN + 4)) reuses it after the loop.
  return NST * (BN * kRowBytes + kXBytes);
}

template <int BN, int NST>
__global__ void __launch_bounds__(kThreads, 1) skinny_gemm_kernel(const Params p) {
  constexpr int NW = BN / 4;     // output columns per warp
  constexpr int NP = NW / 16;    // ldmatrix.x4 of weight rows per k16 step (16 columns each)
  constexpr int kStage = BN * kRowBytes + kXBytes;
  constexpr int kPStride = BN + 4;  // floats per partial row (spreads the banks)
  static_assert(NP >= 1 && NW % 16 == 0, "warp layout");
  static_assert(kRows * kPStride * 4 <= NST * kStage, "the partial tile fits in the ring");

  // The next kernel of the stream (launched early, pdl.h) may get resident now: it waits for this
  // whole grid before it reads anything, and a matmul after it streams its first weight stages
  // into shared memory meanwhile, so this kernel's tail overlaps the next matmul's start.
  allow_dependents();
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int S = p.splits;
  const int sp = static_cast<int>(blockIdx.x % S);
  const int n0 = static_cast<int>(blockIdx.x / S) * BN;
  const int nk = p.stages_per_split;
  const int64_t kbeg = static_cast<int64_t>(sp) * nk * kBK;
  const int64_t K = p.K;
  const uint32_t base = smem_addr(smem);

  auto load_w = [&](int j, int slot) {
    const int64_t k0 = kbeg + static_cast<int64_t>(j) * kBK;
    const uint32_t ws = base + slot * kStage;
#pragma unroll
    for (int i = 0; i < BN * 16 / kThreads; ++i) {
      const int c = tid + i * kThreads;
      const int r = c >> 4, ch = c & 15;
      cp_async16(ws + r * kRowBytes + ((ch ^ (r & 7)) << 4), p.w + (n0 + r) * K + k0 + ch * 8, true);
    }
  };
  auto load_x = [&](int j, int slot) {
    const int64_t k0 = kbeg + static_cast<int64_t>(j) * kBK;
    const uint32_t xs = base + slot * kStage + BN * kRowBytes;
#pragma unroll
    for (int i = 0; i < kRows * 16 / kThreads; ++i) {
      const int c = tid + i * kThreads;
      const int r = c >> 4, ch = c & 15;
      const bool ok = r < p.M;
      cp_async16(xs + r * kRowBytes + ((ch ^ (r & 7)) << 4), p.x + (ok ? r : 0) * K + k0 + ch * 8, ok);
    }
  };

  // Prologue. The weight tiles of the first NST - 1 stages are requested before waiting for the
  // previous kernel (launched early, pdl.h: the weights are no kernel's output), so their HBM latency
  // overlaps that kernel's tail; x, the previous kernel's output, only after the wait. Groups: one
  // per weight stage, then one for all their x tiles; stage 0 waits for all of them.
#pragma unroll
  for (int s = 0; s < NST - 1; ++s) {
    if (s < nk) load_w(s, s);
    cp_async_commit();  // empty groups past the end keep the counting uniform
  }
  wait_for_previous_grid();
#pragma unroll
  for (int s = 0; s < NST - 1; ++s)
    if (s < nk) load_x(s, s);
  cp_async_commit();

  const int g = lane >> 2, t4 = lane & 3;
  const int mi = lane >> 3, r8 = lane & 7;  // ldmatrix: this lane addresses row r8 of matrix mi
  const int wn = warp * NW;                 // the warp's first column within the tile

  float acc[2][2 * NP][4];
#pragma unroll
  for (int a = 0; a < 2; ++a)
#pragma unroll
    for (int n = 0; n < 2 * NP; ++n) acc[a][n][0] = acc[a][n][1] = acc[a][n][2] = acc[a][n][3] = 0.f;

  for (int j = 0; j < nk; ++j) {
    // Stage j landed (this thread's copies): for j < NST - 1 the prologue's groups (all of them at
    // j == 0); after that the loop's group of stage j, with NST - 2 younger groups allowed pending.
    if (j == 0)
      cp_async_wait<0>();
    else
      cp_async_wait<NST - 2>();
    __syncthreads();  // ... and everyone's; everyone is also done with stage j - 1
    if (j + NST - 1 < nk) {
      load_w(j + NST - 1, (j + NST - 1) % NST);
      load_x(j + NST - 1, (j + NST - 1) % NST);
    }
    cp_async_commit();
    const uint32_t ws = base + (j % NST) * kStage, xs = ws + BN * kRowBytes;
#pragma unroll
    for (int kk = 0; kk < 8; ++kk) {
      // A 16x16 by ldmatrix: a0 rows 0-7 / k 0-7, a1 rows 8-15 / k 0-7, a2 rows 0-7 / k 8-15, a3 rows 8-15 / k 8-15.
      uint32_t xa[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt)
        ldsm_x4(xa[mt], xs + (mt * 16 + r8 + ((mi & 1) << 3)) * kRowBytes + (((2 * kk + (mi >> 1)) ^ r8) << 4));
#pragma unroll
      for (int np = 0; np < NP; ++np) {
        // matrices: (cols +0..7, k 16kk+0..7), (cols +0..7, k +8..15), (cols +8..15, k +0..7), (cols +8..15, k +8..15)
        const int row = wn + np * 16 + r8 + ((mi >> 1) << 3);
        const int ch = 2 * kk + (mi & 1);
        uint32_t wf[4];
        ldsm_x4(wf, ws + row * kRowBytes + ((ch ^ r8) << 4));
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma_bf16(acc[mt][2 * np], xa[mt], wf[0], wf[1]);
          mma_bf16(acc[mt][2 * np + 1], xa[mt], wf[2], wf[3]);
        }
      }
    }
  }
  cp_async_wait<0>();

  if (S == 1) {  // no split: round and store straight from the accumulators
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int n = 0; n < 2 * NP; ++n) {
        const int col = n0 + wn + n * 8 + 2 * t4;
        float b0 = 0.f, b1 = 0.f;
        if (p.bias != nullptr) {
          b0 = __bfloat162float(p.bias[col]);
          b1 = __bfloat162float(p.bias[col + 1]);
        }
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int row = mt * 16 + g + 8 * h;
          if (row < p.M)
            *reinterpret_cast<__nv_bfloat162*>(p.y + static_cast<int64_t>(row) * p.N + col) =
                __floats2bfloat162_rn(acc[mt][n][2 * h] + b0, acc[mt][n][2 * h + 1] + b1);
        }
      }
    return;
  }

  __syncthreads();  // every warp is done reading the ring: it becomes the partial tile
  float* part = reinterpret_cast<float*>(smem);
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int n = 0; n < 2 * NP; ++n) {
      const int col = wn + n * 8 + 2 * t4;
#pragma unroll
      for (int h = 0; h < 2; ++h)
        *reinterpret_cast<float2*>(&part[(mt * 16 + g + 8 * h) * kPStride + col]) =
            make_float2(acc[mt][n][2 * h], acc[mt][n][2 * h + 1]);
    }

  namespace cg = cooperative_groups;
  cg::cluster_group cluster = cg::this_cluster();
  cluster.sync();  // every split's partial is in place
  constexpr int kItemsPerRow = BN / 4;
  const int items = p.M * kItemsPerRow;
  for (int it = sp * kThreads + tid; it < items; it += S * kThreads) {
    const int row = it / kItemsPerRow, c4 = (it % kItemsPerRow) * 4;
    float4 o = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
    for (int si = 0; si < kMaxSplits; ++si) {
      if (si < S) {
        const float4 v = *reinterpret_cast<const float4*>(cluster.map_shared_rank(part, si) + row * kPStride + c4);
        o.x += v.x;
        o.y += v.y;
        o.z += v.z;
        o.w += v.w;
      }
    }
    const int col = n0 + c4;
    if (p.bias != nullptr) {
      o.x += __bfloat162float(p.bias[col]);
      o.y += __bfloat162float(p.bias[col + 1]);
      o.z += __bfloat162float(p.bias[col + 2]);
      o.w += __bfloat162float(p.bias[col + 3]);
    }
    __nv_bfloat162 lo = __floats2bfloat162_rn(o.x, o.y), hi = __floats2bfloat162_rn(o.z, o.w);
    uint2 u;
    u.x = *reinterpret_cast<const uint32_t*>(&lo);
    u.y = *reinterpret_cast<const uint32_t*>(&hi);
    *reinterpret_cast<uint2*>(p.y + static_cast<int64_t>(row) * p.N + col) = u;
  }
  cluster.sync();  // peers may still be reading this CTA's partial
}

// ---------------------------------------------------------------------------------------------
// Host side.

constexpr int kDeclined = 1;  // cudaErrorInvalidValue
constexpr int kMaxDevices = 64;

// The compiled configurations: (n tile, stages). The default stages of an n tile are its first
// entry: as many as fit in ~200 KB of shared memory, so that a matmul launched early can stream that
// much of its weight before the previous kernel is done.
constexpr int kConfigs = 5;
constexpr int kConfigBn[kConfigs] = {64, 128, 192, 64, 192};
constexpr int kConfigStages[kConfigs] = {8, 5, 3, 4, 2};

int config_index(int bn, int nst) {
  for (int i = 0; i < kConfigs; ++i)
    if (kConfigBn[i] == bn && kConfigStages[i] == nst) return i;
  return -1;
}
int default_stages(int bn) {
  for (int i = 0; i < kConfigs; ++i)
    if (kConfigBn[i] == bn) return kConfigStages[i];
  return 0;
}

struct DeviceFacts {
  int sms = 0;
  // Clusters of s CTAs (index s; s = 1: plain CTAs) of configuration c that can be resident at once
  // (0: none, or the configuration could not be set up): a launch of more runs in several waves.
  int max_clusters[kConfigs][kMaxSplits + 1] = {};
};

std::mutex g_mu;
DeviceFacts g_facts[kMaxDevices];
bool g_ready[kMaxDevices] = {};
std::atomic<int> g_force_bn{0}, g_force_splits{0}, g_force_stages{0};
std::atomic<int> g_enabled{-1};  // -1: read REMEDI_SKINNY_GEMM on first use
std::atomic<int64_t> g_launches{0};
std::atomic<bool> g_early{true};

// Per-shape plans set by skinny_set_plan or REMEDI_SKINNY_PLANS (read on first use): "N:K:bn:splits:stages"
// items separated by ',' or '/'; bn 0 declines the shape (cuBLASLt serves it). For A/B runs.
struct PlanOverride {
  int64_t N, K;
  SkinnyPlan plan;
};
std::vector<PlanOverride> g_overrides;  // under g_mu
bool g_overrides_read = false;

void read_override_env() {  // under g_mu
  if (g_overrides_read) return;
  g_overrides_read = true;
  const char* env = std::getenv("REMEDI_SKINNY_PLANS");
  for (const char* c = env; c != nullptr && *c != 0;) {
    long long v[5] = {};
    int n = 0;
    char* end = nullptr;
    while (n < 5) {
      v[n++] = std::strtoll(c, &end, 10);
      c = end;
      if (*c != ':') break;
      ++c;
    }
    if (n == 5) g_overrides.push_back({v[0], v[1], SkinnyPlan{int(v[2]), int(v[3]), int(v[4])}});
    while (*c != 0 && *c != ',' && *c != '/') ++c;
    if (*c != 0) ++c;
  }
}

// The override for (N, K), if any.
bool find_override(int64_t N, int64_t K, SkinnyPlan* out) {
  std::lock_guard<std::mutex> lock(g_mu);
  read_override_env();
  for (const auto& o : g_overrides)
    if (o.N == N && o.K == K) {
      *out = o.plan;
      return true;
    }
  return false;
}

template <int BN, int NST>
void configure(int sms, int (&max_clusters)[kMaxSplits + 1]) {
  auto kernel = skinny_gemm_kernel<BN, NST>;
  if (cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_bytes<BN, NST>()) !=
      cudaSuccess) {
    cudaGetLastError();
    return;
  }
  int per_sm = 0;
  if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, smem_bytes<BN, NST>()) != cudaSuccess) {
    cudaGetLastError();
    per_sm = 0;
  }
  max_clusters[1] = per_sm * sms;
  for (int s = 2; s <= kMaxSplits; ++s) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(s);
    cfg.blockDim = dim3(kThreads);
    cfg.dynamicSmemBytes = smem_bytes<BN, NST>();
    cudaLaunchAttribute attr;
    attr.id = cudaLaunchAttributeClusterDimension;
    attr.val.clusterDim.x = s;
    attr.val.clusterDim.y = 1;
    attr.val.clusterDim.z = 1;
    cfg.attrs = &attr;
    cfg.numAttrs = 1;
    int clusters = 0;
    if (cudaOccupancyMaxActiveClusters(&clusters, kernel, &cfg) != cudaSuccess) {
      cudaGetLastError();
      clusters = 0;
    }
    max_clusters[s] = clusters;
  }
}

cudaError_t device_facts(DeviceFacts* out) {
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  if (dev < 0 || dev >= kMaxDevices) return cudaErrorInvalidDevice;
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_ready[dev]) {
    DeviceFacts f;
    e = cudaDeviceGetAttribute(&f.sms, cudaDevAttrMultiProcessorCount, dev);
    if (e != cudaSuccess) return e;
    int can = 0;
    if (cudaDeviceGetAttribute(&can, cudaDevAttrClusterLaunch, dev) == cudaSuccess && can) {
      configure<64, 8>(f.sms, f.max_clusters[0]);
      configure<128, 5>(f.sms, f.max_clusters[1]);
      configure<192, 3>(f.sms, f.max_clusters[2]);
      configure<64, 4>(f.sms, f.max_clusters[3]);
      configure<192, 2>(f.sms, f.max_clusters[4]);
    }
    cudaGetLastError();
    g_facts[dev] = f;
    g_ready[dev] = true;
  }
  *out = g_facts[dev];
  return cudaSuccess;
}

bool enabled() {
  int on = g_enabled.load(std::memory_order_relaxed);
  if (on < 0) {
    const char* env = std::getenv("REMEDI_SKINNY_GEMM");
    on = env != nullptr && (std::strcmp(env, "0") == 0 || std::strcmp(env, "off") == 0) ? 0 : 1;
    g_enabled.store(on, std::memory_order_relaxed);
  }
  return on == 1;
}

SkinnyPlan make_plan(int64_t M, int64_t N, int64_t K, const DeviceFacts& f) {
  SkinnyPlan none;
  if (M < 1 || M > kRows || N < 64 || N % 64 != 0 || K < kBK || K % kBK != 0 || N > (1 << 24) || K > (1 << 23))
    return none;
  const int64_t kstages = K / kBK;
  auto fits = [&](int bn, int s, int nst) {  // launchable at all: some clusters of s can be resident
    const int c = config_index(bn, nst);
    return c >= 0 && N % bn == 0 && s >= 1 && s <= kMaxSplits && kstages % s == 0 && f.max_clusters[c][s] > 0;
  };
  SkinnyPlan ov;
  if (find_override(N, K, &ov)) {
    if (ov.stages == 0) ov.stages = default_stages(ov.bn);
    return ov.bn != 0 && fits(ov.bn, ov.splits, ov.stages) ? ov : none;
  }
  const int fbn = g_force_bn.load(), fs = g_force_splits.load(), fst = g_force_stages.load();
  if (fbn != 0 || fs != 0 || fst != 0) {
    SkinnyPlan pl;
    pl.bn = fbn != 0 ? fbn : 64;
    pl.splits = fs != 0 ? fs : 1;
    pl.stages = fst != 0 ? fst : default_stages(pl.bn);
    return fits(pl.bn, pl.splits, pl.stages) ? pl : none;
  }
  // Automatic: every CTA resident in one wave, the most CTAs; among equals fewer splits (less
  // combining), then the narrower tile. Shapes with no one-wave plan (the LM head's 126464 outputs)
  // are declined: cuBLASLt serves them. RemeDi-9B on the H200 (132 SMs): N = 4096 (wo, down, UPS
  // feedback) 64-column tiles in pairs; qkv (12288) 192-column tiles in pairs; gate/up (24576)
  // 192-column tiles unsplit; 128 CTAs each.
  SkinnyPlan best;
  int64_t best_ctas = 0;
  for (int bn : {64, 128, 192}) {
    const int nst = default_stages(bn);
    const int c = config_index(bn, nst);
    const int64_t tiles = N % bn == 0 ? N / bn : 0;
    for (int s = 1; s <= kMaxSplits && tiles > 0 && c >= 0; ++s) {
      if (!fits(bn, s, nst) || tiles > f.max_clusters[c][s]) continue;
      const int64_t ctas = tiles * s;
      if (ctas > best_ctas || (ctas == best_ctas && s < best.splits)) {
        best_ctas = ctas;
        best.bn = bn;
        best.splits = s;
        best.stages = nst;
      }
    }
  }
  return best;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <int BN, int NST>
cudaError_t launch(const Params& p, int64_t ctas, cudaStream_t st) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(static_cast<unsigned>(ctas));
  cfg.blockDim = dim3(kThreads);
  cfg.dynamicSmemBytes = smem_bytes<BN, NST>();
  cfg.stream = st;
  cudaLaunchAttribute attrs[2];
  unsigned n = 0;
  if (p.splits > 1) {
    attrs[n].id = cudaLaunchAttributeClusterDimension;
    attrs[n].val.clusterDim.x = static_cast<unsigned>(p.splits);  // the splits of one n tile: consecutive CTAs
    attrs[n].val.clusterDim.y = 1;
    attrs[n].val.clusterDim.z = 1;
    ++n;
  }
  if (g_early.load(std::memory_order_relaxed)) n += early_launch_attr(&attrs[n]);
  cfg.attrs = n > 0 ? attrs : nullptr;
  cfg.numAttrs = n;
  const cudaError_t e = cudaLaunchKernelEx(&cfg, skinny_gemm_kernel<BN, NST>, p);
  return e != cudaSuccess ? e : cudaGetLastError();
}

}  // namespace

SkinnyPlan skinny_plan(int64_t M, int64_t N, int64_t K) {
  DeviceFacts f;
  if (!enabled() || device_facts(&f) != cudaSuccess) return SkinnyPlan{};
  return make_plan(M, N, K, f);
}

int skinny_linear(const void* x, const void* w, const void* bias, void* y, int64_t M, int64_t N, int64_t K,
                  void* stream) {
  if (!enabled()) return kDeclined;
  if (!aligned16(x) || !aligned16(w) || !aligned16(y)) return kDeclined;
  DeviceFacts f;
  const cudaError_t e = device_facts(&f);
  if (e != cudaSuccess) return static_cast<int>(e);
  const SkinnyPlan pl = make_plan(M, N, K, f);
  if (pl.bn == 0) return kDeclined;
  Params p{};
  p.x = static_cast<const __nv_bfloat16*>(x);
  p.w = static_cast<const __nv_bfloat16*>(w);
  p.bias = static_cast<const __nv_bfloat16*>(bias);
  p.y = static_cast<__nv_bfloat16*>(y);
  p.M = static_cast<int>(M);
  p.N = static_cast<int>(N);
  p.K = static_cast<int>(K);
  p.splits = pl.splits;
  p.stages_per_split = static_cast<int>(K / kBK / pl.splits);
  const int64_t ctas = N / pl.bn * pl.splits;
  const cudaStream_t st = static_cast<cudaStream_t>(stream);
  cudaError_t le;
  switch (config_index(pl.bn, pl.stages)) {
    case 0:
      le = launch<64, 8>(p, ctas, st);
      break;
    case 1:
      le = launch<128, 5>(p, ctas, st);
      break;
    case 2:
      le = launch<192, 3>(p, ctas, st);
      break;
    case 3:
      le = launch<64, 4>(p, ctas, st);
      break;
    case 4:
      le = launch<192, 2>(p, ctas, st);
      break;
    default:
      return kDeclined;
  }
  if (le == cudaSuccess) g_launches.fetch_add(1, std::memory_order_relaxed);
  return static_cast<int>(le);
}

void skinny_force(int bn, int splits, int stages) {
  g_force_bn.store(bn);
  g_force_splits.store(splits);
  g_force_stages.store(stages);
}

void skinny_enable(bool on) { g_enabled.store(on ? 1 : 0); }

void skinny_set_plan(int64_t N, int64_t K, int bn, int splits, int stages) {
  std::lock_guard<std::mutex> lock(g_mu);
  read_override_env();
  for (auto it = g_overrides.begin(); it != g_overrides.end(); ++it)
    if (it->N == N && it->K == K) {
      g_overrides.erase(it);
      break;
    }
  if (bn >= 0) g_overrides.push_back({N, K, SkinnyPlan{bn, splits, stages}});
}

void skinny_early_launch(bool on) { g_early.store(on); }

int skinny_max_clusters(int bn, int stages, int splits) {
  DeviceFacts f;
  const int c = config_index(bn, stages);
  if (c < 0 || splits < 1 || splits > kMaxSplits || device_facts(&f) != cudaSuccess) return 0;
  return f.max_clusters[c][splits];
}

int64_t skinny_launches() { return g_launches.load(); }

}  // namespace remedi::engine::cuda
