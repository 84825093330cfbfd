// Block-diffusion generation with remasking (RemeDi, arXiv 2509.23653; ../shared/MODEL.md §4).
//
// The sampler is pure: it talks to a DenoiseModel (prefill / step / commit) and never sees torch, so
// it is tested on the CPU against a scripted fake model. Rows of a batch are independent: a row's
// result depends only on its own prompt, its own seed and the parameters, never on its neighbours.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "remedi/engine/denoise_model.h"

namespace remedi::engine {

// How positions are ranked at each step; every result names the policy it used.
enum class Policy {
  RemediLogit,   // "remedi-logit": score = logit of the candidate token, every position (released script)
  RemediUps,     // "remedi-ups": score = UPS confidence; greedy top-k, or Plackett-Luce when ups_tau > 0
  LladaLowConf,  // "llada-lowconf": softmax prob of the candidate on masked positions; unmasked always kept
  Threshold,     // "threshold": unmask every masked position with prob > threshold (at least one per step)
};
const char* policy_name(Policy p);
Policy parse_policy(const std::string& s);  // throws remedi::Error listing the valid names

// Where the remainder of block_size / steps goes in the keep-count schedule.
enum class Schedule {
  RemainderLast,   // RemeDi: remainder on the last steps
  RemainderFirst,  // LLaDA generate: remainder on the first steps
};
const char* schedule_name(Schedule s);
Schedule parse_schedule(const std::string& s);

// Cumulative keep counts k_0..k_{steps-1} (k_{steps-1} == block_size). steps must be in 1..block_size.
std::vector<int> keep_counts(int block_size, int steps, Schedule s);

struct SamplerParams {
  Policy policy = Policy::RemediLogit;  // ranking rule (see Policy)
  Schedule schedule = Schedule::RemainderLast;  // default: RemeDi's
  int block_size = 32;         // tokens per block (MODEL.md §4)
  int steps = 32;              // denoising steps per block, 1..block_size
  int max_new_tokens = 1024;   // generation budget; rounded up to whole blocks (released code: 1024)
  float temperature = 0.f;     // 0 = greedy argmax candidates; > 0 samples candidates at this temperature
  float ups_tau = 0.f;         // remedi-ups only: 0 = greedy top-k; > 0 = Plackett-Luce at this temperature
  float threshold = 0.9f;      // threshold policy only: probability above which a masked position unmasks
                               // (at least max(1, k_i - unmasked) per step, so a block ends within `steps`)
  bool stop_at_eos = true;     // stop after a block containing EOS (false: fixed lengths for benchmarks)
  bool trace = false;          // record token ids and mask state after every step
};
// Throws remedi::Error naming the field when a value is out of range (steps outside 1..block_size,
// block_size < 1, max_new_tokens < 1, negative or non-finite temperature / ups_tau, threshold outside
// [0, 1]). generate() calls it; a CLI may call it before loading a model to fail fast.
void validate_params(const SamplerParams& p);
std::string params_json(const SamplerParams& p);   // canonical JSON of every field that changes tokens (not trace)
std::string params_hash(const SamplerParams& p);   // sha256 of params_json, hex

struct GenerateRequest {
  std::vector<int32_t> prompt;  // token ids, chat template already applied
  uint64_t seed = 0;            // per-request seed: candidate sampling and Plackett-Luce draws
};

struct BlockStats {
  int steps = 0;       // denoising steps run in this block
  int nfe = 0;         // forward passes attributed to this block (steps + the commit pass)
  int remasks = 0;     // positions unmasked at the start of a step and masked at its end
  int revisions = 0;   // positions whose final token differs from a token they held earlier
  int tokens = 0;      // answer tokens in this block (generated ids before the sample's first EOS)
  double tokens_per_forward = 0;  // tokens / nfe of this block (prefill not attributed to a block)
};

struct TraceStep {
  int block = 0, step = 0;
  std::vector<int32_t> tokens;  // [block_size] token ids after the step (mask id where masked)
  std::vector<uint8_t> masked;  // [block_size] 1 = masked after the step
  std::vector<uint8_t> remasked;  // [block_size] 1 = was unmasked before this step, masked after
};

struct GenerateResult {
  std::vector<int32_t> tokens;      // generated ids up to (not including) the first EOS
  std::vector<int32_t> raw_tokens;  // every generated id, all blocks (including EOS and after)
  bool hit_eos = false;
  int nfe = 0;                      // prefill + steps + commit passes; 1 + blocks*(steps+1) except
                                    // for `threshold`, whose blocks may end before `steps` steps
  int blocks = 0;
  int remasks = 0;
  int revisions = 0;
  double tokens_per_forward = 0;    // tokens.size() / nfe  (answer tokens per forward pass)
  std::vector<BlockStats> block_stats;
  std::vector<TraceStep> trace;     // only when SamplerParams::trace
};

// Called after every denoising step (for progress and live traces); may be empty.
using StepCallback = std::function<void(int block, int step)>;

// Generates for every request on `model`, at most `batch` rows at a time (0: all in one batch).
// With more requests than rows, a row whose request has ended takes the next queued request at the
// block boundary (continuous batching) wherever the model can refill it; otherwise the queue waits
// for the next batch. Results are in request order, and each equals the request's result alone.
// on_step(round, step): round counts the batch's block rounds (a row's own block index may differ).
std::vector<GenerateResult> generate(DenoiseModel& model, const std::vector<GenerateRequest>& requests,
                                     const SamplerParams& params, const StepCallback& on_step = {}, int batch = 0);

}  // namespace remedi::engine
