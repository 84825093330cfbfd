#include "remedi/results/summary.h"

#include <algorithm>
#include <map>
#include <set>

#include "remedi/common/error.h"
#include "remedi/results/stats.h"

namespace remedi::results {

using nlohmann::json;

double pass_at_k(int n, int c, int k) {
  if (n - c < k) return 1.0;
  // prod_{i=n-c+1}^{n} (1 - k / i), the numerically stable form of the ratio of binomials.
  double r = 1.0;
  for (int i = n - c + 1; i <= n; ++i) r *= 1.0 - static_cast<double>(k) / i;
  return 1.0 - r;
}

// Throughput and remask counters over a set of records; batches are counted once each.
static json gen_block(const std::vector<const SampleRecord*>& rs) {
  int64_t tokens = 0, nfe = 0, remasks = 0, revisions = 0, blocks = 0, forwards = 0;
  double batch_ms = 0;
  std::set<int64_t> batches;
  std::vector<int> per_sample;
  for (const SampleRecord* r : rs) {
    tokens += r->gen.tokens;
    nfe += r->gen.nfe;
    remasks += r->gen.remasks;
    revisions += r->gen.revisions;
    blocks += r->gen.blocks;
    per_sample.push_back(r->gen.remasks);
    if (r->batch.id >= 0 && batches.insert(r->batch.id).second) {
      batch_ms += r->batch.ms;
      forwards += r->batch.forwards;
    }
  }
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  // Histogram of remasks per sample: 8 equal-width integer bins from 0 to the maximum.
  int mx = per_sample.empty() ? 0 : *std::max_element(per_sample.begin(), per_sample.end());
  int width = std::max(1, (mx + 8) / 8);
  std::vector<int> edges, counts(8, 0);
  for (int i = 0; i <= 8; ++i) edges.push_back(i * width);
  for (int v : per_sample) counts[std::min(7, v / width)]++;
  const double gen_s = batch_ms / 1000.0;
  return {{"throughput",
           {{"tokens", tokens}, {"nfe", nfe}, {"batches", batches.size()}, {"forwards", forwards},
            {"gen_s", gen_s}, {"tok_per_s", ratio(tokens, gen_s)}, {"ms_per_forward", ratio(batch_ms, forwards)},
            {"tokens_per_forward", ratio(tokens, forwards)}}},
          {"remask",
           {{"remasks", remasks}, {"revisions", revisions}, {"blocks", blocks},
            {"remasks_per_token", ratio(remasks, tokens)}, {"remasks_per_block", ratio(remasks, blocks)},
            {"revisions_per_token", ratio(revisions, tokens)},
            {"histogram", {{"edges", edges}, {"counts", counts}}}}}};
}

static json task_block(const std::vector<const SampleRecord*>& rs) {
  json t = gen_block(rs);
  const std::string primary = rs.front()->primary;
  // doc -> filter -> verdicts of its repeats. Standard errors are over docs, so K repeats of one doc
  // count as one observation (their mean), not K independent ones.
  std::map<std::string, std::map<std::string, std::vector<double>>> by_doc;
  std::set<std::string> filters;
  int max_repeat = 0;
  for (const SampleRecord* r : rs) {
    max_repeat = std::max(max_repeat, r->key.repeat + 1);
    for (auto& [f, v] : r->verdicts) {
      by_doc[r->key.doc_id][f].push_back(v);
      filters.insert(f);
    }
  }
  json metrics = json::object();
  for (const std::string& f : filters) {
    std::vector<double> per_doc;
    for (auto& [doc, fv] : by_doc) {
      auto it = fv.find(f);
      if (it == fv.end()) continue;
      double s = 0;
      for (double v : it->second) s += v;
      per_doc.push_back(s / it->second.size());
    }
    MeanSe m = mean_se(per_doc);
    metrics[f] = {{"mean", m.mean}, {"se", m.se}, {"n", m.n}};
  }
  t["primary"] = primary;
  t["n_docs"] = by_doc.size();
  t["n_samples"] = rs.size();
  t["repeats"] = max_repeat;
  t["metrics"] = metrics;
  if (max_repeat > 1) {
    std::vector<double> per_doc;
    for (auto& [doc, fv] : by_doc) {
      auto it = fv.find(primary);
      if (it == fv.end()) continue;
      int c = 0;
      for (double v : it->second) c += v >= 0.5 ? 1 : 0;
      int n = static_cast<int>(it->second.size());
      per_doc.push_back(pass_at_k(n, c, std::min(n, max_repeat)));
    }
    MeanSe m = mean_se(per_doc);
    t["pass_at_k"] = {{"k", max_repeat}, {"mean", m.mean}, {"se", m.se}, {"n", m.n}};
  }
  return t;
}

json summarize_records(const std::vector<SampleRecord>& records, const std::vector<std::string>& task_order) {
  std::map<std::string, std::vector<const SampleRecord*>> by_task;
  std::vector<const SampleRecord*> all;
  for (const auto& r : records) {
    by_task[r.key.task].push_back(&r);
    all.push_back(&r);
  }
  std::vector<std::string> order;
  for (const auto& t : task_order)
    if (by_task.count(t) && std::find(order.begin(), order.end(), t) == order.end()) order.push_back(t);
  for (const auto& [t, _] : by_task)
    if (std::find(order.begin(), order.end(), t) == order.end()) order.push_back(t);
  // nlohmann::json objects sort keys; the order is kept separately in "task_order".
  json tasks = json::object();
  for (const auto& t : order) tasks[t] = task_block(by_task[t]);
  json totals = gen_block(all);
  totals["n_samples"] = records.size();
  return {{"tasks", tasks}, {"task_order", order}, {"totals", totals}};
}

json make_summary(const json& header, const std::vector<SampleRecord>& records,
                  const std::vector<std::string>& task_order) {
  if (!header.is_object()) throw Error("summary header must be a JSON object");
  json s = header;
  s["schema_version"] = kSummarySchemaVersion;
  const json body = summarize_records(records, task_order);  // named: items() must not outlive it
  for (auto& [k, v] : body.items()) s[k] = v;
  return s;
}

}  // namespace remedi::results
