// Writing safetensors files and sharded checkpoints (layout: see safetensors.h).
//
// Used for the tiny test checkpoints and for tests that corrupt files on purpose; the layout follows
// the official library (safetensors/src/tensor.rs: `prepare` sorts by alignment then name, pads the
// header with spaces to 8 bytes) so that what we write is also readable by Python's safetensors.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/engine/safetensors.h"

namespace remedi::engine {

namespace {

void check_tensor(const TensorToWrite& t, const std::string& path) {
  std::string where = "tensor '" + t.name + "' for " + path;
  if (t.name.empty() || t.name == "__metadata__") throw Error("invalid tensor name", where);
  uint64_t numel = 1;
  for (int64_t d : t.shape) {
    if (d < 0) throw Error("negative dimension in shape " + shape_str(t.shape), where);
    numel *= uint64_t(d);
  }
  if (t.nbytes != numel * dtype_size(t.dtype))
    throw Error("tensor has " + std::to_string(t.nbytes) + " bytes but shape " + shape_str(t.shape) + " x " +
                    dtype_name(t.dtype) + " needs " + std::to_string(numel * dtype_size(t.dtype)),
                where);
  if (t.nbytes > 0 && !t.data) throw Error("tensor data pointer is null", where);
}

void write_all(std::FILE* f, const void* p, size_t n, const std::string& path) {
  if (n > 0 && std::fwrite(p, 1, n, f) != n)
    throw Error(std::string("write failed: ") + std::strerror(errno), path, "check free disk space");
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const nlohmann::json& metadata) {
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    check_tensor(t, path);
    if (!seen.insert(t.name).second) throw Error("duplicate tensor name '" + t.name + "'", path);
  }
  if (!metadata.is_null()) {
    if (!metadata.is_object()) throw Error("safetensors metadata must be a JSON object", path);
    for (const auto& [k, v] : metadata.items())
      if (!v.is_string()) throw Error("safetensors metadata values must be strings (key '" + k + "')", path);
  }

  // Data layout: larger elements first (keeps every tensor aligned), then by name.
  std::vector<const TensorToWrite*> order;
  for (const auto& t : tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
    size_t sa = dtype_size(a->dtype), sb = dtype_size(b->dtype);
    return sa != sb ? sa > sb : a->name < b->name;
  });

  // Header: "__metadata__" first, then the tensors in name order (ordered_json keeps insertion order).
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (metadata.is_object() && !metadata.empty()) header["__metadata__"] = nlohmann::ordered_json(metadata);
  std::vector<std::pair<std::string, nlohmann::ordered_json>> entries;
  uint64_t offset = 0;
  for (const auto* t : order) {
    nlohmann::ordered_json e;
    e["dtype"] = dtype_name(t->dtype);
    e["shape"] = t->shape;
    e["data_offsets"] = {offset, offset + t->nbytes};
    offset += t->nbytes;
    entries.emplace_back(t->name, std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [name, e] : entries) header[name] = std::move(e);
  std::string hs = header.dump();
  hs.append((8 - hs.size() % 8) % 8, ' ');  // 8 + N is then a multiple of 8

  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(std::string("cannot create file: ") + std::strerror(errno), tmp);
  try {
    unsigned char len[8];
    uint64_t n = hs.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
    write_all(f, len, 8, tmp);
    write_all(f, hs.data(), hs.size(), tmp);
    for (const auto* t : order) write_all(f, t->data, t->nbytes, tmp);
  } catch (...) {
    std::fclose(f);
    std::remove(tmp.c_str());
    throw;
  }
  if (std::fclose(f) != 0) throw Error(std::string("write failed: ") + std::strerror(errno), tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw Error(std::string("cannot rename into place: ") + std::strerror(errno), path);
}

std::vector<std::string> write_sharded_safetensors(const std::string& dir, const std::vector<TensorToWrite>& tensors,
                                                   size_t max_shard_bytes) {
  if (max_shard_bytes == 0) throw Error("max_shard_bytes must be positive", dir);
  std::set<std::string> seen;
  for (const auto& t : tensors)
    if (!seen.insert(t.name).second) throw Error("duplicate tensor name '" + t.name + "'", dir);
  // Greedy packing in the given order, like transformers' split_torch_state_dict_into_shards.
  std::vector<std::vector<TensorToWrite>> shards;
  size_t current = 0;
  for (const auto& t : tensors) {
    if (shards.empty() || (current + t.nbytes > max_shard_bytes && current > 0)) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(t);
    current += t.nbytes;
  }
  if (shards.empty()) shards.emplace_back();

  make_dirs(dir);
  std::vector<std::string> names;
  nlohmann::json weight_map = nlohmann::json::object();
  uint64_t total = 0;
  char buf[64];
  for (size_t i = 0; i < shards.size(); ++i) {
    std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    names.emplace_back(buf);
    write_safetensors(dir + "/" + buf, shards[i], {{"format", "pt"}});
    for (const auto& t : shards[i]) {
      weight_map[t.name] = buf;
      total += t.nbytes;
    }
  }
  nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_atomic(dir + "/model.safetensors.index.json", index.dump(2) + "\n");
  return names;
}

}  // namespace remedi::engine
