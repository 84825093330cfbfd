// Safetensors files: memory-mapped, validated reading and a writer that matches the official layout.
//
// Format (https://github.com/huggingface/safetensors, README "Format"):
//   bytes 0..7      N, the header length, unsigned little-endian 64-bit
//   bytes 8..8+N    a JSON object: "name" -> {"dtype": "BF16", "shape": [..], "data_offsets": [b, e]}
//                   plus an optional "__metadata__" object of string -> string
//   bytes 8+N..     the byte buffer; a tensor's bytes are buffer[b, e), little-endian, row-major
//
// Reading never copies tensor data: TensorView::data points into a read-only private mapping that
// the SafetensorsFile (held by shared_ptr) keeps alive. Every structural defect is a remedi::Error
// that names the file and, where there is one, the tensor. No torch here (see engine/CMakeLists.txt).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::engine {

// The storage dtypes the engine accepts (the safetensors strings "BF16", "F16", "F32").
enum class DType { BF16, F16, F32 };
size_t dtype_size(DType);                          // bytes per element: 2, 2, 4
const char* dtype_name(DType);                     // "BF16", "F16", "F32"
std::optional<DType> parse_dtype(std::string_view);  // exact safetensors spelling; nullopt otherwise

// Scalar conversions (IEEE 754 binary16 and bfloat16; rounding to nearest, ties to even; NaN stays
// NaN). Used by the tiny-model writer and by tests; the device upload converts with torch instead.
float bf16_to_float(uint16_t bits);
uint16_t float_to_bf16(float f);
float f16_to_float(uint16_t bits);
uint16_t float_to_f16(float f);

// One tensor inside a mapped file. data/nbytes stay valid while the owning file (or a Checkpoint
// holding it) is alive.
struct TensorView {
  std::string name;             // as it appears in the file (a Checkpoint stores canonical names)
  DType dtype = DType::F32;
  std::vector<int64_t> shape;   // row-major; [] is a scalar
  const void* data = nullptr;   // first byte of the tensor inside the mapping
  size_t nbytes = 0;            // = numel() * dtype_size(dtype)
  std::string file;             // absolute path of the file that holds it
  int64_t numel() const;
};

// Copies a tensor into float32 (for tests, inspection and small tensors; not for the 9B upload).
std::vector<float> to_float(const TensorView& t);
std::string shape_str(const std::vector<int64_t>& shape);  // "[126464, 4096]"

// A validated, memory-mapped safetensors file.
class SafetensorsFile {
 public:
  // Maps and validates `path`: header length within the file, header JSON well formed, every entry
  // with a known dtype, a non-negative shape, data_offsets inside the buffer that agree with
  // shape x dtype, aligned to the element size, and no two tensors overlapping.
  static std::shared_ptr<const SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }            // absolute
  const std::vector<TensorView>& tensors() const { return tensors_; }  // in header order (sorted)
  const nlohmann::json& metadata() const { return metadata_; }  // "__metadata__" or null
  size_t file_size() const { return size_; }
  size_t header_size() const { return header_len_; }            // N (without the 8 length bytes)

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* base_ = nullptr;  // mmap(PROT_READ, MAP_PRIVATE) of the whole file; null for an empty file
  size_t size_ = 0;
  size_t header_len_ = 0;
  std::vector<TensorView> tensors_;
  nlohmann::json metadata_;
};

// ---- writing ----------------------------------------------------------------------------------

struct TensorToWrite {
  std::string name;            // written as given (use the official prefixes, e.g. "model.transformer.")
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // nbytes little-endian bytes, row-major
  size_t nbytes = 0;           // must equal numel * dtype_size(dtype)
};

// Writes one file the way the official library does: header keys sorted, "__metadata__" (string
// values only) first, header padded with spaces to a multiple of 8 bytes so every tensor starts
// aligned; tensors laid out by decreasing element size, then by name. Written to PATH.tmp and
// renamed into place. Throws remedi::Error on bad input (duplicate names, size mismatch) or I/O.
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const nlohmann::json& metadata = {});

// Writes `tensors` into DIR as model-0000i-of-0000n.safetensors shards of at most
// max_shard_bytes of tensor data each (a larger single tensor gets a shard of its own), plus
// model.safetensors.index.json {"metadata": {"total_size": ..}, "weight_map": {name: shard}} as
// transformers' save_pretrained does. Returns the shard file names in order.
std::vector<std::string> write_sharded_safetensors(const std::string& dir,
                                                   const std::vector<TensorToWrite>& tensors,
                                                   size_t max_shard_bytes);

}  // namespace remedi::engine
