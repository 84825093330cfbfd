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
// Bytes a new allocation could get: free device memory plus what the caching allocator holds unused;
// -1 without CUDA (no limit known).
int64_t cuda_available_memory_bytes(int device);
void device_synchronize(const std::string& device);  // no-op on cpu

}  // namespace remedi::engine
