// Sampler loop: keep-count schedules, NFE, EOS stop, answer truncation, remask / revision counters,
// batching of rows that stop at different times. Policies, Plackett-Luce and parameters are in
// test_sampler_policy.cpp. All against the scripted fake model (fake_model.h), no torch.
#include <catch2/catch.hpp>

#include "fake_model.h"
#include "remedi/common/error.h"
#include "remedi/engine/sampler.h"

using namespace remedi;
using namespace remedi::engine;
using remedi::test::FakeModel;
using remedi::test::FakeOut;
using remedi::test::kEos;
using remedi::test::kMask;
using remedi::test::make_params;
using remedi::test::O;

namespace {
constexpr int32_t M = kMask;

using U8 = std::vector<uint8_t>;
using I32 = std::vector<int32_t>;
}  // namespace

TEST_CASE("keep counts: exact cumulative vectors for steps 1, 5, 16, 32 under both schedules", "[sampler]") {
  using V = std::vector<int>;
  for (Schedule s : {Schedule::RemainderLast, Schedule::RemainderFirst}) {
    CHECK(keep_counts(32, 1, s) == V{32});
    V two;
    for (int i = 1; i <= 16; ++i) two.push_back(2 * i);
    CHECK(keep_counts(32, 16, s) == two);
    V all;
    for (int i = 0; i < 32; ++i) all.push_back(i + 1);  // MODEL.md §4: steps = 32 -> k_i = i + 1
    CHECK(keep_counts(32, 32, s) == all);
  }
  // 32 / 5 = 6 remainder 2: RemeDi 6,6,6,7,7; LLaDA 7,7,6,6,6.
  CHECK(keep_counts(32, 5, Schedule::RemainderLast) == V{6, 12, 18, 25, 32});
  CHECK(keep_counts(32, 5, Schedule::RemainderFirst) == V{7, 14, 20, 26, 32});
  CHECK(keep_counts(10, 4, Schedule::RemainderLast) == V{2, 4, 7, 10});
  CHECK(keep_counts(10, 4, Schedule::RemainderFirst) == V{3, 6, 8, 10});
  CHECK(keep_counts(1, 1, Schedule::RemainderLast) == V{1});
  CHECK_THROWS_AS(keep_counts(32, 0, Schedule::RemainderLast), Error);
  CHECK_THROWS_AS(keep_counts(32, 33, Schedule::RemainderLast), Error);
  CHECK_THROWS_AS(keep_counts(0, 1, Schedule::RemainderFirst), Error);
  CHECK_THROWS_AS(keep_counts(-4, -4, Schedule::RemainderFirst), Error);
}

TEST_CASE("NFE of a full 1024-token answer with 32 steps is 1 + 32 x 33 = 1057", "[sampler]") {
  FakeModel m(32, remedi::test::eos_script(-1));
  SamplerParams p = make_params(Policy::RemediLogit, 32, 32, 1024);
  p.trace = false;
  auto res = generate(m, {{{1, 2, 3}, 0}}, p);
  REQUIRE(res.size() == 1);
  CHECK(res[0].nfe == 1057);
  CHECK(res[0].blocks == 32);
  CHECK(res[0].raw_tokens.size() == 1024);
  CHECK(res[0].tokens.size() == 1024);
  CHECK_FALSE(res[0].hit_eos);
  CHECK(res[0].tokens_per_forward == Approx(1024.0 / 1057.0));
  CHECK(res[0].trace.empty());
  CHECK(m.prefills == 1);
  CHECK(m.steps == 32 * 32);
  CHECK(m.commits == 32);
  REQUIRE(res[0].block_stats.size() == 32);
  for (const auto& b : res[0].block_stats) {
    CHECK(b.steps == 32);
    CHECK(b.nfe == 33);
    CHECK(b.tokens == 32);
  }
  for (int32_t t : res[0].raw_tokens) CHECK(t != M);  // every block ends fully unmasked
}

TEST_CASE("max_new_tokens rounds up to whole blocks; NFE = 1 + blocks x (steps + 1)", "[sampler]") {
  FakeModel m(32, remedi::test::eos_script(-1));
  auto res = generate(m, {{{7}, 0}}, make_params(Policy::RemediLogit, 32, 8, 100));
  CHECK(res[0].blocks == 4);
  CHECK(res[0].nfe == 1 + 4 * 9);
  CHECK(res[0].raw_tokens.size() == 128);
  CHECK(res[0].trace.size() == 4 * 8);
  CHECK(m.steps == 32);
}

TEST_CASE("EOS stops a row after the block containing it; answer is cut at the first EOS", "[sampler]") {
  const int steps = 4;
  SECTION("EOS in block 2 of 8") {
    FakeModel m(32, remedi::test::eos_script(70));
    auto res = generate(m, {{{1, 2}, 0}}, make_params(Policy::RemediLogit, 32, steps, 256));
    const auto& r = res[0];
    CHECK(r.hit_eos);
    CHECK(r.blocks == 3);
    CHECK(r.nfe == 1 + 3 * (steps + 1));
    CHECK(m.steps == 3 * steps);
    CHECK(m.commits == 3);
    REQUIRE(r.raw_tokens.size() == 96);
    CHECK(r.raw_tokens[70] == kEos);
    REQUIRE(r.tokens.size() == 70);
    CHECK(I32(r.raw_tokens.begin(), r.raw_tokens.begin() + 70) == r.tokens);
    CHECK(r.raw_tokens[71] != kEos);  // the block goes on after EOS; the answer does not
    REQUIRE(r.block_stats.size() == 3);
    CHECK(r.block_stats[0].tokens == 32);
    CHECK(r.block_stats[1].tokens == 32);
    CHECK(r.block_stats[2].tokens == 6);
    CHECK(r.block_stats[2].tokens_per_forward == Approx(6.0 / (steps + 1)));
    CHECK(r.tokens_per_forward == Approx(70.0 / r.nfe));
  }
  SECTION("stop_at_eos = false runs the whole budget but still cuts the answer") {
    FakeModel m(32, remedi::test::eos_script(70));
    SamplerParams p = make_params(Policy::RemediLogit, 32, steps, 256);
    p.stop_at_eos = false;
    auto res = generate(m, {{{1, 2}, 0}}, p);
    CHECK(res[0].blocks == 8);
    CHECK(res[0].nfe == 1 + 8 * (steps + 1));
    CHECK(res[0].tokens.size() == 70);
    CHECK(res[0].raw_tokens.size() == 256);
    CHECK(res[0].block_stats[5].tokens == 0);
  }
  SECTION("EOS as the very first token: empty answer after one block") {
    FakeModel m(16, remedi::test::eos_script(0));
    auto res = generate(m, {{{1}, 0}}, make_params(Policy::LladaLowConf, 16, 16, 64));
    CHECK(res[0].tokens.empty());
    CHECK(res[0].blocks == 1);
    CHECK(res[0].nfe == 1 + 17);
    CHECK(res[0].tokens_per_forward == 0);
  }
}

TEST_CASE("a batch runs while any row is active; stopped rows are fed their last block and not counted",
          "[sampler]") {
  const int bs = 16, steps = 4;
  // EOS position per row from its prompt's first token (negative: never).
  auto script = [](const remedi::test::FakeContext& c, int pos) {
    FakeOut o = remedi::test::hashed_out(c, pos);
    if (c.block * c.block_size + pos == (*c.prompt)[0]) {
      o.candidate = kEos;
      o.logit = 100;
    }
    return o;
  };
  const std::vector<GenerateRequest> reqs = {{{5, 1, 1}, 1}, {{-1, 2}, 2}, {{40}, 3}};
  FakeModel m(bs, script);
  auto res = generate(m, reqs, make_params(Policy::RemediLogit, bs, steps, 64));
  CHECK(res[0].blocks == 1);
  CHECK(res[0].nfe == 1 + 1 * 5);
  CHECK(res[1].blocks == 4);
  CHECK(res[1].nfe == 1 + 4 * 5);
  CHECK(res[2].blocks == 3);
  CHECK(res[2].nfe == 1 + 3 * 5);
  CHECK(res[0].tokens.size() == 5);
  CHECK(res[2].tokens.size() == 40);
  CHECK(res[1].tokens.size() == 64);
  CHECK(m.steps == 4 * steps);
  CHECK(m.commits == 4);
  CHECK(res[0].trace.size() == 1 * steps);
  CHECK(res[2].trace.size() == 3 * steps);
  // Row 0 stopped after block 0: every later step and commit gets its final block 0 again.
  const I32 row0(res[0].raw_tokens.begin(), res[0].raw_tokens.end());
  for (size_t s = steps; s < m.step_inputs.size(); ++s)
    CHECK(I32(m.step_inputs[s].begin(), m.step_inputs[s].begin() + bs) == row0);
  for (size_t c = 1; c < m.commits_in.size(); ++c)
    CHECK(I32(m.commits_in[c].begin(), m.commits_in[c].begin() + bs) == row0);
  // Each row equals the same request run alone.
  for (size_t r = 0; r < reqs.size(); ++r) {
    FakeModel alone(bs, script);
    auto a = generate(alone, {reqs[r]}, make_params(Policy::RemediLogit, bs, steps, 64));
    CHECK(a[0].raw_tokens == res[r].raw_tokens);
    CHECK(a[0].nfe == res[r].nfe);
    CHECK(a[0].remasks == res[r].remasks);
    CHECK(a[0].revisions == res[r].revisions);
  }
}

TEST_CASE("continuous batching: finished rows take queued requests; every result equals its request alone",
          "[sampler]") {
  const int bs = 16, steps = 4;
  auto script = [](const remedi::test::FakeContext& c, int pos) {  // EOS at the prompt's first token
    FakeOut o = remedi::test::hashed_out(c, pos);
    if (c.block * c.block_size + pos == (*c.prompt)[0]) {
      o.candidate = kEos;
      o.logit = 100;
    }
    return o;
  };
  // Requests ending after 1, 4 (budget), 2, 1, 3, 1 and 4 blocks, two at a time.
  const std::vector<GenerateRequest> reqs = {{{3, 7}, 11}, {{-1, 8}, 12}, {{20}, 13}, {{0, 9}, 14},
                                             {{47, 1, 2}, 15}, {{15}, 16}, {{-1}, 17}};
  auto params = make_params(Policy::RemediLogit, bs, steps, 64);
  FakeModel m(bs, script);
  m.refill_enabled = true;
  auto res = generate(m, reqs, params, {}, 2);
  REQUIRE(res.size() == reqs.size());
  CHECK(m.prefills == 1);  // one batch: every later request entered through a refill
  CHECK(m.refills == 5);
  // Row 0 serves requests 0, 2, 3, 4 (1 + 2 + 1 + 3 blocks), row 1 serves 1, 5, 6 (4 + 1 + 4):
  // 9 block rounds in all.
  CHECK(m.commits == 9);
  for (size_t r = 0; r < reqs.size(); ++r) {
    FakeModel alone(bs, script);
    auto a = generate(alone, {reqs[r]}, params);
    INFO("request " << r);
    CHECK(a[0].raw_tokens == res[r].raw_tokens);
    CHECK(a[0].tokens == res[r].tokens);
    CHECK(a[0].nfe == res[r].nfe);
    CHECK(a[0].blocks == res[r].blocks);
    CHECK(a[0].remasks == res[r].remasks);
    CHECK(a[0].revisions == res[r].revisions);
    CHECK(a[0].trace.size() == res[r].trace.size());
  }
  // A model that cannot refill: the queue waits for the next batch, results unchanged.
  FakeModel no(bs, script);
  auto res2 = generate(no, reqs, params, {}, 2);
  CHECK(no.prefills == 4);
  CHECK(no.refills == 0);
  for (size_t r = 0; r < reqs.size(); ++r) CHECK(res2[r].raw_tokens == res[r].raw_tokens);
  CHECK_THROWS(generate(no, reqs, params, {}, -1));
}

TEST_CASE("remask and revision counters on a scripted block", "[sampler]") {
  SECTION("unmasked, remasked, re-unmasked with another token: 2 remasks, 1 revision") {
    // block 4, steps 4, k = 1, 2, 3, 4; remedi-logit ranks by the logit column.
    FakeModel m(4, remedi::test::table_script({
        {O(10, 5), O(11, 1), O(12, 1), O(13, 1)},   // keep 0          -> [10 M  M  M ]
        {O(99, 0), O(11, 4), O(12, 3), O(13, 1)},   // keep 1,2; pos 0 remasked -> [M 11 12 M]
        {O(20, 6), O(11, 0), O(12, 5), O(13, 4)},   // keep 0,2,3; pos 1 remasked -> [20 M 12 13]
        {O(20, 1), O(11, 1), O(12, 1), O(13, 1)},   // keep all        -> [20 11 12 13]
    }));
    auto res = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 4, 4, 4));
    const auto& r = res[0];
    CHECK(r.raw_tokens == I32{20, 11, 12, 13});
    CHECK(r.remasks == 2);
    CHECK(r.revisions == 1);  // pos 0: 10 -> 20; pos 1 went back to the same 11: not a revision
    CHECK(r.block_stats.at(0).remasks == 2);
    CHECK(r.block_stats.at(0).revisions == 1);
    CHECK(r.nfe == 1 + 5);
    REQUIRE(m.step_inputs.size() == 4);
    CHECK(m.step_inputs[0] == I32{M, M, M, M});
    CHECK(m.step_inputs[1] == I32{10, M, M, M});
    CHECK(m.step_inputs[2] == I32{M, 11, 12, M});
    CHECK(m.step_inputs[3] == I32{20, M, 12, 13});
    CHECK(m.commits_in.at(0) == I32{20, 11, 12, 13});
    REQUIRE(r.trace.size() == 4);
    CHECK(r.trace[1].remasked == U8{1, 0, 0, 0});
    CHECK(r.trace[2].remasked == U8{0, 1, 0, 0});
    CHECK(r.trace[3].remasked == U8{0, 0, 0, 0});
    CHECK(r.trace[2].masked == U8{0, 1, 0, 0});
    CHECK(r.trace[2].tokens == I32{20, M, 12, 13});
  }
  SECTION("A -> B -> A counts one revision (the final token differs from one held earlier)") {
    FakeModel m(5, remedi::test::table_script({
        {O(7, 5), O(1, 0), O(2, 0), O(3, 0), O(4, 0)},    // [7 M M M M]
        {O(7, -1), O(1, 5), O(2, 4), O(3, 0), O(4, 0)},   // [M 1 2 M M]   remask 0
        {O(8, 9), O(1, 5), O(2, 4), O(3, 0), O(4, 0)},    // [8 1 2 M M]
        {O(8, -1), O(1, 5), O(2, 4), O(3, 3), O(4, 2)},   // [M 1 2 3 4]   remask 0
        {O(7, 0), O(1, 0), O(2, 0), O(3, 0), O(4, 0)},    // [7 1 2 3 4]
    }));
    auto res = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 5, 5, 5));
    CHECK(res[0].raw_tokens == I32{7, 1, 2, 3, 4});
    CHECK(res[0].remasks == 2);
    CHECK(res[0].revisions == 1);
  }
  SECTION("counters add up over blocks") {
    FakeModel m(4, remedi::test::table_script({
        {O(10, 5), O(11, 1), O(12, 1), O(13, 1)},
        {O(99, 0), O(11, 4), O(12, 3), O(13, 1)},
        {O(20, 6), O(11, 0), O(12, 5), O(13, 4)},
        {O(20, 1), O(11, 1), O(12, 1), O(13, 1)},
    }));
    auto res = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 4, 4, 12));
    CHECK(res[0].blocks == 3);
    CHECK(res[0].remasks == 6);
    CHECK(res[0].revisions == 3);
    for (const auto& b : res[0].block_stats) CHECK((b.remasks == 2 && b.revisions == 1));
  }
}

TEST_CASE("unmasked positions keep their token even if the model proposes another", "[sampler]") {
  FakeModel m(2, remedi::test::table_script({{O(5, 1), O(6, 0)}, {O(50, 1), O(6, 1)}}));
  m.lie_at_unmasked = true;
  auto res = generate(m, {{{1}, 0}}, make_params(Policy::RemediLogit, 2, 2, 2));
  CHECK(res[0].raw_tokens == I32{5, 6});
  CHECK(res[0].revisions == 0);
}

TEST_CASE("on_step is called once per batch step, in order; empty batch calls nothing", "[sampler]") {
  FakeModel m(8, remedi::test::hashed_script());
  std::vector<std::pair<int, int>> calls;
  generate(m, {{{1}, 0}, {{2}, 1}}, make_params(Policy::RemediLogit, 8, 2, 24),
           [&](int b, int s) { calls.emplace_back(b, s); });
  CHECK(calls == std::vector<std::pair<int, int>>{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}, {2, 1}});
  FakeModel m2(8, remedi::test::hashed_script());
  CHECK(generate(m2, {}, make_params(Policy::RemediLogit, 8, 2, 24)).empty());
  CHECK(m2.prefills == 0);
}
