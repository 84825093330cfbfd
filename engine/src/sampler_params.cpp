// Sampler parameters: policy and schedule names, the keep-count schedule, validation, and the
// canonical JSON / hash recorded with every result (STYLE.md: everything that can change a number is
// recorded).
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "remedi/common/error.h"
#include "remedi/common/sha256.h"
#include "remedi/engine/sampler.h"

namespace remedi::engine {

namespace {
constexpr const char* kPolicyNames = "remedi-logit, remedi-ups, llada-lowconf, threshold";
constexpr const char* kScheduleNames = "remainder-last (alias remedi), remainder-first (alias llada)";
constexpr const char* kWhere = "sampler parameters";
}  // namespace

const char* policy_name(Policy p) {
  switch (p) {
    case Policy::RemediLogit: return "remedi-logit";
    case Policy::RemediUps: return "remedi-ups";
    case Policy::LladaLowConf: return "llada-lowconf";
    case Policy::Threshold: return "threshold";
  }
  return "unknown";
}

Policy parse_policy(const std::string& s) {
  for (Policy p : {Policy::RemediLogit, Policy::RemediUps, Policy::LladaLowConf, Policy::Threshold})
    if (s == policy_name(p)) return p;
  throw Error(fmt::format("unknown sampler policy '{}'", s), "--policy",
              fmt::format("use one of: {}", kPolicyNames));
}

const char* schedule_name(Schedule s) {
  switch (s) {
    case Schedule::RemainderLast: return "remainder-last";
    case Schedule::RemainderFirst: return "remainder-first";
  }
  return "unknown";
}

Schedule parse_schedule(const std::string& s) {
  if (s == "remainder-last" || s == "remedi") return Schedule::RemainderLast;
  if (s == "remainder-first" || s == "llada") return Schedule::RemainderFirst;
  throw Error(fmt::format("unknown keep-count schedule '{}'", s), "--schedule",
              fmt::format("use one of: {}", kScheduleNames));
}

// MODEL.md §4: split block_size evenly over the steps and take the cumulative sum. LLaDA's
// get_num_transfer_tokens adds the remainder to the first steps; RemeDi's sampler to the last ones.
// Example (32, 5): per step 6,6,6,7,7 (last) or 7,7,6,6,6 (first).
std::vector<int> keep_counts(int block_size, int steps, Schedule s) {
  if (block_size < 1)
    throw Error(fmt::format("block_size must be >= 1, got {}", block_size), kWhere, "pass --block 32");
  if (steps < 1 || steps > block_size)
    throw Error(fmt::format("steps must be in 1..block_size ({}), got {}", block_size, steps), kWhere,
                "each step must unmask at least one token; pass --steps between 1 and --block");
  const int base = block_size / steps, rem = block_size % steps;
  std::vector<int> k(steps);
  int total = 0;
  for (int i = 0; i < steps; ++i) {
    const bool extra = s == Schedule::RemainderFirst ? i < rem : i >= steps - rem;
    total += base + (extra ? 1 : 0);
    k[i] = total;
  }
  return k;
}

void validate_params(const SamplerParams& p) {
  keep_counts(p.block_size, p.steps, p.schedule);  // block_size and steps
  if (p.max_new_tokens < 1)
    throw Error(fmt::format("max_new_tokens must be >= 1, got {}", p.max_new_tokens), kWhere,
                "pass --max-new-tokens 1024 (the released code's budget)");
  if (!std::isfinite(p.temperature) || p.temperature < 0)
    throw Error(fmt::format("temperature must be a finite number >= 0, got {}", p.temperature), kWhere,
                "0 = greedy argmax candidates");
  if (!std::isfinite(p.ups_tau) || p.ups_tau < 0)
    throw Error(fmt::format("ups_tau must be a finite number >= 0, got {}", p.ups_tau), kWhere,
                "0 = greedy top-k on the UPS confidence; > 0 = Plackett-Luce sampling");
  if (!std::isfinite(p.threshold) || p.threshold < 0 || p.threshold > 1)
    throw Error(fmt::format("threshold must be a probability in [0, 1], got {}", p.threshold), kWhere,
                "Fast-dLLM uses 0.9");
}

namespace {
// A float as the shortest decimal that reads back to it (0.9f -> 0.9, not 0.8999999761581421), so
// the JSON and its hash read the way the parameters were typed.
double canonical_float(float f) {
  if (!std::isfinite(f)) return static_cast<double>(f);  // dumped as null; validate_params rejects it
  return std::stod(fmt::format("{}", f));
}
}  // namespace

// Every field that can change a generated token. `trace` is left out on purpose: it only records
// what happened, so a traced run and an untraced run share one hash (and can resume each other).
std::string params_json(const SamplerParams& p) {
  nlohmann::json j;  // std::map underneath: keys come out sorted, so the text is canonical
  j["block_size"] = p.block_size;
  j["max_new_tokens"] = p.max_new_tokens;
  j["policy"] = policy_name(p.policy);
  j["schedule"] = schedule_name(p.schedule);
  j["steps"] = p.steps;
  j["stop_at_eos"] = p.stop_at_eos;
  j["temperature"] = canonical_float(p.temperature);
  j["threshold"] = canonical_float(p.threshold);
  j["ups_tau"] = canonical_float(p.ups_tau);
  return j.dump();
}

std::string params_hash(const SamplerParams& p) { return sha256_hex(params_json(p)); }

}  // namespace remedi::engine
