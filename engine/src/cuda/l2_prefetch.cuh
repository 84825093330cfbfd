// Device side of L2Prefetch (fused_kernels.h), shared by the engine's .cu files.
#pragma once
#include <cstdint>

#include "fused_kernels.h"

namespace remedi::engine::cuda {

// Thread t of n issues the L2 prefetch of rows t, t + n, ...: one bulk prefetch (sm_90+, handled by
// the copy engine, nothing waits for it) per row. Before sm_90 nothing is issued.
__device__ __forceinline__ void issue_l2_prefetch(const L2Prefetch& pf, int64_t t, int64_t n) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  const char* base = static_cast<const char*>(pf.base);
  for (int64_t r = t; r < pf.rows; r += n)
    asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;\n" ::"l"(base + r * pf.row_bytes),
                 "r"(static_cast<uint32_t>(pf.bytes))
                 : "memory");
#endif
}

}  // namespace remedi::engine::cuda
