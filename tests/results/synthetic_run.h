// Builds small runs in a temporary directory for the results tests: records with chosen verdicts,
// a summary made by the real summarizer, written through the real record file and run directory code.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "remedi/results/record_file.h"
#include "remedi/results/run_dir.h"
#include "remedi/results/summary.h"

namespace remedi::results::test {

inline std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() /
           ("remedi_results_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

inline SampleRecord make_record(const std::string& task, int doc, double verdict, int repeat = 0,
                                const std::string& model_hash = "m0") {
  SampleRecord r;
  r.key = {task, task + "-" + std::to_string(doc), repeat, "s0", model_hash};
  r.doc_index = doc;
  r.output = "answer " + std::to_string(doc) + "\nwith a newline and \"quotes\"";
  r.primary = "strict";
  r.verdicts = {{"strict", verdict}, {"flexible", verdict > 0 ? 1.0 : 0.5}};
  r.gen = {10 + doc, 1 + 2 * 5, 2, doc % 3, doc % 2, true, {doc % 3, 0}};
  r.batch = {doc / 4, 4, 100.0, 11};
  return r;
}

// Writes a finished run (samples.jsonl + summary.json) and returns its directory.
inline std::string write_run(const std::string& dir, const std::vector<SampleRecord>& recs,
                             const std::string& label, const std::string& model = "tiny") {
  std::filesystem::create_directories(dir);
  RunPaths p(dir);
  append_records(p.samples(), recs);
  nlohmann::json header = {{"label", label},
                           {"run_id", label + "-id"},
                           {"model", {{"name", model}, {"hash", "m0"}}},
                           {"sampler", {{"hash", "s0"}, {"policy", "remedi-logit"}, {"params", {{"steps", 8}}}}},
                           {"config", {{"protocol", "llada-oc"}, {"steps", 8}}},
                           {"git_sha", "abc"},
                           {"started_at", "2026-11-28T10:00:00Z"},
                           {"finished_at", "2026-11-28T10:05:00Z"}};
  write_summary(p, make_summary(header, recs));
  return dir;
}

}  // namespace remedi::results::test
