// GPU twin check (label gpu): the tiny RemeDi model on CUDA bf16 against the same weights on the CPU
// in float32. Exits 77 (skipped) where no CUDA device is usable, which is every CI machine.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "device_info.h"
#include "remedi/engine/engine.h"
#include "torch_model.h"

using namespace remedi::engine;

namespace {
double rel_err(const at::Tensor& a, const at::Tensor& ref) {
  auto r = ref.to(at::kDouble).cpu();
  return (a.to(at::kDouble).cpu() - r).norm().item<double>() / r.norm().item<double>();
}
}  // namespace

TEST_CASE("tiny RemeDi: CUDA bf16 logits within 2e-2 of CPU float32", "[gpu]") {
  if (!cuda_available()) {
    std::fprintf(stderr, "SKIPPED: no CUDA device in this build or on this machine\n");
    std::exit(77);
  }
  c10::InferenceMode im;
  ModelConfig c = ModelConfig::preset("tiny-remedi");
  c.max_seq_len = 1024;
  ModelWeights cpu_w = random_weights(c, at::kCPU, at::kFloat, 21);
  // Round the reference weights to bf16 first: the check is about the computation, not about the
  // (expected) loss of rounding the weights themselves.
  ModelWeights rounded = copy_weights(copy_weights(cpu_w, at::kCPU, at::kBFloat16), at::kCPU, at::kFloat);
  TorchModel cpu(c, rounded, at::kCPU, at::kFloat);
  TorchModel gpu(c, copy_weights(rounded, at::Device("cuda"), at::kBFloat16), at::Device("cuda"), at::kBFloat16);
  std::vector<std::vector<int32_t>> prompts = {{126080, 5, 17, 99, 250, 3, 42}, {126080, 7, 8}};
  std::vector<int32_t> b0(64), b1(64);
  for (int i = 0; i < 64; ++i) {
    b0[i] = (i * 37) % 300;
    b1[i] = i % 3 == 0 ? c.mask_id : (i * 11) % 300;
  }
  cpu.reserve_new_tokens(64);
  gpu.reserve_new_tokens(64);
  cpu.prefill(prompts);
  gpu.prefill(prompts);
  cpu.commit(b0);
  gpu.commit(b0);
  auto [lc, cc] = cpu.step_logits(b1);
  auto [lg, cg] = gpu.step_logits(b1);
  double el = rel_err(lg, lc), ec = rel_err(cg, cc);
  std::printf("tiny RemeDi CPU f32 vs CUDA bf16: logits rel err %.3e, confidence rel err %.3e\n", el, ec);
  CHECK(el <= 2e-2);
  CHECK(ec <= 2e-2);
}

TEST_CASE("tiny RemeDi on CUDA: captured step graphs give the eager path's tokens", "[gpu]") {
  if (!cuda_available()) std::exit(77);
  EngineOptions eo;
  eo.model = "preset:tiny-remedi";
  eo.device = "cuda";
  eo.weight_seed = 9;
  eo.max_batch = 4;
  auto fast = Engine::open(eo);
  eo.step_graphs = false;
  auto eager = Engine::open(eo);
  SamplerParams sp;
  sp.steps = 16;
  sp.max_new_tokens = 96;
  sp.stop_at_eos = false;
  std::vector<GenerateRequest> reqs;
  for (int i = 0; i < 4; ++i) reqs.push_back({std::vector<int32_t>(5 + 7 * i, 100 + i), uint64_t(i)});
  auto a = fast->generate(reqs, sp), b = eager->generate(reqs, sp);
  for (int i = 0; i < 4; ++i) CHECK(a[i].raw_tokens == b[i].raw_tokens);
  auto* tm = dynamic_cast<TorchModel*>(&fast->model());
  REQUIRE(tm != nullptr);
  CHECK(tm->graph_captures() == 3);
}
