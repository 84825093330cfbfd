// The block-diffusion loop with remasking (MODEL.md §4), over a batch of independent rows.
//
//   prefill(prompts)                                   1 forward, counted in every row's NFE
//   for each block b (block_size positions, all MASK):
//     for step i in 0..steps-1:  step() -> rank (sampler_policy.cpp) -> keep k_i, remask the rest
//     commit(block)                                    1 forward, appends the block's K/V
//     a row stops after a block containing EOS (stop_at_eos) or when its budget is spent
//     with requests queued, a stopped row takes the next one: refill(row, prompt)   (continuous
//     batching, where the model supports it; otherwise the queue waits for the next batch)
//
// Rows advance in lock step because they share the model's forwards. A row that has stopped (or, with
// the threshold policy, finished its block early) keeps handing its last tokens to the model; the
// outputs for it are ignored and nothing is counted for it, so its result and counters are exactly
// those of running it alone.
#include <algorithm>
#include <cstddef>

#include <fmt/format.h>

#include "remedi/common/error.h"
#include "remedi/engine/sampler.h"
#include "sampler_detail.h"

namespace remedi::engine {

namespace {

// Counters of one row inside the current block.
struct BlockTracker {
  std::vector<int32_t> first_held;  // [block_size] first token a position held at a step's end
  std::vector<uint8_t> changed;     // [block_size] 1 = held two different tokens during the block
  int steps = 0, remasks = 0;

  void reset(int block_size, int32_t mask_id) {
    first_held.assign(block_size, mask_id);
    changed.assign(block_size, 0);
    steps = remasks = 0;
  }
  // A position is revised when its final token differs from a token it held earlier. Since the final
  // token is itself held, that is the same as "held at least two distinct tokens in the block".
  void hold(int j, int32_t token, int32_t mask_id) {
    if (first_held[j] == mask_id) first_held[j] = token;
    else if (first_held[j] != token) changed[j] = 1;
  }
  int revisions() const { return static_cast<int>(std::count(changed.begin(), changed.end(), 1)); }
};

void check_step_output(const StepOutput& out, size_t n, bool need_prob, bool need_confidence) {
  auto bad = [&](const char* field, size_t got) {
    return Error(fmt::format("DenoiseModel::step returned {} values in '{}', expected rows x block_size "
                             "= {}", got, field, n),
                 "sampler", "the model implementation must fill every StepOutput field per position");
  };
  if (out.candidate.size() != n) throw bad("candidate", out.candidate.size());
  if (out.logit.size() != n) throw bad("logit", out.logit.size());
  if (need_prob && out.prob.size() != n) throw bad("prob", out.prob.size());
  if (need_confidence && out.confidence.size() != n) throw bad("confidence", out.confidence.size());
}

bool any(const std::vector<uint8_t>& v) { return std::find(v.begin(), v.end(), 1) != v.end(); }

// Applies one step's keep decision to a row's block: kept positions that were masked take the
// model's candidate, kept unmasked ones keep their token whatever the model proposes there (MODEL.md
// §4), the rest become MASK. Updates the block's counters and, when asked, appends a trace entry.
// Returns whether any position is still masked.
bool apply_step(const std::vector<uint8_t>& kept, const int32_t* candidate, int32_t mask_id, int bs,
                int32_t* row_tokens, BlockTracker& t, std::vector<TraceStep>* trace, int block, int step) {
  std::vector<uint8_t> remasked(bs, 0);
  bool any_masked = false;
  for (int j = 0; j < bs; ++j) {
    const bool was_unmasked = row_tokens[j] != mask_id;
    const int32_t next = !kept[j] ? mask_id : was_unmasked ? row_tokens[j] : candidate[j];
    if (was_unmasked && next == mask_id) {
      remasked[j] = 1;
      ++t.remasks;
    }
    if (next != mask_id) t.hold(j, next, mask_id);
    else any_masked = true;
    row_tokens[j] = next;
  }
  ++t.steps;
  if (trace) {
    TraceStep ts;
    ts.block = block;
    ts.step = step;
    ts.tokens.assign(row_tokens, row_tokens + bs);
    ts.masked.resize(bs);
    for (int j = 0; j < bs; ++j) ts.masked[j] = row_tokens[j] == mask_id;
    ts.remasked = std::move(remasked);
    trace->push_back(std::move(ts));
  }
  return any_masked;
}

// Books a committed block into the row's result: block counters, raw tokens, and the answer up to
// the first EOS of the whole sample. Returns whether the block contains EOS.
bool finish_block(const int32_t* row_tokens, int bs, int32_t eos_id, const BlockTracker& t,
                  GenerateResult& res) {
  BlockStats st;
  st.steps = t.steps;
  st.nfe = t.steps + 1;  // + the commit forward
  st.remasks = t.remasks;
  st.revisions = t.revisions();
  const int eos_at = static_cast<int>(std::find(row_tokens, row_tokens + bs, eos_id) - row_tokens);
  st.tokens = res.hit_eos ? 0 : eos_at;
  st.tokens_per_forward = static_cast<double>(st.tokens) / st.nfe;
  res.nfe += st.nfe;
  res.remasks += st.remasks;
  res.revisions += st.revisions;
  res.blocks += 1;
  res.block_stats.push_back(st);
  res.raw_tokens.insert(res.raw_tokens.end(), row_tokens, row_tokens + bs);
  if (!res.hit_eos) res.tokens.insert(res.tokens.end(), row_tokens, row_tokens + eos_at);
  if (eos_at < bs) res.hit_eos = true;
  return eos_at < bs;
}

}  // namespace

std::vector<GenerateResult> generate(DenoiseModel& model, const std::vector<GenerateRequest>& requests,
                                     const SamplerParams& params, const StepCallback& on_step, int batch) {
  validate_params(params);
  if (params.policy == Policy::RemediUps && !model.has_confidence())
    throw Error("policy remedi-ups needs a RemeDi checkpoint with the UPS head", "--policy",
                "this model has no confidence output (plain LLaDA); use --policy remedi-logit or "
                "llada-lowconf");
  const int n = static_cast<int>(requests.size());
  if (n == 0) return {};
  if (batch < 0) throw Error("batch size must not be negative", "sampler");
  const int width = batch == 0 ? n : std::min(batch, n);  // rows in flight
  if (width > model.max_rows())
    throw Error(fmt::format("batch of {} rows exceeds the model's maximum of {}", width, model.max_rows()),
                "sampler", "split the requests into smaller batches");

  const int bs = params.block_size;
  const std::vector<int> keep = keep_counts(bs, params.steps, params.schedule);
  const int max_blocks = (params.max_new_tokens + bs - 1) / bs;  // budget rounded up to whole blocks
  const int32_t mask_id = model.mask_id(), eos_id = model.eos_id();
  const bool need_confidence = params.policy == Policy::RemediUps;

  std::vector<GenerateResult> results(n);
  StepSampling sampling;
  // Only the probability-ranked policies read StepOutput::prob (saves a full-vocab softmax).
  sampling.need_prob = params.policy == Policy::LladaLowConf || params.policy == Policy::Threshold;
  sampling.need_confidence = need_confidence;
  StepOutput out;
  int next = 0;  // first request not started

  while (next < n) {  // one batch: prefill, then block rounds until no row is active
    const int rows = std::min(width, n - next);
    std::vector<int> req(rows);  // the request each row serves
    std::vector<std::vector<int32_t>> prompts(rows);
    for (int r = 0; r < rows; ++r) {
      req[r] = next++;
      prompts[r] = requests[req[r]].prompt;
      results[req[r]].nfe = 1;  // the prefill forward
    }
    model.prefill(prompts);
    std::vector<uint8_t> active(rows, 1);  // still generating
    std::vector<int32_t> tokens(static_cast<size_t>(rows) * bs, mask_id);  // [rows, block_size]
    sampling.temperature.assign(rows, params.temperature);
    sampling.noise_seed.assign(rows, 0);
    std::vector<BlockTracker> trackers(rows);

    for (int round = 0; any(active); ++round) {
      for (int r = 0; r < rows; ++r) {
        if (!active[r]) continue;  // a stopped row keeps its last block in `tokens`
        std::fill_n(tokens.begin() + static_cast<ptrdiff_t>(r) * bs, bs, mask_id);
        trackers[r].reset(bs, mask_id);
      }
      std::vector<uint8_t> denoising = active;  // rows whose block still runs steps
      for (int i = 0; i < params.steps && any(denoising); ++i) {
        for (int r = 0; r < rows; ++r)  // a row's draws depend on its request and its own block index
          sampling.noise_seed[r] = detail::step_seed(requests[req[r]].seed, detail::Stream::CandidateNoise,
                                                     results[req[r]].blocks, i);
        model.step(tokens, sampling, out);
        check_step_output(out, tokens.size(), sampling.need_prob, need_confidence);

        for (int r = 0; r < rows; ++r) {
          if (!denoising[r]) continue;
          GenerateResult& res = results[req[r]];
          const size_t off = static_cast<size_t>(r) * bs;
          int32_t* row_tokens = tokens.data() + off;
          detail::RowStep view;
          view.block_size = bs;
          view.mask_id = mask_id;
          view.tokens = row_tokens;
          view.logit = out.logit.data() + off;
          view.prob = sampling.need_prob ? out.prob.data() + off : nullptr;
          view.confidence = need_confidence ? out.confidence.data() + off : nullptr;
          const std::vector<uint8_t> kept = detail::select_kept(
              params, keep, i, view,
              detail::step_seed(requests[req[r]].seed, detail::Stream::PlackettLuce, res.blocks, i));

          const bool any_masked = apply_step(kept, out.candidate.data() + off, mask_id, bs, row_tokens,
                                             trackers[r], params.trace ? &res.trace : nullptr, res.blocks, i);
          // Threshold decoding ends a block as soon as nothing is masked; the fixed-count policies run
          // all `steps` steps (their last keep count is block_size).
          if (params.policy == Policy::Threshold && !any_masked) denoising[r] = 0;
        }
        if (on_step) on_step(round, i);
      }
      model.commit(tokens);

      for (int r = 0; r < rows; ++r) {
        if (!active[r]) continue;
        GenerateResult& res = results[req[r]];
        const bool has_eos = finish_block(tokens.data() + static_cast<size_t>(r) * bs, bs, eos_id, trackers[r], res);
        if ((has_eos && params.stop_at_eos) || res.blocks >= max_blocks) active[r] = 0;
      }
      // Continuous batching: a finished row takes the next queued request, where the model can.
      for (int r = 0; r < rows && next < n; ++r) {
        if (active[r] || !model.refill(r, requests[next].prompt)) continue;
        req[r] = next++;
        results[req[r]].nfe = 1;  // its prompt's forward
        active[r] = 1;
      }
    }
  }

  for (auto& res : results)
    res.tokens_per_forward = static_cast<double>(res.tokens.size()) / res.nfe;
  return results;
}

}  // namespace remedi::engine
