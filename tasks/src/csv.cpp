// RFC 4180 CSV reader (GPQA's CSVs have quoted multi-line fields).
#include "remedi/common/error.h"
#include "remedi/tasks/data_io.h"

namespace remedi::tasks {

std::vector<CsvRow> parse_csv(const std::string& text, const std::string& name) {
  std::vector<std::vector<std::string>> records;
  std::vector<int64_t> starts;
  std::vector<std::string> rec;
  std::string field;
  bool in_quotes = false, field_started = false;
  int64_t line = 1, rec_line = 1, quote_line = 0;
  size_t i = 0;
  auto end_field = [&] {
    rec.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(rec.size() == 1 && rec[0].empty())) {  // skip blank lines
      records.push_back(rec);
      starts.push_back(rec_line);
    }
    rec.clear();
  };
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 BOM
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = true;
      field_started = true;
      quote_line = line;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the \n ends the record
    } else if (c == '\n') {
      end_record();
      ++line;
      rec_line = line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes)
    throw Error("unterminated quoted field", name + ":" + std::to_string(quote_line),
                "the CSV is truncated or corrupt; re-extract it");
  if (field_started || !rec.empty()) end_record();
  if (records.empty()) throw Error("empty CSV (no header row)", name);
  const auto& header = records[0];
  std::vector<CsvRow> out;
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != header.size())
      throw Error("row has " + std::to_string(records[r].size()) + " fields, header has " +
                      std::to_string(header.size()),
                  name + ":" + std::to_string(starts[r]), "the CSV is corrupt");
    CsvRow row;
    row.line = starts[r];
    for (size_t c = 0; c < header.size(); ++c) row.cols[header[c]] = records[r][c];
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace remedi::tasks
