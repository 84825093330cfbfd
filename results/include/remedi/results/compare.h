// Comparing two runs sample by sample: per task, the primary filter's score in A and B, the delta,
// a paired significance test and the samples that flipped. Samples pair on (task, doc, repeat) —
// not on the sampler or model hash, which is exactly what differs between the runs compared.
//
// Test choice per task: when every paired verdict is 0 or 1, the exact McNemar test on the
// discordant pairs; otherwise (graded scores such as IFEval's instruction fraction) a paired
// bootstrap with a fixed seed (stats.h).
#pragma once
#include <string>
#include <vector>

#include "remedi/results/run_dir.h"

namespace remedi::results {

struct Flip {
  std::string doc_id;
  int repeat = 0;
  double a = 0, b = 0;   // primary verdicts in A and B
};

struct TaskComparison {
  std::string task;
  std::string filter;        // the primary filter compared
  int64_t pairs = 0;         // samples present in both runs
  int64_t only_a = 0, only_b = 0;  // samples present in one run only (not compared)
  double mean_a = 0, mean_b = 0;   // over the paired samples
  double delta = 0;          // mean_b - mean_a (fraction; x100 for points)
  std::string test;          // "mcnemar-exact" | "paired-bootstrap" | "none" (no pairs)
  double p = 1;              // two-sided p-value
  int64_t a_only_pass = 0, b_only_pass = 0;  // McNemar's b and c (binary verdicts only)
  double ci_low = 0, ci_high = 0;            // bootstrap 95% interval of delta (bootstrap only)
  std::vector<Flip> flips;   // every pair whose verdict differs, doc order
};

struct Comparison {
  std::string label_a, label_b;
  std::vector<TaskComparison> tasks;  // tasks present in both runs, A's order
  std::vector<std::string> tasks_only_a, tasks_only_b;
  bool identical() const;             // no flips and no unpaired samples anywhere
  // Tasks whose score dropped by more than pct percentage points (delta < -pct/100).
  std::vector<std::string> worse_than(double pct) const;
};

Comparison compare_runs(const RunData& a, const RunData& b, uint64_t bootstrap_seed = 20250923);

// Human-readable report; at most max_flips flipped samples listed per task (the rest counted).
std::string format_comparison(const Comparison& c, int max_flips = 20);

}  // namespace remedi::results
