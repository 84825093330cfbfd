#include "run_finalize.h"

#include <fmt/format.h>

#include <map>

#include "remedi/results/record_file.h"
#include "remedi/results/run_db.h"
#include "remedi/results/summary.h"
#include "remedi/tasks/metrics.h"
#include "remedi/tasks/types.h"

namespace remedi::cli {

using nlohmann::json;

FinalizeResult finalize_run(const results::RunPaths& p, const json& header, const std::vector<std::string>& task_order,
                            const std::string& db) {
  auto contents = results::read_records(p.samples());
  json h = header;
  // A re-score keeps the generation's finish time (the database orders checkpoints by it).
  if (!h.contains("finished_at")) h["finished_at"] = results::utc_now_iso();
  json s = results::make_summary(h, contents.records, task_order);
  // The task module's metrics (its definitions of accuracy, item-level accuracy and pass@k).
  std::map<std::string, std::vector<tasks::SampleRecord>> by_task;
  for (const auto& r : contents.records) {
    if (!r.task_record.is_object()) continue;
    tasks::SampleRecord tr;
    tasks::from_json(r.task_record, tr);
    by_task[r.key.task].push_back(std::move(tr));
  }
  for (auto& [task, recs] : by_task) {
    int max_k = 1;
    for (const auto& r : recs) max_k = std::max(max_k, r.sample_index + 1);
    std::vector<int64_t> ks = {1};
    if (max_k > 1) ks.push_back(max_k);
    json m = json::array();
    for (const auto& x : tasks::aggregate(recs, ks))
      m.push_back({{"name", x.name}, {"value", x.value}, {"stderr", x.stderr_}, {"n", x.n}});
    if (s["tasks"].contains(task)) s["tasks"][task]["task_metrics"] = m;
  }
  results::write_summary(p, s);
  FinalizeResult out;
  out.summary = s;
  if (!db.empty()) {
    results::RunDb d(db);
    out.db_run_id = d.index_run(results::load_run(p.root));
  }
  return out;
}

std::string summary_text(const json& s) {
  std::string t = fmt::format("{:<14} {:<10} {:>6} {:>14} {:>9} {:>14}\n", "task", "filter", "n", "score %", "tok/s",
                              "remasks/token");
  for (const auto& name : s.value("task_order", std::vector<std::string>{})) {
    const json& x = s["tasks"][name];
    const std::string f = x.value("primary", "");
    const json& m = x["metrics"].contains(f) ? x["metrics"][f] : json::object();
    t += fmt::format("{:<14} {:<10} {:>6} {:>8.1f} ± {:<4.1f} {:>9.1f} {:>14.3f}\n", name, f, x.value("n_samples", 0),
                     100 * m.value("mean", 0.0), 100 * m.value("se", 0.0), x["throughput"].value("tok_per_s", 0.0),
                     x["remask"].value("remasks_per_token", 0.0));
  }
  return t;
}

}  // namespace remedi::cli
