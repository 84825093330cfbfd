// Standalone GPU check of block_attention (engine/src/cuda/attention_kernels.cu): correctness
// against a simple float32 reference kernel, CUDA-graph replay safety, and timing; and that
// rope_block_attention gives the bits of rope_qk_store (fused_kernels.cu) + block_attention. No torch.
//   nvcc -std=c++17 -arch=sm_90 -O3 -I engine/src tests/cuda/attention_check.cu
//        engine/src/cuda/attention_kernels.cu engine/src/cuda/fused_kernels.cu -o /tmp/attn_check && /tmp/attn_check
// Exit code 0 only when every check passes.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cuda/attention_kernels.h"
#include "cuda/fused_kernels.h"
#include "check_util.h"

namespace ra = remedi::engine::cuda;

namespace {

constexpr int kD = 128;
constexpr float kTol = 2e-2f;
constexpr uint16_t kNaN = 0x7fc0;

uint16_t f2bf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return kNaN;
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(s >> 33);
  }
  float uni() { return (static_cast<float>(next()) + 0.5f) / 2147483648.0f; }
  float normal() { return (uni() + uni() + uni() + uni() - 2.f) * 1.7320508f; }  // ~N(0,1)
};

__device__ __forceinline__ float dbf(uint16_t h) { return __uint_as_float(static_cast<uint32_t>(h) << 16); }

// One thread per (b, t, h) output row: two passes (max, then exp-sum and output), float32.
__global__ void ref_attention(const uint16_t* q, int64_t q_sb, int64_t q_st, int64_t q_sh, const uint16_t* k,
                              const uint16_t* v, int64_t s_cap, float* out, int B, int T, int H, int kv_len,
                              const int64_t* lo_len, int hi_start) {
  const int64_t idx = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<int64_t>(B) * T * H) return;
  const int t = static_cast<int>(idx % T), h = static_cast<int>((idx / T) % H), b = static_cast<int>(idx / (int64_t(T) * H));
  const uint16_t* qp = q + b * q_sb + t * q_st + h * q_sh;
  const uint16_t* kp = k + (int64_t(b) * H + h) * s_cap * kD;
  const uint16_t* vp = v + (int64_t(b) * H + h) * s_cap * kD;
  float qf[kD];
  for (int i = 0; i < kD; ++i) qf[i] = dbf(qp[i]);
  const float scale = 1.0f / sqrtf(static_cast<float>(kD));
  auto valid = [&](int s) { return s < kv_len && (lo_len == nullptr || s < lo_len[b] || s >= hi_start); };
  float m = -INFINITY;
  for (int s = 0; s < kv_len; ++s) {
    if (!valid(s)) continue;
    float d = 0.f;
    for (int i = 0; i < kD; ++i) d += qf[i] * dbf(kp[int64_t(s) * kD + i]);
    m = fmaxf(m, d * scale);
  }
  float l = 0.f, o[kD];
  for (int i = 0; i < kD; ++i) o[i] = 0.f;
  for (int s = 0; s < kv_len; ++s) {
    if (!valid(s)) continue;
    float d = 0.f;
    for (int i = 0; i < kD; ++i) d += qf[i] * dbf(kp[int64_t(s) * kD + i]);
    const float e = expf(d * scale - m);
    l += e;
    for (int i = 0; i < kD; ++i) o[i] += e * dbf(vp[int64_t(s) * kD + i]);
  }
  float* op = out + ((int64_t(b) * T + t) * H + h) * kD;
  for (int i = 0; i < kD; ++i) op[i] = l > 0.f ? o[i] / l : 0.f;
}

// Cheap device fill for the timing buffers (values ~U(-2, 2)).
__global__ void fill_random(uint16_t* p, int64_t n, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    const float f = (static_cast<float>(x & 0xffffff) / 16777216.0f) * 4.f - 2.f;
    p[i] = static_cast<uint16_t>(__float_as_uint(f) >> 16);
  }
}

void* g_ws = nullptr;  // one workspace for every call (zeroed once): also checks the counters reset

// One problem instance on the device: qkv (B,T,3,H,D) with q in slot 0, K/V (B,H,s_cap,D).
struct Problem {
  int B, T, H, kv, s_cap, hi;
  std::vector<int64_t> lo;
  uint16_t *qkv = nullptr, *k = nullptr, *v = nullptr, *out = nullptr;
  int64_t* lo_dev = nullptr;
  float* ref = nullptr;
  size_t out_elems() const { return size_t(B) * T * H * kD; }
  int64_t q_sb() const { return int64_t(T) * 3 * H * kD; }
  int64_t q_st() const { return int64_t(3) * H * kD; }

  // Invalid slots of K/V (and the k/v slots of qkv) hold NaN: reading them, or multiplying them by a
  // zero probability, shows up as NaN in the output.
  void init(uint64_t seed, bool poison) {
    Lcg rng{seed};
    std::vector<uint16_t> hq(size_t(B) * T * 3 * H * kD, kNaN);
    for (int b = 0; b < B; ++b)
      for (int t = 0; t < T; ++t)
        for (int h = 0; h < H; ++h)
          for (int i = 0; i < kD; ++i) hq[(((size_t(b) * T + t) * 3 + 0) * H + h) * kD + i] = f2bf(2.f * rng.normal());
    std::vector<uint16_t> hk(size_t(B) * H * s_cap * kD), hv(hk.size());
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h)
        for (int s = 0; s < s_cap; ++s) {
          const bool ok = !poison || (s < kv && (lo.empty() || s < lo[b] || s >= hi));
          for (int i = 0; i < kD; ++i) {
            const size_t idx = ((size_t(b) * H + h) * s_cap + s) * kD + i;
            hk[idx] = ok ? f2bf(rng.normal()) : kNaN;
            hv[idx] = ok ? f2bf(rng.normal()) : kNaN;
          }
        }
    qkv = dalloc<uint16_t>(hq.size());
    k = dalloc<uint16_t>(hk.size());
    v = dalloc<uint16_t>(hv.size());
    out = dalloc<uint16_t>(out_elems());
    ref = dalloc<float>(out_elems());
    CK(cudaMemcpy(qkv, hq.data(), hq.size() * 2, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(k, hk.data(), hk.size() * 2, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(v, hv.data(), hv.size() * 2, cudaMemcpyHostToDevice));
    if (!lo.empty()) {
      lo_dev = dalloc<int64_t>(lo.size());
      CK(cudaMemcpy(lo_dev, lo.data(), lo.size() * 8, cudaMemcpyHostToDevice));
    }
  }
  void reference(int kv_len, float* dst) const {
    const int64_t rows = int64_t(B) * T * H;
    ref_attention<<<static_cast<unsigned>((rows + 127) / 128), 128>>>(qkv, q_sb(), q_st(), kD, k, v, s_cap, dst, B,
                                                                      T, H, kv_len, lo_dev, hi);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
  }
  // kv_len_dev: null, or the device length attended (kv_len is then the plan's bound).
  int launch(int kv_len, uint16_t* dst, cudaStream_t st, const int64_t* kv_len_dev = nullptr) const {
    return ra::block_attention(qkv, q_sb(), q_st(), kD, k, v, s_cap, dst, B, T, H, kD, kv_len, kv_len_dev, lo_dev, hi,
                               nullptr, g_ws, st);
  }
  void release() {
    CK(cudaFree(qkv));
    CK(cudaFree(k));
    CK(cudaFree(v));
    CK(cudaFree(out));
    CK(cudaFree(ref));
    if (lo_dev) CK(cudaFree(lo_dev));
  }
};

// Max |out - ref|; NaN (or an unwritten 0xFFFF output) gives +inf.
double max_err(const uint16_t* out, const float* ref, size_t n) {
  std::vector<uint16_t> ho(n);
  std::vector<float> hr(n);
  CK(cudaMemcpy(ho.data(), out, n * 2, cudaMemcpyDeviceToHost));
  CK(cudaMemcpy(hr.data(), ref, n * 4, cudaMemcpyDeviceToHost));
  double e = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = std::fabs(double(bf2f(ho[i])) - double(hr[i]));
    if (!(d <= 1e30)) return INFINITY;
    e = std::max(e, d);
  }
  return e;
}

// Runs the fast kernel once (splits forced when force > 0; the cluster combine allowed or not) and
// returns the max error (inf on error).
double run_and_check(const Problem& p, int force, bool clusters, int* splits_used, bool* cluster_used) {
  ra::block_attention_force_splits(force);
  ra::block_attention_allow_clusters(clusters);
  *splits_used = ra::block_attention_splits(p.B, p.T, p.H, kD, p.kv);
  *cluster_used = ra::block_attention_uses_cluster(p.B, p.T, p.H, kD, p.kv);
  CK(cudaMemset(p.out, 0xff, p.out_elems() * 2));
  const int rc = p.launch(p.kv, p.out, nullptr);
  ra::block_attention_force_splits(0);
  ra::block_attention_allow_clusters(true);
  if (rc != 0) {
    std::printf("  block_attention returned %d\n", rc);
    return INFINITY;
  }
  CK(cudaGetLastError());
  CK(cudaDeviceSynchronize());
  return max_err(p.out, p.ref, p.out_elems());
}

struct Case {
  int B, T, H, kv, s_cap;
  std::vector<int64_t> lo;
  int hi;
};

bool check_case(const Case& c, uint64_t seed) {
  Problem p{c.B, c.T, c.H, c.kv, c.s_cap, c.hi, c.lo};
  p.init(seed, true);
  p.reference(c.kv, p.ref);
  bool ok = true;
  char line[512];
  int n = std::snprintf(line, sizeof line, "B=%d T=%d H=%d kv=%d s_cap=%d%s:", c.B, c.T, c.H, c.kv, c.s_cap,
                        c.lo.empty() ? "" : " ragged");
  const struct {
    int force;
    bool clusters;
  } runs[] = {{0, true}, {0, false}, {1, true}, {4, true}, {4, false}, {64, true}};
  for (const auto& r : runs) {
    int s = 0;
    bool cl = false;
    const double e = run_and_check(p, r.force, r.clusters, &s, &cl);
    const bool pass = e <= kTol;
    ok = ok && pass;
    n += std::snprintf(line + n, sizeof line - n, " %s%s=%d err=%.2e%s", r.force == 0 ? "heur" : "forced",
                       cl ? "/cl" : "", s, e, pass ? "" : " FAIL");
  }
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", line);
  p.release();
  return ok;
}

// One graph serving several lengths: captured once with the plan's bound (s_cap) and the length in
// device memory, replayed for kv 1056, 1184, 1312 and 33 (a ragged batch too); each replay must
// match the reference at its length and equal, bit for bit, an eager call with the same bound.
bool check_device_len() {
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  Problem a{1, 32, 32, 1312, 1344, 0, {}};
  a.init(201, false);
  Problem r{2, 32, 32, 1312, 1344, 656, {500, 650}};
  r.init(202, false);
  int64_t* len_dev = dalloc<int64_t>(1);
  uint16_t* eager_a = dalloc<uint16_t>(a.out_elems());
  uint16_t* eager_r = dalloc<uint16_t>(r.out_elems());
  (void)ra::block_attention_splits(1, 32, 32, kD, 1344);  // device facts queried before the capture
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  int rc = 0;
  CK(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
  rc |= a.launch(a.s_cap, a.out, st, len_dev);
  rc |= r.launch(r.s_cap, r.out, st, len_dev);
  CK(cudaStreamEndCapture(st, &graph));
  if (rc != 0) {
    std::printf("FAIL device length: block_attention returned nonzero during capture\n");
    return false;
  }
  CK(cudaGraphInstantiate(&exec, graph, 0));
  bool ok = true;
  for (int64_t len : {1056, 1184, 1312, 33, 700}) {
    CK(cudaMemcpyAsync(len_dev, &len, 8, cudaMemcpyHostToDevice, st));
    CK(cudaMemsetAsync(a.out, 0xff, a.out_elems() * 2, st));
    CK(cudaMemsetAsync(r.out, 0xff, r.out_elems() * 2, st));
    CK(cudaGraphLaunch(exec, st));
    CK(cudaStreamSynchronize(st));
    a.reference(static_cast<int>(len), a.ref);
    r.reference(static_cast<int>(len), r.ref);
    const double ea = max_err(a.out, a.ref, a.out_elems()), er = max_err(r.out, r.ref, r.out_elems());
    CK(cudaMemset(eager_a, 0xff, a.out_elems() * 2));
    CK(cudaMemset(eager_r, 0xff, r.out_elems() * 2));
    rc |= a.launch(a.s_cap, eager_a, st, len_dev);
    rc |= r.launch(r.s_cap, eager_r, st, len_dev);
    CK(cudaStreamSynchronize(st));
    std::vector<uint16_t> g1(a.out_elems()), e1(a.out_elems()), g2(r.out_elems()), e2(r.out_elems());
    CK(cudaMemcpy(g1.data(), a.out, g1.size() * 2, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(e1.data(), eager_a, e1.size() * 2, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(g2.data(), r.out, g2.size() * 2, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(e2.data(), eager_r, e2.size() * 2, cudaMemcpyDeviceToHost));
    const bool same = rc == 0 && g1 == e1 && g2 == e2;
    const bool pass = ea <= kTol && er <= kTol && same;
    ok = ok && pass;
    std::printf("%s device length %lld (plan bound 1344, splits %d): err %.2e, ragged err %.2e, eager %s\n",
                pass ? "PASS" : "FAIL", (long long)len, ra::block_attention_splits(1, 32, 32, kD, 1344), ea, er,
                same ? "bit-identical" : "DIFFERS");
  }
  CK(cudaGraphExecDestroy(exec));
  CK(cudaGraphDestroy(graph));
  CK(cudaFree(len_dev));
  CK(cudaFree(eager_a));
  CK(cudaFree(eager_r));
  a.release();
  r.release();
  CK(cudaStreamDestroy(st));
  return ok;
}

// Four calls captured in one graph on a non-default stream (three kv lengths over one K/V, then a
// ragged batch), replayed twice; lo_len is changed between the replays (read on the device).
bool check_graph() {
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  Problem a{1, 32, 32, 1184, 1344, 0, {}};
  a.init(101, false);
  Problem r{2, 32, 32, 700, 1344, 656, {500, 650}};
  r.init(102, true);
  const int kvs[3] = {1056, 1184, 33};
  float* refs[3];
  uint16_t* outs[3];
  for (int i = 0; i < 3; ++i) {
    refs[i] = dalloc<float>(a.out_elems());
    outs[i] = dalloc<uint16_t>(a.out_elems());
    a.reference(kvs[i], refs[i]);
  }
  float* ref_r2 = dalloc<float>(r.out_elems());
  r.reference(r.kv, r.ref);  // lo = {500, 650}
  const int64_t lo2[2] = {300, 600};
  CK(cudaMemcpy(r.lo_dev, lo2, 16, cudaMemcpyHostToDevice));
  r.reference(r.kv, ref_r2);
  (void)ra::block_attention_splits(1, 32, 32, kD, 1184);  // device facts queried before the capture

  cudaGraph_t graph;
  cudaGraphExec_t exec;
  int rc = 0;
  CK(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
  for (int i = 0; i < 3; ++i) rc |= a.launch(kvs[i], outs[i], st);
  rc |= r.launch(r.kv, r.out, st);
  CK(cudaStreamEndCapture(st, &graph));
  if (rc != 0) {
    std::printf("FAIL graph: block_attention returned nonzero during capture\n");
    return false;
  }
  CK(cudaGraphInstantiate(&exec, graph, 0));
  bool ok = true;
  for (int rep = 0; rep < 2; ++rep) {
    const int64_t* lo = rep == 0 ? r.lo.data() : lo2;
    CK(cudaMemcpyAsync(r.lo_dev, lo, 16, cudaMemcpyHostToDevice, st));
    for (int i = 0; i < 3; ++i) CK(cudaMemsetAsync(outs[i], 0xff, a.out_elems() * 2, st));
    CK(cudaMemsetAsync(r.out, 0xff, r.out_elems() * 2, st));
    CK(cudaGraphLaunch(exec, st));
    CK(cudaStreamSynchronize(st));
    double e[4];
    for (int i = 0; i < 3; ++i) e[i] = max_err(outs[i], refs[i], a.out_elems());
    e[3] = max_err(r.out, rep == 0 ? r.ref : ref_r2, r.out_elems());
    const bool pass = e[0] <= kTol && e[1] <= kTol && e[2] <= kTol && e[3] <= kTol;
    ok = ok && pass;
    std::printf("%s graph replay %d: kv 1056/1184/33 err %.2e %.2e %.2e, ragged lo={%lld,%lld} err %.2e\n",
                pass ? "PASS" : "FAIL", rep, e[0], e[1], e[2], (long long)lo[0], (long long)lo[1], e[3]);
  }
  CK(cudaGraphExecDestroy(exec));
  CK(cudaGraphDestroy(graph));
  for (int i = 0; i < 3; ++i) {
    CK(cudaFree(refs[i]));
    CK(cudaFree(outs[i]));
  }
  CK(cudaFree(ref_r2));
  a.release();
  r.release();
  CK(cudaStreamDestroy(st));
  return ok;
}

// Timing of B rows x 32 heads x 32 queries over kv keys. K/V rotate over enough copies (>= 256 MB)
// that the reads come from HBM, not L2 (as in the engine, where each layer has its own cache).
struct Timing {
  double eager_us, graph_us;
};

Timing time_attention(int B, int kv, int force) {
  const int T = 32, H = 32, s_cap = 1344;
  const size_t kv_elems = size_t(B) * H * s_cap * kD;
  const size_t copy_bytes = 2 * kv_elems * 2;
  const int copies = static_cast<int>(std::min<size_t>(8, std::max<size_t>(1, (256u << 20) / copy_bytes + 1)));
  uint16_t* qkv = dalloc<uint16_t>(size_t(B) * T * 3 * H * kD);
  uint16_t* out = dalloc<uint16_t>(size_t(B) * T * H * kD);
  std::vector<uint16_t*> ks(copies), vs(copies);
  fill_random<<<1024, 256>>>(qkv, int64_t(B) * T * 3 * H * kD, 7);
  for (int c = 0; c < copies; ++c) {
    ks[c] = dalloc<uint16_t>(kv_elems);
    vs[c] = dalloc<uint16_t>(kv_elems);
    fill_random<<<1024, 256>>>(ks[c], int64_t(kv_elems), 11 + c);
    fill_random<<<1024, 256>>>(vs[c], int64_t(kv_elems), 23 + c);
  }
  CK(cudaGetLastError());
  CK(cudaDeviceSynchronize());
  cudaStream_t st;
  CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
  ra::block_attention_force_splits(force);
  auto call = [&](int i) {
    const int c = i % copies;
    const int rc = ra::block_attention(qkv, int64_t(T) * 3 * H * kD, int64_t(3) * H * kD, kD, ks[c], vs[c], s_cap, out,
                                       B, T, H, kD, kv, nullptr, nullptr, 0, nullptr, g_ws, st);
    if (rc != 0) {
      std::printf("block_attention returned %d\n", rc);
      std::exit(3);
    }
  };
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  for (int i = 0; i < 20; ++i) call(i);
  const int iters = 200;
  CK(cudaEventRecord(e0, st));
  for (int i = 0; i < iters; ++i) call(i);
  CK(cudaEventRecord(e1, st));
  CK(cudaEventSynchronize(e1));
  float ms = 0;
  CK(cudaEventElapsedTime(&ms, e0, e1));
  Timing t{};
  t.eager_us = 1000.0 * ms / iters;

  const int per_graph = 48, launches = 5;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CK(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
  for (int i = 0; i < per_graph; ++i) call(i);
  CK(cudaStreamEndCapture(st, &graph));
  CK(cudaGraphInstantiate(&exec, graph, 0));
  CK(cudaGraphLaunch(exec, st));
  CK(cudaStreamSynchronize(st));
  CK(cudaEventRecord(e0, st));
  for (int i = 0; i < launches; ++i) CK(cudaGraphLaunch(exec, st));
  CK(cudaEventRecord(e1, st));
  CK(cudaEventSynchronize(e1));
  CK(cudaEventElapsedTime(&ms, e0, e1));
  t.graph_us = 1000.0 * ms / (per_graph * launches);
  ra::block_attention_force_splits(0);

  CK(cudaGraphExecDestroy(exec));
  CK(cudaGraphDestroy(graph));
  CK(cudaEventDestroy(e0));
  CK(cudaEventDestroy(e1));
  CK(cudaStreamDestroy(st));
  for (int c = 0; c < copies; ++c) {
    CK(cudaFree(ks[c]));
    CK(cudaFree(vs[c]));
  }
  CK(cudaFree(qkv));
  CK(cudaFree(out));
  return t;
}

// rope_block_attention against its two steps (rope_qk_store, then block_attention over the rotated
// q): raw qkv with k and v filled, cos/sin tables of the block's positions, the new slots of the
// caches poisoned with NaN beforehand. Output and both whole caches must be bit-identical, qkv
// untouched by the folded kernel; for every split plan, and with the length read on the device.
bool check_rope_case(const Case& c, uint64_t seed) {
  Lcg rng{seed};
  const int B = c.B, T = c.T, H = c.H, kv = c.kv, s_cap = c.s_cap;
  const size_t nqkv = size_t(B) * T * 3 * H * kD, ncache = size_t(B) * H * s_cap * kD, nout = size_t(B) * T * H * kD;
  std::vector<uint16_t> hq(nqkv), hk(ncache), hv(ncache);
  for (auto& x : hq) x = f2bf(2.f * rng.normal());
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h)
      for (int s = 0; s < s_cap; ++s)
        for (int i = 0; i < kD; ++i) {
          const size_t idx = ((size_t(b) * H + h) * s_cap + s) * kD + i;
          const bool fresh = s >= kv - T && s < kv;  // the slots the kernels must write
          hk[idx] = fresh ? kNaN : f2bf(rng.normal());
          hv[idx] = fresh ? kNaN : f2bf(rng.normal());
        }
  std::vector<float> hc(size_t(B) * T * kD), hs(hc.size());
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < T; ++t)
      for (int i = 0; i < kD; ++i) {
        const double inv = std::pow(500000.0, -double(2 * (i % (kD / 2))) / kD);
        const double ang = double(kv - T + t + 7 * b) * inv;
        hc[(size_t(b) * T + t) * kD + i] = static_cast<float>(std::cos(ang));
        hs[(size_t(b) * T + t) * kD + i] = static_cast<float>(std::sin(ang));
      }
  uint16_t *q2 = dalloc<uint16_t>(nqkv), *q1 = dalloc<uint16_t>(nqkv);
  uint16_t *k1 = dalloc<uint16_t>(ncache), *v1 = dalloc<uint16_t>(ncache), *k2 = dalloc<uint16_t>(ncache),
           *v2 = dalloc<uint16_t>(ncache), *o1 = dalloc<uint16_t>(nout), *o2 = dalloc<uint16_t>(nout);
  float *cs = dalloc<float>(hc.size()), *sn = dalloc<float>(hs.size());
  int64_t *lo_dev = nullptr, *len_dev = dalloc<int64_t>(1);
  CK(cudaMemcpy(cs, hc.data(), hc.size() * 4, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(sn, hs.data(), hs.size() * 4, cudaMemcpyHostToDevice));
  const int64_t len = kv;
  CK(cudaMemcpy(len_dev, &len, 8, cudaMemcpyHostToDevice));
  if (!c.lo.empty()) {
    lo_dev = dalloc<int64_t>(c.lo.size());
    CK(cudaMemcpy(lo_dev, c.lo.data(), c.lo.size() * 8, cudaMemcpyHostToDevice));
  }
  const int64_t q_sb = int64_t(T) * 3 * H * kD, q_st = int64_t(3) * H * kD;
  auto fetch = [](const uint16_t* d, size_t n) {
    std::vector<uint16_t> h(n);
    CK(cudaMemcpy(h.data(), d, n * 2, cudaMemcpyDeviceToHost));
    return h;
  };
  bool ok = true;
  char line[512];
  int n = std::snprintf(line, sizeof line, "rope B=%d T=%d H=%d kv=%d s_cap=%d%s:", B, T, H, kv, s_cap,
                        c.lo.empty() ? "" : " ragged");
  const struct {
    int force;
    bool clusters, dev_len;
  } runs[] = {{0, true, false}, {0, true, true},  {1, true, false},
              {3, true, false}, {4, false, false}, {64, true, false}};
  for (const auto& r : runs) {
    for (auto* d : {q1, q2}) CK(cudaMemcpy(d, hq.data(), nqkv * 2, cudaMemcpyHostToDevice));
    for (auto* d : {k1, k2}) CK(cudaMemcpy(d, hk.data(), ncache * 2, cudaMemcpyHostToDevice));
    for (auto* d : {v1, v2}) CK(cudaMemcpy(d, hv.data(), ncache * 2, cudaMemcpyHostToDevice));
    CK(cudaMemset(o1, 0xff, nout * 2));
    CK(cudaMemset(o2, 0xff, nout * 2));
    ra::block_attention_force_splits(r.force);
    ra::block_attention_allow_clusters(r.clusters);
    const int bound = r.dev_len ? s_cap : kv;
    const int64_t* ld = r.dev_len ? len_dev : nullptr;
    int rc = ra::rope_qk_store(q1, cs, sn, k1, v1, B, T, H, kD, int64_t(H) * s_cap * kD, int64_t(s_cap) * kD, kv - T,
                               nullptr, nullptr);
    rc |= ra::block_attention(q1, q_sb, q_st, kD, k1, v1, s_cap, o1, B, T, H, kD, bound, ld, lo_dev, c.hi, nullptr,
                              g_ws, nullptr);
    rc |= ra::rope_block_attention(q2, q_sb, q_st, kD, cs, sn, k2, v2, s_cap, o2, B, T, H, kD, bound, ld, lo_dev,
                                   c.hi, nullptr, g_ws, nullptr);
    const int splits = ra::block_attention_splits(B, T, H, kD, bound);
    const bool cl = ra::block_attention_uses_cluster(B, T, H, kD, bound);
    ra::block_attention_force_splits(0);
    ra::block_attention_allow_clusters(true);
    CK(cudaDeviceSynchronize());
    const bool same_out = fetch(o1, nout) == fetch(o2, nout);
    const bool same_cache = fetch(k1, ncache) == fetch(k2, ncache) && fetch(v1, ncache) == fetch(v2, ncache);
    const bool qkv_kept = fetch(q2, nqkv) == hq;
    const bool pass = rc == 0 && same_out && same_cache && qkv_kept;
    ok = ok && pass;
    const char* why = pass              ? ""
                      : rc != 0         ? " RC"
                      : !same_out       ? " OUT-DIFFERS"
                      : !same_cache     ? " CACHE-DIFFERS"
                                        : " QKV-CHANGED";
    n += std::snprintf(line + n, sizeof line - n, " %s%s%s=%d%s", r.force == 0 ? "heur" : "forced", cl ? "/cl" : "",
                       r.dev_len ? "/dev" : "", splits, why);
  }
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", line);
  for (auto* d : {q1, q2, k1, v1, k2, v2, o1, o2}) CK(cudaFree(d));
  CK(cudaFree(cs));
  CK(cudaFree(sn));
  CK(cudaFree(len_dev));
  if (lo_dev) CK(cudaFree(lo_dev));
  return ok;
}

double gbps(int B, int kv, double us) { return 2.0 * B * 32 * kv * kD * 2 / (us * 1e-6) / 1e9; }

}  // namespace

int main() {
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s, %d SMs\n", prop.name, prop.multiProcessorCount);
  const int64_t ws_bytes = ra::block_attention_workspace_bytes(64, 64, 32, kD, 4096);
  CK(cudaMalloc(&g_ws, static_cast<size_t>(ws_bytes)));
  CK(cudaMemset(g_ws, 0, static_cast<size_t>(ws_bytes)));  // once: the kernels leave the counters at zero
  std::printf("workspace: %lld bytes (T=64)\n", (long long)ws_bytes);

  bool ok = true;
  const std::vector<Case> cases = {
      {1, 32, 32, 1056, 1344, {}, 0},
      {1, 32, 32, 1312, 1344, {}, 0},
      {1, 32, 32, 33, 1344, {}, 0},
      {2, 32, 32, 700, 1344, {500, 650}, 656},
      {8, 32, 32, 1184, 1344, {}, 0},
      {64, 32, 32, 1184, 1344, {}, 0},
      {1, 64, 32, 1024, 1344, {}, 0},
      {3, 17, 4, 77, 128, {}, 0},
      // extra: T <= 16 (one query tile, 4 key groups), T = 40 (an idle query tile), empty prompt row,
      // chunks whose every key is masked (forced splits), kv_len == s_cap.
      {2, 16, 8, 700, 1344, {0, 650}, 656},
      {1, 40, 8, 500, 512, {}, 0},
      {2, 32, 4, 700, 1344, {500, 650}, 656},
      {2, 5, 3, 320, 320, {100, 0}, 250},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) ok = check_case(c, seed++) && ok;
  ok = check_graph() && ok;
  ok = check_device_len() && ok;
  const std::vector<Case> rope_cases = {
      {1, 32, 32, 1184, 1344, {}, 0},  // the new keys in the last tile of the last split
      {1, 32, 32, 1200, 1344, {}, 0},  // straddling two tiles (and two splits when they differ)
      {1, 32, 32, 33, 1344, {}, 0},    // everything in the first tile: stored before the first loads
      {2, 32, 32, 700, 1344, {500, 650}, 656},
      {8, 32, 32, 1184, 1344, {}, 0},
      {1, 64, 32, 1024, 1344, {}, 0},
      {3, 17, 4, 77, 128, {}, 0},
      {2, 5, 3, 320, 320, {100, 0}, 250},
  };
  for (const Case& c : rope_cases) ok = check_rope_case(c, seed++) && ok;

  std::printf("timing (T=32, H=32, D=128, kv=1184; K/V rotated over >= 256 MB so reads come from HBM):\n");
  for (int B : {1, 2, 4, 8, 64}) {
    const Timing t = time_attention(B, 1184, 0);
    std::printf("  B=%-3d splits=%-2d  eager %7.2f us (%6.0f GB/s)   graph %7.2f us (%6.0f GB/s)\n", B,
                ra::block_attention_splits(B, 32, 32, kD, 1184), t.eager_us, gbps(B, 1184, t.eager_us), t.graph_us,
                gbps(B, 1184, t.graph_us));
  }
  std::printf("split sweep (graph-timed; cl = splits combined in a cluster, ws = through the workspace):\n");
  for (int B : {1, 2, 4, 8}) {
    int last = -1;
    for (int s = 1; s <= 20; ++s) {
      ra::block_attention_force_splits(s);
      const int used = ra::block_attention_splits(B, 32, 32, kD, 1184);
      const bool cl = ra::block_attention_uses_cluster(B, 32, 32, kD, 1184);
      ra::block_attention_force_splits(0);
      if (used == last) continue;
      last = used;
      const Timing t = time_attention(B, 1184, s);
      std::printf("  B=%-3d splits=%-2d %s graph %7.2f us (%6.0f GB/s)", B, used, cl ? "cl" : "ws", t.graph_us,
                  gbps(B, 1184, t.graph_us));
      if (cl) {
        ra::block_attention_allow_clusters(false);
        const Timing w = time_attention(B, 1184, s);
        ra::block_attention_allow_clusters(true);
        std::printf("   ws %7.2f us", w.graph_us);
      }
      std::printf("\n");
    }
  }
  CK(cudaFree(g_ws));
  std::printf(ok ? "ALL PASS\n" : "SOME CHECKS FAILED\n");
  return ok ? 0 : 1;
}
