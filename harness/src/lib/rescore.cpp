#include "rescore.h"

#include <cstdio>
#include <map>

#include "environment.h"
#include "remedi/common/error.h"
#include "remedi/common/fsutil.h"
#include "remedi/results/record_file.h"
#include "remedi/results/run_dir.h"
#include "remedi/sandbox/sandbox.h"
#include "remedi/tasks/registry.h"
#include "run_finalize.h"
#include "sample_builder.h"

namespace remedi::cli {

using nlohmann::json;

RescoreOutcome rescore_run(const RescoreOptions& o) {
  results::RunPaths p(o.run_dir);
  if (!file_exists(p.config()))
    throw Error("not a run directory (no config.json)", o.run_dir, "pass the --out folder of a `remedi-eval run`");
  json cfg_file = json::parse(read_file(p.config()), nullptr, false);
  if (cfg_file.is_discarded() || !cfg_file.contains("config")) throw Error("config.json is unreadable", p.config());
  const json& cfg = cfg_file["config"];
  const auto task_names = cfg.at("tasks").get<std::vector<std::string>>();
  const std::string data_dir = o.data_dir.empty() ? cfg.value("data_dir", "") : o.data_dir;
  const std::string protocol_flag = cfg.value("protocol", "");

  // Sandbox before any thread (only when a code task is present).
  std::unique_ptr<sandbox::Sandbox> sb;
  for (const auto& n : task_names)
    if (tasks::find_task(n).kind == tasks::Kind::Code && !sb) {
      sandbox::SandboxOptions so;
      so.workers = o.sandbox_workers;
      sb = sandbox::make_sandbox(so);
    }

  std::map<std::string, tasks::TaskData> data;
  std::map<std::string, std::string> protocols;
  for (const auto& n : task_names) {
    data.emplace(n, tasks::load_task(n, data_dir));
    protocols[n] = protocol_flag.empty() ? data.at(n).spec->protocols.front() : protocol_flag;
  }

  auto contents = results::read_records(p.samples());
  RescoreOutcome out;
  // Score task by task so code tasks send their sandbox jobs as one batch.
  std::map<std::string, std::vector<size_t>> by_task;
  for (size_t i = 0; i < contents.records.size(); ++i) by_task[contents.records[i].key.task].push_back(i);
  for (auto& [task, idx] : by_task) {
    auto dit = data.find(task);
    if (dit == data.end())
      throw Error("record of task '" + task + "' but the run's config does not list it", p.samples());
    const tasks::TaskData& td = dit->second;
    std::vector<const tasks::Doc*> docs;
    std::vector<tasks::Prompt> prompts;
    std::vector<std::string> outputs;
    prompts.reserve(idx.size());
    for (size_t i : idx) {
      const auto& r = contents.records[i];
      const tasks::Doc* d = td.find_doc(r.key.doc_id);
      if (!d)
        throw Error("doc '" + r.key.doc_id + "' of task '" + task + "' is not in the data", data_dir,
                    "re-score against the data the run used (--data-dir)");
      docs.push_back(d);
      prompts.push_back(tasks::build_prompt(td, *d, protocols[task]));
      outputs.push_back(cut_at_stop(r.output, prompts.back().stop));
    }
    auto scores = tasks::score_batch(td, docs, outputs, protocols[task], sb.get());
    for (size_t j = 0; j < idx.size(); ++j) {
      auto& r = contents.records[idx[j]];
      const double before = r.verdicts.count(r.primary) ? r.verdicts.at(r.primary) : -1;
      apply_score(r, td, *docs[j], protocols[task], prompts[j], scores.at(j));
      if (r.primary_verdict() != before) ++out.changed;
      ++out.samples;
    }
  }
  // Rewrite the record file in one atomic step (same lines order, new verdicts).
  std::string text;
  for (const auto& r : contents.records) text += results::dump_json(results::to_json(r)) + "\n";
  write_file_atomic(p.samples(), text);

  json header = json::object();
  if (file_exists(p.summary())) {
    header = json::parse(read_file(p.summary()), nullptr, false);
    if (header.is_discarded()) header = json::object();
    for (const char* k : {"tasks", "totals", "task_order", "schema_version"}) header.erase(k);
  } else {  // an unfinished run: identity from config.json
    header = {{"run_id", cfg_file.value("run_id", "")}, {"started_at", cfg_file.value("started_at", "")},
              {"config", cfg}, {"config_hash", cfg_file.value("config_hash", "")},
              {"environment", environment_json(nullptr)}};
  }
  header["rescored_at"] = results::utc_now_iso();
  header["rescored_by"] = {{"remedi_version", remedi::version()}, {"git_sha", remedi::git_sha()}};
  json versions = json::object();
  for (const auto& [n, td] : data) versions[n] = td.spec->version;
  header["task_versions"] = versions;
  out.summary = finalize_run(p, header, task_names, o.db).summary;
  return out;
}

}  // namespace remedi::cli
