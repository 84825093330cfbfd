// SHA-256 for content hashes recorded with results (prompt hashes, sampler-parameter hashes,
// model file hashes). Streaming, so multi-GB checkpoint shards hash without being loaded.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace remedi {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();  // finalises; call once

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view s);
std::string sha256_file(const std::string& path);  // throws remedi::Error if unreadable

}  // namespace remedi
