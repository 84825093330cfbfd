#include "cuda/lt_gemm.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <tuple>

namespace remedi::engine::cuda {
namespace {

// Split-K partials (float32 split x M x N for the COMPUTE_TYPE scheme); candidates that need more
// (many splits of a wide output) are skipped. The split-K-1 kernels that won at M = 32 need none.
constexpr size_t kWorkspaceBytes = size_t(32) << 20;
constexpr size_t kMinFlushBytes = size_t(64) << 20;  // and at least twice the L2 (50 MB on an H200)
constexpr int kHeuristics = 16;
constexpr int kTimed = 9;  // timed calls per candidate, after one warm-up
constexpr int64_t kFlushK = 4096, kFlushRows = 8;  // the flush matmul: 8 rows x 4096 x (scratch / 8 KiB)
constexpr int kSplitK[] = {1, 2, 3, 4, 6, 8, 12, 16};
// Split-K partials are summed in float32 only: the INPLACE and OUTPUT_TYPE schemes add them up in
// the output type (bf16), a rounding per split that the plain path does not have.
constexpr uint32_t kReductions[] = {CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE};
constexpr int kDecline = 1;         // cudaErrorInvalidValue: the caller falls back
constexpr int kCublasBase = 10000;  // cuBLAS status s is returned as kCublasBase + s
constexpr int kFileError = kLtFileError;

int cublas_code(cublasStatus_t s) { return kCublasBase + static_cast<int>(s); }

auto config_tie(const LtConfig& c) {
  return std::tie(c.algo, c.tile, c.splitk, c.reduction, c.swizzle, c.custom, c.stages, c.inner, c.cluster);
}
struct ConfigLess {
  bool operator()(const LtConfig& a, const LtConfig& b) const { return config_tie(a) < config_tie(b); }
};

template <class T>
T config_attr(const cublasLtMatmulAlgo_t& a, cublasLtMatmulAlgoConfigAttributes_t attr) {
  T v{};
  size_t written = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&a, attr, &v, sizeof(v), &written);
  return v;
}
LtConfig config_of(const cublasLtMatmulAlgo_t& a) {
  LtConfig c;
  c.algo = config_attr<int32_t>(a, CUBLASLT_ALGO_CONFIG_ID);
  c.tile = static_cast<int>(config_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_TILE_ID));
  c.splitk = config_attr<int32_t>(a, CUBLASLT_ALGO_CONFIG_SPLITK_NUM);
  c.reduction = static_cast<int>(config_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME));
  c.swizzle = static_cast<int>(config_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING));
  c.custom = static_cast<int>(config_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION));
  c.stages = static_cast<int>(config_attr<uint32_t>(a, CUBLASLT_ALGO_CONFIG_STAGES_ID));
  c.inner = config_attr<uint16_t>(a, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID);
  c.cluster = config_attr<uint16_t>(a, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID);
  return c;
}

// The algorithm a configuration names, rebuilt from its attributes alone. Every candidate is timed
// in this rebuilt form, so what a process reads back from the tuning file is exactly what was timed.
bool build_algo(cublasLtHandle_t h, const LtConfig& c, cublasLtMatmulAlgo_t* a) {
  if (cublasLtMatmulAlgoInit(h, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_16BF, CUDA_R_16BF, CUDA_R_16BF, CUDA_R_16BF,
                             c.algo, a) != CUBLAS_STATUS_SUCCESS)
    return false;
  auto set = [a](cublasLtMatmulAlgoConfigAttributes_t attr, auto v) {
    return cublasLtMatmulAlgoConfigSetAttribute(a, attr, &v, sizeof(v)) == CUBLAS_STATUS_SUCCESS;
  };
  return set(CUBLASLT_ALGO_CONFIG_TILE_ID, uint32_t(c.tile)) &&
         set(CUBLASLT_ALGO_CONFIG_SPLITK_NUM, int32_t(c.splitk)) &&
         set(CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, uint32_t(c.reduction)) &&
         set(CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, uint32_t(c.swizzle)) &&
         set(CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, uint32_t(c.custom)) &&
         set(CUBLASLT_ALGO_CONFIG_STAGES_ID, uint32_t(c.stages)) &&
         set(CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID, uint16_t(c.inner)) &&
         set(CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, uint16_t(c.cluster));
}

struct Key {
  int device;
  int64_t m, n, k;  // m: exact rows (checked shapes) or the row bucket (choices)
  bool bias;
  int align;
  bool operator<(const Key& o) const {
    return std::tie(device, m, n, k, bias, align) < std::tie(o.device, o.m, o.n, o.k, o.bias, o.align);
  }
};

// One exact problem (M, N, K, bias) in cuBLASLt's column-major terms: D (N x M) = A^T B with
// A = w viewed as K x N (ld K), B = x as K x M (ld K), C = D = y as N x M (ld N) — the transposes
// of tests/cuda/gemm_tune.cu and of at::linear's cuBLAS call.
struct Problem {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  bool usable = false;  // the bucket's choice applies to this exact shape
  cublasLtMatmulAlgo_t algo{};
  Problem() = default;
  Problem(const Problem&) = delete;
  Problem& operator=(const Problem&) = delete;
  ~Problem() {
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

struct DeviceState {
  std::string name;
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;  // kWorkspaceBytes, for split-K partials and counters
  void* flush = nullptr;      // L2 flush scratch (a bf16 weight of kFlushK columns), at the first tuning
  size_t flush_bytes = 0;
  void* flush_xy = nullptr;   // the flush matmul's input and output
  std::unique_ptr<Problem> flush_op;
  cudaEvent_t start[kTimed] = {}, stop[kTimed] = {};
};

using FileKey = std::tuple<std::string, int64_t, int64_t, int64_t, bool, int>;  // device name, M N K bias align
struct FileEntry {
  LtConfig config;
  double us = 0;
  int64_t timed_m = 0;  // the row count it was timed at
};

struct State {
  std::mutex mu;
  std::map<int, DeviceState> devices;
  std::map<Key, LtChoice> choices;                   // by row bucket
  std::map<Key, std::unique_ptr<Problem>> problems;  // by exact M
  bool file_read = false;
  std::string file;  // REMEDI_GEMM_TUNING, "" = none
  std::map<FileKey, FileEntry> file_entries;
  int64_t launches = 0;
};
// Never destroyed: at exit the CUDA runtime may be gone before static destructors run.
State& state() {
  static State* s = new State;
  return *s;
}

// The handle, workspace and timing events of device dev, made once, outside any capture. Returns
// an error code (0 = ok).
int init_device(DeviceState& d, int dev) {
  cudaDeviceProp prop;
  if (cudaError_t e = cudaGetDeviceProperties(&prop, dev)) return e;
  d.name = prop.name;
  if (cublasStatus_t s = cublasLtCreate(&d.handle)) return cublas_code(s);
  if (cudaError_t e = cudaMalloc(&d.workspace, kWorkspaceBytes)) return e;
  for (int i = 0; i < kTimed; ++i) {
    if (cudaError_t e = cudaEventCreate(&d.start[i])) return e;
    if (cudaError_t e = cudaEventCreate(&d.stop[i])) return e;
  }
  return 0;
}

int make_problem(Problem& p, int64_t M, int64_t N, int64_t K, bool bias) {
  if (cublasStatus_t s = cublasLtMatmulDescCreate(&p.op, CUBLAS_COMPUTE_32F, CUDA_R_32F)) return cublas_code(s);
  const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
  const cublasLtEpilogue_t epi = bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
  cublasStatus_t s = cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta));
  if (!s) s = cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb));
  if (!s) s = cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi));
  if (!s) s = cublasLtMatrixLayoutCreate(&p.a, CUDA_R_16BF, K, N, K);
  if (!s) s = cublasLtMatrixLayoutCreate(&p.b, CUDA_R_16BF, K, M, K);
  if (!s) s = cublasLtMatrixLayoutCreate(&p.c, CUDA_R_16BF, N, M, N);
  return s ? cublas_code(s) : 0;
}

// Whether `a` runs this problem within the workspace.
bool applies(const DeviceState& d, const Problem& p, const cublasLtMatmulAlgo_t& a) {
  cublasLtMatmulHeuristicResult_t r;
  return cublasLtMatmulAlgoCheck(d.handle, p.op, p.a, p.b, p.c, p.c, &a, &r) == CUBLAS_STATUS_SUCCESS &&
         r.workspaceSize <= kWorkspaceBytes;
}

struct Args {
  const void *x, *w, *bias;
  void* y;
  cudaStream_t stream;
};

cublasStatus_t matmul(const DeviceState& d, const Problem& p, const cublasLtMatmulAlgo_t& a, const Args& g) {
  if (g.bias) {
    if (cublasStatus_t s =
            cublasLtMatmulDescSetAttribute(p.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof(g.bias)))
      return s;
  }
  const float one = 1.f, zero = 0.f;
  return cublasLtMatmul(d.handle, p.op, &one, g.w, p.a, g.x, p.b, &zero, g.y, p.c, g.y, p.c, &a, d.workspace,
                        kWorkspaceBytes, g.stream);
}

// The L2 flush before a timed call: a matmul streaming the scratch (twice the L2) as its weight, so
// that the L2 holds what the engine's previous matmul leaves there (clean weight lines), not the
// dirty lines of a memset, whose write-back inflated every candidate's time by ~8 us and hid the
// differences between them (H200: 64x32 and 192x32 tiles timed alike here, while the 192x32 choice
// made the batch-1 forward 0.09 ms faster). Returns a cudaError_t or a cuBLAS code.
int flush_l2(DeviceState& d, cudaStream_t stream) {
  const float one = 1.f, zero = 0.f;
  char* xy = static_cast<char*>(d.flush_xy);
  void* y = xy + kFlushRows * kFlushK * 2;
  if (cublasStatus_t s = cublasLtMatmul(d.handle, d.flush_op->op, &one, d.flush, d.flush_op->a, xy, d.flush_op->b,
                                        &zero, y, d.flush_op->c, y, d.flush_op->c, nullptr, d.workspace,
                                        kWorkspaceBytes, stream))
    return cublas_code(s);
  return 0;
}

// Median microseconds of kTimed calls of `a`, each after an L2 flush; *ran = false when cuBLASLt
// refused a call (the candidate is skipped). Returns a cudaError_t.
int time_algo(DeviceState& d, const Problem& p, const cublasLtMatmulAlgo_t& a, const Args& g, double* us, bool* ran) {
  *ran = false;
  for (int i = -1; i < kTimed; ++i) {  // i = -1: warm-up (module loading, first-touch)
    if (int e = flush_l2(d, g.stream)) return e;
    if (i >= 0)
      if (cudaError_t e = cudaEventRecord(d.start[i], g.stream)) return e;
    if (matmul(d, p, a, g) != CUBLAS_STATUS_SUCCESS) {
      cudaGetLastError();  // a refusal must not surface at the next kernel's launch check
      return cudaStreamSynchronize(g.stream);
    }
    if (i >= 0)
      if (cudaError_t e = cudaEventRecord(d.stop[i], g.stream)) return e;
  }
  if (cudaError_t e = cudaEventSynchronize(d.stop[kTimed - 1])) return e;
  float ms[kTimed];
  for (int i = 0; i < kTimed; ++i)
    if (cudaError_t e = cudaEventElapsedTime(&ms[i], d.start[i], d.stop[i])) return e;
  std::sort(ms, ms + kTimed);
  *us = 1000.0 * ms[kTimed / 2];
  *ran = true;
  return 0;
}

// Times the candidates for problem p (see the header) and writes y with the winner. Returns 0 with
// *out filled, kDecline when no candidate ran, or an error code.
int tune(DeviceState& d, int dev, const Problem& p, const Args& g, int align, LtChoice* out) {
  const auto t0 = std::chrono::steady_clock::now();
  if (!d.flush) {
    int l2 = 0;
    cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev);
    const int64_t rows = static_cast<int64_t>(std::max(kMinFlushBytes, 2 * size_t(l2)) / (kFlushK * 2) + 63) / 64 * 64;
    const size_t xy_bytes = size_t(kFlushRows) * (kFlushK + rows) * 2;
    auto op = std::make_unique<Problem>();
    if (int e = make_problem(*op, kFlushRows, rows, kFlushK, false)) return e;
    void* buf = nullptr;
    if (cudaError_t e = cudaMalloc(&buf, size_t(rows) * kFlushK * 2 + xy_bytes)) return e;
    if (cudaError_t e = cudaMemset(buf, 0, size_t(rows) * kFlushK * 2 + xy_bytes)) {  // zeros: finite bf16
      cudaFree(buf);
      return e;
    }
    d.flush = buf;
    d.flush_bytes = size_t(rows) * kFlushK * 2;
    d.flush_xy = static_cast<char*>(buf) + d.flush_bytes;
    d.flush_op = std::move(op);
  }
  cublasLtMatmulPreference_t pref;
  if (cublasStatus_t s = cublasLtMatmulPreferenceCreate(&pref)) return cublas_code(s);
  const uint32_t al = static_cast<uint32_t>(align);
  cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &kWorkspaceBytes,
                                       sizeof(kWorkspaceBytes));
  for (auto attr : {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    cublasLtMatmulPreferenceSetAttribute(pref, attr, &al, sizeof(al));
  cublasLtMatmulHeuristicResult_t res[kHeuristics];
  int nres = 0;
  cublasStatus_t hs = cublasLtMatmulAlgoGetHeuristic(d.handle, p.op, p.a, p.b, p.c, p.c, pref, kHeuristics, res, &nres);
  cublasLtMatmulPreferenceDestroy(pref);
  if (hs != CUBLAS_STATUS_SUCCESS || nres == 0) return kDecline;

  // Candidates in heuristic order: each answer as given, then its split-K / reduction variants.
  std::vector<std::pair<LtConfig, cublasLtMatmulAlgo_t>> cands;
  std::set<LtConfig, ConfigLess> seen;
  for (int r = 0; r < nres; ++r) {
    std::vector<LtConfig> variants = {config_of(res[r].algo)};
    if (variants[0].splitk > 1) variants[0].reduction = CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;  // see kReductions
    for (int sk : kSplitK)
      for (uint32_t red : kReductions) {
        LtConfig c = variants[0];
        c.splitk = sk;
        c.reduction = sk == 1 ? CUBLASLT_REDUCTION_SCHEME_NONE : static_cast<int>(red);
        variants.push_back(c);
      }
    for (const LtConfig& c : variants) {
      if (!seen.insert(c).second) continue;
      cublasLtMatmulAlgo_t a;
      if (build_algo(d.handle, c, &a) && applies(d, p, a)) cands.emplace_back(c, a);
    }
  }

  int best = -1, timed = 0;
  double best_us = 0;
  for (size_t i = 0; i < cands.size(); ++i) {
    double us = 0;
    bool ran = false;
    if (int e = time_algo(d, p, cands[i].second, g, &us, &ran)) return e;
    if (!ran) continue;
    ++timed;
    if (best < 0 || us < 0.99 * best_us) best = static_cast<int>(i), best_us = us;
  }
  if (best < 0) return kDecline;
  // The caller's result: written by the winner, after every candidate.
  if (cublasStatus_t s = matmul(d, p, cands[best].second, g)) return cublas_code(s);
  out->config = cands[best].first;
  out->us = best_us;
  out->candidates = timed;
  out->tune_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return 0;
}

void read_file(State& s) {
  s.file_read = true;
  s.file_entries.clear();
  const char* env = std::getenv("REMEDI_GEMM_TUNING");
  s.file = env ? env : "";
  if (s.file.empty()) return;
  std::ifstream in(s.file);  // absent: created by the first append
  const std::string version = std::to_string(cublasLtGetVersion());
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
    if (f.size() != 5 || f[1] != version) continue;  // another cuBLASLt, or a torn line
    int64_t m, n, k;
    int bias, align;
    LtConfig c;
    FileEntry e;
    std::istringstream key(f[2]), cfg(f[3]), us(f[4]);
    if (!(key >> m >> n >> k >> bias >> align) ||
        !(cfg >> c.algo >> c.tile >> c.splitk >> c.reduction >> c.swizzle >> c.custom >> c.stages >> c.inner >>
          c.cluster) ||
        !(us >> e.us))
      continue;
    if (!(us >> e.timed_m)) e.timed_m = m;
    e.config = c;
    s.file_entries[FileKey{f[0], m, n, k, bias != 0, align}] = e;  // the last line for a key wins
  }
}

int append_file(const State& s, const std::string& device_name, const LtChoice& c) {
  if (s.file.empty()) return 0;
  const LtConfig& g = c.config;
  char line[512];
  std::snprintf(line, sizeof(line), "%s\t%zu\t%lld %lld %lld %d %d\t%d %d %d %d %d %d %d %d %d\t%.2f %lld\n",
                device_name.c_str(), cublasLtGetVersion(), static_cast<long long>(c.m), static_cast<long long>(c.n),
                static_cast<long long>(c.k), c.bias ? 1 : 0, c.align, g.algo, g.tile, g.splitk, g.reduction, g.swizzle,
                g.custom, g.stages, g.inner, g.cluster, c.us, static_cast<long long>(c.timed_m));
  // One write per line in append mode: processes sharing the file do not interleave within lines.
  std::FILE* f = std::fopen(s.file.c_str(), "a");
  if (!f) return kFileError;
  const bool ok = std::fputs(line, f) >= 0;
  return std::fclose(f) == 0 && ok ? 0 : kFileError;
}

std::string config_text(const LtConfig& c) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "algo %d tile %d splitk %d red %d swz %d custom %d stages %d inner %d cluster %d",
                c.algo, c.tile, c.splitk, c.reduction, c.swizzle, c.custom, c.stages, c.inner, c.cluster);
  return buf;
}

// Whether a choice read from the file still holds here: it passes the check for this M, or at least
// for the row count it was timed at (then the process that tuned it declined this M too, and so
// does this one). Failing both, cuBLASLt no longer runs it: the caller tunes again.
bool file_choice_holds(const DeviceState& d, const Problem& p, const FileEntry& e, int64_t M, int64_t N, int64_t K,
                       bool bias) {
  cublasLtMatmulAlgo_t a;
  if (!build_algo(d.handle, e.config, &a)) return false;
  if (applies(d, p, a)) return true;
  Problem timed;
  return e.timed_m != M && make_problem(timed, e.timed_m, N, K, bias) == 0 && applies(d, timed, a);
}

int alignment_class(const void* x, const void* w, const void* bias, const void* y) {
  const auto bits = reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(w) |
                    reinterpret_cast<uintptr_t>(bias) | reinterpret_cast<uintptr_t>(y);
  if (bits % 256 == 0) return 256;
  return bits % 16 == 0 ? 16 : 0;
}

}  // namespace

int64_t lt_row_bucket(int64_t M) { return (std::max<int64_t>(M, 1) + 31) / 32 * 32; }

int lt_linear(const void* x, const void* w, const void* bias, void* y, int64_t M, int64_t N, int64_t K, void* stream) {
  const int align = alignment_class(x, w, bias, y);
  if (!x || !w || !y || M < 1 || N < 1 || K < 1 || N % 8 || K % 8 || align == 0) return kDecline;
  const auto st = static_cast<cudaStream_t>(stream);
  cudaStreamCaptureStatus cap = cudaStreamCaptureStatusNone;
  if (cudaError_t e = cudaStreamIsCapturing(st, &cap)) return e;
  const bool capturing = cap != cudaStreamCaptureStatusNone;
  int dev = 0;
  if (cudaError_t e = cudaGetDevice(&dev)) return e;

  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  auto dit = s.devices.find(dev);
  if (dit == s.devices.end()) {
    if (capturing) return kDecline;  // no allocation inside a capture
    dit = s.devices.emplace(dev, DeviceState{}).first;
    if (int e = init_device(dit->second, dev)) {
      s.devices.erase(dit);  // (a failed init leaks what it got; it is fatal to the caller anyway)
      return e;
    }
  }
  DeviceState& d = dit->second;
  const Args g{x, w, bias, y, st};
  const Key exact{dev, M, N, K, bias != nullptr, align};
  auto pit = s.problems.find(exact);
  if (pit == s.problems.end()) {
    if (capturing) return kDecline;  // tuning and checking happen in the eager run before the capture
    auto p = std::make_unique<Problem>();
    if (int e = make_problem(*p, M, N, K, bias != nullptr)) return e;
    if (!s.file_read) read_file(s);
    Key bucket = exact;
    bucket.m = lt_row_bucket(M);
    auto cit = s.choices.find(bucket);
    bool wrote_y = false;
    if (cit == s.choices.end()) {
      LtChoice c;
      c.device = dev, c.m = bucket.m, c.n = N, c.k = K, c.bias = bias != nullptr, c.align = align, c.timed_m = M;
      auto fit = s.file_entries.find(FileKey{d.name, bucket.m, N, K, bias != nullptr, align});
      if (fit != s.file_entries.end() && file_choice_holds(d, *p, fit->second, M, N, K, bias != nullptr)) {
        c.config = fit->second.config;
        c.us = fit->second.us;
        c.timed_m = fit->second.timed_m;
      } else {  // not in the file, or no longer valid here: tune, and record the new choice
        const int e = tune(d, dev, *p, g, align, &c);
        if (e == kDecline) s.problems.emplace(exact, std::move(p));  // nothing runs it: decline it from now on
        if (e) return e;
        wrote_y = true;
        if (int fe = append_file(s, d.name, c)) {
          s.choices.emplace(bucket, c);  // keep the choice: the caller reports the file, y is valid
          return fe;
        }
      }
      cit = s.choices.emplace(bucket, c).first;
    }
    p->usable = build_algo(d.handle, cit->second.config, &p->algo) && applies(d, *p, p->algo);
    pit = s.problems.emplace(exact, std::move(p)).first;
    if (wrote_y) {
      ++s.launches;
      return 0;
    }
  }
  Problem& p = *pit->second;
  if (!p.usable) return kDecline;
  const cublasStatus_t st2 = matmul(d, p, p.algo, g);
  if (st2 == CUBLAS_STATUS_NOT_SUPPORTED || st2 == CUBLAS_STATUS_INVALID_VALUE) {
    // Refused before launching (e.g. a requirement AlgoCheck does not see). Decline this shape from
    // now on, so an eager run and a later capture of it agree.
    cudaGetLastError();
    p.usable = false;
    return kDecline;
  }
  if (st2 != CUBLAS_STATUS_SUCCESS) return cublas_code(st2);
  ++s.launches;
  return 0;
}

std::string lt_describe(int device, int64_t M, int64_t N, int64_t K, bool bias) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  for (int align : {256, 16}) {
    auto it = s.choices.find(Key{device, lt_row_bucket(M), N, K, bias, align});
    if (it != s.choices.end()) return config_text(it->second.config);
  }
  return "";
}

std::vector<LtChoice> lt_choices() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  std::vector<LtChoice> out;
  for (const auto& kv : s.choices) out.push_back(kv.second);
  return out;
}

std::string lt_choice_line(const LtChoice& c) {
  char buf[160];
  if (c.candidates > 0)
    std::snprintf(buf, sizeof(buf), " | %.2f us at %lld rows, best of %d candidates, tuned in %.0f ms", c.us,
                  static_cast<long long>(c.timed_m), c.candidates, c.tune_ms);
  else
    std::snprintf(buf, sizeof(buf), " | %.2f us at %lld rows when tuned, read from REMEDI_GEMM_TUNING", c.us,
                  static_cast<long long>(c.timed_m));
  return "cuda:" + std::to_string(c.device) + " M<=" + std::to_string(c.m) + " N=" + std::to_string(c.n) +
         " K=" + std::to_string(c.k) + (c.bias ? " +bias" : "") + " align " + std::to_string(c.align) + ": " +
         config_text(c.config) + buf;
}

std::string lt_error_string(int code) {
  if (code == kFileError) {
    const char* env = std::getenv("REMEDI_GEMM_TUNING");
    return std::string("cannot append to the GEMM tuning file '") + (env ? env : "") + "'";
  }
  if (code >= kCublasBase && code < kFileError) return "cuBLAS status " + std::to_string(code - kCublasBase);
  return std::string(cudaGetErrorString(static_cast<cudaError_t>(code))) + " (cudaError " + std::to_string(code) + ")";
}

int64_t lt_launches() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.launches;
}

void lt_forget() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.choices.clear();
  s.problems.clear();
  s.file_entries.clear();
  s.file_read = false;
}

}  // namespace remedi::engine::cuda
