// Memory-mapped, validated reading of one safetensors file (format: see safetensors.h).
//
// The whole file is mapped PROT_READ / MAP_PRIVATE: tensor data is never copied to the heap, pages
// are read on first touch, and the device upload streams straight from the page cache. Everything
// in the header is checked before a TensorView is handed out, because a bad offset would otherwise
// turn into a SIGBUS or an out-of-bounds read deep inside the model upload.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "remedi/common/error.h"
#include "remedi/engine/safetensors.h"

namespace remedi::engine {

namespace {

// The official reader refuses headers above 100 MB (safetensors/src/tensor.rs, MAX_HEADER_SIZE);
// a larger N is a corrupt length field, not a real header.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

std::string tensor_where(const std::string& name, const std::string& path) {
  return "tensor '" + name + "' in " + path;
}

// Reads a JSON value that must be a non-negative integer; anything else is a header defect.
uint64_t as_u64(const nlohmann::json& v, const char* field, const std::string& where) {
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0))
    throw Error(std::string("corrupt safetensors header: '") + field + "' must hold non-negative integers, got " +
                    v.dump(),
                where);
  return v.get<uint64_t>();
}

}  // namespace

SafetensorsFile::~SafetensorsFile() {
  if (base_) ::munmap(base_, size_);
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string& path_in) {
  std::error_code ec;
  std::string path = std::filesystem::absolute(path_in, ec).lexically_normal().string();
  if (ec) path = path_in;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw Error(std::string("cannot open safetensors file: ") + std::strerror(errno), path,
                "check that the checkpoint is complete and readable");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error("not a regular file", path, "point the loader at a checkpoint directory of .safetensors files");
  }
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->size_ = size_t(st.st_size);
  if (f->size_ < 8) {
    ::close(fd);
    throw Error("file is " + std::to_string(f->size_) + " bytes, too short for the 8-byte safetensors header length",
                path, "the file is truncated or not a safetensors file; download it again");
  }
  void* base = ::mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  ::close(fd);  // the mapping keeps its own reference to the file
  if (base == MAP_FAILED) throw Error(std::string("mmap failed: ") + std::strerror(map_errno), path);
  f->base_ = base;
  const auto* bytes = static_cast<const unsigned char*>(base);

  // ---- header length: 8 bytes, little-endian
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > f->size_ - 8)
    throw Error("corrupt safetensors header: header length " + std::to_string(n) + " runs past the end of the " +
                    std::to_string(f->size_) + "-byte file",
                path, "the file is truncated or not a safetensors file; download it again");
  if (n > kMaxHeaderBytes)
    throw Error("corrupt safetensors header: header length " + std::to_string(n) + " exceeds the 100 MB limit", path,
                "the file is damaged or not a safetensors file");
  if (n < 2) throw Error("corrupt safetensors header: header length " + std::to_string(n) + " is too small", path);
  f->header_len_ = size_t(n);

  // ---- header JSON, parsed completely (trailing spaces are the official padding)
  const char* hb = reinterpret_cast<const char*>(bytes + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(hb, hb + n);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("corrupt safetensors header: JSON parse error: ") + e.what(), path,
                "the file is damaged; download it again");
  }
  if (!header.is_object())
    throw Error("corrupt safetensors header: the header is not a JSON object", path);

  const size_t data_start = 8 + f->header_len_;
  const uint64_t buffer_size = f->size_ - data_start;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (!it->is_object()) throw Error("corrupt safetensors header: __metadata__ is not an object", path);
      f->metadata_ = *it;
      continue;
    }
    const std::string where = tensor_where(name, path);
    const nlohmann::json& e = *it;
    if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
      throw Error("corrupt safetensors header: entry needs dtype, shape and data_offsets", where);
    if (!e["dtype"].is_string()) throw Error("corrupt safetensors header: dtype is not a string", where);
    std::string dts = e["dtype"].get<std::string>();
    std::optional<DType> dt = parse_dtype(dts);
    if (!dt)
      throw Error("unsupported dtype '" + dts + "' (the engine reads BF16, F16 and F32)", where,
                  "convert the checkpoint to bf16 or f32");
    const nlohmann::json& sh = e["shape"];
    const nlohmann::json& off = e["data_offsets"];
    if (!sh.is_array()) throw Error("corrupt safetensors header: shape is not an array", where);
    if (!off.is_array() || off.size() != 2)
      throw Error("corrupt safetensors header: data_offsets is not a pair [begin, end]", where);

    TensorView t;
    t.name = name;
    t.dtype = *dt;
    t.file = path;
    uint64_t numel = 1;
    for (const auto& d : sh) {
      uint64_t v = as_u64(d, "shape", where);
      if (v > uint64_t(INT64_MAX) || __builtin_mul_overflow(numel, v, &numel))
        throw Error("corrupt safetensors header: shape " + sh.dump() + " overflows", where);
      t.shape.push_back(int64_t(v));
    }
    uint64_t begin = as_u64(off[0], "data_offsets", where), end = as_u64(off[1], "data_offsets", where);
    uint64_t want = 0;
    if (__builtin_mul_overflow(numel, uint64_t(dtype_size(*dt)), &want))
      throw Error("corrupt safetensors header: shape " + sh.dump() + " overflows", where);
    if (end < begin || end - begin != want)
      throw Error("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] do not match shape " +
                      shape_str(t.shape) + " x " + dts + " (" + std::to_string(want) + " bytes)",
                  where, "the header is corrupt; download the file again");
    if (end > buffer_size)
      throw Error("tensor data ends at byte " + std::to_string(data_start + end) + " but the file has only " +
                      std::to_string(f->size_) + " bytes",
                  where, "the file is truncated; download it again");
    // The official writer pads the header so that every tensor is aligned to its element size; an
    // unaligned tensor would be an unaligned load in the upload, so it is refused here.
    if ((data_start + begin) % dtype_size(*dt) != 0)
      throw Error("tensor data at file offset " + std::to_string(data_start + begin) + " is not aligned to its " +
                      std::to_string(dtype_size(*dt)) + "-byte elements",
                  where, "rewrite the file with the safetensors library");
    t.data = bytes + data_start + begin;
    t.nbytes = size_t(want);
    f->tensors_.push_back(std::move(t));
  }

  // ---- no two tensors may share bytes (a header that aliases data is corrupt)
  std::vector<const TensorView*> by_offset;
  for (const auto& t : f->tensors_)
    if (t.nbytes > 0) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->data < b->data; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    if (static_cast<const unsigned char*>(prev->data) + prev->nbytes > by_offset[i]->data)
      throw Error("corrupt safetensors header: data of '" + by_offset[i]->name + "' overlaps '" + prev->name + "'",
                  tensor_where(by_offset[i]->name, path));
  }
  return f;
}

}  // namespace remedi::engine
