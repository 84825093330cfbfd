// Aggregation of per-sample verdicts into the numbers a results table reports.
//   accuracy: mean of 0/1 verdicts with its standard error sqrt(p(1-p)/(n-1)) (the sample standard
//             error of the mean, as lm-evaluation-harness' mean_stderr);
//   pass@k:   the unbiased estimator of Chen et al. 2021 (HumanEval paper, eq. 1) over n samples
//             per problem, c of them correct: 1 - C(n-c, k) / C(n, k), averaged over problems.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "remedi/tasks/types.h"

namespace remedi::tasks {

struct Accuracy {
  int64_t n = 0;        // samples counted
  int64_t correct = 0;  // samples with verdict true
  double mean = 0;      // correct / n (0 when n == 0)
  double stderr_ = 0;   // standard error of the mean (0 when n < 2)
};
Accuracy accuracy(const std::vector<bool>& verdicts);

// One problem's pass@k from n samples with c correct; requires 0 <= c <= n, k >= 1.
// When n < k the estimate is undefined: returns -1.
double pass_at_k(int64_t n, int64_t c, int64_t k);

// Metrics of a run, per filter: "<filter>" accuracy over samples (the first sample per doc when
// several are drawn), "<filter>.items" item-level accuracy where FilterVerdict::items is used
// (IFEval instruction-level), and "<filter>.pass@k" for every k in ks when any doc has > 1 sample
// (docs with fewer than k samples are left out of that k).
struct Metric {
  std::string name;     // e.g. "strict", "prompt_loose.items", "code.pass@1"
  double value = 0;     // in [0, 1]
  double stderr_ = 0;   // for accuracies; 0 for pass@k
  int64_t n = 0;        // samples or problems counted
};
std::vector<Metric> aggregate(const std::vector<SampleRecord>& records,
                              const std::vector<int64_t>& ks = {1});

}  // namespace remedi::tasks
