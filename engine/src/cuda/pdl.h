// Programmatic dependent launch (sm_90+) for the engine's kernels. A kernel launched with the
// early-launch attribute may be scheduled while the previous kernel of its stream is still running,
// as soon as every CTA of that kernel has called `allow_dependents()` (or exited). Before
// `wait_for_previous_grid()` it may only touch memory no earlier kernel writes (the skinny matmul
// streams its weights into shared memory there); the wait returns once the previous grid has
// completed and its memory is visible. On older GPUs the attribute is left out and both calls
// compile to nothing. Captured into CUDA graphs as programmatic edges.
#pragma once
#include <cuda_runtime.h>

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

// Whether the current device takes programmatic dependent launches (compute capability >= 9).
inline bool early_launch_supported() {
  int dev = 0, major = 0;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return major >= 9;
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
