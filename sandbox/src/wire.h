// Messages between the client (the remedi-eval process) and the supervisor over a Unix stream
// socket: a 4-byte little-endian length, then the fields in a fixed order. Both ends are the same
// binary, so there is no versioning; strings are length-prefixed bytes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "remedi/sandbox/executor.h"
#include "remedi/sandbox/sandbox.h"

namespace remedi::sandbox::wire {

class Writer {
 public:
  void u64(uint64_t v);
  void f64(double v);
  void str(const std::string& s);
  std::string frame() const;  // length prefix + payload
 private:
  std::string b_;
};

class Reader {
 public:
  explicit Reader(std::string payload) : b_(std::move(payload)) {}
  uint64_t u64();
  double f64();
  std::string str();
 private:
  void need(size_t n);
  std::string b_;
  size_t pos_ = 0;
};

std::string encode_request(uint64_t id, const ExecRequest& r);
void decode_request(Reader& rd, uint64_t& id, ExecRequest& r);
std::string encode_result(uint64_t id, const ExecResult& r);
void decode_result(Reader& rd, uint64_t& id, ExecResult& r);
// fatal: non-empty when the supervisor found no working isolation level at all.
std::string encode_hello(const Isolation& iso, int workers, const std::string& fatal);
void decode_hello(Reader& rd, Isolation& iso, int& workers, std::string& fatal);

// Blocking frame I/O on a socket (send with MSG_NOSIGNAL: a dead peer is EPIPE, not SIGPIPE);
// false on EOF or error.
bool write_all(int fd, const std::string& bytes);
std::optional<std::string> read_frame(int fd);

}  // namespace remedi::sandbox::wire
