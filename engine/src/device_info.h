// CUDA queries with a CPU twin: in a build without -DREMEDI_CUDA they answer "no CUDA".
#pragma once
#include <cstdint>
#include <string>

namespace remedi::engine {

bool cuda_available();
std::string gpu_name(int device);          // "" when no CUDA
std::string cuda_driver_version();         // e.g. "13.0"; "" when no CUDA
int64_t cuda_peak_memory_bytes(int device);    // peak allocated by the caching allocator; 0 without CUDA
void cuda_reset_peak_memory(int device);
void device_synchronize(const std::string& device);  // no-op on cpu

}  // namespace remedi::engine
