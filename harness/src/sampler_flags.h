// Sampler flags shared by generate, run and bench, so every command spells them the same way.
#pragma once
#include "remedi/common/args.h"
#include "remedi/engine/engine.h"
#include "remedi/engine/sampler.h"

namespace remedi::cli {

// --policy --steps --block --max-new-tokens --temperature --ups-tau --threshold --schedule
// --no-eos-stop --trace ; validated (remedi::Error on bad values).
engine::SamplerParams parse_sampler_flags(Args& a);
const char* sampler_flags_help();

// --model (required) --device --dtype --taps --eager, shared by generate and bench.
engine::EngineOptions parse_engine_flags(Args& a);

}  // namespace remedi::cli
