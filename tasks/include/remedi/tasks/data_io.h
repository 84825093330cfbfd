// Readers for the official file formats the benchmarks ship in. Every reader throws remedi::Error
// naming the file (and the 1-based line) on missing or malformed input.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::tasks {

struct JsonLine {
  int64_t line = 0;      // 1-based line number in the file
  nlohmann::json value;  // the parsed object
};
// One JSON object per non-empty line. `text` is the file content; `name` is used in errors.
std::vector<JsonLine> parse_jsonl(const std::string& text, const std::string& name);
// Reads a file (transparently gunzipping names ending in .gz) and parses it as jsonl.
std::vector<JsonLine> read_jsonl(const std::string& path);
// Whole-file gunzip with zlib; throws on a corrupt stream.
std::string gunzip_file(const std::string& path);

// RFC 4180 CSV (quoted fields may hold commas, newlines and "" escapes). The first row is the
// header; each following row becomes column name → value. Throws on an unterminated quote or a
// row whose field count differs from the header's, naming the line where the record starts.
struct CsvRow {
  int64_t line = 0;  // 1-based line where the record starts
  std::map<std::string, std::string> cols;
};
std::vector<CsvRow> parse_csv(const std::string& text, const std::string& name);

// A read-only zip archive held in memory. Supports stored and deflated members, and traditional
// PKWARE encryption ("ZipCrypto", APPNOTE.TXT section 6.1), which is what GPQA's dataset.zip uses.
// AES-encrypted members (method 99) are reported as unsupported.
class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path);  // reads the central directory; throws
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  // Decompresses one member into memory; throws on a wrong password (header check byte or CRC),
  // on an unknown method, or when the member is absent. Nothing is written to disk.
  std::string read(const std::string& name, const std::string& password = "") const;

 private:
  struct Entry {
    std::string name;
    uint16_t flags = 0, method = 0, mod_time = 0;
    uint32_t crc = 0, csize = 0, usize = 0, local_offset = 0;
  };
  std::string path_, data_;
  std::vector<Entry> entries_;
};

}  // namespace remedi::tasks
