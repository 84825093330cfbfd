// The torch model against its references (CPU float32): RemeDi with zero feedback equals plain
// LLaDA exactly; the cached block path equals one full recomputation under a block-causal mask;
// ragged batches equal single rows; a batch of 4 generations equals 4 single runs token for token.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <catch2/catch.hpp>

#include "fused_ops.h"
#include "remedi/common/error.h"
#include "remedi/engine/engine.h"
#include "remedi/engine/sampler.h"
#include "torch_model.h"

using namespace remedi::engine;

namespace {

ModelConfig tiny(bool ups) {
  ModelConfig c = ModelConfig::preset(ups ? "tiny-remedi" : "tiny-llada");
  c.max_seq_len = 1024;
  return c;
}

std::vector<int32_t> random_ids(int n, uint64_t seed, int vocab = 300) {
  std::vector<int32_t> v(n);
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (auto& x : v) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<int32_t>((s >> 33) % vocab);
  }
  return v;
}

}  // namespace

TEST_CASE("RemeDi with zero feedback gives exactly the LLaDA logits", "[model]") {
  c10::InferenceMode im;
  ModelConfig rc = tiny(true);
  ModelWeights w = random_weights(rc, at::kCPU, at::kFloat, 7);
  for (size_t j = 0; j < w.fb_w.size(); ++j) {
    w.fb_w[j].zero_();
    w.fb_b[j].zero_();
  }
  ModelConfig lc = rc;
  lc.has_ups = false;
  ModelWeights lw = w;
  lw.ups.clear();
  lw.fb_norm.clear();
  lw.fb_w.clear();
  lw.fb_b.clear();
  TorchModel remedi(rc, w, at::kCPU, at::kFloat);
  TorchModel llada(lc, lw, at::kCPU, at::kFloat);
  remedi.reserve_new_tokens(64);
  llada.reserve_new_tokens(64);
  auto prompt = random_ids(19, 1);
  auto block = random_ids(32, 2);
  for (int i = 0; i < 32; i += 3) block[i] = rc.mask_id;
  remedi.prefill({prompt});
  llada.prefill({prompt});
  auto [lr, cr] = remedi.step_logits(block);
  auto [ll, cl] = llada.step_logits(block);
  CHECK(at::equal(lr, ll));
  CHECK(cr.defined());
  CHECK_FALSE(cl.defined());

  SECTION("and non-zero feedback changes them (the check can fail)") {
    ModelWeights w2 = copy_weights(w, at::kCPU, at::kFloat);
    for (auto& f : w2.fb_b) f.fill_(0.5);
    TorchModel fed(rc, w2, at::kCPU, at::kFloat);
    fed.reserve_new_tokens(64);
    fed.prefill({prompt});
    CHECK_FALSE(at::equal(fed.step_logits(block).first, ll));
  }
}

TEST_CASE("cached generation equals full recomputation under a block-causal mask", "[model]") {
  c10::InferenceMode im;
  ModelConfig c = tiny(true);
  TorchModel m(c, random_weights(c, at::kCPU, at::kFloat, 11), at::kCPU, at::kFloat);
  const int P = 13, nb = 3, blk = 32;
  auto prompt = random_ids(P, 3);
  std::vector<std::vector<int32_t>> blocks;
  for (int b = 0; b < nb; ++b) {
    auto t = random_ids(blk, 10 + b);
    if (b == nb - 1)
      for (int i = 0; i < blk; i += 2) t[i] = c.mask_id;  // the block being denoised is partly masked
    blocks.push_back(t);
  }
  m.reserve_new_tokens(nb * blk);
  m.prefill({prompt});
  for (int b = 0; b < nb - 1; ++b) m.commit(blocks[b]);
  auto [cached_logits, cached_conf] = m.step_logits(blocks[nb - 1]);  // (1, 32, V), (1, 32)

  const int N = P + nb * blk;
  std::vector<int32_t> all = prompt;
  for (auto& b : blocks) all.insert(all.end(), b.begin(), b.end());
  auto tokens = at::tensor(std::vector<int64_t>(all.begin(), all.end()), at::kLong).view({1, N});
  auto positions = at::arange(N, at::kLong).view({1, N});
  // segment 0 = prompt, segment b+1 = block b; a query sees keys of its own and earlier segments.
  auto seg = at::cat({at::zeros({P}, at::kLong), at::arange(nb, at::kLong).repeat_interleave(blk) + 1});
  auto mask = (seg.view({1, N}) <= seg.view({N, 1})).view({1, 1, N, N});
  auto [full_logits, full_conf] = m.full_forward(tokens, positions, mask);
  auto fl = full_logits.narrow(1, N - blk, blk);
  auto fc = full_conf.narrow(1, N - blk, blk);
  double dl = (cached_logits - fl).abs().max().item<double>();
  double dc = (cached_conf - fc).abs().max().item<double>();
  INFO("max abs diff logits " << dl << " confidence " << dc);
  CHECK(dl <= 1e-5);
  CHECK(dc <= 1e-5);
  CHECK(fl.abs().max().item<double>() > 1e-3);  // not trivially zero

  SECTION("a full (non-block-causal) mask gives different logits, so the check can fail") {
    auto all_mask = at::ones({1, 1, N, N}, at::kBool);
    auto wrong = m.full_forward(tokens, positions, all_mask).first.narrow(1, N - blk, blk);
    CHECK((cached_logits - wrong).abs().max().item<double>() > 1e-4);
  }
}

TEST_CASE("a ragged batch matches each row run alone", "[model]") {
  c10::InferenceMode im;
  ModelConfig c = tiny(true);
  TorchModel m(c, random_weights(c, at::kCPU, at::kFloat, 5), at::kCPU, at::kFloat);
  m.reserve_new_tokens(64);
  std::vector<std::vector<int32_t>> prompts = {random_ids(5, 1), random_ids(17, 2), random_ids(9, 3)};
  std::vector<std::vector<int32_t>> b0, b1;
  for (int r = 0; r < 3; ++r) {
    b0.push_back(random_ids(32, 20 + r));
    auto t = random_ids(32, 30 + r);
    for (int i = r; i < 32; i += 4) t[i] = c.mask_id;
    b1.push_back(t);
  }
  auto flat = [](const std::vector<std::vector<int32_t>>& v) {
    std::vector<int32_t> o;
    for (auto& x : v) o.insert(o.end(), x.begin(), x.end());
    return o;
  };
  m.prefill(prompts);
  m.commit(flat(b0));
  auto batched = m.step_logits(flat(b1)).first;  // (3, 32, V)
  for (int r = 0; r < 3; ++r) {
    m.prefill({prompts[r]});
    m.commit(b0[r]);
    auto single = m.step_logits(b1[r]).first;
    double d = (batched.narrow(0, r, 1) - single).abs().max().item<double>();
    INFO("row " << r << " max abs diff " << d);
    CHECK(d <= 1e-5);
  }
}

TEST_CASE("a refilled row computes exactly what its prompt computes alone", "[model]") {
  c10::InferenceMode im;
  ModelConfig c = tiny(true);
  TorchModel m(c, random_weights(c, at::kCPU, at::kFloat, 8), at::kCPU, at::kFloat);
  m.reserve_new_tokens(64);
  m.reserve_refill(20, 64);  // prompt area >= 20 slots, one more 64-token generation per row
  const auto p0 = random_ids(6, 1), p1 = random_ids(11, 2), p2 = random_ids(20, 3);
  auto blk = [&](uint64_t seed, bool masked) {
    auto t = random_ids(32, seed);
    if (masked)
      for (int i = 0; i < 32; i += 3) t[i] = c.mask_id;
    return t;
  };
  auto cat2 = [](std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  m.prefill({p0, p1});
  m.commit(cat2(blk(10, false), blk(11, false)));
  m.commit(cat2(blk(12, false), blk(13, false)));  // row 1 has two blocks of its own now
  REQUIRE(m.refill(1, p2));                        // row 1 starts over on p2
  auto r1 = m.step_logits(cat2(blk(14, true), blk(20, true))).first.narrow(0, 1, 1);
  m.commit(cat2(blk(15, false), blk(21, false)));
  auto r2 = m.step_logits(cat2(blk(16, true), blk(22, true))).first.narrow(0, 1, 1);
  CHECK_FALSE(m.refill(0, random_ids(21, 4)));  // longer than the prompt area
  CHECK(m.refills() == 1);

  TorchModel alone(c, m.weights(), at::kCPU, at::kFloat);
  alone.reserve_new_tokens(64);
  alone.prefill({p2});
  auto a1 = alone.step_logits(blk(20, true)).first;
  alone.commit(blk(21, false));
  auto a2 = alone.step_logits(blk(22, true)).first;
  CHECK(at::equal(r1, a1));  // first block after the refill
  CHECK(at::equal(r2, a2));  // and with a generated block of its own in the cache
}

TEST_CASE("a batch of 4 prompts generates the same tokens as 4 single runs", "[model][generate]") {
  EngineOptions eo;
  eo.model = "preset:tiny-remedi";
  eo.weight_seed = 3;
  eo.max_batch = 4;
  auto eng = Engine::open(eo);
  SamplerParams sp;
  sp.steps = 8;
  sp.max_new_tokens = 64;
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < 4; ++i) reqs.push_back({random_ids(6 + 5 * i, 100 + i), uint64_t(i)});
  for (Policy pol : {Policy::RemediLogit, Policy::RemediUps, Policy::LladaLowConf}) {
    sp.policy = pol;
    auto batch = eng->generate(reqs, sp);
    REQUIRE(batch.size() == 4);
    for (int i = 0; i < 4; ++i) {
      auto single = eng->generate({reqs[i]}, sp).at(0);
      INFO("policy " << policy_name(pol) << " row " << i);
      CHECK(batch[i].raw_tokens == single.raw_tokens);
      CHECK(batch[i].nfe == single.nfe);
      CHECK(batch[i].remasks == single.remasks);
    }
  }
}

TEST_CASE("NFE = 1 + blocks x (steps + 1) on the real model", "[model][generate]") {
  EngineOptions eo;
  eo.model = "preset:tiny-llada";
  auto eng = Engine::open(eo);
  SamplerParams sp;
  sp.steps = 4;
  sp.max_new_tokens = 96;
  sp.stop_at_eos = false;
  auto r = eng->generate({{random_ids(8, 9), 0}}, sp).at(0);
  CHECK(r.blocks == 3);
  CHECK(r.nfe == 1 + 3 * (4 + 1));
  CHECK(r.raw_tokens.size() == 96);
}

TEST_CASE("continuous batching: refilled rows generate exactly what each request does alone", "[model][generate]") {
  EngineOptions eo;
  eo.model = "preset:tiny-remedi";
  eo.weight_seed = 6;
  eo.max_batch = 2;
  auto eng = Engine::open(eo);
  SamplerParams sp;
  sp.steps = 4;
  sp.max_new_tokens = 64;
  sp.stop_at_eos = false;
  sp.policy = Policy::RemediUps;
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < 5; ++i) reqs.push_back({random_ids(4 + 9 * i % 23, 40 + i), uint64_t(i)});
  auto res = eng->generate(reqs, sp);
  auto* tm = dynamic_cast<TorchModel*>(&eng->model());
  REQUIRE(tm != nullptr);
  // Two rows: requests 0 and 1 run 2 blocks, then both rows are refilled (2 and 3); the cache holds
  // one more generation only, so request 4 starts a new batch.
  CHECK(tm->refills() == 2);
  eo.max_batch = 1;
  auto alone = Engine::open(eo);
  for (size_t i = 0; i < reqs.size(); ++i) {
    auto a = alone->generate({reqs[i]}, sp);
    INFO("request " << i);
    CHECK(a[0].raw_tokens == res[i].raw_tokens);
    CHECK(a[0].nfe == res[i].nfe);
    CHECK(a[0].remasks == res[i].remasks);
    CHECK(a[0].revisions == res[i].revisions);
  }
  // Whole batches (no refill) give the same results.
  eo.max_batch = 2;
  eo.continuous_batching = false;
  auto whole = Engine::open(eo);
  auto w = whole->generate(reqs, sp);
  CHECK(dynamic_cast<TorchModel*>(&whole->model())->refills() == 0);
  for (size_t i = 0; i < reqs.size(); ++i) CHECK(w[i].raw_tokens == res[i].raw_tokens);
}

TEST_CASE("step-graph path (CPU twin) generates exactly what the eager path does", "[model][generate]") {
  EngineOptions eo;
  eo.model = "preset:tiny-remedi";
  eo.weight_seed = 4;
  eo.max_batch = 2;
  auto fast = Engine::open(eo);
  eo.step_graphs = false;
  auto eager = Engine::open(eo);
  SamplerParams sp;
  sp.steps = 8;
  sp.max_new_tokens = 64;
  sp.stop_at_eos = false;
  std::vector<GenerateRequest> reqs = {{random_ids(7, 1), 0}, {random_ids(12, 2), 1}};
  for (Policy pol : {Policy::RemediLogit, Policy::LladaLowConf}) {
    sp.policy = pol;
    auto a = fast->generate(reqs, sp), b = eager->generate(reqs, sp);
    for (int i = 0; i < 2; ++i) {
      INFO("policy " << policy_name(pol) << " row " << i);
      CHECK(a[i].raw_tokens == b[i].raw_tokens);
      CHECK(a[i].remasks == b[i].remasks);
    }
  }
  auto* tm = dynamic_cast<TorchModel*>(&fast->model());
  REQUIRE(tm != nullptr);
  CHECK(tm->graph_captures() == 2 * 2);  // one per block (2 blocks) per generate call
}

TEST_CASE("a step that does not need the confidence skips the head and changes nothing else", "[model]") {
  c10::InferenceMode im;
  ModelConfig rc = tiny(true);
  ModelWeights w = random_weights(rc, at::kCPU, at::kFloat, 9);
  auto prompt = random_ids(13, 3);
  auto block = random_ids(32, 4);
  for (int i = 0; i < 32; i += 2) block[i] = rc.mask_id;
  for (bool graphs : {false, true}) {
    INFO("step graphs " << graphs);
    TorchModel m(rc, w, at::kCPU, at::kFloat);
    m.set_step_graphs(graphs);
    m.reserve_new_tokens(64);
    StepSampling with;
    with.temperature = {0.f};
    with.noise_seed = {0};
    StepSampling without = with;
    without.need_confidence = false;
    // Two steps of one block each time: the second replays a captured graph when graphs are on.
    StepOutput a, b;
    m.prefill({prompt});
    m.step(block, with, a);
    m.step(block, with, a);
    m.prefill({prompt});
    m.step(block, without, b);
    m.step(block, without, b);
    CHECK(a.confidence.size() == block.size());
    CHECK(b.confidence.empty());
    CHECK(a.candidate == b.candidate);
    CHECK(a.logit == b.logit);
  }
}

TEST_CASE("greedy_select also writes [cand | logit] into a packed output's head", "[model]") {
  c10::InferenceMode im;
  const int64_t V = 50, mask = 7;
  auto logits = at::randn({2, 5, V}, at::TensorOptions().dtype(at::kFloat));
  auto x = at::randint(0, V, {2, 5}, at::TensorOptions().dtype(at::kLong));
  x.select(1, 1).fill_(mask);
  x.select(1, 3).fill_(mask);
  auto packed = at::full({2 * 10 + 3}, -7.f);
  auto [cand, logit] = greedy_select(logits, x, mask, packed);
  auto [cand0, logit0] = greedy_select(logits, x, mask);
  CHECK(at::equal(cand, cand0));
  CHECK(at::equal(logit, logit0));
  CHECK(at::equal(packed.narrow(0, 0, 10), cand.reshape(-1).to(at::kFloat)));
  CHECK(at::equal(packed.narrow(0, 10, 10), logit.reshape(-1)));
  CHECK(at::equal(packed.narrow(0, 20, 3), at::full({3}, -7.f)));  // the tail is the caller's
  CHECK(at::equal(cand.select(1, 0), x.select(1, 0)));               // unmasked rows keep their token
  CHECK(at::equal(cand.select(1, 1), logits.select(1, 1).argmax(-1)));
  CHECK_THROWS_AS(greedy_select(logits, x, mask, at::zeros({19})), remedi::Error);  // too short
  CHECK_THROWS_AS(greedy_select(logits, x, mask, at::zeros({20}, at::kDouble)), remedi::Error);
}

TEST_CASE("cache_bytes_for predicts the KV cache a prefill allocates", "[model]") {
  c10::InferenceMode im;
  ModelConfig c = ModelConfig::preset("tiny-remedi");
  TorchModel m(c, random_weights(c, at::kCPU, at::kFloat, 3), at::kCPU, at::kFloat);
  CHECK(m.cache_bytes() == 0);
  m.reserve_new_tokens(64);
  m.reserve_refill(32, 64);  // prompts of 16 and 32 tokens: no ragged rounding in the estimate
  const int64_t predicted = m.cache_bytes_for(3, 16, 64, 32, 64);
  m.prefill({std::vector<int32_t>(16, 7), std::vector<int32_t>(16, 8), std::vector<int32_t>(16, 9)});
  const int64_t layers = c.n_layers + (c.has_ups ? static_cast<int64_t>(c.ups_taps.size()) : 0);
  CHECK(m.cache_bytes() == predicted);
  CHECK(predicted == layers * 2 * 3 * c.n_heads * (32 + 64 + 64 + 64) * c.head_dim * 4);
  // Without refill room the generated part halves.
  CHECK(m.cache_bytes_for(3, 16, 64, 0, 0) == layers * 2 * 3 * c.n_heads * (16 + 64 + 64) * c.head_dim * 4);
}
