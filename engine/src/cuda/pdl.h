// Programmatic dependent launch (sm_90+) for the engine's kernels. A kernel launched with the
// early-launch attribute may be scheduled while the previous kernel of its stream is still running,
// as soon as every CTA of that kernel has called `allow_dependents()` (or exited). Before
// `wait_for_previous_grid()` it may only touch memory no kernel writes (the skinny matmul streams
// its weights into shared memory there, the RMSNorm loads its weight); the wait returns once the
// previous grid has completed and its memory is visible. Every engine kernel launched this way
// waits in every CTA, so a grid completes only after its predecessor did: a chain of early
// launches never lets a kernel read before all earlier kernels are done. On older GPUs the
// attribute is left out and the instructions compile to nothing. Captured into CUDA graphs as
// programmatic edges.
#pragma once
#include <cuda_runtime.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace remedi::engine::cuda {

__device__ __forceinline__ void wait_for_previous_grid() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

// Lets the next kernel of the stream, if launched early, be scheduled now (a hint: its wait still
// waits for this whole grid).
__device__ __forceinline__ void allow_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// The process-wide switch: -1 = not yet read from REMEDI_EARLY_LAUNCH (0 or off: plain launches,
// the A/B switch for the bench), 0 = off, 1 = on. One instance for every file including this.
inline std::atomic<int>& early_launch_switch() {
  static std::atomic<int> on{-1};
  return on;
}
inline void set_early_launch(bool on) { early_launch_switch().store(on ? 1 : 0); }

// Whether launches on the current device are made early: compute capability >= 9 and the switch on.
inline bool early_launch_supported() {
  static int cached[64] = {};  // per device: 0 unknown, 1 sm_90+, 2 older
  int sw = early_launch_switch().load(std::memory_order_relaxed);
  if (sw < 0) {
    const char* e = std::getenv("REMEDI_EARLY_LAUNCH");
    sw = e != nullptr && (std::strcmp(e, "0") == 0 || std::strcmp(e, "off") == 0) ? 0 : 1;
    early_launch_switch().store(sw);
  }
  int dev = 0;
  if (sw == 0 || cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) {
    cudaGetLastError();
    return false;
  }
  if (cached[dev] == 0) {
    int major = 0;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) {
      cudaGetLastError();
      return false;
    }
    cached[dev] = major >= 9 ? 1 : 2;
  }
  return cached[dev] == 1;
}

// Fills `attr` with the early-launch attribute; returns how many attributes it set (0 or 1).
inline unsigned early_launch_attr(cudaLaunchAttribute* attr) {
  if (!early_launch_supported()) return 0;
  attr->id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr->val.programmaticStreamSerializationAllowed = 1;
  return 1;
}

// kernel<<<grid, block, smem, stream>>>(args...) with the early-launch attribute where supported.
template <class... Params, class... Args>
cudaError_t launch_early(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                         Args&&... args) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smem;
  cfg.stream = stream;
  cudaLaunchAttribute attr;
  cfg.numAttrs = early_launch_attr(&attr);
  cfg.attrs = cfg.numAttrs ? &attr : nullptr;
  return cudaLaunchKernelEx(&cfg, kernel, static_cast<Args&&>(args)...);
}

}  // namespace remedi::engine::cuda
