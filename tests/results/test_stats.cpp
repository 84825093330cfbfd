#include <catch2/catch.hpp>

#include "remedi/common/error.h"
#include "remedi/results/stats.h"
#include "remedi/results/summary.h"

using namespace remedi::results;

TEST_CASE("exact McNemar p-values match the binomial tail", "[results][stats]") {
  // Reference values: two-sided exact binomial test at 1/2, e.g. scipy.stats.binomtest(2, 12).pvalue
  // = 2 * (1 + 12 + 66) / 4096 = 0.03857421875.
  CHECK(mcnemar_exact_p(2, 10) == Approx(0.03857421875).epsilon(1e-12));
  CHECK(mcnemar_exact_p(10, 2) == Approx(0.03857421875).epsilon(1e-12));
  CHECK(mcnemar_exact_p(0, 5) == Approx(0.0625).epsilon(1e-12));        // 2 / 32
  CHECK(mcnemar_exact_p(1, 6) == Approx(0.125).epsilon(1e-12));         // 2 * 8 / 128
  CHECK(mcnemar_exact_p(3, 3) == 1.0);                                  // capped at 1
  CHECK(mcnemar_exact_p(0, 0) == 1.0);
  // Large n stays finite and tiny: 0 vs 200 -> 2 * 2^-200.
  CHECK(mcnemar_exact_p(0, 200) == Approx(2 * std::pow(2.0, -200)).epsilon(1e-9));
  // 40 vs 60: 2 * P[X <= 40], X ~ Bin(100, .5) = 0.056887933640980 (binomial CDF tables).
  CHECK(mcnemar_exact_p(40, 60) == Approx(0.05688793364098).epsilon(1e-9));
}

TEST_CASE("mean and standard error", "[results][stats]") {
  MeanSe m = mean_se({1, 0, 1, 1});
  CHECK(m.mean == Approx(0.75));
  CHECK(m.se == Approx(std::sqrt(0.25 / 4)));  // sample var = 0.25, / n
  CHECK(mean_se({}).n == 0);
  CHECK(mean_se({0.3}).se == 0);
}

TEST_CASE("paired bootstrap is deterministic and sensible", "[results][stats]") {
  std::vector<double> a, b;
  for (int i = 0; i < 50; ++i) {
    a.push_back(0.1 * (i % 10));
    b.push_back(0.1 * (i % 10) + 0.2);
  }
  auto r1 = paired_bootstrap(a, b, 2000, 7);
  auto r2 = paired_bootstrap(a, b, 2000, 7);
  CHECK(r1.delta == Approx(0.2));
  CHECK(r1.ci_low == r2.ci_low);
  CHECK(r1.ci_high == r2.ci_high);
  CHECK(r1.p == r2.p);
  CHECK(r1.p == 0.0);  // every resampled difference is +0.2
  // Noisy differences centred on zero: wide interval around 0, large p; a different seed changes
  // the draws but not the conclusion.
  std::vector<double> c, d;
  for (int i = 0; i < 60; ++i) {
    c.push_back((i * 37 % 11) / 10.0);
    d.push_back((i * 53 % 11) / 10.0);
  }
  auto n1 = paired_bootstrap(c, d, 4000, 1), n2 = paired_bootstrap(c, d, 4000, 2);
  CHECK(n1.ci_low < n1.delta);
  CHECK(n1.ci_high > n1.delta);
  CHECK(n1.p > 0.2);
  CHECK(n1.ci_low != n2.ci_low);
  CHECK_THROWS_AS(paired_bootstrap({1, 2}, {1}), remedi::Error);
}

TEST_CASE("pass@k estimator", "[results][stats]") {
  CHECK(pass_at_k(10, 0, 1) == 0.0);
  CHECK(pass_at_k(10, 3, 1) == Approx(0.3));
  CHECK(pass_at_k(5, 4, 2) == 1.0);                                 // n - c < k
  CHECK(pass_at_k(4, 1, 2) == Approx(1.0 - (3.0 * 2) / (4.0 * 3)));  // 1 - C(3,2)/C(4,2) = 0.5
}
