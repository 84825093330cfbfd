// JSON forms of the per-sample values (stored one object per line under results/).
#include "remedi/tasks/types.h"

#include "remedi/common/error.h"
#include "remedi/common/sha256.h"

namespace remedi::tasks {

std::string Prompt::hash() const {
  // Length-prefixed fields so that ("ab","c") and ("a","bc") hash differently.
  Sha256 h;
  auto put = [&](const std::string& s) {
    std::string len = std::to_string(s.size()) + ":";
    h.update(len);
    h.update(s);
  };
  for (const auto& m : messages) {
    put(m.role);
    put(m.content);
  }
  put("answer_prefix");
  put(answer_prefix);
  for (const auto& s : stop) put(s);
  return h.hex();
}

const FilterVerdict* Score::find(const std::string& filter) const {
  for (const auto& f : filters)
    if (f.filter == filter) return &f;
  return nullptr;
}

void to_json(nlohmann::json& j, const Message& m) { j = {{"role", m.role}, {"content", m.content}}; }
void from_json(const nlohmann::json& j, Message& m) {
  m.role = j.at("role").get<std::string>();
  m.content = j.at("content").get<std::string>();
}

void to_json(nlohmann::json& j, const FilterVerdict& f) {
  j = {{"filter", f.filter}, {"extracted", f.extracted}, {"correct", f.correct}};
  if (!f.items.empty()) j["items"] = f.items;
}
void from_json(const nlohmann::json& j, FilterVerdict& f) {
  f.filter = j.at("filter").get<std::string>();
  f.extracted = j.at("extracted").get<std::string>();
  f.correct = j.at("correct").get<bool>();
  f.items = j.contains("items") ? j["items"].get<std::vector<bool>>() : std::vector<bool>{};
}

void to_json(nlohmann::json& j, const GraderVerdict& g) {
  j = {{"grader", g.grader}, {"verdict", g.verdict}, {"detail", g.detail}};
}
void from_json(const nlohmann::json& j, GraderVerdict& g) {
  g.grader = j.at("grader").get<std::string>();
  g.verdict = j.at("verdict").get<std::string>();
  g.detail = j.value("detail", std::string());
}

void to_json(nlohmann::json& j, const SampleRecord& r) {
  j = {{"task", r.task},
       {"task_version", r.task_version},
       {"protocol", r.protocol},
       {"doc_id", r.doc_id},
       {"sample_index", r.sample_index},
       {"prompt_hash", r.prompt_hash},
       {"output", r.output},
       {"gold", r.gold},
       {"filters", r.filters},
       {"graders", r.graders}};
}

void from_json(const nlohmann::json& j, SampleRecord& r) {
  try {
    r.task = j.at("task").get<std::string>();
    r.task_version = j.at("task_version").get<std::string>();
    r.protocol = j.at("protocol").get<std::string>();
    r.doc_id = j.at("doc_id").get<std::string>();
    r.sample_index = j.value("sample_index", 0);
    r.prompt_hash = j.at("prompt_hash").get<std::string>();
    r.output = j.at("output").get<std::string>();
    r.gold = j.value("gold", std::string());
    r.filters = j.at("filters").get<std::vector<FilterVerdict>>();
    r.graders = j.value("graders", std::vector<GraderVerdict>{});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed sample record: ") + e.what(), "",
                "records need task, task_version, protocol, doc_id, prompt_hash, output, filters");
  }
}

}  // namespace remedi::tasks
