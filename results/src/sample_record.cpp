#include "remedi/results/sample_record.h"

#include "remedi/common/error.h"

namespace remedi::results {

using nlohmann::json;

std::string SampleKey::str() const {
  return task + "/" + doc_id + "/" + std::to_string(repeat) + "/" + sampler_hash + "/" + model_hash;
}

std::string SampleKey::pair_str() const { return task + "/" + doc_id + "/" + std::to_string(repeat); }

double SampleRecord::primary_verdict() const {
  auto it = verdicts.find(primary);
  if (it == verdicts.end())
    throw Error("sample has no verdict for its primary filter '" + primary + "'", key.str(),
                "re-score the run with `remedi-eval score RUN_DIR`");
  return it->second;
}

std::string dump_json(const json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

json to_json(const SampleRecord& r) {
  json j;
  j["task"] = r.key.task;
  j["doc_id"] = r.key.doc_id;
  j["repeat"] = r.key.repeat;
  j["sampler_hash"] = r.key.sampler_hash;
  j["model_hash"] = r.key.model_hash;
  j["doc_index"] = r.doc_index;
  j["prompt_hash"] = r.prompt_hash;
  j["output"] = r.output;
  j["primary"] = r.primary;
  j["verdicts"] = r.verdicts;
  j["task_record"] = r.task_record;
  j["gen"] = {{"tokens", r.gen.tokens},   {"nfe", r.gen.nfe},
              {"blocks", r.gen.blocks},   {"remasks", r.gen.remasks},
              {"revisions", r.gen.revisions}, {"hit_eos", r.gen.hit_eos},
              {"block_remasks", r.gen.block_remasks}};
  j["batch"] = {{"id", r.batch.id}, {"rows", r.batch.rows}, {"ms", r.batch.ms}, {"forwards", r.batch.forwards}};
  if (!r.trace.is_null()) j["trace"] = r.trace;
  return j;
}

// Field access that names the record and the field when the file is not what we wrote.
template <typename T>
static T field(const json& j, const char* name, const std::string& where) {
  auto it = j.find(name);
  if (it == j.end())
    throw Error(std::string("sample record lacks field '") + name + "'", where,
                "the file was not written by this version of remedi-eval, or was edited by hand");
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw Error(std::string("sample record field '") + name + "' has the wrong type", where);
  }
}

template <typename T>
static T field_or(const json& j, const char* name, T def) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return def;
  return it->get<T>();
}

SampleRecord record_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error("sample record is not a JSON object", where);
  SampleRecord r;
  r.key.task = field<std::string>(j, "task", where);
  r.key.doc_id = field<std::string>(j, "doc_id", where);
  r.key.repeat = field<int>(j, "repeat", where);
  r.key.sampler_hash = field<std::string>(j, "sampler_hash", where);
  r.key.model_hash = field<std::string>(j, "model_hash", where);
  r.doc_index = field_or<int64_t>(j, "doc_index", 0);
  r.prompt_hash = field_or<std::string>(j, "prompt_hash", "");
  r.output = field<std::string>(j, "output", where);
  r.primary = field<std::string>(j, "primary", where);
  r.verdicts = field<std::map<std::string, double>>(j, "verdicts", where);
  r.task_record = j.value("task_record", json());
  if (auto g = j.find("gen"); g != j.end() && g->is_object()) {
    r.gen.tokens = field_or<int>(*g, "tokens", 0);
    r.gen.nfe = field_or<int>(*g, "nfe", 0);
    r.gen.blocks = field_or<int>(*g, "blocks", 0);
    r.gen.remasks = field_or<int>(*g, "remasks", 0);
    r.gen.revisions = field_or<int>(*g, "revisions", 0);
    r.gen.hit_eos = field_or<bool>(*g, "hit_eos", false);
    r.gen.block_remasks = field_or<std::vector<int>>(*g, "block_remasks", {});
  }
  if (auto b = j.find("batch"); b != j.end() && b->is_object()) {
    r.batch.id = field_or<int64_t>(*b, "id", -1);
    r.batch.rows = field_or<int>(*b, "rows", 0);
    r.batch.ms = field_or<double>(*b, "ms", 0.0);
    r.batch.forwards = field_or<int>(*b, "forwards", 0);
  }
  r.trace = j.value("trace", json());
  return r;
}

}  // namespace remedi::results
