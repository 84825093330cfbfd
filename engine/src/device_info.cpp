#include "device_info.h"

#include <ATen/Context.h>

#ifdef REMEDI_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace remedi::engine {

bool cuda_available() { return at::hasCUDA(); }

#ifdef REMEDI_WITH_CUDA
std::string gpu_name(int device) { return at::cuda::getDeviceProperties(device)->name; }
std::string cuda_driver_version() {
  int v = 0;
  if (cudaDriverGetVersion(&v) != cudaSuccess) return "";
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}
int64_t cuda_peak_memory_bytes(int device) {
  auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  return s.allocated_bytes[0].peak;  // [0] = aggregate over pool types
}
void cuda_reset_peak_memory(int device) { c10::cuda::CUDACachingAllocator::resetPeakStats(device); }
void device_synchronize(const std::string& device) {
  if (device.rfind("cuda", 0) == 0) cudaDeviceSynchronize();
}
#else
std::string gpu_name(int) { return ""; }
std::string cuda_driver_version() { return ""; }
int64_t cuda_peak_memory_bytes(int) { return 0; }
void cuda_reset_peak_memory(int) {}
void device_synchronize(const std::string&) {}
#endif

}  // namespace remedi::engine
