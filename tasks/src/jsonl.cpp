// jsonl and gzip readers (GSM8K, MATH-500, MBPP, ARC, IFEval, HellaSwag: jsonl; HumanEval: jsonl.gz).
#include <zlib.h>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"
#include "remedi/tasks/data_io.h"

namespace remedi::tasks {

std::vector<JsonLine> parse_jsonl(const std::string& text, const std::string& name) {
  std::vector<JsonLine> out;
  int64_t line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string s = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line;
    if (trim(s).empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(s);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(std::string("malformed JSON: ") + e.what(), name + ":" + std::to_string(line),
                  "the file must hold one JSON object per line, as the official release does");
    }
    if (!j.is_object())
      throw Error("expected a JSON object", name + ":" + std::to_string(line), "one object per line");
    out.push_back({line, std::move(j)});
  }
  return out;
}

std::string gunzip_file(const std::string& path) {
  std::string raw = read_file(path);  // throws naming the path when missing
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error("zlib init failed", path);
  zs.next_in = reinterpret_cast<Bytef*>(raw.data());
  zs.avail_in = static_cast<uInt>(raw.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw Error("corrupt gzip stream (" + std::string(zs.msg ? zs.msg : "zlib error") + ")", path,
                  "re-download the file; check its sha256 against SOURCES.md");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc != Z_STREAM_END && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw Error("truncated gzip stream", path, "re-download the file");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::vector<JsonLine> read_jsonl(const std::string& path) {
  if (!file_exists(path))
    throw Error("data file not found", path, "pass --data-dir or set REMEDI_DATA to the datasets folder");
  std::string text = ends_with(path, ".gz") ? gunzip_file(path) : read_file(path);
  return parse_jsonl(text, path);
}

}  // namespace remedi::tasks
