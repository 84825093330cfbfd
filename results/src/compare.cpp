#include "remedi/results/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "remedi/results/stats.h"

namespace remedi::results {

bool Comparison::identical() const {
  if (!tasks_only_a.empty() || !tasks_only_b.empty()) return false;
  for (const auto& t : tasks)
    if (!t.flips.empty() || t.only_a || t.only_b) return false;
  return true;
}

std::vector<std::string> Comparison::worse_than(double pct) const {
  std::vector<std::string> out;
  for (const auto& t : tasks)
    if (t.pairs > 0 && t.delta * 100.0 < -pct) out.push_back(t.task);
  return out;
}

static double verdict_of(const SampleRecord& r, const std::string& filter) {
  auto it = r.verdicts.find(filter);
  return it == r.verdicts.end() ? 0.0 : it->second;
}

static TaskComparison compare_task(const std::string& task, const std::vector<const SampleRecord*>& ra,
                                   const std::vector<const SampleRecord*>& rb, uint64_t seed) {
  TaskComparison tc;
  tc.task = task;
  tc.filter = ra.front()->primary;
  std::map<std::string, const SampleRecord*> index_b;
  for (const SampleRecord* r : rb) index_b.emplace(r->key.pair_str(), r);
  std::vector<double> va, vb;
  bool binary = true;
  std::set<std::string> matched;
  for (const SampleRecord* x : ra) {
    auto it = index_b.find(x->key.pair_str());
    if (it == index_b.end()) {
      ++tc.only_a;
      continue;
    }
    matched.insert(it->first);
    double a = verdict_of(*x, tc.filter), b = verdict_of(*it->second, tc.filter);
    va.push_back(a);
    vb.push_back(b);
    binary = binary && (a == 0 || a == 1) && (b == 0 || b == 1);
    if (a != b) tc.flips.push_back({x->key.doc_id, x->key.repeat, a, b});
    if (a == 1 && b == 0) ++tc.a_only_pass;
    if (a == 0 && b == 1) ++tc.b_only_pass;
  }
  tc.only_b = static_cast<int64_t>(rb.size() - matched.size());
  tc.pairs = static_cast<int64_t>(va.size());
  if (tc.pairs == 0) {
    tc.test = "none";
    return tc;
  }
  tc.mean_a = mean_se(va).mean;
  tc.mean_b = mean_se(vb).mean;
  tc.delta = tc.mean_b - tc.mean_a;
  if (binary) {
    tc.test = "mcnemar-exact";
    tc.p = mcnemar_exact_p(tc.a_only_pass, tc.b_only_pass);
  } else {
    tc.test = "paired-bootstrap";
    BootstrapResult br = paired_bootstrap(va, vb, 10000, seed);
    tc.p = br.p;
    tc.ci_low = br.ci_low;
    tc.ci_high = br.ci_high;
  }
  return tc;
}

Comparison compare_runs(const RunData& a, const RunData& b, uint64_t seed) {
  Comparison c;
  c.label_a = a.label();
  c.label_b = b.label();
  std::vector<std::string> order;
  std::map<std::string, std::vector<const SampleRecord*>> ta, tb;
  for (const auto& r : a.records) {
    if (!ta.count(r.key.task)) order.push_back(r.key.task);
    ta[r.key.task].push_back(&r);
  }
  for (const auto& r : b.records) tb[r.key.task].push_back(&r);
  for (const auto& t : order) {
    if (!tb.count(t)) {
      c.tasks_only_a.push_back(t);
      continue;
    }
    c.tasks.push_back(compare_task(t, ta[t], tb[t], seed));
  }
  for (const auto& [t, _] : tb)
    if (!ta.count(t)) c.tasks_only_b.push_back(t);
  return c;
}

std::string format_comparison(const Comparison& c, int max_flips) {
  std::string s = fmt::format("A = {}\nB = {}\n\n", c.label_a, c.label_b);
  s += fmt::format("{:<14} {:<10} {:>6} {:>8} {:>8} {:>8}  {:<17} {:>8}  {}\n", "task", "filter", "pairs",
                   "A %", "B %", "delta", "test", "p", "flips (A>B / A<B)");
  for (const auto& t : c.tasks) {
    s += fmt::format("{:<14} {:<10} {:>6} {:>8.2f} {:>8.2f} {:>+8.2f}  {:<17} {:>8.4g}  {} / {}\n", t.task,
                     t.filter, t.pairs, 100 * t.mean_a, 100 * t.mean_b, 100 * t.delta, t.test, t.p,
                     std::count_if(t.flips.begin(), t.flips.end(), [](const Flip& f) { return f.a > f.b; }),
                     std::count_if(t.flips.begin(), t.flips.end(), [](const Flip& f) { return f.a < f.b; }));
    if (t.test == "paired-bootstrap")
      s += fmt::format("{:<14} 95% CI of delta: [{:+.2f}, {:+.2f}] points\n", "", 100 * t.ci_low, 100 * t.ci_high);
    if (t.only_a || t.only_b)
      s += fmt::format("{:<14} unpaired samples: {} only in A, {} only in B\n", "", t.only_a, t.only_b);
  }
  for (const auto& t : c.tasks_only_a) s += fmt::format("{:<14} only in A (not compared)\n", t);
  for (const auto& t : c.tasks_only_b) s += fmt::format("{:<14} only in B (not compared)\n", t);
  bool any = false;
  for (const auto& t : c.tasks) {
    if (t.flips.empty()) continue;
    if (!any) s += "\nflipped samples (primary verdict A -> B):\n";
    any = true;
    int shown = 0;
    for (const auto& f : t.flips) {
      if (shown++ >= max_flips) break;
      s += fmt::format("  {} {} #{}: {:g} -> {:g}\n", t.task, f.doc_id, f.repeat, f.a, f.b);
    }
    if (static_cast<int>(t.flips.size()) > max_flips)
      s += fmt::format("  {} ... and {} more\n", t.task, t.flips.size() - max_flips);
  }
  s += c.identical() ? "\nno difference: every paired verdict is equal\n" : "";
  return s;
}

}  // namespace remedi::results
