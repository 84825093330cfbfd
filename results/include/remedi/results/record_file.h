// samples.jsonl: one SampleRecord per line, appended and fsynced once per generation batch.
//
// Crash safety (kill -9 at any moment): a batch is one append_durable() call, so after a crash the
// file holds whole lines followed by at most one torn line without its newline. Reading drops that
// torn tail; recover_records() also truncates it away before a resumed run appends, so the next line
// never glues onto a fragment. Records are unique by SampleKey: a key seen twice is kept once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "remedi/results/sample_record.h"

namespace remedi::results {

struct RecordFileContents {
  std::vector<SampleRecord> records;  // file order, first occurrence of each key
  int64_t complete_bytes = 0;         // bytes up to and including the last newline
  bool torn_tail = false;             // a partial last line was dropped
  int duplicates = 0;                 // lines whose key was already seen (dropped)
};

// Appends records as JSON lines in one durable write. No-op for an empty vector.
void append_records(const std::string& path, const std::vector<SampleRecord>& records);

// Reads every complete line. A missing file reads as empty. A complete line that is not a valid
// record is damage a crash cannot cause: remedi::Error naming the file and line.
RecordFileContents read_records(const std::string& path);

// read_records() + truncate a torn tail so appends can continue. Returns what was read.
RecordFileContents recover_records(const std::string& path);

}  // namespace remedi::results
