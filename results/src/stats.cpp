#include "remedi/results/stats.h"

#include <algorithm>
#include <cmath>

#include "remedi/common/error.h"

namespace remedi::results {

MeanSe mean_se(const std::vector<double>& x) {
  MeanSe r;
  r.n = static_cast<int64_t>(x.size());
  if (x.empty()) return r;
  double s = 0;
  for (double v : x) s += v;
  r.mean = s / r.n;
  if (r.n < 2) return r;
  double ss = 0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  r.se = std::sqrt(ss / (r.n - 1)) / std::sqrt(static_cast<double>(r.n));
  return r;
}

double mcnemar_exact_p(int64_t b, int64_t c) {
  const int64_t n = b + c;
  if (n == 0) return 1.0;
  const int64_t k = std::min(b, c);
  // P[X <= k] for X ~ Binomial(n, 1/2), summed in log space so n in the thousands stays exact
  // to double precision: log C(n,i) - n log 2.
  const double log_half_n = -static_cast<double>(n) * std::log(2.0);
  double tail = 0;
  for (int64_t i = 0; i <= k; ++i) {
    double log_c = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
    tail += std::exp(log_c + log_half_n);
  }
  return std::min(1.0, 2.0 * tail);
}

// splitmix64: a tiny, fully specified generator (Steele et al. 2014), so the bootstrap is
// reproducible across standard libraries.
static uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

BootstrapResult paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                 int iterations, uint64_t seed) {
  if (a.size() != b.size())
    throw Error("paired bootstrap needs equally many scores on both sides",
                std::to_string(a.size()) + " vs " + std::to_string(b.size()));
  BootstrapResult r;
  r.iterations = iterations;
  const size_t n = a.size();
  if (n == 0 || iterations <= 0) return r;
  std::vector<double> d(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += (d[i] = b[i] - a[i]);
  r.delta = sum / n;
  std::vector<double> means(iterations);
  uint64_t state = seed;
  int le0 = 0, ge0 = 0;
  for (int it = 0; it < iterations; ++it) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) {
      // Lemire's multiply-shift maps a 64-bit draw onto [0, n) (bias < n / 2^64, negligible).
      size_t idx = static_cast<size_t>((static_cast<unsigned __int128>(splitmix64(state)) * n) >> 64);
      s += d[idx];
    }
    means[it] = s / n;
    if (means[it] <= 0) ++le0;
    if (means[it] >= 0) ++ge0;
  }
  std::sort(means.begin(), means.end());
  auto pct = [&](double q) { return means[std::min<size_t>(iterations - 1, static_cast<size_t>(q * iterations))]; };
  r.ci_low = pct(0.025);
  r.ci_high = pct(0.975);
  r.p = std::min(1.0, 2.0 * std::min(le0, ge0) / static_cast<double>(iterations));
  return r;
}

}  // namespace remedi::results
