// remedi-eval grade --task T [--protocol P] --input FILE.jsonl [--json]: scores outputs produced
// elsewhere (one JSON object per line: "doc_id" — the record's id as a string, or its 0-based line
// index in the data file as a number — and "output"), prints per-line verdicts and the metrics, so
// results of other harnesses can be re-graded and compared. Several lines with the same doc_id are
// several samples of that problem (pass@k over them).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "command.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/common/strutil.h"
#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/data_io.h"
#include "remedi/tasks/metrics.h"
#include "remedi/tasks/registry.h"

namespace {

using namespace remedi::tasks;

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

int run_grade(remedi::Args& a) {
  if (a.help()) {
    std::printf(
        "usage: remedi-eval grade --task T --input FILE.jsonl [--protocol P] [--data-dir D] [--k 1,10] [--json]\n"
        "  --input       jsonl, one {\"doc_id\": id-string | line-index, \"output\": text} per line\n"
        "  --protocol    protocol the outputs were generated with (default: the task's first)\n"
        "  --data-dir    datasets folder (default: $REMEDI_DATA, else ./data)\n"
        "  --gpqa-password  password of GPQA's dataset.zip (default: $REMEDI_GPQA_PASSWORD)\n"
        "  --k           pass@k values when a doc has several samples (default 1)\n"
        "  --json        one object: {task, protocol, task_version, metrics, samples[{doc_id, <filter>: {extracted, correct}, graders}]}\n");
    return 0;
  }
  std::string task = a.get("--task");
  std::string input = a.get("--input");
  auto proto_opt = a.opt("--protocol");
  std::string data_dir = resolve_data_dir(a.opt("--data-dir"));
  LoadOptions lo;
  lo.gpqa_password = a.get("--gpqa-password", "");
  std::vector<int64_t> ks;
  for (const auto& k : a.get_list("--k", "1")) {
    try {
      ks.push_back(std::stoll(k));
    } catch (...) {
      throw remedi::Error("--k must be a comma list of integers", "--k " + k);
    }
  }
  bool js = a.flag("--json");
  a.finish();
  const TaskSpec& spec = find_task(task);
  std::string protocol = proto_opt ? *proto_opt : spec.protocols.front();
  check_protocol(spec, protocol);

  // The sandbox forks its supervisor: start it before loading anything.
  std::unique_ptr<remedi::sandbox::Sandbox> sb;
  if (spec.kind == Kind::Code) sb = remedi::sandbox::make_sandbox({});

  TaskData t = load_task(task, data_dir, lo);
  auto lines = read_jsonl(input);
  std::vector<const Doc*> docs;
  std::vector<std::string> outputs;
  for (const auto& l : lines) {
    const std::string where = input + ":" + std::to_string(l.line);
    if (!l.value.contains("doc_id")) throw remedi::Error("missing 'doc_id'", where);
    if (!l.value.contains("output") || !l.value["output"].is_string()) throw remedi::Error("missing string 'output'", where);
    const Doc* d = lookup(t, l.value["doc_id"]);
    if (!d) throw remedi::Error("doc_id " + l.value["doc_id"].dump() + " is not in task '" + task + "'", where,
                                "use the record's id (string) or its 0-based line index (number)");
    docs.push_back(d);
    outputs.push_back(l.value["output"].get<std::string>());
  }
  std::vector<Score> scores = score_batch(t, docs, outputs, protocol, sb.get());
  std::vector<SampleRecord> records;
  std::map<std::string, int> seen;
  for (size_t i = 0; i < docs.size(); ++i) {
    Prompt p = build_prompt(t, *docs[i], protocol);
    records.push_back(make_record(t, *docs[i], protocol, p, outputs[i], scores[i], seen[docs[i]->id]++));
  }
  std::vector<Metric> metrics = aggregate(records, ks);

  if (js) {
    nlohmann::json out = {{"task", spec.name}, {"protocol", protocol}, {"task_version", spec.version}};
    nlohmann::json m = nlohmann::json::object();
    for (const auto& x : metrics) m[x.name] = {{"value", x.value}, {"stderr", x.stderr_}, {"n", x.n}};
    out["metrics"] = m;
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& r : records) {
      nlohmann::json s = {{"doc_id", r.doc_id}, {"gold", r.gold}};
      for (const auto& f : r.filters) {
        s[f.filter] = {{"extracted", f.extracted}, {"correct", f.correct}};
        if (!f.items.empty()) s[f.filter]["items"] = f.items;
      }
      s["graders"] = r.graders;
      samples.push_back(s);
    }
    out["samples"] = samples;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  for (const auto& r : records) {
    std::printf("%s", r.doc_id.c_str());
    for (const auto& f : r.filters) {
      std::string x = f.extracted.size() > 40 ? f.extracted.substr(0, 37) + "..." : f.extracted;
      x = remedi::replace_all(x, "\n", "\\n");
      std::printf("  %s=%s %s", f.filter.c_str(), x.c_str(), f.correct ? "correct" : "wrong");
    }
    for (const auto& g : r.graders) std::printf("  [%s: %s]", g.grader.c_str(), g.verdict.c_str());
    std::printf("\n");
  }
  std::printf("\n%-24s %8s %8s %6s\n", "metric", "value", "stderr", "n");
  for (const auto& x : metrics)
    std::printf("%-24s %8.4f %8.4f %6lld\n", x.name.c_str(), x.value, x.stderr_, static_cast<long long>(x.n));
  return 0;
}

}  // namespace

REMEDI_COMMAND(grade, "grade", "score outputs produced elsewhere (jsonl of doc_id + output)", run_grade)
