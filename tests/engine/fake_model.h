// A scripted DenoiseModel for the sampler tests: no torch, no weights.
//
// Each step, for every row and block position, a script returns (candidate, logit, prob, confidence)
// as a function of what a real model would see of that row only: its prompt, the block index, the
// step index inside the block, the position and the row's current tokens (plus temperature and noise
// seed, for sampled candidates). At unmasked positions the fake returns the current token as the
// candidate, as the real model does (MODEL.md §4). Every call is recorded so tests can check what
// the sampler sent: the step inputs, the sampling parameters and the committed blocks.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "remedi/engine/denoise_model.h"
#include "remedi/engine/sampler.h"

namespace remedi::test {

constexpr int32_t kMask = 126336;  // <|mdm_mask|> (MODEL.md §1)
constexpr int32_t kEos = 126081;   // <|endoftext|>

struct FakeContext {
  int row = 0;
  const std::vector<int32_t>* prompt = nullptr;
  int block = 0;                  // blocks committed so far for this row's prompt
  int step = 0;                   // steps since the last commit (or prefill)
  int block_size = 0;
  const int32_t* tokens = nullptr;  // [block_size] the row's current block tokens
  float temperature = 0;
  uint64_t noise_seed = 0;
};

struct FakeOut {
  int32_t candidate = 0;
  float logit = 0, prob = 0, confidence = 0;
};

using FakeScript = std::function<FakeOut(const FakeContext&, int pos)>;

class FakeModel : public engine::DenoiseModel {
 public:
  FakeModel(int block_size, FakeScript script, bool has_confidence = true)
      : bs_(block_size), script_(std::move(script)), has_conf_(has_confidence) {}

  int32_t mask_id() const override { return kMask; }
  int32_t eos_id() const override { return kEos; }
  bool has_confidence() const override { return has_conf_; }
  int max_rows() const override { return max_rows_; }

  void prefill(const std::vector<std::vector<int32_t>>& prompts) override {
    prompts_ = prompts;
    row_block0_.assign(prompts.size(), 0);
    ++prefills;
    block_ = step_ = 0;
  }

  void step(const std::vector<int32_t>& tokens, const engine::StepSampling& s,
            engine::StepOutput& out) override {
    const size_t rows = prompts_.size();
    if (prefills == 0) throw std::logic_error("step before prefill");
    if (tokens.size() != rows * bs_) throw std::logic_error("step: tokens not rows x block_size");
    if (s.temperature.size() != rows || s.noise_seed.size() != rows)
      throw std::logic_error("step: sampling vectors not [rows]");
    step_inputs.push_back(tokens);
    samplings.push_back(s);
    out.candidate.assign(tokens.size(), 0);
    out.logit.assign(tokens.size(), 0);
    // Like the real model, skip the probabilities when the sampler says it will not read them.
    if (s.need_prob) out.prob.assign(tokens.size(), 0);
    else out.prob.clear();
    const bool conf = has_conf_ && s.need_confidence;  // as the real model: only when asked
    if (conf) out.confidence.assign(tokens.size(), 0);
    else out.confidence.clear();
    for (size_t r = 0; r < rows; ++r) {
      FakeContext c{static_cast<int>(r), &prompts_[r], block_ - row_block0_[r], step_, static_cast<int>(bs_),
                    tokens.data() + r * bs_, s.temperature[r], s.noise_seed[r]};
      for (size_t j = 0; j < bs_; ++j) {
        const size_t i = r * bs_ + j;
        FakeOut o = script_(c, static_cast<int>(j));
        const bool unmasked = tokens[i] != kMask;
        out.candidate[i] = unmasked && !lie_at_unmasked ? tokens[i] : o.candidate;
        out.logit[i] = o.logit;
        if (s.need_prob) out.prob[i] = o.prob;
        if (conf) out.confidence[i] = o.confidence;
      }
    }
    ++step_;
    ++steps;
  }

  void commit(const std::vector<int32_t>& tokens) override {
    if (tokens.size() != prompts_.size() * bs_) throw std::logic_error("commit: wrong size");
    commits_in.push_back(tokens);
    ++commits;
    ++block_;
    step_ = 0;
  }

  // A refilled row starts over on its new prompt, exactly as if prefilled alone.
  bool refill(int row, const std::vector<int32_t>& prompt) override {
    if (!refill_enabled) return false;
    if (row < 0 || static_cast<size_t>(row) >= prompts_.size() || step_ != 0)
      throw std::logic_error("refill: bad row or not at a block boundary");
    prompts_[row] = prompt;
    row_block0_[row] = block_;
    ++refills;
    return true;
  }

  // Records
  int prefills = 0, steps = 0, commits = 0, refills = 0;
  bool refill_enabled = false;
  std::vector<std::vector<int32_t>> step_inputs;   // every step's tokens [rows * block_size]
  std::vector<engine::StepSampling> samplings;     // every step's sampling parameters
  std::vector<std::vector<int32_t>> commits_in;    // every committed block [rows * block_size]
  bool lie_at_unmasked = false;  // return the script's candidate even at unmasked positions
  int max_rows_ = 1 << 30;

 private:
  size_t bs_;
  FakeScript script_;
  bool has_conf_;
  std::vector<std::vector<int32_t>> prompts_;
  std::vector<int> row_block0_;  // block_ when the row's prompt started
  int block_ = 0, step_ = 0;
};

// ---- helpers --------------------------------------------------------------------------------------

// Parameters for a test: trace on so the keep pattern of every step can be checked.
inline engine::SamplerParams make_params(engine::Policy pol, int bs, int steps, int max_new) {
  engine::SamplerParams p;
  p.policy = pol;
  p.block_size = bs;
  p.steps = steps;
  p.max_new_tokens = max_new;
  p.trace = true;
  return p;
}
// One scripted position: candidate, logit, prob, confidence.
inline FakeOut O(int32_t cand, float logit, float prob = 0.5f, float conf = 0) {
  return {cand, logit, prob, conf};
}

// ---- ready-made scripts --------------------------------------------------------------------------

inline uint64_t fake_hash(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
inline uint64_t prompt_hash(const std::vector<int32_t>& p) {
  uint64_t h = 0x1234;
  for (int32_t t : p) h = fake_hash(h ^ static_cast<uint32_t>(t));
  return h;
}
inline float unit_float(uint64_t h) { return static_cast<float>((h >> 40) & 0xffffff) / 16777216.0f; }

// Pseudo-random but deterministic in (prompt, generated position, step, current token): candidates
// in 1000..1999 (never EOS or MASK); with temperature > 0 the candidate also depends on the noise
// seed, like a sampled token. Scores in [-4, 4] (logit), [0, 1) (prob, confidence).
inline FakeOut hashed_out(const FakeContext& c, int pos) {
  const uint64_t ph = prompt_hash(*c.prompt);
  const uint64_t gen_pos = static_cast<uint64_t>(c.block) * c.block_size + pos;
  uint64_t hc = fake_hash(ph ^ fake_hash(gen_pos));
  if (c.temperature > 0) hc = fake_hash(hc ^ c.noise_seed ^ fake_hash(pos + 77));
  FakeOut o;
  o.candidate = 1000 + static_cast<int32_t>(hc % 1000);
  const uint64_t hs = fake_hash(hc ^ fake_hash(0xabc0000ULL + c.step) ^ static_cast<uint32_t>(c.tokens[pos]));
  o.logit = unit_float(hs) * 8 - 4;
  o.prob = unit_float(fake_hash(hs + 1));
  o.confidence = unit_float(fake_hash(hs + 2));
  return o;
}
inline FakeScript hashed_script() { return hashed_out; }

// hashed_script, but generated position eos_at (counted from the first generated token) proposes EOS
// (with the highest scores, so every policy keeps it once proposed). eos_at < 0: never.
inline FakeScript eos_script(long eos_at) {
  return [eos_at](const FakeContext& c, int pos) {
    FakeOut o = hashed_out(c, pos);
    if (static_cast<long>(c.block) * c.block_size + pos == eos_at) {
      o.candidate = kEos;
      o.logit = o.prob = o.confidence = 100;
    }
    return o;
  };
}

// A table: table[step][pos] for every block (block index ignored).
inline FakeScript table_script(std::vector<std::vector<FakeOut>> table) {
  return [table = std::move(table)](const FakeContext& c, int pos) { return table.at(c.step).at(pos); };
}

}  // namespace remedi::test
