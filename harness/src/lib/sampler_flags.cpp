#include "sampler_flags.h"

namespace remedi::cli {

engine::SamplerParams parse_sampler_flags(Args& a) {
  engine::SamplerParams p;
  p.policy = engine::parse_policy(a.get("--policy", "remedi-logit"));
  p.steps = static_cast<int>(a.get_int("--steps", p.steps));
  p.block_size = static_cast<int>(a.get_int("--block", p.block_size));
  p.max_new_tokens = static_cast<int>(a.get_int("--max-new-tokens", p.max_new_tokens));
  p.temperature = static_cast<float>(a.get_double("--temperature", p.temperature));
  p.ups_tau = static_cast<float>(a.get_double("--ups-tau", p.ups_tau));
  p.threshold = static_cast<float>(a.get_double("--threshold", p.threshold));
  if (auto s = a.opt("--schedule")) p.schedule = engine::parse_schedule(*s);
  if (a.flag("--no-eos-stop")) p.stop_at_eos = false;
  if (a.flag("--trace")) p.trace = true;
  engine::validate_params(p);
  return p;
}

engine::EngineOptions parse_engine_flags(Args& a) {
  engine::EngineOptions eo;
  eo.model = a.get("--model");
  eo.device = a.get("--device", "cpu");
  eo.dtype = a.get("--dtype", "auto");
  for (int64_t t : a.get_int_list("--taps")) eo.ups_taps.push_back(static_cast<int>(t));
  eo.step_graphs = !a.flag("--eager");
  return eo;
}

const char* sampler_flags_help() {
  return R"(sampler:
  --policy P                remedi-logit (default; released code), remedi-ups (paper), llada-lowconf, threshold
  --steps N                 denoising steps per block, 1..block (default 32)
  --block N                 block size (default 32)
  --max-new-tokens N        generation budget, whole blocks (default 1024)
  --temperature T           0 = greedy candidates (default); > 0 samples candidates
  --ups-tau T               remedi-ups: 0 = greedy top-k (default); > 0 Plackett-Luce at T
  --threshold P             threshold policy: unmask when prob > P (default 0.9)
  --schedule remainder-last|remainder-first   keep-count remainder (default remainder-last, RemeDi)
  --seed N                  per-request seed (default 0)
  --no-eos-stop             generate max-new-tokens even after EOS
  --trace                   record the per-step denoising trace
)";
}

}  // namespace remedi::cli
