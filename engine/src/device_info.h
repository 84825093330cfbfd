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

// Times one span of work on the current CUDA stream with CUDA events (the device's own clock: from
// when the stream reaches begin() to when it reaches end()); on a CPU device, or without CUDA, with
// the host clock (CPU work is synchronous). Not copyable; one span at a time.
class StreamTimer {
 public:
  explicit StreamTimer(const std::string& device);
  ~StreamTimer();
  StreamTimer(const StreamTimer&) = delete;
  StreamTimer& operator=(const StreamTimer&) = delete;
  void begin();
  void end();
  void wait();          // blocks until the stream has reached end()
  double elapsed_ms();  // waits, then the span's length in milliseconds
  bool on_device() const { return events_[0] != nullptr; }

 private:
  void* events_[2] = {nullptr, nullptr};  // cudaEvent_t
  void* stream_ = nullptr;                // the stream begin() recorded on
  double host_t0_ = 0, host_t1_ = 0;      // ms, steady clock
};

}  // namespace remedi::engine
