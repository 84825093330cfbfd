// One line of a run's samples.jsonl: the identity of a sample, its raw output, its verdicts and the
// generation counters behind it. This is the envelope the harness writes; the task's own record
// (extracted answers, target, per-instruction details) travels inside it as opaque JSON, so the
// results module never depends on the tasks module (STYLE.md §1, §6).
//
// A sample is identified by (task, doc, repeat, sampler hash, model hash): two records with the same
// key are the same sample, which is what --resume and compare rely on.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace remedi::results {

struct SampleKey {
  std::string task;          // registry name, e.g. "gsm8k"
  std::string doc_id;        // the task's stable document id (dataset id, or index as text)
  int repeat = 0;            // 0..samples-1 when --samples K draws several generations per doc
  std::string sampler_hash;  // engine::params_hash of the sampler parameters
  std::string model_hash;    // sha256 over the model's file hashes (or the preset name + seed)

  std::string str() const;   // "task/doc_id/repeat/sampler8/model8"-style unique text form
  // The part that pairs samples across runs of different checkpoints or samplers.
  std::string pair_str() const;  // "task/doc_id/repeat"
  bool operator==(const SampleKey&) const = default;
};

// Counters the engine reports for one generation (engine::GenerateResult).
struct GenStats {
  int tokens = 0;          // answer tokens up to the first EOS
  int nfe = 0;             // forward passes: 1 prefill + blocks * (steps + 1)
  int blocks = 0;          // blocks generated
  int remasks = 0;         // positions unmasked and then masked again, all blocks
  int revisions = 0;       // positions whose final token differs from one they held earlier
  bool hit_eos = false;
  std::vector<int> block_remasks;  // [blocks] remasks per block
};

// The generation batch a sample came from: throughput is a property of the batch, not the row.
struct BatchInfo {
  int64_t id = -1;         // unique within a run (continues after --resume)
  int rows = 0;            // requests generated together (one generate call)
  double ms = 0;           // wall time of the generate call, milliseconds
  int forwards = 0;        // batched model forwards of the call (steps, commits, prefills)
};

struct SampleRecord {
  SampleKey key;
  int64_t doc_index = 0;             // position of the doc in the task's order (for stable output)
  std::string prompt_hash;           // sha256 of the prompt text as given to the tokenizer
  std::string output;                // raw decoded generation, what re-scoring starts from
  std::string primary;               // the task's headline filter (a key of verdicts)
  std::map<std::string, double> verdicts;  // filter name -> score in [0,1] (1 = correct / pass)
  nlohmann::json task_record;        // the task's own per-sample record (tasks::...::to_json)
  GenStats gen;
  BatchInfo batch;
  nlohmann::json trace;              // null, or the denoising trace (see trace_json in the harness)

  // The headline verdict; throws remedi::Error if primary is not among verdicts.
  double primary_verdict() const;
};

nlohmann::json to_json(const SampleRecord& r);
// JSON text of any record or summary. Model outputs and per-token trace pieces may be invalid UTF-8
// (a byte-level BPE token can end inside a multi-byte character); nlohmann's plain dump() throws on
// those, so every writer goes through here: invalid bytes become U+FFFD, the record is kept.
std::string dump_json(const nlohmann::json& j, int indent = -1);
// Throws remedi::Error (with `where`) when a required field is missing or has the wrong type.
SampleRecord record_from_json(const nlohmann::json& j, const std::string& where = {});

}  // namespace remedi::results
