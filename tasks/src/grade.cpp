// Grading outputs produced by other harnesses (see grade.h).
#include "remedi/tasks/grade.h"

#include <map>

#include "remedi/common/error.h"
#include "remedi/tasks/data_io.h"
#include "remedi/tasks/math_verify.h"

namespace remedi::tasks {

namespace {

// A number is the 0-based line index in the data file; a string is the record's id (or, failing
// that, an index written as a string).
const Doc* lookup(const TaskData& t, const nlohmann::json& id) {
  if (id.is_number_integer()) {
    int64_t i = id.get<int64_t>();
    for (const auto& d : t.docs)
      if (d.index == i) return &d;
    return nullptr;
  }
  if (id.is_string()) return t.find_doc(id.get<std::string>());
  return nullptr;
}

}  // namespace

GradeReport grade_file(const TaskData& t, const std::string& protocol, const std::string& input_path,
                       sandbox::Executor* sandbox, const std::vector<int64_t>& ks) {
  check_protocol(*t.spec, protocol);
  std::vector<const Doc*> docs;
  std::vector<std::string> outputs;
  for (const auto& l : read_jsonl(input_path)) {
    const std::string where = input_path + ":" + std::to_string(l.line);
    if (!l.value.contains("doc_id")) throw Error("missing 'doc_id'", where, "each line needs doc_id and output");
    if (!l.value.contains("output") || !l.value["output"].is_string())
      throw Error("missing string 'output'", where, "each line needs doc_id and output");
    const Doc* d = lookup(t, l.value["doc_id"]);
    if (!d)
      throw Error("doc_id " + l.value["doc_id"].dump() + " is not in task '" + t.spec->name + "'", where,
                  "use the record's id (string) or its 0-based line index in the data file (number)");
    docs.push_back(d);
    outputs.push_back(l.value["output"].get<std::string>());
  }
  GradeReport r;
  r.task = t.spec->name;
  r.protocol = protocol;
  r.task_version = t.spec->version;
  std::vector<Score> scores = score_batch(t, docs, outputs, protocol, sandbox);
  std::map<std::string, int> seen;
  for (size_t i = 0; i < docs.size(); ++i) {
    Prompt p = build_prompt(t, *docs[i], protocol);
    r.records.push_back(make_record(t, *docs[i], protocol, p, outputs[i], scores[i], seen[docs[i]->id]++));
  }
  r.metrics = aggregate(r.records, ks);
  return r;
}

void cross_grade_math_verify(GradeReport& r, const TaskData& t, sandbox::Executor& sb) {
  if (t.spec->kind != Kind::Math) return;
  std::vector<std::string> outputs, golds;
  for (const auto& rec : r.records) {
    outputs.push_back(rec.output);
    golds.push_back(rec.gold);
  }
  std::vector<GraderVerdict> v = math_verify_batch(outputs, golds, sb);
  const std::string& primary = primary_filter(*t.spec, r.protocol);
  for (size_t i = 0; i < r.records.size(); ++i) {
    auto& rec = r.records[i];
    rec.graders.push_back(v[i]);
    if (v[i].verdict != "correct" && v[i].verdict != "incorrect") continue;  // unavailable, timeout, ...
    bool ours = false;
    for (const auto& f : rec.filters)
      if (f.filter == primary) ours = f.correct;
    if (ours != (v[i].verdict == "correct"))
      r.disagreements.push_back(rec.doc_id + "#" + std::to_string(rec.sample_index) + ": " + primary + "=" +
                                (ours ? "correct" : "incorrect") + ", math-verify=" + v[i].verdict);
  }
}

nlohmann::json grade_json(const GradeReport& r) {
  nlohmann::json out = {{"task", r.task}, {"protocol", r.protocol}, {"task_version", r.task_version}};
  nlohmann::json m = nlohmann::json::object();
  for (const auto& x : r.metrics) m[x.name] = {{"value", x.value}, {"stderr", x.stderr_}, {"n", x.n}};
  out["metrics"] = m;
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& rec : r.records) {
    nlohmann::json s = {{"doc_id", rec.doc_id}, {"gold", rec.gold}};
    for (const auto& f : rec.filters) {
      s[f.filter] = {{"extracted", f.extracted}, {"correct", f.correct}};
      if (!f.items.empty()) s[f.filter]["items"] = f.items;
    }
    s["graders"] = rec.graders;
    samples.push_back(s);
  }
  out["samples"] = samples;
  if (!r.disagreements.empty()) out["disagreements"] = r.disagreements;
  return out;
}

}  // namespace remedi::tasks
