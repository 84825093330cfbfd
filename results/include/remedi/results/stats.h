// The statistics behind summaries and compare: means with standard errors, the exact McNemar test
// for paired pass/fail outcomes, and a seeded paired bootstrap for graded scores.
#pragma once
#include <cstdint>
#include <vector>

namespace remedi::results {

struct MeanSe {
  double mean = 0;   // arithmetic mean
  double se = 0;     // standard error of the mean: sample stddev (n-1) / sqrt(n); 0 when n < 2
  int64_t n = 0;
};
MeanSe mean_se(const std::vector<double>& x);

// Exact (binomial) McNemar test, two-sided: b = pairs passing in A only, c = in B only. Under H0 the
// discordant pairs split Binomial(b + c, 1/2); p = min(1, 2 * P[X <= min(b, c)]).
// (McNemar 1947; the exact form as in statsmodels' mcnemar(exact=True).) p = 1 when b + c = 0.
double mcnemar_exact_p(int64_t b, int64_t c);

struct BootstrapResult {
  double delta = 0;     // mean(b - a) on the observed pairs
  double ci_low = 0;    // 2.5th percentile of the resampled mean differences
  double ci_high = 0;   // 97.5th percentile
  double p = 1;         // two-sided: 2 * min(P[d* <= 0], P[d* >= 0]), capped at 1
  int iterations = 0;
};
// Paired bootstrap over pairs (a[i], b[i]) with a fixed seed: same inputs, same result on every
// platform (our own index draw, not std::uniform_int_distribution, whose output is unspecified).
// Throws remedi::Error when the sizes differ.
BootstrapResult paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                 int iterations = 10000, uint64_t seed = 20250923);

}  // namespace remedi::results
