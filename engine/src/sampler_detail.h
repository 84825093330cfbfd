// Internals of the block-diffusion sampler shared by sampler.cpp (the loop), sampler_policy.cpp
// (ranking) and the sampler tests. Not a public header: nothing outside engine/ includes it.
#pragma once
#include <cstdint>
#include <vector>

#include "remedi/engine/sampler.h"

namespace remedi::engine::detail {

// ---- per-row deterministic randomness --------------------------------------------------------
// Every random draw of a row is a pure function of (request seed, stream, block, step[, position]),
// so a row's result never depends on which other rows share its batch (issue 2, part 5).
enum class Stream : uint64_t {
  CandidateNoise = 0x6e6f697365ULL,  // "noise": StepSampling::noise_seed handed to the model
  PlackettLuce = 0x706c75636bULL,    // "plack": Gumbel keys of remedi-ups with ups_tau > 0
};
uint64_t mix64(uint64_t x);  // splitmix64 finaliser (a bijection on 64-bit words)
uint64_t step_seed(uint64_t request_seed, Stream stream, int block, int step);
// Uniform double in the open interval (0, 1), the index-th draw of the stream `seed`.
double uniform_open01(uint64_t seed, uint64_t index);

// ---- ranking -----------------------------------------------------------------------------------
// Positions ordered best first: score descending; NaN ranks below everything (even -inf); ties go to
// the lower position index, i.e. "the first maximum" as argmax/top-k take it (MODEL.md §5).
std::vector<int> rank_positions(const std::vector<double>& score);

// One row's view of one denoising step; every pointer covers block_size positions.
struct RowStep {
  int block_size = 0;
  int32_t mask_id = 0;
  const int32_t* tokens = nullptr;     // current tokens before the step (mask_id where masked)
  const float* logit = nullptr;        // logit of the candidate
  const float* prob = nullptr;         // softmax probability of the candidate; nullptr unless the
                                       // policy ranks by it (StepSampling::need_prob)
  const float* confidence = nullptr;   // UPS confidence; nullptr when the model has none
};

// Which positions are unmasked after step `step` (kept[j] = 1). keep: the cumulative keep counts of
// the schedule (keep_counts()); pl_seed: the row's Plackett-Luce stream for this step.
std::vector<uint8_t> select_kept(const SamplerParams& p, const std::vector<int>& keep, int step,
                                 const RowStep& row, uint64_t pl_seed);

}  // namespace remedi::engine::detail
