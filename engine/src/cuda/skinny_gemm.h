// Weight-streaming matmul for a step of at most 32 rows whose output is too narrow to fill the GPU.
//
// Why: at batch 1 a denoising step is 32 rows, and every matmul only has to read its weight from HBM
// once. For the N = 4096 outputs (attention out, MLP down, UPS feedback) cuBLASLt's best kernel
// tiles N by 64 and so runs 64 CTAs on the H200's 132 SMs, reading the weights at ~3.25 TB/s where
// the copy bandwidth is ~4.26 TB/s (results/bench/README.md). Its split-K variants add a separate
// reduction kernel that costs more than they win. This kernel splits K over a thread-block cluster
// instead: CTA (n tile, split) streams its BN x (K / splits) slice of the weight through shared
// memory (cp.async, several 128-column stages in flight), multiplies it with the matching slice of
// x on the tensor cores (mma.sync m16n8k16, float32 accumulators), and the splits of one n tile,
// one cluster, add their partial tiles through distributed shared memory in split order (so the
// result is deterministic) before the one rounding to bf16. No workspace, no second kernel. It is
// launched early (pdl.h) and requests its first weight stages before waiting for the previous kernel.
// H200, 32 rows, weights from HBM (tests/cuda/skinny_check.cu): 4096 x 4096 in 11.6 us against
// cuBLASLt's tuned 12.4 us, 4096 x 12288 in 27.2 us against 29.0 us (64-column tiles, 2 splits,
// 128 CTAs). Clusters of 4 do not all fit in one wave on the H200 (30 resident), so 128-column tiles
// in fours are slower; wider outputs (qkv, gate/up) stay with cuBLASLt, which is faster there.
//
// Plain C++ types only (no torch headers): pointers are device memory holding bf16; `stream` is a
// cudaStream_t on the current device. Return codes as in fused_kernels.h: 0 = done; 1
// (cudaErrorInvalidValue) = declined without launching, the caller runs its other matmul; anything
// else is a CUDA error.
#pragma once
#include <cstdint>

namespace remedi::engine::cuda {

// y (M, N) = x (M, K) . w (N, K)^T (+ bias (N)), bf16 row-major, float32 accumulation, the bias
// added in float32 before the one rounding to bf16. bias may be null. Declines (returns 1): the
// kernel is off (skinny_enable(false) or REMEDI_SKINNY_GEMM=0 in the environment); M < 1 or
// M > 32; N not a multiple of 64 or K not a multiple of 128; a pointer not 16-byte aligned; a GPU
// without thread-block clusters (before sm_90); and shapes whose output already fills the GPU
// (fewer than 2 splits fit), which cuBLASLt serves well.
int skinny_linear(const void* x, const void* w, const void* bias, void* y, int64_t M, int64_t N, int64_t K,
                  void* stream);

// The launch skinny_linear would make for this shape on the current device: n tile (64 or 128),
// splits of K (1..8, one cluster per n tile), shared-memory stages. bn == 0: declined.
struct SkinnyPlan {
  int bn = 0, splits = 0, stages = 0;
};
SkinnyPlan skinny_plan(int64_t M, int64_t N, int64_t K);

// Test hooks. skinny_force: the plan for every later call (bn 64 or 128, splits 1..8 dividing
// K / 128, stages as compiled: bn 64 -> 6, bn 128 -> 5; 0 everywhere = automatic); an impossible
// forced plan makes skinny_linear decline. skinny_enable: on/off for this process
// (overrides the environment).
void skinny_force(int bn, int splits, int stages);
void skinny_enable(bool on);
// Launched early (programmatic dependent launch, pdl.h; default on): the weight prefetch overlaps the
// previous kernel. Off: a plain stream-ordered launch (the A/B for the check's timing).
void skinny_early_launch(bool on);
// Clusters of `splits` CTAs of configuration (bn, stages) that can be resident at once on the
// current device (0: not compiled or not launchable): the automatic plan keeps to one wave.
int skinny_max_clusters(int bn, int stages, int splits);
// Matmuls skinny_linear has launched (tests use it to see which kernel served a call).
int64_t skinny_launches();

}  // namespace remedi::engine::cuda
