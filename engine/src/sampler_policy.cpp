// Ranking policies of the block-diffusion sampler (MODEL.md §4): after each denoising step, which of
// the block's positions stay (or become) unmasked. Everything else is set back to MASK.
//
//   remedi-logit   rank all positions by the candidate's logit, keep the top k_i (released script)
//   remedi-ups     rank all positions by the UPS confidence, keep the top k_i; with ups_tau > 0 draw
//                  the k_i positions without replacement from softmax(confidence / tau) (paper, RL
//                  rollouts) — Plackett-Luce, drawn as Gumbel-top-k
//   llada-lowconf  unmasked positions are always kept; among masked ones the k_i - k_{i-1} with the
//                  highest candidate probability are unmasked (LLaDA low_confidence remasking)
//   threshold      unmasked positions are always kept; every masked position whose probability
//                  exceeds the threshold is unmasked, and at least max(1, k_i - unmasked) of the best
//                  ones (Fast-dLLM parallel decoding; the floor makes `steps` a cap, see below)
#include <algorithm>
#include <cmath>
#include <numeric>

#include "sampler_detail.h"

namespace remedi::engine::detail {

uint64_t mix64(uint64_t x) {
  // splitmix64 (Steele, Lea, Flood 2014; the finaliser of java.util.SplittableRandom).
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t step_seed(uint64_t request_seed, Stream stream, int block, int step) {
  uint64_t h = mix64(request_seed ^ static_cast<uint64_t>(stream));
  h = mix64(h ^ static_cast<uint64_t>(static_cast<uint32_t>(block)));
  return mix64(h ^ (static_cast<uint64_t>(static_cast<uint32_t>(step)) << 32));
}

double uniform_open01(uint64_t seed, uint64_t index) {
  const uint64_t bits = mix64(seed ^ mix64(index)) >> 11;  // 53 random bits
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;    // never 0, never 1: log() stays finite
}

std::vector<int> rank_positions(const std::vector<double>& score) {
  std::vector<int> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const bool na = std::isnan(score[a]), nb = std::isnan(score[b]);
    if (na != nb) return nb;  // the non-NaN one first
    if (!na && score[a] != score[b]) return score[a] > score[b];
    return a < b;             // ties (and NaN against NaN): first position wins
  });
  return order;
}

namespace {

// Marks the best `n` positions among the eligible ones (all when eligible is empty) as kept.
void keep_best(const std::vector<double>& score, int n, std::vector<uint8_t>& kept,
               const std::vector<uint8_t>& eligible = {}) {
  int taken = 0;
  for (int j : rank_positions(score)) {
    if (taken >= n) break;
    if (!eligible.empty() && !eligible[j]) continue;
    kept[j] = 1;
    ++taken;
  }
}

}  // namespace

std::vector<uint8_t> select_kept(const SamplerParams& p, const std::vector<int>& keep, int step,
                                 const RowStep& row, uint64_t pl_seed) {
  const int n = row.block_size;
  std::vector<uint8_t> kept(n, 0);
  std::vector<double> score(n);
  switch (p.policy) {
    case Policy::RemediLogit: {
      for (int j = 0; j < n; ++j) score[j] = row.logit[j];
      keep_best(score, keep[step], kept);
      return kept;
    }
    case Policy::RemediUps: {
      if (p.ups_tau > 0) {
        // Gumbel-top-k: the top k of (c_j / tau + G_j), G_j ~ Gumbel(0, 1) i.i.d., is distributed as
        // k draws without replacement from softmax(c / tau) (Kool, van Hoof, Welling, ICML 2019).
        // Draw j depends only on (seed, block, step, j): independent of the batch.
        for (int j = 0; j < n; ++j) {
          const double g = -std::log(-std::log(uniform_open01(pl_seed, static_cast<uint64_t>(j))));
          score[j] = static_cast<double>(row.confidence[j]) / p.ups_tau + g;
        }
      } else {
        for (int j = 0; j < n; ++j) score[j] = row.confidence[j];
      }
      keep_best(score, keep[step], kept);
      return kept;
    }
    case Policy::LladaLowConf:
    case Policy::Threshold: {
      // No remasking: every unmasked position stays; masked ones compete on the candidate's
      // probability.
      std::vector<uint8_t> masked_pos(n, 0);
      int unmasked = 0, masked = 0;
      for (int j = 0; j < n; ++j) {
        masked_pos[j] = row.tokens[j] == row.mask_id;
        kept[j] = !masked_pos[j];
        (masked_pos[j] ? masked : unmasked) += 1;
        score[j] = row.prob[j];
      }
      int fresh;
      if (p.policy == Policy::LladaLowConf) {
        fresh = keep[step] - (step > 0 ? keep[step - 1] : 0);  // the schedule's per-step increment
      } else {
        int above = 0;
        for (int j = 0; j < n; ++j)
          if (row.tokens[j] == row.mask_id && row.prob[j] > p.threshold) ++above;  // strictly greater
        // Fast-dLLM: all above the threshold, at least the single best. The schedule floor
        // k_i - unmasked is our addition so that a block always finishes within `steps` steps; with
        // steps == block_size (k_i = i + 1) it never exceeds 1, i.e. it is exactly Fast-dLLM.
        fresh = std::max({1, above, keep[step] - unmasked});
      }
      keep_best(score, std::min(fresh, masked), kept, masked_pos);
      return kept;
    }
  }
  return kept;
}

}  // namespace remedi::engine::detail
