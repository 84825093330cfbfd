// Weight-streaming matmul for a step of at most 32 rows (batch 1 of RemeDi's 32-token blocks).
//
// Why: at batch 1 every matmul only has to read its weight from HBM once, and what separates a
// forward from the bandwidth floor is the fixed cost of each of its ~145 matmuls (launch, the first
// bytes' latency, the last CTAs' tail: ~4 us each, results/bench/README.md), which no cuBLASLt
// kernel can overlap with its neighbours. This kernel can: it lets the next kernel of its stream
// launch as soon as it starts (programmatic dependent launch, pdl.h), and it requests its own first
// weight stages (up to ~200 KB of shared memory per CTA) before waiting for the previous kernel, so
// with the engine's norm, SiLU and attention kernels launched the same way a matmul's weights
// start streaming into the SMs its predecessor two kernels back frees.
//
// CTA (n tile, split) streams its BN x (K / splits) slice of the weight through shared memory
// (cp.async, 128-column stages), multiplies it with the matching slice of x on the tensor cores
// (mma.sync m16n8k16, float32 accumulators); the splits of one n tile, one thread-block cluster,
// add their partial tiles through distributed shared memory in split order (deterministic) before
// the one rounding to bf16. No workspace, no second kernel. The plan keeps every CTA in one wave:
// at RemeDi-9B shapes on the H200, 128 CTAs for each of qkv, wo, gate/up and down.
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
// without thread-block clusters (before sm_90); and shapes no plan serves in one wave of CTAs
// (RemeDi's LM head), which cuBLASLt serves well.
int skinny_linear(const void* x, const void* w, const void* bias, void* y, int64_t M, int64_t N, int64_t K,
                  void* stream);

// The launch skinny_linear would make for this shape on the current device: n tile (64, 128 or
// 192), splits of K (1..8, one cluster per n tile), shared-memory stages. bn == 0: declined.
struct SkinnyPlan {
  int bn = 0, splits = 0, stages = 0;
};
SkinnyPlan skinny_plan(int64_t M, int64_t N, int64_t K);

// Test hooks. skinny_force: the plan for every later call (bn 64, 128 or 192, splits 1..8 dividing
// K / 128, stages as compiled: bn 64 -> 8 or 4, bn 128 -> 5, bn 192 -> 3 or 2; 0 = the tile's first;
// 0 everywhere = automatic); an impossible
// forced plan makes skinny_linear decline. skinny_enable: on/off for this process
// (overrides the environment).
void skinny_force(int bn, int splits, int stages);
void skinny_enable(bool on);
// The plan for one shape (N, K), over the automatic one and skinny_force: bn 0 declines the shape
// (cuBLASLt serves it), stages 0 = the tile's default; bn < 0 removes the shape's entry. The
// environment's REMEDI_SKINNY_PLANS="N:K:bn:splits:stages,..." sets the same (A/B runs).
void skinny_set_plan(int64_t N, int64_t K, int bn, int splits, int stages);
// Launched early (programmatic dependent launch, pdl.h; default on): the weight prefetch overlaps the
// previous kernel. Off: a plain stream-ordered launch (the A/B for the check's timing).
void skinny_early_launch(bool on);
// Clusters of `splits` CTAs of configuration (bn, stages) that can be resident at once on the
// current device (0: not compiled or not launchable): the automatic plan keeps to one wave.
int skinny_max_clusters(int bn, int stages, int splits);
// Matmuls skinny_linear has launched (tests use it to see which kernel served a call).
int64_t skinny_launches();

}  // namespace remedi::engine::cuda
