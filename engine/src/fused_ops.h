// The forward's elementwise stages, each with a fused CUDA kernel for contiguous bf16 tensors on
// the GPU (cuda/fused_kernels.cu) and its ATen composition — the reference and the CPU twin —
// everywhere else. Both compute MODEL.md §1's arithmetic: float32 inside, bf16 roundings where
// LLaDA rounds.
#pragma once
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

namespace remedi::engine {

// Process-wide switch (default on): off = every stage below runs its ATen composition on every
// device — the plain LibTorch forward that bench times beside the fast path, and the reference the
// GPU tests compare the kernels with.
void set_fused_kernels(bool on);
bool fused_kernels();

// x * rsqrt(mean(x^2) + eps) in float32, cast back to x's dtype, then * w.   x: (..., d)
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& w, double eps);
// The residual add and the norm that follows it: s = x + r (rounded to x's dtype), y = rms_norm(s, w).
// Returns {s, y}.
std::pair<at::Tensor, at::Tensor> add_rms_norm(const at::Tensor& x, const at::Tensor& r, const at::Tensor& w,
                                               double eps);
// qkv (B, T, 3, H, D): rotates q and k with cos/sin (B, T, 1, 1, D) float32, stores the rotated k
// and v in the caches K, V (B, H, S, D) at slots [slot0, slot0 + T), and returns q (B, T, H, D)
// rotated (may be a view into qkv, which it may modify in place). slot0_dev: undefined, or a device
// int64 (1) holding slot0, read by the kernel when it runs (captured graphs); then only the kernel
// may serve the call (an Error if it declines).
at::Tensor rope_qk_store(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& K,
                         const at::Tensor& V, int64_t slot0, const at::Tensor& slot0_dev = {});
// The engine's split-key attention kernel (cuda/attention_kernels.h) for one block's queries q
// (B, T, H, D) (a view with unit stride in D) over the caches K, V (B, H, S, D): valid slots
// [0, kv_len), or per row [0, lo_len[b]) and [hi_start[b], kv_len) when lo_len and hi_start, device
// int64 (B), are given.
// Returns (B, T, H, D), or an undefined tensor where the kernel does not apply (CPU, fused kernels
// off, other dtypes or shapes): the caller then uses ATen's attention.
// kv_len_dev: undefined, or a device int64 (1) holding the attended length, read when the kernel
// runs; kv_len is then the bound the kernel plans its key splits for, and only the kernel may serve
// the call (an Error if it declines).
at::Tensor block_attention(const at::Tensor& q, const at::Tensor& K, const at::Tensor& V, int64_t kv_len,
                           const at::Tensor& lo_len, const at::Tensor& hi_start, const at::Tensor& kv_len_dev = {});
// rope_qk_store followed by block_attention in one kernel where the block's new keys are the last
// T slots attended (write slot = attended length - T): qkv (B, T, 3, H, D) raw, not modified; stores
// the rotated k and the v of the block in K, V; returns (B, T, H, D), the same bits as the two
// calls. Undefined where the kernel does not apply (nothing is then written: the caller runs the
// two steps); kv_len and kv_len_dev as for block_attention.
at::Tensor rope_block_attention(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& sin,
                                const at::Tensor& K, const at::Tensor& V, int64_t kv_len, const at::Tensor& lo_len,
                                const at::Tensor& hi_start, const at::Tensor& kv_len_dev = {});
// silu(g) * u for gu = [g | u] along the last dim: (..., 2M) -> (..., M).
at::Tensor silu_mul(const at::Tensor& gu);

// Greedy candidates of a step: cand = where(x == mask_id, logits.argmax(-1), x) (first maximum on
// ties) and logit = float32(logits[..., cand]); x (...) int64, logits (..., V). On the GPU (bf16) one
// kernel reads the logits once; the result is the composition's, exactly. packed: undefined, or a
// contiguous float32 tensor of at least 2 * x.numel() elements on the logits' device whose head
// gets [float(cand) | logit] too (written by the same kernel on the GPU); V <= 2^24 then.
std::pair<at::Tensor, at::Tensor> greedy_select(const at::Tensor& logits, const at::Tensor& x, int64_t mask_id,
                                                const at::Tensor& packed = {});

// y = x w^T + bias, as at::linear.   x: (..., K), w: (N, K), bias: (N) or undefined -> (..., N).
// A step of at most 32 rows (batch 1) with `stream_weights` goes through the weight-streaming kernel
// of cuda/skinny_gemm.h where it has a plan (deterministic, no tuning, launched early so that it
// streams its weights while the kernels before it finish; REMEDI_SKINNY_GEMM=0 turns it off). The
// transformer asks for it after its norm and SiLU kernels; not after attention, whose CTAs hold the
// shared memory it would stream into (H200, batch 1: 0.09 ms per forward slower there; see
// results/bench/README.md). Other steps of
// up to kLtMaxRows rows (x.numel() / K) of contiguous bf16 on the GPU go through cuBLASLt
// with a timed algorithm choice per shape (cuda/lt_gemm.h: tuned at the first eager call, persisted
// in the file REMEDI_GEMM_TUNING names); everything else, and whatever cuBLASLt declines, runs
// at::linear. A CUDA-graph capture reuses the choice its eager run made. Call it as engine::linear:
// argument-dependent lookup also finds at::linear, and a call without bias would be ambiguous.
constexpr int64_t kLtMaxRows = 512;  // above this the matmuls are compute bound: cuBLAS's default is as fast
at::Tensor linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& bias = {}, bool stream_weights = true);
// The cuBLASLt choice for M rows of an (N, K) weight on the current device, e.g. "algo 66 tile 13
// splitk 1 red 0 ..."; "" when none is made (yet), and always without CUDA.
std::string linear_tuning(int64_t M, int64_t N, int64_t K, bool bias);
// Every cuBLASLt choice made or read so far, one line each (for bench logs); empty without CUDA.
std::vector<std::string> linear_tunings();
// Tests: matmuls that went through cuBLASLt so far, and forgetting every choice (the next call
// re-reads REMEDI_GEMM_TUNING). 0 and a no-op without CUDA.
int64_t linear_lt_launches();
void forget_linear_tunings();
// Tests: matmuls the skinny kernel has served, and turning it on/off for the process (overrides
// REMEDI_SKINNY_GEMM). 0 and a no-op without CUDA.
int64_t linear_skinny_launches();
void set_skinny_linear(bool on);

}  // namespace remedi::engine
