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
#include "remedi/tasks/grade.h"

namespace {

using namespace remedi::tasks;

int run_grade(remedi::Args& a) {
  if (a.help()) {
    std::printf(
        "usage: remedi-eval grade --task T --input FILE.jsonl [--protocol P] [--data-dir D] [--k 1,10] [--json]\n"
        "  --input       jsonl, one {\"doc_id\": id-string | line-index, \"output\": text} per line\n"
        "  --protocol    protocol the outputs were generated with (default: the task's first)\n"
        "  --data-dir    datasets folder (default: $REMEDI_DATA, else ./data)\n"
        "  --gpqa-password  password of GPQA's dataset.zip (default: $REMEDI_GPQA_PASSWORD)\n"
        "  --k           pass@k values when a doc has several samples (default 1)\n"
        "  --math-verify cross-grade math tasks with Math-Verify in the sandbox (needs the math-verify\n"
        "                package for the sandbox's python); disagreements with the native scorer are listed\n"
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
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(k, &used);
    } catch (...) {
      used = 0;
    }
    if (used != k.size() || v < 1) throw remedi::Error("--k must be a comma list of integers >= 1", "--k " + k);
    ks.push_back(v);
  }
  bool js = a.flag("--json");
  bool mv = a.flag("--math-verify");
  a.finish();
  const TaskSpec& spec = find_task(task);
  std::string protocol = proto_opt ? *proto_opt : spec.protocols.front();
  check_protocol(spec, protocol);

  // The sandbox forks its supervisor: start it before loading anything.
  std::unique_ptr<remedi::sandbox::Sandbox> sb;
  if (mv && spec.kind != Kind::Math)
    throw remedi::Error("--math-verify applies to math tasks only", "--math-verify");
  if (spec.kind == Kind::Code || mv) sb = remedi::sandbox::make_sandbox({});

  TaskData t = load_task(task, data_dir, lo);
  GradeReport rep = grade_file(t, protocol, input, sb.get(), ks);
  if (mv) cross_grade_math_verify(rep, t, *sb);
  if (js) {
    std::printf("%s\n", grade_json(rep).dump().c_str());
    return 0;
  }
  const auto& records = rep.records;
  const auto& metrics = rep.metrics;
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
  for (const auto& d : rep.disagreements) std::printf("disagrees: %s\n", d.c_str());
  std::printf("\n%-24s %8s %8s %6s\n", "metric", "value", "stderr", "n");
  for (const auto& x : metrics)
    std::printf("%-24s %8.4f %8.4f %6lld\n", x.name.c_str(), x.value, x.stderr_, static_cast<long long>(x.n));
  return 0;
}

}  // namespace

REMEDI_COMMAND(grade, "grade", "score outputs produced elsewhere (jsonl of doc_id + output)", run_grade)
