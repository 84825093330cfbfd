#include "wire.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace remedi::sandbox::wire {

void Writer::u64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  b_.append(b, 8);
}
void Writer::f64(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  u64(u);
}
void Writer::str(const std::string& s) {
  u64(s.size());
  b_ += s;
}
std::string Writer::frame() const {
  const uint32_t n = static_cast<uint32_t>(b_.size());
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + b_;
}

void Reader::need(size_t n) {
  if (pos_ + n > b_.size()) throw std::runtime_error("sandbox wire: truncated message");
}
uint64_t Reader::u64() {
  need(8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return v;
}
double Reader::f64() {
  uint64_t u = u64();
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}
std::string Reader::str() {
  uint64_t n = u64();
  need(n);
  std::string s = b_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::string encode_request(uint64_t id, const ExecRequest& r) {
  Writer w;
  w.u64(id);
  w.str(r.program);
  w.str(r.tests);
  const Limits& l = r.limits;
  w.f64(l.timeout_s);
  w.f64(l.cpu_s);
  w.u64(static_cast<uint64_t>(l.memory_mb));
  w.u64(static_cast<uint64_t>(l.output_bytes));
  w.u64(static_cast<uint64_t>(l.file_size_mb));
  w.u64(static_cast<uint64_t>(l.disk_mb));
  w.u64(static_cast<uint64_t>(l.max_processes));
  return w.frame();
}

void decode_request(Reader& rd, uint64_t& id, ExecRequest& r) {
  id = rd.u64();
  r.program = rd.str();
  r.tests = rd.str();
  Limits& l = r.limits;
  l.timeout_s = rd.f64();
  l.cpu_s = rd.f64();
  l.memory_mb = static_cast<int64_t>(rd.u64());
  l.output_bytes = static_cast<int64_t>(rd.u64());
  l.file_size_mb = static_cast<int64_t>(rd.u64());
  l.disk_mb = static_cast<int64_t>(rd.u64());
  l.max_processes = static_cast<int>(rd.u64());
}

std::string encode_result(uint64_t id, const ExecResult& r) {
  Writer w;
  w.u64(id);
  w.u64(static_cast<uint64_t>(r.outcome));
  w.str(r.detail);
  w.str(r.stdout_excerpt);
  w.str(r.stderr_excerpt);
  w.f64(r.cpu_ms);
  w.f64(r.wall_ms);
  w.u64(static_cast<uint64_t>(r.peak_rss_kb));
  w.u64(static_cast<uint64_t>(r.attempts));
  w.str(r.isolation);
  return w.frame();
}

void decode_result(Reader& rd, uint64_t& id, ExecResult& r) {
  id = rd.u64();
  r.outcome = static_cast<Outcome>(rd.u64());
  r.detail = rd.str();
  r.stdout_excerpt = rd.str();
  r.stderr_excerpt = rd.str();
  r.cpu_ms = rd.f64();
  r.wall_ms = rd.f64();
  r.peak_rss_kb = static_cast<int64_t>(rd.u64());
  r.attempts = static_cast<int>(rd.u64());
  r.isolation = rd.str();
}

std::string encode_hello(const Isolation& iso, int workers, const std::string& fatal) {
  Writer w;
  w.u64(static_cast<uint64_t>(iso.level));
  w.u64(iso.mechanisms.size());
  for (auto& m : iso.mechanisms) w.str(m);
  w.u64(iso.missing.size());
  for (auto& m : iso.missing) w.str(m);
  w.u64(static_cast<uint64_t>(workers));
  w.str(fatal);
  return w.frame();
}

void decode_hello(Reader& rd, Isolation& iso, int& workers, std::string& fatal) {
  iso.level = static_cast<Level>(rd.u64());
  iso.mechanisms.resize(rd.u64());
  for (auto& m : iso.mechanisms) m = rd.str();
  iso.missing.resize(rd.u64());
  for (auto& m : iso.missing) m = rd.str();
  workers = static_cast<int>(rd.u64());
  fatal = rd.str();
}

bool write_all(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

static bool read_exact(int fd, char* p, size_t n) {
  size_t off = 0;
  while (off < n) {
    ssize_t r = ::read(fd, p + off, n - off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    off += static_cast<size_t>(r);
  }
  return true;
}

std::optional<std::string> read_frame(int fd) {
  unsigned char h[4];
  if (!read_exact(fd, reinterpret_cast<char*>(h), 4)) return std::nullopt;
  uint32_t n = h[0] | (h[1] << 8) | (h[2] << 16) | (static_cast<uint32_t>(h[3]) << 24);
  std::string s(n, '\0');
  if (n && !read_exact(fd, s.data(), n)) return std::nullopt;
  return s;
}

}  // namespace remedi::sandbox::wire
