// The matmuls of a denoising step through cuBLASLt with a timed, persisted algorithm choice.
//
// Why: a step of a few rows is memory bound (every weight is read from HBM once per step), and
// cublasGemmEx's default choice (what at::linear runs) is often a split-K kernel with a separate
// reduction. Timing cuBLASLt's candidates on an H200 (tests/cuda/gemm_tune.cu, M = 32) found
// split-K-1 kernels that read the weights faster: qkv 28.1 -> 26.8 us, wo 13.6 -> 12.1, down
// 32.2 -> 27.5, lm_head 254.5 -> 248.2; at M = 256 the gains were small and at M = 2048 none.
//
// Plain C++ types only (no torch headers): pointers are device memory holding bf16; `stream` is a
// cudaStream_t on the current device. Return codes as in fused_kernels.h: 0 = done; 1
// (cudaErrorInvalidValue) = declined without launching, the caller runs at::linear; anything else
// is a real failure (lt_error_string says which).
//
// Tuning. The first call for a key (device, row bucket, N, K, bias?, alignment class) outside a
// stream capture times the candidates — cuBLASLt's 16 best heuristic answers, each also with
// split-K in {1,2,3,4,6,8,12,16}, partials always summed in float32 (COMPUTE_TYPE; the other
// schemes add them in bf16), checked and deduplicated by their configuration: at most 16 x 9 =
// 144, usually far fewer — on the caller's real pointers, each call
// after an L2 flush (a matmul streaming >= 64 MiB and twice the L2 as its weight, so the weights
// come from HBM and the L2 holds clean lines, as after the previous matmul of a real forward):
// median of 9 timed calls after a warm-up. A later candidate wins only when it is more than 1%
// faster, so near-ties go to cuBLASLt's own order. The caller's y is written last by the winner.
// Tuning one key costs roughly candidates x 10 x (matmul + ~30 us flush) — an estimate: ~0.2 s for
// a 4096 x 4096 weight, ~0.8 s for the lm_head at 32 rows (LtChoice::tune_ms has the measured time).
// Rows are bucketed to multiples of 32 (1..32 -> 32, 33..64 -> 64, ...) so that prefills of every
// prompt length do not each trigger tuning: a bucket is tuned at the first row count seen in it
// (in the memory-bound regime the fastest kernel hardly depends on the rows within 32), and its
// choice is re-checked (cublasLtMatmulAlgoCheck) for each exact row count, declined where it does
// not apply.
//
// Capture. During a stream capture nothing is allocated or timed: a shape with no choice yet is
// declined. The engine runs one eager step of a shape before capturing it, so the capture finds
// the eager step's choice and replays exactly its numerics.
//
// Persistence and reproducibility. Timings are noisy, so two processes may pick different
// configurations, and different configurations round differently. When REMEDI_GEMM_TUNING names a
// file, it is read at first use and every new choice is appended as one line
//   device name <TAB> cuBLASLt version <TAB> M N K bias align <TAB> algo tile splitk reduction
//   swizzle custom stages inner cluster <TAB> microseconds, rows timed at
// (M: the row bucket). Lines for another device name or cuBLASLt version are ignored; for a repeated
// key the last line wins. A read choice is rebuilt (cublasLtMatmulAlgoInit + config attributes) and
// re-checked, for the rows at hand and, failing that, for the rows it was timed at (then this row
// count is declined, as it was in the process that tuned it); failing both, the key is tuned again
// and the new line appended. With the file, a second process
// makes exactly the same choices and so computes bit-identical matmuls: an evaluation harness
// should point every run at one file.
//
// Concurrency: one mutex guards all state; the per-device workspace (32 MiB) is shared, so calls
// must not run concurrently on different streams of one device (the engine uses one stream).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace remedi::engine::cuda {

// y (M, N) = x (M, K) . w (N, K)^T (+ bias (N)), all bf16 row-major, float32 accumulation, bias
// added in float32 before the one rounding to bf16 (CUBLASLT_EPILOGUE_BIAS). bias may be null.
// Declines (returns 1): M, N or K < 1; N or K not a multiple of 8; a pointer not 16-byte aligned;
// a capture before the key is tuned; a configuration that does not apply to this exact M.
int lt_linear(const void* x, const void* w, const void* bias, void* y, int64_t M, int64_t N, int64_t K, void* stream);

// The tuning key's row count for M rows.
int64_t lt_row_bucket(int64_t M);

// One cuBLASLt algorithm configuration: its CUBLASLT_ALGO_CONFIG_* attributes, which rebuild it.
struct LtConfig {
  int algo = 0, tile = 0, splitk = 0, reduction = 0, swizzle = 0, custom = 0, stages = 0, inner = 0, cluster = 0;
};

struct LtChoice {
  int device = 0;
  int64_t m = 0, n = 0, k = 0;  // m: the row bucket
  bool bias = false;
  int align = 0;  // 256: every pointer 256-byte aligned (cuBLASLt's default); else 16
  LtConfig config;
  double us = 0;        // the winner's median time when tuned (as written in the file when read)
  int64_t timed_m = 0;  // the row count (<= m) the candidates were timed at
  int candidates = 0;   // configurations timed; 0 = read from the file
  double tune_ms = 0;   // wall time of the tuning, 0 when read from the file
};

// "algo 66 tile 13 splitk 1 red 0 swz 0 custom 1 stages 35 inner 0 cluster 3" for the choice of
// (device, M rows, N, K, bias), the 256-aligned one when both exist; "" when none is made yet.
std::string lt_describe(int device, int64_t M, int64_t N, int64_t K, bool bias);
// Every choice made or read so far (for bench logs and tests), in key order.
std::vector<LtChoice> lt_choices();
// One line for bench logs: key, configuration, time, and where it came from.
std::string lt_choice_line(const LtChoice& c);
// The code lt_linear returns when it computed y but could not append the new choice to the file
// REMEDI_GEMM_TUNING names (the choice is kept in memory).
inline constexpr int kLtFileError = 20000;
// Human-readable form of a failure code returned by lt_linear.
std::string lt_error_string(int code);
// Matmuls lt_linear has launched for its callers (tuning runs not counted): tests use it to see
// that a captured call went through cuBLASLt rather than the caller's fallback.
int64_t lt_launches();
// Test hook: forgets every choice and checked shape; the next call re-reads REMEDI_GEMM_TUNING.
// Handles and workspaces are kept.
void lt_forget();

}  // namespace remedi::engine::cuda
