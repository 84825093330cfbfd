#include "remedi/results/record_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"

namespace remedi::results {

void append_records(const std::string& path, const std::vector<SampleRecord>& records) {
  if (records.empty()) return;
  std::string text;
  for (const auto& r : records) {
    text += dump_json(to_json(r));  // dump() escapes newlines inside strings: one record, one line
    text += '\n';
  }
  append_durable(path, text);
}

RecordFileContents read_records(const std::string& path) {
  RecordFileContents out;
  if (!file_exists(path)) return out;
  const std::string data = read_file(path);
  std::unordered_set<std::string> seen;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) {  // no newline: the write of this line never finished
      out.torn_tail = true;
      break;
    }
    ++line_no;
    std::string_view line(data.data() + pos, nl - pos);
    pos = nl + 1;
    out.complete_bytes = static_cast<int64_t>(pos);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
      throw Error("complete line in a record file is not valid JSON", where,
                  "the file was damaged outside remedi-eval; remove the line or rerun without --resume");
    SampleRecord r = record_from_json(j, where);
    if (!seen.insert(r.key.str()).second) {
      ++out.duplicates;
      continue;
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

RecordFileContents recover_records(const std::string& path) {
  RecordFileContents c = read_records(path);
  if (c.torn_tail && ::truncate(path.c_str(), static_cast<off_t>(c.complete_bytes)) != 0)
    throw Error(std::string("cannot truncate the torn last line: ") + std::strerror(errno), path);
  return c;
}

}  // namespace remedi::results
