#include "device_info.h"

#include <ATen/Context.h>

#include <chrono>

#ifdef REMEDI_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace remedi::engine {
namespace {
double host_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

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
int64_t cuda_available_memory_bytes(int device) {
  size_t free_b = 0, total_b = 0;
  int prev = 0;
  cudaGetDevice(&prev);
  cudaSetDevice(device);
  const cudaError_t e = cudaMemGetInfo(&free_b, &total_b);
  cudaSetDevice(prev);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return -1;
  }
  auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  return static_cast<int64_t>(free_b) + (s.reserved_bytes[0].current - s.allocated_bytes[0].current);
}
void device_synchronize(const std::string& device) {
  if (device.rfind("cuda", 0) == 0) cudaDeviceSynchronize();
}
StreamTimer::StreamTimer(const std::string& device) {
  if (device.rfind("cuda", 0) != 0) return;
  if (cudaEventCreate(reinterpret_cast<cudaEvent_t*>(&events_[0])) != cudaSuccess ||
      cudaEventCreate(reinterpret_cast<cudaEvent_t*>(&events_[1])) != cudaSuccess) {
    cudaGetLastError();
    if (events_[0] != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(events_[0]));
    events_[0] = events_[1] = nullptr;  // the host clock then
  }
}
StreamTimer::~StreamTimer() {
  for (void* e : events_)
    if (e != nullptr) cudaEventDestroy(static_cast<cudaEvent_t>(e));
}
void StreamTimer::begin() {
  if (on_device()) {
    stream_ = at::cuda::getCurrentCUDAStream().stream();
    cudaEventRecord(static_cast<cudaEvent_t>(events_[0]), static_cast<cudaStream_t>(stream_));
  } else {
    host_t0_ = host_ms();
  }
}
void StreamTimer::end() {
  if (on_device())
    cudaEventRecord(static_cast<cudaEvent_t>(events_[1]), static_cast<cudaStream_t>(stream_));
  else
    host_t1_ = host_ms();
}
void StreamTimer::wait() {
  if (on_device()) cudaEventSynchronize(static_cast<cudaEvent_t>(events_[1]));
}
double StreamTimer::elapsed_ms() {
  if (!on_device()) return host_t1_ - host_t0_;
  wait();
  float ms = 0;
  if (cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(events_[0]), static_cast<cudaEvent_t>(events_[1])) !=
      cudaSuccess) {
    cudaGetLastError();
    return -1;
  }
  return ms;
}
#else
StreamTimer::StreamTimer(const std::string&) {}
StreamTimer::~StreamTimer() = default;
void StreamTimer::begin() { host_t0_ = host_ms(); }
void StreamTimer::end() { host_t1_ = host_ms(); }
void StreamTimer::wait() {}
double StreamTimer::elapsed_ms() { return host_t1_ - host_t0_; }
std::string gpu_name(int) { return ""; }
std::string cuda_driver_version() { return ""; }
int64_t cuda_peak_memory_bytes(int) { return 0; }
void cuda_reset_peak_memory(int) {}
int64_t cuda_available_memory_bytes(int) { return -1; }
void device_synchronize(const std::string&) {}
#endif

}  // namespace remedi::engine
