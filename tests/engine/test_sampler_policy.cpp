// Sampler ranking policies (MODEL.md §4), tie-breaking (§5), Plackett-Luce sampling, per-row seeds
// and batch independence, and the parameter names / JSON / hash / validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "fake_model.h"
#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/engine/sampler.h"
#include "sampler_detail.h"

using namespace remedi;
using namespace remedi::engine;
using remedi::test::FakeContext;
using remedi::test::FakeModel;
using remedi::test::FakeOut;
using remedi::test::kMask;
using remedi::test::make_params;
using remedi::test::O;

namespace {
constexpr int32_t M = kMask;
using U8 = std::vector<uint8_t>;
using I32 = std::vector<int32_t>;
const float kNaNf = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

// The masked pattern after every step of the first block.
std::vector<U8> masks(const GenerateResult& r) {
  std::vector<U8> v;
  for (const auto& t : r.trace) v.push_back(t.masked);
  return v;
}
// A score vector for positions 0..n-1 as logit, prob (score / 10) and confidence at once.
std::vector<FakeOut> same_scores(std::vector<float> s) {
  std::vector<FakeOut> v;
  for (size_t j = 0; j < s.size(); ++j) v.push_back(O(static_cast<int32_t>(100 + j), s[j], s[j] / 10, s[j]));
  return v;
}
}  // namespace

TEST_CASE("ties go to the first maximum; NaN ranks below -inf", "[sampler][policy]") {
  CHECK(detail::rank_positions({1, 3, 3, 2}) == std::vector<int>{1, 2, 3, 0});
  const double nan = std::nan(""), inf = INFINITY;
  CHECK(detail::rank_positions({nan, -inf, -1, -1, nan}) == std::vector<int>{2, 3, 1, 0, 4});

  SECTION("all logits equal: positions unmask left to right, nothing is remasked") {
    FakeModel m(6, [](const FakeContext&, int pos) { return O(10 + pos, 0.f); });
    auto r = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 6, 6, 6))[0];
    for (int i = 0; i < 6; ++i) {
      U8 want(6);
      for (int j = 0; j < 6; ++j) want[j] = j > i;
      CHECK(r.trace[i].masked == want);
    }
    CHECK(r.remasks == 0);
  }
  SECTION("first maximum among [1, 3, 3, 2]; NaN logit kept last, after -inf") {
    FakeModel m(4, remedi::test::table_script({
        {O(1, 1), O(2, 3), O(3, 3), O(4, 2)},
        {O(1, kNaNf), O(2, -kInf), O(3, 3), O(4, 3)},
        {O(1, kNaNf), O(2, -kInf), O(3, 3), O(4, 3)},
        {O(1, kNaNf), O(2, -kInf), O(3, 3), O(4, 3)},
    }));
    auto r = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 4, 4, 4))[0];
    CHECK(masks(r) == std::vector<U8>{{1, 0, 1, 1}, {1, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}});
    CHECK(r.remasks == 1);  // pos 1 (logit 3 at step 0, -inf at step 1)
    CHECK(r.revisions == 0);
  }
}

TEST_CASE("each policy ranks by its own score", "[sampler][policy]") {
  // Per position: logit order 1 > 3 > 2 > 0, prob order 0 > 2 > 3 > 1, confidence order 2 > 0 > 3 > 1.
  const std::vector<FakeOut> row = {O(100, 1, 0.4f, 3), O(101, 4, 0.1f, 1), O(102, 2, 0.3f, 4),
                                    O(103, 3, 0.2f, 2)};
  auto run = [&](Policy pol) {
    FakeModel m(4, [&](const FakeContext&, int pos) { return row[pos]; });
    return generate(m, {{{1}, 0}}, make_params(pol, 4, 4, 4))[0];
  };
  using Pattern = std::vector<U8>;
  CHECK(masks(run(Policy::RemediLogit)) == Pattern{{1, 0, 1, 1}, {1, 0, 1, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}});
  CHECK(masks(run(Policy::RemediUps)) == Pattern{{1, 1, 0, 1}, {0, 1, 0, 1}, {0, 1, 0, 0}, {0, 0, 0, 0}});
  CHECK(masks(run(Policy::LladaLowConf)) == Pattern{{0, 1, 1, 1}, {0, 1, 0, 1}, {0, 1, 0, 0}, {0, 0, 0, 0}});
  // threshold 0.9: nothing above it, so exactly the single best masked position per step.
  CHECK(masks(run(Policy::Threshold)) == Pattern{{0, 1, 1, 1}, {0, 1, 0, 1}, {0, 1, 0, 0}, {0, 0, 0, 0}});
  CHECK(run(Policy::RemediUps).raw_tokens == I32{100, 101, 102, 103});
}

TEST_CASE("remedi policies remask; llada-lowconf never does", "[sampler][policy]") {
  // Position 0 is the best at step 0 and the worst afterwards.
  auto table = remedi::test::table_script({same_scores({9, 1, 2, 3}), same_scores({0, 1, 2, 3}),
                                           same_scores({0, 1, 2, 3}), same_scores({0, 1, 2, 3})});
  FakeModel ml(4, table);
  auto logit = generate(ml, {{{1}, 0}}, make_params(Policy::RemediLogit, 4, 4, 4))[0];
  CHECK(masks(logit) == std::vector<U8>{{0, 1, 1, 1}, {1, 1, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}});
  CHECK(logit.remasks == 1);
  FakeModel mu(4, table);
  auto ups = generate(mu, {{{1}, 0}}, make_params(Policy::RemediUps, 4, 4, 4))[0];
  CHECK(masks(ups) == masks(logit));
  FakeModel mc(4, table);
  auto low = generate(mc, {{{1}, 0}}, make_params(Policy::LladaLowConf, 4, 4, 4))[0];
  CHECK(masks(low) == std::vector<U8>{{0, 1, 1, 1}, {0, 1, 1, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}});
  CHECK(low.remasks == 0);
}

TEST_CASE("llada-lowconf unmasks the schedule's per-step increments", "[sampler][policy]") {
  for (Schedule s : {Schedule::RemainderFirst, Schedule::RemainderLast}) {
    FakeModel m(8, remedi::test::hashed_script());
    SamplerParams p = make_params(Policy::LladaLowConf, 8, 3, 8);
    p.schedule = s;
    auto r = generate(m, {{{3, 1}, 0}}, p)[0];
    const std::vector<int> k = keep_counts(8, 3, s);  // {3,6,8} first, {2,5,8} last
    REQUIRE(r.trace.size() == 3);
    for (int i = 0; i < 3; ++i) {
      int unmasked = 0;
      for (uint8_t x : r.trace[i].masked) unmasked += !x;
      CHECK(unmasked == k[i]);
      if (i > 0)  // never remasks: the previous step's unmasked set stays
        for (int j = 0; j < 8; ++j) CHECK((r.trace[i - 1].masked[j] || !r.trace[i].masked[j]));
    }
    CHECK(r.remasks == 0);
  }
}

TEST_CASE("threshold: every masked position above tau, at least the best; block ends early",
          "[sampler][policy]") {
  auto P = [](std::vector<float> probs) {
    std::vector<FakeOut> v;
    for (size_t j = 0; j < probs.size(); ++j) v.push_back(O(static_cast<int32_t>(200 + j), 0, probs[j]));
    return v;
  };
  SECTION("scripted probabilities") {
    FakeModel m(8, remedi::test::table_script({
        P({.9f, .6f, .5f, .2f, .7f, .1f, .1f, .1f}),  // > 0.5: 0, 1, 4 (0.5 itself is not above)
        P({0, 0, .1f, .1f, 0, .1f, .1f, .1f}),        // none above: the best, first of the tie: 2
        P({0, 0, 0, .1f, 0, .95f, .99f, .1f}),        // 5, 6
        P({0, 0, 0, .1f, 0, 0, 0, .1f}),              // 3
        P({0, 0, 0, 0, 0, 0, 0, .1f}),                // 7 -> nothing masked: block ends
    }));
    SamplerParams p = make_params(Policy::Threshold, 8, 8, 8);
    p.threshold = 0.5f;
    auto r = generate(m, {{{1}, 0}}, p)[0];
    CHECK(masks(r) == std::vector<U8>{{0, 0, 1, 1, 0, 1, 1, 1}, {0, 0, 0, 1, 0, 1, 1, 1},
                                      {0, 0, 0, 1, 0, 0, 0, 1}, {0, 0, 0, 0, 0, 0, 0, 1},
                                      {0, 0, 0, 0, 0, 0, 0, 0}});
    CHECK(r.block_stats.at(0).steps == 5);
    CHECK(r.nfe == 1 + 5 + 1);
    CHECK(m.steps == 5);
    CHECK(r.remasks == 0);
  }
  SECTION("nothing ever above tau: one per step with steps = block, the schedule floor below that") {
    for (int steps : {8, 4, 1}) {
      FakeModel m(8, [](const FakeContext&, int pos) { return O(300 + pos, 0, 0.f); });
      auto r = generate(m, {{{1}, 0}}, make_params(Policy::Threshold, 8, steps, 16))[0];
      CHECK(r.blocks == 2);
      CHECK(r.nfe == 1 + 2 * (steps + 1));
      CHECK(m.steps == 2 * steps);
      for (int32_t t : r.raw_tokens) CHECK(t != M);
    }
  }
  SECTION("rows finishing a block at different steps are counted separately") {
    auto script = [](const FakeContext& c, int pos) {
      return O(400 + pos, 0, (*c.prompt)[0] == 1 ? .99f : 0.f);
    };
    FakeModel m(8, script);
    auto res = generate(m, {{{1}, 0}, {{2}, 0}}, make_params(Policy::Threshold, 8, 8, 8));
    CHECK(res[0].nfe == 1 + 1 + 1);  // all above tau: one step
    CHECK(res[1].nfe == 1 + 8 + 1);
    CHECK(m.steps == 8);
    CHECK(res[0].trace.size() == 1);
  }
}

TEST_CASE("remedi-ups needs the UPS head", "[sampler][policy]") {
  FakeModel m(4, remedi::test::hashed_script(), /*has_confidence=*/false);
  try {
    generate(m, {{{1}, 0}}, make_params(Policy::RemediUps, 4, 4, 4));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("UPS head") != std::string::npos);
  }
  CHECK(m.prefills == 0);
  CHECK_NOTHROW(generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 4, 4, 4)));
}

namespace {
// Fraction of `n` seeds for which the first step of a one-block run keeps exactly the set `want`.
double freq_first_step(const std::vector<float>& conf, Schedule sched, float tau, const U8& want_masked,
                       int n) {
  const int bs = static_cast<int>(conf.size());
  int hits = 0;
  for (int seed = 0; seed < n; ++seed) {
    FakeModel m(bs, [&](const FakeContext&, int pos) { return O(10 + pos, 0, 0.5f, conf[pos]); });
    SamplerParams p = make_params(Policy::RemediUps, bs, 2, bs);
    p.schedule = sched;
    p.ups_tau = tau;
    auto r = generate(m, {{{1}, static_cast<uint64_t>(seed)}}, p)[0];
    hits += r.trace.at(0).masked == want_masked;
  }
  return static_cast<double>(hits) / n;
}
}  // namespace

TEST_CASE("Plackett-Luce draws follow softmax(confidence / tau), without replacement", "[sampler][policy]") {
  // One of two positions, confidences (1, 0): P(first) = e^(1/tau) / (e^(1/tau) + 1).
  // 3000 seeds: standard error <= 0.009, tolerance 0.035 (about 4 standard errors).
  const int n = 3000;
  CHECK(freq_first_step({1, 0}, Schedule::RemainderLast, 1.0f, {0, 1}, n) ==
        Approx(std::exp(1.0) / (std::exp(1.0) + 1)).margin(0.035));
  CHECK(freq_first_step({1, 0}, Schedule::RemainderLast, 0.5f, {0, 1}, n) ==
        Approx(std::exp(2.0) / (std::exp(2.0) + 1)).margin(0.035));
  // Two of three positions (block 3, steps 2, remainder first: k = 2, 3), confidences (2, 1, 0), tau 1:
  // P({a, b}) = w_a/W * w_b/(W - w_a) + w_b/W * w_a/(W - w_b), w = e^c.
  const double w0 = std::exp(2.0), w1 = std::exp(1.0), w2 = 1, W = w0 + w1 + w2;
  auto pair = [&](double a, double b) { return a / W * b / (W - a) + b / W * a / (W - b); };
  CHECK(freq_first_step({2, 1, 0}, Schedule::RemainderFirst, 1.0f, {0, 0, 1}, n) ==
        Approx(pair(w0, w1)).margin(0.035));
  CHECK(freq_first_step({2, 1, 0}, Schedule::RemainderFirst, 1.0f, {1, 0, 0}, n) ==
        Approx(pair(w1, w2)).margin(0.035));
}

TEST_CASE("Plackett-Luce: a small tau is greedy; a seed reproduces; seeds differ", "[sampler][policy]") {
  // Confidences far apart relative to tau = 0.01: the Gumbel noise cannot reorder them.
  auto spread = [](const FakeContext& c, int pos) {
    FakeOut o = remedi::test::hashed_out(c, pos);
    o.confidence = static_cast<float>((pos * 7 + c.step * 3) % 16);
    return o;
  };
  auto run = [&](float tau, uint64_t seed, const remedi::test::FakeScript& script) {
    FakeModel m(16, script);
    SamplerParams p = make_params(Policy::RemediUps, 16, 16, 32);
    p.ups_tau = tau;
    return generate(m, {{{4, 4}, seed}}, p)[0];
  };
  CHECK(masks(run(0.01f, 1, spread)) == masks(run(0, 1, spread)));
  auto a = run(1.0f, 7, remedi::test::hashed_script());
  auto b = run(1.0f, 7, remedi::test::hashed_script());
  auto c = run(1.0f, 8, remedi::test::hashed_script());
  auto greedy = run(0, 7, remedi::test::hashed_script());
  CHECK(masks(a) == masks(b));
  CHECK(a.raw_tokens == b.raw_tokens);
  CHECK(a.remasks == b.remasks);
  CHECK(masks(a) != masks(c));
  CHECK(masks(a) != masks(greedy));

  // Equal confidences: the order is pure Gumbel noise. Fresh noise at every step makes the kept sets
  // non-nested (remasks); fresh noise at every block makes the blocks' patterns differ.
  auto flat = [](const FakeContext&, int pos) { return O(10 + pos, 0, 0.5f, 0); };
  auto f = run(1.0f, 3, flat);
  CHECK(f.block_stats.at(0).remasks > 0);
  CHECK(f.block_stats.at(1).remasks > 0);
  const std::vector<U8> fm = masks(f);
  REQUIRE(fm.size() == 32);
  CHECK(std::vector<U8>(fm.begin(), fm.begin() + 16) != std::vector<U8>(fm.begin() + 16, fm.end()));
}

TEST_CASE("a row's result does not depend on the rest of its batch", "[sampler][policy]") {
  // Sampled candidates (temperature > 0: the fake draws from the noise seed) and Plackett-Luce
  // ranking; the other rows have other prompts and seeds and stop at different blocks.
  auto script = [](const FakeContext& c, int pos) {
    FakeOut o = remedi::test::hashed_out(c, pos);
    if (c.block * c.block_size + pos == 7 * static_cast<int>(c.prompt->size())) {
      o.candidate = remedi::test::kEos;
      o.confidence = 50;
    }
    return o;
  };
  SamplerParams p = make_params(Policy::RemediUps, 8, 4, 40);
  p.ups_tau = 0.7f;
  p.temperature = 0.8f;
  const GenerateRequest x{{5, 6, 7, 8, 9, 10}, 42};  // EOS proposed at 42 > budget: never
  FakeModel alone_m(8, script);
  const GenerateResult alone = generate(alone_m, {x}, p)[0];
  CHECK(alone.blocks == 5);
  for (int at = 0; at < 4; ++at) {
    std::vector<GenerateRequest> batch = {{{1}, 1}, {{2, 3}, 2}, {{9, 9, 9}, 3}};
    batch.insert(batch.begin() + at, x);
    FakeModel m(8, script);
    const auto res = generate(m, batch, p);
    const GenerateResult& r = res[at];
    CHECK(r.raw_tokens == alone.raw_tokens);
    CHECK(r.tokens == alone.tokens);
    CHECK(masks(r) == masks(alone));
    CHECK(r.nfe == alone.nfe);
    CHECK(r.remasks == alone.remasks);
    CHECK(r.revisions == alone.revisions);
    // the noise seeds handed to the model for this row are those of the single run
    for (size_t s = 0; s < alone_m.samplings.size(); ++s) {
      CHECK(m.samplings[s].noise_seed[at] == alone_m.samplings[s].noise_seed[0]);
      CHECK(m.samplings[s].temperature[at] == 0.8f);
    }
    CHECK(res[(at + 1) % 4].raw_tokens != alone.raw_tokens);
  }
  // noise seeds: a different one for every (block, step), and a different seed gives other tokens
  std::set<uint64_t> seen;
  for (const auto& s : alone_m.samplings) seen.insert(s.noise_seed[0]);
  CHECK(seen.size() == alone_m.samplings.size());
  FakeModel other_m(8, script);
  CHECK(generate(other_m, {{x.prompt, 43}}, p)[0].raw_tokens != alone.raw_tokens);
}

TEST_CASE("policy and schedule names round-trip; unknown names are errors", "[sampler][params]") {
  for (Policy p : {Policy::RemediLogit, Policy::RemediUps, Policy::LladaLowConf, Policy::Threshold})
    CHECK(parse_policy(policy_name(p)) == p);
  CHECK(std::string(policy_name(Policy::RemediUps)) == "remedi-ups");
  CHECK(std::string(policy_name(Policy::LladaLowConf)) == "llada-lowconf");
  CHECK_THROWS_AS(parse_policy("remedi"), Error);
  CHECK_THROWS_AS(parse_policy(""), Error);
  CHECK(parse_schedule("remainder-last") == Schedule::RemainderLast);
  CHECK(parse_schedule("remedi") == Schedule::RemainderLast);
  CHECK(parse_schedule("remainder-first") == Schedule::RemainderFirst);
  CHECK(parse_schedule("llada") == Schedule::RemainderFirst);
  CHECK(std::string(schedule_name(Schedule::RemainderFirst)) == "remainder-first");
  CHECK_THROWS_AS(parse_schedule("first"), Error);
}

TEST_CASE("params_json is canonical and params_hash changes with every field that changes tokens", "[sampler][params]") {
  SamplerParams d;
  CHECK(params_json(d) ==
        R"({"block_size":32,"max_new_tokens":1024,"policy":"remedi-logit","schedule":"remainder-last",)"
        R"("steps":32,"stop_at_eos":true,"temperature":0.0,"threshold":0.9,"ups_tau":0.0})");
  CHECK(params_hash(d) == sha256_hex(params_json(d)));
  CHECK(params_hash(d).size() == 64);
  std::vector<SamplerParams> variants(9, d);
  variants[0].policy = Policy::Threshold;
  variants[1].schedule = Schedule::RemainderFirst;
  variants[2].block_size = 16;
  variants[3].steps = 16;
  variants[4].max_new_tokens = 512;
  variants[5].temperature = 0.5f;
  variants[6].ups_tau = 1.0f;
  variants[7].threshold = 0.8f;
  variants[8].stop_at_eos = false;
  std::set<std::string> hashes = {params_hash(d)};
  for (const auto& v : variants) hashes.insert(params_hash(v));
  CHECK(hashes.size() == 10);
  SamplerParams traced = d;  // tracing records, it never changes a token
  traced.trace = true;
  CHECK(params_hash(traced) == params_hash(d));
}

TEST_CASE("bad parameters are errors before the model is touched", "[sampler][params]") {
  auto bad = [](auto edit) {
    SamplerParams p;
    edit(p);
    FakeModel m(32, remedi::test::hashed_script());
    CHECK_THROWS_AS(validate_params(p), Error);
    CHECK_THROWS_AS(generate(m, {{{1}, 0}}, p), Error);
    CHECK(m.prefills == 0);
  };
  bad([](SamplerParams& p) { p.steps = 0; });
  bad([](SamplerParams& p) { p.steps = 33; });
  bad([](SamplerParams& p) { p.block_size = 0; p.steps = 1; });
  bad([](SamplerParams& p) { p.max_new_tokens = 0; });
  bad([](SamplerParams& p) { p.temperature = -1; });
  bad([](SamplerParams& p) { p.temperature = kNaNf; });
  bad([](SamplerParams& p) { p.ups_tau = -0.1f; });
  bad([](SamplerParams& p) { p.threshold = 1.5f; });
  CHECK_NOTHROW(validate_params(SamplerParams{}));

  FakeModel m(4, remedi::test::hashed_script());
  m.max_rows_ = 2;
  const std::vector<GenerateRequest> three = {{{1}, 0}, {{2}, 0}, {{3}, 0}};
  CHECK_THROWS_AS(generate(m, three, make_params(Policy::RemediLogit, 4, 4, 4)), Error);
  CHECK(m.prefills == 0);
}

namespace {
// A model that returns too few outputs: the sampler reports it instead of reading past the end.
class ShortModel : public FakeModel {
 public:
  ShortModel() : FakeModel(4, remedi::test::hashed_script()) {}
  void step(const std::vector<int32_t>& t, const StepSampling& s, StepOutput& out) override {
    FakeModel::step(t, s, out);
    out.prob.pop_back();
  }
};
}  // namespace

TEST_CASE("a model returning the wrong number of outputs is an error", "[sampler][params]") {
  ShortModel m;
  CHECK_THROWS_AS(generate(m, {{{1}, 0}}, make_params(Policy::LladaLowConf, 4, 4, 4)), Error);
}

TEST_CASE("probabilities are requested only by the policies that rank by them", "[sampler][policy]") {
  for (Policy pol : {Policy::RemediLogit, Policy::RemediUps, Policy::LladaLowConf, Policy::Threshold}) {
    FakeModel m(4, remedi::test::hashed_script());  // leaves StepOutput::prob empty when not asked
    auto r = generate(m, {{{1}, 0}}, make_params(pol, 4, 4, 8))[0];
    const bool want = pol == Policy::LladaLowConf || pol == Policy::Threshold;
    REQUIRE_FALSE(m.samplings.empty());
    for (const auto& s : m.samplings) CHECK(s.need_prob == want);
    CHECK(r.raw_tokens.size() == 8);
  }
}

TEST_CASE("the confidence is requested only by the policy that ranks by it", "[sampler][policy]") {
  for (Policy pol : {Policy::RemediLogit, Policy::RemediUps, Policy::LladaLowConf, Policy::Threshold}) {
    FakeModel m(4, remedi::test::hashed_script());  // leaves StepOutput::confidence empty when not asked
    auto r = generate(m, {{{1}, 0}}, make_params(pol, 4, 4, 8))[0];
    REQUIRE_FALSE(m.samplings.empty());
    for (const auto& s : m.samplings) CHECK(s.need_confidence == (pol == Policy::RemediUps));
    CHECK(r.raw_tokens.size() == 8);
  }
}
