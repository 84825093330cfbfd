// Accuracy with standard error, and the unbiased pass@k estimator (Chen et al. 2021, eq. 1).
#include "remedi/tasks/metrics.h"

#include <cmath>
#include <map>

namespace remedi::tasks {

Accuracy accuracy(const std::vector<bool>& v) {
  Accuracy a;
  a.n = static_cast<int64_t>(v.size());
  for (bool b : v) a.correct += b ? 1 : 0;
  if (a.n == 0) return a;
  a.mean = static_cast<double>(a.correct) / static_cast<double>(a.n);
  // Sample standard deviation of 0/1 values / sqrt(n) (lm-evaluation-harness mean_stderr):
  // var = n/(n-1) * p(1-p), stderr = sqrt(var / n) = sqrt(p(1-p)/(n-1)).
  if (a.n >= 2) a.stderr_ = std::sqrt(a.mean * (1.0 - a.mean) / static_cast<double>(a.n - 1));
  return a;
}

double pass_at_k(int64_t n, int64_t c, int64_t k) {
  if (k < 1 || n < k || c < 0 || c > n) return -1.0;
  if (n - c < k) return 1.0;
  // 1 - prod_{i=n-c+1}^{n} (1 - k/i): the numerically stable product form of 1 - C(n-c,k)/C(n,k)
  // used by the HumanEval reference implementation (human_eval/evaluation.py).
  double prod = 1.0;
  for (int64_t i = n - c + 1; i <= n; ++i) prod *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - prod;
}

std::vector<Metric> aggregate(const std::vector<SampleRecord>& records, const std::vector<int64_t>& ks) {
  std::vector<Metric> out;
  if (records.empty()) return out;
  // Filter order of the first record; group samples per doc in first-seen order.
  std::vector<std::string> filters;
  for (const auto& f : records.front().filters) filters.push_back(f.filter);
  std::vector<std::string> doc_order;
  std::map<std::string, std::vector<const SampleRecord*>> by_doc;
  for (const auto& r : records) {
    auto& v = by_doc[r.doc_id];
    if (v.empty()) doc_order.push_back(r.doc_id);
    v.push_back(&r);
  }
  bool multi = false;
  for (auto& [id, v] : by_doc) multi = multi || v.size() > 1;

  auto verdict = [](const SampleRecord& r, const std::string& name) -> const FilterVerdict* {
    for (const auto& f : r.filters)
      if (f.filter == name) return &f;
    return nullptr;
  };
  for (const auto& name : filters) {
    std::vector<bool> first, items;
    bool has_items = false;
    for (const auto& id : doc_order) {
      const auto* f = verdict(*by_doc[id].front(), name);
      first.push_back(f && f->correct);
      if (f && !f->items.empty()) {
        has_items = true;
        items.insert(items.end(), f->items.begin(), f->items.end());
      }
    }
    Accuracy a = accuracy(first);
    out.push_back({name, a.mean, a.stderr_, a.n});
    if (has_items) {
      Accuracy ai = accuracy(items);
      out.push_back({name + ".items", ai.mean, ai.stderr_, ai.n});
    }
    if (!multi) continue;
    for (int64_t k : ks) {
      double sum = 0;
      int64_t problems = 0;
      for (const auto& id : doc_order) {
        const auto& v = by_doc[id];
        int64_t n = static_cast<int64_t>(v.size()), c = 0;
        for (const auto* r : v) {
          const auto* f = verdict(*r, name);
          c += (f && f->correct) ? 1 : 0;
        }
        double p = pass_at_k(n, c, k);
        if (p < 0) continue;
        sum += p;
        ++problems;
      }
      if (problems > 0) out.push_back({name + ".pass@" + std::to_string(k), sum / problems, 0.0, problems});
    }
  }
  return out;
}

}  // namespace remedi::tasks
