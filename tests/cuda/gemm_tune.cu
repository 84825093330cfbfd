// cuBLASLt algorithm sweep for the matmuls of a RemeDi-9B denoising step (throughput work, issue 6).
//
// y (M x N) = x (M x K) . W (N x K)^T in bf16 with float32 accumulation, as at::linear does it. For
// each weight shape and each M (32 = one row of a 32-token block, 256 = 8 rows, 2048 = 64 rows) it
// times: cublasGemmEx's default (what at::linear runs), cuBLASLt's heuristic first choice, and
// every heuristic candidate with its split-K count and reduction scheme varied; it prints the best
// configuration. Weights rotate over copies totalling >= 512 MB so every call reads them from HBM,
// as in a real forward. No torch. Build: nvcc -std=c++17 -arch=sm_90 -O2 gemm_tune.cu -lcublasLt -lcublas
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <tuple>
#include <vector>

#define CK(x)                                                                          \
  do {                                                                                 \
    cudaError_t e_ = (x);                                                              \
    if (e_ != cudaSuccess) {                                                           \
      std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
      std::exit(1);                                                                    \
    }                                                                                  \
  } while (0)
#define CB(x)                                                              \
  do {                                                                     \
    int s_ = static_cast<int>(x);                                          \
    if (s_ != 0) {                                                         \
      std::printf("cuBLAS status %d at %s:%d\n", s_, __FILE__, __LINE__);  \
      std::exit(1);                                                        \
    }                                                                      \
  } while (0)

__global__ void fill(__nv_bfloat16* p, size_t n, unsigned seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    unsigned h = unsigned(i) * 2654435761u ^ seed;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    p[i] = __float2bfloat16((float(h & 0xffff) / 65536.f - 0.5f) * 0.04f);
  }
}

struct Cfg {
  int algo, tile, splitk, red, swz, custom, stages, inner, cluster;
  bool operator<(const Cfg& o) const {
    return std::tie(algo, tile, splitk, red, swz, custom, stages, inner, cluster) <
           std::tie(o.algo, o.tile, o.splitk, o.red, o.swz, o.custom, o.stages, o.inner, o.cluster);
  }
};

template <class T>
T get_cfg(const cublasLtMatmulAlgo_t& a, cublasLtMatmulAlgoConfigAttributes_t attr) {
  T v{};
  size_t w = 0;
  cublasLtMatmulAlgoConfigGetAttribute(&a, attr, &v, sizeof(v), &w);
  return v;
}
Cfg describe(const cublasLtMatmulAlgo_t& a) {
  Cfg c;
  c.algo = get_cfg<int>(a, CUBLASLT_ALGO_CONFIG_ID);
  c.tile = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_TILE_ID));
  c.splitk = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_SPLITK_NUM));
  c.red = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME));
  c.swz = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING));
  c.custom = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION));
  c.stages = int(get_cfg<uint32_t>(a, CUBLASLT_ALGO_CONFIG_STAGES_ID));
  c.inner = int(get_cfg<uint16_t>(a, CUBLASLT_ALGO_CONFIG_INNER_SHAPE_ID));
  c.cluster = int(get_cfg<uint16_t>(a, CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID));
  return c;
}

struct Bench {
  cublasLtHandle_t lt;
  cublasHandle_t blas;
  cudaStream_t st;
  void* ws;
  size_t ws_bytes = 64u << 20;
  cudaEvent_t e0, e1;
};

// Median microseconds per call of `call(i)` over rotating weights, replayed from a CUDA graph.
template <class F>
double time_graph(Bench& b, int copies, F call, bool* ok) {
  const int per_graph = std::max(8, copies), reps = 7;
  cudaGraph_t g;
  cudaGraphExec_t ex;
  CK(cudaStreamBeginCapture(b.st, cudaStreamCaptureModeThreadLocal));
  bool good = true;
  for (int i = 0; i < per_graph; ++i) good = call(i % copies) && good;
  CK(cudaStreamEndCapture(b.st, &g));
  if (!good) {
    cudaGraphDestroy(g);
    *ok = false;
    return 0;
  }
  CK(cudaGraphInstantiate(&ex, g, 0));
  CK(cudaGraphLaunch(ex, b.st));  // warm-up
  CK(cudaStreamSynchronize(b.st));
  std::vector<float> t;
  for (int r = 0; r < reps; ++r) {
    CK(cudaEventRecord(b.e0, b.st));
    CK(cudaGraphLaunch(ex, b.st));
    CK(cudaEventRecord(b.e1, b.st));
    CK(cudaEventSynchronize(b.e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, b.e0, b.e1));
    t.push_back(ms);
  }
  cudaGraphExecDestroy(ex);
  cudaGraphDestroy(g);
  std::sort(t.begin(), t.end());
  *ok = true;
  return 1000.0 * t[t.size() / 2] / per_graph;
}

int main(int argc, char** argv) {
  Bench b;
  CB(cublasLtCreate(&b.lt));
  CB(cublasCreate(&b.blas));
  CK(cudaStreamCreateWithFlags(&b.st, cudaStreamNonBlocking));
  CB(cublasSetStream(b.blas, b.st));
  CK(cudaMalloc(&b.ws, b.ws_bytes));
  CB(cublasSetWorkspace(b.blas, b.ws, b.ws_bytes));
  CK(cudaEventCreate(&b.e0));
  CK(cudaEventCreate(&b.e1));
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  std::printf("%s, cuBLASLt %zu\n", prop.name, cublasLtGetVersion());

  struct Shape {
    const char* name;
    int N, K;
  };
  const Shape shapes[] = {{"qkv", 3 * 4096, 4096}, {"wo", 4096, 4096}, {"gate_up", 2 * 12288, 4096},
                          {"down", 4096, 12288}, {"lm_head", 126464, 4096}};
  std::vector<int> Ms = {32, 256, 2048};
  if (argc > 1) Ms = {std::atoi(argv[1])};
  const bool wide = argc > 2;  // vary split-K / reduction of every candidate also for large M

  for (const Shape& s : shapes) {
    const size_t wbytes = size_t(s.N) * s.K * 2;
    const int copies = int(std::max<size_t>(2, (size_t(512) << 20) / wbytes + 1));
    std::vector<__nv_bfloat16*> W(copies);
    for (int i = 0; i < copies; ++i) {
      CK(cudaMalloc(&W[i], wbytes));
      fill<<<1024, 256, 0, b.st>>>(W[i], size_t(s.N) * s.K, 17u + i);
    }
    for (int M : Ms) {
      __nv_bfloat16 *X, *Y;
      CK(cudaMalloc(&X, size_t(M) * s.K * 2));
      CK(cudaMalloc(&Y, size_t(M) * s.N * 2));
      fill<<<256, 256, 0, b.st>>>(X, size_t(M) * s.K, 99u);
      CK(cudaStreamSynchronize(b.st));
      const float alpha = 1.f, beta = 0.f;
      const double gb = double(wbytes) / 1e9;

      bool ok = false;
      const double t_def = time_graph(
          b, copies,
          [&](int i) {
            return cublasGemmEx(b.blas, CUBLAS_OP_T, CUBLAS_OP_N, s.N, M, s.K, &alpha, W[i], CUDA_R_16BF, s.K, X,
                                CUDA_R_16BF, s.K, &beta, Y, CUDA_R_16BF, s.N, CUBLAS_COMPUTE_32F,
                                CUBLAS_GEMM_DEFAULT_TENSOR_OP) == CUBLAS_STATUS_SUCCESS;
          },
          &ok);

      cublasLtMatmulDesc_t op;
      CB(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
      cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
      CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
      CB(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
      cublasLtMatrixLayout_t la, lb, lc;
      CB(cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, s.K, s.N, s.K));
      CB(cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, s.K, M, s.K));
      CB(cublasLtMatrixLayoutCreate(&lc, CUDA_R_16BF, s.N, M, s.N));
      cublasLtMatmulPreference_t pref;
      CB(cublasLtMatmulPreferenceCreate(&pref));
      CB(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &b.ws_bytes,
                                              sizeof(b.ws_bytes)));
      std::vector<cublasLtMatmulHeuristicResult_t> res(64);
      int nres = 0;
      CB(cublasLtMatmulAlgoGetHeuristic(b.lt, op, la, lb, lc, lc, pref, int(res.size()), res.data(), &nres));

      auto run_algo = [&](const cublasLtMatmulAlgo_t& a, bool* good) {
        return time_graph(
            b, copies,
            [&](int i) {
              return cublasLtMatmul(b.lt, op, &alpha, W[i], la, X, lb, &beta, Y, lc, Y, lc, &a, b.ws, b.ws_bytes,
                                    b.st) == CUBLAS_STATUS_SUCCESS;
            },
            good);
      };
      double t_h0 = 0, best = 1e30;
      Cfg best_cfg{}, h0_cfg{};
      std::set<Cfg> seen;
      int tried = 0;
      for (int r = 0; r < nres; ++r) {
        std::vector<cublasLtMatmulAlgo_t> cands = {res[r].algo};
        if (M <= 256 || wide) {
          for (int sk : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32})
            for (uint32_t red : {1u, 2u, 4u}) {
              cublasLtMatmulAlgo_t a = res[r].algo;
              uint32_t skv = uint32_t(sk), redv = sk == 1 ? 0u : red;
              cublasLtMatmulAlgoConfigSetAttribute(&a, CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &skv, sizeof(skv));
              cublasLtMatmulAlgoConfigSetAttribute(&a, CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &redv, sizeof(redv));
              cublasLtMatmulHeuristicResult_t chk;
              if (cublasLtMatmulAlgoCheck(b.lt, op, la, lb, lc, lc, &a, &chk) == CUBLAS_STATUS_SUCCESS &&
                  chk.workspaceSize <= b.ws_bytes)
                cands.push_back(a);
            }
        }
        for (size_t ci = 0; ci < cands.size(); ++ci) {
          const Cfg c = describe(cands[ci]);
          if (!seen.insert(c).second) continue;
          bool good = false;
          const double t = run_algo(cands[ci], &good);
          if (!good) continue;
          ++tried;
          if (r == 0 && ci == 0) t_h0 = t, h0_cfg = c;
          if (t < best) best = t, best_cfg = c;
        }
      }
      std::printf(
          "%-8s M=%-5d default %8.2f us (%5.2f TB/s)  lt-heur0 %8.2f us  best %8.2f us (%5.2f TB/s, %.2fx default) "
          "of %d [algo %d tile %d splitk %d red %d swz %d custom %d stages %d inner %d cluster %d]  heur0 [algo %d tile %d "
          "splitk %d red %d stages %d]\n",
          s.name, M, t_def, gb / t_def * 1e3, t_h0, best, gb / best * 1e3, t_def / best,
          tried, best_cfg.algo, best_cfg.tile, best_cfg.splitk, best_cfg.red, best_cfg.swz, best_cfg.custom,
          best_cfg.stages, best_cfg.inner, best_cfg.cluster, h0_cfg.algo, h0_cfg.tile, h0_cfg.splitk, h0_cfg.red,
          h0_cfg.stages);
      std::fflush(stdout);
      cublasLtMatmulPreferenceDestroy(pref);
      cublasLtMatrixLayoutDestroy(la);
      cublasLtMatrixLayoutDestroy(lb);
      cublasLtMatrixLayoutDestroy(lc);
      cublasLtMatmulDescDestroy(op);
      cudaFree(X);
      cudaFree(Y);
    }
    for (auto* w : W) cudaFree(w);
  }
  return 0;
}
